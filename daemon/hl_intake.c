/*  hl_intake: request handling of hotlined. See hl_intake.h. */
#include "hl_intake.h"
#include "hl_complaint.h"
#include "hl_log.h"
#include "hl_text.h"
#include "hl_wire.h"
#include "hl_zsock.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

//  Routing ids are at most 255 bytes (ZMTP); request ids are capped at
//  64 by validation, and echoed back at most this long.
#define S_ROUTING_ID_MAX 255
#define S_REQUEST_ID_MAX 64

struct hl_intake {
    hl_zsock_t *zsock;             //  the ROUTER socket
    hl_store_t *store;
    const hl_codes_t *codes;
    char instance[64];
    size_t max_message;
    size_t max_inflight;
    uint64_t test_clock_ms;
    size_t inflight;               //  complaints waiting for the store
    int draining;
    void (*drained) (void *arg);
    void *drained_arg;
    uint64_t accepted, rejected;
    int64_t started_us;
    hl_buf_t out;                  //  reused for packing replies
};

//  Where a reply goes: the peer's routing id, whether it used a REQ
//  socket (and so expects an empty delimiter), and the request id to echo.
//  Copied out of the request's frames because a complaint's reply is sent
//  long after those frames are gone.
typedef struct {
    hl_intake_t *intake;
    uint8_t id[S_ROUTING_ID_MAX];
    size_t id_len;
    int delimiter;
    uint8_t rid[S_REQUEST_ID_MAX];
    size_t rid_len;
} s_peer_t;

//  ---------------------------------------------------------------------
//  Replies

static void
s_send (hl_intake_t *self, const s_peer_t *peer, Hotline__Envelope *env)
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

static void
s_nack (hl_intake_t *self, const s_peer_t *peer, Hotline__ErrorCode code,
        const char *field, const char *message)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Nack nack = HOTLINE__NACK__INIT;
    nack.has_code = 1;
    nack.code = code;
    nack.message = (char *) message;
    nack.has_retryable = 1;
    nack.retryable = code >= HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE
                  && code != HOTLINE__ERROR_CODE__ERROR_CONFLICT;
    nack.field = (char *) field;
    env.body_case = HOTLINE__ENVELOPE__BODY_NACK;
    env.nack = &nack;
    s_send (self, peer, &env);
    self->rejected++;
}

static void
s_ack (hl_intake_t *self, const s_peer_t *peer, const hl_store_result_t *res)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Ack ack = HOTLINE__ACK__INIT;
    ack.ticket = (char *) res->ticket;
    ack.has_state = res->state != 0;
    ack.state = res->state;
    ack.has_created_ms = 1;
    ack.created_ms = res->created_ms;
    ack.has_duplicate = 1;
    ack.duplicate = res->outcome == HL_STORE_DUP;
    env.body_case = HOTLINE__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    s_send (self, peer, &env);
    self->accepted++;
}

//  ---------------------------------------------------------------------
//  Complaints

static void
s_inflight_done (hl_intake_t *self)
{
    assert (self->inflight > 0);
    self->inflight--;
    if (self->draining && self->inflight == 0 && self->drained) {
        void (*done) (void *) = self->drained;
        self->drained = NULL;
        done (self->drained_arg);
    }
}

//  The store's verdict on one complaint. Only an outcome Redis confirmed
//  (NEW or DUP) becomes an Ack.
static void
s_on_stored (const hl_store_result_t *res, void *arg)
{
    s_peer_t *peer = arg;
    hl_intake_t *self = peer->intake;
    switch (res->outcome) {
        case HL_STORE_NEW:
            hl_debug ("ticket %s stored", res->ticket);
            s_ack (self, peer, res);
            break;
        case HL_STORE_DUP:
            hl_debug ("ticket %s: resubmission answered", res->ticket);
            s_ack (self, peer, res);
            break;
        case HL_STORE_CONFLICT:
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_CONFLICT, "request_id",
                    "request_id was already used for a different request");
            break;
        case HL_STORE_LOST:
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL,
                    "the ticket store did not confirm in time; "
                    "retry with the same request_id");
            break;
        case HL_STORE_FAILED:
            hl_warning ("intake: %s", res->error);
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_FAILED, NULL,
                    "the ticket store refused the write; retry later");
            break;
    }
    free (peer);
    s_inflight_done (self);
}

static s_peer_t *
s_peer_copy (const s_peer_t *peer)
{
    s_peer_t *copy = malloc (sizeof *copy);
    if (!copy)
        abort ();
    memcpy (copy, peer, sizeof *copy);
    return copy;
}

//  Who took the request, for the history. The authenticated identity
//  from the transport when there is one, never a claim in the payload.
static void
s_actor (const Hotline__Complaint *c, const char *identity, char *out, size_t outlen)
{
    if (identity && *identity)
        snprintf (out, outlen, "%s", identity);
    else
        snprintf (out, outlen, "intake:%s", hl_wire_channel_name (c->channel));
}

static void
s_handle_complaint (hl_intake_t *self, const s_peer_t *peer,
                    const Hotline__Complaint *c, const char *identity)
{
    if (self->draining) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_SHUTTING_DOWN, NULL,
                "hotlined is shutting down; retry");
        return;
    }
    hl_complaint_verdict_t verdict;
    if (hl_complaint_check (c, self->codes, &verdict) != 0) {
        s_nack (self, peer, verdict.code, verdict.field, verdict.message);
        return;
    }
    if (self->inflight >= self->max_inflight) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_OVERLOADED, NULL,
                "too many requests in flight; retry shortly");
        return;
    }
    char actor[96];
    s_actor (c, identity, actor, sizeof actor);
    s_peer_t *pending = s_peer_copy (peer);
    if (hl_store_intake (self->store, c, actor, self->test_clock_ms, s_on_stored, pending) != 0) {
        free (pending);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                "the ticket store is not reachable; retry shortly");
        return;
    }
    self->inflight++;
}

//  ---------------------------------------------------------------------
//  Ticket queries and status

static void
s_on_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_peer_t *peer = arg;
    hl_intake_t *self = peer->intake;
    if (view) {
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_VIEW;
        env.ticket_view = (Hotline__TicketView *) view;
        s_send (self, peer, &env);
    }
    else
    if (error)
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL, error);
    else
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_NOT_FOUND, "ticket", "no such ticket");
    free (peer);
    s_inflight_done (self);
}

static void
s_handle_ticket_query (hl_intake_t *self, const s_peer_t *peer, const Hotline__TicketQuery *q)
{
    char ticket[HL_STORE_TICKET_MAX];
    if (!q->has_ticket || q->ticket.len == 0) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "ticket", "ticket: required");
        return;
    }
    if (!hl_text_is_code (q->ticket.data, q->ticket.len, sizeof ticket - 1)) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "ticket",
                "ticket: not a ticket number");
        return;
    }
    snprintf (ticket, sizeof ticket, "%.*s", (int) q->ticket.len, q->ticket.data);
    s_peer_t *pending = s_peer_copy (peer);
    if (hl_store_ticket_get (self->store, ticket, s_on_view, pending) != 0) {
        free (pending);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                "the ticket store is not reachable; retry shortly");
        return;
    }
    self->inflight++;
}

static void
s_handle_status (hl_intake_t *self, const s_peer_t *peer)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Status st = HOTLINE__STATUS__INIT;
    st.version = (char *) HL_VERSION;
    st.instance = self->instance;
    st.has_store_up = 1;
    st.store_up = hl_store_is_ready (self->store);
    st.has_inflight = 1;
    st.inflight = (uint32_t) self->inflight;
    st.has_uptime_ms = 1;
    st.uptime_ms = (uint64_t) (hl_monotonic_us () - self->started_us) / 1000;
    st.has_accepted = 1;
    st.accepted = self->accepted;
    st.has_rejected = 1;
    st.rejected = self->rejected;
    env.body_case = HOTLINE__ENVELOPE__BODY_STATUS;
    env.status = &st;
    s_send (self, peer, &env);
}

//  ---------------------------------------------------------------------
//  Frames to requests

//  Works out where the reply goes and which frame holds the envelope.
//  Returns the payload frame, or NULL if the framing is wrong.
static zmq_msg_t *
s_frame_peer (zmq_msg_t *frames, size_t n, s_peer_t *peer)
{
    size_t id_len = zmq_msg_size (&frames[0]);
    peer->id_len = id_len < S_ROUTING_ID_MAX ? id_len : S_ROUTING_ID_MAX;
    memcpy (peer->id, zmq_msg_data (&frames[0]), peer->id_len);
    peer->delimiter = n == 3 && zmq_msg_size (&frames[1]) == 0;
    if (n == 2)
        return &frames[1];
    if (peer->delimiter)
        return &frames[2];
    return NULL;
}

static void
s_handle_envelope (hl_intake_t *self, s_peer_t *peer, Hotline__Envelope *env)
{
    if (env->has_request_id) {
        peer->rid_len = env->request_id.len < S_REQUEST_ID_MAX ? env->request_id.len
                                                               : S_REQUEST_ID_MAX;
        memcpy (peer->rid, env->request_id.data, peer->rid_len);
    }
    if (!env->has_version || env->version != HL_WIRE_VERSION) {
        char msg[96];
        snprintf (msg, sizeof msg, "unsupported protocol version %u (this daemon speaks %d)",
                  env->has_version ? env->version : 0, HL_WIRE_VERSION);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VERSION, "version", msg);
        return;
    }
    switch (env->body_case) {
        case HOTLINE__ENVELOPE__BODY_COMPLAINT:
            s_handle_complaint (self, peer, env->complaint, NULL);
            break;
        case HOTLINE__ENVELOPE__BODY_TICKET_QUERY:
            s_handle_ticket_query (self, peer, env->ticket_query);
            break;
        case HOTLINE__ENVELOPE__BODY_STATUS_QUERY:
            s_handle_status (self, peer);
            break;
        default:
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                    "this socket takes complaint, ticket_query and status_query requests");
    }
}

static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) zsock;
    hl_intake_t *self = arg;
    s_peer_t peer = { .intake = self };
    zmq_msg_t *payload = s_frame_peer (frames, n, &peer);
    if (!payload || truncated) {
        s_nack (self, &peer, HOTLINE__ERROR_CODE__ERROR_BAD_FRAME, NULL,
                "expected one frame holding an Envelope");
        return;
    }
    Hotline__ErrorCode code;
    Hotline__Envelope *env = hl_wire_unpack (zmq_msg_data (payload), zmq_msg_size (payload),
                                             self->max_message, &code);
    if (!env) {
        char msg[96];
        if (code == HOTLINE__ERROR_CODE__ERROR_TOO_LARGE)
            snprintf (msg, sizeof msg, "message of %zu bytes exceeds the limit of %zu",
                      zmq_msg_size (payload), self->max_message);
        else
            snprintf (msg, sizeof msg, "not a decodable Envelope");
        s_nack (self, &peer, code, NULL, msg);
        return;
    }
    s_handle_envelope (self, &peer, env);
    hl_wire_free (&env);
}

//  ---------------------------------------------------------------------
//  Life cycle

static void *
s_router_new (void *zmq_ctx, const hl_config_t *cfg, char *err, size_t errlen)
{
    void *router = zmq_socket (zmq_ctx, ZMQ_ROUTER);
    int one = 1, hwm = 100000, zero = 0;
    //  The transport cap is well above max_message_bytes so that an
    //  oversize request still arrives and is answered with TOO_LARGE;
    //  only absurd frames make libzmq drop the connection.
    int64_t transport_max = cfg->max_message_bytes * 4;
    zmq_setsockopt (router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt (router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (router, ZMQ_MAXMSGSIZE, &transport_max, sizeof transport_max);
    zmq_setsockopt (router, ZMQ_LINGER, &zero, sizeof zero);
    for (int i = 0; i < cfg->n_endpoints; i++)
        if (zmq_bind (router, cfg->endpoints[i]) != 0) {
            snprintf (err, errlen, "cannot bind %s: %s", cfg->endpoints[i],
                      zmq_strerror (errno));
            zmq_close (router);
            return NULL;
        }
    return router;
}

hl_intake_t *
hl_intake_new (struct event_base *base, void *zmq_ctx, const hl_config_t *cfg,
               hl_store_t *store, const hl_codes_t *codes, char *err, size_t errlen)
{
    void *router = s_router_new (zmq_ctx, cfg, err, errlen);
    if (!router)
        return NULL;
    hl_intake_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->store = store;
    self->codes = codes;
    snprintf (self->instance, sizeof self->instance, "%s", cfg->instance);
    self->max_message = (size_t) cfg->max_message_bytes;
    self->max_inflight = (size_t) cfg->max_inflight;
    self->test_clock_ms = (uint64_t) cfg->test_clock_ms;
    self->started_us = hl_monotonic_us ();
    self->zsock = hl_zsock_new (base, router, s_on_message, self);
    if (!self->zsock) {
        snprintf (err, errlen, "cannot watch the intake socket");
        zmq_close (router);
        free (self);
        return NULL;
    }
    return self;
}

void
hl_intake_destroy (hl_intake_t **self_p, int linger_ms)
{
    assert (self_p);
    hl_intake_t *self = *self_p;
    if (!self)
        return;
    hl_zsock_destroy (&self->zsock, linger_ms);
    hl_buf_free (&self->out);
    free (self);
    *self_p = NULL;
}

void
hl_intake_set_codes (hl_intake_t *self, const hl_codes_t *codes)
{
    self->codes = codes;
}

void
hl_intake_drain (hl_intake_t *self, void (*done) (void *arg), void *arg)
{
    self->draining = 1;
    self->drained = done;
    self->drained_arg = arg;
    if (self->inflight == 0) {
        self->drained = NULL;
        done (arg);
    }
}

size_t
hl_intake_inflight (const hl_intake_t *self)
{
    return self->inflight;
}
