/*  Unit test of hl_outbox and the outbox Functions against a real
 *  redis-server: a bucket's entries moved into the global lists (idx) and
 *  published as live events (ev), acknowledged and trimmed; a batch read by
 *  a consumer that died before its XACK taken over and applied; the same
 *  entries applied twice ending where once does; dispatched tickets queued
 *  for their units' workers once (q).
 */
#include "hl_outbox.h"
#include "hl_bucket.h"
#include "hl_store.h"
#include "hl_test.h"
#include "hl_testenv.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define S_OUT "hl:{07}:out"
#define S_STATE HL_INDEX_PREFIX "state:"

typedef struct {
    int events;
    char last[512];
} s_heard_t;

static void
s_on_event (const char *kind, const char *json, size_t len, void *arg)
{
    (void) kind;
    s_heard_t *h = arg;
    h->events++;
    snprintf (h->last, sizeof h->last, "%.*s", (int) len, json);
}

static long long
s_int (hl_testenv_t *env, const char *fmt, const char *a, const char *b)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), fmt, a, b);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject (r);
    return v;
}

static int
s_in (hl_testenv_t *env, const char *list, const char *ticket)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "ZSCORE %s %s", list, ticket);
    int in = r && r->type == REDIS_REPLY_STRING;
    if (r)
        freeReplyObject (r);
    return in;
}

//  The list of UNIT in TICKET's bucket.
static const char *
s_unit (const char *ticket, const char *unit)
{
    static char key[HL_BUCKET_KEY_MAX];
    hl_bucket_key (key, sizeof key, hl_bucket_of_ticket (ticket, strlen (ticket)),
                   HL_BUCKET_UNIT_LIST, unit, strlen (unit));
    return key;
}

//  One entry as a step appends it (daemon/hotline.lua, outbox).
static void
s_append (hl_testenv_t *env, const char *ticket, const char *kind, const char *from,
          const char *to, const char *unit, const char *prev_unit)
{
    redisReply *r = redisCommand (hl_testenv_redis (env),
                                  "XADD " S_OUT " * t %s k %s f %s s %s u %s pu %s as %s "
                                  "c 1764460800000 at 1764460801000 ch phone ci %s",
                                  ticket, kind, from, to, unit, prev_unit, "",
                                  strcmp (kind, "intake") == 0 ? "h0123" : "");
    HL_CHECK (r && r->type == REDIS_REPLY_STRING);
    if (r)
        freeReplyObject (r);
}

static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    event_base_loopbreak (arg);
}

//  Runs the loop until the outbox of bucket 7 is drained (every group
//  read and acknowledged every entry); 0, or -1 after about 10 s.
static int
s_run_drained (struct event_base *base, hl_testenv_t *env)
{
    struct event *tick = evtimer_new (base, s_on_tick, base);
    int drained = -1;
    for (int i = 0; i < 1000 && drained != 0; i++) {
        struct timeval tv = { 0, 10000 };
        evtimer_add (tick, &tv);
        event_base_dispatch (base);
        drained = hl_testenv_outbox_drained (env, 0);
    }
    event_free (tick);
    return drained;
}

static hl_testenv_t *
s_store (const char *name)
{
    hl_testenv_t *env = hl_testenv_new (name);
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    redisReply *r = redisCommand (hl_testenv_redis (env), "FUNCTION LOAD REPLACE %b",
                                  hl_store_functions, hl_store_functions_len);
    HL_CHECK (r && r->type == REDIS_REPLY_STRING);
    if (r)
        freeReplyObject (r);
    return env;
}

//  The store the outbox reads (it learns from it where the streams are).
static hl_store_t *
s_store_of (struct event_base *base, hl_testenv_t *env)
{
    hl_store_opts_t opts;
    hl_store_opts_default (&opts);
    opts.redis.address = hl_testenv_redis_address (env);
    char err[256] = "";
    hl_store_t *store = hl_store_new (base, &opts, err, sizeof err);
    HL_CHECK (store != NULL);
    return store;
}

static hl_outbox_t *
s_outbox (struct event_base *base, hl_store_t *store, const char *consumer, hl_feed_t *feed)
{
    hl_outbox_t *outbox = hl_outbox_new (base, store, consumer, feed, NULL);
    HL_CHECK (outbox != NULL);
    return outbox;
}

static void
test_apply (void)
{
    hl_testenv_t *env = s_store ("outbox-apply");
    struct event_base *base = event_base_new ();
    char err[256];
    hl_feed_t *feed = hl_feed_new (NULL, "", err, sizeof err);
    s_heard_t heard = { 0 };
    hl_feed_listen (feed, s_on_event, &heard);
    hl_store_t *store = s_store_of (base, env);
    hl_outbox_t *outbox = s_outbox (base, store, "c1", feed);
    const char *t = "YJ202512010700001";
    s_append (env, t, "intake", "", "dispatched", "rsj", "");
    hl_outbox_hold (outbox, 7, 1);
    HL_CHECK (s_run_drained (base, env) == 0);
    HL_CHECK (s_in (env, S_STATE "dispatched", t) && s_in (env, s_unit (t, "rsj"), t));
    HL_CHECK (hl_testenv_caller_listed (hl_testenv_redis (env), "h0123", t) > 0);
    HL_CHECK (heard.events == 1 && strstr (heard.last, "\"state\":\"dispatched\""));

    //  Signed, then closed: out of the states left, out of its unit's list.
    //  The close as a step writes it now: no pu (its unit kept: pu is u)
    //  and no as (none); the sign as entries before carried them.
    s_append (env, t, "sign", "dispatched", "signed", "rsj", "rsj");
    redisReply *c = redisCommand (hl_testenv_redis (env), "XADD " S_OUT " * t %s k close "
                                  "f signed s closed u rsj c 1764460800000 at 1764460802000", t);
    HL_CHECK (c && c->type == REDIS_REPLY_STRING);
    if (c)
        freeReplyObject (c);
    HL_CHECK (s_run_drained (base, env) == 0);
    HL_CHECK (!s_in (env, S_STATE "dispatched", t) && !s_in (env, S_STATE "signed", t));
    HL_CHECK (s_in (env, S_STATE "closed", t) && !s_in (env, s_unit (t, "rsj"), t));
    HL_CHECK (heard.events == 3 && strstr (heard.last, "\"action\":\"close\""));
    hl_outbox_figures_t f;
    hl_outbox_figures (outbox, 0, &f);
    HL_CHECK (f.applied == 3 && hl_outbox_groups () >= 2);
    HL_CHECK_STR (hl_outbox_group (0), "idx");

    //  Every group acknowledged every entry: all of them are trimmed.
    redisReply *r = redisCommand (hl_testenv_redis (env), "FCALL hl_outbox_trim 1 " S_OUT);
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->elements == 7);
    if (r)
        freeReplyObject (r);
    HL_CHECK (s_int (env, "XLEN %s", S_OUT, NULL) == 0);
    hl_outbox_destroy (&outbox);
    hl_store_destroy (&store);
    hl_feed_destroy (&feed);
    event_base_free (base);
    hl_testenv_destroy (&env);
}

//  A consumer read a batch and died before its XACK: the batch is pending
//  under its name. The next holder of the bucket claims it and applies it.
static void
test_takeover (void)
{
    hl_testenv_t *env = s_store ("outbox-takeover");
    const char *t = "YJ202512010700002";
    s_append (env, t, "intake", "", "to_dispatch", "", "");
    HL_CHECK (s_int (env, "FCALL hl_outbox_open 1 %s groups %s", S_OUT, "idx,ev") == 2);
    redisReply *r = redisCommand (hl_testenv_redis (env),
                                  "XREADGROUP GROUP idx dead COUNT 10 STREAMS " S_OUT " >");
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY);
    if (r)
        freeReplyObject (r);
    HL_CHECK (!s_in (env, S_STATE "to_dispatch", t));
    struct event_base *base = event_base_new ();
    hl_store_t *store = s_store_of (base, env);
    hl_outbox_t *outbox = s_outbox (base, store, "c2", NULL);
    hl_outbox_hold (outbox, 7, 1);
    HL_CHECK (s_run_drained (base, env) == 0);
    HL_CHECK (s_in (env, S_STATE "to_dispatch", t));

    //  The same entries applied again (a replay from the start) end where
    //  applying them once did.
    s_append (env, t, "dispatch", "to_dispatch", "dispatched", "ybj", "");
    HL_CHECK (s_run_drained (base, env) == 0);
    r = redisCommand (hl_testenv_redis (env), "XGROUP SETID " S_OUT " idx 0");
    if (r)
        freeReplyObject (r);
    HL_CHECK (s_run_drained (base, env) == 0);
    HL_CHECK (!s_in (env, S_STATE "to_dispatch", t) && s_in (env, S_STATE "dispatched", t));
    HL_CHECK (s_in (env, s_unit (t, "ybj"), t));
    hl_outbox_destroy (&outbox);
    hl_store_destroy (&store);
    event_base_free (base);
    hl_testenv_destroy (&env);
}

static long long
s_xlen (hl_testenv_t *env, const char *unit)
{
    return s_int (env, "XLEN hl:q:{%s}", unit, NULL);
}

//  The q group queues a ticket for its units' workers after each step that
//  leaves it dispatched (intake, a return sent back), lead and assisting
//  units, and after no other; the same entries applied again queue nothing
//  twice; entries a consumer read and did not apply are read again.
static void
test_queue (void)
{
    hl_testenv_t *env = s_store ("outbox-queue");
    struct event_base *base = event_base_new ();
    hl_store_t *store = s_store_of (base, env);
    while (store && !hl_store_is_ready (store))
        event_base_loop (base, EVLOOP_ONCE);
    const char *t = "YJ202512010700003";
    redisReply *r = redisCommand (hl_testenv_redis (env), "XADD " S_OUT " * t %s k intake f %s "
                                  "s dispatched u rsj pu %s as ybj,zjj c 1 at 2", t, "", "");
    HL_CHECK (r && r->type == REDIS_REPLY_STRING);
    freeReplyObject (r);
    s_append (env, t, "sign", "dispatched", "signed", "rsj", "rsj");
    s_append (env, t, "return", "signed", "returned", "rsj", "rsj");
    s_append (env, t, "return_reject", "returned", "dispatched", "rsj", "rsj");
    s_append (env, t, "pause", "dispatched", "dispatched", "rsj", "rsj");
    hl_outbox_t *outbox = s_outbox (base, store, "c3", NULL);
    hl_outbox_set_unitq (outbox, store);
    hl_outbox_hold (outbox, 7, 1);
    HL_CHECK (s_run_drained (base, env) == 0);
    HL_CHECK (s_xlen (env, "rsj") == 2 && s_xlen (env, "ybj") == 1 && s_xlen (env, "zjj") == 1);
    r = redisCommand (hl_testenv_redis (env), "XGROUP SETID " S_OUT " q 0");
    if (r)
        freeReplyObject (r);
    HL_CHECK (s_run_drained (base, env) == 0);
    HL_CHECK (s_xlen (env, "rsj") == 2 && s_xlen (env, "ybj") == 1 && s_xlen (env, "zjj") == 1);
    hl_outbox_destroy (&outbox);

    //  A consumer read a dispatch (without acknowledging: q reads NOACK)
    //  and died before its push: the next holder goes back to the cursor
    //  and queues it.
    s_append (env, t, "return", "dispatched", "returned", "rsj", "rsj");
    s_append (env, t, "return_reject", "returned", "dispatched", "rsj", "rsj");
    r = redisCommand (hl_testenv_redis (env),
                      "XREADGROUP GROUP q dead COUNT 10 NOACK STREAMS " S_OUT " >");
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY);
    if (r)
        freeReplyObject (r);
    outbox = s_outbox (base, store, "c4", NULL);
    hl_outbox_set_unitq (outbox, store);
    hl_outbox_hold (outbox, 7, 1);
    HL_CHECK (s_run_drained (base, env) == 0);
    HL_CHECK (s_xlen (env, "rsj") == 3 && s_xlen (env, "ybj") == 1 && s_xlen (env, "zjj") == 1);
    hl_outbox_destroy (&outbox);
    hl_store_destroy (&store);
    event_base_free (base);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "apply", test_apply },
    { "takeover", test_takeover },
    { "queue", test_queue },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
