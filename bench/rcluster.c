/*  rcluster: what the cluster layer costs. COUNT "SET {tag}:k v" commands,
 *  INFLIGHT at a time, sent through one bare hl_redis connection (MODE
 *  redis) or routed through hl_rcluster (MODE cluster); prints commands
 *  per second and the p50/p99 of each command's time to its reply.
 *
 *  Usage: rcluster MODE SEEDS [COUNT [INFLIGHT]]   (bench/run-rcluster)
 */
#include "hl_rcluster.h"

#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct event_base *base;
    hl_redis_t *redis;
    hl_rcluster_t *cluster;
    long count, sent, done, failed;
    int64_t *started;            //  per command, microseconds
    int64_t *took;
} s_bench_t;

static s_bench_t s_bench;

static void s_send (void);

static void
s_done (long i, int ok)
{
    s_bench.took[s_bench.done++] = hl_monotonic_us () - s_bench.started[i];
    s_bench.failed += !ok;
    if (s_bench.done == s_bench.count)
        event_base_loopbreak (s_bench.base);
    else
        s_send ();
}

static void
s_on_redis (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_done ((long) (intptr_t) arg, reply && reply->type == REDIS_REPLY_STATUS);
}

static void
s_on_cluster (hl_rcluster_t *cluster, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    s_done ((long) (intptr_t) arg, code == HL_RCLUSTER_OK && reply->type == REDIS_REPLY_STATUS);
}

static void
s_send (void)
{
    if (s_bench.sent == s_bench.count)
        return;
    long i = s_bench.sent++;
    char key[32];
    snprintf (key, sizeof key, "{b%ld}:k", i % 4096);
    const char *argv[] = { "SET", key, "a value of some thirty bytes..." };
    s_bench.started[i] = hl_monotonic_us ();
    int rc = s_bench.cluster
           ? hl_rcluster_command (s_bench.cluster, key, strlen (key), 3, argv, NULL,
                                  s_on_cluster, (void *) (intptr_t) i)
           : hl_redis_command (s_bench.redis, 3, argv, NULL, s_on_redis, (void *) (intptr_t) i);
    if (rc != 0) {
        fprintf (stderr, "rcluster: command refused\n");
        exit (1);
    }
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

//  Runs the loop until the connection (or the slot map) is ready.
static void
s_wait_ready (void)
{
    for (int i = 0; i < 500; i++) {
        if (s_bench.cluster ? hl_rcluster_masters_up (s_bench.cluster) > 0
                              && hl_rcluster_masters_up (s_bench.cluster)
                                 == hl_rcluster_masters (s_bench.cluster)
                            : hl_redis_is_up (s_bench.redis))
            return;
        struct timeval tv = { 0, 10000 };
        event_base_loopexit (s_bench.base, &tv);
        event_base_dispatch (s_bench.base);
    }
    fprintf (stderr, "rcluster: not connected\n");
    exit (1);
}

int
main (int argc, char **argv)
{
    if (argc < 3 || (strcmp (argv[1], "redis") != 0 && strcmp (argv[1], "cluster") != 0)) {
        fprintf (stderr, "usage: rcluster redis|cluster SEEDS [COUNT [INFLIGHT]]\n");
        return 2;
    }
    s_bench.count = argc > 3 ? atol (argv[3]) : 200000;
    long inflight = argc > 4 ? atol (argv[4]) : 256;
    s_bench.base = event_base_new ();
    s_bench.started = calloc ((size_t) s_bench.count, sizeof (int64_t));
    s_bench.took = calloc ((size_t) s_bench.count, sizeof (int64_t));
    char err[256];
    if (strcmp (argv[1], "cluster") == 0) {
        hl_rcluster_opts_t o;
        hl_rcluster_opts_default (&o);
        o.seeds = argv[2];
        s_bench.cluster = hl_rcluster_new (s_bench.base, &o, err, sizeof err);
    }
    else {
        hl_redis_opts_t o;
        hl_redis_opts_default (&o);
        o.address = argv[2];
        s_bench.redis = hl_redis_new (s_bench.base, &o, NULL, NULL, err, sizeof err);
    }
    if (!s_bench.cluster && !s_bench.redis) {
        fprintf (stderr, "rcluster: %s\n", err);
        return 1;
    }
    s_wait_ready ();
    int64_t t0 = hl_monotonic_us ();
    for (long i = 0; i < inflight; i++)
        s_send ();
    event_base_dispatch (s_bench.base);
    double secs = (double) (hl_monotonic_us () - t0) / 1e6;
    qsort (s_bench.took, (size_t) s_bench.count, sizeof (int64_t), s_cmp);
    printf ("%-7s %-9s %ld commands, %ld in flight: %.0f/s, p50 %.2f ms, p99 %.2f ms, "
            "%ld failed\n", argv[1], s_bench.cluster ? (hl_rcluster_is_standalone (s_bench.cluster)
                                                        ? "standalone" : "cluster")
                                                     : "standalone",
            s_bench.count, inflight, (double) s_bench.count / secs,
            (double) s_bench.took[s_bench.count / 2] / 1000.0,
            (double) s_bench.took[s_bench.count * 99 / 100] / 1000.0, s_bench.failed);
    hl_rcluster_destroy (&s_bench.cluster);
    if (s_bench.redis)
        hl_redis_destroy (&s_bench.redis);
    event_base_free (s_bench.base);
    free (s_bench.started);
    free (s_bench.took);
    return 0;
}
