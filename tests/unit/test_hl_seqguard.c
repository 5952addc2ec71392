/*  Unit test of hl_seqguard and its Function, hl_seq_guard, against a real
 *  redis-server: the replication id read from INFO, a new store left
 *  alone, a primary not seen before skipping numbers once, and bad
 *  arguments refused with a reason.
 */
#include "hl_seqguard.h"
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

//  FCALL hl_seq_guard EPOCH GAP 480: "bumped" or "same" and the days.
static int
s_guard (hl_testenv_t *env, const char *epoch, const char *gap, char *what, size_t len)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "FCALL hl_seq_guard 0 %s %s 480",
                                  epoch, gap);
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

//  Today's key in Beijing time, as the Function names it.
static void
s_today_key (hl_testenv_t *env, char key[32])
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "TIME");
    long long s = atoll (r->element[0]->str) + 480 * 60;
    freeReplyObject (r);
    time_t t = (time_t) s;
    struct tm tm;
    gmtime_r (&t, &tm);
    snprintf (key, 32, "hl:seq:%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static void
test_function (void)
{
    hl_testenv_t *env = s_store ("seqguard-function");
    char what[200], today[32];
    s_today_key (env, today);
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
    //  A store from before the guard (numbers, no epoch): its sequences skip.
    freeReplyObject (s_cmd (env, "DEL %s", "hl:seq:epoch", NULL));
    HL_CHECK (s_guard (env, "epoch-c", "1000", what, sizeof what) >= 1);
    HL_CHECK (s_get (env, today) == 2042);
    //  Bad arguments are refused with a reason.
    HL_CHECK (s_guard (env, "epoch-d", "0", what, sizeof what) == -1);
    HL_CHECK (strstr (what, "positive whole gap") != NULL);
    HL_CHECK (s_guard (env, "epoch-d", "1.5", what, sizeof what) == -1);
    HL_CHECK (s_guard (env, "", "10", what, sizeof what) == -1);
    HL_CHECK (s_get (env, today) == 2042);
    //  The days are those of the clock given (hotlined's, as intake's).
    char now[24];
    snprintf (now, sizeof now, "%lld", hl_testenv_beijing_ms (2026, 1, 1, 0, 30));
    redisReply *r = redisCommand (hl_testenv_redis (env), "FCALL hl_seq_guard 0 epoch-e 7 480 %s",
                                  now);
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->element[1]->integer == 3);
    freeReplyObject (r);
    HL_CHECK (s_get (env, "hl:seq:20251231") == 7 && s_get (env, "hl:seq:20260101") == 7
              && s_get (env, "hl:seq:20260102") == 7);
    hl_testenv_destroy (&env);
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
    s_probe_t p = { 0 };
    hl_seqguard_opts_t go = { 500, 480, 0 };
    HL_CHECK (hl_seqguard_run (redis, &go, s_on_guarded, &p) == 0);
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
    HL_CHECK (p.calls == 1 && p.outcome == HL_SEQGUARD_DONE);
    redisReply *info = redisCommand (hl_testenv_redis (env), "INFO replication");
    char id[41] = "";
    HL_CHECK (hl_seqguard_replid (info->str, id) == 0);
    freeReplyObject (info);
    redisReply *epoch = redisCommand (hl_testenv_redis (env), "GET hl:seq:epoch");
    HL_CHECK (epoch->type == REDIS_REPLY_STRING && strcmp (epoch->str, id) == 0);
    freeReplyObject (epoch);
    hl_redis_destroy (&redis);

    //  A user without +info.
    freeReplyObject (redisCommand (hl_testenv_redis (env),
                     "ACL SETUSER noinfo on >pw ~* +@all -info"));
    o.user = "noinfo";
    o.password = "pw";
    redis = hl_redis_new (base, &o, NULL, NULL, err, sizeof err);
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
    p = (s_probe_t) { 0 };
    HL_CHECK (hl_seqguard_run (redis, &go, s_on_guarded, &p) == 0);
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
    HL_CHECK (p.calls == 1 && p.outcome == HL_SEQGUARD_UNGUARDED);
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
