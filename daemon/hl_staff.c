/*  hl_staff: staff actions and queries. See hl_staff.h. */
#include "hl_staff.h"
#include "hl_slotlink.h"
#include "hl_archiver.h"
#include "hl_outbox.h"
#include "hl_complaint.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_privacy.h"
#include "hl_text.h"
#include "hl_transition.h"
#include "hl_verdict.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_staff {
    hl_reply_t *reply;
    hl_store_t *store;
    const hl_catalogue_t *catalogue;
    hl_broker_t *broker;
    hl_deadline_t *deadline;       //  clock and SLA arithmetic
    hl_timers_t *timers;
    hl_kbserve_t *kb;              //  knowledge-base searches (may be NULL)
    hl_similar_t *similar;         //  similar tickets (may be NULL)
    hl_tickets_t *tickets;         //  applies actions, with their effects
    hl_metrics_t *metrics;         //  counters for /metrics (may be NULL)
    const hl_outbox_t *outbox;     //  its groups' backlogs, for status (may be NULL)
    const hl_archiver_t *archiver; //  the archive's state, for status (NULL: none)
    const hl_visitlink_t *visitlink;   //  callers' online 回访 links (may be NULL)
    char instance[64];
    char ack[32];                  //  the acknowledgement mode, for status
    int64_t started_us;
};

//  Fills in what only the calendar knows: for each running clock the time
//  left in the limit's own time (working time for working limits), and
//  the profile applied. DEADLINES (4 slots) hold the completed copies.
static void
s_complete_deadlines (hl_staff_t *self, Hotline__TicketView *view,
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
    hl_peer_t *peer = arg;
    hl_staff_t *self = peer->owner;
    Hotline__TicketView copy;
    Hotline__Complaint complaint;
    char masked[HL_PRIVACY_MASKED_MAX], link[HL_VISITLINK_MAX];
    const char *identity = *peer->identity ? peer->identity : NULL;
    if (view) {
        copy = *view;
        if (view->complaint) {
            complaint = *view->complaint;
            copy.complaint = &complaint;
        }
        if (hl_privacy_for_reader (&copy, identity, peer->revealed, masked) != 0)
            view = NULL;        //  not this reader's: as if it did not exist
        else
        if (hl_privacy_may_reveal (identity)
            && hl_visitlink_link (self->visitlink, &copy, link) == 0)
            copy.visit_link = link;     //  staff pass it on to the caller
    }
    if (view) {
        Hotline__Deadline deadlines[4], *ptrs[4];
        s_complete_deadlines (self, &copy, deadlines, ptrs);
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_VIEW;
        env.ticket_view = &copy;
        hl_reply_send (self->reply, peer, &env);
    }
    else
    if (error)
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL, error);
    else
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_NOT_FOUND, "ticket",
                       "no such ticket");
    hl_reply_done (self->reply, peer, HL_REPLY_QUERY);
}

//  Staff asking for a caller's full details name why; the reason goes
//  into the history with the access.
static int
s_reveal_check (hl_staff_t *self, const hl_peer_t *peer, const Hotline__TicketQuery *q,
                const char *identity, char *reason, size_t reasonlen)
{
    hl_verdict_t v = { 0 };
    if (!hl_privacy_may_reveal (identity)) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "reveal_caller",
                       "reveal_caller: only hotline staff may see a caller's full details");
        return -1;
    }
    if (hl_verdict_text (&v, "reason", q->has_reason, q->reason, 1, 0, reasonlen - 1)) {
        hl_reply_nack (self->reply, peer, v.code, v.field, v.message);
        return -1;
    }
    snprintf (reason, reasonlen, "%.*s", (int) q->reason.len, q->reason.data);
    return 0;
}

static void
s_handle_ticket_query (hl_staff_t *self, const hl_peer_t *peer, const Hotline__TicketQuery *q,
                       const char *identity)
{
    char ticket[HL_STORE_TICKET_MAX], reason[256] = "";
    if (!q->has_ticket || q->ticket.len == 0) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "ticket",
                       "ticket: required");
        return;
    }
    if (!hl_text_is_code (q->ticket.data, q->ticket.len, sizeof ticket - 1)) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "ticket",
                       "ticket: not a ticket number");
        return;
    }
    int reveal = q->has_reveal_caller && q->reveal_caller;
    if (reveal && s_reveal_check (self, peer, q, identity, reason, sizeof reason) != 0)
        return;
    if (!hl_reply_admit (self->reply, peer, HL_REPLY_QUERY))
        return;
    snprintf (ticket, sizeof ticket, "%.*s", (int) q->ticket.len, q->ticket.data);
    hl_peer_t *pending = hl_peer_copy (peer);
    snprintf (pending->identity, sizeof pending->identity, "%s", identity ? identity : "");
    pending->revealed = reveal;
    char actor[128];
    snprintf (actor, sizeof actor, "%s", identity ? identity : "staff:local");
    int rc = reveal ? hl_store_ticket_reveal (self->store, ticket, actor, reason,
                                              hl_deadline_now (self->deadline), s_on_view, pending)
                    : hl_tickets_get (self->tickets, ticket, s_on_view, pending);
    if (rc != 0) {
        free (pending);
        hl_reply_store_unreachable (self->reply, peer);
        return;
    }
    hl_reply_started (self->reply, HL_REPLY_QUERY);
}

static void
s_on_transition (const hl_store_transition_result_t *res, void *arg)
{
    hl_peer_t *peer = arg;
    hl_staff_t *self = peer->owner;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__TransitionDone done;
    Hotline__Nack nack;
    hl_transition_answer (res, peer->ticket, &env, &done, &nack);
    hl_reply_send (self->reply, peer, &env);
    hl_reply_done (self->reply, peer, HL_REPLY_ACTION);
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

//  What every staff action starts with: a request id (a retry must find
//  the first result), room among the actions in flight, and the copy of
//  PEER that waits for the store. NULL if refused (PEER is answered).
static hl_peer_t *
s_action_begin (hl_staff_t *self, const hl_peer_t *peer, const Hotline__Transition *t)
{
    if (peer->rid_len == 0) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "request_id",
                       "request_id: required for actions");
        return NULL;
    }
    if (!hl_reply_admit (self->reply, peer, HL_REPLY_ACTION))
        return NULL;
    hl_peer_t *pending = hl_peer_copy (peer);
    pending->action = t->action;
    snprintf (pending->ticket, sizeof pending->ticket, "%.*s", (int) t->ticket.len,
              t->ticket.data);
    return pending;
}

//  ---------------------------------------------------------------------
//  A visit by the caller's online link (hl_visitlink). The token, not the
//  sender, is the authority: the gateway that relays it holds a channel's
//  key, which may take no staff action. hotlined reads the ticket, checks
//  the token against its latest reply, and applies the visit itself as
//  S_VISIT_ACTOR, via web, through the same rules as a phone visit. The
//  state is left to the rules: a used link meets a ticket no longer
//  awaiting a visit, and a resend of the same request gets its first
//  answer.

#define S_VISIT_ACTOR "system:visit-link"
#define S_STATUS_MASTERS 64      //  masters status lists at most

typedef struct {
    hl_peer_t *peer;
    Hotline__Transition *t;      //  a copy, kept across the read
} s_web_visit_t;

static void
s_on_web_visit_done (const hl_store_transition_result_t *res, void *arg)
{
    hl_store_transition_result_t r = *res;
    if (r.outcome == HL_STORE_REFUSED && r.code == HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION)
        snprintf (r.error, sizeof r.error, "visit_token: the ticket is not awaiting a visit "
                  "(the link was used already)");
    s_on_transition (&r, arg);
}

static void
s_on_web_visit_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_web_visit_t *w = arg;
    hl_peer_t *peer = w->peer;
    hl_staff_t *self = peer->owner;
    hl_verdict_t v = { 0 };
    int answered = 1;
    if (!view && error)
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL, error);
    else
    if (!view)
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "visit_token",
                       "visit_token: not a valid link for this ticket");
    else
    if (hl_visitlink_check (self->visitlink, view, w->t->visit_token, &v) != 0)
        hl_reply_nack (self->reply, peer, v.code, v.field, v.message);
    else
    if (hl_tickets_transition (self->tickets, w->t, S_VISIT_ACTOR, peer->rid, peer->rid_len,
                               (uint64_t) hl_deadline_now (self->deadline), NULL,
                               s_on_web_visit_done, peer) != 0)
        hl_reply_store_unreachable (self->reply, peer);
    else
        answered = 0;
    if (answered)
        hl_reply_done (self->reply, peer, HL_REPLY_ACTION);
    hotline__transition__free_unpacked (w->t, NULL);
    free (w);
}

static void
s_handle_web_visit (hl_staff_t *self, hl_peer_t *peer, const Hotline__Transition *t)
{
    if (t->action != HOTLINE__ACTION__ACTION_VISIT
        || (t->has_via && t->via != HOTLINE__VIA__VIA_WEB)) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "visit_token",
                       "visit_token: only for action visit, via web");
        return;
    }
    hl_peer_t *pending = s_action_begin (self, peer, t);
    if (!pending)
        return;
    s_web_visit_t *w = calloc (1, sizeof *w);
    if (!w)
        abort ();
    w->peer = pending;
    w->t = hl_wire_copy (&t->base);
    w->t->has_via = 1;
    w->t->via = HOTLINE__VIA__VIA_WEB;
    w->t->has_actor = 0;
    if (hl_store_ticket_get (self->store, w->peer->ticket, s_on_web_visit_view, w) != 0) {
        hl_reply_store_unreachable (self->reply, peer);
        hotline__transition__free_unpacked (w->t, NULL);
        free (w->peer);
        free (w);
        return;
    }
    hl_reply_started (self->reply, HL_REPLY_ACTION);
}

//  IDENTITY: whom the connection's CURVE key names (NULL without CURVE).
//  With CURVE, staff act only as their key's owner, who is also the actor
//  when the request names none.
static void
s_handle_transition (hl_staff_t *self, hl_peer_t *peer, const Hotline__Transition *t,
                     const char *identity)
{
    hl_verdict_t v;
    if (hl_transition_check (t, self->catalogue, &v) != 0) {
        hl_reply_nack (self->reply, peer, v.code, v.field, v.message);
        return;
    }
    if (t->has_visit_token) {
        s_handle_web_visit (self, peer, t);
        return;
    }
    char actor[128] = "";
    if (t->has_actor && t->actor.len)
        snprintf (actor, sizeof actor, "%.*s", (int) t->actor.len, t->actor.data);
    else
    if (identity)
        snprintf (actor, sizeof actor, "%s", identity);
    if (!s_staff_actor (actor)) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "actor",
                       "actor: staff act as agent:NAME, dispatcher:NAME or supervisor:NAME; "
                       "departments act through the worker queue");
        return;
    }
    if (identity && strcmp (identity, actor) != 0) {
        char message[160];
        snprintf (message, sizeof message, "actor: this key acts as %.80s", identity);
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "actor", message);
        return;
    }
    hl_peer_t *pending = s_action_begin (self, peer, t);
    if (!pending)
        return;
    if (hl_tickets_transition (self->tickets, t, actor, peer->rid, peer->rid_len,
                               (uint64_t) hl_deadline_now (self->deadline), NULL,
                               s_on_transition, pending) != 0) {
        free (pending);
        hl_reply_store_unreachable (self->reply, peer);
        return;
    }
    hl_reply_started (self->reply, HL_REPLY_ACTION);
}

static void
s_on_list (Hotline__TicketSummary **items, size_t n, int archive_unavailable, const char *error,
           void *arg)
{
    hl_peer_t *peer = arg;
    hl_staff_t *self = peer->owner;
    if (error)
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL, error);
    else {
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        Hotline__TicketList list = HOTLINE__TICKET_LIST__INIT;
        list.n_tickets = n;
        list.tickets = items;
        list.has_archive_unavailable = archive_unavailable;
        list.archive_unavailable = archive_unavailable;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST;
        env.ticket_list = &list;
        hl_reply_send (self->reply, peer, &env);
    }
    hl_reply_done (self->reply, peer, HL_REPLY_QUERY);
}

//  Lists by caller (an agent's "previous tickets"), by unit or by state,
//  archived tickets included (hl_tickets_list).
static void
s_handle_list (hl_staff_t *self, const hl_peer_t *peer, const Hotline__TicketListQuery *q)
{
    char key[HL_COMPLAINT_PHONE_MAX + HL_STORE_UNIT_MAX];
    const char *index = "state";
    const char *state = q->has_state ? hl_wire_state_name (q->state) : "";
    unsigned limit = q->has_limit && q->limit ? (q->limit > 500 ? 500 : q->limit) : 50;
    hl_verdict_t v = { 0 };
    if (!state) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "state",
                       "state: unknown value");
        return;
    }
    if (q->has_caller_phone && q->caller_phone.len) {
        index = "caller";
        if (q->caller_phone.len > 64
            || hl_complaint_normalise_phone (q->caller_phone.data, q->caller_phone.len, key) < 0) {
            hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "caller_phone",
                           "caller_phone: not a phone number");
            return;
        }
    }
    else
    if (q->has_unit && q->unit.len) {
        index = "unit";
        if (hl_verdict_code (&v, "unit", 1, q->unit, HL_STORE_UNIT_MAX - 1)) {
            hl_reply_nack (self->reply, peer, v.code, v.field, v.message);
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
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "caller_phone",
                       "list by caller_phone, unit or state");
        return;
    }
    if (!hl_reply_admit (self->reply, peer, HL_REPLY_QUERY))
        return;
    hl_peer_t *pending = hl_peer_copy (peer);
    if (hl_tickets_list (self->tickets, index, key, state, limit, s_on_list, pending) != 0) {
        free (pending);
        hl_reply_store_unreachable (self->reply, peer);
        return;
    }
    hl_reply_started (self->reply, HL_REPLY_QUERY);
}

static void
s_handle_status (hl_staff_t *self, const hl_peer_t *peer)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Status st = HOTLINE__STATUS__INIT;
    st.version = (char *) HL_VERSION;
    st.instance = self->instance;
    st.has_store_up = 1;
    st.store_up = hl_store_is_ready (self->store);
    st.has_inflight = 1;
    st.inflight = (uint32_t) hl_reply_inflight (self->reply);
    st.has_uptime_ms = 1;
    st.uptime_ms = (uint64_t) (hl_monotonic_us () - self->started_us) / 1000;
    st.has_accepted = 1;
    st.accepted = hl_reply_accepted_count (self->reply);
    st.has_rejected = 1;
    st.rejected = hl_reply_rejected_count (self->reply);
    st.ack = self->ack;
    st.archive = !self->archiver ? "off"
               : hl_archiver_ready (self->archiver) ? "ready" : "unavailable";
    //  What waits in the outboxes, per group: with PostgreSQL away, the
    //  archive's backlog grows here (and on /metrics) while intake goes on.
    size_t n = self->outbox ? hl_outbox_groups () : 0;
    Hotline__OutboxBacklog rows[8], *ptrs[8];
    for (size_t i = 0; i < n && i < 8; i++) {
        hl_outbox_figures_t f;
        hl_outbox_figures (self->outbox, i, &f);
        hotline__outbox_backlog__init (&rows[i]);
        rows[i].group = (char *) hl_outbox_group (i);
        rows[i].has_backlog = rows[i].has_lag_ms = 1;
        rows[i].backlog = f.backlog;
        rows[i].lag_ms = f.lag_ms;
        ptrs[i] = &rows[i];
    }
    st.n_outbox = n < 8 ? n : 8;
    st.outbox = ptrs;
    //  The store's masters: on a cluster, which of them serve (a master
    //  down refuses its slots' calls, the others go on).
    const char *addresses[S_STATUS_MASTERS];
    int up[S_STATUS_MASTERS];
    char lines[S_STATUS_MASTERS][96], *masters[S_STATUS_MASTERS];
    st.n_masters = hl_store_masters (self->store, addresses, up, S_STATUS_MASTERS);
    for (size_t i = 0; i < st.n_masters; i++) {
        snprintf (lines[i], sizeof lines[i], "%s %s", addresses[i], up[i] ? "up" : "down");
        masters[i] = lines[i];
    }
    st.masters = masters;
    int shared = hl_slotlink_shared (self->store);
    st.store = shared < 0 ? NULL : shared ? "standalone" : "cluster";
    env.body_case = HOTLINE__ENVELOPE__BODY_STATUS;
    env.status = &st;
    hl_reply_send (self->reply, peer, &env);
}

//  Knowledge-base answers: the hits as the agent's screen shows them.
static void
s_on_kb (const hl_kb_results_t *results, const char *error, void *arg)
{
    hl_peer_t *peer = arg;
    hl_staff_t *self = peer->owner;
    if (!results)
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
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
        hl_reply_send (self->reply, peer, &env);
        free (cats);
        free (ptrs);
        free (hits);
    }
    hl_reply_done (self->reply, peer, HL_REPLY_QUERY);
}

static void
s_handle_kb (hl_staff_t *self, const hl_peer_t *peer, const Hotline__KbQuery *q)
{
    hl_verdict_t v = { 0 };
    if (!self->kb) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                       "this hotlined has no knowledge base (kb_db)");
        return;
    }
    if (hl_verdict_text (&v, "query", q->has_query, q->query, 1, 0, HL_KBSERVE_QUERY_MAX)
        || (q->has_unit && q->unit.len && hl_verdict_code (&v, "unit", 1, q->unit, 63))
        || (q->has_category && q->category.len
            && hl_verdict_code (&v, "category", 1, q->category, 63))) {
        hl_reply_nack (self->reply, peer, v.code, v.field, v.message);
        return;
    }
    if (!hl_reply_admit (self->reply, peer, HL_REPLY_QUERY))
        return;
    char *query = hl_wire_strdup (q->query);
    char *unit = q->has_unit && q->unit.len ? hl_wire_strdup (q->unit) : NULL;
    char *category = q->has_category && q->category.len ? hl_wire_strdup (q->category) : NULL;
    hl_kb_query_t filters = { .unit = unit, .category = category,
                              .now = hl_deadline_now (self->deadline) / 1000,
                              .limit = q->has_limit && q->limit ? (q->limit > 50 ? 50 : q->limit) : 10 };
    hl_peer_t *pending = hl_peer_copy (peer);
    int rc = hl_kbserve_search (self->kb, query, &filters, s_on_kb, pending);
    free (query);
    free (unit);
    free (category);
    if (rc != 0) {
        free (pending);
        hl_reply_nack (self->reply, peer,
                       rc == HL_KBSERVE_FULL ? HOTLINE__ERROR_CODE__ERROR_OVERLOADED
                                             : HOTLINE__ERROR_CODE__ERROR_BAD_VALUE,
                       "query", hl_kbserve_strerror (rc));
        return;
    }
    hl_reply_started (self->reply, HL_REPLY_QUERY);
}

static void
s_on_similar (const hl_kb_similar_t *results, const char *error, void *arg)
{
    hl_peer_t *peer = arg;
    hl_staff_t *self = peer->owner;
    if (!results)
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
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
        hl_reply_send (self->reply, peer, &env);
        free (ptrs);
        free (items);
    }
    hl_reply_done (self->reply, peer, HL_REPLY_QUERY);
}

static void
s_handle_similar (hl_staff_t *self, const hl_peer_t *peer, const Hotline__SimilarQuery *q)
{
    hl_verdict_t v = { 0 };
    if (!self->similar) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
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
        hl_reply_nack (self->reply, peer, v.code, v.field, v.message);
        return;
    }
    if (!hl_reply_admit (self->reply, peer, HL_REPLY_QUERY))
        return;
    char *ticket = by_ticket ? hl_wire_strdup (q->ticket) : NULL;
    char *text = by_ticket ? NULL : hl_wire_strdup (q->text);
    char *area = hl_wire_strdup (q->area);
    char *category = q->has_category && q->category.len ? hl_wire_strdup (q->category) : NULL;
    int days = q->has_days && q->days ? (int) (q->days > 365 ? 365 : q->days) : 7;
    int64_t since = hl_deadline_now (self->deadline) - (int64_t) days * 86400000;
    hl_peer_t *pending = hl_peer_copy (peer);
    int rc = hl_similar_find (self->similar, ticket, text, area, category, since,
                              q->has_limit && q->limit ? (q->limit > 50 ? 50 : q->limit) : 10,
                              s_on_similar, pending);
    free (ticket);
    free (text);
    free (area);
    free (category);
    if (rc != 0) {
        free (pending);
        hl_reply_nack (self->reply, peer,
                       rc == HL_SIMILAR_FULL ? HOTLINE__ERROR_CODE__ERROR_OVERLOADED
                                             : HOTLINE__ERROR_CODE__ERROR_BAD_VALUE,
                       NULL, hl_similar_strerror (rc));
        return;
    }
    hl_reply_started (self->reply, HL_REPLY_QUERY);
}

//  Tests only: a daemon started on a manual clock may be told the time;
//  due reminders then fire at once. A real clock refuses.
static void
s_handle_clock (hl_staff_t *self, const hl_peer_t *peer, const Hotline__ClockSet *c)
{
    if (!hl_deadline_clock_is_manual (self->deadline) || !c->has_now_ms) {
        hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, NULL,
                       "the clock can be set only on a daemon started with test_clock_ms");
        return;
    }
    hl_deadline_clock_set (self->deadline, (int64_t) c->now_ms);
    hl_timers_kick (self->timers);
    s_handle_status (self, peer);
}

//  ---------------------------------------------------------------------
//  Life cycle

hl_staff_t *
hl_staff_new (const hl_config_t *cfg, hl_reply_t *reply, hl_store_t *store,
              const hl_catalogue_t *catalogue, hl_broker_t *broker,
              hl_deadline_t *deadline, hl_timers_t *timers)
{
    assert (cfg && reply && store);
    hl_staff_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->reply = reply;
    self->store = store;
    self->catalogue = catalogue;
    self->broker = broker;
    self->deadline = deadline;
    self->timers = timers;
    snprintf (self->instance, sizeof self->instance, "%s", cfg->instance);
    if (strcmp (cfg->ack, "replicated") == 0)
        snprintf (self->ack, sizeof self->ack, "replicated %ld", cfg->ack_replicas);
    else
        snprintf (self->ack, sizeof self->ack, "local");
    self->started_us = hl_monotonic_us ();
    return self;
}

void
hl_staff_destroy (hl_staff_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

void
hl_staff_set_catalogue (hl_staff_t *self, const hl_catalogue_t *catalogue)
{
    self->catalogue = catalogue;
}

void
hl_staff_set_tickets (hl_staff_t *self, hl_tickets_t *tickets)
{
    self->tickets = tickets;
}

void
hl_staff_set_kb (hl_staff_t *self, hl_kbserve_t *kb, hl_similar_t *similar)
{
    self->kb = kb;
    self->similar = similar;
}

void
hl_staff_set_visitlink (hl_staff_t *self, const hl_visitlink_t *visitlink)
{
    self->visitlink = visitlink;
}

void
hl_staff_set_metrics (hl_staff_t *self, hl_metrics_t *metrics)
{
    self->metrics = metrics;
}

void
hl_staff_set_outbox (hl_staff_t *self, const hl_outbox_t *outbox, const hl_archiver_t *archiver)
{
    self->outbox = outbox;
    self->archiver = archiver;
}

int
hl_staff_handle (hl_staff_t *self, hl_peer_t *peer, const Hotline__Envelope *env,
                 const char *identity)
{
    peer->owner = self;
    switch (env->body_case) {
        case HOTLINE__ENVELOPE__BODY_TICKET_QUERY:
            s_handle_ticket_query (self, peer, env->ticket_query, identity);
            return 0;
        case HOTLINE__ENVELOPE__BODY_STATUS_QUERY:
            s_handle_status (self, peer);
            return 0;
        case HOTLINE__ENVELOPE__BODY_CLOCK_SET:
            s_handle_clock (self, peer, env->clock_set);
            return 0;
        case HOTLINE__ENVELOPE__BODY_KB_QUERY:
            s_handle_kb (self, peer, env->kb_query);
            return 0;
        case HOTLINE__ENVELOPE__BODY_SIMILAR_QUERY:
            s_handle_similar (self, peer, env->similar_query);
            return 0;
        case HOTLINE__ENVELOPE__BODY_TRANSITION:
            s_handle_transition (self, peer, env->transition, identity);
            return 0;
        case HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY:
            if (hl_privacy_may_list (identity))
                s_handle_list (self, peer, env->ticket_list_query);
            else
                hl_reply_nack (self->reply, peer, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, NULL,
                               "a channel gateway reads its tickets by number; lists are for staff");
            return 0;
        default:
            return -1;
    }
}
