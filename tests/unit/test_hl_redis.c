/*  Unit test of hl_redis against a real redis-server: replies, the
 *  watchdog on a frozen server, and reconnection after a restart.
 */
#include "hl_redis.h"
#include "hl_test.h"
#include "hl_testenv.h"

#include <event2/event.h>
#include <stdlib.h>

typedef struct {
    struct event_base *base;
    int ups, downs;
    int replies, nulls;
} s_probe_t;

static void
s_on_state (hl_redis_t *redis, int up, void *arg)
{
    (void) redis;
    s_probe_t *p = arg;
    if (up)
        p->ups++;
    else
        p->downs++;
}

static void
s_on_reply (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_probe_t *p = arg;
    if (reply)
        p->replies++;
    else
        p->nulls++;
}

//  Runs the loop for MS milliseconds.
static void
s_run (struct event_base *base, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
}

static void
s_ping (hl_redis_t *r, s_probe_t *p, int times)
{
    const char *argv[] = { "PING" };
    for (int i = 0; i < times; i++)
        HL_CHECK (hl_redis_command (r, 1, argv, NULL, s_on_reply, p) == 0);
}

static hl_redis_t *
s_connect (hl_testenv_t *env, s_probe_t *p)
{
    hl_redis_opts_t o;
    hl_redis_opts_default (&o);
    o.address = hl_testenv_redis_address (env);
    o.timeout_ms = 300;
    o.backoff_max_ms = 100;
    char err[128];
    hl_redis_t *r = hl_redis_new (p->base, &o, s_on_state, p, err, sizeof err);
    s_run (p->base, 200);
    return r;
}

static void
test_replies (void)
{
    hl_testenv_t *env = hl_testenv_new ("redis-replies");
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    s_probe_t p = { .base = event_base_new () };
    hl_redis_t *r = s_connect (env, &p);
    HL_CHECK (r && hl_redis_is_up (r) && p.ups == 1);
    s_ping (r, &p, 100);
    HL_CHECK (hl_redis_pending (r) == 100);
    s_run (p.base, 200);
    HL_CHECK (p.replies == 100 && p.nulls == 0 && hl_redis_pending (r) == 0);
    HL_CHECK (hl_redis_last_rtt_us (r) > 0);
    hl_redis_destroy (&r);
    HL_CHECK (r == NULL);
    event_base_free (p.base);
    hl_testenv_destroy (&env);
}

//  A frozen server: every waiting command is answered with NULL within
//  the timeout, commands are refused while down (their callbacks never
//  fire), and the connection comes back once the server thaws.
static void
test_watchdog (void)
{
    hl_testenv_t *env = hl_testenv_new ("redis-watchdog");
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    s_probe_t p = { .base = event_base_new () };
    hl_redis_t *r = s_connect (env, &p);
    hl_testenv_redis_pause (env, 1);
    s_ping (r, &p, 10);
    long long t0 = hl_testenv_now_ms ();
    while (p.nulls < 10 && hl_testenv_now_ms () - t0 < 3000)
        s_run (p.base, 20);
    HL_CHECK (p.nulls == 10 && p.replies == 0);
    HL_CHECK (hl_testenv_now_ms () - t0 < 1000);
    HL_CHECK (p.downs == 1 && !hl_redis_is_up (r));
    const char *argv[] = { "PING" };
    int before = p.nulls + p.replies;
    HL_CHECK (hl_redis_command (r, 1, argv, NULL, s_on_reply, &p) == -1);
    hl_testenv_redis_pause (env, 0);
    t0 = hl_testenv_now_ms ();
    while (!hl_redis_is_up (r) && hl_testenv_now_ms () - t0 < 3000)
        s_run (p.base, 20);
    HL_CHECK (hl_redis_is_up (r) && p.ups >= 2);
    HL_CHECK (p.nulls + p.replies == before);
    hl_redis_destroy (&r);
    event_base_free (p.base);
    hl_testenv_destroy (&env);
}

static void
test_restart (void)
{
    hl_testenv_t *env = hl_testenv_new ("redis-restart");
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    s_probe_t p = { .base = event_base_new () };
    hl_redis_t *r = s_connect (env, &p);
    hl_testenv_redis_stop (env);
    s_run (p.base, 200);
    HL_CHECK (p.downs == 1 && !hl_redis_is_up (r));
    s_run (p.base, 500);                  //  several failed attempts
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    long long t0 = hl_testenv_now_ms ();
    while (!hl_redis_is_up (r) && hl_testenv_now_ms () - t0 < 3000)
        s_run (p.base, 20);
    HL_CHECK (hl_redis_is_up (r) && p.ups == 2);
    s_ping (r, &p, 5);
    s_run (p.base, 100);
    HL_CHECK (p.replies == 5);
    //  Destroying with commands in flight answers them with NULL.
    s_ping (r, &p, 3);
    hl_redis_destroy (&r);
    HL_CHECK (p.nulls == 3);
    event_base_free (p.base);
    hl_testenv_destroy (&env);
}

static void
s_on_whoami (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    char *out = arg;
    snprintf (out, 64, "%s", reply && reply->type == REDIS_REPLY_STRING ? reply->str : "-");
}

//  With an ACL user set, every connection authenticates first; a refused
//  password ends the connection before any other command runs.
static void
test_auth (void)
{
    hl_testenv_t *env = hl_testenv_new ("redis-auth");
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    redisReply *r0 = redisCommand (hl_testenv_redis (env),
                                   "ACL SETUSER hotline on >right-password ~hl:* +@all");
    HL_CHECK (r0 && r0->type == REDIS_REPLY_STATUS);
    freeReplyObject (r0);
    const char *passwords[] = { "right-password", "wrong-password" };
    for (int i = 0; i < 2; i++) {
        s_probe_t p = { .base = event_base_new () };
        hl_redis_opts_t o;
        hl_redis_opts_default (&o);
        o.address = hl_testenv_redis_address (env);
        o.timeout_ms = 300;
        o.backoff_max_ms = 100;
        o.user = "hotline";
        o.password = passwords[i];
        char err[128], who[64] = "";
        hl_redis_t *r = hl_redis_new (p.base, &o, s_on_state, &p, err, sizeof err);
        s_run (p.base, 200);
        const char *argv[] = { "ACL", "WHOAMI" };
        if (hl_redis_command (r, 2, argv, NULL, s_on_whoami, who) == 0)
            s_run (p.base, 300);
        if (i == 0)
            HL_CHECK_STR (who, "hotline");
        else
            HL_CHECK (strcmp (who, "hotline") != 0 && p.downs >= 1);
        hl_redis_destroy (&r);
        event_base_free (p.base);
    }
    hl_testenv_destroy (&env);
}

static void
test_bad_address (void)
{
    hl_redis_opts_t o;
    hl_redis_opts_default (&o);
    char err[128];
    struct event_base *base = event_base_new ();
    const char *bad[] = { "nocolon", "host:0", "host:99999", "unix:", ":6379" };
    for (int i = 0; i < 5; i++) {
        o.address = bad[i];
        HL_CHECK (hl_redis_new (base, &o, NULL, NULL, err, sizeof err) == NULL);
    }
    event_base_free (base);
}

static const hl_test_case_t s_cases[] = {
    { "replies", test_replies }, { "watchdog", test_watchdog },
    { "restart", test_restart }, { "auth", test_auth }, { "bad_address", test_bad_address },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
