/*  Unit test of hl_retention against a real Redis: the sweep period
 *  follows the retention time within its bounds; a closed, archived
 *  ticket of a held bucket leaves Redis on the daemon's clock once its
 *  retention time has passed, one of a bucket not held stays. */
#include "hl_retention.h"
#include "hl_bucket.h"
#include "hl_store_sched.h"
#include "hl_test.h"
#include "hl_teststore.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NOW 1765000000000LL    //  the test's clock (ms)

typedef struct {
    struct event_base *base;
    int calls;
    char ticket[HL_STORE_TICKET_MAX];
} s_ctx_t;

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    HL_CHECK (res->outcome == HL_STORE_NEW);
    snprintf (ctx->ticket, sizeof ctx->ticket, "%s", res->ticket);
    ctx->calls++;
    event_base_loopbreak (ctx->base);
}

static void
s_on_kept (int status, int due, int unused, const char *error, void *arg)
{
    s_ctx_t *ctx = arg;
    (void) unused;
    (void) error;
    HL_CHECK (status == 0 && due == 1);
    ctx->calls++;
    event_base_loopbreak (ctx->base);
}

static void
s_wait (s_ctx_t *ctx, int rc)
{
    HL_CHECK (rc == 0);
    int before = ctx->calls;
    while (rc == 0 && ctx->calls == before)
        event_base_dispatch (ctx->base);
}

//  A request answered at once (closed) at S_NOW, marked archived whole.
static void
s_closed_ticket (s_ctx_t *ctx, hl_store_t *store, const char *rid)
{
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = c.has_request_type = c.has_request_id = c.has_content = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY;
    c.request_id = hl_wire_bytes (rid);
    c.content = hl_wire_bytes ("社保卡补办要带什么");
    hl_store_disposition_t d = { .state = "answered_directly", .unit = "", .assist = "",
                                 .note = "已答复", .now_ms = S_NOW };
    s_wait (ctx, hl_store_intake (store, &c, "agent:a1", S_NOW, &d, s_on_intake, ctx));
    s_wait (ctx, hl_store_archived (store, ctx->ticket, 1, "", s_on_kept, ctx));
}

static int
s_exists (const hl_teststore_t *ts, const char *ticket)
{
    char key[HL_BUCKET_KEY_MAX];
    hl_bucket_ticket_key (key, sizeof key, ticket, "t");
    return (int) hl_teststore_int (ts, "EXISTS %s", key);
}

static void
s_on_time (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    event_base_loopbreak (arg);
}

//  Runs BASE for MS.
static void
s_run (struct event_base *base, int ms)
{
    struct event *t = evtimer_new (base, s_on_time, base);
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add (t, &tv);
    event_base_dispatch (base);
    event_free (t);
}

static void
test_period (void)
{
    HL_CHECK (hl_retention_period_ms (1) == 50);
    HL_CHECK (hl_retention_period_ms (1000) == 250);
    HL_CHECK (hl_retention_period_ms (30LL * 86400000) == 60000);
}

static void
test_sweep (void)
{
    s_ctx_t ctx = { .base = event_base_new () };
    hl_teststore_t ts;
    char err[256];
    const char *sla = getenv ("HL_SLA") ? getenv ("HL_SLA") : "deploy/etc/sla.conf";
    const char *cal = getenv ("HL_CALENDAR") ? getenv ("HL_CALENDAR") : "deploy/etc/calendar";
    hl_deadline_t *clock = hl_deadline_new (sla, cal, S_NOW, err, sizeof err);
    HL_CHECK (clock);
    HL_CHECK (hl_teststore_start (&ts, ctx.base) == 0);
    if (!ts.store || !clock) {
        hl_deadline_destroy (&clock);
        event_base_free (ctx.base);
        return;
    }
    HL_CHECK (hl_teststore_ready (&ts, ctx.base));
    char held[HL_STORE_TICKET_MAX], other[HL_STORE_TICKET_MAX];
    s_closed_ticket (&ctx, ts.store, "sweep-1");
    snprintf (held, sizeof held, "%s", ctx.ticket);
    int bucket = hl_bucket_of_ticket (held, strlen (held));
    char rid[32];
    for (int i = 2; i < 100; i++) {      //  a request of another bucket
        snprintf (rid, sizeof rid, "sweep-%d", i);
        if (hl_bucket_of_request ("web", rid, strlen (rid)) != bucket)
            break;
    }
    s_closed_ticket (&ctx, ts.store, rid);
    snprintf (other, sizeof other, "%s", ctx.ticket);
    HL_CHECK (hl_bucket_of_ticket (other, strlen (other)) != bucket);

    hl_retention_t *r = hl_retention_new (ctx.base, ts.store, clock, 1000);
    hl_retention_hold (r, bucket, 1);
    //  Within the retention time (the clock stands still): both stay.
    s_run (ctx.base, 400);
    HL_CHECK (s_exists (&ts, held) == 1 && s_exists (&ts, other) == 1);
    //  Past it: the held bucket's ticket leaves, the other stays.
    hl_deadline_clock_set (clock, S_NOW + 1000);
    s_run (ctx.base, 400);
    HL_CHECK (s_exists (&ts, held) == 0 && s_exists (&ts, other) == 1);
    HL_CHECK (hl_retention_dropped (r) == 1);
    hl_retention_destroy (&r);
    HL_CHECK (r == NULL);
    hl_teststore_stop (&ts);
    hl_deadline_destroy (&clock);
    event_base_free (ctx.base);
}

static const hl_test_case_t s_cases[] = {
    { "period", test_period }, { "sweep", test_sweep }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
