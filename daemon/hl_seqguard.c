/*  hl_seqguard: the sequence guard on a new primary. See hl_seqguard.h. */
#include "hl_seqguard.h"
#include "hl_bucket.h"
#include "hl_log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    hl_seqguard_fn *fn;
    void *arg;
    hl_seqguard_opts_t opts;
    int pending;                 //  bucket calls not yet answered (+1 while sending)
    int failed;                  //  a bucket call was refused or not sent
    long long bumped;            //  days' sequences bumped, all buckets together
    int bumped_buckets;          //  buckets that had not seen this primary
    unsigned char buckets[HL_TICKET_BUCKETS];    //  those to guard (opts.buckets)
} s_run_t;

//  A refusal repeats at every retry (5 a second): said once a while.
static hl_log_limit_t s_unguarded_log, s_retry_log;

int
hl_seqguard_replid (const char *info, char id[41])
{
    const char *at = info ? strstr (info, "master_replid:") : NULL;
    if (!at)
        return -1;
    at += strlen ("master_replid:");
    size_t n = strspn (at, "0123456789abcdef");
    if (n != 40)
        return -1;
    memcpy (id, at, 40);
    id[40] = 0;
    return 0;
}

static void
s_finish (s_run_t *run, hl_seqguard_outcome_t outcome)
{
    run->fn (outcome, run->arg);
    free (run);
}

//  Redis refused a step (WHAT; REPLY's error, if any; none: the connection
//  is gone, which the connection's own log tells).
static void
s_warn_retry (const char *what, const redisReply *reply)
{
    if (reply)
        hl_log_limited (&s_retry_log, 10000, HL_LOG_WARNING, "ticket numbers: %s (%s); trying again",
                        what, reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
}

//  A step failed: the store runs the guard again shortly.
static void
s_retry (s_run_t *run, const char *what, const redisReply *reply)
{
    s_warn_retry (what, reply);
    s_finish (run, HL_SEQGUARD_RETRY);
}

//  One bucket's call is over: once every bucket has answered, the run is
//  done, or is tried again whole if any bucket's call failed (a bucket
//  already guarded on this primary answers "same" the second time).
static void
s_release (s_run_t *run)
{
    assert (run->pending > 0);
    if (--run->pending > 0)
        return;
    if (run->failed) {
        s_finish (run, HL_SEQGUARD_RETRY);
        return;
    }
    if (run->bumped > 0)
        hl_notice ("ticket numbers: a primary not seen before; %lld days' sequences in %d "
                   "buckets skipped %ld numbers, so none is issued twice",
                   run->bumped, run->bumped_buckets, run->opts.gap);
    s_finish (run, HL_SEQGUARD_DONE);
}

static void
s_on_guard (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_run_t *run = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_INTEGER) {
        s_warn_retry ("hl_seq_guard failed", reply);
        run->failed = 1;
    }
    else if (strcmp (reply->element[0]->str, "bumped") == 0) {
        run->bumped += reply->element[1]->integer;
        run->bumped_buckets++;
    }
    s_release (run);
}

//  FCALL hl_seq_guard on BUCKET's epoch key hl:{NN}:seq:epoch: the call
//  derives the bucket's day sequences from its tag, as intake does.
static int
s_guard_bucket (hl_redis_t *redis, s_run_t *run, int bucket, const char *id,
                const char *gap, const char *tz, const char *now)
{
    char key[HL_BUCKET_KEY_MAX];
    if (hl_bucket_key (key, sizeof key, bucket, "seq", "epoch", 5) < 0)
        return -1;
    const char *argv[] = { "FCALL", "hl_seq_guard", "1", key, "epoch", id, "gap", gap,
                           "tz_offset_min", tz, "now_ms", now };
    return hl_redis_command (redis, 12, argv, NULL, s_on_guard, run);
}

//  Every bucket keeps its own sequences, so every bucket this master
//  serves is guarded, each by a call of its own (its keys in one slot);
//  all are sent at once.
static void
s_guard_buckets (hl_redis_t *redis, s_run_t *run, const char *id)
{
    char gap[24], tz[16], now[24] = "";
    snprintf (gap, sizeof gap, "%ld", run->opts.gap);
    snprintf (tz, sizeof tz, "%d", run->opts.tz_offset_min);
    if (run->opts.now_ms > 0)
        snprintf (now, sizeof now, "%lld", (long long) run->opts.now_ms);
    run->pending = 1;            //  held until every call is sent
    for (int bucket = 0; bucket < HL_TICKET_BUCKETS && !run->failed; bucket++) {
        if (!run->buckets[bucket])
            continue;            //  another master's: guarded there
        run->pending++;
        if (s_guard_bucket (redis, run, bucket, id, gap, tz, now) != 0) {
            run->pending--;      //  not sent: the connection is gone
            run->failed = 1;
        }
    }
    s_release (run);
}

//  A user refused INFO (an ACL from before the guard) still serves: the
//  operator is told, loudly, what is at risk and how to fix it.
static int
s_refused_info (const redisReply *reply)
{
    return reply->type == REDIS_REPLY_ERROR && strncmp (reply->str, "NOPERM", 6) == 0;
}

static void
s_on_info (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_run_t *run = arg;
    char id[41];
    if (reply && s_refused_info (reply)) {
        hl_log_limited (&s_unguarded_log, 600000, HL_LOG_ERROR,
                        "ticket numbers: Redis refuses INFO to this user (%s): after a "
                        "failover a number could be issued twice; grant it +info "
                        "(deploy/redis-acl.sh)", reply->str);
        s_finish (run, HL_SEQGUARD_UNGUARDED);
        return;
    }
    if (!reply || reply->type != REDIS_REPLY_STRING || hl_seqguard_replid (reply->str, id) != 0) {
        s_retry (run, "no replication id from INFO", reply);
        return;
    }
    s_guard_buckets (redis, run, id);
}

int
hl_seqguard_run (hl_redis_t *redis, const hl_seqguard_opts_t *opts, hl_seqguard_fn *fn,
                 void *arg)
{
    s_run_t *run = calloc (1, sizeof *run);
    if (!run)
        abort ();
    *run = (s_run_t) { .fn = fn, .arg = arg, .opts = *opts };
    memset (run->buckets, 1, sizeof run->buckets);
    if (opts->buckets)
        memcpy (run->buckets, opts->buckets, sizeof run->buckets);
    run->opts.buckets = NULL;
    const char *argv[] = { "INFO", "replication" };
    if (hl_redis_command (redis, 2, argv, NULL, s_on_info, run) != 0) {
        free (run);
        return -1;
    }
    return 0;
}
