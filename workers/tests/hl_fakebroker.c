/*  hl_fakebroker: a scripted worker socket for tests. See hl_fakebroker.h. */
#include "hl_fakebroker.h"
#include "hl_buf.h"
#include "hl_redis.h"
#include "hl_wire.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_MAX 256

typedef struct {
    uint8_t id[256];
    size_t len;
} s_peer_t;

typedef struct {
    char ticket[64];
    char unit[64];
    int state;
} s_ticket_t;

typedef struct {
    char ticket[64];
    int role;
    int redelivery;
    int before_answer;
} s_pending_t;

typedef struct {
    char rid[80];
    int from, to;
} s_applied_t;

struct hl_fakebroker {
    pthread_t thread;
    pthread_mutex_t lock;
    void *ctx;
    void *router;
    char endpoint[64];
    int stop;
    int heartbeat_ms;
    int64_t last_beat_us;

    int refuse_code, refuse_retryable;
    int silent;
    int drop;
    int nack_n, nack_code, nack_retryable;

    s_peer_t workers[S_MAX];
    int n_workers;
    s_peer_t current;
    int have_current;
    s_peer_t peers[S_MAX];
    int n_peers;
    char ready_unit[64], ready_name[80];
    unsigned ready_credit;
    int counts[64];
    s_ticket_t tickets[S_MAX];
    int n_tickets;
    s_pending_t pending[S_MAX];
    int n_pending;
    hl_fakebroker_transition_t transitions[S_MAX];
    int n_transitions;
    s_applied_t applied[S_MAX];
    int n_applied;
    hl_buf_t out;
};

//  ---------------------------------------------------------------------
//  Sending

//  Sends ENV to PEER, echoing request id RID (may be NULL).
static void
s_send (hl_fakebroker_t *self, const s_peer_t *peer, Hotline__Envelope *env,
        const ProtobufCBinaryData *rid)
{
    env->has_version = 1;
    env->version = HL_WIRE_VERSION;
    if (rid && rid->len) {
        env->has_request_id = 1;
        env->request_id = *rid;
    }
    hl_wire_pack (env, &self->out);
    zmq_send (self->router, peer->id, peer->len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (self->router, self->out.data, self->out.len, ZMQ_DONTWAIT);
}

static void
s_nack (hl_fakebroker_t *self, const s_peer_t *peer, const ProtobufCBinaryData *rid, int code,
        int retryable, const char *message)
{
    Hotline__Nack nack = HOTLINE__NACK__INIT;
    nack.has_code = 1;
    nack.code = code;
    nack.has_retryable = 1;
    nack.retryable = retryable;
    nack.message = (char *) message;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_NACK;
    env.nack = &nack;
    s_send (self, peer, &env, rid);
}

static s_ticket_t *
s_ticket (hl_fakebroker_t *self, const char *number, size_t len)
{
    for (int i = 0; i < self->n_tickets; i++)
        if (strlen (self->tickets[i].ticket) == len
            && memcmp (self->tickets[i].ticket, number, len) == 0)
            return &self->tickets[i];
    return NULL;
}

//  Fills VIEW (and C) for ticket T, as a masked delivery would carry it.
static void
s_view (const s_ticket_t *t, Hotline__TicketView *view, Hotline__Complaint *c)
{
    *view = (Hotline__TicketView) HOTLINE__TICKET_VIEW__INIT;
    *c = (Hotline__Complaint) HOTLINE__COMPLAINT__INIT;
    view->ticket = (char *) t->ticket;
    view->has_state = 1;
    view->state = t->state;
    view->has_created_ms = 1;
    view->created_ms = 1764201600000ULL;
    view->has_unit = 1;
    view->unit = hl_wire_bytes (t->unit);
    view->has_caller_masked = view->caller_masked = 1;
    view->complaint = c;
    c->has_channel = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c->has_request_type = 1;
    c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c->has_category = 1;
    c->category = hl_wire_bytes ("CG.01");
    c->has_area = 1;
    c->area = hl_wire_bytes ("441702");
    c->has_caller_phone = 1;
    c->caller_phone = hl_wire_bytes ("138****5678");
    c->has_content = 1;
    c->content = hl_wire_bytes ("楼下餐馆油烟扰民，晚上十点后仍在营业");
}

static void
s_deliver (hl_fakebroker_t *self, const s_pending_t *p)
{
    s_ticket_t *t = s_ticket (self, p->ticket, strlen (p->ticket));
    if (!t)
        return;
    Hotline__TicketView view;
    Hotline__Complaint c;
    s_view (t, &view, &c);
    Hotline__Delivery d = HOTLINE__DELIVERY__INIT;
    d.ticket = &view;
    d.has_role = 1;
    d.role = p->role;
    d.has_redelivery = 1;
    d.redelivery = p->redelivery;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_DELIVERY;
    env.delivery = &d;
    s_send (self, &self->current, &env, NULL);
}

//  Sends the pending deliveries (those held for an answer only if
//  ANSWERING) to the current worker.
static void
s_flush_deliveries (hl_fakebroker_t *self, int answering)
{
    if (!self->have_current || self->silent)
        return;
    int kept = 0;
    for (int i = 0; i < self->n_pending; i++) {
        if (self->pending[i].before_answer && !answering)
            self->pending[kept++] = self->pending[i];
        else
            s_deliver (self, &self->pending[i]);
    }
    self->n_pending = kept;
}

//  ---------------------------------------------------------------------
//  Handling

static int
s_known (const hl_fakebroker_t *self, const s_peer_t *peer)
{
    for (int i = 0; i < self->n_workers; i++)
        if (self->workers[i].len == peer->len && memcmp (self->workers[i].id, peer->id, peer->len) == 0)
            return 1;
    return 0;
}

static void
s_on_ready (hl_fakebroker_t *self, const s_peer_t *peer, const Hotline__Envelope *env)
{
    const Hotline__WorkerReady *r = env->worker_ready;
    snprintf (self->ready_unit, sizeof self->ready_unit, "%.*s", (int) r->unit.len, r->unit.data);
    snprintf (self->ready_name, sizeof self->ready_name, "%.*s", (int) r->worker.len,
              r->worker.data);
    self->ready_credit = r->credit;
    if (self->refuse_code) {
        s_nack (self, peer, &env->request_id, self->refuse_code, self->refuse_retryable,
                "unit: not a unit of the dispatch catalogue");
        return;
    }
    if (!s_known (self, peer) && self->n_workers < S_MAX)
        self->workers[self->n_workers++] = *peer;
    self->current = *peer;
    self->have_current = 1;
    Hotline__WorkerWelcome w = HOTLINE__WORKER_WELCOME__INIT;
    w.has_heartbeat_ms = 1;
    w.heartbeat_ms = (uint32_t) self->heartbeat_ms;
    w.has_unit_name = 1;
    w.unit_name = hl_wire_bytes ("城市管理和综合执法局");
    w.has_callback_allowed = 1;
    w.callback_allowed = 0;
    Hotline__Envelope out = HOTLINE__ENVELOPE__INIT;
    out.body_case = HOTLINE__ENVELOPE__BODY_WORKER_WELCOME;
    out.worker_welcome = &w;
    s_send (self, peer, &out, &env->request_id);
}

//  The state ACTION leads to from FROM, or 0 if it may not be taken there.
static int
s_next_state (int action, int from)
{
    int open = from == HOTLINE__STATE__STATE_SIGNED || from == HOTLINE__STATE__STATE_IN_PROGRESS;
    switch (action) {
        case HOTLINE__ACTION__ACTION_SIGN:
            return from == HOTLINE__STATE__STATE_DISPATCHED ? HOTLINE__STATE__STATE_SIGNED : 0;
        case HOTLINE__ACTION__ACTION_RETURN:
            return from == HOTLINE__STATE__STATE_DISPATCHED || from == HOTLINE__STATE__STATE_SIGNED
                 ? HOTLINE__STATE__STATE_RETURNED : 0;
        case HOTLINE__ACTION__ACTION_PROGRESS:
            return open ? HOTLINE__STATE__STATE_IN_PROGRESS : 0;
        case HOTLINE__ACTION__ACTION_REQUEST_EXTENSION:
            return open ? from : 0;
        case HOTLINE__ACTION__ACTION_REPLY:
            return open ? HOTLINE__STATE__STATE_REPLIED : 0;
        default:
            return 0;
    }
}

//  Applies a transition (once per request id) and answers it.
static void
s_on_transition (hl_fakebroker_t *self, const s_peer_t *peer, const Hotline__Envelope *env)
{
    const Hotline__Transition *t = env->transition;
    char rid[80];
    snprintf (rid, sizeof rid, "%.*s", (int) env->request_id.len, env->request_id.data);
    s_flush_deliveries (self, 1);
    if (self->nack_n > 0) {
        self->nack_n--;
        s_nack (self, peer, &env->request_id, self->nack_code, self->nack_retryable,
                "refused by the test");
        return;
    }
    s_applied_t *done = NULL;
    for (int i = 0; i < self->n_applied && !done; i++)
        if (strcmp (self->applied[i].rid, rid) == 0)
            done = &self->applied[i];
    int duplicate = done != NULL;
    if (!done) {
        s_ticket_t *tk = s_ticket (self, (const char *) t->ticket.data, t->ticket.len);
        if (!tk) {
            s_nack (self, peer, &env->request_id, HOTLINE__ERROR_CODE__ERROR_NOT_FOUND, 0,
                    "ticket: no such ticket");
            return;
        }
        int to = s_next_state (t->action, tk->state);
        if (!to) {
            char message[128];
            snprintf (message, sizeof message, "%s: not allowed in state %s",
                      hl_wire_action_name (t->action) ?: "?", hl_wire_state_name (tk->state) ?: "?");
            s_nack (self, peer, &env->request_id, HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION,
                    0, message);
            return;
        }
        done = &self->applied[self->n_applied++ % S_MAX];
        snprintf (done->rid, sizeof done->rid, "%s", rid);
        done->from = tk->state;
        done->to = tk->state = to;
    }
    if (self->drop > 0) {
        self->drop--;
        return;
    }
    Hotline__TransitionDone d = HOTLINE__TRANSITION_DONE__INIT;
    char ticket[64];
    snprintf (ticket, sizeof ticket, "%.*s", (int) t->ticket.len, t->ticket.data);
    d.ticket = ticket;
    d.has_from_state = d.has_to_state = d.has_at_ms = d.has_duplicate = 1;
    d.from_state = done->from;
    d.to_state = done->to;
    d.at_ms = 1764201600000ULL;
    d.duplicate = duplicate;
    d.unit = (char *) self->ready_unit;
    Hotline__Envelope out = HOTLINE__ENVELOPE__INIT;
    out.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION_DONE;
    out.transition_done = &d;
    s_send (self, peer, &out, &env->request_id);
}

static void
s_on_list (hl_fakebroker_t *self, const s_peer_t *peer, const Hotline__Envelope *env)
{
    const Hotline__TicketListQuery *q = env->ticket_list_query;
    Hotline__TicketSummary items[S_MAX], *ptrs[S_MAX];
    size_t n = 0;
    for (int i = 0; i < self->n_tickets; i++) {
        const s_ticket_t *t = &self->tickets[i];
        if (q->has_state && q->state && (int) q->state != t->state)
            continue;
        Hotline__TicketSummary *s = &items[n];
        *s = (Hotline__TicketSummary) HOTLINE__TICKET_SUMMARY__INIT;
        s->ticket = (char *) t->ticket;
        s->has_state = s->has_request_type = s->has_created_ms = 1;
        s->state = t->state;
        s->request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
        s->created_ms = 1764201600000ULL;
        s->has_category = s->has_area = s->has_unit = s->has_excerpt = 1;
        s->category = hl_wire_bytes ("CG.01");
        s->area = hl_wire_bytes ("441702");
        s->unit = hl_wire_bytes (t->unit);
        s->excerpt = hl_wire_bytes ("楼下餐馆油烟扰民");
        ptrs[n] = s;
        n++;
    }
    Hotline__TicketList list = HOTLINE__TICKET_LIST__INIT;
    list.n_tickets = n;
    list.tickets = ptrs;
    Hotline__Envelope out = HOTLINE__ENVELOPE__INIT;
    out.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST;
    out.ticket_list = &list;
    s_send (self, peer, &out, &env->request_id);
}

static void
s_on_show (hl_fakebroker_t *self, const s_peer_t *peer, const Hotline__Envelope *env)
{
    const Hotline__TicketQuery *q = env->ticket_query;
    s_ticket_t *t = s_ticket (self, (const char *) q->ticket.data, q->ticket.len);
    if (!t) {
        s_nack (self, peer, &env->request_id, HOTLINE__ERROR_CODE__ERROR_NOT_FOUND, 0,
                "ticket: no such ticket for this unit");
        return;
    }
    Hotline__TicketView view;
    Hotline__Complaint c;
    s_view (t, &view, &c);
    Hotline__Envelope out = HOTLINE__ENVELOPE__INIT;
    out.body_case = HOTLINE__ENVELOPE__BODY_TICKET_VIEW;
    out.ticket_view = &view;
    s_send (self, peer, &out, &env->request_id);
}

//  Keeps a transition as received, for the test to look at.
static void
s_record (hl_fakebroker_t *self, const Hotline__Envelope *env)
{
    const Hotline__Transition *t = env->transition;
    if (self->n_transitions == S_MAX)
        return;
    hl_fakebroker_transition_t *rec = &self->transitions[self->n_transitions++];
    snprintf (rec->rid, sizeof rec->rid, "%.*s", (int) env->request_id.len, env->request_id.data);
    snprintf (rec->ticket, sizeof rec->ticket, "%.*s", (int) t->ticket.len, t->ticket.data);
    rec->action = t->action;
    rec->reason = t->return_reason;
    rec->days = t->extension_days;
    snprintf (rec->note, sizeof rec->note, "%.*s", (int) t->note.len, t->note.data);
}

//  Counts the distinct connections that said WorkerReady.
static void
s_record_peer (hl_fakebroker_t *self, const s_peer_t *peer)
{
    for (int i = 0; i < self->n_peers; i++)
        if (self->peers[i].len == peer->len && memcmp (self->peers[i].id, peer->id, peer->len) == 0)
            return;
    if (self->n_peers < S_MAX)
        self->peers[self->n_peers++] = *peer;
}

static void s_dispatch (hl_fakebroker_t *self, const s_peer_t *peer,
                        const Hotline__Envelope *env);

//  Handles one message from PEER (called with the lock held).
static void
s_on_message (hl_fakebroker_t *self, const s_peer_t *peer, const void *data, size_t len)
{
    Hotline__ErrorCode code;
    Hotline__Envelope *env = hl_wire_unpack (data, len, 1 << 20, &code);
    if (!env)
        return;
    if (env->body_case < 64)
        self->counts[env->body_case]++;
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION)
        s_record (self, env);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_WORKER_READY)
        s_record_peer (self, peer);
    if (!self->silent)
        s_dispatch (self, peer, env);
    hl_wire_free (&env);
}

//  Answers ENV as hotlined would.
static void
s_dispatch (hl_fakebroker_t *self, const s_peer_t *peer, const Hotline__Envelope *env)
{
    if (env->body_case == HOTLINE__ENVELOPE__BODY_WORKER_READY)
        s_on_ready (self, peer, env);
    else
    if (!s_known (self, peer))
        s_nack (self, peer, &env->request_id, HOTLINE__ERROR_CODE__ERROR_NOT_READY, 0,
                "unknown worker: send WorkerReady first");
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION)
        s_on_transition (self, peer, env);
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY)
        s_on_list (self, peer, env);
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TICKET_QUERY)
        s_on_show (self, peer, env);
}

//  Heartbeats to every known worker each interval, unless silent.
static void
s_beat (hl_fakebroker_t *self)
{
    int64_t now = hl_monotonic_us ();
    if (self->silent || now - self->last_beat_us < (int64_t) self->heartbeat_ms * 1000)
        return;
    self->last_beat_us = now;
    Hotline__Heartbeat hb = HOTLINE__HEARTBEAT__INIT;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    for (int i = 0; i < self->n_workers; i++)
        s_send (self, &self->workers[i], &env, NULL);
}

static void *
s_run (void *arg)
{
    hl_fakebroker_t *self = arg;
    for (;;) {
        pthread_mutex_lock (&self->lock);
        int stop = self->stop;
        pthread_mutex_unlock (&self->lock);
        if (stop)
            break;
        zmq_pollitem_t item = { self->router, 0, ZMQ_POLLIN, 0 };
        zmq_poll (&item, 1, 5);
        pthread_mutex_lock (&self->lock);
        for (;;) {
            s_peer_t peer;
            int n = zmq_recv (self->router, peer.id, sizeof peer.id, ZMQ_DONTWAIT);
            if (n < 0)
                break;
            peer.len = (size_t) n;
            zmq_msg_t body;
            zmq_msg_init (&body);
            if (zmq_msg_recv (&body, self->router, 0) >= 0 && !zmq_msg_more (&body))
                s_on_message (self, &peer, zmq_msg_data (&body), zmq_msg_size (&body));
            zmq_msg_close (&body);
        }
        s_flush_deliveries (self, 0);
        s_beat (self);
        pthread_mutex_unlock (&self->lock);
    }
    return NULL;
}

//  ---------------------------------------------------------------------
//  Steering and observing

hl_fakebroker_t *
hl_fakebroker_new (int heartbeat_ms)
{
    hl_fakebroker_t *self = calloc (1, sizeof *self);
    assert (self);
    pthread_mutex_init (&self->lock, NULL);
    self->heartbeat_ms = heartbeat_ms;
    self->ctx = zmq_ctx_new ();
    self->router = zmq_socket (self->ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt (self->router, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_bind (self->router, "tcp://127.0.0.1:*") != 0) {
        fprintf (stderr, "fakebroker: bind: %s\n", zmq_strerror (zmq_errno ()));
        abort ();
    }
    size_t len = sizeof self->endpoint;
    zmq_getsockopt (self->router, ZMQ_LAST_ENDPOINT, self->endpoint, &len);
    pthread_create (&self->thread, NULL, s_run, self);
    return self;
}

void
hl_fakebroker_destroy (hl_fakebroker_t **self_p)
{
    hl_fakebroker_t *self = *self_p;
    if (!self)
        return;
    pthread_mutex_lock (&self->lock);
    self->stop = 1;
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    zmq_close (self->router);
    zmq_ctx_term (self->ctx);
    hl_buf_free (&self->out);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

const char *
hl_fakebroker_endpoint (hl_fakebroker_t *self)
{
    return self->endpoint;
}

void
hl_fakebroker_refuse_ready (hl_fakebroker_t *self, int code, int retryable)
{
    pthread_mutex_lock (&self->lock);
    self->refuse_code = code;
    self->refuse_retryable = retryable;
    pthread_mutex_unlock (&self->lock);
}

void
hl_fakebroker_set_silent (hl_fakebroker_t *self, int silent)
{
    pthread_mutex_lock (&self->lock);
    self->silent = silent;
    pthread_mutex_unlock (&self->lock);
}

void
hl_fakebroker_forget (hl_fakebroker_t *self)
{
    pthread_mutex_lock (&self->lock);
    self->n_workers = 0;
    self->have_current = 0;
    pthread_mutex_unlock (&self->lock);
}

void
hl_fakebroker_drop_answers (hl_fakebroker_t *self, int n)
{
    pthread_mutex_lock (&self->lock);
    self->drop = n;
    pthread_mutex_unlock (&self->lock);
}

void
hl_fakebroker_nack_transitions (hl_fakebroker_t *self, int n, int code, int retryable)
{
    pthread_mutex_lock (&self->lock);
    self->nack_n = n;
    self->nack_code = code;
    self->nack_retryable = retryable;
    pthread_mutex_unlock (&self->lock);
}

void
hl_fakebroker_deliver (hl_fakebroker_t *self, const char *ticket, const char *unit, int role,
                       int redelivery, int before_answer)
{
    pthread_mutex_lock (&self->lock);
    if (!s_ticket (self, ticket, strlen (ticket)) && self->n_tickets < S_MAX) {
        s_ticket_t *t = &self->tickets[self->n_tickets++];
        snprintf (t->ticket, sizeof t->ticket, "%s", ticket);
        snprintf (t->unit, sizeof t->unit, "%s", unit);
        t->state = HOTLINE__STATE__STATE_DISPATCHED;
    }
    if (self->n_pending < S_MAX) {
        s_pending_t *p = &self->pending[self->n_pending++];
        snprintf (p->ticket, sizeof p->ticket, "%s", ticket);
        p->role = role;
        p->redelivery = redelivery;
        p->before_answer = before_answer;
    }
    pthread_mutex_unlock (&self->lock);
}

int
hl_fakebroker_count (hl_fakebroker_t *self, int body)
{
    pthread_mutex_lock (&self->lock);
    int n = body >= 0 && body < 64 ? self->counts[body] : 0;
    pthread_mutex_unlock (&self->lock);
    return n;
}

int
hl_fakebroker_peers (hl_fakebroker_t *self)
{
    pthread_mutex_lock (&self->lock);
    int n = self->n_peers;
    pthread_mutex_unlock (&self->lock);
    return n;
}

void
hl_fakebroker_last_ready (hl_fakebroker_t *self, char *unit, size_t unitlen, unsigned *credit,
                          char *name, size_t namelen)
{
    pthread_mutex_lock (&self->lock);
    snprintf (unit, unitlen, "%s", self->ready_unit);
    snprintf (name, namelen, "%s", self->ready_name);
    *credit = self->ready_credit;
    pthread_mutex_unlock (&self->lock);
}

int
hl_fakebroker_transitions (hl_fakebroker_t *self)
{
    pthread_mutex_lock (&self->lock);
    int n = self->n_transitions;
    pthread_mutex_unlock (&self->lock);
    return n;
}

int
hl_fakebroker_transition (hl_fakebroker_t *self, int index, hl_fakebroker_transition_t *out)
{
    pthread_mutex_lock (&self->lock);
    int ok = index >= 0 && index < self->n_transitions;
    if (ok)
        *out = self->transitions[index];
    pthread_mutex_unlock (&self->lock);
    return ok ? 0 : -1;
}

int
hl_fakebroker_state (hl_fakebroker_t *self, const char *ticket)
{
    pthread_mutex_lock (&self->lock);
    s_ticket_t *t = s_ticket (self, ticket, strlen (ticket));
    int state = t ? t->state : 0;
    pthread_mutex_unlock (&self->lock);
    return state;
}

int
hl_fakebroker_wait_count (hl_fakebroker_t *self, int body, int n, int timeout_ms)
{
    int64_t until = hl_monotonic_us () + (int64_t) timeout_ms * 1000;
    while (hl_fakebroker_count (self, body) < n) {
        if (hl_monotonic_us () > until)
            return -1;
        usleep (2000);
    }
    return 0;
}
