/*  Black-box tests of SLA deadlines: armed at transitions, counted in
 *  working time, fired to the second exactly once (also with two daemons
 *  on one Redis and across a restart), paused, extended, and recomputed
 *  when a calendar year arrives. The daemons run on a manual clock that
 *  the tests move, so days of calendar time pass in seconds.
 */
#include "hl_bucket.h"
#include "hl_client.h"
#include "hl_proc.h"
#include "hl_rawworker.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_wire.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_TOKEN "test-supervisor-token-0123456789"

typedef Hotline__Envelope env_t;



static void
s_free (env_t **e)
{
    if (*e)
        hotline__envelope__free_unpacked (*e, NULL);
    *e = NULL;
}


static void
s_submit (hl_testenv_t *env, int type, char out[48])
{
    char rid[33];
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_PHONE, type, "SB.01", "441702",
                          "社保问题", rid);
    hl_testenv_file (env, &c, out);
}


static const Hotline__Deadline *
s_deadline (const env_t *view, const char *milestone)
{
    if (!view || !view->ticket_view)
        return NULL;
    for (size_t i = 0; i < view->ticket_view->n_deadlines; i++)
        if (strcmp (view->ticket_view->deadlines[i]->milestone, milestone) == 0)
            return view->ticket_view->deadlines[i];
    return NULL;
}

//  How many history entries of TICKET have ACTION (and, if MILESTONE is
//  given, name it in their note).
static int
s_count_of (hl_testenv_t *env, const char *ticket, const char *action, const char *milestone)
{
    env_t *v = hl_testenv_show (env, ticket);
    int n = 0;
    for (size_t i = 0; v && v->ticket_view && i < v->ticket_view->n_history; i++) {
        const Hotline__HistoryEntry *e = v->ticket_view->history[i];
        char note[256];
        snprintf (note, sizeof note, "%.*s", (int) e->note.len, e->note.data);
        n += e->action.len == strlen (action)
          && memcmp (e->action.data, action, strlen (action)) == 0
          && (!milestone || strstr (note, milestone));
    }
    s_free (&v);
    return n;
}

static int
s_count (hl_testenv_t *env, const char *ticket, const char *action)
{
    return s_count_of (env, ticket, action, NULL);
}

static env_t *
s_staff (hl_testenv_t *env, const char *ticket, Hotline__Action action, const char *note)
{
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (ticket);
    t.has_action = 1;
    t.action = action;
    t.has_actor = 1;
    t.actor = hl_wire_bytes ("dispatcher:li");
    if (note) {
        t.has_note = 1;
        t.note = hl_wire_bytes (note);
    }
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    req.transition = &t;
    return hl_testenv_request (env, &req);
}

static long long
s_redis_zcard (hl_testenv_t *env, const char *key)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "ZCARD %s", key);
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject (r);
    return n;
}

static hl_testenv_t *
s_env_up (const char *name, long long clock, const char *calendar)
{
    char start[24];
    snprintf (start, sizeof start, "%lld", clock);
    const char *args[] = { "--test-clock-ms", start, calendar ? "--calendar-dir" : NULL, calendar,
                           NULL };
    hl_testenv_t *env = hl_testenv_new (name);
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
    }
    return env;
}

//  ---------------------------------------------------------------------

//  Received on a Friday at 16:00: the sign deadline (1 working day, day 1
//  the next working day) is Monday 18:00; 催办 at 75% of the working time
//  left, 督办 at the deadline, escalation 2 working days later; each fires
//  once, in order, when the clock passes it, and is published.
static void
test_fire_in_order (void)
{
    long long fri = hl_testenv_beijing_ms (2026, 11, 27, 16, 0);
    hl_testenv_t *env = s_env_up ("fire", fri, NULL);
    if (!env)
        return;
    void *ctx = zmq_ctx_new ();
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "timer", 5);
    zmq_connect (sub, hl_testenv_events_endpoint (env));
    usleep (200 * 1000);
    char t[48];
    s_submit (env, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, t);
    env_t *v = hl_testenv_show (env, t);
    const Hotline__Deadline *sign = s_deadline (v, "sign");
    HL_CHECK (sign && sign->due_ms == (uint64_t) hl_testenv_beijing_ms (2026, 11, 30, 18, 0));
    HL_CHECK (sign && sign->warn_ms > (uint64_t) fri && sign->warn_ms < sign->due_ms);
    HL_CHECK (sign && sign->escalate_ms == (uint64_t) hl_testenv_beijing_ms (2026, 12, 2, 18, 0));
    HL_CHECK (sign && sign->working_time && sign->left_ms == (2 * 3600 + 7 * 3600) * 1000LL);
    HL_CHECK (v && v->ticket_view->profile && strcmp (v->ticket_view->profile, "guangdong") == 0);
    uint64_t warn = sign ? sign->warn_ms : 0;
    s_free (&v);
    hl_testenv_set_clock (env, (long long) warn - 1000);
    HL_CHECK (s_count (env, t, "remind") == 0);
    hl_testenv_set_clock (env, (long long) warn);
    HL_CHECK (s_count (env, t, "remind") == 1);
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 30, 18, 0));
    HL_CHECK (s_count (env, t, "overdue") == 1 && s_count (env, t, "remind") == 1);
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 12, 10, 9, 0));
    HL_CHECK (s_count (env, t, "escalate") == 1 && s_count (env, t, "overdue") == 1);
    v = hl_testenv_show (env, t);
    sign = s_deadline (v, "sign");
    HL_CHECK (sign && strcmp (sign->status, "escalated") == 0 && sign->left_ms < 0);
    s_free (&v);
    //  Three events were published, in order.
    const char *want[] = { "warn", "overdue", "escalate" };
    for (int i = 0; i < 3; i++) {
        zmq_pollitem_t item = { sub, 0, ZMQ_POLLIN, 0 };
        HL_CHECK (zmq_poll (&item, 1, 2000) == 1);
        char topic[16];
        zmq_recv (sub, topic, sizeof topic, ZMQ_DONTWAIT);
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        zmq_msg_recv (&msg, sub, ZMQ_DONTWAIT);
        Hotline__Event *ev = hotline__event__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
        zmq_msg_close (&msg);
        HL_CHECK (ev && strcmp (ev->level, want[i]) == 0 && strcmp (ev->ticket, t) == 0);
        if (ev)
            hotline__event__free_unpacked (ev, NULL);
    }
    zmq_close (sub);
    zmq_ctx_term (ctx);
    hl_testenv_destroy (&env);
}

//  Signing stops the sign clock and starts contact and reply; a reply
//  stops them; what is stopped never fires.
static void
test_milestones (void)
{
    long long mon = hl_testenv_beijing_ms (2026, 11, 23, 9, 0);
    hl_testenv_t *env = s_env_up ("milestones", mon, NULL);
    if (!env)
        return;
    char t[48];
    s_submit (env, HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, t);
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "rsj", 4, "w");
    env_t *d = w ? hl_rawworker_next (w, 3000) : NULL;
    s_free (&d);
    env_t *r = w ? hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_SIGN, NULL) : NULL;
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE);
    s_free (&r);
    usleep (200 * 1000);
    env_t *v = hl_testenv_show (env, t);
    const Hotline__Deadline *sign = s_deadline (v, "sign"), *reply = s_deadline (v, "reply");
    HL_CHECK (sign && strcmp (sign->status, "met") == 0);
    //  投诉: 15 working days from Monday 09:00, day 1 = Tuesday.
    HL_CHECK (reply && reply->due_ms == (uint64_t) hl_testenv_beijing_ms (2026, 12, 14, 18, 0));
    s_free (&v);
    r = w ? hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_REPLY, "已处理") : NULL;
    s_free (&r);
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2027, 1, 30, 9, 0));
    HL_CHECK (s_count_of (env, t, "overdue", "reply") == 0);
    HL_CHECK (s_count_of (env, t, "overdue", "contact") == 0);
    HL_CHECK (s_count_of (env, t, "overdue", "sign") == 0);
    HL_CHECK (s_count_of (env, t, "overdue", "visit") == 1);
    //  ... but the visit (回访, 2 working days from the reply) is overdue.
    v = hl_testenv_show (env, t);
    const Hotline__Deadline *visit = s_deadline (v, "visit");
    HL_CHECK (visit && strcmp (visit->status, "escalated") == 0);
    s_free (&v);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
}

//  A pause stops the clock: nothing fires while paused, and on resume the
//  deadline moves by the working time the pause took.
static void
test_pause (void)
{
    long long mon = hl_testenv_beijing_ms (2026, 11, 23, 9, 0);
    hl_testenv_t *env = s_env_up ("pause", mon, NULL);
    if (!env)
        return;
    char t[48];
    s_submit (env, HOTLINE__REQUEST_TYPE__REQUEST_HELP, t);
    env_t *v = hl_testenv_show (env, t);
    const Hotline__Deadline *sign = s_deadline (v, "sign");
    uint64_t due = sign ? sign->due_ms : 0;          //  Tuesday 18:00
    HL_CHECK (due == (uint64_t) hl_testenv_beijing_ms (2026, 11, 24, 18, 0));
    s_free (&v);
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 24, 9, 0));        //  Tuesday 09:00
    env_t *r = s_staff (env, t, HOTLINE__ACTION__ACTION_PAUSE, "等待市民补充材料");
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE);
    s_free (&r);
    r = s_staff (env, t, HOTLINE__ACTION__ACTION_PAUSE, "again");
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_NACK);
    s_free (&r);
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 26, 10, 0));       //  past the old deadline
    HL_CHECK (s_count (env, t, "overdue") == 0);
    v = hl_testenv_show (env, t);
    HL_CHECK (v && v->ticket_view->paused && v->ticket_view->n_pauses == 1);
    s_free (&v);
    r = s_staff (env, t, HOTLINE__ACTION__ACTION_RESUME, NULL);   //  Thursday 10:00
    s_free (&r);
    usleep (200 * 1000);
    v = hl_testenv_show (env, t);
    sign = s_deadline (v, "sign");
    //  When the clock stopped on Tuesday 09:00, 6.5 working hours of the
    //  limit were left (09:00-12:00, 14:30-18:00). They run again from
    //  Thursday 10:00: 2 h to noon, 3.5 h in the afternoon, the last hour
    //  on Friday from 08:30: due Friday 09:30.
    HL_CHECK (sign && sign->due_ms > due && !v->ticket_view->paused);
    HL_CHECK (sign && sign->due_ms == (uint64_t) hl_testenv_beijing_ms (2026, 11, 27, 9, 30));
    s_free (&v);
    hl_testenv_destroy (&env);
}

//  N tickets into T, filed with the daemons A and B in turn.
static void
s_submit_to_both (hl_testenv_t *a, hl_testenv_t *b, char t[][48], int n)
{
    for (int i = 0; i < n; i++)
        s_submit (i % 2 ? a : b, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, t[i]);
}

//  Both daemons' clocks to MS, and time for what falls due to fire.
static void
s_set_clocks (hl_testenv_t *a, hl_testenv_t *b, long long ms)
{
    hl_testenv_set_clock (a, ms);
    hl_testenv_set_clock (b, ms);
    hl_testenv_sleep_ms (300);
}

//  The store's figures of an instance's dashboard summary (/api/summary
//  on PORT): the open tickets and today's intake, then the deadlines at
//  risk; without the moment asked and the instance's own workers.
static char *
s_store_figures (int port)
{
    int code = 0;
    char *summary = hl_testenv_http_get (port, "/api/summary", S_TOKEN, &code);
    char *open = summary && code == 200 ? strstr (summary, "\"open\":") : NULL;
    char *workers = open ? strstr (open, ",\"workers\":") : NULL;
    char *warned = workers ? strstr (workers, "\"warned\":") : NULL;
    char *provisional = warned ? strstr (warned, ",\"provisional\":") : NULL;
    char *out = NULL;
    if (provisional) {
        size_t a = (size_t) (workers - open), b = (size_t) (provisional - warned);
        out = malloc (a + b + 2);
        memcpy (out, open, a);
        out[a] = '|';
        memcpy (out + a + 1, warned, b);
        out[a + 1 + b] = 0;
    }
    free (summary);
    return out;
}

//  Two daemons on one Redis: every reminder fires once, and the
//  dashboards of both show the same figures (sums over every bucket,
//  whichever instance fired its reminders).
static void
test_two_daemons (void)
{
    long long mon = hl_testenv_beijing_ms (2026, 11, 23, 9, 0);
    char start[24], http_a[32], http_b[32];
    snprintf (start, sizeof start, "%lld", mon);
    int port_a = hl_proc_free_port (), port_b = hl_proc_free_port ();
    snprintf (http_a, sizeof http_a, "127.0.0.1:%d", port_a);
    snprintf (http_b, sizeof http_b, "127.0.0.1:%d", port_b);
    setenv ("HOTLINE_HTTP_TOKEN", S_TOKEN, 1);
    const char *args_a[] = { "--test-clock-ms", start, "--http-endpoint", http_a, NULL };
    const char *args_b[] = { "--test-clock-ms", start, "--http-endpoint", http_b, NULL };
    hl_testenv_t *a = hl_testenv_new ("twoa");
    if (!a || hl_testenv_redis_start (a) != 0 || hl_testenv_daemon_start (a, args_a) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&a);
        return;
    }
    hl_testenv_t *b = hl_testenv_new ("twob");
    hl_testenv_share_redis (b, a);
    HL_CHECK (hl_testenv_daemon_start (b, args_b) == 0);
    enum { N = 20 };
    char t[N][48];
    s_submit_to_both (a, b, t, N);
    s_set_clocks (a, b, hl_testenv_beijing_ms (2026, 12, 31, 9, 0));
    int fired = 0;
    for (int i = 0; i < N; i++)
        fired += s_count (a, t[i], "remind") == 1 && s_count (a, t[i], "overdue") == 1
              && s_count (a, t[i], "escalate") == 1;
    HL_CHECK (fired == N);
    HL_CHECK (hl_testenv_outbox_drained (a, 10000) == 0);
    char *fa = s_store_figures (port_a), *fb = s_store_figures (port_b);
    HL_CHECK (fa && fb && strcmp (fa, fb) == 0);
    HL_CHECK (fa && strstr (fa, "\"escalated\":20"));
    if (fa && fb && strcmp (fa, fb) != 0)
        fprintf (stderr, "dashboards differ:\n  %s\n  %s\n", fa, fb);
    free (fa);
    free (fb);
    hl_testenv_destroy (&b);
    hl_testenv_destroy (&a);
}

//  How many buckets' leases each of the instances named A and B holds
//  (hl:{NN}:lease = "<instance>/<pid>@<host>"), as an operator sees them.
static void
s_leases (hl_testenv_t *env, const char *a, const char *b, int *na, int *nb)
{
    *na = *nb = 0;
    for (int k = 0; k < HL_TICKET_BUCKETS; k++) {
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_own_key (key, sizeof key, k, "lease");
        redisReply *r = redisCommand (hl_testenv_redis (env), "GET %s", key);
        if (r && r->type == REDIS_REPLY_STRING) {
            *na += strncmp (r->str, a, strlen (a)) == 0 && r->str[strlen (a)] == '/';
            *nb += strncmp (r->str, b, strlen (b)) == 0 && r->str[strlen (b)] == '/';
        }
        if (r)
            freeReplyObject (r);
    }
}

//  Waits up to MS for A and B to hold WANT_A and WANT_B buckets; the time
//  it took (ms), or -1.
static long long
s_leases_wait (hl_testenv_t *env, const char *a, const char *b, int want_a, int want_b, int ms)
{
    long long start = hl_testenv_now_ms ();
    for (;;) {
        int na, nb;
        s_leases (env, a, b, &na, &nb);
        if (na == want_a && nb == want_b)
            return hl_testenv_now_ms () - start;
        if (hl_testenv_now_ms () - start > ms) {
            fprintf (stderr, "leases: %s holds %d, %s holds %d\n", a, na, b, nb);
            return -1;
        }
        hl_testenv_sleep_ms (50);
    }
}

//  How many reminders the daemon's log says it fired.
static int
s_fired_in_log (hl_testenv_t *env)
{
    char cmd[600];
    snprintf (cmd, sizeof cmd, "grep -c 'deadline: ' '%s'", hl_testenv_daemon_log (env));
    FILE *p = popen (cmd, "r");
    int n = 0;
    if (p && fscanf (p, "%d", &n) != 1)
        n = 0;
    if (p)
        pclose (p);
    return n;
}

//  Two instances on one store with leases of 1.5 s: they split the 64
//  buckets, 32 each; every due reminder fires exactly once, each instance
//  firing its own buckets. One is killed (SIGKILL, no goodbye): the other
//  takes its buckets over once their leases expire and fires their
//  reminders.
static void
test_leases (void)
{
    enum { N = 40, LEASE_MS = 1500 };
    long long mon = hl_testenv_beijing_ms (2026, 11, 23, 9, 0);
    char start[24];
    snprintf (start, sizeof start, "%lld", mon);
    const char *args_a[] = { "--test-clock-ms", start, "--timer-lease-ms", "1500",
                             "--instance", "sla-a", NULL };
    const char *args_b[] = { "--test-clock-ms", start, "--timer-lease-ms", "1500",
                             "--instance", "sla-b", NULL };
    hl_testenv_t *a = hl_testenv_new ("leasea"), *b = hl_testenv_new ("leaseb");
    if (!a || !b || hl_testenv_redis_start (a) != 0 || hl_testenv_daemon_start (a, args_a) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&b);
        hl_testenv_destroy (&a);
        return;
    }
    HL_CHECK (s_leases_wait (a, "sla-a", "sla-b", 64, 0, 5000) >= 0);     //  alone: all
    hl_testenv_share_redis (b, a);
    HL_CHECK (hl_testenv_daemon_start (b, args_b) == 0);
    long long split = s_leases_wait (a, "sla-a", "sla-b", 32, 32, 4 * LEASE_MS);
    HL_CHECK (split >= 0);
    HL_CHECK (s_redis_zcard (a, "hl:instances") == 2);
    char t[N][48];
    s_submit_to_both (a, b, t, N);
    //  Tuesday 18:10: each sign deadline's 催办 and 督办 are due.
    s_set_clocks (a, b, hl_testenv_beijing_ms (2026, 11, 24, 18, 10));
    int once = 0;
    for (int i = 0; i < N; i++)
        once += s_count (a, t[i], "remind") == 1 && s_count (a, t[i], "overdue") == 1
             && s_count (a, t[i], "escalate") == 0;
    HL_CHECK (once == N);
    int by_a = s_fired_in_log (a), by_b = s_fired_in_log (b);
    HL_CHECK (by_a > 0 && by_b > 0 && by_a + by_b == 2 * N);
    //  Kill A: its 32 leases run out, B takes them and fires what falls due.
    hl_testenv_daemon_signal (a, SIGKILL);
    hl_testenv_daemon_wait (a, 5000);
    long long takeover = s_leases_wait (b, "sla-a", "sla-b", 0, 64, 4 * LEASE_MS);
    HL_CHECK (takeover >= 0);
    fprintf (stderr, "leases: split in %lld ms, taken over %lld ms after the kill "
             "(lease %d ms); reminders fired by a: %d, by b: %d\n", split, takeover, LEASE_MS,
             by_a, by_b);
    hl_testenv_set_clock (b, hl_testenv_beijing_ms (2026, 12, 10, 9, 0));
    hl_testenv_sleep_ms (300);
    once = 0;
    for (int i = 0; i < N; i++)
        once += s_count (b, t[i], "escalate") == 1 && s_count (b, t[i], "overdue") == 1;
    HL_CHECK (once == N);
    HL_CHECK (s_fired_in_log (b) == by_b + N);
    HL_CHECK (s_redis_zcard (b, "hl:instances") == 1);
    hl_testenv_destroy (&b);
    hl_testenv_destroy (&a);
}

//  hotlined down while deadlines fall due: on restart each fires once.
static void
test_restart_catch_up (void)
{
    long long mon = hl_testenv_beijing_ms (2026, 11, 23, 9, 0);
    hl_testenv_t *env = s_env_up ("catchup", mon, NULL);
    if (!env)
        return;
    enum { N = 10 };
    char t[N][48];
    for (int i = 0; i < N; i++)
        s_submit (env, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, t[i]);
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 10000) == 0);
    //  Ten minutes past the warning moment of Tuesday's deadline.
    char start[24];
    snprintf (start, sizeof start, "%lld", hl_testenv_beijing_ms (2026, 11, 24, 18, 10));
    const char *args[] = { "--test-clock-ms", start, NULL };
    HL_CHECK (hl_testenv_daemon_start (env, args) == 0);
    usleep (500 * 1000);
    int once = 0;
    for (int i = 0; i < N; i++)
        once += s_count (env, t[i], "remind") == 1 && s_count (env, t[i], "overdue") == 1
             && s_count (env, t[i], "escalate") == 0;
    HL_CHECK (once == N);
    hl_testenv_destroy (&env);
}

//  True if the file at PATH contains TEXT.
static int
s_file_has (const char *path, const char *text)
{
    char cmd[1024];
    snprintf (cmd, sizeof cmd, "grep -qF '%s' '%s'", text, path);
    return system (cmd) == 0;
}

//  The hotline client with ARGS succeeds and prints TEXT.
static int
s_client_has (hl_testenv_t *env, const char *const *args, const char *text)
{
    char *out = NULL;
    int rc = hl_testenv_client (env, args, &out);
    int found = rc == 0 && out && strstr (out, text);
    if (!found)
        fprintf (stderr, "hotline %s: no '%s' in:\n%s\n", args[0], text, out ? out : "");
    free (out);
    return found;
}

//  hotline show TICKET (with --json if JSON) prints TEXT.
static int
s_show_has (hl_testenv_t *env, const char *ticket, int json, const char *text)
{
    const char *args[] = { json ? "--json" : "show", json ? "show" : ticket,
                           json ? ticket : NULL, NULL };
    return s_client_has (env, args, text);
}

//  hotline deadline with the daemon's files prints TEXT in its JSON.
static int
s_deadline_has (hl_testenv_t *env, const char *dir, const char *received, const char *days,
                const char *text)
{
    const char *args[] = { "deadline", "--json", "--received", received, "--working-days", days,
                           "--sla", getenv ("HL_SLA"), "--calendar-dir", dir, NULL };
    return s_client_has (env, args, text);
}

//  A new calendar year arrives (SIGHUP): open deadlines are recomputed.
//  Received Wednesday 2026-09-30 with only the 2025 file: the sign
//  deadline skips the statutory 国庆 (1-3 October), the weekend and the
//  补假 for Saturday the 3rd (Monday the 5th), to Tuesday 6 October
//  18:00, provisional; hotlined warns that the calendar
//  files end, and hotline deadline agrees. With the 2026 file (1-7 October
//  are holidays) it is Thursday 8 October 18:00, and no longer provisional.
static void
test_new_calendar (void)
{
    char dir[256];
    snprintf (dir, sizeof dir, "%s/hl-calendar-XXXXXX", getenv ("HL_TEST_TMPDIR") ?: "/tmp");
    HL_CHECK (mkdtemp (dir) != NULL);
    char cmd[1024];
    snprintf (cmd, sizeof cmd, "cp '%s/2025.conf' '%s/'", getenv ("HL_CALENDAR"), dir);
    HL_CHECK (system (cmd) == 0);
    hl_testenv_t *env = s_env_up ("calendar", hl_testenv_beijing_ms (2026, 9, 30, 9, 0), dir);
    if (!env)
        return;
    HL_CHECK (s_file_has (hl_testenv_daemon_log (env), "calendar files end in 0 days"));
    char t[48];
    s_submit (env, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, t);
    env_t *v = hl_testenv_show (env, t);
    const Hotline__Deadline *sign = s_deadline (v, "sign");
    HL_CHECK (sign && sign->due_ms == (uint64_t) hl_testenv_beijing_ms (2026, 10, 6, 18, 0));
    HL_CHECK (sign && sign->has_provisional && sign->provisional);
    s_free (&v);
    HL_CHECK (s_show_has (env, t, 1, "\"provisional\":true"));
    HL_CHECK (s_show_has (env, t, 0, "(暂定)"));
    HL_CHECK (s_deadline_has (env, dir, "2026-09-30 09:00", "1",
                              "\"due\":\"2026-10-06T18:00:00+08:00\",\"due_ms\":"));
    HL_CHECK (s_deadline_has (env, dir, "2026-09-30 09:00", "1", "\"provisional\":true"));
    //  A reload recounts the provisional deadlines (for /metrics).
    hl_testenv_daemon_signal (env, SIGHUP);
    usleep (500 * 1000);
    HL_CHECK (s_file_has (hl_testenv_daemon_log (env), "recomputed (1 provisional)"));

    snprintf (cmd, sizeof cmd, "cp '%s/2026.conf' '%s/'", getenv ("HL_CALENDAR"), dir);
    HL_CHECK (system (cmd) == 0);
    hl_testenv_daemon_signal (env, SIGHUP);
    usleep (500 * 1000);
    v = hl_testenv_show (env, t);
    sign = s_deadline (v, "sign");
    HL_CHECK (sign && sign->due_ms == (uint64_t) hl_testenv_beijing_ms (2026, 10, 8, 18, 0));
    HL_CHECK (sign && sign->has_provisional && !sign->provisional);
    s_free (&v);
    HL_CHECK (s_file_has (hl_testenv_daemon_log (env), "recomputed (0 provisional)"));
    HL_CHECK (s_show_has (env, t, 1, "\"provisional\":false"));
    HL_CHECK (s_deadline_has (env, dir, "2026-09-30 09:00", "1", "\"due\":\"2026-10-08T18:00:00"));
    HL_CHECK (s_deadline_has (env, dir, "2026-09-30 09:00", "1", "\"provisional\":false"));
    //  Nothing fires at the old moment.
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 10, 7, 9, 0));
    HL_CHECK (s_count (env, t, "overdue") == 0);
    hl_testenv_destroy (&env);
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    HL_CHECK (system (cmd) == 0);
}

//  hotline deadline refuses bad input with a message and exit status 1,
//  and reads the shipped files by default (docs/sla.md's example).
static void
test_deadline_cli (void)
{
    hl_testenv_t *env = hl_testenv_new ("deadline-cli");
    if (!env)
        return;
    const char *bad[][7] = {
        { "deadline", "--received", "2026-02-30 10:00", "--working-days", "2", NULL },
        { "deadline", "--received", "yesterday", "--working-days", "2", NULL },
        { "deadline", "--received", "2026-03-09 10:00", "--working-days", "0", NULL },
        { "deadline", "--received", "2026-03-09 10:00", "--working-days", "2x", NULL },
        { "deadline", "--received", "2026-03-09 10:00", NULL },
        { "deadline", "--received", "2026-03-09 10:00", "--working-days", "2", "--profile" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out = NULL;
        HL_CHECK (hl_testenv_client (env, bad[i], &out) == 1);
        HL_CHECK (out && !*out);
        free (out);
        char err[300];
        snprintf (err, sizeof err, "%s/client.err", hl_testenv_dir (env));
        HL_CHECK (s_file_has (err, "hotline deadline: "));
    }
    const char *profile[] = { "deadline", "--received", "2026-03-09 10:00", "--working-days",
                              "2", "--profile", "no-such", "--sla", getenv ("HL_SLA"), NULL };
    HL_CHECK (hl_testenv_client (env, profile, NULL) == 1);
    const char *dir[] = { "deadline", "--received", "2026-03-09 10:00", "--working-days", "2",
                          "--calendar-dir", "/nonexistent", NULL };
    HL_CHECK (hl_testenv_client (env, dir, NULL) == 1);
    const char *ok[] = { "deadline", "--received", "2026-12-28 10:00", "--working-days", "10",
                         "--sla", getenv ("HL_SLA"), "--calendar-dir", getenv ("HL_CALENDAR"),
                         NULL };
    char *out = NULL;
    HL_CHECK (hl_testenv_client (env, ok, &out) == 0);
    HL_CHECK (out && strstr (out, "2027-01-12 18:00") && strstr (out, "provisional"));
    free (out);
    hl_testenv_destroy (&env);
}


//  An approved extension (延期) lengthens the reply limit by its working
//  days; the reminders move with it.
static void
test_extension (void)
{
    long long mon = hl_testenv_beijing_ms (2026, 11, 23, 9, 0);
    hl_testenv_t *env = s_env_up ("extension", mon, NULL);
    if (!env)
        return;
    char t[48];
    s_submit (env, HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, t);
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "rsj", 4, "w");
    env_t *d = w ? hl_rawworker_next (w, 3000) : NULL;
    s_free (&d);
    env_t *r = w ? hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_SIGN, NULL) : NULL;
    s_free (&r);
    r = w ? hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION, "需现场勘查") : NULL;
    s_free (&r);
    Hotline__Transition t3 = HOTLINE__TRANSITION__INIT;
    t3.has_ticket = 1;
    t3.ticket = hl_wire_bytes (t);
    t3.has_action = 1;
    t3.action = HOTLINE__ACTION__ACTION_APPROVE_EXTENSION;
    t3.has_actor = 1;
    t3.actor = hl_wire_bytes ("dispatcher:li");
    t3.has_extension_days = 1;
    t3.extension_days = 3;
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    req.transition = &t3;
    r = hl_testenv_request (env, &req);
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE);
    s_free (&r);
    usleep (200 * 1000);
    env_t *v = hl_testenv_show (env, t);
    const Hotline__Deadline *reply = s_deadline (v, "reply");
    //  15 working days end Monday 14 December 18:00; three more: Thursday 17th.
    HL_CHECK (reply && reply->due_ms == (uint64_t) hl_testenv_beijing_ms (2026, 12, 17, 18, 0));
    HL_CHECK (v && v->ticket_view->extension_days == 3);
    s_free (&v);
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 12, 15, 9, 0));
    HL_CHECK (s_count_of (env, t, "overdue", "reply") == 0);
    hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 12, 17, 18, 0));
    HL_CHECK (s_count_of (env, t, "overdue", "reply") == 1);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "fire_in_order", test_fire_in_order },
    { "milestones", test_milestones },
    { "pause", test_pause },
    { "extension", test_extension },
    { "two_daemons", test_two_daemons },
    { "leases", test_leases },
    { "restart_catch_up", test_restart_catch_up },
    { "new_calendar", test_new_calendar },
    { "deadline_cli", test_deadline_cli },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
