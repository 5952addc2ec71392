/*  hl_reply: answering requests on hotlined's ROUTER socket. See hl_reply.h. */
#include "hl_reply.h"
#include "hl_buf.h"
#include "hl_log.h"
#include "hl_wire.h"

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
};

hl_reply_t *
hl_reply_new (hl_zsock_t *zsock, const size_t max_inflight[HL_REPLY_KINDS])
{
    assert (zsock);
    hl_reply_t *self = calloc (1, sizeof *self);
    if (!self)
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
    hl_buf_free (&self->out);
    free (self);
    *self_p = NULL;
}

void
hl_reply_set_metrics (hl_reply_t *self, hl_metrics_t *metrics)
{
    self->metrics = metrics;
}

void
hl_reply_send (hl_reply_t *self, const hl_peer_t *peer, Hotline__Envelope *env)
{
    env->has_version = 1;
    env->version = HL_WIRE_VERSION;
    env->has_request_id = peer->rid_len > 0;
    env->request_id.data = (uint8_t *) peer->rid;
    env->request_id.len = peer->rid_len;
    hl_wire_pack (env, &self->out);
    const void *parts[3] = { peer->id, "", self->out.data };
    size_t lens[3] = { peer->id_len, 0, self->out.len };
    if (!peer->delimiter) {
        parts[1] = parts[2];
        lens[1] = lens[2];
    }
    if (hl_zsock_send (self->zsock, parts, lens, peer->delimiter ? 3 : 2) != 0)
        //  The peer left or its queue is full. Nothing is lost: a stored
        //  ticket stays stored and the client's retry is answered from
        //  the idempotency record.
        hl_debug ("reply not delivered: %s", zmq_strerror (errno));
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
