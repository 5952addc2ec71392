/*  hl_reply: answering requests on hotlined's ROUTER socket. See hl_reply.h. */
#include "hl_reply.h"
#include "hl_buf.h"
#include "hl_log.h"
#include "hl_wire.h"

#include <event2/event.h>

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_reply {
    hl_zsock_t *zsock;                     //  not owned
    hl_metrics_t *metrics;                 //  may be NULL
    size_t max_inflight[HL_REPLY_KINDS];
    size_t inflight[HL_REPLY_KINDS];       //  requests waiting for the store or a search
    int draining;
    void (*drained) (void *arg);
    void *drained_arg;
    uint64_t accepted, rejected;
    hl_buf_t out;                          //  reused for packing replies
    //  Answers queued in this pass of the loop (hl_reply_queue): where
    //  each goes and its packed envelope, in BYTES; sent by FLUSH.
    struct s_queued { size_t id_len, len; int delimiter; } *queued;
    size_t n_queued, cap_queued;
    hl_buf_t bytes;
    struct event *flush;
};

static void s_on_flush (evutil_socket_t fd, short what, void *arg);

hl_reply_t *
hl_reply_new (struct event_base *base, hl_zsock_t *zsock,
              const size_t max_inflight[HL_REPLY_KINDS])
{
    assert (base && zsock);
    hl_reply_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->flush = event_new (base, -1, 0, s_on_flush, self);
    if (!self->flush)
        abort ();
    self->zsock = zsock;
    memcpy (self->max_inflight, max_inflight, sizeof self->max_inflight);
    return self;
}

void
hl_reply_destroy (hl_reply_t **self_p)
{
    assert (self_p);
    hl_reply_t *self = *self_p;
    if (!self)
        return;
    event_free (self->flush);
    hl_buf_free (&self->out);
    hl_buf_free (&self->bytes);
    free (self->queued);
    free (self);
    *self_p = NULL;
}

void
hl_reply_set_metrics (hl_reply_t *self, hl_metrics_t *metrics)
{
    self->metrics = metrics;
}

//  ENV addressed as an answer to PEER: the version, and PEER's request id
//  echoed.
static void
s_address (const hl_peer_t *peer, Hotline__Envelope *env)
{
    env->has_version = 1;
    env->version = HL_WIRE_VERSION;
    env->has_request_id = peer->rid_len > 0;
    env->request_id.data = (uint8_t *) peer->rid;
    env->request_id.len = peer->rid_len;
}

//  The packed answer BODY to the peer with routing id ID.
static void
s_send (hl_reply_t *self, const void *id, size_t id_len, int delimiter, const void *body,
        size_t len)
{
    const void *parts[3] = { id, "", body };
    size_t lens[3] = { id_len, 0, len };
    if (!delimiter) {
        parts[1] = parts[2];
        lens[1] = lens[2];
    }
    if (hl_zsock_send (self->zsock, parts, lens, delimiter ? 3 : 2) != 0)
        //  The peer left or its queue is full. Nothing is lost: a stored
        //  ticket stays stored and the client's retry is answered from
        //  the idempotency record.
        hl_debug ("reply not delivered: %s", zmq_strerror (errno));
}

void
hl_reply_send (hl_reply_t *self, const hl_peer_t *peer, Hotline__Envelope *env)
{
    s_address (peer, env);
    hl_wire_pack (env, &self->out);
    s_send (self, peer->id, peer->id_len, peer->delimiter, self->out.data, self->out.len);
}

//  Why answers wait for the end of the pass: the store's replies come in
//  batches (one read of Redis's answers confirms many complaints), and an
//  ack sent as each is handled wakes ZeroMQ's I/O thread and costs a
//  send() of its own, on the cores Redis needs; sent together, the
//  thread wakes once and a peer's acks share a send (bench/RESULTS.md,
//  the intake ratio). They wait microseconds, never for anything else.
void
hl_reply_queue (hl_reply_t *self, const hl_peer_t *peer, Hotline__Envelope *env)
{
    if (self->n_queued == self->cap_queued) {
        self->cap_queued = self->cap_queued ? self->cap_queued * 2 : 64;
        self->queued = realloc (self->queued, self->cap_queued * sizeof *self->queued);
        if (!self->queued)
            abort ();
    }
    //  Packed straight after its routing id in BYTES (no copy).
    s_address (peer, env);
    hl_buf_append (&self->bytes, peer->id, peer->id_len);
    size_t len = hl_wire_pack_append (env, &self->bytes);
    self->queued[self->n_queued++] = (struct s_queued) { peer->id_len, len, peer->delimiter };
    if (self->n_queued == 1)
        event_active (self->flush, EV_TIMEOUT, 0);
}

void
hl_reply_flush (hl_reply_t *self)
{
    const char *at = self->bytes.data;
    for (size_t i = 0; i < self->n_queued; i++) {
        const struct s_queued *q = &self->queued[i];
        s_send (self, at, q->id_len, q->delimiter, at + q->id_len, q->len);
        at += q->id_len + q->len;
    }
    self->n_queued = 0;
    hl_buf_reset (&self->bytes);
}

static void
s_on_flush (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_reply_flush (arg);
}

void
hl_reply_nack (hl_reply_t *self, const hl_peer_t *peer, Hotline__ErrorCode code,
               const char *field, const char *message)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Nack nack;
    hl_wire_nack (&env, &nack, code, field, message);
    hl_reply_send (self, peer, &env);
    self->rejected++;
    if (self->metrics && peer->channel)
        hl_metrics_intake (self->metrics, peer->channel, 0, 0);
}

void
hl_reply_store_unreachable (hl_reply_t *self, const hl_peer_t *peer)
{
    hl_reply_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                   "the ticket store is not reachable; retry shortly");
}

void
hl_reply_accepted (hl_reply_t *self)
{
    self->accepted++;
}

int
hl_reply_admit (hl_reply_t *self, const hl_peer_t *peer, hl_reply_kind_t kind)
{
    static const char *what[HL_REPLY_KINDS] = { "complaints", "actions", "queries",
                                                  "repeat checks" };
    assert (kind < HL_REPLY_KINDS);
    if (self->inflight[kind] < self->max_inflight[kind])
        return 1;
    char message[96];
    snprintf (message, sizeof message, "busy: too many %s in flight; retry shortly", what[kind]);
    hl_reply_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_OVERLOADED, NULL, message);
    return 0;
}

void
hl_reply_started (hl_reply_t *self, hl_reply_kind_t kind)
{
    assert (kind < HL_REPLY_KINDS);
    self->inflight[kind]++;
}

void
hl_reply_done (hl_reply_t *self, hl_peer_t *peer, hl_reply_kind_t kind)
{
    assert (kind < HL_REPLY_KINDS);
    assert (self->inflight[kind] > 0);
    free (peer);
    self->inflight[kind]--;
    if (self->draining && hl_reply_inflight (self) == 0 && self->drained) {
        hl_reply_flush (self);           //  the last answers go before the drain ends
        void (*done) (void *) = self->drained;
        self->drained = NULL;
        done (self->drained_arg);
    }
}

hl_peer_t *
hl_peer_copy (const hl_peer_t *peer)
{
    hl_peer_t *copy = malloc (sizeof *copy);
    if (!copy)
        abort ();
    memcpy (copy, peer, sizeof *copy);
    return copy;
}

void
hl_reply_drain (hl_reply_t *self, void (*done) (void *arg), void *arg)
{
    self->draining = 1;
    self->drained = done;
    self->drained_arg = arg;
    if (hl_reply_inflight (self) == 0) {
        self->drained = NULL;
        done (arg);
    }
}

int
hl_reply_draining (const hl_reply_t *self)
{
    return self->draining;
}

size_t
hl_reply_inflight (const hl_reply_t *self)
{
    size_t total = 0;
    for (int k = 0; k < HL_REPLY_KINDS; k++)
        total += self->inflight[k];
    return total;
}

uint64_t
hl_reply_accepted_count (const hl_reply_t *self)
{
    return self->accepted;
}

uint64_t
hl_reply_rejected_count (const hl_reply_t *self)
{
    return self->rejected;
}
