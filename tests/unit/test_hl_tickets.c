/*  Unit test of hl_tickets, the ticket service, against a real Redis: a
 *  transition's callback fires once, after its effects (here: the count);
 *  a repeated request counts nothing again; a refused one neither; and a
 *  store that is not ready refuses the call without a callback. */
#include "hl_tickets.h"
#include "hl_test.h"
#include "hl_teststore.h"
#include "hl_wire.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    struct event_base *base;
    hl_metrics_t *metrics;
    int calls;
    hl_store_outcome_t outcome;
    char ticket[HL_STORE_TICKET_MAX];
    size_t counted_before_callback;
} s_ctx_t;

//  How many transitions METRICS has counted, read from its rendering.
static size_t
s_counted (hl_metrics_t *metrics)
{
    hl_buf_t out = HL_BUF_INIT;
    hl_metrics_render (metrics, &out);
    size_t n = 0;
    for (const char *at = out.data; at && (at = strstr (at, "hotline_transitions_total{"));) {
        at = strchr (at, '}');
        if (at)
            n += (size_t) strtoul (at + 1, NULL, 10);
    }
    hl_buf_free (&out);
    return n;
}

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->outcome = res->outcome;
    snprintf (ctx->ticket, sizeof ctx->ticket, "%s", res->ticket);
    event_base_loopbreak (ctx->base);
}

static void
s_on_transition (const hl_store_transition_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->outcome = res->outcome;
    ctx->counted_before_callback = s_counted (ctx->metrics);
    event_base_loopbreak (ctx->base);
}

static int
s_sign (s_ctx_t *ctx, hl_tickets_t *tickets, const char *rid, const char *actor)
{
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (ctx->ticket);
    t.has_action = 1;
    t.action = HOTLINE__ACTION__ACTION_SIGN;
    int rc = hl_tickets_transition (tickets, &t, actor, rid, strlen (rid), 0, NULL,
                                    s_on_transition, ctx);
    if (rc == 0)
        event_base_dispatch (ctx->base);
    return rc;
}

static void
test_transition (void)
{
    s_ctx_t ctx = { .base = event_base_new (), .metrics = hl_metrics_new () };
    hl_teststore_t ts;
    HL_CHECK (hl_teststore_start (&ts, ctx.base) == 0);
    if (!ts.store) {
        hl_metrics_destroy (&ctx.metrics);
        event_base_free (ctx.base);
        return;
    }
    hl_store_t *store = ts.store;
    hl_tickets_t *tickets = hl_tickets_new (store, NULL);
    hl_tickets_set_observers (tickets, ctx.metrics);

    //  Not ready yet: refused, no callback.
    snprintf (ctx.ticket, sizeof ctx.ticket, "YJ202612040000001");
    HL_CHECK (s_sign (&ctx, tickets, "t-0", "unit:rsj/w1") == -1 && ctx.calls == 0);

    HL_CHECK (hl_teststore_ready (&ts, ctx.base));
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c.has_request_type = 1;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c.has_request_id = 1;
    c.request_id = hl_wire_bytes ("tickets-1");
    c.has_content = 1;
    c.content = hl_wire_bytes ("路灯不亮");
    hl_store_disposition_t d = { .state = "dispatched", .unit = "rsj", .assist = "", .note = "" };
    HL_CHECK (hl_store_intake (store, &c, "agent:a1", 0, &d, s_on_intake, &ctx) == 0);
    event_base_dispatch (ctx.base);
    HL_CHECK (ctx.outcome == HL_STORE_NEW);

    //  Applied: one callback, after the effect (the count).
    HL_CHECK (s_sign (&ctx, tickets, "t-1", "unit:rsj/w1") == 0);
    HL_CHECK (ctx.calls == 1 && ctx.outcome == HL_STORE_NEW);
    HL_CHECK (ctx.counted_before_callback == 1);
    //  The same request again: its first answer, nothing counted again.
    HL_CHECK (s_sign (&ctx, tickets, "t-1", "unit:rsj/w1") == 0);
    HL_CHECK (ctx.calls == 2 && ctx.outcome == HL_STORE_DUP);
    HL_CHECK (s_counted (ctx.metrics) == 1);
    //  Refused (another unit): nothing counted.
    HL_CHECK (s_sign (&ctx, tickets, "t-2", "unit:ybj/w1") == 0);
    HL_CHECK (ctx.calls == 3 && ctx.outcome == HL_STORE_REFUSED);
    HL_CHECK (s_counted (ctx.metrics) == 1);

    hl_tickets_destroy (&tickets);
    HL_CHECK (tickets == NULL);
    hl_teststore_stop (&ts);
    hl_metrics_destroy (&ctx.metrics);
    event_base_free (ctx.base);
}

static const hl_test_case_t s_cases[] = {
    { "transition", test_transition }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
