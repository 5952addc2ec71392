/*  hl_zsock: ZeroMQ socket in a libevent loop. See hl_zsock.h. */
#include "hl_zsock.h"
#include "hl_curve.h"
#include "hl_log.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

//  Messages handled per wakeup before yielding to other events. Large
//  enough to amortise the wakeup, small enough that a flood on one socket
//  cannot starve Redis replies or timers.
#define HL_ZSOCK_BATCH 256

struct hl_zsock {
    void *socket;              //  the ZeroMQ socket (owned)
    struct event *ev;          //  read event on ZMQ_FD
    struct event *later;       //  one-shot: receive again in the next pass
    hl_zsock_msg_fn *fn;       //  message callback
    void *arg;                 //  callback argument
    int paused;                //  true: deliver nothing
    int receiving;             //  inside s_on_ready: a kick is not needed
};

//  Receives one whole multipart message. Frames beyond the first
//  HL_ZSOCK_MAX_FRAMES are received into a scratch frame and dropped, so
//  that a malformed message is consumed completely and cannot wedge the
//  socket.
static int
s_recv_message (hl_zsock_t *self, zmq_msg_t *frames, size_t *nframes, int *truncated)
{
    *nframes = 0;
    *truncated = 0;
    int more = 1;
    while (more) {
        zmq_msg_t scratch;
        zmq_msg_t *frame = *nframes < HL_ZSOCK_MAX_FRAMES ? &frames[*nframes] : &scratch;
        zmq_msg_init (frame);
        if (zmq_msg_recv (frame, self->socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (frame);
            for (size_t i = 0; i < *nframes; i++)
                zmq_msg_close (&frames[i]);
            return -1;
        }
        more = zmq_msg_more (frame);
        if (frame == &scratch) {
            *truncated = 1;
            zmq_msg_close (frame);
        }
        else
            (*nframes)++;
    }
    return 0;
}

//  Drains up to a batch of messages, receiving until there is none. A
//  receive that finds nothing has libzmq process the socket's command
//  mailbox first (as reading ZMQ_EVENTS does), which re-arms the edge of
//  ZMQ_FD for whatever arrives next; so one mailbox check, a poll() and a
//  getpid() inside libzmq, ends each wakeup, instead of a ZMQ_EVENTS read
//  before every message (2.5 poll() and 2.8 getpid() per ticket at full
//  intake, bench/RESULTS.md).
//  Why a spent batch receives again in the next pass of the loop rather
//  than being made active at once: libevent runs an event made active
//  during a pass in that same pass, before it polls the descriptors again.
//  Under a flood (clients resending every 50 ms while the store was away,
//  each resend answered at once) the loop then never polled, and Redis's
//  replies waited for the flood to end (a silence of 23 s in hotlined's
//  log of a failing intake/redis_restart_under_load). A timer due at once
//  fires after the next poll, with the store's replies.
static void
s_again (hl_zsock_t *self)
{
    static const struct timeval now = { 0, 0 };
    if (!self->paused && !evtimer_pending (self->later, NULL))
        evtimer_add (self->later, &now);
}

static void
s_on_ready (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_zsock_t *self = arg;
    self->receiving = 1;
    for (int budget = HL_ZSOCK_BATCH; budget > 0; budget--) {
        if (self->paused) {
            self->receiving = 0;
            return;
        }
        zmq_msg_t frames[HL_ZSOCK_MAX_FRAMES];
        size_t nframes;
        int truncated;
        if (s_recv_message (self, frames, &nframes, &truncated) != 0) {
            //  (EFSM: a REP socket whose owner has not answered yet; its
            //  answer kicks the socket again.)
            if (errno != EAGAIN && errno != EFSM)
                hl_warning ("zmq receive: %s", zmq_strerror (errno));
            self->receiving = 0;
            return;
        }
        self->fn (self, frames, nframes, truncated, self->arg);
        for (size_t i = 0; i < nframes; i++)
            zmq_msg_close (&frames[i]);
    }
    self->receiving = 0;
    s_again (self);
}

void *
hl_zsock_router (void *zmq_ctx, const char *const *endpoints, int n, int64_t max_message,
                 const char *curve_key_file, const char *zap_domain, char *err, size_t errlen)
{
    char curve_secret[HL_CURVE_KEY_TEXT] = "";
    if (curve_key_file && *curve_key_file
        && hl_curve_read_key (curve_key_file, "secret", curve_secret, err, errlen) != 0)
        return NULL;
    void *router = zmq_socket (zmq_ctx, ZMQ_ROUTER);
    if (!router) {
        snprintf (err, errlen, "cannot create a socket: %s", zmq_strerror (errno));
        return NULL;
    }
    int one = 1, hwm = 100000, zero = 0;
    zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt (router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (router, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message);
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof zero);
    if (*curve_secret
        && (zmq_setsockopt (router, ZMQ_CURVE_SERVER, &one, sizeof one) != 0
            || zmq_setsockopt (router, ZMQ_CURVE_SECRETKEY, curve_secret,
                               strlen (curve_secret)) != 0
            || zmq_setsockopt (router, ZMQ_ZAP_DOMAIN, zap_domain, strlen (zap_domain)) != 0)) {
        snprintf (err, errlen, "cannot make a CURVE server: %s", zmq_strerror (errno));
        zmq_close (router);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        if (zmq_bind (router, endpoints[i]) != 0) {
            snprintf (err, errlen, "cannot bind %.300s: %s", endpoints[i], zmq_strerror (errno));
            zmq_close (router);
            return NULL;
        }
    return router;
}

hl_zsock_t *
hl_zsock_new (struct event_base *base, void *socket, hl_zsock_msg_fn *fn, void *arg)
{
    assert (base && socket && fn);
    int fd;
    size_t len = sizeof fd;
    if (zmq_getsockopt (socket, ZMQ_FD, &fd, &len) != 0)
        return NULL;
    hl_zsock_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->socket = socket;
    self->fn = fn;
    self->arg = arg;
    self->ev = event_new (base, fd, EV_READ | EV_PERSIST, s_on_ready, self);
    self->later = evtimer_new (base, s_on_ready, self);
    if (!self->ev || !self->later || event_add (self->ev, NULL) != 0) {
        if (self->ev)
            event_free (self->ev);
        if (self->later)
            event_free (self->later);
        free (self);
        return NULL;
    }
    //  Messages may already be queued, and their edge may be gone.
    hl_zsock_kick (self);
    return self;
}

void
hl_zsock_destroy (hl_zsock_t **self_p, int linger_ms)
{
    assert (self_p);
    hl_zsock_t *self = *self_p;
    if (!self)
        return;
    event_free (self->ev);
    event_free (self->later);
    zmq_setsockopt (self->socket, ZMQ_LINGER, &linger_ms, sizeof linger_ms);
    zmq_close (self->socket);
    free (self);
    *self_p = NULL;
}

void *
hl_zsock_socket (hl_zsock_t *self)
{
    return self->socket;
}

int
hl_zsock_send (hl_zsock_t *self, const void *const *parts, const size_t *lens, size_t nparts)
{
    assert (nparts > 0);
    int rc = 0;
    for (size_t i = 0; i < nparts && rc == 0; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < nparts ? ZMQ_SNDMORE : 0);
        if (zmq_send (self->socket, parts[i], lens[i], flags) < 0)
            rc = -1;
    }
    int saved = errno;
    hl_zsock_kick (self);
    errno = saved;
    return rc;
}

//  Deferred: the callback runs once this pass of the loop, however many
//  replies were sent in it (a batch of Redis answers sends one ack each),
//  and its receive does the mailbox check. A send made by the callback's
//  own handler needs none: the callback receives until a receive finds
//  nothing (that receive is the mailbox check) or its batch is spent
//  (and then receives again next pass); making it active again would run
//  it again in this pass, before the loop polls (s_again).
void
hl_zsock_kick (hl_zsock_t *self)
{
    if (!self->paused && !self->receiving)
        event_active (self->ev, EV_READ, 0);
}

void
hl_zsock_pause (hl_zsock_t *self)
{
    self->paused = 1;
}

void
hl_zsock_resume (hl_zsock_t *self)
{
    self->paused = 0;
    hl_zsock_kick (self);
}
