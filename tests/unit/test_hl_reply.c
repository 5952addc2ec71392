/*  Unit test of hl_reply: answers reach the peer with its request id, the
 *  in-flight bound per kind refuses with "overloaded", counts, draining. */
#include "hl_reply.h"
#include "hl_test.h"
#include "hl_wire.h"

#include <event2/event.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    void *ctx, *dealer;
    struct event_base *base;
    hl_zsock_t *zsock;
    hl_reply_t *reply;
    hl_peer_t peer;
} s_rig_t;

static void
s_ignore (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) zsock, (void) frames, (void) n, (void) truncated, (void) arg;
}

//  A ROUTER behind hl_reply (one request of each kind at a time), and a
//  DEALER that has said hello, so the peer's routing id is known.
static void
s_rig_up (s_rig_t *r)
{
    memset (r, 0, sizeof *r);
    r->ctx = zmq_ctx_new ();
    void *router = zmq_socket (r->ctx, ZMQ_ROUTER);
    HL_CHECK (zmq_bind (router, "inproc://reply") == 0);
    r->dealer = zmq_socket (r->ctx, ZMQ_DEALER);
    HL_CHECK (zmq_connect (r->dealer, "inproc://reply") == 0);
    zmq_send (r->dealer, "hello", 5, 0);
    zmq_msg_t id, body;
    zmq_msg_init (&id);
    zmq_msg_init (&body);
    HL_CHECK (zmq_msg_recv (&id, router, 0) > 0);
    HL_CHECK (zmq_msg_recv (&body, router, 0) == 5);
    r->peer.id_len = zmq_msg_size (&id);
    memcpy (r->peer.id, zmq_msg_data (&id), r->peer.id_len);
    memcpy (r->peer.rid, "rid-1", 5);
    r->peer.rid_len = 5;
    zmq_msg_close (&id);
    zmq_msg_close (&body);
    r->base = event_base_new ();
    r->zsock = hl_zsock_new (r->base, router, s_ignore, NULL);
    const size_t max[HL_REPLY_KINDS] = { 1, 1, 1 };
    r->reply = hl_reply_new (r->base, r->zsock, max);
}

static void
s_rig_down (s_rig_t *r)
{
    hl_reply_destroy (&r->reply);
    HL_CHECK (r->reply == NULL);
    hl_zsock_destroy (&r->zsock, 0);
    zmq_close (r->dealer);
    zmq_ctx_term (r->ctx);
    event_base_free (r->base);
}

//  The next envelope the dealer gets (free with hl_wire_free).
static Hotline__Envelope *
s_answer (s_rig_t *r)
{
    char buf[4096];
    int n = zmq_recv (r->dealer, buf, sizeof buf, 0);
    HL_CHECK (n > 0);
    Hotline__ErrorCode code;
    return n > 0 ? hl_wire_unpack (buf, (size_t) n, sizeof buf, &code) : NULL;
}

static void
test_send_and_nack (void)
{
    s_rig_t r;
    s_rig_up (&r);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Status st = HOTLINE__STATUS__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_STATUS;
    env.status = &st;
    hl_reply_send (r.reply, &r.peer, &env);
    Hotline__Envelope *a = s_answer (&r);
    HL_CHECK (a && a->body_case == HOTLINE__ENVELOPE__BODY_STATUS);
    HL_CHECK (a && a->version == HL_WIRE_VERSION);
    HL_CHECK (a && a->request_id.len == 5 && memcmp (a->request_id.data, "rid-1", 5) == 0);
    hl_wire_free (&a);
    hl_reply_nack (r.reply, &r.peer, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "area", "area: no");
    a = s_answer (&r);
    HL_CHECK (a && a->body_case == HOTLINE__ENVELOPE__BODY_NACK);
    HL_CHECK (a && a->nack->code == HOTLINE__ERROR_CODE__ERROR_BAD_VALUE);
    HL_CHECK_STR (a ? a->nack->field : NULL, "area");
    hl_wire_free (&a);
    hl_reply_accepted (r.reply);
    HL_CHECK (hl_reply_accepted_count (r.reply) == 1);
    HL_CHECK (hl_reply_rejected_count (r.reply) == 1);
    s_rig_down (&r);
}

//  Whether an answer is waiting for the dealer.
static int
s_waiting (s_rig_t *r)
{
    zmq_pollitem_t item = { r->dealer, 0, ZMQ_POLLIN, 0 };
    return zmq_poll (&item, 1, 0) > 0;
}

static Hotline__Envelope
s_ack_env (Hotline__Ack *ack, const char *ticket)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    hotline__ack__init (ack);
    ack->ticket = (char *) ticket;
    env.body_case = HOTLINE__ENVELOPE__BODY_ACK;
    env.ack = ack;
    return env;
}

//  Queued answers leave together at the end of the loop's pass, in order,
//  each with its request id; a flush sends what is queued at once.
static void
test_queue (void)
{
    s_rig_t r;
    s_rig_up (&r);
    Hotline__Ack a1, a2, a3;
    Hotline__Envelope e1 = s_ack_env (&a1, "T1"), e2 = s_ack_env (&a2, "T2"),
                      e3 = s_ack_env (&a3, "T3");
    hl_reply_queue (r.reply, &r.peer, &e1);
    hl_reply_queue (r.reply, &r.peer, &e2);
    HL_CHECK (!s_waiting (&r));
    event_base_loop (r.base, EVLOOP_NONBLOCK);
    const char *want[] = { "T1", "T2", "T3" };
    for (int i = 0; i < 2; i++) {
        Hotline__Envelope *a = s_answer (&r);
        HL_CHECK (a && a->body_case == HOTLINE__ENVELOPE__BODY_ACK);
        HL_CHECK_STR (a ? a->ack->ticket : NULL, want[i]);
        HL_CHECK (a && a->request_id.len == 5 && memcmp (a->request_id.data, "rid-1", 5) == 0);
        hl_wire_free (&a);
    }
    hl_reply_queue (r.reply, &r.peer, &e3);
    hl_reply_flush (r.reply);
    Hotline__Envelope *a = s_answer (&r);
    HL_CHECK_STR (a ? a->ack->ticket : NULL, "T3");
    hl_wire_free (&a);
    event_base_loop (r.base, EVLOOP_NONBLOCK);
    HL_CHECK (!s_waiting (&r));
    s_rig_down (&r);
}

static int s_drained;
static void
s_on_drained (void *arg)
{
    (void) arg;
    s_drained++;
}

//  One complaint in flight fills its kind but not the others; draining
//  ends when it is answered.
static void
test_admit_and_drain (void)
{
    s_rig_t r;
    s_rig_up (&r);
    HL_CHECK (hl_reply_admit (r.reply, &r.peer, HL_REPLY_COMPLAINT));
    hl_reply_started (r.reply, HL_REPLY_COMPLAINT);
    hl_peer_t *pending = hl_peer_copy (&r.peer);
    HL_CHECK (!hl_reply_admit (r.reply, &r.peer, HL_REPLY_COMPLAINT));
    Hotline__Envelope *a = s_answer (&r);
    HL_CHECK (a && a->body_case == HOTLINE__ENVELOPE__BODY_NACK
              && a->nack->code == HOTLINE__ERROR_CODE__ERROR_OVERLOADED);
    hl_wire_free (&a);
    HL_CHECK (hl_reply_admit (r.reply, &r.peer, HL_REPLY_QUERY));
    HL_CHECK (hl_reply_inflight (r.reply) == 1);
    s_drained = 0;
    hl_reply_drain (r.reply, s_on_drained, NULL);
    HL_CHECK (hl_reply_draining (r.reply));
    HL_CHECK (s_drained == 0);
    hl_reply_done (r.reply, pending, HL_REPLY_COMPLAINT);
    HL_CHECK (s_drained == 1);
    HL_CHECK (hl_reply_inflight (r.reply) == 0);
    s_rig_down (&r);
}

//  Nothing in flight: drained at once.
static void
test_drain_idle (void)
{
    s_rig_t r;
    s_rig_up (&r);
    s_drained = 0;
    hl_reply_drain (r.reply, s_on_drained, NULL);
    HL_CHECK (s_drained == 1);
    s_rig_down (&r);
}

int
main (int argc, char **argv)
{
    static const hl_test_case_t cases[] = {
        { "send_and_nack", test_send_and_nack },
        { "admit_and_drain", test_admit_and_drain },
        { "drain_idle", test_drain_idle },
        { "queue", test_queue },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
