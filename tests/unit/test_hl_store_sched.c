/*  Unit test of hl_store_sched, the typed calls of the timers, leases and
 *  hotspots, against a real Redis: a clock's reminders fire in order, each
 *  once, with the bucket's next moment; arming keeps to the clock's start;
 *  the recompute scan finds the clocked ticket; a lease is held by one
 *  holder at a time; the registry lists live holders; a closed ticket
 *  leaves Redis only once archived whole and past its retention time; and
 *  a store that is not ready refuses every call without a callback. */
#include "hl_store_sched.h"
#include "hl_bucket.h"
#include "hl_test.h"
#include "hl_teststore.h"
#include "hl_wire.h"

#include <hiredis.h>
#include <stdio.h>
#include <string.h>

#define S_NOW 1765000000000LL    //  the test's clock (ms)

typedef struct {
    struct event_base *base;
    int calls;
    int n;                       //  rows, clocks armed, or the lease's answer
    int64_t next;                //  next due moment, or the scan's next start
    char ticket[HL_STORE_TICKET_MAX];
    char rows[4][96];            //  "ticket milestone level unit due"
    int ok;
    int64_t other;
    char holders[256];           //  the registry's holders, space-separated
} s_ctx_t;

static void
s_done (s_ctx_t *ctx)
{
    ctx->calls++;
    event_base_loopbreak (ctx->base);
}

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    HL_CHECK (res->outcome == HL_STORE_NEW);
    snprintf (ctx->ticket, sizeof ctx->ticket, "%s", res->ticket);
    s_done (ctx);
}

static void
s_on_fired (const hl_store_fired_t *fired, int n, int64_t next, const char *error, void *arg)
{
    s_ctx_t *ctx = arg;
    (void) error;
    ctx->n = n;
    ctx->next = next;
    for (int i = 0; i < n && i < 4; i++)
        snprintf (ctx->rows[i], sizeof ctx->rows[i], "%s %s %s %s %lld",
                  strcmp (fired[i].ticket, ctx->ticket) == 0 ? "T" : fired[i].ticket,
                  fired[i].milestone, fired[i].level, fired[i].unit, (long long) fired[i].due_ms);
    s_done (ctx);
}

static void
s_on_armed (int armed, const char *error, void *arg)
{
    s_ctx_t *ctx = arg;
    (void) error;
    ctx->n = armed;
    s_done (ctx);
}

static void
s_on_clocked (const hl_store_clocked_t *rows, int n, long next, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->n = n;
    ctx->next = next;
    if (n > 0)
        snprintf (ctx->rows[0], sizeof ctx->rows[0], "%s %d %lld", rows[0].ticket,
                  rows[0].sla.n_arm, (long long) rows[0].sla.start_ms[0]);
    s_done (ctx);
}

static void
s_on_lease (int yes, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->n = yes;
    s_done (ctx);
}

static void
s_on_beat (int ok, int64_t other, const char *const *holders, size_t n, const char *error,
           void *arg)
{
    s_ctx_t *ctx = arg;
    (void) error;
    ctx->ok = ok;
    ctx->other = other;
    ctx->holders[0] = 0;
    for (size_t i = 0; i < n; i++)
        snprintf (ctx->holders + strlen (ctx->holders), sizeof ctx->holders - strlen (ctx->holders),
                  "%s%s", i ? " " : "", holders[i]);
    s_done (ctx);
}

//  Runs the loop until the call that returned RC has answered.
static int
s_wait (s_ctx_t *ctx, int rc)
{
    if (rc != 0)
        return rc;
    int before = ctx->calls;
    while (ctx->calls == before)
        event_base_dispatch (ctx->base);
    return 0;
}

//  A ticket dispatched to rsj at S_NOW with its sign reminders 1, 2 and 3 s later.
static void
s_intake (s_ctx_t *ctx, hl_store_t *store)
{
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c.has_request_type = 1;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c.has_request_id = 1;
    c.request_id = hl_wire_bytes ("sched-1");
    c.has_content = 1;
    c.content = hl_wire_bytes ("路灯不亮");
    hl_store_disposition_t d = { .state = "dispatched", .unit = "rsj", .assist = "", .note = "",
                                 .now_ms = S_NOW, .sign_warn_ms = S_NOW + 1000,
                                 .sign_due_ms = S_NOW + 2000, .sign_escalate_ms = S_NOW + 3000 };
    HL_CHECK (s_wait (ctx, hl_store_intake (store, &c, "agent:a1", S_NOW, &d, s_on_intake, ctx))
              == 0);
}

static void
test_timers (void)
{
    s_ctx_t ctx = { .base = event_base_new () };
    hl_teststore_t ts;
    HL_CHECK (hl_teststore_start (&ts, ctx.base) == 0);
    if (!ts.store) {
        event_base_free (ctx.base);
        return;
    }
    hl_store_t *store = ts.store;

    //  Not ready yet: refused, no callback.
    HL_CHECK (hl_store_timer_fire (store, 0, S_NOW, 10, s_on_fired, &ctx) == -1);
    HL_CHECK (hl_store_lease (store, 0, "a", 1000, HL_STORE_LEASE_TAKE, s_on_lease, &ctx) == -1);
    HL_CHECK (hl_store_lease_beat (store, "a", 1000, 0, s_on_beat, &ctx) == -1);
    HL_CHECK (ctx.calls == 0);

    HL_CHECK (hl_teststore_ready (&ts, ctx.base));
    s_intake (&ctx, store);
    int bucket = hl_bucket_of_ticket (ctx.ticket, strlen (ctx.ticket));
    HL_CHECK (bucket >= 0);

    //  Nothing due yet; then each level once, in order, the next one armed.
    HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, bucket, S_NOW, 10, s_on_fired, &ctx)) == 0);
    HL_CHECK (ctx.n == 0 && ctx.next == S_NOW + 1000);
    HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, bucket, S_NOW + 5000, 10, s_on_fired,
                                                 &ctx)) == 0);
    HL_CHECK (ctx.n == 1 && strcmp (ctx.rows[0], "T sign warn rsj 1765000001000") == 0);
    HL_CHECK (ctx.next == S_NOW + 2000);
    HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, bucket, S_NOW + 5000, 10, s_on_fired,
                                                 &ctx)) == 0);
    HL_CHECK (ctx.n == 1 && strcmp (ctx.rows[0], "T sign overdue rsj 1765000002000") == 0);
    HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, bucket, S_NOW + 5000, 10, s_on_fired,
                                                 &ctx)) == 0);
    HL_CHECK (ctx.n == 1 && strcmp (ctx.rows[0], "T sign escalate rsj 1765000003000") == 0);
    HL_CHECK (ctx.next == 0);
    HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, bucket, S_NOW + 5000, 10, s_on_fired,
                                                 &ctx)) == 0);
    HL_CHECK (ctx.n == 0 && ctx.next == 0);

    //  Arming keeps to the clock's start: another start arms nothing.
    hl_store_clock_t clock = { .milestone = 0, .start_ms = S_NOW + 1, .warn_ms = S_NOW + 9000,
                               .due_ms = S_NOW + 10000, .escalate_ms = 0 };
    HL_CHECK (s_wait (&ctx, hl_store_sla_arm (store, ctx.ticket, 7, 1, &clock, 1, s_on_armed,
                                              &ctx)) == 0);
    HL_CHECK (ctx.n == 0);
    clock.start_ms = S_NOW;
    HL_CHECK (s_wait (&ctx, hl_store_sla_arm (store, ctx.ticket, 7, 1, &clock, 1, s_on_armed,
                                              &ctx)) == 0);
    HL_CHECK (ctx.n == 1);
    HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, bucket, S_NOW + 9500, 10, s_on_fired,
                                                 &ctx)) == 0);
    HL_CHECK (ctx.n == 1 && strcmp (ctx.rows[0], "T sign warn rsj 1765000009000") == 0);

    //  The recompute scan finds the ticket and its running sign clock. (The
    //  state lists are the outbox's to keep, hl_outbox: written here by hand.)
    redisContext *rc = redisConnect ("127.0.0.1", ts.port);
    redisReply *r = rc ? redisCommand (rc, "ZADD hl:{ix}:state:dispatched %lld %s", S_NOW,
                                       ctx.ticket) : NULL;
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER);
    if (r)
        freeReplyObject (r);
    if (rc)
        redisFree (rc);
    HL_CHECK (s_wait (&ctx, hl_store_sla_scan (store, "dispatched", 0, 10, s_on_clocked, &ctx))
              == 0);
    char want[96];
    snprintf (want, sizeof want, "%s 1 %lld", ctx.ticket, S_NOW);
    HL_CHECK (ctx.n == 1 && ctx.next == 0 && strcmp (ctx.rows[0], want) == 0);

    hl_teststore_stop (&ts);
    event_base_free (ctx.base);
}

static void
test_leases (void)
{
    s_ctx_t ctx = { .base = event_base_new () };
    hl_teststore_t ts;
    HL_CHECK (hl_teststore_start (&ts, ctx.base) == 0);
    if (!ts.store) {
        event_base_free (ctx.base);
        return;
    }
    hl_store_t *store = ts.store;
    HL_CHECK (hl_teststore_ready (&ts, ctx.base));

    //  One holder at a time; only the holder lets it go.
    HL_CHECK (s_wait (&ctx, hl_store_lease (store, 5, "a", 60000, HL_STORE_LEASE_TAKE, s_on_lease,
                                            &ctx)) == 0 && ctx.n == 1);
    HL_CHECK (s_wait (&ctx, hl_store_lease (store, 5, "b", 60000, HL_STORE_LEASE_TAKE, s_on_lease,
                                            &ctx)) == 0 && ctx.n == 0);
    HL_CHECK (s_wait (&ctx, hl_store_lease (store, 5, "b", 60000, HL_STORE_LEASE_RELEASE,
                                            s_on_lease, &ctx)) == 0 && ctx.n == 0);
    HL_CHECK (s_wait (&ctx, hl_store_lease (store, 5, "a", 60000, HL_STORE_LEASE_RELEASE,
                                            s_on_lease, &ctx)) == 0 && ctx.n == 1);
    HL_CHECK (s_wait (&ctx, hl_store_lease (store, 5, "b", 60000, HL_STORE_LEASE_TAKE, s_on_lease,
                                            &ctx)) == 0 && ctx.n == 1);

    //  The registry: live holders by name, and when another's beat runs out.
    HL_CHECK (s_wait (&ctx, hl_store_lease_beat (store, "b", 60000, 0, s_on_beat, &ctx)) == 0);
    HL_CHECK (ctx.ok == 0 && ctx.other == -1 && strcmp (ctx.holders, "b") == 0);
    HL_CHECK (s_wait (&ctx, hl_store_lease_beat (store, "a", 60000, 0, s_on_beat, &ctx)) == 0);
    HL_CHECK (ctx.ok == 0 && ctx.other > 0 && ctx.other <= 60000
              && strcmp (ctx.holders, "a b") == 0);
    HL_CHECK (s_wait (&ctx, hl_store_lease_beat (store, "b", 60000, 1, s_on_beat, &ctx)) == 0);
    HL_CHECK (ctx.ok == 0 && strcmp (ctx.holders, "a") == 0);

    //  A hotspot alert is kept (fire and forget).
    HL_CHECK (hl_store_hotspot_record (store, "{\"area\":\"441702\"}") == 0);

    hl_teststore_stop (&ts);
    event_base_free (ctx.base);
}

static void
s_on_kept (int status, int a, int b, const char *error, void *arg)
{
    s_ctx_t *ctx = arg;
    (void) error;
    ctx->ok = status;
    ctx->n = a;
    ctx->next = b;
    s_done (ctx);
}

//  Retention: a closed ticket leaves Redis only once marked archived with
//  its whole history, and only past the retention time; a change after
//  the mark keeps it until that change is marked too.
static void
test_retention (void)
{
    s_ctx_t ctx = { .base = event_base_new () };
    hl_teststore_t ts;
    HL_CHECK (hl_teststore_start (&ts, ctx.base) == 0);
    if (!ts.store) {
        event_base_free (ctx.base);
        return;
    }
    hl_store_t *store = ts.store;
    HL_CHECK (hl_store_retire (store, 0, S_NOW, 1000, 10, s_on_kept, &ctx) == -1);
    HL_CHECK (hl_teststore_ready (&ts, ctx.base));
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = c.has_request_type = c.has_request_id = c.has_content = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY;
    c.request_id = hl_wire_bytes ("keep-1");
    c.content = hl_wire_bytes ("公积金怎么提取");
    hl_store_disposition_t d = { .state = "answered_directly", .unit = "", .assist = "",
                                 .note = "已答复", .now_ms = S_NOW };
    HL_CHECK (s_wait (&ctx, hl_store_intake (store, &c, "agent:a1", S_NOW, &d, s_on_intake, &ctx))
              == 0);
    int bucket = hl_bucket_of_ticket (ctx.ticket, strlen (ctx.ticket));
    char key[HL_BUCKET_KEY_MAX];
    hl_bucket_ticket_key (key, sizeof key, ctx.ticket, "t");

    //  Not archived: nothing is due.
    HL_CHECK (s_wait (&ctx, hl_store_retire (store, bucket, S_NOW + 9000, 5000, 10, s_on_kept,
                                             &ctx)) == 0);
    HL_CHECK (ctx.ok == 0 && ctx.n == 0 && ctx.next == 0);
    //  Archived without its one history entry: kept; with it: due.
    HL_CHECK (s_wait (&ctx, hl_store_archived (store, ctx.ticket, 0, "", s_on_kept, &ctx)) == 0);
    HL_CHECK (ctx.ok == 0 && ctx.n == 0);
    HL_CHECK (s_wait (&ctx, hl_store_archived (store, ctx.ticket, 1, "ci-1", s_on_kept, &ctx))
              == 0);
    HL_CHECK (ctx.ok == 0 && ctx.n == 1);
    //  Not yet past the retention time.
    HL_CHECK (s_wait (&ctx, hl_store_retire (store, bucket, S_NOW + 4000, 5000, 10, s_on_kept,
                                             &ctx)) == 0);
    HL_CHECK (ctx.n == 0 && ctx.next == 0);
    //  Changed after the mark (one more history entry): looked at, kept.
    HL_CHECK (hl_teststore_int (&ts, "HINCRBY %s h:n 1", key) == 2);
    HL_CHECK (s_wait (&ctx, hl_store_retire (store, bucket, S_NOW + 6000, 5000, 10, s_on_kept,
                                             &ctx)) == 0);
    HL_CHECK (ctx.n == 0 && ctx.next == 1);
    HL_CHECK (hl_teststore_int (&ts, "EXISTS %s", key) == 1);
    //  That change archived: it leaves, with its idempotency record, and
    //  the outbox says so with its caller's index.
    HL_CHECK (s_wait (&ctx, hl_store_archived (store, ctx.ticket, 2, "", s_on_kept, &ctx)) == 0);
    HL_CHECK (ctx.n == 1);
    HL_CHECK (s_wait (&ctx, hl_store_retire (store, bucket, S_NOW + 6000, 5000, 10, s_on_kept,
                                             &ctx)) == 0);
    HL_CHECK (ctx.n == 1 && ctx.next == 1);
    HL_CHECK (hl_teststore_int (&ts, "EXISTS %s", key) == 0);
    char idem[HL_BUCKET_KEY_MAX];
    hl_bucket_key (idem, sizeof idem, bucket, "idem", "web:keep-1", 10);
    HL_CHECK (hl_teststore_int (&ts, "EXISTS %s", idem) == 0);
    char outbox[HL_BUCKET_KEY_MAX];
    hl_bucket_own_key (outbox, sizeof outbox, bucket, HL_OUTBOX_KIND);
    redisContext *rc = redisConnect ("127.0.0.1", ts.port);
    redisReply *r = rc ? redisCommand (rc, "XREVRANGE %s + - COUNT 1", outbox) : NULL;
    HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    const redisReply *kv = r && r->elements == 1 ? r->element[0]->element[1] : NULL;
    int evict = 0, ci = 0;
    for (size_t i = 0; kv && i + 1 < kv->elements; i += 2) {
        evict += strcmp (kv->element[i]->str, "k") == 0 && strcmp (kv->element[i + 1]->str,
                                                                    "evict") == 0;
        ci += strcmp (kv->element[i]->str, "ci") == 0 && strcmp (kv->element[i + 1]->str,
                                                                 "ci-1") == 0;
    }
    HL_CHECK (evict == 1 && ci == 1);
    if (r)
        freeReplyObject (r);
    if (rc)
        redisFree (rc);
    //  Gone: a late mark finds nothing.
    HL_CHECK (s_wait (&ctx, hl_store_archived (store, ctx.ticket, 2, "", s_on_kept, &ctx)) == 0);
    HL_CHECK (ctx.ok == 0 && ctx.n == 0);
    hl_teststore_stop (&ts);
    event_base_free (ctx.base);
}

static const hl_test_case_t s_cases[] = {
    { "timers", test_timers }, { "leases", test_leases }, { "retention", test_retention },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
