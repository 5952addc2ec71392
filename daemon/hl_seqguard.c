/*  hl_seqguard: the sequence guard on a new primary. See hl_seqguard.h. */
#include "hl_seqguard.h"
#include "hl_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    hl_seqguard_fn *fn;
    void *arg;
    hl_seqguard_opts_t opts;
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

//  Redis refused a step (WHAT; REPLY's error, if any): the store runs the
//  guard again shortly.
static void
s_retry (s_run_t *run, const char *what, const redisReply *reply)
{
    if (reply)
        hl_log_limited (&s_retry_log, 10000, HL_LOG_WARNING, "ticket numbers: %s (%s); trying again",
                        what, reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    s_finish (run, HL_SEQGUARD_RETRY);
}

static void
s_on_guard (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_run_t *run = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING) {
        s_retry (run, "hl_seq_guard failed", reply);
        return;
    }
    if (strcmp (reply->element[0]->str, "bumped") == 0 && reply->element[1]->integer > 0)
        hl_notice ("ticket numbers: a primary not seen before; %lld days' sequences "
                   "skipped %ld numbers, so none is issued twice",
                   reply->element[1]->integer, run->opts.gap);
    s_finish (run, HL_SEQGUARD_DONE);
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
    char gap[24], tz[16], now[24] = "";
    snprintf (gap, sizeof gap, "%ld", run->opts.gap);
    snprintf (tz, sizeof tz, "%d", run->opts.tz_offset_min);
    if (run->opts.now_ms > 0)
        snprintf (now, sizeof now, "%lld", (long long) run->opts.now_ms);
    const char *argv[] = { "FCALL", "hl_seq_guard", "0", id, gap, tz, now };
    if (hl_redis_command (redis, 7, argv, NULL, s_on_guard, run) != 0)
        s_retry (run, "the connection is gone", NULL);
}

int
hl_seqguard_run (hl_redis_t *redis, const hl_seqguard_opts_t *opts, hl_seqguard_fn *fn,
                 void *arg)
{
    s_run_t *run = calloc (1, sizeof *run);
    if (!run)
        abort ();
    *run = (s_run_t) { fn, arg, *opts };
    const char *argv[] = { "INFO", "replication" };
    if (hl_redis_command (redis, 2, argv, NULL, s_on_info, run) != 0) {
        free (run);
        return -1;
    }
    return 0;
}
