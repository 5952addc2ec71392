/*  Unit test of hl_zsock: ZeroMQ sockets in a libevent loop. */
#include "hl_test.h"
#include "hl_zsock.h"

#include <event2/event.h>

typedef struct {
    struct event_base *base;
    int received;
    int truncated;
    int want;
} s_sink_t;

static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) zsock;
    (void) frames;
    s_sink_t *sink = arg;
    HL_CHECK (n >= 1 && n <= HL_ZSOCK_MAX_FRAMES);
    sink->received++;
    sink->truncated += truncated;
    if (sink->received == sink->want)
        event_base_loopbreak (sink->base);
}

static void
s_on_timeout (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    event_base_loopbreak (arg);
}

//  More messages than one batch, queued before the loop starts: all must
//  arrive although their edge fired before anybody listened.
static void
test_drain_backlog (void)
{
    void *ctx = zmq_ctx_new ();
    void *pull = zmq_socket (ctx, ZMQ_PULL);
    void *push = zmq_socket (ctx, ZMQ_PUSH);
    zmq_bind (pull, "inproc://backlog");
    zmq_connect (push, "inproc://backlog");
    for (int i = 0; i < 1000; i++)
        zmq_send (push, "x", 1, 0);
    zmq_send (push, "a", 1, ZMQ_SNDMORE);            //  ten frames: truncated
    for (int i = 0; i < HL_ZSOCK_MAX_FRAMES; i++)
        zmq_send (push, "b", 1, ZMQ_SNDMORE);
    zmq_send (push, "c", 1, 0);
    s_sink_t sink = { .base = event_base_new (), .want = 1001 };
    hl_zsock_t *zs = hl_zsock_new (sink.base, pull, s_on_message, &sink);
    HL_CHECK (zs != NULL);
    struct event *guard = evtimer_new (sink.base, s_on_timeout, sink.base);
    struct timeval tv = { 5, 0 };
    evtimer_add (guard, &tv);
    event_base_dispatch (sink.base);
    HL_CHECK (sink.received == 1001);
    HL_CHECK (sink.truncated == 1);
    event_free (guard);
    hl_zsock_destroy (&zs, 0);
    HL_CHECK (zs == NULL);
    zmq_close (push);
    event_base_free (sink.base);
    zmq_ctx_term (ctx);
}

typedef struct {
    struct event_base *base;
    hl_zsock_t *server;
    int echoed;
} s_echo_t;

//  A ROUTER that answers every request with its body.
static void
s_on_request (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) truncated;
    s_echo_t *echo = arg;
    HL_CHECK (n == 2);
    const void *parts[2] = { zmq_msg_data (&frames[0]), zmq_msg_data (&frames[1]) };
    size_t lens[2] = { zmq_msg_size (&frames[0]), zmq_msg_size (&frames[1]) };
    HL_CHECK (hl_zsock_send (zsock, parts, lens, 2) == 0);
    echo->echoed++;
}

static void
s_on_reply (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) zsock;
    (void) frames;
    (void) n;
    (void) truncated;
    s_sink_t *sink = arg;
    if (++sink->received == sink->want)
        event_base_loopbreak (sink->base);
}

//  Request and reply sockets in the same loop: a send must not swallow
//  the edge that announced the other direction.
static void
test_request_reply (void)
{
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    zmq_bind (router, "inproc://echo");
    zmq_connect (dealer, "inproc://echo");
    struct event_base *base = event_base_new ();
    s_echo_t echo = { .base = base };
    s_sink_t sink = { .base = base, .want = 2000 };
    echo.server = hl_zsock_new (base, router, s_on_request, &echo);
    hl_zsock_t *client = hl_zsock_new (base, dealer, s_on_reply, &sink);
    for (int i = 0; i < 2000; i++) {
        const void *part[1] = { "ping" };
        size_t len[1] = { 4 };
        hl_zsock_send (client, part, len, 1);
    }
    struct event *guard = evtimer_new (base, s_on_timeout, base);
    struct timeval tv = { 5, 0 };
    evtimer_add (guard, &tv);
    event_base_dispatch (base);
    HL_CHECK (echo.echoed == 2000);
    HL_CHECK (sink.received == 2000);
    event_free (guard);
    hl_zsock_destroy (&client, 0);
    hl_zsock_destroy (&echo.server, 0);
    event_base_free (base);
    zmq_ctx_term (ctx);
}

static const hl_test_case_t s_cases[] = {
    { "drain_backlog", test_drain_backlog }, { "request_reply", test_request_reply },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
