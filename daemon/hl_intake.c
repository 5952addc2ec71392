/*  hl_intake: the request socket and the channels' complaints. See hl_intake.h. */
#include "hl_intake.h"
#include "hl_repeat.h"
#include "hl_complaint.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_reply.h"
#include "hl_staff.h"
#include "hl_wire.h"
#include "hl_zap.h"
#include "hl_zsock.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct hl_intake {
    hl_zsock_t *zsock;             //  the ROUTER socket
    hl_reply_t *reply;             //  answers, in-flight bounds, draining
    hl_staff_t *staff;             //  staff actions and queries
    const hl_codes_t *codes;
    const hl_catalogue_t *catalogue;
    int auto_dispatch;
    int reply_from_dispatch;       //  reply_clock_start = dispatch
    hl_repeat_t *repeat;           //  links repeat calls (NULL: off)
    size_t max_message;
    hl_deadline_t *deadline;       //  clock and SLA arithmetic
    hl_tickets_t *tickets;         //  stores complaints, with their effects
    hl_metrics_t *metrics;         //  counters for /metrics (may be NULL)
    int curve;                     //  CURVE: requests come from listed keys only
};

//  ---------------------------------------------------------------------
//  Replies

static void
s_ack (hl_intake_t *self, const hl_peer_t *peer, const hl_store_result_t *res)
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
    ack.has_reply_due_ms = peer->reply_due_ms > 0;
    ack.reply_due_ms = (uint64_t) peer->reply_due_ms;
    env.body_case = HOTLINE__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    hl_reply_queue (self->reply, peer, &env);
    hl_reply_accepted (self->reply);
    if (self->metrics)
        hl_metrics_intake (self->metrics, peer->channel, 1,
                           (double) (hl_monotonic_us () - peer->received_us) / 1e6);
}

//  ---------------------------------------------------------------------
//  Complaints

static void
s_repeat_done (void *arg)
{
    hl_intake_t *self = arg;
    hl_reply_done (self->reply, NULL, HL_REPLY_REPEAT);
}

//  A caller calling again on the same matter: linked to the earlier
//  ticket (hl_repeat), after the caller has had the answer.
static void
s_check_repeat (hl_intake_t *self, const hl_peer_t *peer, const hl_store_result_t *res)
{
    const Hotline__Complaint *c = peer->request ? peer->request->complaint : NULL;
    char phone[HL_COMPLAINT_PHONE_MAX + 1], category[64];
    if (!self->repeat || !c || c->anonymous || !c->has_caller_phone || !c->has_category
        || c->category.len >= sizeof category
        || hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone) <= 0)
        return;
    snprintf (category, sizeof category, "%.*s", (int) c->category.len, c->category.data);
    hl_reply_started (self->reply, HL_REPLY_REPEAT);    //  first: the check may end at once
    if (hl_repeat_check (self->repeat, res->ticket, phone, category, res->created_ms,
                         hl_deadline_now (self->deadline), s_repeat_done, self) != 0)
        hl_reply_done (self->reply, NULL, HL_REPLY_REPEAT);
}

//  The store's verdict on one complaint. Only an outcome Redis confirmed
//  (NEW or DUP) becomes an Ack.
static void
s_on_stored (const hl_store_result_t *res, void *arg)
{
    hl_peer_t *peer = arg;
    hl_intake_t *self = peer->owner;
    switch (res->outcome) {
        case HL_STORE_NEW:
        case HL_STORE_DUP:
            hl_debug ("ticket %s %s", res->ticket,
                      res->outcome == HL_STORE_NEW ? "stored" : "resubmitted");
            s_ack (self, peer, res);
            if (res->outcome == HL_STORE_NEW)
                s_check_repeat (self, peer, res);
            break;
        case HL_STORE_CONFLICT:
            hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_CONFLICT, "request_id",
                           "request_id was already used for a different request");
            break;
        case HL_STORE_LOST:
            hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL,
                           "the ticket store did not confirm in time; "
                           "retry with the same request_id");
            break;
        case HL_STORE_UNAVAILABLE:
            hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                           "the ticket store's node for this request is away; "
                           "retry with the same request_id");
            break;
        case HL_STORE_UNREPLICATED:
            hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL,
                           "the ticket store's replicas did not confirm in time (ack = replicated); "
                           "retry with the same request_id");
            break;
        case HL_STORE_FAILED:
        case HL_STORE_REFUSED:
            hl_warning ("intake: %s", res->error);
            hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_FAILED, NULL,
                           "the ticket store refused the write; retry later");
            break;
    }
    hl_wire_free (&peer->request);
    hl_reply_done (self->reply, peer, HL_REPLY_COMPLAINT);
}

//  Who took the request, for the history: the authenticated identity from
//  the transport when there is one; else the agent named by the phone
//  channel; else the channel.
static void
s_actor (const Hotline__Complaint *c, const char *identity, char *out, size_t outlen)
{
    if (identity && *identity)
        snprintf (out, outlen, "%s", identity);
    else
    if (c->has_agent && c->agent.len)
        snprintf (out, outlen, "agent:%.*s", (int) c->agent.len, c->agent.data);
    else
        snprintf (out, outlen, "intake:%s", hl_wire_channel_name (c->channel));
}

void
hl_intake_sign_deadline (hl_deadline_t *deadline, const Hotline__Complaint *c,
                         hl_store_disposition_t *d)
{
    if (!deadline || strcmp (d->state, "dispatched") != 0)
        return;
    hl_deadline_facts_t facts = { .request_type = c->request_type, .urgent = c->urgent,
                                  .enterprise = c->enterprise };
    if (c->has_tag && c->tag.len)
        snprintf (facts.tag, sizeof facts.tag, "%.*s", (int) c->tag.len, c->tag.data);
    hl_sla_deadline_t sign;
    if (hl_deadline_compute (deadline, &facts, HL_SLA_SIGN, d->now_ms, "", 0, &sign) != 0)
        return;
    d->sign_warn_ms = sign.warn_ms;
    d->sign_due_ms = sign.due_ms;
    d->sign_escalate_ms = sign.escalate_ms;
    d->sla_generation = hl_deadline_generation (deadline);
}

//  What the agent tells the caller: the reply is due by the limit counted
//  from the dispatch (now) or, when the clock starts at sign, from the
//  latest moment the unit may sign.
int64_t
hl_intake_promised_reply (hl_deadline_t *deadline, const Hotline__Complaint *c,
                          const hl_store_disposition_t *d, int from_dispatch)
{
    if (!deadline || (strcmp (d->state, "dispatched") != 0 && strcmp (d->state, "to_dispatch")))
        return 0;
    hl_deadline_facts_t facts = { .request_type = c->request_type, .urgent = c->urgent,
                                  .enterprise = c->enterprise };
    if (c->has_tag && c->tag.len)
        snprintf (facts.tag, sizeof facts.tag, "%.*s", (int) c->tag.len, c->tag.data);
    int64_t start = from_dispatch || !d->sign_due_ms || d->sign_due_ms == HL_SLA_NEVER
                  ? d->now_ms : d->sign_due_ms;
    hl_sla_deadline_t reply;
    if (hl_deadline_compute (deadline, &facts, HL_SLA_REPLY, start, "", 0, &reply) != 0
        || reply.due_ms == HL_SLA_NEVER)
        return 0;
    return reply.due_ms;
}

void
hl_intake_disposition (const hl_catalogue_t *catalogue, int auto_dispatch,
                       const Hotline__Complaint *c, hl_store_disposition_t *d,
                       hl_intake_route_t *buf)
{
    memset (buf, 0, sizeof *buf);
    memset (d, 0, sizeof *d);
    d->unit = buf->unit;
    d->assist = buf->assist;
    d->note = buf->note;
    int disp = c->has_disposition ? (int) c->disposition : 0;
    if (c->has_note && c->note.len)
        snprintf (buf->note, sizeof buf->note, "%.*s", (int) c->note.len, c->note.data);
    if (disp == HOTLINE__DISPOSITION__DISPOSITION_ANSWERED_DIRECTLY)
        d->state = "answered_directly";
    else
    if (disp == HOTLINE__DISPOSITION__DISPOSITION_TRANSFERRED) {
        d->state = "transferred";
        snprintf (buf->note, sizeof buf->note, "%u", c->transfer_to);
    }
    else
    if (disp == HOTLINE__DISPOSITION__DISPOSITION_OUT_OF_SCOPE)
        d->state = "out_of_scope";
    else {
        char category[HL_CODE_MAX + 1], area[HL_CODE_MAX + 1];
        hl_route_t route;
        snprintf (category, sizeof category, "%.*s", (int) c->category.len, c->category.data);
        snprintf (area, sizeof area, "%.*s", (int) c->area.len, c->area.data);
        d->state = "to_dispatch";
        if (disp == HOTLINE__DISPOSITION__DISPOSITION_HOLD || !auto_dispatch
            || hl_catalogue_route (catalogue, category, area, &route) != 0)
            return;
        d->state = "dispatched";
        snprintf (buf->unit, sizeof buf->unit, "%s", route.lead);
        size_t used = 0;
        for (int i = 0; i < route.n_assist; i++)
            used += (size_t) snprintf (buf->assist + used, sizeof buf->assist - used, "%s%s",
                                       i ? "," : "", route.assist[i]);
        snprintf (buf->note, sizeof buf->note, "派单目录 (%s): %s%s%s", route.rule, route.lead,
                  route.n_assist ? " + " : "", buf->assist);
    }
}

void
hl_intake_prepare (const hl_catalogue_t *catalogue, int auto_dispatch, hl_deadline_t *deadline,
                   const Hotline__Complaint *c, hl_store_disposition_t *d, hl_intake_route_t *buf)
{
    hl_intake_disposition (catalogue, auto_dispatch, c, d, buf);
    d->now_ms = hl_deadline_now (deadline);
    hl_intake_sign_deadline (deadline, c, d);
}

//  With CURVE, whom the connection's key names (IDENTITY) bounds what it
//  may file: a channel's gateway files for its channel only, and an agent
//  files calls in their own name. 1 if allowed; else 0 with the refusal
//  sent.
static int
s_may_file (hl_intake_t *self, const hl_peer_t *peer, const Hotline__Complaint *c,
            const char *identity)
{
    char message[160];
    const char *channel = hl_wire_channel_name (c->has_channel ? (int) c->channel : 0);
    if (strncmp (identity, "channel:", 8) == 0) {
        if (channel && strcmp (identity + 8, channel) == 0)
            return 1;
        snprintf (message, sizeof message, "channel: this key files for %.80s only",
                  identity);
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "channel", message);
        return 0;
    }
    const char *agent = strncmp (identity, "agent:", 6) == 0 ? identity + 6 : NULL;
    if (agent && c->has_agent && c->agent.len
        && (c->agent.len != strlen (agent) || memcmp (c->agent.data, agent, c->agent.len) != 0)) {
        snprintf (message, sizeof message, "agent: this key belongs to %.80s", identity);
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "agent", message);
        return 0;
    }
    return 1;
}

//  REQUEST (holding the complaint) is taken over when the complaint goes to
//  the store: *REQUEST is then NULL. IDENTITY is whom the connection's
//  CURVE key names, NULL without CURVE.
static void
s_handle_complaint (hl_intake_t *self, const hl_peer_t *peer,
                    Hotline__Envelope **request, const char *identity)
{
    const Hotline__Complaint *c = (*request)->complaint;
    ((hl_peer_t *) peer)->channel = c->has_channel && hl_wire_channel_name (c->channel)
                                 ? (int) c->channel : 0;
    if (hl_reply_draining (self->reply)) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_SHUTTING_DOWN, NULL,
                       "hotlined is shutting down; retry");
        return;
    }
    if (identity && !s_may_file (self, peer, c, identity))
        return;
    hl_complaint_verdict_t verdict;
    if (hl_complaint_check (c, self->codes, &verdict) != 0) {
        hl_reply_nack (self->reply, peer, verdict.code, verdict.field, verdict.message);
        return;
    }
    if (!hl_reply_admit (self->reply, peer, HL_REPLY_COMPLAINT))
        return;
    char actor[96];
    s_actor (c, identity, actor, sizeof actor);
    hl_store_disposition_t disposition;
    hl_intake_route_t route;
    hl_intake_prepare (self->catalogue, self->auto_dispatch, self->deadline, c, &disposition,
                       &route);
    hl_peer_t *pending = hl_peer_copy (peer);
    pending->request = *request;
    pending->reply_due_ms = hl_intake_promised_reply (self->deadline, c, &disposition,
                                                      self->reply_from_dispatch);
    if (hl_tickets_intake (self->tickets, c, actor, &disposition, s_on_stored, pending) != 0) {
        free (pending);
        hl_reply_store_unreachable (self->reply, peer);
        return;
    }
    *request = NULL;
    hl_reply_started (self->reply, HL_REPLY_COMPLAINT);
}

//  ---------------------------------------------------------------------
//  Frames to requests

//  Works out where the reply goes and which frame holds the envelope.
//  Returns the payload frame, or NULL if the framing is wrong.
static zmq_msg_t *
s_frame_peer (zmq_msg_t *frames, size_t n, hl_peer_t *peer)
{
    size_t id_len = zmq_msg_size (&frames[0]);
    peer->id_len = id_len < HL_REPLY_ROUTING_ID_MAX ? id_len : HL_REPLY_ROUTING_ID_MAX;
    memcpy (peer->id, zmq_msg_data (&frames[0]), peer->id_len);
    peer->delimiter = n == 3 && zmq_msg_size (&frames[1]) == 0;
    if (n == 2)
        return &frames[1];
    if (peer->delimiter)
        return &frames[2];
    return NULL;
}

//  Handles one request from IDENTITY (see s_on_message). A complaint sent
//  on to the store keeps its envelope, so *ENV_P is NULL afterwards;
//  anything else leaves it to the caller.
static void
s_handle_envelope (hl_intake_t *self, hl_peer_t *peer, Hotline__Envelope **env_p,
                   const char *identity)
{
    Hotline__Envelope *env = *env_p;
    if (env->has_request_id) {
        peer->rid_len = env->request_id.len < HL_REPLY_REQUEST_ID_MAX ? env->request_id.len
                                                                      : HL_REPLY_REQUEST_ID_MAX;
        memcpy (peer->rid, env->request_id.data, peer->rid_len);
    }
    if (!env->has_version || env->version != HL_WIRE_VERSION) {
        char msg[96];
        snprintf (msg, sizeof msg, "unsupported protocol version %u (this daemon speaks %d)",
                  env->has_version ? env->version : 0, HL_WIRE_VERSION);
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VERSION, "version", msg);
        return;
    }
    if (env->body_case == HOTLINE__ENVELOPE__BODY_COMPLAINT)
        s_handle_complaint (self, peer, env_p, identity);
    else
    if (hl_staff_handle (self->staff, peer, env, identity) != 0)
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                       "this socket takes complaint, ticket_query, ticket_list_query, "
                       "transition and status_query requests");
}

static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) zsock;
    hl_intake_t *self = arg;
    hl_peer_t peer = { .owner = self, .received_us = hl_monotonic_us () };
    zmq_msg_t *payload = s_frame_peer (frames, n, &peer);
    if (!payload || truncated) {
        hl_reply_nack (self->reply, &peer, HOTLINE__ERROR_CODE__ERROR_BAD_FRAME, NULL,
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
        hl_reply_nack (self->reply, &peer, code, NULL, msg);
        return;
    }
    //  With CURVE, the handler admitted only listed keys, and named each
    //  connection after its key's owner.
    const char *identity = self->curve ? zmq_msg_gets (payload, "User-Id") : NULL;
    if (self->curve && (!identity || !*identity)) {
        hl_reply_nack (self->reply, &peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, NULL,
                       "this endpoint serves listed keys only");
        hl_wire_free (&env);
        return;
    }
    s_handle_envelope (self, &peer, &env, identity);
    hl_wire_free (&env);
}

//  ---------------------------------------------------------------------
//  Life cycle

hl_intake_t *
hl_intake_new (struct event_base *base, void *zmq_ctx, const hl_config_t *cfg,
               hl_store_t *store, const hl_codes_t *codes, const hl_catalogue_t *catalogue,
               hl_broker_t *broker, hl_deadline_t *deadline, hl_timers_t *timers,
               char *err, size_t errlen)
{
    //  The transport cap is four times max_message_bytes: an oversize
    //  request still arrives and is answered with too_large.
    const char *endpoints[HL_CONFIG_ENDPOINTS_MAX];
    for (int i = 0; i < cfg->n_endpoints; i++)
        endpoints[i] = cfg->endpoints[i];
    void *router = hl_zsock_router (zmq_ctx, endpoints, cfg->n_endpoints,
                                    cfg->max_message_bytes * 4, cfg->intake_key_file,
                                    HL_ZAP_STAFF, err, errlen);
    if (!router)
        return NULL;
    hl_intake_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->codes = codes;
    self->catalogue = catalogue;
    self->auto_dispatch = (int) cfg->auto_dispatch;
    self->reply_from_dispatch = strcmp (cfg->reply_clock_start, "dispatch") == 0;
    self->curve = *cfg->intake_key_file != 0;
    self->max_message = (size_t) cfg->max_message_bytes;
    self->deadline = deadline;
    self->zsock = hl_zsock_new (base, router, s_on_message, self);
    if (!self->zsock) {
        snprintf (err, errlen, "cannot watch the intake socket");
        zmq_close (router);
        free (self);
        return NULL;
    }
    const size_t max_inflight[HL_REPLY_KINDS] = {
        [HL_REPLY_COMPLAINT] = (size_t) cfg->max_inflight,
        [HL_REPLY_ACTION] = (size_t) cfg->max_actions_inflight,
        [HL_REPLY_QUERY] = (size_t) cfg->max_queries_inflight,
    };
    self->reply = hl_reply_new (base, self->zsock, max_inflight);
    if (cfg->repeat_window_h > 0)
        self->repeat = hl_repeat_new (store, cfg->repeat_window_h * 3600 * INT64_C (1000));
    self->staff = hl_staff_new (cfg, self->reply, store, catalogue, broker, deadline, timers);
    return self;
}

void
hl_intake_destroy (hl_intake_t **self_p, int linger_ms)
{
    assert (self_p);
    hl_intake_t *self = *self_p;
    if (!self)
        return;
    hl_staff_destroy (&self->staff);
    hl_reply_flush (self->reply);
    hl_zsock_destroy (&self->zsock, linger_ms);
    hl_repeat_destroy (&self->repeat);
    hl_reply_destroy (&self->reply);
    free (self);
    *self_p = NULL;
}

void
hl_intake_set_codes (hl_intake_t *self, const hl_codes_t *codes)
{
    self->codes = codes;
}

void
hl_intake_set_kb (hl_intake_t *self, hl_kbserve_t *kb, hl_similar_t *similar)
{
    hl_staff_set_kb (self->staff, kb, similar);
}

void
hl_intake_set_tickets (hl_intake_t *self, hl_tickets_t *tickets)
{
    self->tickets = tickets;
    hl_staff_set_tickets (self->staff, tickets);
    if (self->repeat)
        hl_repeat_set_tickets (self->repeat, tickets);
}

void
hl_intake_set_metrics (hl_intake_t *self, hl_metrics_t *metrics)
{
    self->metrics = metrics;
    hl_reply_set_metrics (self->reply, metrics);
    hl_staff_set_metrics (self->staff, metrics);
}

void
hl_intake_set_catalogue (hl_intake_t *self, const hl_catalogue_t *catalogue)
{
    self->catalogue = catalogue;
    hl_staff_set_catalogue (self->staff, catalogue);
}

void
hl_intake_set_outbox (hl_intake_t *self, const hl_outbox_t *outbox,
                      const hl_archiver_t *archiver)
{
    assert (self);
    hl_staff_set_outbox (self->staff, outbox, archiver);
}

void
hl_intake_set_visitlink (hl_intake_t *self, const hl_visitlink_t *visitlink)
{
    hl_staff_set_visitlink (self->staff, visitlink);
}

void
hl_intake_drain (hl_intake_t *self, void (*done) (void *arg), void *arg)
{
    hl_reply_drain (self->reply, done, arg);
}

size_t
hl_intake_inflight (const hl_intake_t *self)
{
    return hl_reply_inflight (self->reply);
}
