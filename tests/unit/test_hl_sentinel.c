/*  Unit test of hl_sentinel: the sentinels' replies and announcements
 *  parsed (bad ones refused with a reason), bad settings refused, and a
 *  connection that follows the primary through a real failover (a
 *  primary, 2 replicas and 3 sentinels, tests/hl_testsentinel).
 */
#include "hl_proc.h"
#include "hl_sentinel.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testsentinel.h"

#include <event2/event.h>
#include <stdlib.h>

static redisReply *
s_str (const char *text)
{
    redisReply *r = calloc (1, sizeof *r);
    r->type = REDIS_REPLY_STRING;
    r->str = (char *) text;
    r->len = strlen (text);
    return r;
}

static int
s_master (redisReply *reply, char *address, char *err)
{
    return hl_sentinel_parse_master (reply, "hotline", address, 64, err, 160);
}

static void
test_parse_master (void)
{
    char address[64], err[160];
    redisReply *pair[2] = { s_str ("127.0.0.1"), s_str ("6380") };
    redisReply arr = { .type = REDIS_REPLY_ARRAY, .elements = 2, .element = pair };
    HL_CHECK (s_master (&arr, address, err) == 0);
    HL_CHECK_STR (address, "127.0.0.1:6380");

    pair[1]->str = (char *) "70000";
    pair[1]->len = 5;
    HL_CHECK (s_master (&arr, address, err) == -1 && strstr (err, "not an ip and a port"));
    pair[1]->str = (char *) "6380";
    pair[1]->len = 4;
    pair[0]->str = (char *) "host name";
    pair[0]->len = 9;
    HL_CHECK (s_master (&arr, address, err) == -1 && strstr (err, "not an ip"));

    redisReply nil = { .type = REDIS_REPLY_NIL };
    HL_CHECK (s_master (&nil, address, err) == -1 && strstr (err, "no master named 'hotline'"));
    redisReply error = { .type = REDIS_REPLY_ERROR, .str = (char *) "ERR unknown" };
    HL_CHECK (s_master (&error, address, err) == -1 && strstr (err, "sentinel error: ERR unknown"));
    redisReply one = { .type = REDIS_REPLY_ARRAY, .elements = 1, .element = pair };
    HL_CHECK (s_master (&one, address, err) == -1 && strstr (err, "expected [ip, port]"));
    redisReply integer = { .type = REDIS_REPLY_INTEGER, .integer = 3 };
    HL_CHECK (s_master (&integer, address, err) == -1);
    HL_CHECK (s_master (NULL, address, err) == -1 && strstr (err, "no answer"));
    free (pair[0]);
    free (pair[1]);
}

static void
test_parse_switch (void)
{
    char address[64], err[160];
    HL_CHECK (hl_sentinel_parse_switch ("hotline 127.0.0.1 6379 127.0.0.1 6380", "hotline",
                                        address, sizeof address, err, sizeof err) == 1);
    HL_CHECK_STR (address, "127.0.0.1:6380");
    HL_CHECK (hl_sentinel_parse_switch ("other 127.0.0.1 6379 127.0.0.1 6381", "hotline",
                                        address, sizeof address, err, sizeof err) == 0);
    HL_CHECK (hl_sentinel_parse_switch ("hotlinex 127.0.0.1 6379 127.0.0.1 6381", "hotline",
                                        address, sizeof address, err, sizeof err) == 0);
    HL_CHECK (hl_sentinel_parse_switch ("hotline 127.0.0.1 6379", "hotline",
                                        address, sizeof address, err, sizeof err) == -1
              && strstr (err, "expected 5 words"));
    HL_CHECK (hl_sentinel_parse_switch ("hotline 127.0.0.1 6379 127.0.0.1 0", "hotline",
                                        address, sizeof address, err, sizeof err) == -1);
    HL_CHECK (hl_sentinel_parse_switch ("", "hotline", address, sizeof address,
                                        err, sizeof err) == -1);
}

static void
s_expect_refused (struct event_base *base, const char *list, const char *name, const char *why)
{
    hl_sentinel_opts_t o;
    hl_sentinel_opts_default (&o);
    o.sentinels = list;
    o.master_name = name;
    char err[200] = "";
    hl_sentinel_t *s = hl_sentinel_new (base, &o, err, sizeof err);
    HL_CHECK (s == NULL);
    if (!strstr (err, why)) {
        fprintf (stderr, "'%s': got '%s', expected '%s'\n", list, err, why);
        hl_test_failures++;
    }
    hl_sentinel_destroy (&s);
}

static void
test_bad_settings (void)
{
    struct event_base *base = event_base_new ();
    s_expect_refused (base, "", "hotline", "no sentinel given");
    s_expect_refused (base, "127.0.0.1", "hotline", "'127.0.0.1' is not ip:port");
    s_expect_refused (base, "127.0.0.1:26379,localhost:26380", "hotline",
                      "'localhost:26380' is not ip:port");
    s_expect_refused (base, "127.0.0.1:99999", "hotline", "is not ip:port");
    s_expect_refused (base, "127.0.0.1:26379", "two words", "redis_master_name");
    s_expect_refused (base, "127.0.0.1:26379", "", "redis_master_name");
    event_base_free (base);
}

static void
s_run (struct event_base *base, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
}

//  Runs the loop until REDIS is up at an address other than NOT (NULL:
//  any), for at most MS. 0 or -1.
static int
s_wait_up (struct event_base *base, hl_redis_t *redis, const char *not, int ms)
{
    long long until = hl_testenv_now_ms () + ms;
    while (hl_testenv_now_ms () < until) {
        if (hl_redis_is_up (redis) && (!not || strcmp (hl_redis_address (redis), not) != 0))
            return 0;
        s_run (base, 20);
    }
    return -1;
}

typedef struct {
    int ok, errors, nulls;
} s_count_t;

static void
s_on_set (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_count_t *c = arg;
    if (!reply)
        c->nulls++;
    else
    if (reply->type == REDIS_REPLY_ERROR)
        c->errors++;
    else
        c->ok++;
}

static void
s_set (hl_redis_t *redis, s_count_t *c)
{
    const char *argv[] = { "INCR", "hl:test:sentinel" };
    if (hl_redis_command (redis, 2, argv, NULL, s_on_set, c) != 0)
        c->nulls++;
}

//  A connection follows the primary: it finds it through the sentinels,
//  and after a SIGKILL of the primary it is on the promoted replica, by
//  itself, once the sentinels have switched.
static void
test_follow_failover (void)
{
    hl_testenv_t *env = hl_testenv_new ("sentinel-follow");
    hl_testsentinel_t *ts = hl_testsentinel_new (hl_testenv_dir (env), 500);
    HL_CHECK (ts != NULL);
    if (!ts) {
        hl_testenv_destroy (&env);
        return;
    }
    struct event_base *base = event_base_new ();
    hl_sentinel_opts_t so;
    hl_sentinel_opts_default (&so);
    so.sentinels = hl_testsentinel_sentinels (ts);
    so.master_name = hl_testsentinel_name ();
    char err[200];
    hl_sentinel_t *sentinel = hl_sentinel_new (base, &so, err, sizeof err);
    HL_CHECK (sentinel != NULL);
    hl_redis_opts_t ro;
    hl_redis_opts_default (&ro);
    ro.address = NULL;
    ro.locator = hl_sentinel_locator (sentinel);
    ro.timeout_ms = 500;
    ro.backoff_max_ms = 200;
    hl_redis_t *redis = hl_redis_new (base, &ro, NULL, NULL, err, sizeof err);
    HL_CHECK (redis != NULL);
    char first[64] = "", second[64] = "";
    HL_CHECK (s_wait_up (base, redis, NULL, 5000) == 0);
    HL_CHECK (hl_testsentinel_primary (ts, first, sizeof first) == 0);
    HL_CHECK_STR (hl_redis_address (redis), first);
    s_count_t c = { 0 };
    s_set (redis, &c);
    s_run (base, 100);
    HL_CHECK (c.ok == 1);

    HL_CHECK (hl_testsentinel_kill (ts, first) == 0);
    long long t0 = hl_testenv_now_ms ();
    HL_CHECK (s_wait_up (base, redis, first, 20000) == 0);
    long long took = hl_testenv_now_ms () - t0;
    //  The sentinel that led the failover may be ahead of the one asked
    //  here: the others learn the new primary from its hello messages.
    HL_CHECK (hl_testsentinel_wait_switch (ts, first, 5000, second, sizeof second) == 0);
    HL_CHECK_STR (hl_redis_address (redis), second);
    HL_CHECK (hl_sentinel_switches (sentinel) >= 2);
    c = (s_count_t) { 0 };
    s_set (redis, &c);
    s_run (base, 200);
    HL_CHECK (c.ok == 1);
    fprintf (stderr, "followed the failover from %s to %s in %lld ms\n", first, second, took);

    hl_redis_destroy (&redis);
    hl_sentinel_destroy (&sentinel);
    event_base_free (base);
    hl_testsentinel_destroy (&ts);
    hl_testenv_destroy (&env);
}

//  Sentinels that do not answer: the primary stays unknown, the
//  connection is never up, and everything is torn down cleanly.
static void
test_unreachable (void)
{
    struct event_base *base = event_base_new ();
    char list[64];
    snprintf (list, sizeof list, "127.0.0.1:%d,127.0.0.1:%d", hl_proc_free_port (),
              hl_proc_free_port ());
    hl_sentinel_opts_t so;
    hl_sentinel_opts_default (&so);
    so.sentinels = list;
    char err[200], address[64];
    hl_sentinel_t *sentinel = hl_sentinel_new (base, &so, err, sizeof err);
    HL_CHECK (sentinel != NULL);
    hl_redis_opts_t ro;
    hl_redis_opts_default (&ro);
    ro.locator = hl_sentinel_locator (sentinel);
    ro.address = NULL;
    hl_redis_t *redis = hl_redis_new (base, &ro, NULL, NULL, err, sizeof err);
    s_run (base, 500);
    HL_CHECK (!hl_redis_is_up (redis));
    HL_CHECK (hl_sentinel_primary (sentinel, address, sizeof address) == -1);
    hl_redis_destroy (&redis);
    hl_sentinel_destroy (&sentinel);
    event_base_free (base);
}

static const hl_test_case_t s_cases[] = {
    { "parse_master", test_parse_master }, { "parse_switch", test_parse_switch },
    { "bad_settings", test_bad_settings }, { "follow_failover", test_follow_failover },
    { "unreachable", test_unreachable },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
