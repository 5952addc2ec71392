/*  Unit test of hl_store_dash, the dashboard's typed reads, against a real
 *  Redis: the day's intake by channel and the deadlines at risk summed over
 *  the buckets, intake per minute, the unit counters of a day, the open
 *  lists, the overdue list merged from the buckets, and the hotspot
 *  alerts; and a store that is not ready refuses each without a callback. */
#include "hl_store_dash.h"
#include "hl_store_sched.h"
#include "hl_bucket.h"
#include "hl_lifecycle.h"
#include "hl_test.h"
#include "hl_teststore.h"

#include <stdio.h>
#include <string.h>

#define S_NOW 1765000000000LL    //  2025-12-06 13:46:40 in Beijing
#define S_DAY "20251206"

typedef struct {
    struct event_base *base;
    int calls, ok;
    char tickets[2][HL_STORE_TICKET_MAX];
    int taken;
    hl_store_at_risk_t at_risk;
    long long minute_web, dispatched;
    size_t n;
    char first[256];
} s_ctx_t;

static void
s_done (s_ctx_t *ctx, int ok)
{
    ctx->calls++;
    ctx->ok = ok;
}

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    HL_CHECK (res->outcome == HL_STORE_NEW);
    snprintf (ctx->tickets[ctx->taken++], HL_STORE_TICKET_MAX, "%s", res->ticket);
    s_done (ctx, 1);
}

static void
s_on_at_risk (int ok, const hl_store_at_risk_t *sum, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->at_risk = *sum;
    s_done (ctx, ok);
}

static void
s_on_minutes (int ok, const long long *rows, size_t n, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->n = n;
    ctx->minute_web = 0;
    for (size_t i = 0; i < n; i++)
        ctx->minute_web += rows[i * (1 + HL_STORE_CHANNELS) + 2];   //  web: the second channel
    s_done (ctx, ok);
}

static void
s_on_counter (const char *key, long long value, void *arg)
{
    s_ctx_t *ctx = arg;
    if (strcmp (key, "rsj|dispatched") == 0)
        ctx->dispatched += value;
}

static void
s_on_units (int ok, void *arg)
{
    s_done (arg, ok);
}

static void
s_on_open (int ok, const long long *counts, size_t n, void *arg)
{
    s_ctx_t *ctx = arg;
    (void) counts;
    ctx->n = n;
    s_done (ctx, ok);
}

static void
s_on_due (int ok, const hl_store_due_t *rows, size_t n, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->n = n;
    if (n)
        snprintf (ctx->first, sizeof ctx->first, "%s %s %s %s", rows[0].ticket, rows[0].milestone,
                  rows[0].status, rows[0].unit);
    s_done (ctx, ok);
}

static void
s_on_texts (int ok, const char *const *texts, size_t n, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->n = n;
    if (n)
        snprintf (ctx->first, sizeof ctx->first, "%s", texts[0]);
    s_done (ctx, ok);
}

static void
s_on_fired (const hl_store_fired_t *fired, int n, int64_t next, const char *error, void *arg)
{
    (void) fired;
    (void) next;
    (void) error;
    s_done (arg, n >= 0);
}

//  Runs the loop until the call that returned RC has answered.
static int
s_wait (s_ctx_t *ctx, int rc)
{
    return hl_teststore_wait (ctx->base, &ctx->calls, rc);
}

static void
s_intake (s_ctx_t *ctx, hl_store_t *store, const char *rid)
{
    Hotline__Complaint c;
    hl_store_disposition_t d;
    hl_teststore_complaint (&c, &d, rid, S_NOW);
    HL_CHECK (s_wait (ctx, hl_store_intake (store, &c, "agent:a1", S_NOW, &d, s_on_intake, ctx))
              == 0);
}

static void
test_reads (void)
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
    HL_CHECK (hl_store_dash_open (store, s_on_open, &ctx) == -1);
    HL_CHECK (hl_store_dash_hotspots (store, 10, s_on_texts, &ctx) == -1);
    HL_CHECK (ctx.calls == 0);
    HL_CHECK (hl_teststore_ready (&ts, ctx.base));
    s_intake (&ctx, store, "dash-1");
    s_intake (&ctx, store, "dash-2");

    //  The day's intake, summed over the buckets; nothing at risk yet.
    HL_CHECK (s_wait (&ctx, hl_store_dash_at_risk (store, S_DAY, s_on_at_risk, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.at_risk.intake[1] == 2 && ctx.at_risk.intake[0] == 0);
    HL_CHECK (ctx.at_risk.level[0] == 0 && ctx.at_risk.level[1] == 0);
    char now[24];
    snprintf (now, sizeof now, "%lld", S_NOW);
    HL_CHECK (s_wait (&ctx, hl_store_dash_minutes (store, now, 5, s_on_minutes, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == 5 && ctx.minute_web == 2);
    HL_CHECK (s_wait (&ctx, hl_store_dash_units (store, S_DAY, s_on_counter, s_on_units, &ctx))
              == 0);
    HL_CHECK (ctx.ok && ctx.dispatched == 2);
    HL_CHECK (s_wait (&ctx, hl_store_dash_open (store, s_on_open, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == HL_LIFECYCLE_OPEN);

    //  Both sign reminders fire (warn, then overdue): the overdue list has them.
    for (int i = 0; i < 2; i++) {
        int bucket = hl_bucket_of_ticket (ctx.tickets[i], strlen (ctx.tickets[i]));
        for (int level = 0; level < 2; level++)
            HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, bucket, S_NOW + 5000, 10,
                                                         s_on_fired, &ctx)) == 0);
    }
    HL_CHECK (s_wait (&ctx, hl_store_dash_deadlines (store, 1, 1, s_on_due, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == 1 && strstr (ctx.first, " sign overdue rsj"));
    HL_CHECK (s_wait (&ctx, hl_store_dash_at_risk (store, S_DAY, s_on_at_risk, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.at_risk.level[1] == 2);

    //  Hotspot alerts, newest first.
    HL_CHECK (hl_store_hotspot_record (store, "{\"area\":\"441702\"}") == 0);
    HL_CHECK (hl_store_hotspot_record (store, "{\"area\":\"441723\"}") == 0);
    HL_CHECK (s_wait (&ctx, hl_store_dash_hotspots (store, 10, s_on_texts, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == 2 && strcmp (ctx.first, "{\"area\":\"441723\"}") == 0);

    hl_teststore_stop (&ts);
    event_base_free (ctx.base);
}

static const hl_test_case_t s_cases[] = {
    { "reads", test_reads }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
