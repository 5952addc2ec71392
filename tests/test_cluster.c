/*  Black-box tests of the whole stack on a local Redis Cluster (3 masters
 *  + 3 replicas, tests/hl_testcluster), hotlined given the nodes as
 *  deploy/up gives them (redis_nodes): the life of a ticket from intake
 *  to close, deadline reminders firing in every master's buckets and the
 *  dashboard's figures summed over them, a worker on a second instance
 *  getting the tickets the first took, and a master killed under intake.
 */
#include "hl_bucket.h"
#include "hl_load.h"
#include "hl_proc.h"
#include "hl_rawworker.h"
#include "hl_rslot.h"
#include "hl_table.h"
#include "hl_test.h"
#include "hl_testcluster.h"
#include "hl_testenv.h"
#include "hl_testload.h"
#include "hl_wire.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Hotline__Envelope env_t;

#define TOKEN "test-supervisor-token-0123456789"
#define AGENT "agent:1001"

//  hotlined ENV on the cluster TC with ARGS. 0 or -1.
static int
s_daemon_on (hl_testenv_t *env, hl_testcluster_t *tc, const char *const *args)
{
    const char *nodes[HL_TESTCLUSTER_NODES];
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        nodes[i] = hl_testcluster_address (tc, i);
    if (hl_testenv_use_nodes (env, nodes, HL_TESTCLUSTER_NODES) != 0)
        return -1;
    return hl_testenv_daemon_start (env, args);
}

//  The node serving KEY's slot now, -1 if none.
static int
s_master_of_key (hl_testcluster_t *tc, const char *key)
{
    return hl_testcluster_master_of (tc, hl_rslot_keyslot (key, strlen (key)));
}

//  Whether the sorted set KEY holds MEMBER, on the master of its slot.
static int
s_zhas (hl_testcluster_t *tc, const char *key, const char *member)
{
    int node = s_master_of_key (tc, key);
    redisContext *rc = node >= 0 ? hl_testcluster_redis (tc, node) : NULL;
    redisReply *r = rc ? redisCommand (rc, "ZSCORE %s %s", key, member) : NULL;
    int has = r && r->type == REDIS_REPLY_STRING;
    if (r)
        freeReplyObject (r);
    return has;
}

//  Waits up to MS for s_zhas.
static int
s_zhas_soon (hl_testcluster_t *tc, const char *key, const char *member, int ms)
{
    long long until = hl_testenv_now_ms () + ms;
    while (!s_zhas (tc, key, member) && hl_testenv_now_ms () < until)
        hl_testenv_sleep_ms (50);
    return s_zhas (tc, key, member);
}

//  Lines of ENV's daemon log that contain TEXT.
static int
s_log_count (hl_testenv_t *env, const char *text)
{
    FILE *f = fopen (hl_testenv_daemon_log (env), "r");
    char line[4096];
    int n = 0;
    while (f && fgets (line, sizeof line, f))
        n += strstr (line, text) != NULL;
    if (f)
        fclose (f);
    return n;
}

static void
s_submit (hl_testenv_t *env, const char *category, char out[48])
{
    Hotline__Complaint c;
    char rid[33];
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_PHONE,
                          HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, category, "441702",
                          "社保卡怎么激活", rid);
    hl_testenv_file (env, &c, out);
    HL_CHECK (*out);
}

//  Takes N deliveries of W (each within 5 s) and checks each is one of T,
//  once. How many of T came.
static int
s_delivered_all (hl_rawworker_t *w, char t[][48], int n)
{
    int seen[64] = { 0 }, got = 0;
    for (int k = 0; k < n; k++) {
        env_t *d = hl_rawworker_next (w, 5000);
        for (int i = 0; d && i < n; i++)
            if (strcmp (d->delivery->ticket->ticket, t[i]) == 0)
                got += seen[i]++ == 0;
        hl_wire_free (&d);
    }
    return got;
}

//  Submit → dispatch → the worker signs → reply → 回访 → close, with the
//  tickets spread over every master; then the sign deadlines pass and the
//  reminders fire in each master's buckets, the dashboard summing them.
static void
test_e2e (void)
{
    enum { N = 12 };
    hl_testcluster_t *tc = hl_testcluster_new ("cl-e2e", 2000);
    HL_CHECK (tc != NULL);
    hl_testenv_t *env = hl_testenv_new ("cl-e2e-d");
    int port = hl_proc_free_port ();
    char http[64], start[24];
    snprintf (http, sizeof http, "127.0.0.1:%d", port);
    //  Monday 09:00 on the daemon's clock: sign deadlines on Tuesday 18:00.
    snprintf (start, sizeof start, "%lld", hl_testenv_beijing_ms (2026, 11, 23, 9, 0));
    const char *args[] = { "--test-clock-ms", start, "--http-endpoint", http, NULL };
    setenv ("HOTLINE_HTTP_TOKEN", TOKEN, 1);
    if (!tc || !env || s_daemon_on (env, tc, args) != 0) {
        HL_CHECK (!"hotlined up on the cluster");
        hl_testenv_destroy (&env);
        hl_testcluster_destroy (&tc);
        return;
    }
    char *out = NULL;
    const char *status[] = { "--json", "status", NULL };
    HL_CHECK (hl_testenv_client (env, status, &out) == 0);
    HL_CHECK (out && strstr (out, "\"store\":\"cluster\""));
    int up = 0;
    for (const char *at = out; at && (at = strstr (at, " up\"")); at++)
        up++;
    HL_CHECK (up == 3);
    free (out);

    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "rsj", 2 * N, "w1");
    HL_CHECK (w != NULL);
    char t[N][48];
    int on_node[HL_TESTCLUSTER_NODES] = { 0 }, masters = 0;
    for (int i = 0; i < N; i++) {
        s_submit (env, "SB.01", t[i]);
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_ticket_key (key, sizeof key, t[i], "t");
        int node = s_master_of_key (tc, key);
        masters += node >= 0 && on_node[node]++ == 0;
    }
    printf ("%d tickets on %d masters\n", N, masters);
    HL_CHECK (masters >= 2);
    HL_CHECK (w && s_delivered_all (w, t, N) == N);
    if (!w) {
        hl_testenv_destroy (&env);
        hl_testcluster_destroy (&tc);
        return;
    }
    HL_CHECK (hl_testenv_done_to (hl_rawworker_act (w, t[0], HOTLINE__ACTION__ACTION_SIGN, NULL),
                                  HOTLINE__STATE__STATE_SIGNED));
    HL_CHECK (hl_testenv_done_to (hl_rawworker_act (w, t[0], HOTLINE__ACTION__ACTION_REPLY,
                                                    "已为市民办理"),
                                  HOTLINE__STATE__STATE_REPLIED));
    Hotline__Transition rating = HOTLINE__TRANSITION__INIT;
    rating.has_satisfaction = 1;
    rating.satisfaction = HOTLINE__SATISFACTION__SATISFIED;
    rating.has_resolved = 1;
    rating.resolved = 1;
    HL_CHECK (hl_testenv_done_to (hl_testenv_staff (env, AGENT, t[0], HOTLINE__ACTION__ACTION_VISIT, &rating),
                                  HOTLINE__STATE__STATE_VISITED));
    HL_CHECK (hl_testenv_done_to (hl_testenv_staff (env, AGENT, t[0], HOTLINE__ACTION__ACTION_CLOSE, NULL),
                                  HOTLINE__STATE__STATE_CLOSED));
    env_t *view = hl_testenv_show (env, t[0]);
    HL_CHECK (view && view->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW
              && view->ticket_view->state == HOTLINE__STATE__STATE_CLOSED
              && view->ticket_view->n_history >= 6);
    hl_wire_free (&view);
    //  The outbox's index updates reach the global lists on their own
    //  master (hl:{ix}), whichever master the ticket is on.
    HL_CHECK (s_zhas_soon (tc, HL_INDEX_PREFIX "state:closed", t[0], 5000));
    HL_CHECK (!s_zhas (tc, HL_INDEX_PREFIX "state:dispatched", t[0]));
    for (int i = 1; i < N; i++)
        HL_CHECK (s_zhas_soon (tc, HL_INDEX_PREFIX "state:dispatched", t[i], 5000));

    //  A reload recomputes every open ticket's deadlines: the index page on
    //  its master, each ticket's clocks on the ticket's.
    int recomputed = s_log_count (env, "deadlines of open tickets recomputed");
    hl_testenv_daemon_signal (env, SIGHUP);
    for (int i = 0; i < 50 && s_log_count (env, "deadlines of open tickets recomputed")
                               == recomputed; i++)
        hl_testenv_sleep_ms (100);
    HL_CHECK (s_log_count (env, "deadlines of open tickets recomputed") > recomputed);

    //  Tuesday 18:10: the other sign deadlines are overdue, in every
    //  master's buckets, and the dashboard sums them.
    HL_CHECK (hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 24, 18, 10)) == 0);
    char want[64];
    snprintf (want, sizeof want, "\"overdue\":%d,", N - 1);
    int code = 0, found = 0;
    for (int i = 0; i < 50 && !found; i++) {
        char *summary = hl_testenv_http_get (port, "/api/summary", TOKEN, &code);
        found = code == 200 && summary && strstr (summary, want);
        free (summary);
        if (!found)
            hl_testenv_sleep_ms (100);
    }
    HL_CHECK (found);
    char *list = hl_testenv_http_get (port, "/api/deadlines", TOKEN, &code);
    int listed = 0;
    for (int i = 1; list && i < N; i++)
        listed += strstr (list, t[i]) != NULL;
    HL_CHECK (code == 200 && listed == N - 1);
    free (list);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
    hl_testcluster_destroy (&tc);
}

//  Two instances on the cluster: a worker on B gets every ticket filed
//  through A (the unit's stream is on one master, read by B's link there).
static void
test_second_instance (void)
{
    enum { N = 10 };
    hl_testcluster_t *tc = hl_testcluster_new ("cl-two", 2000);
    HL_CHECK (tc != NULL);
    hl_testenv_t *a = hl_testenv_new ("cl-two-a"), *b = hl_testenv_new ("cl-two-b");
    if (!tc || s_daemon_on (a, tc, NULL) != 0 || s_daemon_on (b, tc, NULL) != 0) {
        HL_CHECK (!"two instances up on the cluster");
        hl_testenv_destroy (&b);
        hl_testenv_destroy (&a);
        hl_testcluster_destroy (&tc);
        return;
    }
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (b), "gjj", 2 * N, "wb");
    HL_CHECK (w != NULL);
    char t[N][48];
    long long t0 = hl_testenv_now_ms ();
    for (int i = 0; i < N; i++)
        s_submit (a, "GJ.01", t[i]);
    HL_CHECK (w && s_delivered_all (w, t, N) == N);
    printf ("%d tickets filed through A delivered by B in %lld ms\n", N,
            hl_testenv_now_ms () - t0);
    int signed_ok = 0;
    for (int i = 0; w && i < N; i++)
        signed_ok += hl_testenv_done_to (hl_rawworker_act (w, t[i], HOTLINE__ACTION__ACTION_SIGN,
                                                           NULL), HOTLINE__STATE__STATE_SIGNED);
    HL_CHECK (signed_ok == N);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&b);
    hl_testenv_destroy (&a);
    hl_testcluster_destroy (&tc);
}

//  A master killed (SIGKILL) under intake through hotlined: its buckets'
//  calls are refused as retryable (the load resends them, nothing is
//  refused for good) while the others go on; once its replica is promoted
//  intake resumes by itself; every acknowledged ticket exists once with
//  its history, and every dispatched one waits in its unit's stream.
static void
test_master_killed (void)
{
    hl_testcluster_t *tc = hl_testcluster_new ("cl-kill", 1000);
    HL_CHECK (tc != NULL);
    hl_testenv_t *env = hl_testenv_new ("cl-kill-d");
    const char *args[] = { "--redis-timeout-ms", "1000", "--redis-backoff-max-ms", "200",
                           "--log-level", "info", NULL };
    if (!tc || s_daemon_on (env, tc, args) != 0) {
        HL_CHECK (!"hotlined up on the cluster");
        hl_testenv_destroy (&env);
        hl_testcluster_destroy (&tc);
        return;
    }
    hl_testload_t load;
    hl_testload_opts (&load, hl_testenv_endpoint (env), 1500, 500, "clkill");
    hl_load_thread_t *thread = hl_load_start (&load.opts, &load.result);
    hl_testenv_sleep_ms (1000);
    HL_CHECK (!hl_load_ended (thread));
    char key[HL_BUCKET_KEY_MAX];
    hl_bucket_own_key (key, sizeof key, 0, "seq");
    int slot = hl_rslot_keyslot (key, strlen (key));
    int victim = hl_testcluster_master_of (tc, slot);
    HL_CHECK (victim >= 0);
    hl_testcluster_signal (tc, victim, SIGKILL);
    long long killed = hl_testenv_now_ms ();
    int now_master = -1;
    while (hl_testenv_now_ms () - killed < 30000
           && ((now_master = hl_testcluster_master_of (tc, slot)) < 0 || now_master == victim))
        hl_testenv_sleep_ms (100);
    long long promoted = hl_testenv_now_ms ();
    HL_CHECK (now_master >= 0 && now_master != victim);
    hl_load_join (&thread);
    //  Acknowledged while the master was away: the other buckets went on.
    long during = 0;
    for (long i = 0; i < load.opts.total; i++)
        during += load.result.acked_us[i] > killed * 1000 && load.result.acked_us[i] < promoted * 1000;
    long missing = hl_testload_missing (env, &load);
    long reissued = hl_testload_reissued (&load);
    //  Every dispatched ticket waits in its unit's stream (no worker came).
    redisContext *nodes[HL_TESTCLUSTER_NODES];
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        nodes[i] = hl_testcluster_redis (tc, i);
    long dispatched = 0;
    long unqueued = hl_testload_unqueued (env, &load, nodes, HL_TESTCLUSTER_NODES, &dispatched);
    printf ("master killed: replica promoted in %lld ms; %ld acked of %ld (%ld while it was "
            "away), %ld refused, %ld resends; acked lost %ld, numbers reissued %ld; "
            "%ld dispatched, %ld not in a worker stream\n", promoted - killed,
            load.result.acked, load.opts.total, during, load.result.refused,
            load.result.resends, missing, reissued, dispatched, unqueued);
    HL_CHECK (load.result.acked == load.opts.total && load.result.refused == 0);
    HL_CHECK (during > 0 && load.result.resends > 0);
    HL_CHECK (missing == 0 && reissued == 0);
    HL_CHECK (dispatched > 0 && unqueued == 0);
    hl_load_result_free (&load.result);
    hl_testenv_destroy (&env);
    hl_testcluster_destroy (&tc);
}

static const hl_test_case_t s_cases[] = {
    { "e2e", test_e2e },
    { "second_instance", test_second_instance },
    { "master_killed", test_master_killed },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
