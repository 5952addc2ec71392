/*  Unit test of hl_messenger against a real Redis, the test playing the
 *  adaptor on a DEALER: entries that mean no message are answered at
 *  once; offers are refused until an adaptor said hello; the acceptance
 *  record (id, number, text); "done" answers 0, "failed" -1 and pauses
 *  offers; an unanswered message times out; an adaptor back under a new
 *  socket is sent again what was not confirmed; anonymous callers get
 *  nothing. */
#include "hl_messenger.h"
#include "hl_proc.h"
#include "hl_test.h"
#include "hl_teststore.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    struct event_base *base;
    hl_store_t *store;
    char ticket[HL_STORE_TICKET_MAX];
    int answers, status;
} s_ctx_t;

#define S_UNTIL(ctx, cond) do { \
    long long until_ = hl_proc_now_ms () + 10000; \
    while (!(cond) && hl_proc_now_ms () < until_) \
        event_base_loop ((ctx)->base, EVLOOP_ONCE | EVLOOP_NONBLOCK); \
} while (0)

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    snprintf (ctx->ticket, sizeof ctx->ticket, "%s", res->ticket);
}

//  A new dispatched ticket, its caller PHONE (NULL: anonymous).
static void
s_intake (s_ctx_t *ctx, const char *rid, const char *phone)
{
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = c.has_request_type = c.has_request_id = c.has_content = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c.request_id = hl_wire_bytes (rid);
    c.content = hl_wire_bytes ("路灯不亮");
    c.has_caller_phone = phone != NULL;
    c.caller_phone = hl_wire_bytes (phone ? phone : "");
    c.has_anonymous = 1;
    c.anonymous = phone == NULL;
    hl_store_disposition_t d = { .state = "dispatched", .unit = "rsj", .assist = "", .note = "" };
    *ctx->ticket = 0;
    HL_CHECK (hl_store_intake (ctx->store, &c, "agent:a1", 0, &d, s_on_intake, ctx) == 0);
    S_UNTIL (ctx, *ctx->ticket);
}

static void
s_on_done (int status, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->answers++;
    ctx->status = status;
}

//  The adaptor's socket to ENDPOINT, having said hello.
static void *
s_adaptor (void *zctx, const char *endpoint)
{
    void *s = zmq_socket (zctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    HL_CHECK (zmq_connect (s, endpoint) == 0);
    zmq_send (s, "hello", 5, 0);
    return s;
}

//  The next message on S (its three frames into ID and RECORD), running
//  the loop meanwhile: 0, or -1 if none within 10 s.
static int
s_receive (s_ctx_t *ctx, void *s, char id[128], char record[2048])
{
    long long until = hl_proc_now_ms () + 10000;
    while (hl_proc_now_ms () < until) {
        event_base_loop (ctx->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        char verb[16];
        int n = zmq_recv (s, verb, sizeof verb, ZMQ_DONTWAIT);
        if (n < 0)
            continue;
        HL_CHECK (n == 7 && memcmp (verb, "message", 7) == 0);
        n = zmq_recv (s, id, 127, 0);
        id[n > 0 ? n : 0] = 0;
        n = zmq_recv (s, record, 2047, 0);
        record[n > 0 ? n : 0] = 0;
        return 0;
    }
    return -1;
}

//  The refusal of what the adaptor sent that is no answer: its reason
//  into WHY, after the frames "error" and "bad_request". 0, or -1.
static int
s_refusal (s_ctx_t *ctx, void *s, char why[256])
{
    long long until = hl_proc_now_ms () + 10000;
    while (hl_proc_now_ms () < until) {
        event_base_loop (ctx->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
        char verb[16], code[32];
        int n = zmq_recv (s, verb, sizeof verb, ZMQ_DONTWAIT);
        if (n < 0)
            continue;
        HL_CHECK (n == 5 && memcmp (verb, "error", 5) == 0);
        n = zmq_recv (s, code, sizeof code, 0);
        HL_CHECK (n == 11 && memcmp (code, "bad_request", 11) == 0);
        n = zmq_recv (s, why, 255, 0);
        why[n > 0 ? n : 0] = 0;
        return 0;
    }
    return -1;
}

static void
s_answer (void *s, const char *verb, const char *id)
{
    zmq_send (s, verb, strlen (verb), ZMQ_SNDMORE);
    zmq_send (s, id, strlen (id), 0);
}

static void
test_messenger (void)
{
    s_ctx_t ctx = { .base = event_base_new () };
    hl_teststore_t ts;
    HL_CHECK (hl_teststore_start (&ts, ctx.base) == 0 && hl_teststore_ready (&ts, ctx.base));
    ctx.store = ts.store;
    void *zctx = zmq_ctx_new ();
    char err[256], endpoint[64];
    snprintf (endpoint, sizeof endpoint, "ipc:///tmp/hl-messenger-%d", (int) getpid ());
    hl_msgtpl_t *tpl = hl_msgtpl_parse ("t", "acceptance 受理{ticket}\nreply {reply}{link}\n"
                                        "visit {link}\n", err, sizeof err);
    hl_messenger_opts_t mo;
    hl_messenger_opts_default (&mo);
    mo.endpoint = endpoint;
    mo.confirm_ms = 500;
    mo.backoff_min_ms = 300;
    hl_messenger_t *m = hl_messenger_new (ctx.base, zctx, ts.store, tpl, NULL, &mo, err,
                                          sizeof err);
    HL_CHECK (m);
    s_intake (&ctx, "r1", "13800138000");
    char ticket[HL_STORE_TICKET_MAX];
    snprintf (ticket, sizeof ticket, "%s", ctx.ticket);

    //  No message for a sign; no adaptor yet: not taken.
    HL_CHECK (hl_messenger_offer (m, "5-0", ticket, "sign", "signed", s_on_done, &ctx) == 1);
    HL_CHECK (!hl_messenger_ready (m));
    HL_CHECK (hl_messenger_offer (m, "1-0", ticket, "intake", "dispatched", s_on_done, &ctx) == -1);

    void *ad = s_adaptor (zctx, endpoint);
    S_UNTIL (&ctx, hl_messenger_ready (m));
    HL_CHECK (hl_messenger_offer (m, "1-0", ticket, "intake", "dispatched", s_on_done, &ctx) == 0);
    char id[128], record[2048], want[512];
    HL_CHECK (s_receive (&ctx, ad, id, record) == 0);
    snprintf (want, sizeof want, "%s.1-0", ticket);
    HL_CHECK_STR (id, want);
    snprintf (want, sizeof want, "{\"id\":\"%s.1-0\",\"ticket\":\"%s\",\"event\":\"acceptance\","
              "\"template\":\"acceptance\",\"channel\":\"sms\",\"to\":\"13800138000\","
              "\"text\":\"受理%s\"}", ticket, ticket, ticket);
    HL_CHECK_STR (record, want);
    s_answer (ad, "done", id);
    S_UNTIL (&ctx, ctx.answers == 1);
    HL_CHECK (ctx.status == 0);

    //  Refused by the adaptor: -1, and offers wait out the pause.
    HL_CHECK (hl_messenger_offer (m, "2-0", ticket, "intake", "dispatched", s_on_done, &ctx) == 0);
    HL_CHECK (s_receive (&ctx, ad, id, record) == 0);
    s_answer (ad, "failed", id);
    S_UNTIL (&ctx, ctx.answers == 2);
    HL_CHECK (ctx.status == -1 && !hl_messenger_ready (m));
    zmq_send (ad, "hello", 5, 0);
    S_UNTIL (&ctx, hl_messenger_ready (m));

    //  Not answered: -1 after confirm_ms.
    HL_CHECK (hl_messenger_offer (m, "3-0", ticket, "intake", "dispatched", s_on_done, &ctx) == 0);
    HL_CHECK (s_receive (&ctx, ad, id, record) == 0);
    S_UNTIL (&ctx, ctx.answers == 3);
    HL_CHECK (ctx.status == -1);

    //  An adaptor back on a new socket gets what is not yet confirmed.
    zmq_send (ad, "hello", 5, 0);
    S_UNTIL (&ctx, hl_messenger_ready (m));
    HL_CHECK (hl_messenger_offer (m, "4-0", ticket, "intake", "dispatched", s_on_done, &ctx) == 0);
    HL_CHECK (s_receive (&ctx, ad, id, record) == 0);
    zmq_close (ad);
    ad = s_adaptor (zctx, endpoint);
    HL_CHECK (s_receive (&ctx, ad, id, record) == 0);
    snprintf (want, sizeof want, "%s.4-0", ticket);
    HL_CHECK_STR (id, want);
    s_answer (ad, "done", id);
    S_UNTIL (&ctx, ctx.answers == 4);
    HL_CHECK (ctx.status == 0);

    //  What is no answer gets a refusal with its reason, and confirms nothing.
    char why[256];
    zmq_send (ad, "sent", 4, 0);
    HL_CHECK (s_refusal (&ctx, ad, why) == 0);
    HL_CHECK_STR (why, "expected hello, done ID or failed ID REASON");
    zmq_send (ad, "done", 4, 0);
    HL_CHECK (s_refusal (&ctx, ad, why) == 0);
    HL_CHECK_STR (why, "done without a message id");
    HL_CHECK (ctx.answers == 4);

    //  An anonymous caller: nothing sent, answered 0.
    s_intake (&ctx, "r2", NULL);
    HL_CHECK (hl_messenger_offer (m, "6-0", ctx.ticket, "intake", "dispatched", s_on_done,
                                  &ctx) == 0);
    S_UNTIL (&ctx, ctx.answers == 5);
    HL_CHECK (ctx.status == 0);
    hl_messenger_stats_t st;
    hl_messenger_stats (m, &st);
    HL_CHECK (st.confirmed == 2 && st.skipped == 1 && st.failed == 2 && st.waiting == 0);

    //  Destroyed with a message out: answered -1.
    HL_CHECK (hl_messenger_offer (m, "7-0", ticket, "intake", "dispatched", s_on_done, &ctx) == 0);
    HL_CHECK (s_receive (&ctx, ad, id, record) == 0);
    hl_messenger_destroy (&m);
    HL_CHECK (m == NULL && ctx.answers == 6 && ctx.status == -1);
    zmq_close (ad);
    zmq_ctx_term (zctx);
    hl_teststore_stop (&ts);
    event_base_free (ctx.base);
}

static const hl_test_case_t s_cases[] = {
    { "messenger", test_messenger }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
