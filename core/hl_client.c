/*  hl_client: blocking client. See hl_client.h. */
#include "hl_client.h"
#include "hl_curve.h"
#include "hl_redis.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <zmq.h>

struct hl_client {
    void *ctx;
    void *socket;               //  DEALER
    void *watch;                //  CURVE: handshake failures, else NULL
    int refused;                //  hotlined refused our key
    char endpoint[256];
};

hl_client_t *
hl_client_new (const char *endpoint)
{
    return hl_client_new_keyed (endpoint, NULL);
}

hl_client_t *
hl_client_new_keyed (const char *endpoint, const hl_curve_client_t *keys)
{
    hl_client_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->ctx = zmq_ctx_new ();
    self->socket = zmq_socket (self->ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (self->socket, ZMQ_LINGER, &linger, sizeof linger);
    if (keys && (hl_curve_client_apply (self->socket, keys) != 0
                 || !(self->watch = hl_curve_watch (self->ctx, self->socket, self)))) {
        hl_client_destroy (&self);
        return NULL;
    }
    if (zmq_connect (self->socket, endpoint) != 0) {
        hl_client_destroy (&self);
        return NULL;
    }
    return self;
}

void
hl_client_destroy (hl_client_t **self_p)
{
    assert (self_p);
    hl_client_t *self = *self_p;
    if (!self)
        return;
    if (self->watch)
        zmq_close (self->watch);
    zmq_close (self->socket);
    zmq_ctx_term (self->ctx);
    free (self);
    *self_p = NULL;
}

void
hl_client_new_request_id (char out[33])
{
    unsigned char raw[16];
    if (getrandom (raw, sizeof raw, 0) != (ssize_t) sizeof raw) {
        //  No entropy source: fall back to time and pid, still unique
        //  enough for one client's retries.
        int64_t t = hl_monotonic_us () ^ ((int64_t) getpid () << 40);
        memcpy (raw, &t, sizeof t);
        memcpy (raw + 8, &t, sizeof t);
    }
    for (int i = 0; i < 16; i++)
        snprintf (out + 2 * i, 3, "%02x", raw[i]);
}

static int
s_is_retryable (const Hotline__Envelope *reply)
{
    return reply->body_case == HOTLINE__ENVELOPE__BODY_NACK && reply->nack->retryable;
}

static int
s_same_id (const Hotline__Envelope *a, const Hotline__Envelope *b)
{
    return a->request_id.len == b->request_id.len
        && memcmp (a->request_id.data, b->request_id.data, a->request_id.len) == 0;
}

//  Waits up to WAIT_MS for the answer to REQ, dropping stale answers to
//  earlier requests. Returns 1 with *reply set, 0 on timeout or when
//  hotlined refuses our key (self->refused).
static int
s_wait_answer (hl_client_t *self, const Hotline__Envelope *req,
               Hotline__Envelope **reply, int wait_ms)
{
    int64_t until = hl_monotonic_us () + (int64_t) wait_ms * 1000;
    for (;;) {
        int64_t left = (until - hl_monotonic_us ()) / 1000;
        if (left < 0 || self->refused)
            return 0;
        zmq_pollitem_t items[2] = { { self->socket, 0, ZMQ_POLLIN, 0 },
                                    { self->watch, 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, self->watch ? 2 : 1, (long) left) <= 0)
            continue;
        if (items[1].revents & ZMQ_POLLIN)
            self->refused |= hl_curve_refused (self->watch);
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, self->socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            continue;
        }
        Hotline__ErrorCode code;
        Hotline__Envelope *env = hl_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg),
                                                 (size_t) 16 << 20, &code);
        zmq_msg_close (&msg);
        if (env && s_same_id (env, req)) {
            *reply = env;
            return 1;
        }
        hl_wire_free (&env);
    }
}

int
hl_client_request (hl_client_t *self, Hotline__Envelope *req,
                   Hotline__Envelope **reply, int deadline_ms, int resend_ms,
                   char *err, size_t errlen)
{
    char rid[33];
    if (!req->has_version) {
        req->has_version = 1;
        req->version = HL_WIRE_VERSION;
    }
    if (!req->has_request_id || req->request_id.len == 0) {
        hl_client_new_request_id (rid);
        req->has_request_id = 1;
        req->request_id = hl_wire_bytes (rid);
    }
    hl_buf_t frame = HL_BUF_INIT;
    hl_wire_pack (req, &frame);
    *reply = NULL;
    int64_t until = hl_monotonic_us () + (int64_t) deadline_ms * 1000;
    while (hl_monotonic_us () < until && !self->refused) {
        hl_wire_free (reply);
        zmq_send (self->socket, frame.data, frame.len, ZMQ_DONTWAIT);
        int64_t left = (until - hl_monotonic_us ()) / 1000;
        int wait = (int) (left < resend_ms ? left : resend_ms);
        if (s_wait_answer (self, req, reply, wait > 0 ? wait : 1)) {
            if (!s_is_retryable (*reply))
                break;
            usleep (100 * 1000);   //  refused for now: retry shortly
        }
    }
    hl_buf_free (&frame);
    if (*reply)
        return 0;
    if (self->refused)
        snprintf (err, errlen, "hotlined at %s does not accept this key (its public key "
                  "must be listed in intake_keys)", self->endpoint);
    else
        snprintf (err, errlen, "no answer from hotlined at %s within %.1f s "
                  "(is it running? deploy/up starts it)", self->endpoint, deadline_ms / 1000.0);
    return -1;
}
