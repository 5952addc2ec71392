/*  Black-box test: the Redis primary killed under load, with Sentinel.
 *
 *  A primary, 2 replicas and 3 sentinels (tests/hl_testsentinel), hotlined
 *  following the primary through them with ack = replicated, and a few
 *  clients filing complaints (bench/hl_load: each request keeps its
 *  request id across resends). The primary is killed with SIGKILL in the
 *  middle. Afterwards, on the promoted primary: every acknowledged ticket
 *  exists once, with its complaint and its history; no number names two
 *  complaints; the numbers skipped the guard's gap; intake resumed by
 *  itself (nobody restarted hotlined) and timers still fire.
 */
#include "hl_lifecycle_table.h"
#include "hl_load.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testload.h"
#include "hl_testsentinel.h"
#include "hl_wire.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long
s_int (redisContext *rc, const char *cmd)
{
    redisReply *r = redisCommand (rc, cmd);
    long long v = !r ? -1 : r->type == REDIS_REPLY_INTEGER ? r->integer
                : r->type == REDIS_REPLY_STRING ? atoll (r->str) : -1;
    if (r)
        freeReplyObject (r);
    return v;
}

//  Reminders fired so far: the members of every bucket's warned and
//  overdue lists.
static long long
s_fired (redisContext *rc)
{
    redisReply *keys = redisCommand (rc, "KEYS hl:{*}:sla:*");
    long long n = 0;
    for (size_t i = 0; keys && keys->type == REDIS_REPLY_ARRAY && i < keys->elements; i++) {
        redisReply *r = redisCommand (rc, "ZCARD %s", keys->element[i]->str);
        n += r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        if (r)
            freeReplyObject (r);
    }
    if (keys)
        freeReplyObject (keys);
    return n;
}

//  Requests first due after AFTER_US (so first sent when the old primary
//  was dead already) whose serial (the number's last digits, after its
//  bucket's) is not past the guard's gap: numbered in the range the old
//  primary may have issued in that bucket.
static long
s_unguarded (const hl_testload_t *load, long long after_us, long gap)
{
    long unguarded = 0;
    for (long i = 0; i < load->opts.total; i++) {
        const char *t = load->result.tickets[i];
        size_t len = strlen (t);
        if (load->result.due_us[i] > after_us && len > HL_TICKET_SERIAL_DIGITS
            && atol (t + len - HL_TICKET_SERIAL_DIGITS) <= gap)
            unguarded++;
    }
    return unguarded;
}

static void
test_sentinel_kill_primary (void)
{
    hl_testenv_t *env = hl_testenv_new ("failover");
    hl_testsentinel_t *ts = hl_testsentinel_new (hl_testenv_dir (env), 500);
    HL_CHECK (ts != NULL);
    if (!ts) {
        hl_testenv_destroy (&env);
        return;
    }
    //  A Friday afternoon on the daemon's clock: the sign reminders of the
    //  tickets filed now fall on Monday.
    char start[24];
    snprintf (start, sizeof start, "%lld", hl_testenv_beijing_ms (2026, 11, 27, 16, 0));
    const char *args[] = { "--redis-sentinels", hl_testsentinel_sentinels (ts),
                           "--redis-master-name", hl_testsentinel_name (),
                           "--ack", "replicated", "--ack-timeout-ms", "1000",
                           "--redis-timeout-ms", "1000", "--redis-backoff-max-ms", "200",
                           "--test-clock-ms", start, "--log-level", "info", NULL };
    HL_CHECK (hl_testenv_daemon_start (env, args) == 0);

    hl_testload_t load;
    hl_testload_opts (&load, hl_testenv_endpoint (env), 2000, 1000, "failover");
    hl_load_thread_t *thread = hl_load_start (&load.opts, &load.result);
    usleep (1000 * 1000);
    HL_CHECK (!hl_load_ended (thread));
    char old[64] = "", primary[64] = "";
    HL_CHECK (hl_testsentinel_primary (ts, old, sizeof old) == 0);
    HL_CHECK (hl_testsentinel_kill (ts, old) == 0);
    long long killed = hl_testenv_now_ms ();
    HL_CHECK (hl_testsentinel_wait_switch (ts, old, 30000, primary, sizeof primary) == 0);
    long long switched = hl_testenv_now_ms ();
    hl_load_join (&thread);
    //  (due_us is on hl_monotonic_us's clock: the same as hl_testenv_now_ms's)
    long unguarded = s_unguarded (&load, switched * 1000, 10000);

    long reissued = hl_testload_reissued (&load);
    redisContext *rc = hl_testsentinel_connect (primary);
    HL_CHECK (rc != NULL);
    long missing = hl_testload_missing (env, &load);
    HL_CHECK (rc && hl_testenv_outbox_drained_on (rc, 20000) == 0);
    //  Every dispatched ticket waits in its unit's stream (no worker came).
    long dispatched = 0;
    long unqueued = hl_testload_unqueued (env, &load, &rc, 1, &dispatched);
    long long stored = rc ? s_int (rc, "ZCARD " HL_INDEX_PREFIX "state:to_dispatch")
                            + s_int (rc, "ZCARD " HL_INDEX_PREFIX "state:dispatched") : -1;
    double worst_ms = load.result.n_latency
                    ? load.result.latency_us[load.result.n_latency - 1] / 1000 : 0;
    printf ("failover: sentinels switched in %lld ms; %ld acked of %ld, %ld refused, "
            "%ld resends; acked lost %ld, numbers reissued %ld, %lld tickets stored; "
            "longest ack %.0f ms; %ld dispatched, %ld not in a worker stream\n",
            switched - killed, load.result.acked, load.opts.total, load.result.refused,
            load.result.resends, missing, reissued, stored, worst_ms, dispatched, unqueued);
    HL_CHECK (load.result.acked == load.opts.total && load.result.refused == 0);
    HL_CHECK (missing == 0);
    HL_CHECK (reissued == 0);
    HL_CHECK (stored == load.opts.total);
    HL_CHECK (dispatched > 0 && unqueued == 0);
    //  The new primary skipped the gap (hl_seq_guard) before taking intake.
    HL_CHECK (unguarded == 0);

    //  Timers fire on the new primary: Monday evening, past the sign
    //  deadlines, reminders fire (the buckets' warned and overdue lists).
    if (rc) {
        long long before = s_fired (rc);
        HL_CHECK (hl_testenv_set_clock (env, hl_testenv_beijing_ms (2026, 11, 30, 19, 0)) == 0);
        long long after = before;
        for (int i = 0; i < 50 && after <= before; i++) {
            hl_testenv_sleep_ms (100);
            after = s_fired (rc);
        }
        HL_CHECK (after > before);
        redisFree (rc);
    }
    hl_load_result_free (&load.result);
    hl_testsentinel_destroy (&ts);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "sentinel_kill_primary", test_sentinel_kill_primary },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
