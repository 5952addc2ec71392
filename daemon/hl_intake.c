/*  hl_intake: request handling of hotlined. See hl_intake.h. */
#include "hl_intake.h"
#include "hl_privacy.h"
#include "hl_repeat.h"
#include "hl_complaint.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_text.h"
#include "hl_transition.h"
#include "hl_wire.h"
#include "hl_zap.h"
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

//  Requests are bounded by kind, so that a burst of one kind (an agent
//  desk refreshing lists, a script looking tickets up) cannot take the
//  places of the others: complaints always have their own.
typedef enum {
    S_COMPLAINT,                   //  new tickets
    S_ACTION,                      //  staff transitions
    S_QUERY,                       //  reads and searches
    S_REPEAT,                      //  repeat-call checks after intake (hl_repeat
                                   //  bounds them; counted only for the drain)
    S_KINDS
} s_kind_t;

struct hl_intake {
    hl_zsock_t *zsock;             //  the ROUTER socket
    hl_store_t *store;
    const hl_codes_t *codes;
    const hl_catalogue_t *catalogue;
    hl_broker_t *broker;
    int auto_dispatch;
    int reply_from_dispatch;       //  reply_clock_start = dispatch
    hl_repeat_t *repeat;           //  links repeat calls (NULL: off)
    char instance[64];
    char ack[32];                  //  the acknowledgement mode, for status
    size_t max_message;
    size_t max_inflight[S_KINDS];  //  per kind of request
    hl_deadline_t *deadline;       //  clock and SLA arithmetic
    hl_timers_t *timers;
    hl_feed_t *feed;               //  events for dashboards (may be NULL)
    hl_kbserve_t *kb;              //  knowledge-base searches (may be NULL)
    hl_similar_t *similar;         //  similar tickets (may be NULL)
    hl_metrics_t *metrics;         //  counters for /metrics (may be NULL)
    size_t inflight[S_KINDS];      //  requests waiting for the store or a search
    int draining;
    int curve;                     //  CURVE: requests come from listed keys only
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
    char ticket[HL_STORE_TICKET_MAX];  //  transitions: the ticket acted on
    Hotline__Envelope *request;        //  a complaint kept for the worker queue
    int channel;                       //  complaints: the channel, for metrics
    int action;                        //  transitions: the action, for metrics
    int64_t received_us;               //  when the request arrived
    char identity[96];                 //  the CURVE identity, for privacy ("" = none)
    int revealed;                      //  ticket queries: full caller details asked for
    int64_t reply_due_ms;              //  complaints: the reply date promised (0: none)
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
    Hotline__Nack nack;
    hl_wire_nack (&env, &nack, code, field, message);
    s_send (self, peer, &env);
    self->rejected++;
    if (self->metrics && peer->channel)
        hl_metrics_intake (self->metrics, peer->channel, 0, 0);
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
    ack.has_reply_due_ms = peer->reply_due_ms > 0;
    ack.reply_due_ms = (uint64_t) peer->reply_due_ms;
    env.body_case = HOTLINE__ENVELOPE__BODY_ACK;
    env.ack = &ack;
    s_send (self, peer, &env);
    self->accepted++;
    if (self->metrics)
        hl_metrics_intake (self->metrics, peer->channel, 1,
                           (double) (hl_monotonic_us () - peer->received_us) / 1e6);
}

//  Tells dashboards and subscribers about a new ticket or a transition.
static void
s_announce (hl_intake_t *self, const char *kind, const char *ticket, const char *unit,
            int from, int to, int channel, int action, int64_t at_ms)
{
    if (!self->feed)
        return;
    Hotline__Event ev = HOTLINE__EVENT__INIT;
    ev.kind = (char *) kind;
    ev.ticket = (char *) ticket;
    ev.unit = (char *) unit;
    ev.has_at_ms = 1;
    ev.at_ms = (uint64_t) at_ms;
    ev.channel = (char *) hl_wire_channel_name (channel);
    if (strcmp (kind, "intake") == 0)
        ev.state = (char *) hl_wire_state_name (to);
    else {
        ev.from_state = (char *) hl_wire_state_name (from);
        ev.to_state = (char *) hl_wire_state_name (to);
        ev.action = (char *) hl_wire_action_name (action);
    }
    hl_feed_publish (self->feed, &ev);
}

//  ---------------------------------------------------------------------
//  Complaints

static size_t
s_inflight_total (const hl_intake_t *self)
{
    return self->inflight[S_COMPLAINT] + self->inflight[S_ACTION] + self->inflight[S_QUERY]
         + self->inflight[S_REPEAT];
}

//  Whether a request of KIND may start; if not, it is answered with a
//  retryable "overloaded".
static int
s_admit (hl_intake_t *self, const s_peer_t *peer, s_kind_t kind)
{
    static const char *what[S_KINDS] = { "complaints", "actions", "queries", "repeat checks" };
    if (self->inflight[kind] < self->max_inflight[kind])
        return 1;
    char message[96];
    snprintf (message, sizeof message, "busy: too many %s in flight; retry shortly", what[kind]);
    s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_OVERLOADED, NULL, message);
    return 0;
}

static void
s_inflight_done (hl_intake_t *self, s_kind_t kind)
{
    assert (self->inflight[kind] > 0);
    self->inflight[kind]--;
    if (self->draining && s_inflight_total (self) == 0 && self->drained) {
        void (*done) (void *) = self->drained;
        self->drained = NULL;
        done (self->drained_arg);
    }
}

//  Open tickets are offered as similar ones (并单 candidates) and counted
//  for hotspots; requests closed at intake are not.
static void
s_index_similar (hl_intake_t *self, const s_peer_t *peer, const hl_store_result_t *res)
{
    const Hotline__Complaint *c = peer->request ? peer->request->complaint : NULL;
    if (!self->similar || !c || !hl_lifecycle_is_open (res->state))
        return;
    char *text = hl_wire_strdup (c->content);
    char *area = hl_wire_strdup (c->area);
    char *category = hl_wire_strdup (c->category);
    hl_similar_index (self->similar, res->ticket, text, area, category, (int64_t) res->created_ms);
    free (text);
    free (area);
    free (category);
}

static void
s_repeat_done (void *arg)
{
    s_inflight_done (arg, S_REPEAT);
}

//  A caller calling again on the same matter: linked to the earlier
//  ticket (hl_repeat), after the caller has had the answer.
static void
s_check_repeat (hl_intake_t *self, const s_peer_t *peer, const hl_store_result_t *res)
{
    const Hotline__Complaint *c = peer->request ? peer->request->complaint : NULL;
    char phone[HL_COMPLAINT_PHONE_MAX + 1], category[64];
    if (!self->repeat || !c || c->anonymous || !c->has_caller_phone || !c->has_category
        || c->category.len >= sizeof category
        || hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone) <= 0)
        return;
    snprintf (category, sizeof category, "%.*s", (int) c->category.len, c->category.data);
    self->inflight[S_REPEAT]++;      //  first: the check may end at once
    if (hl_repeat_check (self->repeat, res->ticket, phone, category, res->created_ms,
                         hl_deadline_now (self->deadline), s_repeat_done, self) != 0)
        self->inflight[S_REPEAT]--;
}

//  A ticket just stored as dispatched goes to the worker queue together
//  with what intake already holds of it, so a worker with free credit gets
//  it without the queue reading it back from Redis.
static void
s_hand_over (hl_intake_t *self, const s_peer_t *peer, const hl_store_result_t *res)
{
    Hotline__TicketView view = HOTLINE__TICKET_VIEW__INIT;
    Hotline__Complaint complaint = *peer->request->complaint;
    char phone[HL_COMPLAINT_PHONE_MAX + 1];
    if (complaint.has_caller_phone && complaint.caller_phone.len
        && hl_complaint_normalise_phone (complaint.caller_phone.data,
                                         complaint.caller_phone.len, phone) > 0)
        complaint.caller_phone = hl_wire_bytes (phone);
    view.ticket = (char *) res->ticket;
    view.has_state = 1;
    view.state = HOTLINE__STATE__STATE_DISPATCHED;
    view.has_created_ms = 1;
    view.created_ms = res->created_ms;
    view.complaint = &complaint;
    view.has_unit = 1;
    view.unit = hl_wire_bytes (res->unit);
    hl_broker_dispatched (self->broker, res->ticket, res->unit, res->assist, &view);
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
        case HL_STORE_DUP:
            hl_debug ("ticket %s %s", res->ticket,
                      res->outcome == HL_STORE_NEW ? "stored" : "resubmitted");
            s_ack (self, peer, res);
            if (res->outcome == HL_STORE_NEW) {
                s_announce (self, "intake", res->ticket, res->unit, 0, res->state, peer->channel,
                            0, (int64_t) res->created_ms);
                s_index_similar (self, peer, res);
                s_check_repeat (self, peer, res);
            }
            if (res->state == HOTLINE__STATE__STATE_DISPATCHED && res->outcome == HL_STORE_NEW)
                s_hand_over (self, peer, res);
            else
            if (res->state == HOTLINE__STATE__STATE_DISPATCHED)
                hl_broker_dispatched (self->broker, res->ticket, res->unit, res->assist, NULL);
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
        case HL_STORE_UNREPLICATED:
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL,
                    "the ticket store's replicas did not confirm in time (ack = replicated); "
                    "retry with the same request_id");
            break;
        case HL_STORE_FAILED:
        case HL_STORE_REFUSED:
            hl_warning ("intake: %s", res->error);
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_FAILED, NULL,
                    "the ticket store refused the write; retry later");
            break;
    }
    hl_wire_free (&peer->request);
    free (peer);
    s_inflight_done (self, S_COMPLAINT);
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

//  With CURVE, whom the connection's key names (IDENTITY) bounds what it
//  may file: a channel's gateway files for its channel only, and an agent
//  files calls in their own name. 1 if allowed; else 0 with the refusal
//  sent.
static int
s_may_file (hl_intake_t *self, const s_peer_t *peer, const Hotline__Complaint *c,
            const char *identity)
{
    char message[160];
    const char *channel = hl_wire_channel_name (c->has_channel ? (int) c->channel : 0);
    if (strncmp (identity, "channel:", 8) == 0) {
        if (channel && strcmp (identity + 8, channel) == 0)
            return 1;
        snprintf (message, sizeof message, "channel: this key files for %.80s only",
                  identity);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "channel", message);
        return 0;
    }
    const char *agent = strncmp (identity, "agent:", 6) == 0 ? identity + 6 : NULL;
    if (agent && c->has_agent && c->agent.len
        && (c->agent.len != strlen (agent) || memcmp (c->agent.data, agent, c->agent.len) != 0)) {
        snprintf (message, sizeof message, "agent: this key belongs to %.80s", identity);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "agent", message);
        return 0;
    }
    return 1;
}

//  REQUEST (holding the complaint) is taken over when the complaint goes to
//  the store: *REQUEST is then NULL. IDENTITY is whom the connection's
//  CURVE key names, NULL without CURVE.
static void
s_handle_complaint (hl_intake_t *self, const s_peer_t *peer,
                    Hotline__Envelope **request, const char *identity)
{
    const Hotline__Complaint *c = (*request)->complaint;
    ((s_peer_t *) peer)->channel = c->has_channel && hl_wire_channel_name (c->channel)
                                 ? (int) c->channel : 0;
    if (self->draining) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_SHUTTING_DOWN, NULL,
                "hotlined is shutting down; retry");
        return;
    }
    if (identity && !s_may_file (self, peer, c, identity))
        return;
    hl_complaint_verdict_t verdict;
    if (hl_complaint_check (c, self->codes, &verdict) != 0) {
        s_nack (self, peer, verdict.code, verdict.field, verdict.message);
        return;
    }
    if (!s_admit (self, peer, S_COMPLAINT))
        return;
    char actor[96];
    s_actor (c, identity, actor, sizeof actor);
    hl_store_disposition_t disposition;
    hl_intake_route_t route;
    hl_intake_disposition (self->catalogue, self->auto_dispatch, c, &disposition, &route);
    disposition.now_ms = hl_deadline_now (self->deadline);
    hl_intake_sign_deadline (self->deadline, c, &disposition);
    s_peer_t *pending = s_peer_copy (peer);
    pending->request = *request;
    pending->reply_due_ms = hl_intake_promised_reply (self->deadline, c, &disposition,
                                                      self->reply_from_dispatch);
    if (hl_store_intake (self->store, c, actor, 0, &disposition,
                         s_on_stored, pending) != 0) {
        free (pending);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                "the ticket store is not reachable; retry shortly");
        return;
    }
    *request = NULL;
    self->inflight[S_COMPLAINT]++;
}

//  ---------------------------------------------------------------------
//  Ticket queries and status

//  Fills in what only the calendar knows: for each running clock the time
//  left in the limit's own time (working time for working limits), and
//  the profile applied. DEADLINES (4 slots) hold the completed copies.
static void
s_complete_deadlines (hl_intake_t *self, Hotline__TicketView *view,
                      Hotline__Deadline *deadlines, Hotline__Deadline **ptrs)
{
    const Hotline__Complaint *c = view->complaint;
    if (!c || view->n_deadlines == 0)
        return;
    hl_deadline_facts_t facts = { .request_type = c->request_type, .urgent = c->urgent,
                                  .enterprise = c->enterprise };
    if (c->has_tag && c->tag.len)
        snprintf (facts.tag, sizeof facts.tag, "%.*s", (int) c->tag.len, c->tag.data);
    char pauses[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < view->n_pauses && used < sizeof pauses - 48; i++) {
        const Hotline__Pause *p = view->pauses[i];
        used += (size_t) snprintf (pauses + used, sizeof pauses - used, "%s%llu-", i ? "," : "",
                                   (unsigned long long) p->from_ms);
        if (p->has_to_ms)
            used += (size_t) snprintf (pauses + used, sizeof pauses - used, "%llu",
                                       (unsigned long long) p->to_ms);
    }
    int64_t now = hl_deadline_now (self->deadline);
    for (size_t i = 0; i < view->n_deadlines && i < 4; i++) {
        deadlines[i] = *view->deadlines[i];
        ptrs[i] = &deadlines[i];
        Hotline__Deadline *d = &deadlines[i];
        int m = hl_deadline_milestone_parse (d->milestone ? d->milestone : "");
        hl_sla_deadline_t sla;
        if (m < 0 || (d->status && strcmp (d->status, "met") == 0)
            || hl_deadline_compute (self->deadline, &facts, m, (int64_t) d->start_ms, pauses,
                                    m == HL_SLA_REPLY ? (int) view->extension_days : 0, &sla) != 0)
            continue;
        d->has_working_time = 1;
        d->working_time = (sla.flags & HL_SLA_WORKING) != 0;
        d->has_provisional = 1;
        d->provisional = (sla.flags & HL_CALENDAR_PROVISIONAL) != 0;
        int64_t left = hl_deadline_left (self->deadline, &sla, now);
        d->has_left_ms = left != HL_SLA_NEVER;
        d->left_ms = left;
        if (view->paused)
            d->status = "paused";
    }
    view->deadlines = ptrs;
    view->profile = (char *) hl_deadline_profile (self->deadline, &facts);
}

static void
s_on_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_peer_t *peer = arg;
    hl_intake_t *self = peer->intake;
    Hotline__TicketView copy;
    Hotline__Complaint complaint;
    char masked[HL_PRIVACY_MASKED_MAX];
    if (view) {
        copy = *view;
        if (view->complaint) {
            complaint = *view->complaint;
            copy.complaint = &complaint;
        }
        if (hl_privacy_for_reader (&copy, *peer->identity ? peer->identity : NULL,
                                   peer->revealed, masked) != 0)
            view = NULL;        //  not this reader's: as if it did not exist
    }
    if (view) {
        Hotline__Deadline deadlines[4], *ptrs[4];
        s_complete_deadlines (self, &copy, deadlines, ptrs);
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_VIEW;
        env.ticket_view = &copy;
        s_send (self, peer, &env);
    }
    else
    if (error)
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL, error);
    else
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_NOT_FOUND, "ticket", "no such ticket");
    free (peer);
    s_inflight_done (self, S_QUERY);
}

//  Staff asking for a caller's full details name why; the reason goes
//  into the history with the access.
static int
s_reveal_check (hl_intake_t *self, const s_peer_t *peer, const Hotline__TicketQuery *q,
                const char *identity, char *reason, size_t reasonlen)
{
    hl_verdict_t v = { 0 };
    if (!hl_privacy_may_reveal (identity)) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "reveal_caller",
                "reveal_caller: only hotline staff may see a caller's full details");
        return -1;
    }
    if (hl_verdict_text (&v, "reason", q->has_reason, q->reason, 1, 0, reasonlen - 1)) {
        s_nack (self, peer, v.code, v.field, v.message);
        return -1;
    }
    snprintf (reason, reasonlen, "%.*s", (int) q->reason.len, q->reason.data);
    return 0;
}

static void
s_handle_ticket_query (hl_intake_t *self, const s_peer_t *peer, const Hotline__TicketQuery *q,
                       const char *identity)
{
    char ticket[HL_STORE_TICKET_MAX], reason[256] = "";
    if (!q->has_ticket || q->ticket.len == 0) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "ticket", "ticket: required");
        return;
    }
    if (!hl_text_is_code (q->ticket.data, q->ticket.len, sizeof ticket - 1)) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "ticket",
                "ticket: not a ticket number");
        return;
    }
    int reveal = q->has_reveal_caller && q->reveal_caller;
    if (reveal && s_reveal_check (self, peer, q, identity, reason, sizeof reason) != 0)
        return;
    if (!s_admit (self, peer, S_QUERY))
        return;
    snprintf (ticket, sizeof ticket, "%.*s", (int) q->ticket.len, q->ticket.data);
    s_peer_t *pending = s_peer_copy (peer);
    snprintf (pending->identity, sizeof pending->identity, "%s", identity ? identity : "");
    pending->revealed = reveal;
    char actor[128];
    snprintf (actor, sizeof actor, "%s", identity ? identity : "staff:local");
    int rc = reveal ? hl_store_ticket_reveal (self->store, ticket, actor, reason,
                                              hl_deadline_now (self->deadline), s_on_view, pending)
                    : hl_store_ticket_get (self->store, ticket, s_on_view, pending);
    if (rc != 0) {
        free (pending);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                "the ticket store is not reachable; retry shortly");
        return;
    }
    self->inflight[S_QUERY]++;
}

static void
s_on_transition (const hl_store_transition_result_t *res, void *arg)
{
    s_peer_t *peer = arg;
    hl_intake_t *self = peer->intake;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__TransitionDone done;
    Hotline__Nack nack;
    hl_transition_answer (res, peer->ticket, &env, &done, &nack);
    s_send (self, peer, &env);
    if (res->outcome == HL_STORE_NEW) {
        hl_timers_arm (self->timers, peer->ticket, &res->sla);
        s_announce (self, "transition", peer->ticket, res->unit, res->from, res->to, 0,
                    peer->action, (int64_t) res->at_ms);
        if (self->similar && !hl_lifecycle_is_open (res->to))
            hl_similar_forget (self->similar, peer->ticket);
        if (self->metrics)
            hl_metrics_transition (self->metrics, peer->action);
    }
    if ((res->outcome == HL_STORE_NEW || res->outcome == HL_STORE_DUP)
        && res->to == HOTLINE__STATE__STATE_DISPATCHED)
        hl_broker_dispatched (self->broker, peer->ticket, res->unit, res->assist, NULL);
    free (peer);
    s_inflight_done (self, S_ACTION);
}

//  Staff act in their own name; the department actions belong to the
//  worker socket, where the actor is the worker's session.
static int
s_staff_actor (const char *actor)
{
    static const char *roles[] = { "agent:", "dispatcher:", "supervisor:" };
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen (roles[i]);
        if (strlen (actor) > n && memcmp (actor, roles[i], n) == 0)
            return 1;
    }
    return 0;
}

//  IDENTITY: whom the connection's CURVE key names (NULL without CURVE).
//  With CURVE, staff act only as their key's owner, who is also the actor
//  when the request names none.
static void
s_handle_transition (hl_intake_t *self, s_peer_t *peer, const Hotline__Transition *t,
                     const char *identity)
{
    hl_verdict_t v;
    if (hl_transition_check (t, self->catalogue, &v) != 0) {
        s_nack (self, peer, v.code, v.field, v.message);
        return;
    }
    char actor[128] = "";
    if (t->has_actor && t->actor.len)
        snprintf (actor, sizeof actor, "%.*s", (int) t->actor.len, t->actor.data);
    else
    if (identity)
        snprintf (actor, sizeof actor, "%s", identity);
    if (!s_staff_actor (actor)) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "actor",
                "actor: staff act as agent:NAME, dispatcher:NAME or supervisor:NAME; "
                "departments act through the worker queue");
        return;
    }
    if (identity && strcmp (identity, actor) != 0) {
        char message[160];
        snprintf (message, sizeof message, "actor: this key acts as %.80s", identity);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "actor", message);
        return;
    }
    if (peer->rid_len == 0) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "request_id",
                "request_id: required for actions");
        return;
    }
    if (!s_admit (self, peer, S_ACTION))
        return;
    s_peer_t *pending = s_peer_copy (peer);
    pending->action = t->action;
    snprintf (pending->ticket, sizeof pending->ticket, "%.*s", (int) t->ticket.len,
              t->ticket.data);
    if (hl_store_transition (self->store, t, actor, peer->rid, peer->rid_len,
                             (uint64_t) hl_deadline_now (self->deadline), NULL,
                             s_on_transition, pending) != 0) {
        free (pending);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                "the ticket store is not reachable; retry shortly");
        return;
    }
    self->inflight[S_ACTION]++;
}

static void
s_on_list (Hotline__TicketSummary **items, size_t n, const char *error, void *arg)
{
    s_peer_t *peer = arg;
    hl_intake_t *self = peer->intake;
    if (error)
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL, error);
    else {
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        Hotline__TicketList list = HOTLINE__TICKET_LIST__INIT;
        list.n_tickets = n;
        list.tickets = items;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST;
        env.ticket_list = &list;
        s_send (self, peer, &env);
    }
    free (peer);
    s_inflight_done (self, S_QUERY);
}

//  Lists by caller (an agent's "previous tickets"), by unit or by state.
static void
s_handle_list (hl_intake_t *self, const s_peer_t *peer, const Hotline__TicketListQuery *q)
{
    char key[HL_COMPLAINT_PHONE_MAX + HL_STORE_UNIT_MAX];
    const char *index = "state";
    const char *state = q->has_state ? hl_wire_state_name (q->state) : "";
    unsigned limit = q->has_limit && q->limit ? (q->limit > 500 ? 500 : q->limit) : 50;
    hl_verdict_t v = { 0 };
    if (!state) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "state", "state: unknown value");
        return;
    }
    if (q->has_caller_phone && q->caller_phone.len) {
        index = "caller";
        if (q->caller_phone.len > 64
            || hl_complaint_normalise_phone (q->caller_phone.data, q->caller_phone.len, key) < 0) {
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "caller_phone",
                    "caller_phone: not a phone number");
            return;
        }
    }
    else
    if (q->has_unit && q->unit.len) {
        index = "unit";
        if (hl_verdict_code (&v, "unit", 1, q->unit, HL_STORE_UNIT_MAX - 1)) {
            s_nack (self, peer, v.code, v.field, v.message);
            return;
        }
        snprintf (key, sizeof key, "%.*s", (int) q->unit.len, q->unit.data);
    }
    else
    if (*state) {
        snprintf (key, sizeof key, "%s", state);
        state = "";
    }
    else {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "caller_phone",
                "list by caller_phone, unit or state");
        return;
    }
    if (!s_admit (self, peer, S_QUERY))
        return;
    s_peer_t *pending = s_peer_copy (peer);
    if (hl_store_ticket_list (self->store, index, key, state, limit, s_on_list, pending) != 0) {
        free (pending);
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                "the ticket store is not reachable; retry shortly");
        return;
    }
    self->inflight[S_QUERY]++;
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
    st.inflight = (uint32_t) s_inflight_total (self);
    st.has_uptime_ms = 1;
    st.uptime_ms = (uint64_t) (hl_monotonic_us () - self->started_us) / 1000;
    st.has_accepted = 1;
    st.accepted = self->accepted;
    st.has_rejected = 1;
    st.rejected = self->rejected;
    st.ack = self->ack;
    env.body_case = HOTLINE__ENVELOPE__BODY_STATUS;
    env.status = &st;
    s_send (self, peer, &env);
}

//  Knowledge-base answers: the hits as the agent's screen shows them.
static void
s_on_kb (const hl_kb_results_t *results, const char *error, void *arg)
{
    s_peer_t *peer = arg;
    hl_intake_t *self = peer->intake;
    if (!results)
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                error ? error : "the knowledge base did not answer");
    else {
        size_t n = hl_kb_results_size (results);
        Hotline__KbHit *hits = calloc (n + 1, sizeof *hits);
        Hotline__KbHit **ptrs = calloc (n + 1, sizeof *ptrs);
        ProtobufCBinaryData *cats = calloc (n + 1, sizeof *cats);
        if (!hits || !ptrs || !cats)
            abort ();
        for (size_t i = 0; i < n; i++) {
            const hl_kb_hit_t *h = hl_kb_results_hit (results, i);
            hotline__kb_hit__init (&hits[i]);
            hits[i].has_id = 1, hits[i].id = hl_wire_bytes (h->id);
            hits[i].has_title = 1, hits[i].title = hl_wire_bytes (h->title);
            hits[i].has_unit = 1, hits[i].unit = hl_wire_bytes (h->unit ? h->unit : "");
            hits[i].has_snippet = 1, hits[i].snippet = hl_wire_bytes (h->snippet ? h->snippet : "");
            hits[i].has_answer = 1, hits[i].answer = hl_wire_bytes (h->body ? h->body : "");
            hits[i].has_weight = 1, hits[i].weight = h->weight;
            cats[i] = hl_wire_bytes (h->categories ? h->categories : "");
            hits[i].n_categories = cats[i].len ? 1 : 0;
            hits[i].categories = &cats[i];
            ptrs[i] = &hits[i];
        }
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        Hotline__KbResults kr = HOTLINE__KB_RESULTS__INIT;
        kr.n_hits = n;
        kr.hits = ptrs;
        kr.has_took_us = 1;
        kr.took_us = (uint32_t) (hl_monotonic_us () - peer->received_us);
        env.body_case = HOTLINE__ENVELOPE__BODY_KB_RESULTS;
        env.kb_results = &kr;
        s_send (self, peer, &env);
        free (cats);
        free (ptrs);
        free (hits);
    }
    free (peer);
    s_inflight_done (self, S_QUERY);
}

static void
s_handle_kb (hl_intake_t *self, const s_peer_t *peer, const Hotline__KbQuery *q)
{
    hl_verdict_t v = { 0 };
    if (!self->kb) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                "this hotlined has no knowledge base (kb_db)");
        return;
    }
    if (hl_verdict_text (&v, "query", q->has_query, q->query, 1, 0, HL_KBSERVE_QUERY_MAX)
        || (q->has_unit && q->unit.len && hl_verdict_code (&v, "unit", 1, q->unit, 63))
        || (q->has_category && q->category.len
            && hl_verdict_code (&v, "category", 1, q->category, 63))) {
        s_nack (self, peer, v.code, v.field, v.message);
        return;
    }
    if (!s_admit (self, peer, S_QUERY))
        return;
    char *query = hl_wire_strdup (q->query);
    char *unit = q->has_unit && q->unit.len ? hl_wire_strdup (q->unit) : NULL;
    char *category = q->has_category && q->category.len ? hl_wire_strdup (q->category) : NULL;
    hl_kb_query_t filters = { .unit = unit, .category = category,
                              .now = hl_deadline_now (self->deadline) / 1000,
                              .limit = q->has_limit && q->limit ? (q->limit > 50 ? 50 : q->limit) : 10 };
    s_peer_t *pending = s_peer_copy (peer);
    int rc = hl_kbserve_search (self->kb, query, &filters, s_on_kb, pending);
    free (query);
    free (unit);
    free (category);
    if (rc != 0) {
        free (pending);
        s_nack (self, peer, rc == HL_KBSERVE_FULL ? HOTLINE__ERROR_CODE__ERROR_OVERLOADED
                                                  : HOTLINE__ERROR_CODE__ERROR_BAD_VALUE,
                "query", hl_kbserve_strerror (rc));
        return;
    }
    self->inflight[S_QUERY]++;
}

static void
s_on_similar (const hl_kb_similar_t *results, const char *error, void *arg)
{
    s_peer_t *peer = arg;
    hl_intake_t *self = peer->intake;
    if (!results)
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                error ? error : "the ticket index did not answer");
    else {
        size_t n = hl_kb_similar_size (results);
        Hotline__TicketSummary *items = calloc (n + 1, sizeof *items);
        Hotline__TicketSummary **ptrs = calloc (n + 1, sizeof *ptrs);
        if (!items || !ptrs)
            abort ();
        for (size_t i = 0; i < n; i++) {
            const hl_kb_similar_hit_t *h = hl_kb_similar_hit (results, i);
            hotline__ticket_summary__init (&items[i]);
            items[i].ticket = (char *) h->ticket;
            items[i].has_created_ms = 1, items[i].created_ms = (uint64_t) h->created_ms;
            items[i].has_area = 1, items[i].area = hl_wire_bytes (h->area);
            items[i].has_category = 1, items[i].category = hl_wire_bytes (h->category);
            items[i].has_excerpt = 1, items[i].excerpt = hl_wire_bytes (h->excerpt);
            ptrs[i] = &items[i];
        }
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        Hotline__SimilarResults sr = HOTLINE__SIMILAR_RESULTS__INIT;
        sr.n_tickets = n;
        sr.tickets = ptrs;
        env.body_case = HOTLINE__ENVELOPE__BODY_SIMILAR_RESULTS;
        env.similar_results = &sr;
        s_send (self, peer, &env);
        free (ptrs);
        free (items);
    }
    free (peer);
    s_inflight_done (self, S_QUERY);
}

static void
s_handle_similar (hl_intake_t *self, const s_peer_t *peer, const Hotline__SimilarQuery *q)
{
    hl_verdict_t v = { 0 };
    if (!self->similar) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                "this hotlined has no ticket index (tickets_db)");
        return;
    }
    int by_ticket = q->has_ticket && q->ticket.len;
    if ((by_ticket && hl_verdict_code (&v, "ticket", 1, q->ticket, HL_STORE_TICKET_MAX - 1))
        || (!by_ticket && hl_verdict_text (&v, "text", q->has_text, q->text, 1, 1,
                                           HL_SIMILAR_TEXT_MAX))
        || hl_verdict_code (&v, "area", q->has_area, q->area, 31)
        || (q->has_category && q->category.len
            && hl_verdict_code (&v, "category", 1, q->category, 31))) {
        s_nack (self, peer, v.code, v.field, v.message);
        return;
    }
    if (!s_admit (self, peer, S_QUERY))
        return;
    char *ticket = by_ticket ? hl_wire_strdup (q->ticket) : NULL;
    char *text = by_ticket ? NULL : hl_wire_strdup (q->text);
    char *area = hl_wire_strdup (q->area);
    char *category = q->has_category && q->category.len ? hl_wire_strdup (q->category) : NULL;
    int days = q->has_days && q->days ? (int) (q->days > 365 ? 365 : q->days) : 7;
    int64_t since = hl_deadline_now (self->deadline) - (int64_t) days * 86400000;
    s_peer_t *pending = s_peer_copy (peer);
    int rc = hl_similar_find (self->similar, ticket, text, area, category, since,
                              q->has_limit && q->limit ? (q->limit > 50 ? 50 : q->limit) : 10,
                              s_on_similar, pending);
    free (ticket);
    free (text);
    free (area);
    free (category);
    if (rc != 0) {
        free (pending);
        s_nack (self, peer, rc == HL_SIMILAR_FULL ? HOTLINE__ERROR_CODE__ERROR_OVERLOADED
                                                  : HOTLINE__ERROR_CODE__ERROR_BAD_VALUE,
                NULL, hl_similar_strerror (rc));
        return;
    }
    self->inflight[S_QUERY]++;
}

//  Tests only: a daemon started on a manual clock may be told the time;
//  due reminders then fire at once. A real clock refuses.
static void
s_handle_clock (hl_intake_t *self, const s_peer_t *peer, const Hotline__ClockSet *c)
{
    if (!hl_deadline_clock_is_manual (self->deadline) || !c->has_now_ms) {
        s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, NULL,
                "the clock can be set only on a daemon started with test_clock_ms");
        return;
    }
    hl_deadline_clock_set (self->deadline, (int64_t) c->now_ms);
    hl_timers_kick (self->timers);
    s_handle_status (self, peer);
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

//  Handles one request from IDENTITY (see s_on_message). A complaint sent
//  on to the store keeps its envelope, so *ENV_P is NULL afterwards;
//  anything else leaves it to the caller.
static void
s_handle_envelope (hl_intake_t *self, s_peer_t *peer, Hotline__Envelope **env_p,
                   const char *identity)
{
    Hotline__Envelope *env = *env_p;
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
            s_handle_complaint (self, peer, env_p, identity);
            break;
        case HOTLINE__ENVELOPE__BODY_TICKET_QUERY:
            s_handle_ticket_query (self, peer, env->ticket_query, identity);
            break;
        case HOTLINE__ENVELOPE__BODY_STATUS_QUERY:
            s_handle_status (self, peer);
            break;
        case HOTLINE__ENVELOPE__BODY_CLOCK_SET:
            s_handle_clock (self, peer, env->clock_set);
            break;
        case HOTLINE__ENVELOPE__BODY_KB_QUERY:
            s_handle_kb (self, peer, env->kb_query);
            break;
        case HOTLINE__ENVELOPE__BODY_SIMILAR_QUERY:
            s_handle_similar (self, peer, env->similar_query);
            break;
        case HOTLINE__ENVELOPE__BODY_TRANSITION:
            s_handle_transition (self, peer, env->transition, identity);
            break;
        case HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY:
            if (hl_privacy_may_list (identity))
                s_handle_list (self, peer, env->ticket_list_query);
            else
                s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, NULL,
                        "a channel gateway reads its tickets by number; lists are for staff");
            break;
        default:
            s_nack (self, peer, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                    "this socket takes complaint, ticket_query, ticket_list_query, "
                    "transition and status_query requests");
    }
}

static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) zsock;
    hl_intake_t *self = arg;
    s_peer_t peer = { .intake = self, .received_us = hl_monotonic_us () };
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
    //  With CURVE, the handler admitted only listed keys, and named each
    //  connection after its key's owner.
    const char *identity = self->curve ? zmq_msg_gets (payload, "User-Id") : NULL;
    if (self->curve && (!identity || !*identity)) {
        s_nack (self, &peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, NULL,
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
    self->store = store;
    self->codes = codes;
    self->catalogue = catalogue;
    self->broker = broker;
    self->auto_dispatch = (int) cfg->auto_dispatch;
    self->reply_from_dispatch = strcmp (cfg->reply_clock_start, "dispatch") == 0;
    if (cfg->repeat_window_h > 0)
        self->repeat = hl_repeat_new (store, cfg->repeat_window_h * 3600 * INT64_C (1000));
    self->curve = *cfg->intake_key_file != 0;
    snprintf (self->instance, sizeof self->instance, "%s", cfg->instance);
    self->max_message = (size_t) cfg->max_message_bytes;
    if (strcmp (cfg->ack, "replicated") == 0)
        snprintf (self->ack, sizeof self->ack, "replicated %ld", cfg->ack_replicas);
    else
        snprintf (self->ack, sizeof self->ack, "local");
    self->max_inflight[S_COMPLAINT] = (size_t) cfg->max_inflight;
    self->max_inflight[S_ACTION] = (size_t) cfg->max_actions_inflight;
    self->max_inflight[S_QUERY] = (size_t) cfg->max_queries_inflight;
    self->deadline = deadline;
    self->timers = timers;
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
    hl_repeat_destroy (&self->repeat);
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
    self->kb = kb;
    self->similar = similar;
}

void
hl_intake_set_observers (hl_intake_t *self, hl_feed_t *feed, hl_metrics_t *metrics)
{
    self->feed = feed;
    self->metrics = metrics;
}

void
hl_intake_set_catalogue (hl_intake_t *self, const hl_catalogue_t *catalogue)
{
    self->catalogue = catalogue;
}

void
hl_intake_drain (hl_intake_t *self, void (*done) (void *arg), void *arg)
{
    self->draining = 1;
    self->drained = done;
    self->drained_arg = arg;
    if (s_inflight_total (self) == 0) {
        self->drained = NULL;
        done (arg);
    }
}

size_t
hl_intake_inflight (const hl_intake_t *self)
{
    return s_inflight_total (self);
}
