/*  Unit test of hl_seqguard and its Function, hl_seq_guard, against a real
 *  redis-server: the replication id read from INFO, a new store left
 *  alone, a primary not seen before skipping numbers once in each bucket,
 *  every bucket guarded before the run is done, and bad arguments refused
 *  with a reason.
 */
#include "hl_seqguard.h"
#include "hl_bucket.h"
#include "hl_store.h"
#include "hl_test.h"
#include "hl_testenv.h"

#include <event2/event.h>
#include <stdlib.h>

static void
test_replid (void)
{
    char id[41];
    const char *info = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                       "master_replid:0123456789abcdef0123456789abcdef01234567\r\n"
                       "master_replid2:0000000000000000000000000000000000000000\r\n";
    HL_CHECK (hl_seqguard_replid (info, id) == 0);
    HL_CHECK_STR (id, "0123456789abcdef0123456789abcdef01234567");
    HL_CHECK (hl_seqguard_replid ("role:master\r\n", id) == -1);
    HL_CHECK (hl_seqguard_replid ("master_replid:0123\r\n", id) == -1);
    HL_CHECK (hl_seqguard_replid (NULL, id) == -1);
}

static redisReply *
s_cmd (hl_testenv_t *env, const char *fmt, const char *a, const char *b)
{
    return redisCommand (hl_testenv_redis (env), fmt, a, b);
}

static long long
s_get (hl_testenv_t *env, const char *key)
{
    redisReply *r = s_cmd (env, "GET %s", key, NULL);
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll (r->str) : -1;
    freeReplyObject (r);
    return v;
}

//  FCALL hl_seq_guard on KEY (a bucket's epoch key) with named arguments
//  EPOCH, GAP and NOW ("": Redis's clock), tz_offset_min 480: "bumped" or
//  "same" and the days, or -1 and the error into WHAT.
static int
s_guard_at (hl_testenv_t *env, const char *key, const char *epoch, const char *gap,
            const char *now, char *what, size_t len)
{
    redisReply *r = redisCommand (hl_testenv_redis (env),
                                  "FCALL hl_seq_guard 1 %s epoch %s gap %s tz_offset_min 480 "
                                  "now_ms %s", key, epoch, gap, now);
    int days = -1;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        snprintf (what, len, "%s", r->element[0]->str);
        days = (int) r->element[1]->integer;
    }
    else
        snprintf (what, len, "%s", r && r->type == REDIS_REPLY_ERROR ? r->str : "?");
    freeReplyObject (r);
    return days;
}

static int
s_guard (hl_testenv_t *env, const char *epoch, const char *gap, char *what, size_t len)
{
    return s_guard_at (env, "hl:{07}:seq:epoch", epoch, gap, "", what, len);
}

static hl_testenv_t *
s_store (const char *name)
{
    hl_testenv_t *env = hl_testenv_new (name);
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    redisReply *r = redisCommand (hl_testenv_redis (env), "FUNCTION LOAD REPLACE %b",
                                  hl_store_functions, hl_store_functions_len);
    HL_CHECK (r && r->type == REDIS_REPLY_STRING);
    freeReplyObject (r);
    return env;
}

//  Today's key in Beijing time in BUCKET, as the Function names it.
static void
s_today_key (hl_testenv_t *env, int bucket, char key[HL_BUCKET_KEY_MAX])
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "TIME");
    long long s = atoll (r->element[0]->str) + 480 * 60;
    freeReplyObject (r);
    time_t t = (time_t) s;
    struct tm tm;
    gmtime_r (&t, &tm);
    char day[16];
    snprintf (day, sizeof day, "%04d%02d%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
              tm.tm_mday % 100);
    hl_bucket_key (key, HL_BUCKET_KEY_MAX, bucket, "seq", day, strlen (day));
}

static void
test_function (void)
{
    hl_testenv_t *env = s_store ("seqguard-function");
    char what[200], today[HL_BUCKET_KEY_MAX], other[HL_BUCKET_KEY_MAX];
    s_today_key (env, 7, today);
    s_today_key (env, 8, other);
    freeReplyObject (s_cmd (env, "SET %s %s", other, "5"));
    //  A new store: nothing to skip, the epoch recorded.
    HL_CHECK (s_guard (env, "epoch-a", "1000", what, sizeof what) == 0);
    HL_CHECK_STR (what, "bumped");
    HL_CHECK (s_get (env, today) == -1);
    //  Numbers handed out on it; the same primary again: nothing changes.
    freeReplyObject (s_cmd (env, "SET %s %s", today, "42"));
    HL_CHECK (s_guard (env, "epoch-a", "1000", what, sizeof what) == 0);
    HL_CHECK_STR (what, "same");
    HL_CHECK (s_get (env, today) == 42);
    //  A new primary: yesterday, today and tomorrow skip the gap, once.
    HL_CHECK (s_guard (env, "epoch-b", "1000", what, sizeof what) == 3);
    HL_CHECK (s_get (env, today) == 1042);
    HL_CHECK (s_guard (env, "epoch-b", "1000", what, sizeof what) == 0);
    HL_CHECK (s_get (env, today) == 1042);
    //  Another bucket's sequences are its own call's.
    HL_CHECK (s_get (env, other) == 5);
    //  A bucket from before the guard (numbers, no epoch): its sequences skip.
    freeReplyObject (s_cmd (env, "DEL %s", "hl:{07}:seq:epoch", NULL));
    HL_CHECK (s_guard (env, "epoch-c", "1000", what, sizeof what) >= 1);
    HL_CHECK (s_get (env, today) == 2042);
    //  Bad arguments are refused with a reason.
    HL_CHECK (s_guard (env, "epoch-d", "0", what, sizeof what) == -1);
    HL_CHECK (strstr (what, "positive whole gap") != NULL);
    HL_CHECK (s_guard (env, "epoch-d", "1.5", what, sizeof what) == -1);
    HL_CHECK (s_guard (env, "", "10", what, sizeof what) == -1);
    HL_CHECK (s_guard_at (env, "hl:seq:epoch", "epoch-d", "10", "", what, sizeof what) == -1);
    HL_CHECK (strstr (what, "bad_value") && strstr (what, "hl:{NN}:seq:epoch"));
    HL_CHECK (s_guard_at (env, "hl:{07}:seq:20260101", "epoch-d", "10", "", what,
                          sizeof what) == -1);
    HL_CHECK (s_get (env, today) == 2042);
    //  The days are those of the clock given (hotlined's, as intake's).
    char now[24];
    snprintf (now, sizeof now, "%lld", hl_testenv_beijing_ms (2026, 1, 1, 0, 30));
    HL_CHECK (s_guard_at (env, "hl:{07}:seq:epoch", "epoch-e", "7", now, what, sizeof what) == 3);
    HL_CHECK (s_get (env, "hl:{07}:seq:20251231") == 7 && s_get (env, "hl:{07}:seq:20260101") == 7
              && s_get (env, "hl:{07}:seq:20260102") == 7);
    hl_testenv_destroy (&env);
}

//  How many buckets have ID recorded as their epoch (hl:{NN}:seq:epoch).
static int
s_epochs (hl_testenv_t *env, const char *id)
{
    int n = 0;
    for (int bucket = 0; bucket < HL_TICKET_BUCKETS; bucket++) {
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_key (key, sizeof key, bucket, "seq", "epoch", 5);
        redisReply *r = s_cmd (env, "GET %s", key, NULL);
        n += r && r->type == REDIS_REPLY_STRING && strcmp (r->str, id) == 0;
        freeReplyObject (r);
    }
    return n;
}

typedef struct {
    int calls;
    hl_seqguard_outcome_t outcome;
} s_probe_t;

static void
s_on_guarded (hl_seqguard_outcome_t outcome, void *arg)
{
    s_probe_t *p = arg;
    p->calls++;
    p->outcome = outcome;
}

//  One run of the guard on REDIS: its outcome once FN has been called
//  (waiting up to 30 s, however slow a loaded machine is), or -1 if it was
//  not called exactly once.
static int
s_run (struct event_base *base, hl_redis_t *redis, const hl_seqguard_opts_t *go)
{
    s_probe_t p = { 0 };
    if (hl_seqguard_run (redis, go, s_on_guarded, &p) != 0)
        return -1;
    struct timeval tick = { 0, 50000 };
    for (int i = 0; i < 600 && p.calls == 0; i++) {
        event_base_loopexit (base, &tick);
        event_base_dispatch (base);
    }
    return p.calls == 1 ? (int) p.outcome : -1;
}

//  The guard through hl_redis: the primary's replication id becomes the
//  epoch; a user refused INFO is served unguarded (and told).
static void
test_run (void)
{
    hl_testenv_t *env = s_store ("seqguard-run");
    struct event_base *base = event_base_new ();
    hl_redis_opts_t o;
    hl_redis_opts_default (&o);
    o.address = hl_testenv_redis_address (env);
    char err[128];
    hl_redis_t *redis = hl_redis_new (base, &o, NULL, NULL, err, sizeof err);
    struct timeval tv = { 0, 200000 };
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
    //  Two buckets with numbers and a guard from an earlier primary.
    char today0[HL_BUCKET_KEY_MAX], today63[HL_BUCKET_KEY_MAX];
    s_today_key (env, 0, today0);
    s_today_key (env, 63, today63);
    freeReplyObject (s_cmd (env, "SET %s %s", today0, "3"));
    freeReplyObject (s_cmd (env, "SET %s %s", today63, "9"));
    freeReplyObject (s_cmd (env, "SET %s %s", "hl:{00}:seq:epoch", "old"));
    freeReplyObject (s_cmd (env, "SET %s %s", "hl:{63}:seq:epoch", "old"));
    hl_seqguard_opts_t go = { 500, 480, 0, NULL };
    HL_CHECK (s_run (base, redis, &go) == HL_SEQGUARD_DONE);
    redisReply *info = redisCommand (hl_testenv_redis (env), "INFO replication");
    char id[41] = "";
    HL_CHECK (hl_seqguard_replid (info->str, id) == 0);
    freeReplyObject (info);
    HL_CHECK (s_epochs (env, id) == HL_TICKET_BUCKETS);
    HL_CHECK (s_get (env, today0) == 500 + 3 && s_get (env, today63) == 500 + 9);

    //  One bucket refused (its epoch key of the wrong type): the run is
    //  tried again whole; the buckets guarded already are left alone.
    freeReplyObject (redisCommand (hl_testenv_redis (env), "FLUSHALL"));
    freeReplyObject (s_cmd (env, "HSET %s %s 1", "hl:{31}:seq:epoch", "x"));
    HL_CHECK (s_run (base, redis, &go) == HL_SEQGUARD_RETRY);
    HL_CHECK (s_epochs (env, id) == HL_TICKET_BUCKETS - 1);
    freeReplyObject (s_cmd (env, "DEL %s", "hl:{31}:seq:epoch", NULL));
    HL_CHECK (s_run (base, redis, &go) == HL_SEQGUARD_DONE);
    HL_CHECK (s_epochs (env, id) == HL_TICKET_BUCKETS);
    HL_CHECK (s_get (env, today0) == -1);  //  a new store: no sequence made
    hl_redis_destroy (&redis);

    //  A user without +info.
    freeReplyObject (redisCommand (hl_testenv_redis (env),
                     "ACL SETUSER noinfo on >pw ~* +@all -info"));
    o.user = "noinfo";
    o.password = "pw";
    redis = hl_redis_new (base, &o, NULL, NULL, err, sizeof err);
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
    HL_CHECK (s_run (base, redis, &go) == HL_SEQGUARD_UNGUARDED);
    hl_redis_destroy (&redis);
    event_base_free (base);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "replid", test_replid }, { "function", test_function }, { "run", test_run },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
