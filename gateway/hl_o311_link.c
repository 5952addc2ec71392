/*  hl_o311_link: requests to hotlined on the event loop. See hl_o311_link.h. */
#include "hl_o311_link.h"
#include "hl_buf.h"
#include "hl_log.h"
#include "hl_redis.h"
#include "hl_table.h"
#include "hl_wire.h"
#include "hl_zsock.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_RETRY_BUSY_MS 100      //  after a retryable refusal
#define S_RID_MAX 32

typedef struct s_pending s_pending_t;

struct s_pending {
    hl_o311_link_t *link;
    char rid[S_RID_MAX];
    hl_buf_t frame;
    int64_t until_us;            //  deadline (monotonic)
    struct event *timer;
    hl_o311_link_fn *fn;
    void *arg;
};

struct hl_o311_link {
    struct event_base *base;
    void *ctx;
    hl_zsock_t *zsock;
    hl_table_t *pending;         //  rid -> s_pending_t
    int resend_ms;
    uint64_t next_id;
    char prefix[12];             //  per process: answers meant for an earlier run never match
};

static void
s_finish (s_pending_t *p, const Hotline__Envelope *reply, const char *error)
{
    hl_table_remove (p->link->pending, p->rid, strlen (p->rid));
    event_free (p->timer);
    hl_buf_free (&p->frame);
    p->fn (reply, error, p->arg);
    free (p);
}

static void
s_send (s_pending_t *p)
{
    const void *parts[1] = { p->frame.data };
    size_t lens[1] = { p->frame.len };
    if (hl_zsock_send (p->link->zsock, parts, lens, 1) != 0 && errno != EAGAIN)
        hl_debug ("open311: send to hotlined: %s", zmq_strerror (errno));
}

static void
s_arm (s_pending_t *p, int ms)
{
    int64_t left_ms = (p->until_us - hl_monotonic_us ()) / 1000;
    if (ms > left_ms)
        ms = left_ms > 0 ? (int) left_ms : 0;
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add (p->timer, &tv);
}

//  Resend, or give up at the deadline.
static void
s_on_timer (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_pending_t *p = arg;
    if (hl_monotonic_us () >= p->until_us) {
        s_finish (p, NULL, "hotlined did not answer in time");
        return;
    }
    s_send (p);
    s_arm (p, p->link->resend_ms);
}

static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t nframes, int truncated, void *arg)
{
    (void) zsock;
    hl_o311_link_t *self = arg;
    if (nframes != 1 || truncated)
        return;
    Hotline__ErrorCode code;
    Hotline__Envelope *env = hl_wire_unpack (zmq_msg_data (&frames[0]), zmq_msg_size (&frames[0]),
                                             (size_t) 16 << 20, &code);
    if (!env)
        return;
    s_pending_t *p = env->request_id.len < S_RID_MAX
                   ? hl_table_get (self->pending, env->request_id.data, env->request_id.len)
                   : NULL;
    if (!p)
        ;                       //  a late answer to a resend already answered
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_NACK && env->nack->retryable
        && hl_monotonic_us () + S_RETRY_BUSY_MS * 1000 < p->until_us) {
        evtimer_del (p->timer);
        s_arm (p, S_RETRY_BUSY_MS);
    }
    else
        s_finish (p, env, NULL);
    hl_wire_free (&env);
}

hl_o311_link_t *
hl_o311_link_new (struct event_base *base, const char *endpoint, const hl_curve_client_t *keys,
                  int resend_ms, char *err, size_t errlen)
{
    assert (base && endpoint && resend_ms > 0);
    hl_o311_link_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->resend_ms = resend_ms;
    self->ctx = zmq_ctx_new ();
    void *socket = zmq_socket (self->ctx, ZMQ_DEALER);
    int zero = 0, one = 1;
    zmq_setsockopt (socket, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (socket, ZMQ_IMMEDIATE, &one, sizeof one);
    if ((keys && hl_curve_client_apply (socket, keys) != 0)
        || zmq_connect (socket, endpoint) != 0) {
        snprintf (err, errlen, "cannot connect to hotlined at '%s': %s", endpoint,
                  zmq_strerror (errno));
        zmq_close (socket);
        zmq_ctx_term (self->ctx);
        free (self);
        return NULL;
    }
    self->zsock = hl_zsock_new (base, socket, s_on_message, self);
    self->pending = hl_table_new ();
    snprintf (self->prefix, sizeof self->prefix, "g%06" PRIx64 "-",
              (uint64_t) hl_monotonic_us () & 0xffffff);
    return self;
}

static void
s_collect (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    s_pending_t ***next = arg;
    *(*next)++ = value;
}

void
hl_o311_link_destroy (hl_o311_link_t **self_p)
{
    assert (self_p);
    hl_o311_link_t *self = *self_p;
    if (!self)
        return;
    size_t n = hl_table_size (self->pending);
    s_pending_t **all = calloc (n + 1, sizeof *all), **next = all;
    if (!all)
        abort ();
    hl_table_foreach (self->pending, s_collect, &next);
    for (size_t i = 0; i < n; i++)
        s_finish (all[i], NULL, "the gateway is shutting down");
    free (all);
    hl_table_destroy (&self->pending);
    hl_zsock_destroy (&self->zsock, 0);
    zmq_ctx_term (self->ctx);
    free (self);
    *self_p = NULL;
}

void
hl_o311_link_request (hl_o311_link_t *self, Hotline__Envelope *req, int deadline_ms,
                      hl_o311_link_fn *fn, void *arg)
{
    s_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        abort ();
    p->link = self;
    p->fn = fn;
    p->arg = arg;
    snprintf (p->rid, sizeof p->rid, "%s%" PRIu64, self->prefix, ++self->next_id);
    req->has_version = 1;
    req->version = HL_WIRE_VERSION;
    req->has_request_id = 1;
    req->request_id = hl_wire_bytes (p->rid);
    hl_wire_pack (req, &p->frame);
    p->until_us = hl_monotonic_us () + (int64_t) deadline_ms * 1000;
    p->timer = evtimer_new (self->base, s_on_timer, p);
    if (!p->timer)
        abort ();
    hl_table_set (self->pending, p->rid, strlen (p->rid), p);
    s_send (p);
    s_arm (p, self->resend_ms);
}

size_t
hl_o311_link_pending (const hl_o311_link_t *self)
{
    return hl_table_size (self->pending);
}
