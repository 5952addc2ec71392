/*  Black-box tests of the supervisor figures: counters kept at each
 *  transition, the rates computed from them for any period (with events on
 *  both sides of a day boundary), the CSV export, the token, and the
 *  Prometheus exposition. The daemon runs on a manual clock.
 */
#include "hl_client.h"
#include "hl_rawworker.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef Hotline__Envelope env_t;

#define TOKEN "test-supervisor-token-0123456789"


static void
s_free (env_t **e)
{
    if (*e)
        hotline__envelope__free_unpacked (*e, NULL);
    *e = NULL;
}


static void
s_submit (hl_testenv_t *env, const char *category, char out[48])
{
    char rid[33];
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_WEB, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY,
                          category, "441702", "咨询", rid);
    hl_testenv_file (env, &c, out);
}

static int
s_act (hl_rawworker_t *w, const char *t, Hotline__Action action, const char *note)
{
    env_t *r = hl_rawworker_act (w, t, action, note);
    int ok = r && r->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE;
    s_free (&r);
    return ok;
}

//  A staff ACTION on T with the parameters in V, as a dispatcher.
static int
s_staff_act (hl_testenv_t *env, const char *t, Hotline__Action action, Hotline__Transition v)
{
    v.has_ticket = 1;
    v.ticket = hl_wire_bytes (t);
    v.has_action = 1;
    v.action = action;
    v.has_actor = 1;
    v.actor = hl_wire_bytes ("dispatcher:7");
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    req.transition = &v;
    env_t *r = hl_testenv_request (env, &req);
    int ok = r && r->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE;
    s_free (&r);
    return ok;
}

static int
s_visit (hl_testenv_t *env, const char *t, Hotline__Satisfaction how, int resolved)
{
    Hotline__Transition v = HOTLINE__TRANSITION__INIT;
    v.has_satisfaction = 1;
    v.satisfaction = how;
    v.has_resolved = 1;
    v.resolved = resolved;
    return s_staff_act (env, t, HOTLINE__ACTION__ACTION_VISIT, v);
}

//  甄别 after an unsatisfied visit: handled again by UNIT (重办).
static int
s_rehandle (hl_testenv_t *env, const char *t, const char *unit)
{
    Hotline__Transition v = HOTLINE__TRANSITION__INIT;
    v.has_unit = 1;
    v.unit = hl_wire_bytes (unit);
    return s_staff_act (env, t, HOTLINE__ACTION__ACTION_REHANDLE, v);
}

//  GET PATH from the dashboard; the body (caller frees) and the status.
static char *
s_get (int port, const char *path, const char *token, int *status)
{
    return hl_testenv_http_get (port, path, token, status);
}

//  The JSON row of UNIT in a /api/units answer, as a string to search.
static char *
s_row (const char *json, const char *unit)
{
    char key[64];
    snprintf (key, sizeof key, "{\"unit\":\"%s\"", unit);
    const char *at = strstr (json, key);
    if (!at)
        return strdup ("");
    const char *end = strchr (at, '}');
    return strndup (at, (size_t) (end - at + 1));
}

static int
s_has (const char *row, const char *text)
{
    if (strstr (row, text))
        return 1;
    fprintf (stderr, "missing %s in %s\n", text, row);
    return 0;
}

//  A complaint closed or held at intake (DISPOSITION), with NOTE.
static void
s_submit_as (hl_testenv_t *env, Hotline__Disposition disposition, const char *note, char out[48])
{
    char rid[33];
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_WEB, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY,
                          "SB.01", "441702", "咨询", rid);
    c.has_disposition = 1;
    c.disposition = disposition;
    if (note) {
        c.has_note = 1;
        c.note = hl_wire_bytes (note);
    }
    hl_testenv_file (env, &c, out);
}

static int
s_note_act (hl_testenv_t *env, const char *t, Hotline__Action action, const char *note)
{
    Hotline__Transition v = HOTLINE__TRANSITION__INIT;
    v.has_note = 1;
    v.note = hl_wire_bytes (note);
    return s_staff_act (env, t, action, v);
}

//  The figures of UNIT over the days FROM..TO (yyyymmdd), as a JSON row.
static char *
s_unit_row (int port, const char *from, const char *to, const char *unit)
{
    char path[128];
    int status;
    snprintf (path, sizeof path, "/api/units?from=%s&to=%s", from, to);
    char *json = s_get (port, path, TOKEN, &status);
    HL_CHECK (status == 200);
    char *row = strcmp (unit, "*") ? s_row (json, unit) : strdup (strstr (json, "\"total\":") ?: "");
    free (json);
    return row;
}

//  Rates per ticket, on a fixture computed by hand (docs/metrics.md). All
//  inquiries to 人社 (rsj) on Monday 23 Nov 2026 09:00; sign and contact
//  are due 1 working day later (Tuesday 18:00), the reply 2, the visit 2
//  after the reply.
//    t0: signed and replied Monday (on time: sign, contact by the reply,
//        reply), visited Wednesday: satisfied, resolved.
//    t1: signed Monday, replied Wednesday 10:00 (contact late, reply in
//        time), visited: unsatisfied; 甄别: 重办 by rsj again — the reply
//        is sent back and no longer counts as replied on time.
//    t2: signed late on Wednesday, then its appeal (申诉) is granted: out
//        of every figure of the unit.
//    t3: returned by rsj, reassigned to 住建 (zjj): its sign is due from zjj.
//    t4: merged into t0 before signing: no longer due for sign.
//    t5 answered directly at intake, t6 held and answered directly on
//    Wednesday: both count into Monday's intake.
//  Expected for rsj (ticket by ticket above):
//    Monday 23:   dispatched 4 (t0 t1 t3 t4), returned 1 (t3), reopened 1 (t1)
//    Tuesday 24:  sign_due 2 (t0 t1), signed_on_time 2; contact_due 2,
//                 contacted_on_time 1 (t0), responded_on_time 1
//    Wednesday 25: reply_due 2 (t0 t1), replied_on_time 1 (t0); visit_due 1
//                 (t0), visit_done 1; rated 2, resolved 1, satisfied 1, unsatisfied 1
//    Friday 27:   visit_due 1 (t1), visit_done 1
//  Hotline-wide Monday: taken 7, answered directly 2.
static void
test_rates (void)
{
    int port = hl_proc_free_port ();
    char http[64], start[24];
    snprintf (http, sizeof http, "127.0.0.1:%d", port);
    snprintf (start, sizeof start, "%lld", hl_testenv_beijing_ms (2026, 11, 23, 9, 0));
    const char *args[] = { "--test-clock-ms", start, "--http-endpoint", http, NULL };
    setenv ("HOTLINE_HTTP_TOKEN", TOKEN, 1);  //  hotlined takes it from its environment
    hl_testenv_t *env = hl_testenv_new ("rates");
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
        return;
    }
    char t[7][48];
    for (int i = 0; i < 5; i++)
        s_submit (env, "SB.01", t[i]);
    s_submit_as (env, HOTLINE__DISPOSITION__DISPOSITION_ANSWERED_DIRECTLY, "已告知办理流程", t[5]);
    s_submit_as (env, HOTLINE__DISPOSITION__DISPOSITION_HOLD, NULL, t[6]);
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "rsj", 8, "w");
    HL_CHECK (w != NULL);
    if (!w) {
        hl_testenv_destroy (&env);
        return;
    }
    for (int i = 0; i < 5; i++) {
        env_t *d = hl_rawworker_next (w, 3000);
        s_free (&d);
    }
    HL_CHECK (s_act (w, t[0], HOTLINE__ACTION__ACTION_SIGN, NULL));
    HL_CHECK (s_act (w, t[1], HOTLINE__ACTION__ACTION_SIGN, NULL));
    HL_CHECK (s_act (w, t[3], HOTLINE__ACTION__ACTION_RETURN, "不属于本单位"));
    HL_CHECK (s_act (w, t[0], HOTLINE__ACTION__ACTION_REPLY, "已答复"));
    Hotline__Transition v = HOTLINE__TRANSITION__INIT;
    v.has_parent = 1;
    v.parent = hl_wire_bytes (t[0]);
    HL_CHECK (s_staff_act (env, t[4], HOTLINE__ACTION__ACTION_MERGE, v));
    v = (Hotline__Transition) HOTLINE__TRANSITION__INIT;
    v.has_unit = 1;
    v.unit = hl_wire_bytes ("zjj");
    HL_CHECK (s_staff_act (env, t[3], HOTLINE__ACTION__ACTION_REASSIGN, v));
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 23, 23, 0));
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 25, 10, 0));
    HL_CHECK (s_act (w, t[2], HOTLINE__ACTION__ACTION_SIGN, NULL));
    HL_CHECK (s_act (w, t[1], HOTLINE__ACTION__ACTION_REPLY, "已答复"));
    HL_CHECK (s_visit (env, t[0], HOTLINE__SATISFACTION__SATISFIED, 1));
    HL_CHECK (s_visit (env, t[1], HOTLINE__SATISFACTION__UNSATISFIED, 0));
    HL_CHECK (s_rehandle (env, t[1], "rsj"));
    HL_CHECK (s_note_act (env, t[2], HOTLINE__ACTION__ACTION_GRANT_APPEAL, "签收超时系系统故障, 申诉成立"));
    HL_CHECK (!s_note_act (env, t[2], HOTLINE__ACTION__ACTION_GRANT_APPEAL, "again"));
    HL_CHECK (s_note_act (env, t[6], HOTLINE__ACTION__ACTION_ANSWER_DIRECTLY, "已答复"));

    char *row = s_unit_row (port, "20261123", "20261123", "rsj");
    HL_CHECK (s_has (row, "{\"unit\":\"rsj\",\"name\":\"市人力资源和社会保障局\","
                          "\"dispatched\":4,\"returned\":1,\"reopened\":1,\"sign_due\":0,"));
    HL_CHECK (s_has (row, "\"return_rate\":0.250000,\"reopen_rate\":0.250000"));
    HL_CHECK (s_has (row, "\"on_time_sign_rate\":null"));
    HL_CHECK (s_has (row, "\"signed\":2,\"replied\":1,\"visited\":0"));
    free (row);
    row = s_unit_row (port, "20261124", "20261124", "rsj");
    HL_CHECK (s_has (row, "\"sign_due\":2,\"signed_on_time\":2,\"contact_due\":2,"
                          "\"contacted_on_time\":1,\"responded_on_time\":1,\"reply_due\":0"));
    HL_CHECK (s_has (row, "\"response_rate\":0.500000"));
    HL_CHECK (s_has (row, "\"contact_rate\":0.500000,\"on_time_sign_rate\":1.000000"));
    free (row);
    row = s_unit_row (port, "20261125", "20261125", "rsj");
    HL_CHECK (s_has (row, "\"reply_due\":2,\"replied_on_time\":1,\"visit_due\":1,\"visit_done\":1,"
                          "\"rated\":2,\"resolved\":1,\"satisfied\":1,\"basically_satisfied\":0,"
                          "\"unsatisfied\":1"));
    HL_CHECK (s_has (row, "\"resolution_rate\":0.500000,\"satisfaction_rate\":0.500000"));
    HL_CHECK (s_has (row, "\"on_time_completion_rate\":0.500000,\"visit_rate\":1.000000"));
    HL_CHECK (s_has (row, "\"signed\":1,\"replied\":1,\"visited\":2"));
    free (row);
    row = s_unit_row (port, "20261126", "20261127", "rsj");
    HL_CHECK (s_has (row, "\"sign_due\":0,\"signed_on_time\":0,\"contact_due\":0,"));
    HL_CHECK (s_has (row, "\"reply_due\":0,\"replied_on_time\":0,\"visit_due\":1,\"visit_done\":1"));
    free (row);
    //  The whole week: every rate with its counts, and the 考核 score
    //  (30 x 0.5 + 35 x 0.5 + 35 x 0.5) / 100.
    row = s_unit_row (port, "20261123", "20261129", "rsj");
    HL_CHECK (s_has (row, "\"dispatched\":4,\"returned\":1,\"reopened\":1,\"sign_due\":2,"
                          "\"signed_on_time\":2,\"contact_due\":2,\"contacted_on_time\":1,"
                          "\"responded_on_time\":1,\"reply_due\":2,\"replied_on_time\":1,"
                          "\"visit_due\":2,\"visit_done\":2,\"rated\":2"));
    HL_CHECK (s_has (row, "\"response_rate\":0.500000,\"resolution_rate\":0.500000,"
                          "\"satisfaction_rate\":0.500000,\"contact_rate\":0.500000,"
                          "\"on_time_sign_rate\":1.000000,\"on_time_completion_rate\":0.500000,"
                          "\"visit_rate\":1.000000,\"return_rate\":0.250000,"
                          "\"reopen_rate\":0.250000,\"direct_answer_rate\":null"));
    HL_CHECK (s_has (row, "\"score\":50.00"));
    free (row);
    row = s_unit_row (port, "20261123", "20261129", "zjj");
    HL_CHECK (s_has (row, "\"dispatched\":1,\"returned\":0,\"reopened\":0,\"sign_due\":1,"
                          "\"signed_on_time\":0"));
    free (row);
    row = s_unit_row (port, "20261123", "20261123", "*");
    HL_CHECK (s_has (row, "\"taken\":7,\"answered_directly\":2"));
    HL_CHECK (s_has (row, "\"direct_answer_rate\":0.285714"));
    free (row);

    int status;
    char *csv = s_get (port, "/api/units.csv?from=20261123&to=20261129", TOKEN, &status);
    HL_CHECK (status == 200 && strstr (csv, "unit,name,dispatched,returned,reopened")
              && strstr (csv, "\nrsj,市人力资源和社会保障局,4,1,1,2,2,2,1,1,2,1"));
    free (csv);
    char *bad = s_get (port, "/api/units", "wrong-token-wrong-token", &status);
    HL_CHECK (status == 401 && strstr (bad, "unauthorized"));
    free (bad);
    bad = s_get (port, "/api/summary", NULL, &status);
    HL_CHECK (status == 401);
    free (bad);
    char *summary = s_get (port, "/api/summary", TOKEN, &status);
    HL_CHECK (status == 200 && strstr (summary, "\"intake_today\":{") && strstr (summary, "\"workers\":1"));
    free (summary);
    //  /metrics: the month so far (1 to 25 November).
    char *prom = s_get (port, "/metrics", TOKEN, &status);
    HL_CHECK (status == 200);
    HL_CHECK (s_has (prom, "hotline_unit_rate{unit=\"rsj\",rate=\"satisfaction_rate\"} 0.500000\n"));
    HL_CHECK (s_has (prom, "hotline_unit_rate{unit=\"rsj\",rate=\"on_time_sign_rate\"} 1.000000\n"));
    HL_CHECK (s_has (prom, "hotline_unit_rate{unit=\"*\",rate=\"direct_answer_rate\"} 0.285714\n"));
    HL_CHECK (s_has (prom, "hotline_unit_score{unit=\"rsj\"} 50.00\n"));
    free (prom);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
}

//  The ticket numbers of a /api/deadlines answer, in order, into OUT; how many.
static int
s_deadline_tickets (const char *json, char out[][48], int max)
{
    int n = 0;
    for (const char *at = strstr (json, "\"ticket\":\""); at && n < max;
         at = strstr (at + 1, "\"ticket\":\""))
        sscanf (at + 10, "%47[^\"]", out[n++]);
    return n;
}

//  The deadlines at risk are kept per bucket: the summary sums them, the
//  list merges them (most urgent first, then by ticket, as one list), and
//  both agree with what fired, whichever buckets the tickets are in.
static void
test_deadlines (void)
{
    enum { N = 12 };
    int port = hl_proc_free_port ();
    char http[64], start[24];
    snprintf (http, sizeof http, "127.0.0.1:%d", port);
    snprintf (start, sizeof start, "%lld", hl_testenv_beijing_ms (2026, 11, 23, 9, 0));
    const char *args[] = { "--test-clock-ms", start, "--http-endpoint", http, NULL };
    setenv ("HOTLINE_HTTP_TOKEN", TOKEN, 1);
    hl_testenv_t *env = hl_testenv_new ("deadlines");
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
        return;
    }
    char t[N][48];
    for (int i = 0; i < N; i++)
        s_submit (env, "SB.01", t[i]);
    int status;
    char *list = s_get (port, "/api/deadlines", TOKEN, &status);     //  nothing at risk yet
    HL_CHECK (status == 200 && s_has (list, "{\"items\":[]}"));
    free (list);
    //  Tuesday 18:10: every sign deadline (Tuesday 18:00) is overdue.
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 24, 18, 10));
    char *summary = s_get (port, "/api/summary", TOKEN, &status);
    HL_CHECK (status == 200 && s_has (summary, "\"warned\":0,\"overdue\":12,\"escalated\":0,"));
    free (summary);
    list = s_get (port, "/api/deadlines", TOKEN, &status);
    char got[N + 1][48];
    int n = s_deadline_tickets (list, got, N + 1), sorted = 1;
    for (int i = 1; i < n; i++)
        sorted &= strcmp (got[i - 1], got[i]) < 0;
    HL_CHECK (status == 200 && n == N && sorted && s_has (list, "\"level\":\"overdue\""));
    HL_CHECK (s_has (list, "\"provisional\":false"));     //  due within the loaded calendar
    free (list);
    list = s_get (port, "/api/deadlines?limit=5", TOKEN, &status);
    char first[5][48];
    HL_CHECK (s_deadline_tickets (list, first, 5) == 5 && strcmp (first[4], got[4]) == 0);
    free (list);
    char *text = s_get (port, "/metrics", TOKEN, &status);
    HL_CHECK (s_has (text, "hotline_deadlines{level=\"overdue\"} 12"));
    free (text);
    //  Two working days later the escalations fire.
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 12, 10, 9, 0));
    summary = s_get (port, "/api/summary", TOKEN, &status);
    HL_CHECK (s_has (summary, "\"warned\":0,\"overdue\":0,\"escalated\":12,"));
    free (summary);
    list = s_get (port, "/api/deadlines?level=escalated", TOKEN, &status);
    HL_CHECK (s_deadline_tickets (list, got, N + 1) == N);
    free (list);
    hl_testenv_destroy (&env);
}

//  Every line of /metrics is a comment (# HELP / # TYPE) or a sample
//  "name{labels} value"; promtool checks it too when it is installed.
static void
test_prometheus (void)
{
    int port = hl_proc_free_port ();
    char http[64];
    snprintf (http, sizeof http, "127.0.0.1:%d", port);
    const char *args[] = { "--http-endpoint", http, NULL };
    setenv ("HOTLINE_HTTP_TOKEN", TOKEN, 1);
    hl_testenv_t *env = hl_testenv_new ("prom");
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
        return;
    }
    char t[48];
    s_submit (env, "SB.01", t);
    HL_CHECK (hl_testenv_outbox_drained (env, 10000) == 0);
    int status;
    char *text = s_get (port, "/metrics", TOKEN, &status);
    HL_CHECK (status == 200);
    int bad = 0, samples = 0;
    for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n")) {
        if (strncmp (line, "# HELP ", 7) == 0 || strncmp (line, "# TYPE ", 7) == 0)
            continue;
        char name[128];
        double value;
        if (sscanf (line, "%127[a-zA-Z0-9_:]", name) != 1 || strncmp (name, "hotline_", 8) != 0)
            bad++;
        const char *space = strrchr (line, ' ');
        if (!space || sscanf (space + 1, "%lf", &value) != 1)
            bad++;
        samples++;
    }
    HL_CHECK (bad == 0 && samples > 40);
    free (text);
    //  The summary carries the provisional deadlines for the page.
    text = s_get (port, "/api/summary", TOKEN, &status);
    HL_CHECK (status == 200 && text && strstr (text, "\"provisional\":"));
    free (text);
    char path[400], cmd[1200];
    snprintf (path, sizeof path, "%s/metrics.txt", hl_testenv_dir (env));
    snprintf (cmd, sizeof cmd, "curl -s -H 'Authorization: Bearer %s' http://127.0.0.1:%d/metrics > '%s'",
              TOKEN, port, path);
    HL_CHECK (system (cmd) == 0);
    snprintf (cmd, sizeof cmd, "grep -q 'hotline_intake_total{channel=\"web\",outcome=\"accepted\"} 1' '%s'", path);
    HL_CHECK (system (cmd) == 0);
    snprintf (cmd, sizeof cmd, "grep -q '^hotline_calendar_left_seconds [0-9]' '%s' && "
              "grep -q '^hotline_sla_provisional_deadlines [0-9]' '%s'", path, path);
    HL_CHECK (system (cmd) == 0);
    //  The new ticket's outbox entry, applied by each group (hl_outbox).
    snprintf (cmd, sizeof cmd, "grep -q 'hotline_outbox_lag_seconds_count{group=\"idx\"} 1' '%s' && "
              "grep -q 'hotline_outbox_lag_seconds_count{group=\"ev\"} 1' '%s'", path, path);
    HL_CHECK (system (cmd) == 0);
    snprintf (cmd, sizeof cmd, "! command -v promtool >/dev/null || promtool check metrics < '%s'", path);
    HL_CHECK (system (cmd) == 0);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "rates", test_rates },
    { "prometheus", test_prometheus },
    { "deadlines", test_deadlines },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
