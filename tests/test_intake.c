/*  Black-box tests of intake: a real redis-server, the real hotlined and
 *  real clients, as an operator and an integrator would meet them.
 */
#include "hl_bucket.h"
#include "hl_client.h"
#include "hl_layout.h"
#include "hl_lifecycle.h"
#include "hl_load.h"
#include "hl_store.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_textpack.h"
#include "hl_wire.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

//  A complete, valid complaint with every field set. STORAGE keeps the
//  request id alive.
static void
s_full_complaint (Hotline__Complaint *c, Hotline__GeoPoint *pt, const char *rid)
{
    hotline__complaint__init (c);
    hotline__geo_point__init (pt);
    c->has_channel = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_ENTERPRISE;
    c->has_channel_ref = 1;
    c->channel_ref = hl_wire_bytes ("CALL-2026-000042");
    c->has_caller_phone = 1;
    c->caller_phone = hl_wire_bytes ("138-0013-8000");
    c->has_caller_name = 1;
    c->caller_name = hl_wire_bytes ("李女士");
    c->has_request_type = 1;
    c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c->has_category = 1;
    c->category = hl_wire_bytes ("SC.04");
    c->has_area = 1;
    c->area = hl_wire_bytes ("441702");
    c->has_address = 1;
    c->address = hl_wire_bytes ("阳江市江城区东风三路 88 号 2 栋 1203");
    pt->has_lat = 1;
    pt->lat = 21.8579;
    pt->has_lon = 1;
    pt->lon = 111.9822;
    c->location = pt;
    c->has_enterprise = 1;
    c->enterprise = 1;
    c->has_credit_code = 1;
    c->credit_code = hl_wire_bytes ("91441700MA4UL0BU5M");
    c->has_enterprise_name = 1;
    c->enterprise_name = hl_wire_bytes ("阳江市海陵岛渔业发展有限公司");
    c->has_content = 1;
    c->content = hl_wire_bytes ("企业开办登记提交材料后十个工作日仍未办结，\n"
                                "窗口说系统故障。请核实原因 & 给出办理时限 \"尽快\"。");
    c->has_confidential = 1;
    c->confidential = 1;
    c->has_anonymous = 1;
    c->anonymous = 0;
    c->has_request_id = 1;
    c->request_id = hl_wire_bytes (rid);
}


static Hotline__Envelope *
s_submit (hl_testenv_t *env, Hotline__Complaint *c)
{
    Hotline__Envelope req = HOTLINE__ENVELOPE__INIT;
    req.has_request_id = c->has_request_id;
    req.request_id = c->request_id;
    req.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    req.complaint = c;
    return hl_testenv_request (env, &req);
}

//  Submit the full complaint under request id RID: 1 if acknowledged.
static int
s_submit_acked (hl_testenv_t *env, const char *rid)
{
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    s_full_complaint (&c, &pt, rid);
    Hotline__Envelope *reply = s_submit (env, &c);
    int acked = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_ACK;
    hl_wire_free (&reply);
    return acked;
}

static int
s_bytes_eq (ProtobufCBinaryData a, ProtobufCBinaryData b)
{
    return a.len == b.len && (a.len == 0 || memcmp (a.data, b.data, a.len) == 0);
}

static long long
s_redis_int (hl_testenv_t *env, const char *cmd)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), cmd);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject (r);
    return v;
}

static long long
s_matching (hl_testenv_t *env, const char *pattern)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "KEYS %s", pattern);
    long long n = r && r->type == REDIS_REPLY_ARRAY ? (long long) r->elements : -1;
    if (r)
        freeReplyObject (r);
    return n;
}

//  Tickets whose complaint is stored packed (hl_textpack: its first byte
//  is one UTF-8 never has).
static int
s_packed_contents (hl_testenv_t *env)
{
    redisContext *rc = hl_testenv_redis (env);
    redisReply *keys = redisCommand (rc, "KEYS hl:{*}:t:*");
    int n = 0;
    for (size_t i = 0; keys && keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
        redisReply *r = redisCommand (rc, "HGET %s content", keys->element[i]->str);
        n += r && r->type == REDIS_REPLY_STRING && hl_textpack_is_packed (r->str, r->len);
        if (r)
            freeReplyObject (r);
    }
    if (keys)
        freeReplyObject (keys);
    return n;
}

//  Keys in the store besides the timer leases, the registry of live
//  instances (hl_lease) and the buckets' outboxes (hl_outbox) that every
//  running hotlined keeps.
static long long
s_stored_keys (hl_testenv_t *env)
{
    return s_redis_int (env, "DBSIZE") - s_matching (env, "hl:{*}:lease")
           - s_matching (env, "hl:{*}:" HL_OUTBOX_KIND) - s_redis_int (env, "EXISTS hl:instances");
}

//  Tickets stored: intake leaves each in to_dispatch or dispatched (the
//  lists, once the outboxes are drained).
static long long
s_ticket_count (hl_testenv_t *env)
{
    //  The lists trail the store by the outbox's lag; after a Redis restart
    //  under load (ASan build, a busy machine) its groups take seconds to
    //  reconnect and read their pending entries again: wait, do not judge.
    if (hl_testenv_outbox_drained (env, 30000) != 0)
        return -1;
    return s_redis_int (env, "ZCARD " HL_INDEX_PREFIX "state:to_dispatch")
         + s_redis_int (env, "ZCARD " HL_INDEX_PREFIX "state:dispatched");
}

static hl_testenv_t *
s_env_up (const char *name, const char *const *daemon_args)
{
    hl_testenv_t *env = hl_testenv_new (name);
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, daemon_args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
    }
    return env;
}

//  ---------------------------------------------------------------------

static void
test_roundtrip (void)
{
    hl_testenv_t *env = s_env_up ("roundtrip", NULL);
    if (!env)
        return;
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    s_full_complaint (&c, &pt, "rt-0001");
    Hotline__Envelope *ack = s_submit (env, &c);
    HL_CHECK (ack && ack->body_case == HOTLINE__ENVELOPE__BODY_ACK);
    HL_CHECK (ack && s_bytes_eq (ack->request_id, hl_wire_bytes ("rt-0001")));
    if (!ack || ack->body_case != HOTLINE__ENVELOPE__BODY_ACK) {
        hl_testenv_destroy (&env);
        return;
    }
    const char *ticket = ack->ack->ticket;
    HL_CHECK (strncmp (ticket, "YJ20", 4) == 0 && strlen (ticket) == 17);
    HL_CHECK (ack->ack->state == HOTLINE__STATE__STATE_DISPATCHED);
    HL_CHECK (ack->ack->created_ms > 1700000000000ULL);
    HL_CHECK (!ack->ack->duplicate);

    Hotline__Envelope *view = hl_testenv_show (env, ticket);
    HL_CHECK (view && view->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW);
    if (view && view->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW) {
        const Hotline__TicketView *v = view->ticket_view;
        const Hotline__Complaint *s = v->complaint;
        HL_CHECK_STR (v->ticket, ticket);
        HL_CHECK (v->state == HOTLINE__STATE__STATE_DISPATCHED);
        HL_CHECK (s_bytes_eq (v->unit, hl_wire_bytes ("scjgj")));
        HL_CHECK (v->created_ms == ack->ack->created_ms);
        HL_CHECK (s->channel == c.channel && s->request_type == c.request_type);
        HL_CHECK (s_bytes_eq (s->channel_ref, c.channel_ref));
        HL_CHECK (s_bytes_eq (s->caller_phone, hl_wire_bytes ("13800138000")));
        HL_CHECK (s_bytes_eq (s->caller_name, c.caller_name));
        HL_CHECK (s_bytes_eq (s->category, c.category));
        HL_CHECK (s_bytes_eq (s->area, c.area));
        HL_CHECK (s_bytes_eq (s->address, c.address));
        HL_CHECK (s->location && s->location->lat == 21.8579 && s->location->lon == 111.9822);
        HL_CHECK (s->enterprise && s_bytes_eq (s->credit_code, c.credit_code));
        HL_CHECK (s_bytes_eq (s->enterprise_name, c.enterprise_name));
        HL_CHECK (s_bytes_eq (s->content, c.content));
        HL_CHECK (s->confidential && !s->anonymous);
        HL_CHECK (s_bytes_eq (s->request_id, c.request_id));
        HL_CHECK (v->n_history == 2);
        if (v->n_history == 2) {
            HL_CHECK (s_bytes_eq (v->history[0]->action, hl_wire_bytes ("intake")));
            HL_CHECK (s_bytes_eq (v->history[0]->actor, hl_wire_bytes ("intake:enterprise")));
            HL_CHECK (v->history[0]->to_state == HOTLINE__STATE__STATE_TO_DISPATCH);
            HL_CHECK (v->history[0]->at_ms == v->created_ms);
            HL_CHECK (s_bytes_eq (v->history[1]->action, hl_wire_bytes ("dispatch")));
            HL_CHECK (v->history[1]->to_state == HOTLINE__STATE__STATE_DISPATCHED);
        }
    }
    //  The indexes by caller and by state hold the ticket.
    HL_CHECK (hl_testenv_outbox_drained (env, 10000) == 0);
    HL_CHECK (hl_testenv_caller_listed (hl_testenv_redis (env), "13800138000", ticket)
              == (long long) ack->ack->created_ms);
    HL_CHECK (s_ticket_count (env) == 1);
    HL_CHECK (s_redis_int (env, "EXISTS hl:events") == 0);   //  no store-wide stream any more

    //  Unknown ticket: a clear not_found.
    Hotline__Envelope *none = hl_testenv_show (env, "YJ20260101999999");
    HL_CHECK (none && none->body_case == HOTLINE__ENVELOPE__BODY_NACK
              && none->nack->code == HOTLINE__ERROR_CODE__ERROR_NOT_FOUND);
    hl_wire_free (&none);
    hl_wire_free (&view);
    hl_wire_free (&ack);
    hl_testenv_destroy (&env);
}

//  A ticket number is the prefix, the day, the request's bucket and the
//  bucket's serial: three requests of one bucket get serials 1, 2, 3 of
//  that bucket; a request of another bucket starts its own at 1.
static void
test_ticket_numbers (void)
{
    hl_testenv_t *env = s_env_up ("numbers", NULL);
    if (!env)
        return;
    char rid[32], want[48], day[16] = "";
    int first_bucket = -1, serial = 0, other = 0;
    for (int k = 0; serial < 3 || !other; k++) {
        snprintf (rid, sizeof rid, "num-%d", k);
        int b = hl_bucket_of_request ("enterprise", rid, strlen (rid));   //  s_full_complaint's
        if (first_bucket < 0)
            first_bucket = b;
        if ((b == first_bucket && serial == 3) || (b != first_bucket && other))
            continue;
        Hotline__Complaint c;
        Hotline__GeoPoint pt;
        s_full_complaint (&c, &pt, rid);
        Hotline__Envelope *ack = s_submit (env, &c);
        HL_CHECK (ack && ack->body_case == HOTLINE__ENVELOPE__BODY_ACK);
        if (ack && ack->body_case == HOTLINE__ENVELOPE__BODY_ACK) {
            const char *t = ack->ack->ticket;
            if (!day[0])
                snprintf (day, sizeof day, "%.8s", t + 2);
            snprintf (want, sizeof want, "YJ%s%02d%05d", day, b, b == first_bucket ? ++serial : 1);
            HL_CHECK (strcmp (t, want) == 0);
            HL_CHECK (hl_bucket_of_ticket (t, strlen (t)) == b);
        }
        other += b != first_bucket;
        hl_wire_free (&ack);
    }
    hl_testenv_destroy (&env);
}

static void
test_cli (void)
{
    hl_testenv_t *env = s_env_up ("cli", NULL);
    if (!env)
        return;
    char *out = NULL;
    const char *submit[] = { "--json", "submit", "--channel", "web", "--type", "咨询",
                             "--category", "GJ.01", "--area", "441781",
                             "--phone", "13912345678", "--name", "王五",
                             "--content", "公积金怎么提取？租房可以提吗", "--request-id",
                             "cli-1", NULL };
    HL_CHECK (hl_testenv_client (env, submit, &out) == 0);
    HL_CHECK (out && strstr (out, "\"ticket\":\"YJ") && strstr (out, "\"duplicate\":false"));
    char ticket[48] = "";
    const char *at = out ? strstr (out, "\"ticket\":\"") : NULL;
    if (at)
        snprintf (ticket, sizeof ticket, "%.*s", (int) strcspn (at + 10, "\""), at + 10);
    free (out);

    const char *show[] = { "--json", "show", ticket, NULL };
    HL_CHECK (hl_testenv_client (env, show, &out) == 0);
    HL_CHECK (out && strstr (out, "公积金怎么提取？租房可以提吗"));
    HL_CHECK (out && strstr (out, "\"request_type\":\"inquiry\""));
    HL_CHECK (out && strstr (out, "\"caller_name\":\"王五\""));
    HL_CHECK (out && strstr (out, "\"history\":[{"));
    free (out);

    const char *show_text[] = { "show", ticket, NULL };
    HL_CHECK (hl_testenv_client (env, show_text, &out) == 0);
    HL_CHECK (out && strstr (out, "已派单") && strstr (out, "咨询") && strstr (out, "gjj"));
    free (out);

    //  Plain submit prints just the ticket number; a refusal exits 2.
    const char *plain[] = { "submit", "--channel", "app", "--type", "help", "--category",
                            "GY.01", "--area", "441704", "--anonymous", "--content",
                            "停水了", NULL };
    HL_CHECK (hl_testenv_client (env, plain, &out) == 0);
    HL_CHECK (out && strncmp (out, "YJ", 2) == 0 && strlen (out) == 18);
    free (out);
    const char *bad[] = { "--json", "submit", "--channel", "app", "--type", "help",
                          "--category", "NOPE", "--area", "441704", "--anonymous",
                          "--content", "x", NULL };
    HL_CHECK (hl_testenv_client (env, bad, &out) == 2);
    HL_CHECK (out && strstr (out, "\"code\":\"unknown_code\"") && strstr (out, "\"field\":\"category\""));
    free (out);

    //  The log never holds a raw phone number.
    char cmd[400];
    snprintf (cmd, sizeof cmd, "grep -q 13912345678 '%s'", hl_testenv_daemon_log (env));
    HL_CHECK (system (cmd) != 0);
    hl_testenv_destroy (&env);
}

//  A daemon that is not there: a clear message and exit 3, quickly.
static void
test_cli_unreachable (void)
{
    hl_testenv_t *env = hl_testenv_new ("unreachable");
    const char *args[] = { "--timeout", "2", "status", NULL };
    long long t0 = hl_testenv_now_ms ();
    HL_CHECK (hl_testenv_client (env, args, NULL) == 3);
    long long took = hl_testenv_now_ms () - t0;
    HL_CHECK (took >= 1500 && took < 4000);
    char path[400], text[512] = "";
    snprintf (path, sizeof path, "%s/client.err", hl_testenv_dir (env));
    FILE *f = fopen (path, "r");
    if (f) {
        size_t n = fread (text, 1, sizeof text - 1, f);
        text[n] = 0;
        fclose (f);
    }
    HL_CHECK (strstr (text, "no answer from hotlined") != NULL);
    hl_testenv_destroy (&env);
}


//  The same request id gives the same ticket, also after a restart; the
//  same id with other content is refused.
static void
test_idempotency (void)
{
    hl_testenv_t *env = s_env_up ("idem", NULL);
    if (!env)
        return;
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    s_full_complaint (&c, &pt, "idem-1");
    Hotline__Envelope *first = s_submit (env, &c);
    Hotline__Envelope *again = s_submit (env, &c);
    HL_CHECK (first && first->body_case == HOTLINE__ENVELOPE__BODY_ACK);
    HL_CHECK (again && again->body_case == HOTLINE__ENVELOPE__BODY_ACK);
    if (first && again && first->ack && again->ack) {
        HL_CHECK_STR (first->ack->ticket, again->ack->ticket);
        HL_CHECK (again->ack->duplicate && !first->ack->duplicate);
        HL_CHECK (again->ack->created_ms == first->ack->created_ms);
    }
    //  Another channel may use the same request id for its own request.
    c.channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    Hotline__Envelope *other = s_submit (env, &c);
    HL_CHECK (other && other->ack && !other->ack->duplicate);
    c.channel = HOTLINE__CHANNEL__CHANNEL_ENTERPRISE;
    //  Same id, different content: a conflict, nothing stored.
    c.content = hl_wire_bytes ("完全不同的诉求内容");
    Hotline__Envelope *conflict = s_submit (env, &c);
    HL_CHECK (conflict && conflict->body_case == HOTLINE__ENVELOPE__BODY_NACK
              && conflict->nack->code == HOTLINE__ERROR_CODE__ERROR_CONFLICT
              && !conflict->nack->retryable);
    HL_CHECK (s_ticket_count (env) == 2);

    //  After a restart of the daemon, the same answer.
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 10000) == 0);
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    s_full_complaint (&c, &pt, "idem-1");
    Hotline__Envelope *later = s_submit (env, &c);
    HL_CHECK (later && later->ack && first && first->ack
              && strcmp (later->ack->ticket, first->ack->ticket) == 0 && later->ack->duplicate);
    HL_CHECK (s_ticket_count (env) == 2);
    hl_wire_free (&first);
    hl_wire_free (&again);
    hl_wire_free (&other);
    hl_wire_free (&conflict);
    hl_wire_free (&later);
    hl_testenv_destroy (&env);
}

//  Sends raw frames on a DEALER and returns the decoded answer.
static Hotline__Envelope *
s_raw (void *dealer, const void *const *frames, const size_t *lens, int n)
{
    for (int i = 0; i < n; i++)
        zmq_send (dealer, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0);
    zmq_pollitem_t item = { dealer, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, 5000) <= 0)
        return NULL;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    zmq_msg_recv (&msg, dealer, 0);
    Hotline__Envelope *env = hotline__envelope__unpack (NULL, zmq_msg_size (&msg),
                                                        zmq_msg_data (&msg));
    zmq_msg_close (&msg);
    return env;
}

//  Packs ENV and sends it as one raw frame.
static Hotline__Envelope *
s_raw_envelope (void *dealer, const Hotline__Envelope *env)
{
    hl_buf_t buf = HL_BUF_INIT;
    hl_wire_pack (env, &buf);
    const void *frames[] = { buf.data };
    size_t lens[] = { buf.len };
    Hotline__Envelope *reply = s_raw (dealer, frames, lens, 1);
    hl_buf_free (&buf);
    return reply;
}

//  Sends one complaint once, without resending or retrying, and returns
//  the first answer (NULL if none within WAIT_MS).
static Hotline__Envelope *
s_submit_once (hl_testenv_t *env, Hotline__Complaint *c, int wait_ms)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect (dealer, hl_testenv_endpoint (env));
    Hotline__Envelope req = HOTLINE__ENVELOPE__INIT;
    req.has_version = 1;
    req.version = HL_WIRE_VERSION;
    req.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    req.complaint = c;
    hl_buf_t buf = HL_BUF_INIT;
    hl_wire_pack (&req, &buf);
    zmq_send (dealer, buf.data, buf.len, 0);
    hl_buf_free (&buf);
    Hotline__Envelope *reply = NULL;
    zmq_pollitem_t item = { dealer, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, wait_ms) > 0) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        zmq_msg_recv (&msg, dealer, 0);
        reply = hotline__envelope__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
        zmq_msg_close (&msg);
    }
    zmq_close (dealer);
    zmq_ctx_term (ctx);
    return reply;
}

static int
s_is_nack (Hotline__Envelope *reply, Hotline__ErrorCode code, const char *field)
{
    int ok = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
          && reply->nack->code == code && !reply->nack->retryable
          && reply->nack->message && *reply->nack->message
          && (!field || (reply->nack->field && strcmp (reply->nack->field, field) == 0));
    if (!ok)
        fprintf (stderr, "expected nack %s on %s, got %s\n", hl_wire_error_name (code),
                 field ? field : "-", reply && reply->nack && reply->body_case
                 == HOTLINE__ENVELOPE__BODY_NACK ? reply->nack->message : "something else");
    hotline__envelope__free_unpacked (reply, NULL);
    return ok;
}

//  A complaint with one field spoilt by SPOIL, sent raw.
static int
s_check_bad_complaint (void *dealer, void (*spoil) (Hotline__Complaint *),
                       Hotline__ErrorCode code, const char *field)
{
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    s_full_complaint (&c, &pt, "bad-1");
    spoil (&c);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.has_version = 1;
    env.version = HL_WIRE_VERSION;
    env.has_request_id = 1;
    env.request_id = hl_wire_bytes ("bad-1");
    env.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env.complaint = &c;
    return s_is_nack (s_raw_envelope (dealer, &env), code, field);
}

static uint8_t s_bad_utf8[] = { 'o', 'k', 0xC3, 0x28, 'x' };
static uint8_t s_nul_text[] = { 'a', 0, 'b' };
static void s_spoil_utf8 (Hotline__Complaint *c) { c->content.data = s_bad_utf8; c->content.len = 5; }
static void s_spoil_nul (Hotline__Complaint *c) { c->content.data = s_nul_text; c->content.len = 3; }
static void s_spoil_name (Hotline__Complaint *c) { c->caller_name.data = s_bad_utf8; c->caller_name.len = 5; }
static void s_spoil_no_content (Hotline__Complaint *c) { c->has_content = 0; }
static void s_spoil_no_type (Hotline__Complaint *c) { c->has_request_type = 0; }
static void s_spoil_no_rid (Hotline__Complaint *c) { c->has_request_id = 0; }
static void s_spoil_no_phone (Hotline__Complaint *c) { c->has_caller_phone = 0; }
static void s_spoil_category (Hotline__Complaint *c) { c->category = hl_wire_bytes ("ZZ.99"); }
static void s_spoil_area (Hotline__Complaint *c) { c->area = hl_wire_bytes ("110101"); }
static void s_spoil_channel (Hotline__Complaint *c) { c->channel = (Hotline__Channel) 99; }
static void s_spoil_type (Hotline__Complaint *c) { c->request_type = (Hotline__RequestType) 42; }
static void s_spoil_phone (Hotline__Complaint *c) { c->caller_phone = hl_wire_bytes ("call me maybe"); }
static void s_spoil_credit (Hotline__Complaint *c) { c->credit_code = hl_wire_bytes ("91441700MA4UL0BU5H"); }
static void s_spoil_point (Hotline__Complaint *c) { c->location->lat = 123.0; }
static void s_spoil_rid (Hotline__Complaint *c) { c->request_id = hl_wire_bytes ("has space"); }
static void
s_spoil_long (Hotline__Complaint *c)
{
    static char text[3 * 4001 + 1];
    for (int i = 0; i < 4001; i++)
        memcpy (text + 3 * i, "诉", 3);
    c->content = hl_wire_bytes (text);
}

static void
test_bad_input (void)
{
    hl_testenv_t *env = s_env_up ("badinput", NULL);
    if (!env)
        return;
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect (dealer, hl_testenv_endpoint (env));

    static const char junk[] = "\xff\xff\xff\xff garbage";
    const void *garbage[] = { junk };
    size_t glen[] = { sizeof junk - 1 };
    HL_CHECK (s_is_nack (s_raw (dealer, garbage, glen, 1), HOTLINE__ERROR_CODE__ERROR_BAD_FRAME, NULL));
    const void *two[] = { "a", "b" };
    size_t twolen[] = { 1, 1 };
    HL_CHECK (s_is_nack (s_raw (dealer, two, twolen, 2), HOTLINE__ERROR_CODE__ERROR_BAD_FRAME, NULL));
    const void *many[] = { "a", "b", "c", "d", "e", "f" };
    size_t manylen[] = { 1, 1, 1, 1, 1, 1 };
    HL_CHECK (s_is_nack (s_raw (dealer, many, manylen, 6), HOTLINE__ERROR_CODE__ERROR_BAD_FRAME, NULL));

    Hotline__StatusQuery sq = HOTLINE__STATUS_QUERY__INIT;
    Hotline__Envelope env2 = HOTLINE__ENVELOPE__INIT;
    env2.has_version = 1;
    env2.version = 2;
    env2.body_case = HOTLINE__ENVELOPE__BODY_STATUS_QUERY;
    env2.status_query = &sq;
    HL_CHECK (s_is_nack (s_raw_envelope (dealer, &env2), HOTLINE__ERROR_CODE__ERROR_BAD_VERSION, "version"));
    env2.has_version = 0;
    HL_CHECK (s_is_nack (s_raw_envelope (dealer, &env2), HOTLINE__ERROR_CODE__ERROR_BAD_VERSION, "version"));

    //  Larger than max_message_bytes (64 KiB) but under the transport cap.
    size_t big = 100 * 1024;
    char *oversize = malloc (big);
    memset (oversize, 'x', big);
    const void *bigf[] = { oversize };
    HL_CHECK (s_is_nack (s_raw (dealer, bigf, &big, 1), HOTLINE__ERROR_CODE__ERROR_TOO_LARGE, NULL));
    free (oversize);

    //  Bodies this socket does not serve.
    Hotline__Ack ack = HOTLINE__ACK__INIT;
    env2.has_version = 1;
    env2.version = 1;
    env2.body_case = HOTLINE__ENVELOPE__BODY_ACK;
    env2.ack = &ack;
    HL_CHECK (s_is_nack (s_raw_envelope (dealer, &env2), HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL));
    env2.body_case = HOTLINE__ENVELOPE__BODY__NOT_SET;
    HL_CHECK (s_is_nack (s_raw_envelope (dealer, &env2), HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL));

    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_utf8, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, "content"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_nul, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, "content"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_name, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, "caller_name"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_no_content, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "content"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_no_type, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "request_type"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_no_rid, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "request_id"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_no_phone, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "caller_phone"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_category, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "category"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_area, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "area"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_channel, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "channel"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_type, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "request_type"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_phone, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "caller_phone"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_credit, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "credit_code"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_point, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "location"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_rid, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "request_id"));
    HL_CHECK (s_check_bad_complaint (dealer, s_spoil_long, HOTLINE__ERROR_CODE__ERROR_FIELD_TOO_LONG, "content"));

    //  Nothing was stored (the store's keys, besides the timer leases, are
    //  its layout mark and, in each bucket, the primary its numbers were
    //  guarded on), and the daemon still serves, REQ clients too.
    HL_CHECK (s_stored_keys (env) == 1 + HL_TICKET_BUCKETS
              && s_redis_int (env, "EXISTS hl:layout") == 1
              && s_redis_int (env, "EXISTS hl:{00}:seq:epoch") == 1);
    zmq_close (dealer);
    void *req = zmq_socket (ctx, ZMQ_REQ);
    zmq_setsockopt (req, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect (req, hl_testenv_endpoint (env));
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    s_full_complaint (&c, &pt, "after-bad");
    Hotline__Envelope ok = HOTLINE__ENVELOPE__INIT;
    ok.has_version = 1;
    ok.version = 1;
    ok.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    ok.complaint = &c;
    Hotline__Envelope *reply = s_raw_envelope (req, &ok);
    HL_CHECK (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_ACK);
    hl_wire_free (&reply);
    zmq_close (req);
    zmq_ctx_term (ctx);
    hl_testenv_destroy (&env);
}

//  Lines in ENV's daemon log at info level or above (what an operator's
//  log holds; the tests run hotlined at debug level).
static long
s_log_lines (hl_testenv_t *env)
{
    FILE *f = fopen (hl_testenv_daemon_log (env), "r");
    char line[4096];
    long n = 0;
    while (f && fgets (line, sizeof line, f))
        n += strstr (line, " debug: ") == NULL;
    if (f)
        fclose (f);
    return n;
}

//  Redis goes away: retryable refusals within the deadline, never an ack,
//  and a log that grows by a few lines a second, not one per attempt of
//  every connection; Redis comes back: intake resumes by itself.
static void
test_redis_outage (void)
{
    const char *args[] = { "--redis-timeout-ms", "500", "--redis-backoff-max-ms", "200", NULL };
    hl_testenv_t *env = s_env_up ("outage", args);
    if (!env)
        return;
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    s_full_complaint (&c, &pt, "out-1");
    Hotline__Envelope *reply = s_submit (env, &c);
    HL_CHECK (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_ACK);
    hl_wire_free (&reply);

    hl_testenv_redis_stop (env);
    s_full_complaint (&c, &pt, "out-2");
    long long t0 = hl_testenv_now_ms ();
    reply = s_submit_once (env, &c, 3000);
    HL_CHECK (hl_testenv_now_ms () - t0 < 1500);
    HL_CHECK (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK && reply->nack->retryable);
    HL_CHECK (reply && reply->nack && (reply->nack->code == HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE
                                       || reply->nack->code == HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT));
    hl_wire_free (&reply);
    //  Three seconds down, a refusal every 100 ms: the reconnects back off
    //  and their failures are logged at a bounded rate.
    long lines = s_log_lines (env);
    for (int i = 0; i < 30; i++) {
        s_full_complaint (&c, &pt, "out-2");
        reply = s_submit_once (env, &c, 1000);
        HL_CHECK (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK);
        hl_wire_free (&reply);
        usleep (100 * 1000);
    }
    lines = s_log_lines (env) - lines;
    fprintf (stderr, "redis down 3 s: %ld log lines\n", lines);
    HL_CHECK (lines <= 20);

    HL_CHECK (hl_testenv_redis_start (env) == 0);
    long long until = hl_testenv_now_ms () + 5000;
    int acked = 0;
    while (!acked && hl_testenv_now_ms () < until) {
        reply = s_submit_once (env, &c, 1000);
        acked = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_ACK;
        hl_wire_free (&reply);
        usleep (100000);
    }
    HL_CHECK (acked);
    //  The ticket from before the outage survived it (AOF).
    HL_CHECK (s_ticket_count (env) == 2);
    hl_testenv_destroy (&env);
}

//  Redis accepts connections but never answers (frozen): the watchdog
//  turns that into retryable refusals within redis_timeout_ms.
static void
test_redis_stall (void)
{
    const char *args[] = { "--redis-timeout-ms", "500", "--redis-backoff-max-ms", "200", NULL };
    hl_testenv_t *env = s_env_up ("stall", args);
    if (!env)
        return;
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    s_full_complaint (&c, &pt, "stall-1");
    hl_testenv_redis_pause (env, 1);
    long long t0 = hl_testenv_now_ms ();
    Hotline__Envelope *reply = s_submit_once (env, &c, 4000);
    long long took = hl_testenv_now_ms () - t0;
    HL_CHECK (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK && reply->nack->retryable);
    HL_CHECK (took < 2000);
    hl_wire_free (&reply);
    hl_testenv_redis_pause (env, 0);
    //  The frozen write may have been applied when Redis woke up; the
    //  retry with the same request id finds it and answers with the same
    //  ticket, so the citizen still has exactly one.
    reply = s_submit (env, &c);
    HL_CHECK (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_ACK);
    hl_wire_free (&reply);
    HL_CHECK (s_ticket_count (env) == 1);
    hl_testenv_destroy (&env);
}

typedef struct {
    hl_load_opts_t opts;
    hl_load_result_t result;
    volatile int finished;
} s_load_t;

static void *
s_load_thread (void *arg)
{
    s_load_t *load = arg;
    hl_load_run (&load->opts, &load->result);
    load->finished = 1;
    return NULL;
}

//  After a load run: every acknowledged request's ticket exists exactly
//  once, holds that request, and no request made two tickets.
static void
s_check_exactly_once (hl_testenv_t *env, const s_load_t *load)
{
    HL_CHECK (load->result.acked == load->opts.total);
    HL_CHECK (load->result.refused == 0);
    HL_CHECK (s_ticket_count (env) == load->opts.total);
    redisContext *rc = hl_testenv_redis (env);
    long mismatches = 0;
    for (long i = 0; i < load->opts.total; i++)
        redisAppendCommand (rc, "HGET %s request_id", hl_testenv_tkey (load->result.tickets[i], "t"));
    for (long i = 0; i < load->opts.total; i++) {
        redisReply *r = NULL;
        char want[64];
        snprintf (want, sizeof want, "%s-%ld", load->opts.run_id, i);
        if (redisGetReply (rc, (void **) &r) != REDIS_OK || !r || r->type != REDIS_REPLY_STRING
            || strcmp (r->str, want) != 0)
            mismatches++;
        if (r)
            freeReplyObject (r);
    }
    HL_CHECK (mismatches == 0);
}

//  hotlined killed with SIGKILL under load and restarted; clients retry
//  with their request ids.
static void
test_crash_under_load (void)
{
    hl_testenv_t *env = s_env_up ("crash", NULL);
    if (!env)
        return;
    s_load_t load;
    hl_load_opts_default (&load.opts);
    load.opts.endpoint = hl_testenv_endpoint (env);
    load.opts.clients = 4;
    load.opts.window = 16;
    load.opts.total = 4000;
    load.opts.rate = 2000;
    load.opts.resend_ms = 1000;
    load.opts.deadline_ms = 60000;
    load.opts.run_id = "crash";
    load.finished = 0;
    pthread_t thread;
    pthread_create (&thread, NULL, s_load_thread, &load);
    usleep (700 * 1000);
    HL_CHECK (!load.finished);         //  killed in the middle of the stream
    hl_testenv_daemon_signal (env, SIGKILL);
    HL_CHECK (hl_testenv_daemon_wait (env, 5000) == 128 + SIGKILL);
    usleep (300 * 1000);
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    pthread_join (thread, NULL);
    //  Requests lost with the daemon were resent; those sent while it was
    //  down waited in the clients' queues. Either way: exactly once.
    printf ("crash: %ld acked, %ld resends, %ld answered as replays\n", load.result.acked,
            load.result.resends, load.result.duplicates);
    s_check_exactly_once (env, &load);
    hl_load_result_free (&load.result);
    hl_testenv_destroy (&env);
}

//  Redis stopped in the middle of a stream of submissions and started
//  again: refusals meanwhile, then every request stored exactly once.
static void
test_redis_restart_under_load (void)
{
    const char *args[] = { "--redis-timeout-ms", "500", "--redis-backoff-max-ms", "200", NULL };
    hl_testenv_t *env = s_env_up ("redisload", args);
    if (!env)
        return;
    s_load_t load;
    hl_load_opts_default (&load.opts);
    load.opts.endpoint = hl_testenv_endpoint (env);
    load.opts.clients = 4;
    load.opts.window = 16;
    load.opts.total = 3000;
    load.opts.rate = 1500;
    load.opts.resend_ms = 1000;
    load.opts.deadline_ms = 60000;
    load.opts.run_id = "redisload";
    load.finished = 0;
    pthread_t thread;
    pthread_create (&thread, NULL, s_load_thread, &load);
    usleep (600 * 1000);
    HL_CHECK (!load.finished);
    hl_testenv_redis_stop (env);
    usleep (800 * 1000);
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    pthread_join (thread, NULL);
    printf ("redis restart: %ld acked, %ld resends\n", load.result.acked, load.result.resends);
    HL_CHECK (load.result.resends > 0);
    s_check_exactly_once (env, &load);
    hl_load_result_free (&load.result);
    hl_testenv_destroy (&env);
}

//  SIGTERM while requests are in flight: each is answered, exit status 0.
static void
test_sigterm_drains (void)
{
    hl_testenv_t *env = s_env_up ("drain", NULL);
    if (!env)
        return;
    s_load_t load;
    hl_load_opts_default (&load.opts);
    load.opts.endpoint = hl_testenv_endpoint (env);
    load.opts.clients = 2;
    load.opts.window = 64;
    load.opts.total = 200000;
    load.opts.resend_ms = 60000;
    load.opts.deadline_ms = 1500;
    load.opts.run_id = "drain";
    load.finished = 0;
    pthread_t thread;
    pthread_create (&thread, NULL, s_load_thread, &load);
    usleep (500 * 1000);
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 10000) == 0);
    pthread_join (thread, NULL);
    //  Every acknowledged ticket is in Redis with its request.
    long missing = 0;
    redisContext *rc = hl_testenv_redis (env);
    for (long i = 0; i < load.opts.total; i++) {
        if (!load.result.tickets[i][0])
            continue;
        redisReply *r = redisCommand (rc, "EXISTS %s", hl_testenv_tkey (load.result.tickets[i], "t"));
        missing += !(r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
        if (r)
            freeReplyObject (r);
    }
    printf ("drain: %ld acked before exit\n", load.result.acked);
    HL_CHECK (load.result.acked > 0);
    HL_CHECK (missing == 0);
    char cmd[400];
    snprintf (cmd, sizeof cmd, "grep -q 'drained: nothing in flight' '%s'", hl_testenv_daemon_log (env));
    HL_CHECK (system (cmd) == 0);
    hl_load_result_free (&load.result);
    hl_testenv_destroy (&env);
}

//  ---------------------------------------------------------------------
//  The store's layout (hl_layout): a store from before layouts were
//  recorded is marked and served; one written by a newer hotlined (its
//  data or its Function library) is refused with a clear message and
//  exit status 3, and left as it was.

//  True if the daemon's log holds TEXT.
static int
s_log_has (hl_testenv_t *env, const char *text)
{
    FILE *f = fopen (hl_testenv_daemon_log (env), "r");
    if (!f)
        return 0;
    char line[1024];
    int found = 0;
    while (!found && fgets (line, sizeof line, f))
        found = strstr (line, text) != NULL;
    fclose (f);
    return found;
}

static void
s_redis_do (hl_testenv_t *env, const char *cmd, const char *arg)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), cmd, arg);
    HL_CHECK (r && r->type != REDIS_REPLY_ERROR);
    if (r)
        freeReplyObject (r);
}

//  The stored layout, -1 if none.
static long long
s_stored_layout (hl_testenv_t *env)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "GET hl:layout");
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll (r->str) : -1;
    if (r)
        freeReplyObject (r);
    return v;
}

//  The lists as layout 2 kept them (hl:state:*, ...: no tag); how many.
static int
s_lists_back_to_layout_2 (hl_testenv_t *env)
{
    redisContext *rc = hl_testenv_redis (env);
    redisReply *keys = redisCommand (rc, "KEYS %s", HL_INDEX_PREFIX "*");
    int n = 0;
    for (size_t i = 0; keys && keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
        const char *name = keys->element[i]->str + strlen (HL_INDEX_PREFIX);
        redisReply *r = redisCommand (rc, "RENAME %s hl:%s", keys->element[i]->str, name);
        n += r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject (r);
    }
    if (keys)
        freeReplyObject (keys);
    return n;
}

#define S_GROUPS HL_INDEX_PREFIX HL_CALLERIX_KIND ":*"

//  Every member of the caller index's groups, joined by spaces, into OUT.
static void
s_caller_members (hl_testenv_t *env, char *out, size_t outlen)
{
    redisContext *rc = hl_testenv_redis (env);
    redisReply *keys = redisCommand (rc, "KEYS %s", S_GROUPS);
    out[0] = 0;
    for (size_t i = 0; keys && keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
        redisReply *m = redisCommand (rc, "ZRANGEBYLEX %s - +", keys->element[i]->str);
        for (size_t j = 0; m && m->type == REDIS_REPLY_ARRAY && j < m->elements; j++)
            snprintf (out + strlen (out), outlen - strlen (out), "%s ", m->element[j]->str);
        if (m)
            freeReplyObject (m);
    }
    if (keys)
        freeReplyObject (keys);
}

//  The caller index as layout 5 and older kept it: a sorted set per caller,
//  hl:{ix}:caller:<caller>, its tickets by creation time. How many members.
static int
s_callers_back_to_layout_5 (hl_testenv_t *env)
{
    redisContext *rc = hl_testenv_redis (env);
    redisReply *keys = redisCommand (rc, "KEYS %s", S_GROUPS);
    int n = 0;
    for (size_t i = 0; keys && keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
        redisReply *m = redisCommand (rc, "ZRANGEBYLEX %s - +", keys->element[i]->str);
        for (size_t j = 0; m && m->type == REDIS_REPLY_ARRAY && j < m->elements; j++) {
            char caller[64], ticket[64];
            long long at;
            if (sscanf (m->element[j]->str, "%63[^|]|%lld|%63s", caller, &at, ticket) != 3)
                continue;
            redisReply *r = redisCommand (rc, "ZADD " HL_INDEX_PREFIX "caller:%s %lld %s", caller,
                                          at, ticket);
            n += r && r->type == REDIS_REPLY_INTEGER;
            if (r)
                freeReplyObject (r);
        }
        if (m)
            freeReplyObject (m);
        s_redis_do (env, "DEL %s", keys->element[i]->str);
    }
    if (keys)
        freeReplyObject (keys);
    return n;
}

#define S_UNITS "hl:{[0-9]*}:" HL_BUCKET_UNIT_LIST ":*"

//  The units' lists as layout 5 and older kept them: one a unit,
//  hl:{ix}:unit:<code>, for every bucket. How many tickets they hold.
static int
s_units_back_to_layout_5 (hl_testenv_t *env)
{
    redisContext *rc = hl_testenv_redis (env);
    redisReply *keys = redisCommand (rc, "KEYS %s", S_UNITS);
    int n = 0;
    for (size_t i = 0; keys && keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
        const char *key = keys->element[i]->str, *code = strrchr (key, ':') + 1;
        redisReply *m = redisCommand (rc, "ZRANGE %s 0 -1 WITHSCORES", key);
        for (size_t j = 0; m && m->type == REDIS_REPLY_ARRAY && j + 1 < m->elements; j += 2) {
            redisReply *r = redisCommand (rc, "ZADD " HL_INDEX_PREFIX "unit:%s %s %s", code,
                                          m->element[j + 1]->str, m->element[j]->str);
            n += r && r->type == REDIS_REPLY_INTEGER;
            if (r)
                freeReplyObject (r);
        }
        if (m)
            freeReplyObject (m);
        s_redis_do (env, "DEL %s", key);
    }
    if (keys)
        freeReplyObject (keys);
    return n;
}

//  The layout of this build's library (daemon/hotline.lua's LAYOUT_VERSION).
static int
s_layout (void)
{
    return hl_layout_of_library (hl_store_functions, hl_store_functions_len);
}

//  hotlined must refuse the store as it is now: exit 3 with the reason.
static void
s_check_refused (hl_testenv_t *env, const char *what)
{
    hl_testenv_daemon_spawn (env, NULL);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 3);
    HL_CHECK (s_log_has (env, what));
    char known[64];
    snprintf (known, sizeof known, "newer than this hotlined knows (layout %d)", s_layout ());
    HL_CHECK (s_log_has (env, known));
}

static void
test_store_layout (void)
{
    hl_testenv_t *env = s_env_up ("layout", NULL);
    if (!env)
        return;
    HL_CHECK (s_stored_layout (env) == s_layout ());
    HL_CHECK (s_submit_acked (env, "layout-3"));
    HL_CHECK (s_ticket_count (env) == 1);
    HL_CHECK (s_packed_contents (env) == 1);    //  layout 5: the complaint packed
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);

    //  A store of layout 2: its lists were store-wide keys (hl:state:*,
    //  hl:unit:*, hl:caller:*). They move under the lists' tag, once, so an
    //  upgraded center keeps them.
    char members[512], again[512];
    s_caller_members (env, members, sizeof members);
    long long units = s_matching (env, S_UNITS);
    HL_CHECK (units >= 1);
    HL_CHECK (s_callers_back_to_layout_5 (env) == 1);
    HL_CHECK (s_units_back_to_layout_5 (env) >= 1);
    HL_CHECK (s_lists_back_to_layout_2 (env) >= 3);
    s_redis_do (env, "SET hl:layout %s", "2");
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    HL_CHECK (s_stored_layout (env) == s_layout ());
    HL_CHECK (s_log_has (env, "keys moved"));
    HL_CHECK (s_matching (env, "hl:state:*") == 0 && s_matching (env, "hl:caller:*") == 0);
    //  ... and (layout 6) into the caller index's groups.
    HL_CHECK (s_matching (env, HL_INDEX_PREFIX "caller:*") == 0 && s_matching (env, S_GROUPS) == 1);
    s_caller_members (env, again, sizeof again);
    HL_CHECK_STR (again, members);
    //  ... and the units' lists into their buckets'.
    HL_CHECK (s_matching (env, "hl:unit:*") == 0 && s_matching (env, HL_INDEX_PREFIX "unit:*") == 0);
    HL_CHECK (s_matching (env, S_UNITS) == units);
    HL_CHECK (s_ticket_count (env) == 1);
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);

    //  A store of layout 1: its ticket's keys had no bucket. They move into
    //  bucket 0 and the idempotency record into its request's bucket; the
    //  ticket keeps its number and is found by it.
    const char *old = "YJ20251130000007";
    redisContext *rc = hl_testenv_redis (env);
    redisReply *r = redisCommand (rc, "HSET hl:t:%s ticket %s state closed created_ms 1764460800000 "
                                  "request_type inquiry content %s", old, old, "旧工单");
    freeReplyObject (r);
    r = redisCommand (rc, "RPUSH hl:h:%s {\"at\":1764460800000,\"action\":\"intake\"}", old);
    freeReplyObject (r);
    r = redisCommand (rc, "SET hl:idem:web:legacy-7 %s|0123456789abcdef", old);
    freeReplyObject (r);
    r = redisCommand (rc, "ZADD hl:sla:overdue 1764547200000 %s|sign", old);
    freeReplyObject (r);
    //  Its counters of layout 2 and older, store-wide: folded into bucket 0,
    //  added to what the bucket has (the new ticket's intake), their time
    //  to live kept.
    s_redis_do (env, "HSET hl:m:20251130 rsj|dispatched 3 *|intake:web 5%s", "");
    s_redis_do (env, "HSET hl:{00}:m:20251130 rsj|dispatched 1%s", "");
    s_redis_do (env, "HSET hl:mi:29441280 web 2%s", "");
    s_redis_do (env, "EXPIRE hl:mi:29441280 3600%s", "");
    s_redis_do (env, "SET hl:layout %s", "1");
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    HL_CHECK (s_stored_layout (env) == s_layout ());
    HL_CHECK (s_log_has (env, "counter hashes folded into bucket 0"));
    HL_CHECK (s_redis_int (env, "EXISTS hl:m:20251130 hl:mi:29441280 hl:layout:folding") == 0);
    HL_CHECK (s_redis_int (env, "HINCRBY hl:{00}:m:20251130 rsj|dispatched 0") == 4);
    HL_CHECK (s_redis_int (env, "HINCRBY hl:{00}:m:20251130 *|intake:web 0") == 5);
    HL_CHECK (s_redis_int (env, "HINCRBY hl:{00}:mi:29441280 web 0") == 2);
    HL_CHECK (s_redis_int (env, "TTL hl:{00}:mi:29441280") > 0);
    HL_CHECK (s_log_has (env, "keys moved into their buckets"));
    char idem[HL_BUCKET_KEY_MAX];
    hl_bucket_key (idem, sizeof idem, hl_bucket_of_request ("web", "legacy-7", 8), "idem",
                   "web:legacy-7", 12);
    r = redisCommand (rc, "EXISTS %s %s %s hl:t:%s hl:layout:migrating hl:layout:history", idem,
                      hl_testenv_tkey (old, "t"), hl_testenv_tkey (old, "h"), old);
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == 2);
    freeReplyObject (r);
    //  Its history (a list of JSON entries in layout 1) went on into its hash.
    r = redisCommand (rc, "HGET %s h:1", hl_testenv_tkey (old, "t"));
    HL_CHECK (r && r->type == REDIS_REPLY_STRING && strstr (r->str, "\x1f" "intake" "\x1f"));
    freeReplyObject (r);
    //  Its SLA lists (store-wide in layout 1) went into bucket 0 with it.
    HL_CHECK (s_redis_int (env, "ZCARD hl:{00}:sla:overdue") == 1
              && s_redis_int (env, "EXISTS hl:sla:overdue") == 0);
    char *out = NULL;
    const char *show[] = { "--json", "show", old, NULL };
    HL_CHECK (hl_testenv_client (env, show, &out) == 0);
    HL_CHECK (out && strstr (out, "旧工单"));
    free (out);
    HL_CHECK (s_ticket_count (env) == 1);       //  the one of layout 3, in the state index
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);

    //  A store of layout 2: a ticket's history was a string of its own, one
    //  entry a line, and each clock seven fields. The history moves into the
    //  ticket's hash, in order, and each clock into one field; a history
    //  whose ticket is gone goes too.
    const char *two = "YJ202611300400003", *gone = "YJ202611300400004";
    r = redisCommand (rc, "HSET %s ticket %s state closed created_ms 1764460800000 "
                      "request_type inquiry content %s sla_sign_start 1764460800000 "
                      "sla_sign_status met sla_sign_fired 1 sla_sign_warn 1764464400000 "
                      "sla_sign_due 1764468000000 sla_sign_esc %s sla_sign_met 1764460900000 "
                      "act:r2 signed|closed|1764460900000|zjj| act:r1 dispatched|signed|1764460850000|zjj| "
                      "updated_ms 1764460900000",
                      hl_testenv_tkey (two, "t"), two, "第二版工单", "");
    freeReplyObject (r);
    r = redisCommand (rc, "SET %s %s", hl_testenv_tkey (two, "h"),
                      "1764460800000\x1f" "agent:a1\x1f" "intake\x1f\x1f" "to_dispatch\x1f" "来电\n"
                      "1764460900000\x1f" "agent:a1\x1f" "close\x1f" "to_dispatch\x1f" "closed\x1f"
                      "已答复第二版\n");
    freeReplyObject (r);
    r = redisCommand (rc, "SET %s x", hl_testenv_tkey (gone, "h"));
    freeReplyObject (r);
    s_redis_do (env, "SET hl:layout %s", "2");
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    HL_CHECK (s_stored_layout (env) == s_layout ());
    HL_CHECK (s_log_has (env, "3 tickets rewritten"));
    //  (then, layout 7, under its short name: hl_lifecycle_stored_name)
    r = redisCommand (rc, "HMGET %s %s sla_sign_start sla_sign_met updated_ms",
                      hl_testenv_tkey (two, "t"), hl_lifecycle_stored_name ("sla:sign"));
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->elements == 4
              && r->element[0]->type == REDIS_REPLY_STRING
              && strcmp (r->element[0]->str, "1764460800000,met,1,1764464400000,1764468000000,,"
                                             "1764460900000") == 0
              && r->element[1]->type == REDIS_REPLY_NIL && r->element[2]->type == REDIS_REPLY_NIL
              && r->element[3]->type == REDIS_REPLY_NIL);
    freeReplyObject (r);
    //  Its action results: the last four (two here) kept, in order.
    r = redisCommand (rc, "HMGET %s a:n a:1 a:2 act:r1", hl_testenv_tkey (two, "t"));
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->elements == 4
              && r->element[0]->type == REDIS_REPLY_STRING && strcmp (r->element[0]->str, "2") == 0
              && r->element[1]->type == REDIS_REPLY_STRING
              && strcmp (r->element[1]->str, "r1|dispatched|signed|1764460850000|zjj|") == 0
              && r->element[2]->type == REDIS_REPLY_STRING
              && strncmp (r->element[2]->str, "r2|signed|closed|", 17) == 0
              && r->element[3]->type == REDIS_REPLY_NIL);
    freeReplyObject (r);
    r = redisCommand (rc, "EXISTS %s %s hl:layout:history", hl_testenv_tkey (two, "h"),
                      hl_testenv_tkey (gone, "h"));
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == 0);
    freeReplyObject (r);
    HL_CHECK (s_redis_int (env, "EXISTS hl:{04}:t:YJ202611300400004") == 0);
    const char *show2[] = { "--json", "show", two, NULL };
    HL_CHECK (hl_testenv_client (env, show2, &out) == 0);
    const char *first = out ? strstr (out, "来电") : NULL;
    HL_CHECK (first && strstr (first, "已答复第二版"));
    free (out);
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);

    //  A store of layout 4: its complaints are plain UTF-8, read as they
    //  are (nothing to rewrite); packed are only those taken in since.
    s_redis_do (env, "SET hl:layout %s", "4");
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    HL_CHECK (s_stored_layout (env) == s_layout ());
    HL_CHECK (hl_testenv_client (env, show2, &out) == 0);
    HL_CHECK (out && strstr (out, "第二版工单"));
    //  Its clock's moments, whole numbers before layout 5 (offsets since).
    HL_CHECK (out && strstr (out, "\"due_ms\":1764468000000"));
    free (out);
    HL_CHECK (s_packed_contents (env) == 1);
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);

    //  A store of layout 5: a sorted set per caller. Each goes into its
    //  group of the caller index, its tickets with their creation times,
    //  and the caller's history reads as before.
    HL_CHECK (s_callers_back_to_layout_5 (env) == 1);
    HL_CHECK (s_units_back_to_layout_5 (env) >= 1);
    s_redis_do (env, "SET hl:layout %s", "5");
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    HL_CHECK (s_stored_layout (env) == s_layout ());
    HL_CHECK (s_log_has (env, "1 callers' lists moved into their groups"));
    HL_CHECK (s_log_has (env, "units' lists split by bucket"));
    HL_CHECK (s_redis_int (env, "EXISTS hl:layout:callers hl:layout:units") == 0);
    HL_CHECK (s_matching (env, HL_INDEX_PREFIX "caller:*") == 0);
    HL_CHECK (s_matching (env, HL_INDEX_PREFIX "unit:*") == 0 && s_matching (env, S_UNITS) == units);
    s_caller_members (env, again, sizeof again);
    HL_CHECK_STR (again, members);
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);

    //  A store of layout 6: a ticket's fields under their own names, its
    //  reply's text spelled out. The fields move to their stored names
    //  (layout 7); the ticket shows as it did and takes the next action.
    const char *five = "YJ202611300500001";
    r = redisCommand (rc, "HSET %s ticket %s state replied created_ms 1764460800000 channel web "
                      "request_type complaint content %s unit rsj assist %s "
                      "dispatched_ms 1764460800000 signed_ms 1764460900000 "
                      "replied_ms 1764461000000 reply %s sla:visit %s h:n 1 h:1 %s",
                      hl_testenv_tkey (five, "t"), five, "第五版工单", "", "第五版答复",
                      "1764461000000,running,0,+3600000,+7200000,,",
                      "1764460800000\x1f" "agent:a1\x1f" "intake\x1f\x1f" "to_dispatch\x1f" "来电");
    freeReplyObject (r);
    s_redis_do (env, "SET hl:layout %s", "6");
    HL_CHECK (hl_testenv_daemon_start (env, NULL) == 0);
    HL_CHECK (s_stored_layout (env) == s_layout ());
    HL_CHECK (s_log_has (env, "fields stored under their short names"));
    r = redisCommand (rc, "HMGET %s created_ms %s %s sla:visit %s reply",
                      hl_testenv_tkey (five, "t"), hl_lifecycle_stored_name ("created_ms"),
                      hl_lifecycle_stored_name ("request_type"),
                      hl_lifecycle_stored_name ("sla:visit"));
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->elements == 6
              && r->element[0]->type == REDIS_REPLY_NIL
              && r->element[1]->type == REDIS_REPLY_STRING
              && strcmp (r->element[1]->str, "1764460800000") == 0
              && r->element[2]->type == REDIS_REPLY_STRING
              && strcmp (r->element[2]->str, "complaint") == 0
              && r->element[3]->type == REDIS_REPLY_NIL
              && r->element[4]->type == REDIS_REPLY_STRING
              && r->element[5]->type == REDIS_REPLY_STRING
              && strcmp (r->element[5]->str, "第五版答复") == 0);
    freeReplyObject (r);
    HL_CHECK (s_redis_int (env, "EXISTS hl:layout:names") == 0);
    const char *show5[] = { "--json", "show", five, NULL };
    HL_CHECK (hl_testenv_client (env, show5, &out) == 0);
    HL_CHECK (out && strstr (out, "第五版工单") && strstr (out, "第五版答复")
              && strstr (out, "\"due_ms\":1764468200000"));
    free (out);
    Hotline__Transition rating = HOTLINE__TRANSITION__INIT;
    rating.has_satisfaction = 1;
    rating.satisfaction = HOTLINE__SATISFACTION__SATISFIED;
    HL_CHECK (hl_testenv_done_to (hl_testenv_staff (env, "agent:a1", five,
                                                    HOTLINE__ACTION__ACTION_VISIT, &rating),
                                  HOTLINE__STATE__STATE_VISITED));
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);

    //  Data of a newer layout: refused, the mark kept.
    char newer[16], ours[16], what[64], future[160];
    snprintf (newer, sizeof newer, "%d", s_layout () + 1);
    snprintf (ours, sizeof ours, "%d", s_layout ());
    s_redis_do (env, "SET hl:layout %s", newer);
    snprintf (what, sizeof what, "has data of layout %s", newer);
    s_check_refused (env, what);
    HL_CHECK (s_stored_layout (env) == s_layout () + 1);

    //  A newer Function library loaded by a newer hotlined: refused, and
    //  not replaced by ours.
    s_redis_do (env, "SET hl:layout %s", ours);
    snprintf (future, sizeof future, "#!lua name=hotline\nlocal LAYOUT_VERSION = %d\n"
              "redis.register_function('hl_from_the_future', function() return 1 end)\n",
              s_layout () + 2);
    s_redis_do (env, "FUNCTION LOAD REPLACE %s", future);
    snprintf (what, sizeof what, "has a Function library of layout %d", s_layout () + 2);
    s_check_refused (env, what);
    r = redisCommand (hl_testenv_redis (env), "FCALL hl_from_the_future 0");
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    if (r)
        freeReplyObject (r);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "roundtrip", test_roundtrip },
    { "ticket_numbers", test_ticket_numbers },
    { "cli", test_cli },
    { "cli_unreachable", test_cli_unreachable },
    { "idempotency", test_idempotency },
    { "bad_input", test_bad_input },
    { "redis_outage", test_redis_outage },
    { "redis_stall", test_redis_stall },
    { "crash_under_load", test_crash_under_load },
    { "redis_restart_under_load", test_redis_restart_under_load },
    { "sigterm_drains", test_sigterm_drains },
    { "store_layout", test_store_layout },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
