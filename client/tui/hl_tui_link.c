/*  hl_tui_link: requests that never block the screen. See hl_tui_link.h. */
#include "hl_tui_link.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

struct hl_tui_link {
    void *ctx;
    void *socket;
    void *watch;                //  CURVE: handshake failures, else NULL
    int refused;                //  hotlined refused our key
    unsigned long sequence;
    unsigned pid;
};

int64_t
hl_tui_link_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

hl_tui_link_t *
hl_tui_link_new (const char *endpoint, const hl_curve_client_t *keys)
{
    hl_tui_link_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->ctx = zmq_ctx_new ();
    self->socket = zmq_socket (self->ctx, ZMQ_DEALER);
    self->pid = (unsigned) getpid ();
    int zero = 0, one = 1, ivl = 250;
    zmq_setsockopt (self->socket, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (self->socket, ZMQ_IMMEDIATE, &one, sizeof one);
    zmq_setsockopt (self->socket, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    if (keys && (hl_curve_client_apply (self->socket, keys) != 0
                 || !(self->watch = hl_curve_watch (self->ctx, self->socket, self)))) {
        hl_tui_link_destroy (&self);
        return NULL;
    }
    if (zmq_connect (self->socket, endpoint) != 0) {
        hl_tui_link_destroy (&self);
        return NULL;
    }
    return self;
}

void
hl_tui_link_destroy (hl_tui_link_t **self_p)
{
    assert (self_p);
    hl_tui_link_t *self = *self_p;
    if (!self)
        return;
    if (self->watch)
        zmq_close (self->watch);
    zmq_close (self->socket);
    zmq_ctx_term (self->ctx);
    free (self);
    *self_p = NULL;
}

void *
hl_tui_link_watch (hl_tui_link_t *self)
{
    return self->watch;
}

int
hl_tui_link_refused (hl_tui_link_t *self)
{
    if (self->watch && !self->refused)
        self->refused = hl_curve_refused (self->watch);
    return self->refused;
}

int
hl_tui_link_send (hl_tui_link_t *self, Hotline__Envelope *req, const char *tag,
                  char rid[HL_TUI_RID_MAX])
{
    snprintf (rid, HL_TUI_RID_MAX, "%s-%x-%lu", tag, self->pid, ++self->sequence);
    req->has_version = 1;
    req->version = HL_WIRE_VERSION;
    req->has_request_id = 1;
    req->request_id = hl_wire_bytes (rid);
    hl_buf_t frame = HL_BUF_INIT;
    hl_wire_pack (req, &frame);
    int rc = zmq_send (self->socket, frame.data, frame.len, ZMQ_DONTWAIT);
    hl_buf_free (&frame);
    return rc < 0 ? -1 : 0;
}

void *
hl_tui_link_socket (hl_tui_link_t *self)
{
    return self->socket;
}

Hotline__Envelope *
hl_tui_link_recv (hl_tui_link_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, self->socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&msg);
        return NULL;
    }
    Hotline__ErrorCode code;
    Hotline__Envelope *env = hl_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg),
                                             (size_t) 16 << 20, &code);
    zmq_msg_close (&msg);
    return env;
}

int
hl_tui_link_answers (const Hotline__Envelope *reply, const char *rid)
{
    size_t n = strlen (rid);
    return reply->has_request_id && reply->request_id.len == n
        && memcmp (reply->request_id.data, rid, n) == 0;
}

int
hl_tui_link_tagged (const Hotline__Envelope *reply, const char *tag)
{
    size_t n = strlen (tag);
    return reply->has_request_id && reply->request_id.len > n
        && memcmp (reply->request_id.data, tag, n) == 0 && reply->request_id.data[n] == '-';
}
