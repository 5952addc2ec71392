/*  hotline: the command-line client of hotlined.
 *
 *      hotline submit --channel phone --phone 13800138000 --type 投诉 \
 *                     --category CG.01 --area 441702 --content "..."
 *      hotline show YJ20261127000001
 *      hotline status
 *      hotline dispatch YJ20261127000001 rsj --note "..."   (and the other actions)
 *      hotline list --caller 13800138000
 *      hotline deadline --received "2026-12-28 10:00" --working-days 10
 *      hotline report --month 2026-11 --csv
 *
 *  Every command takes --json for scripts. Exit status: 0 done, 1 usage,
 *  2 refused by hotlined (the message says why), 3 hotlined unreachable
 *  or unable to confirm in time.
 */
#include "hl_buf.h"
#include "hl_client.h"
#include "hl_deadline_cmd.h"
#include "hl_lifecycle.h"
#include "hl_report_cmd.h"
#include "hl_secret.h"
#include "hl_snippet.h"
#include "hl_top.h"
#include "hl_view.h"
#include "hl_wire.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_USAGE = 1, EXIT_REFUSED = 2, EXIT_UNREACHABLE = 3 };

typedef struct {
    const char *endpoint;
    int json;
    int timeout_ms;
    const char *key_file;          //  CURVE: this person's key pair
    const char *server_key;        //  CURVE: hotlined's public key (or its file)
    hl_curve_client_t keys;
    int curve;
} s_opts_t;

static void
s_usage (void)
{
    fprintf (stderr,
        "usage: hotline [--endpoint E] [--timeout SEC] [--json]\n"
        "               [--key-file FILE --server-key KEY] COMMAND ...\n"
        "\n"
        "commands:\n"
        "  submit   take a request; prints the ticket number\n"
        "           --channel phone|web|app|enterprise|sms|mailbox  (required)\n"
        "           --type 咨询|求助|投诉|举报|建议|感谢|其他 (or inquiry, help,\n"
        "                  complaint, report, suggestion, thanks, other) (required)\n"
        "           --category CODE --area CODE --content TEXT      (required)\n"
        "           --phone NUMBER (required unless --anonymous) --name NAME\n"
        "           --address TEXT --lat DEG --lon DEG (WGS84)\n"
        "           --enterprise --credit-code CODE --enterprise-name NAME\n"
        "           --confidential --anonymous --ref CHANNEL_REF\n"
        "           --request-id ID (default: random; reuse it to retry safely)\n"
        "           --disposition dispatch|answered_directly|transferred|out_of_scope|hold\n"
        "           --note TEXT --article ID --transfer-to 110|119|120|122 --agent ID\n"
        "           --urgent --tag TAG (SLA matter tag, e.g. utility-outage)\n"
        "  show TICKET [--caller REASON]\n"
        "                the ticket and its history; over CURVE the caller is masked\n"
        "                unless --caller says why the full details are needed (the\n"
        "                access is written to the ticket's history)\n"
        "  list --caller PHONE | --unit CODE | --state STATE [--limit N]\n"
        "  kb search QUERY [--unit U] [--category C] [--limit N]   knowledge base\n"
        "  similar TICKET | --text TEXT --area CODE [--category C] [--days N]\n"
        "                open tickets like this one (并单 candidates)\n"
        "  status        hotlined's health\n"
        "  top [--http HOST:PORT] [--token-file F] [--interval MS] [--once]\n"
        "                the supervisor's live figures (the dashboard's API; the token\n"
        "                file defaults to HOTLINE_TOKEN_FILE, else the token is\n"
        "                HOTLINE_TOKEN; the address defaults to HOTLINE_HTTP or\n"
        "                127.0.0.1:7180); q quits, s changes the ranking\n"
        "  keygen        print a new CURVE key pair (for intake_keys)\n"
        "  deadline --received \"YYYY-MM-DD HH:MM\" --working-days N [--profile P]\n"
        "           [--sla FILE] [--calendar-dir DIR]\n"
        "                the due moment hotlined computes from these files, and whether\n"
        "                it is provisional (past the loaded calendar files)\n"
        "  report (--month YYYY-MM | --year YYYY | --from DAY --to DAY)\n"
        "         [--by unit|area|category] [--weights R,S,T] [--csv]\n"
        "         [--tz-offset-min N] [--dsn DSN] [--password-file FILE]\n"
        "                三率 and the 考核 score of the tickets that came in then,\n"
        "                per unit, area or category, from the archive (PostgreSQL;\n"
        "                HOTLINE_ARCHIVE_DSN, HOTLINE_ARCHIVE_PASSWORD_FILE)\n"
        "\n"
        "actions on a ticket (all take --note TEXT, --actor ROLE:NAME, --request-id ID):\n"
        "  dispatch TICKET UNIT [--assist UNIT]...     派单 (dispatcher)\n"
        "  reassign TICKET UNIT [--assist UNIT]...     改派 a returned ticket (dispatcher)\n"
        "  refuse-return TICKET --note WHY             退单驳回 (dispatcher)\n"
        "  approve-extension TICKET [--days N]         延期批准 (dispatcher)\n"
        "  refuse-extension TICKET --note WHY          延期驳回 (dispatcher)\n"
        "  reject-reply TICKET --note WHY              答复退回 (dispatcher)\n"
        "  visit TICKET --satisfaction satisfied|basically_satisfied|unsatisfied\n"
        "        [--resolved|--unresolved] [--via phone|sms|web]\n"
        "                                              回访 (agent); unsatisfied goes to 甄别\n"
        "  visit-unreachable TICKET [--via V]          回访未接通 (agent); the last try closes\n"
        "  visit-merged TICKET --satisfaction S        并单回访: a merged ticket's caller\n"
        "  rehandle TICKET UNIT                        甄别: 重办 by that unit (dispatcher)\n"
        "  close-unsatisfied TICKET --note WHY         甄别: 不满意办结 (dispatcher)\n"
        "  close TICKET                                办结 (agent)\n"
        "  answer TICKET --note ANSWER [--article ID]  直接答复 (agent)\n"
        "  transfer TICKET 110|119|120|122             紧急转接 (agent)\n"
        "  out-of-scope TICKET --note REASON           不予受理 (agent)\n"
        "  merge TICKET PARENT                         并单 (agent)\n"
        "  link-repeat TICKET EARLIER                  重复来电: the caller's earlier ticket\n"
        "  pause TICKET --note WHY                     stop the SLA clock (dispatcher)\n"
        "  resume TICKET                               start it again (dispatcher)\n"
        "  grant-appeal TICKET --note DECISION         申诉通过: out of the units' figures (dispatcher)\n"
        "The actor defaults to HOTLINE_ACTOR, else (over CURVE) the key's owner, else\n"
        "dispatcher:$USER or agent:$USER.\n"
        "\n"
        "HOTLINE_ENDPOINT sets the default endpoint (tcp://127.0.0.1:7101).\n"
        "Where hotlined's intake speaks CURVE, --key-file (HOTLINE_KEY_FILE) is your key\n"
        "pair from `hotline keygen` and --server-key (HOTLINE_SERVER_KEY) hotlined's\n"
        "public key or a file holding it; actions are then taken as the key's owner.\n");
}

//  ---------------------------------------------------------------------
//  Printing

//  ---------------------------------------------------------------------
//  Requests

//  Sends ENV and returns the answer, or NULL after printing why not.
static Hotline__Envelope *
s_call (const s_opts_t *o, Hotline__Envelope *env)
{
    char err[512];
    Hotline__Envelope *reply = NULL;
    hl_client_t *client = hl_client_new_keyed (o->endpoint, o->curve ? &o->keys : NULL);
    if (!client) {
        fprintf (stderr, "hotline: bad endpoint '%s'\n", o->endpoint);
        return NULL;
    }
    if (hl_client_request (client, env, &reply, o->timeout_ms, 1000, err, sizeof err) != 0)
        fprintf (stderr, "hotline: %s\n", err);
    hl_client_destroy (&client);
    return reply;
}

//  Reports a Nack and returns the exit status it calls for.
static int
s_report_nack (const s_opts_t *o, const Hotline__Nack *n)
{
    const char *code = hl_wire_error_name (n->code) ?: "unknown";
    if (o->json) {
        hl_buf_t b = HL_BUF_INIT;
        hl_buf_puts (&b, "{\"error\":{");
        hl_json_kv_str (&b, "code", code, strlen (code), 1);
        hl_json_kv_str (&b, "message", n->message ?: "", strlen (n->message ?: ""), 0);
        hl_json_kv_bool (&b, "retryable", n->retryable, 0);
        if (n->field)
            hl_json_kv_str (&b, "field", n->field, strlen (n->field), 0);
        hl_buf_puts (&b, "}}");
        printf ("%s\n", b.data);
        hl_buf_free (&b);
    }
    fprintf (stderr, "hotline: refused (%s): %s\n", code, n->message ?: "");
    return n->retryable ? EXIT_UNREACHABLE : EXIT_REFUSED;
}

static int
s_finish (const s_opts_t *o, Hotline__Envelope *reply, Hotline__Envelope__BodyCase want,
          void (*print) (const s_opts_t *, const Hotline__Envelope *))
{
    int rc = 0;
    if (!reply)
        return EXIT_UNREACHABLE;
    if (reply->body_case == HOTLINE__ENVELOPE__BODY_NACK)
        rc = s_report_nack (o, reply->nack);
    else
    if (reply->body_case != want) {
        fprintf (stderr, "hotline: unexpected answer from hotlined\n");
        rc = EXIT_UNREACHABLE;
    }
    else
        print (o, reply);
    hl_wire_free (&reply);
    return rc;
}

static void
s_print_ack (const s_opts_t *o, const Hotline__Envelope *r)
{
    const Hotline__Ack *a = r->ack;
    if (o->json) {
        hl_buf_t b = HL_BUF_INIT;
        const char *state = hl_wire_state_name (a->state) ?: "";
        hl_buf_puts (&b, "{");
        hl_json_kv_str (&b, "ticket", a->ticket ?: "", strlen (a->ticket ?: ""), 1);
        hl_json_kv_str (&b, "state", state, strlen (state), 0);
        hl_json_kv_int (&b, "created_ms", (int64_t) a->created_ms, 0);
        hl_json_kv_bool (&b, "duplicate", a->duplicate, 0);
        if (a->has_reply_due_ms)
            hl_json_kv_int (&b, "reply_due_ms", (int64_t) a->reply_due_ms, 0);
        hl_buf_puts (&b, "}");
        printf ("%s\n", b.data);
        hl_buf_free (&b);
        return;
    }
    //  The ticket number alone on stdout (scripts read it); the date to
    //  tell the caller beside it, for the agent.
    printf ("%s\n", a->ticket ?: "");
    if (a->has_reply_due_ms) {
        char due[32];
        hl_view_time (a->reply_due_ms, due, sizeof due);
        fprintf (stderr, "答复期限 %s\n", due);
    }
}

static void
s_print_view (const s_opts_t *o, const Hotline__Envelope *r)
{
    if (o->json) {
        hl_buf_t b = HL_BUF_INIT;
        hl_view_json (&b, r->ticket_view);
        printf ("%s\n", b.data);
        hl_buf_free (&b);
    }
    else
        hl_view_print (stdout, r->ticket_view);
}

static void
s_print_status (const s_opts_t *o, const Hotline__Envelope *r)
{
    const Hotline__Status *s = r->status;
    if (o->json) {
        printf ("{\"version\":\"%s\",\"instance\":\"%s\",\"store_up\":%s,\"inflight\":%u,"
                "\"uptime_ms\":%llu,\"accepted\":%llu,\"rejected\":%llu,\"ack\":\"%s\","
                "\"archive\":\"%s\",",
                s->version ?: "", s->instance ?: "", s->store_up ? "true" : "false",
                s->inflight, (unsigned long long) s->uptime_ms,
                (unsigned long long) s->accepted, (unsigned long long) s->rejected,
                s->ack ?: "local", s->archive ?: "off");
        printf ("\"store\":\"%s\",\"masters\":[", s->store ?: "");
        for (size_t i = 0; i < s->n_masters; i++)
            printf ("%s\"%s\"", i ? "," : "", s->masters[i]);
        printf ("],\"outbox\":{");
        for (size_t i = 0; i < s->n_outbox; i++)
            printf ("%s\"%s\":{\"backlog\":%llu,\"lag_ms\":%lld}", i ? "," : "",
                    s->outbox[i]->group ?: "", (unsigned long long) s->outbox[i]->backlog,
                    (long long) s->outbox[i]->lag_ms);
        printf ("}}\n");
        return;
    }
    printf ("hotlined %s (%s): store %s, %u in flight, up %llu s, %llu accepted, "
            "%llu refused, ack %s\n", s->version ?: "?", s->instance ?: "?",
            s->store_up ? "up" : "DOWN", s->inflight,
            (unsigned long long) s->uptime_ms / 1000, (unsigned long long) s->accepted,
            (unsigned long long) s->rejected, s->ack ?: "local");
    printf ("archive %s; outbox backlog:", s->archive ?: "off");
    for (size_t i = 0; i < s->n_outbox; i++)
        printf (" %s %llu", s->outbox[i]->group ?: "?", (unsigned long long) s->outbox[i]->backlog);
    printf ("\nstore %s, masters:", s->store ?: "?");
    for (size_t i = 0; i < s->n_masters; i++)
        printf ("%s %s", i ? "," : "", s->masters[i]);
    printf ("\n");
}

//  ---------------------------------------------------------------------
//  Commands

//  Parses submit's options into C. Text options point into argv.
static int
s_parse_submit (int argc, char **argv, Hotline__Complaint *c, Hotline__GeoPoint *pt)
{
    enum { O_CHANNEL = 256, O_TYPE, O_CATEGORY, O_AREA, O_CONTENT, O_PHONE, O_NAME,
           O_ADDRESS, O_LAT, O_LON, O_ENTERPRISE, O_CREDIT, O_ENAME, O_CONF, O_ANON,
           O_REF, O_RID, O_DISP, O_NOTE, O_ARTICLE, O_TRANSFER, O_AGENT, O_URGENT, O_TAG };
    static const struct option longopts[] = {
        { "channel", 1, 0, O_CHANNEL }, { "type", 1, 0, O_TYPE },
        { "category", 1, 0, O_CATEGORY }, { "area", 1, 0, O_AREA },
        { "content", 1, 0, O_CONTENT }, { "phone", 1, 0, O_PHONE },
        { "name", 1, 0, O_NAME }, { "address", 1, 0, O_ADDRESS },
        { "lat", 1, 0, O_LAT }, { "lon", 1, 0, O_LON },
        { "enterprise", 0, 0, O_ENTERPRISE }, { "credit-code", 1, 0, O_CREDIT },
        { "enterprise-name", 1, 0, O_ENAME }, { "confidential", 0, 0, O_CONF },
        { "anonymous", 0, 0, O_ANON }, { "ref", 1, 0, O_REF },
        { "request-id", 1, 0, O_RID }, { "disposition", 1, 0, O_DISP },
        { "note", 1, 0, O_NOTE }, { "article", 1, 0, O_ARTICLE },
        { "transfer-to", 1, 0, O_TRANSFER }, { "agent", 1, 0, O_AGENT },
        { "urgent", 0, 0, O_URGENT }, { "tag", 1, 0, O_TAG }, { 0, 0, 0, 0 }
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
            case O_CHANNEL:
                c->has_channel = 1;
                if (!(c->channel = hl_wire_channel_parse (optarg))) {
                    fprintf (stderr, "hotline: unknown channel '%s'\n", optarg);
                    return -1;
                }
                break;
            case O_TYPE:
                c->has_request_type = 1;
                if (!(c->request_type = hl_wire_request_type_parse (optarg))) {
                    fprintf (stderr, "hotline: unknown request type '%s'\n", optarg);
                    return -1;
                }
                break;
            case O_CATEGORY: c->has_category = 1; c->category = hl_wire_bytes (optarg); break;
            case O_AREA: c->has_area = 1; c->area = hl_wire_bytes (optarg); break;
            case O_CONTENT: c->has_content = 1; c->content = hl_wire_bytes (optarg); break;
            case O_PHONE: c->has_caller_phone = 1; c->caller_phone = hl_wire_bytes (optarg); break;
            case O_NAME: c->has_caller_name = 1; c->caller_name = hl_wire_bytes (optarg); break;
            case O_ADDRESS: c->has_address = 1; c->address = hl_wire_bytes (optarg); break;
            case O_LAT: pt->has_lat = 1; pt->lat = atof (optarg); c->location = pt; break;
            case O_LON: pt->has_lon = 1; pt->lon = atof (optarg); c->location = pt; break;
            case O_ENTERPRISE: c->has_enterprise = 1; c->enterprise = 1; break;
            case O_CREDIT: c->has_credit_code = 1; c->credit_code = hl_wire_bytes (optarg); break;
            case O_ENAME:
                c->has_enterprise_name = 1;
                c->enterprise_name = hl_wire_bytes (optarg);
                break;
            case O_CONF: c->has_confidential = 1; c->confidential = 1; break;
            case O_ANON: c->has_anonymous = 1; c->anonymous = 1; break;
            case O_REF: c->has_channel_ref = 1; c->channel_ref = hl_wire_bytes (optarg); break;
            case O_RID: c->has_request_id = 1; c->request_id = hl_wire_bytes (optarg); break;
            case O_DISP:
                c->has_disposition = 1;
                if (!(c->disposition = hl_wire_disposition_parse (optarg))) {
                    fprintf (stderr, "hotline: unknown disposition '%s'\n", optarg);
                    return -1;
                }
                break;
            case O_NOTE: c->has_note = 1; c->note = hl_wire_bytes (optarg); break;
            case O_ARTICLE: c->has_article = 1; c->article = hl_wire_bytes (optarg); break;
            case O_TRANSFER:
                c->has_transfer_to = 1;
                c->transfer_to = (uint32_t) atoi (optarg);
                break;
            case O_AGENT: c->has_agent = 1; c->agent = hl_wire_bytes (optarg); break;
            case O_URGENT: c->has_urgent = 1; c->urgent = 1; break;
            case O_TAG: c->has_tag = 1; c->tag = hl_wire_bytes (optarg); break;
            default: return -1;
        }
    }
    if (optind != argc) {
        fprintf (stderr, "hotline: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    return 0;
}

static int
s_cmd_submit (const s_opts_t *o, int argc, char **argv)
{
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    Hotline__GeoPoint pt = HOTLINE__GEO_POINT__INIT;
    if (s_parse_submit (argc, argv, &c, &pt) != 0) {
        s_usage ();
        return EXIT_USAGE;
    }
    char rid[33];
    if (!c.has_request_id) {
        hl_client_new_request_id (rid);
        c.has_request_id = 1;
        c.request_id = hl_wire_bytes (rid);
    }
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.has_request_id = 1;
    env.request_id = c.request_id;
    env.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env.complaint = &c;
    return s_finish (o, s_call (o, &env), HOTLINE__ENVELOPE__BODY_ACK, s_print_ack);
}

static int
s_cmd_show (const s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "caller", 1, 0, 'c' }, { 0, 0, 0, 0 }
    };
    const char *reason = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        if (opt != 'c') {
            s_usage ();
            return EXIT_USAGE;
        }
        reason = optarg;
    }
    if (argc - optind != 1) {
        s_usage ();
        return EXIT_USAGE;
    }
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (argv[optind]);
    if (reason) {
        q.has_reveal_caller = q.reveal_caller = 1;
        q.has_reason = 1;
        q.reason = hl_wire_bytes (reason);
    }
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    env.ticket_query = &q;
    return s_finish (o, s_call (o, &env), HOTLINE__ENVELOPE__BODY_TICKET_VIEW, s_print_view);
}

static int
s_cmd_status (const s_opts_t *o, int argc, char **argv)
{
    (void) argv;
    if (argc != 1) {
        s_usage ();
        return EXIT_USAGE;
    }
    Hotline__StatusQuery q = HOTLINE__STATUS_QUERY__INIT;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    return s_finish (o, s_call (o, &env), HOTLINE__ENVELOPE__BODY_STATUS, s_print_status);
}

//  ---------------------------------------------------------------------
//  Actions on tickets

//  A command that becomes one Transition. ARG names the second
//  positional argument: "unit", "parent", "repeat_of", "number" or NULL.
typedef struct {
    const char *command;
    Hotline__Action action;
    const char *arg;
} s_action_cmd_t;

static const s_action_cmd_t s_action_cmds[] = {
    { "dispatch", HOTLINE__ACTION__ACTION_DISPATCH, "unit" },
    { "reassign", HOTLINE__ACTION__ACTION_REASSIGN, "unit" },
    { "refuse-return", HOTLINE__ACTION__ACTION_REFUSE_RETURN, NULL },
    { "approve-extension", HOTLINE__ACTION__ACTION_APPROVE_EXTENSION, NULL },
    { "refuse-extension", HOTLINE__ACTION__ACTION_REFUSE_EXTENSION, NULL },
    { "reject-reply", HOTLINE__ACTION__ACTION_REJECT_REPLY, NULL },
    { "visit", HOTLINE__ACTION__ACTION_VISIT, NULL },
    { "visit-unreachable", HOTLINE__ACTION__ACTION_VISIT_UNREACHABLE, NULL },
    { "visit-merged", HOTLINE__ACTION__ACTION_VISIT_MERGED, NULL },
    { "rehandle", HOTLINE__ACTION__ACTION_REHANDLE, "unit" },
    { "close-unsatisfied", HOTLINE__ACTION__ACTION_CLOSE_UNSATISFIED, NULL },
    { "close", HOTLINE__ACTION__ACTION_CLOSE, NULL },
    { "answer", HOTLINE__ACTION__ACTION_ANSWER_DIRECTLY, NULL },
    { "transfer", HOTLINE__ACTION__ACTION_TRANSFER, "number" },
    { "out-of-scope", HOTLINE__ACTION__ACTION_OUT_OF_SCOPE, NULL },
    { "merge", HOTLINE__ACTION__ACTION_MERGE, "parent" },
    { "link-repeat", HOTLINE__ACTION__ACTION_LINK_REPEAT, "repeat_of" },
    { "pause", HOTLINE__ACTION__ACTION_PAUSE, NULL },
    { "resume", HOTLINE__ACTION__ACTION_RESUME, NULL },
    { "grant-appeal", HOTLINE__ACTION__ACTION_GRANT_APPEAL, NULL },
    { NULL, 0, NULL }
};

//  The actor role a command is taken as when none is given: the role the
//  lifecycle table names for its action, a dispatcher where a unit or a
//  dispatcher may act.
static const char *
s_default_role (Hotline__Action action)
{
    const hl_lifecycle_action_t *a = hl_lifecycle_action (action);
    return a && strcmp (a->who, "agent") == 0 ? "agent" : "dispatcher";
}

typedef struct {
    char actor[128];
    char rid[33];
    ProtobufCBinaryData assist[8];
} s_action_buf_t;

static int
s_parse_action_opts (int argc, char **argv, Hotline__Transition *t, Hotline__Envelope *env,
                     s_action_buf_t *buf)
{
    enum { O_NOTE = 256, O_ASSIST, O_DAYS, O_SAT, O_RESOLVED, O_UNRESOLVED, O_ARTICLE,
           O_ACTOR, O_RID, O_VIA };
    static const struct option longopts[] = {
        { "note", 1, 0, O_NOTE }, { "assist", 1, 0, O_ASSIST }, { "days", 1, 0, O_DAYS },
        { "satisfaction", 1, 0, O_SAT }, { "resolved", 0, 0, O_RESOLVED },
        { "unresolved", 0, 0, O_UNRESOLVED }, { "article", 1, 0, O_ARTICLE },
        { "actor", 1, 0, O_ACTOR }, { "request-id", 1, 0, O_RID }, { "via", 1, 0, O_VIA },
        { 0, 0, 0, 0 }
    };
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
            case O_NOTE: t->has_note = 1; t->note = hl_wire_bytes (optarg); break;
            case O_ASSIST:
                if (t->n_assist == 8)
                    return -1;
                buf->assist[t->n_assist++] = hl_wire_bytes (optarg);
                t->assist = buf->assist;
                break;
            case O_DAYS:
                t->has_extension_days = 1;
                t->extension_days = (uint32_t) atoi (optarg);
                break;
            case O_SAT:
                t->has_satisfaction = 1;
                if (!(t->satisfaction = hl_wire_satisfaction_parse (optarg))) {
                    fprintf (stderr, "hotline: unknown satisfaction '%s'\n", optarg);
                    return -1;
                }
                break;
            case O_VIA:
                t->has_via = 1;
                if (!(t->via = hl_wire_via_parse (optarg))) {
                    fprintf (stderr, "hotline: --via is phone, sms or web, not '%s'\n", optarg);
                    return -1;
                }
                break;
            case O_RESOLVED: t->has_resolved = 1; t->resolved = 1; break;
            case O_UNRESOLVED: t->has_resolved = 1; t->resolved = 0; break;
            case O_ARTICLE: t->has_article = 1; t->article = hl_wire_bytes (optarg); break;
            case O_ACTOR: snprintf (buf->actor, sizeof buf->actor, "%s", optarg); break;
            case O_RID:
                env->has_request_id = 1;
                env->request_id = hl_wire_bytes (optarg);
                break;
            default: return -1;
        }
    }
    return 0;
}

static void
s_print_done (const s_opts_t *o, const Hotline__Envelope *r)
{
    const Hotline__TransitionDone *d = r->transition_done;
    const char *from = hl_wire_state_name (d->from_state) ?: "";
    const char *to = hl_wire_state_name (d->to_state) ?: "";
    if (o->json) {
        hl_buf_t b = HL_BUF_INIT;
        hl_buf_puts (&b, "{");
        hl_json_kv_str (&b, "ticket", d->ticket ?: "", strlen (d->ticket ?: ""), 1);
        hl_json_kv_str (&b, "from", from, strlen (from), 0);
        hl_json_kv_str (&b, "to", to, strlen (to), 0);
        hl_json_kv_int (&b, "at_ms", (int64_t) d->at_ms, 0);
        hl_json_kv_str (&b, "unit", d->unit ?: "", strlen (d->unit ?: ""), 0);
        hl_json_kv_bool (&b, "duplicate", d->duplicate, 0);
        hl_buf_puts (&b, "}");
        printf ("%s\n", b.data);
        hl_buf_free (&b);
    }
    else
        printf ("%s: %s -> %s%s%s\n", d->ticket ?: "", from, to,
                d->unit && *d->unit ? " " : "", d->unit ?: "");
}

static int
s_cmd_action (const s_opts_t *o, const s_action_cmd_t *cmd, int argc, char **argv)
{
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    s_action_buf_t buf = { .actor = "" };
    if (s_parse_action_opts (argc, argv, &t, &env, &buf) != 0
        || argc - optind != (cmd->arg ? 2 : 1)) {
        s_usage ();
        return EXIT_USAGE;
    }
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (argv[optind]);
    t.has_action = 1;
    t.action = cmd->action;
    const char *second = cmd->arg ? argv[optind + 1] : NULL;
    if (second && strcmp (cmd->arg, "unit") == 0)
        t.has_unit = 1, t.unit = hl_wire_bytes (second);
    else
    if (second && strcmp (cmd->arg, "parent") == 0)
        t.has_parent = 1, t.parent = hl_wire_bytes (second);
    else
    if (second && strcmp (cmd->arg, "repeat_of") == 0)
        t.has_repeat_of = 1, t.repeat_of = hl_wire_bytes (second);
    else
    if (second)
        t.has_transfer_to = 1, t.transfer_to = (uint32_t) atoi (second);
    //  Over CURVE hotlined knows who holds the key: no actor is needed.
    if (!*buf.actor && getenv ("HOTLINE_ACTOR"))
        snprintf (buf.actor, sizeof buf.actor, "%s", getenv ("HOTLINE_ACTOR"));
    if (!*buf.actor && !o->curve)
        snprintf (buf.actor, sizeof buf.actor, "%s:%s", s_default_role (cmd->action),
                  getenv ("USER") ?: "staff");
    t.has_actor = *buf.actor != 0;
    t.actor = hl_wire_bytes (buf.actor);
    if (!env.has_request_id) {
        hl_client_new_request_id (buf.rid);
        env.has_request_id = 1;
        env.request_id = hl_wire_bytes (buf.rid);
    }
    env.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env.transition = &t;
    return s_finish (o, s_call (o, &env), HOTLINE__ENVELOPE__BODY_TRANSITION_DONE, s_print_done);
}

static void
s_print_list (const s_opts_t *o, const Hotline__Envelope *r)
{
    const Hotline__TicketList *l = r->ticket_list;
    hl_buf_t b = HL_BUF_INIT;
    if (o->json)
        hl_buf_puts (&b, "[");
    for (size_t i = 0; i < l->n_tickets; i++) {
        const Hotline__TicketSummary *s = l->tickets[i];
        if (o->json) {
            if (i)
                hl_buf_puts (&b, ",");
            hl_view_summary_json (&b, s);
            continue;
        }
        char when[32];
        hl_view_time (s->created_ms, when, sizeof when);
        hl_buf_printf (&b, "%s  %s  %-12s %-6.*s %-10.*s %.*s\n", s->ticket ?: "", when,
                       hl_wire_state_label (s->state) ?: "?", (int) s->category.len,
                       s->category.data, (int) s->unit.len, s->unit.data,
                       (int) s->excerpt.len, s->excerpt.data);
    }
    if (o->json)
        hl_buf_puts (&b, "]\n");
    fputs (b.data ? b.data : "", stdout);
    hl_buf_free (&b);
    if (l->has_archive_unavailable && l->archive_unavailable)
        fputs ("hotline: archive_unavailable: the archive (PostgreSQL) could not be read; "
               "archived tickets are not listed\n", stderr);
}

static int
s_cmd_list (const s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "caller", 1, 0, 'c' }, { "unit", 1, 0, 'u' }, { "state", 1, 0, 's' },
        { "limit", 1, 0, 'l' }, { 0, 0, 0, 0 }
    };
    Hotline__TicketListQuery q = HOTLINE__TICKET_LIST_QUERY__INIT;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 'c')
            q.has_caller_phone = 1, q.caller_phone = hl_wire_bytes (optarg);
        else
        if (opt == 'u')
            q.has_unit = 1, q.unit = hl_wire_bytes (optarg);
        else
        if (opt == 's') {
            q.has_state = 1;
            if (!(q.state = hl_wire_state_parse (optarg))) {
                fprintf (stderr, "hotline: unknown state '%s'\n", optarg);
                return EXIT_USAGE;
            }
        }
        else
        if (opt == 'l')
            q.has_limit = 1, q.limit = (uint32_t) atoi (optarg);
        else {
            s_usage ();
            return EXIT_USAGE;
        }
    }
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    env.ticket_list_query = &q;
    return s_finish (o, s_call (o, &env), HOTLINE__ENVELOPE__BODY_TICKET_LIST, s_print_list);
}

//  ---------------------------------------------------------------------
//  Knowledge base and similar tickets

//  A terminal shows matches in bold; a pipe or a file gets plain text
//  (and so does a terminal that asks for no styling: NO_COLOR, TERM=dumb).
static int
s_bold_ok (void)
{
    const char *term = getenv ("TERM");
    return isatty (STDOUT_FILENO) && !getenv ("NO_COLOR") && !(term && strcmp (term, "dumb") == 0);
}

//  Snippets are rendered for people (hl_snippet); --json keeps them as
//  the index made them.
static void
s_print_kb (const s_opts_t *o, const Hotline__Envelope *r)
{
    const Hotline__KbResults *k = r->kb_results;
    hl_buf_t b = HL_BUF_INIT, text = HL_BUF_INIT;
    int bold = s_bold_ok ();
    if (o->json)
        hl_buf_puts (&b, "{\"hits\":[");
    for (size_t i = 0; i < k->n_hits; i++) {
        const Hotline__KbHit *h = k->hits[i];
        if (o->json) {
            hl_buf_puts (&b, i ? ",{" : "{");
            hl_json_kv_str (&b, "id", h->id.data, h->id.len, 1);
            hl_json_kv_str (&b, "title", h->title.data, h->title.len, 0);
            hl_json_kv_str (&b, "unit", h->unit.data, h->unit.len, 0);
            hl_json_kv_str (&b, "snippet", h->snippet.data, h->snippet.len, 0);
            hl_json_kv_str (&b, "answer", h->answer.data, h->answer.len, 0);
            hl_buf_printf (&b, ",\"weight\":%.4f}", h->weight);
            continue;
        }
        hl_snippet_render (h->snippet.data, h->snippet.len, bold ? "\033[1m" : "",
                           bold ? "\033[22m" : "", &text);
        hl_buf_printf (&b, "%zu. %.*s  [%.*s, %.*s]\n   %s\n", i + 1, (int) h->title.len,
                       h->title.data, (int) h->id.len, h->id.data, (int) h->unit.len,
                       h->unit.data, text.data);
    }
    hl_buf_free (&text);
    if (o->json)
        hl_buf_printf (&b, "],\"took_us\":%u}\n", k->took_us);
    else
    if (k->n_hits == 0)
        hl_buf_puts (&b, "(no article found)\n");
    fputs (b.data ? b.data : "", stdout);
    hl_buf_free (&b);
}

static int
s_cmd_kb (const s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "unit", 1, 0, 'u' }, { "category", 1, 0, 'c' }, { "limit", 1, 0, 'l' }, { 0, 0, 0, 0 }
    };
    Hotline__KbQuery q = HOTLINE__KB_QUERY__INIT;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 'u')
            q.has_unit = 1, q.unit = hl_wire_bytes (optarg);
        else
        if (opt == 'c')
            q.has_category = 1, q.category = hl_wire_bytes (optarg);
        else
        if (opt == 'l')
            q.has_limit = 1, q.limit = (uint32_t) atoi (optarg);
        else {
            s_usage ();
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2 || strcmp (argv[optind], "search") != 0) {
        s_usage ();
        return EXIT_USAGE;
    }
    q.has_query = 1;
    q.query = hl_wire_bytes (argv[optind + 1]);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_KB_QUERY;
    env.kb_query = &q;
    return s_finish (o, s_call (o, &env), HOTLINE__ENVELOPE__BODY_KB_RESULTS, s_print_kb);
}

static void
s_print_similar (const s_opts_t *o, const Hotline__Envelope *r)
{
    Hotline__TicketList list = HOTLINE__TICKET_LIST__INIT;
    list.n_tickets = r->similar_results->n_tickets;
    list.tickets = r->similar_results->tickets;
    Hotline__Envelope as_list = HOTLINE__ENVELOPE__INIT;
    as_list.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST;
    as_list.ticket_list = &list;
    s_print_list (o, &as_list);
}

static int
s_cmd_similar (const s_opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "text", 1, 0, 't' }, { "area", 1, 0, 'a' }, { "category", 1, 0, 'c' },
        { "days", 1, 0, 'd' }, { "limit", 1, 0, 'l' }, { 0, 0, 0, 0 }
    };
    Hotline__SimilarQuery q = HOTLINE__SIMILAR_QUERY__INIT;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 't')
            q.has_text = 1, q.text = hl_wire_bytes (optarg);
        else
        if (opt == 'a')
            q.has_area = 1, q.area = hl_wire_bytes (optarg);
        else
        if (opt == 'c')
            q.has_category = 1, q.category = hl_wire_bytes (optarg);
        else
        if (opt == 'd')
            q.has_days = 1, q.days = (uint32_t) atoi (optarg);
        else
        if (opt == 'l')
            q.has_limit = 1, q.limit = (uint32_t) atoi (optarg);
        else {
            s_usage ();
            return EXIT_USAGE;
        }
    }
    if (argc - optind == 1)
        q.has_ticket = 1, q.ticket = hl_wire_bytes (argv[optind]);
    else
    if (argc != optind || !q.has_text) {
        s_usage ();
        return EXIT_USAGE;
    }
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_SIMILAR_QUERY;
    env.similar_query = &q;
    return s_finish (o, s_call (o, &env), HOTLINE__ENVELOPE__BODY_SIMILAR_RESULTS, s_print_similar);
}

static int
s_cmd_top (int argc, char **argv)
{
    static const struct option longopts[] = {
        { "http", 1, 0, 'h' }, { "token-file", 1, 0, 't' }, { "interval", 1, 0, 'i' },
        { "once", 0, 0, 'o' }, { 0, 0, 0, 0 }
    };
    const char *http = getenv ("HOTLINE_HTTP"), *token_file = getenv ("HOTLINE_TOKEN_FILE");
    int interval = 2000, once = 0, opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 'h')
            http = optarg;
        else
        if (opt == 't')
            token_file = optarg;
        else
        if (opt == 'i')
            interval = atoi (optarg);
        else
        if (opt == 'o')
            once = 1;
        else {
            s_usage ();
            return EXIT_USAGE;
        }
    }
    char err[256];
    char *token = hl_secret_load (token_file, "HOTLINE_TOKEN", err, sizeof err);
    if (!token) {
        fprintf (stderr, "hotline: top needs the supervisor token (--token-file, "
                 "HOTLINE_TOKEN_FILE or HOTLINE_TOKEN): %s\n", err);
        return EXIT_USAGE;
    }
    int rc = hl_top_run (http, token, interval, once) == 0 ? 0 : EXIT_UNREACHABLE;
    hl_secret_free (&token);
    return rc;
}

//  Takes the global options out of ARGV wherever they stand, leaving the
//  command and its own options in order. Returns the new argc.
static int
s_global_options (s_opts_t *o, int argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--json") == 0)
            o->json = 1;
        else
        if (strcmp (argv[i], "--endpoint") == 0 && i + 1 < argc)
            o->endpoint = argv[++i];
        else
        if (strcmp (argv[i], "--timeout") == 0 && i + 1 < argc)
            o->timeout_ms = (int) (atof (argv[++i]) * 1000);
        else
        if (strcmp (argv[i], "--key-file") == 0 && i + 1 < argc)
            o->key_file = argv[++i];
        else
        if (strcmp (argv[i], "--server-key") == 0 && i + 1 < argc)
            o->server_key = argv[++i];
        else
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

//  keygen: a key pair for a member of staff or a channel's gateway.
static int
s_cmd_keygen (void)
{
    if (hl_curve_print_keypair (stdout, "# hotline key pair: give the public line to the hotline's "
                                "operators\n# (intake_keys: \"agent:NAME <public key>\", or "
                                "dispatcher:, supervisor:, channel:);\n# keep the secret line "
                                "to yourself\n") != 0) {
        fprintf (stderr, "hotline: this libzmq cannot make CURVE keys\n");
        return EXIT_UNREACHABLE;
    }
    return 0;
}

//  The CURVE keys, from the options or else the environment. 0, or -1
//  after saying what is wrong.
static int
s_load_keys (s_opts_t *o)
{
    char err[600];
    int rc = hl_curve_client_flags (&o->keys, o->key_file, o->server_key, err, sizeof err);
    if (rc < 0)
        fprintf (stderr, "hotline: %s\n", err);
    o->curve = rc == 1;
    return rc < 0 ? -1 : 0;
}

int
main (int argc, char **argv)
{
    s_opts_t o = { .endpoint = getenv ("HOTLINE_ENDPOINT") ?: "tcp://127.0.0.1:7101",
                   .timeout_ms = 5000 };
    argc = s_global_options (&o, argc, argv);
    if (argc < 2 || o.timeout_ms <= 0) {
        s_usage ();
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp (cmd, "keygen") == 0)
        return s_cmd_keygen ();
    if (strcmp (cmd, "deadline") == 0)
        return hl_deadline_cmd (argc - 1, argv + 1, o.json);
    if (strcmp (cmd, "report") == 0)
        return hl_report_cmd (argc - 1, argv + 1, o.json);
    if (s_load_keys (&o) != 0)
        return EXIT_USAGE;
    if (strcmp (cmd, "submit") == 0)
        return s_cmd_submit (&o, argc - 1, argv + 1);
    if (strcmp (cmd, "show") == 0)
        return s_cmd_show (&o, argc - 1, argv + 1);
    if (strcmp (cmd, "status") == 0)
        return s_cmd_status (&o, argc - 1, argv + 1);
    if (strcmp (cmd, "list") == 0)
        return s_cmd_list (&o, argc - 1, argv + 1);
    if (strcmp (cmd, "kb") == 0)
        return s_cmd_kb (&o, argc - 1, argv + 1);
    if (strcmp (cmd, "top") == 0)
        return s_cmd_top (argc - 1, argv + 1);
    if (strcmp (cmd, "similar") == 0)
        return s_cmd_similar (&o, argc - 1, argv + 1);
    for (const s_action_cmd_t *a = s_action_cmds; a->command; a++)
        if (strcmp (cmd, a->command) == 0)
            return s_cmd_action (&o, a, argc - 1, argv + 1);
    if (strcmp (cmd, "help") == 0 || strcmp (cmd, "--help") == 0) {
        s_usage ();
        return 0;
    }
    fprintf (stderr, "hotline: unknown command '%s'\n", cmd);
    s_usage ();
    return EXIT_USAGE;
}
