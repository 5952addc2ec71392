/*  hl_broker: the department worker queue. See hl_broker.h. */
#include "hl_broker.h"
#include "hl_tickets.h"
#include "hl_lifecycle.h"
#include "hl_privacy.h"
#include "hl_log.h"
#include "hl_table.h"
#include "hl_transition.h"
#include "hl_unitq.h"
#include "hl_wire.h"
#include "hl_zap.h"
#include "hl_zsock.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_ID_MAX 255
#define S_CREDIT_MAX 1000
#define S_LIVENESS 3             //  heartbeats a peer may miss
#define S_SCAN_BATCH 500

typedef struct s_unit s_unit_t;

//  A ticket waiting in a unit's queue.
typedef struct {
    char ticket[HL_STORE_TICKET_MAX];
    int redelivery;
} s_entry_t;

//  A connected worker. Its unsigned tickets are kept so they can go back
//  to the unit's queue if it dies.
typedef struct {
    uint8_t id[S_ID_MAX];        //  ZeroMQ routing id
    size_t id_len;
    s_unit_t *unit;
    char name[65];
    char actor[128];             //  "unit:<code>/<name>"
    unsigned credit;
    char (*held)[HL_STORE_TICKET_MAX];   //  delivered, not yet signed or returned
    hl_deadline_facts_t *facts;  //  per held ticket: what its SLA depends on
    unsigned char *has_facts;
    unsigned n_held;
    int64_t last_heard_us;
    int64_t last_sent_us;
    uint64_t generation;         //  tells a delivery in flight its worker is still this one
} s_worker_t;

struct s_unit {
    char code[HL_STORE_UNIT_MAX];
    s_entry_t *queue;            //  ring buffer
    size_t head, count, cap;
    s_worker_t **workers;
    size_t n_workers, cap_workers;
    size_t next;                 //  round-robin start
};

//  A lead ticket this instance has read from its unit's stream: waiting
//  in the local queue or held by a worker, until answered.
typedef struct {
    s_unit_t *unit;
    char id[HL_UNITQ_ID_MAX];    //  its stream entry
} s_known_t;

struct hl_broker {
    hl_zsock_t *zsock;
    hl_unitq_t *unitq;           //  the units' streams
    int curve;                   //  CURVE: a worker is the unit its key names
    hl_store_t *store;
    const hl_catalogue_t *catalogue;
    hl_table_t *units;           //  code -> s_unit_t
    hl_table_t *workers;         //  routing id -> s_worker_t
    hl_table_t *known;           //  "unit ticket" -> s_known_t, queued or held
    struct event *heartbeat;
    int heartbeat_ms;
    int return_window_wd;        //  退单 allowed this long after signing
    uint64_t generation;
    long scan_next;              //  rescan in progress: next start, or -1
    hl_deadline_t *deadline;     //  the clock
    hl_timers_t *timers;         //  SLA clocks a worker's action starts
    hl_tickets_t *tickets;       //  applies workers' actions, with their effects
    hl_metrics_t *metrics;       //  counters (may be NULL)
    hl_buf_t out;
};

//  A delivery waiting for the ticket's view from Redis.
typedef struct {
    hl_broker_t *broker;
    uint8_t id[S_ID_MAX];
    size_t id_len;
    uint64_t generation;
    char ticket[HL_STORE_TICKET_MAX];
    char unit[HL_STORE_UNIT_MAX];
    int role;                    //  Hotline__DeliveryRole
    int redelivery;
} s_delivery_t;

//  A worker's request waiting for Redis.
typedef struct {
    hl_broker_t *broker;
    uint8_t id[S_ID_MAX];
    size_t id_len;
    uint64_t generation;
    uint8_t rid[64];
    size_t rid_len;
    char ticket[HL_STORE_TICKET_MAX];
    int action;
    char unit[HL_STORE_UNIT_MAX];
} s_request_t;

static void s_pump (hl_broker_t *self, s_unit_t *unit);

//  ---------------------------------------------------------------------
//  Units and their queues

static s_unit_t *
s_unit (hl_broker_t *self, const char *code)
{
    s_unit_t *unit = hl_table_get (self->units, code, strlen (code));
    if (!unit) {
        unit = calloc (1, sizeof *unit);
        if (!unit)
            abort ();
        snprintf (unit->code, sizeof unit->code, "%s", code);
        hl_table_set (self->units, code, strlen (code), unit);
    }
    return unit;
}

static void
s_queue_push (s_unit_t *unit, const char *ticket, int front, int redelivery)
{
    if (unit->count == unit->cap) {
        size_t cap = unit->cap ? unit->cap * 2 : 64;
        s_entry_t *q = malloc (cap * sizeof *q);
        if (!q)
            abort ();
        for (size_t i = 0; i < unit->count; i++)
            q[i] = unit->queue[(unit->head + i) % unit->cap];
        free (unit->queue);
        unit->queue = q;
        unit->head = 0;
        unit->cap = cap;
    }
    size_t at = front ? (unit->head + unit->cap - 1) % unit->cap
                      : (unit->head + unit->count) % unit->cap;
    if (front)
        unit->head = at;
    snprintf (unit->queue[at].ticket, sizeof unit->queue[at].ticket, "%s", ticket);
    unit->queue[at].redelivery = redelivery;
    unit->count++;
}

static s_entry_t
s_queue_pop (s_unit_t *unit)
{
    assert (unit->count > 0);
    s_entry_t e = unit->queue[unit->head];
    unit->head = (unit->head + 1) % unit->cap;
    unit->count--;
    return e;
}

//  The unit's worker with the most free credit, starting the search at a
//  rotating position so equal workers take turns.
static s_worker_t *
s_pick_worker (s_unit_t *unit)
{
    s_worker_t *best = NULL;
    for (size_t k = 0; k < unit->n_workers; k++) {
        s_worker_t *w = unit->workers[(unit->next + k) % unit->n_workers];
        if (w->n_held < w->credit && (!best || w->credit - w->n_held > best->credit - best->n_held))
            best = w;
    }
    if (best)
        unit->next = (unit->next + 1) % unit->n_workers;
    return best;
}

//  ---------------------------------------------------------------------
//  Sending

static int
s_send_to (hl_broker_t *self, const uint8_t *id, size_t id_len, Hotline__Envelope *env,
           const void *rid, size_t rid_len)
{
    env->has_version = 1;
    env->version = HL_WIRE_VERSION;
    env->has_request_id = rid_len > 0;
    env->request_id.data = (uint8_t *) rid;
    env->request_id.len = rid_len;
    hl_wire_pack (env, &self->out);
    const void *parts[2] = { id, self->out.data };
    size_t lens[2] = { id_len, self->out.len };
    int rc = hl_zsock_send (self->zsock, parts, lens, 2);
    if (rc != 0)
        hl_debug ("worker message not delivered: %s", zmq_strerror (errno));
    return rc;
}

static void
s_nack_to (hl_broker_t *self, const uint8_t *id, size_t id_len, const void *rid,
           size_t rid_len, Hotline__ErrorCode code, const char *field, const char *message)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Nack nack;
    hl_wire_nack (&env, &nack, code, field, message);
    s_send_to (self, id, id_len, &env, rid, rid_len);
}

static void
s_heartbeat_to (hl_broker_t *self, s_worker_t *w)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Heartbeat hb = HOTLINE__HEARTBEAT__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    s_send_to (self, w->id, w->id_len, &env, NULL, 0);
    w->last_sent_us = hl_monotonic_us ();
}

//  ---------------------------------------------------------------------
//  Workers

static s_worker_t *
s_worker (hl_broker_t *self, const uint8_t *id, size_t id_len)
{
    return hl_table_get (self->workers, id, id_len);
}

static void
s_hold (s_worker_t *w, const char *ticket)
{
    assert (w->n_held < w->credit);
    w->has_facts[w->n_held] = 0;
    snprintf (w->held[w->n_held++], HL_STORE_TICKET_MAX, "%s", ticket);
}

//  Remembers what a held ticket's deadlines depend on, from the view the
//  worker was sent, so its sign can arm the next clocks in the same step.
static void
s_hold_facts (s_worker_t *w, const char *ticket, const Hotline__TicketView *view)
{
    const Hotline__Complaint *c = view->complaint;
    for (unsigned i = 0; c && i < w->n_held; i++)
        if (strcmp (w->held[i], ticket) == 0) {
            hl_deadline_facts_t *f = &w->facts[i];
            memset (f, 0, sizeof *f);
            f->request_type = c->request_type;
            f->urgent = c->urgent;
            f->enterprise = c->enterprise;
            if (c->has_tag && c->tag.len)
                snprintf (f->tag, sizeof f->tag, "%.*s", (int) c->tag.len, c->tag.data);
            w->has_facts[i] = 1;
        }
}

static const hl_deadline_facts_t *
s_held_facts (const s_worker_t *w, const char *ticket)
{
    for (unsigned i = 0; i < w->n_held; i++)
        if (strcmp (w->held[i], ticket) == 0)
            return w->has_facts[i] ? &w->facts[i] : NULL;
    return NULL;
}

//  Takes TICKET off W's list; returns 1 if it was there.
static int
s_release (s_worker_t *w, const char *ticket)
{
    for (unsigned i = 0; i < w->n_held; i++)
        if (strcmp (w->held[i], ticket) == 0) {
            w->n_held--;
            memmove (w->held[i], w->held[w->n_held], HL_STORE_TICKET_MAX);
            w->facts[i] = w->facts[w->n_held];
            w->has_facts[i] = w->has_facts[w->n_held];
            return 1;
        }
    return 0;
}

//  The key of TICKET read for UNIT in the known table (a ticket may be
//  read for one unit, returned, and read again for another). Its length.
static size_t
s_known_key (char key[HL_STORE_UNIT_MAX + HL_STORE_TICKET_MAX], const s_unit_t *unit,
             const char *ticket)
{
    return (size_t) snprintf (key, HL_STORE_UNIT_MAX + HL_STORE_TICKET_MAX, "%s %s",
                              unit->code, ticket);
}

//  The ticket leaves the queue's care (signed, returned, moved on): its
//  stream entry is answered for.
static void
s_forget (hl_broker_t *self, const char *ticket, const s_unit_t *unit)
{
    char key[HL_STORE_UNIT_MAX + HL_STORE_TICKET_MAX];
    size_t len = s_known_key (key, unit, ticket);
    s_known_t *k = hl_table_remove (self->known, key, len);
    if (k)
        hl_unitq_done (self->unitq, unit->code, k->id);
    free (k);
}

//  Removes W: every ticket it held unsigned goes back to the front of its
//  unit's queue, marked as a redelivery, and the queue is pumped.
static void
s_worker_drop (hl_broker_t *self, s_worker_t *w, const char *why)
{
    s_unit_t *unit = w->unit;
    hl_notice ("worker %s left (%s): %u unsigned tickets go back to the queue", w->actor, why,
               w->n_held);
    for (unsigned i = 0; i < w->n_held; i++)
        s_queue_push (unit, w->held[i], 1, 1);
    for (size_t i = 0; i < unit->n_workers; i++)
        if (unit->workers[i] == w) {
            unit->workers[i] = unit->workers[--unit->n_workers];
            break;
        }
    hl_table_remove (self->workers, w->id, w->id_len);
    free (w->held);
    free (w->facts);
    free (w->has_facts);
    free (w);
    s_pump (self, unit);
}

static s_worker_t *
s_worker_new (hl_broker_t *self, const uint8_t *id, size_t id_len, s_unit_t *unit,
              unsigned credit, const char *name)
{
    s_worker_t *w = calloc (1, sizeof *w);
    if (!w)
        abort ();
    memcpy (w->id, id, id_len);
    w->id_len = id_len;
    w->unit = unit;
    w->credit = credit;
    w->held = calloc (credit, HL_STORE_TICKET_MAX);
    w->facts = calloc (credit, sizeof *w->facts);
    w->has_facts = calloc (credit, 1);
    if (!w->held || !w->facts || !w->has_facts)
        abort ();
    snprintf (w->name, sizeof w->name, "%s", name);
    snprintf (w->actor, sizeof w->actor, "unit:%s/%s", unit->code, name);
    w->last_heard_us = w->last_sent_us = hl_monotonic_us ();
    w->generation = ++self->generation;
    hl_table_set (self->workers, id, id_len, w);
    if (unit->n_workers == unit->cap_workers) {
        unit->cap_workers = unit->cap_workers ? unit->cap_workers * 2 : 8;
        unit->workers = realloc (unit->workers, unit->cap_workers * sizeof *unit->workers);
        if (!unit->workers)
            abort ();
    }
    unit->workers[unit->n_workers++] = w;
    return w;
}

//  ---------------------------------------------------------------------
//  Deliveries

//  Sends VIEW to W, masked for W's unit. A delivery carries the ticket as
//  it stands, not its history (a worker asks for that with a ticket
//  query), so fresh deliveries and redeliveries look alike. 0, or -1 if W
//  is unreachable.
static int
s_send_delivery (hl_broker_t *self, s_worker_t *w, const Hotline__TicketView *view, int role,
                 int redelivery)
{
    Hotline__TicketView copy = *view;
    copy.n_history = 0;
    copy.history = NULL;
    Hotline__Complaint complaint;
    char masked[32];
    if (view->complaint) {
        complaint = *view->complaint;
        copy.complaint = &complaint;
    }
    hl_privacy_for_unit (&copy, hl_catalogue_unit_callback (self->catalogue, w->unit->code,
                                                       strlen (w->unit->code)), masked);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Delivery delivery = HOTLINE__DELIVERY__INIT;
    delivery.ticket = &copy;
    delivery.has_role = 1;
    delivery.role = role;
    delivery.has_redelivery = 1;
    delivery.redelivery = redelivery;
    env.body_case = HOTLINE__ENVELOPE__BODY_DELIVERY;
    env.delivery = &delivery;
    if (s_send_to (self, w->id, w->id_len, &env, NULL, 0) != 0)
        return -1;
    w->last_sent_us = hl_monotonic_us ();
    if (role == HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD && view->ticket)
        s_hold_facts (w, view->ticket, view);
    return 0;
}

//  The view of a ticket arrived: send it if the worker is still there and
//  the ticket still waits for this unit; otherwise put things right.
static void
s_on_delivery_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_delivery_t *d = arg;
    hl_broker_t *self = d->broker;
    s_worker_t *w = s_worker (self, d->id, d->id_len);
    int alive = w && w->generation == d->generation;
    hl_debug ("delivery of %s to %s: %s", d->ticket, alive ? w->actor : "a gone worker",
              error ? error : view ? hl_wire_state_name (view->state) : "no such ticket");
    s_unit_t *unit = s_unit (self, d->unit);
    int lead = d->role == HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD;
    int current = view && view->state == HOTLINE__STATE__STATE_DISPATCHED && view->has_unit
               && view->unit.len == strlen (d->unit)
               && memcmp (view->unit.data, d->unit, view->unit.len) == 0;
    if (lead) {
        //  Signed, returned or moved on meanwhile: no longer ours. Lost
        //  worker or unreadable view: back to the front of the queue.
        if (alive && (error || !current))
            s_release (w, d->ticket);
        if (error || (current && !alive))
            s_queue_push (unit, d->ticket, 1, d->redelivery);
        else
        if (!current)
            s_forget (self, d->ticket, unit);
    }
    if (alive && view && (current || !lead)
        && s_send_delivery (self, w, view, d->role, d->redelivery) != 0 && lead) {
        free (d);
        s_worker_drop (self, w, "unreachable");   //  requeues and pumps
        return;
    }
    free (d);
    if (lead)
        s_pump (self, unit);
}

static int
s_deliver (hl_broker_t *self, s_worker_t *w, const char *ticket, int role, int redelivery)
{
    s_delivery_t *d = calloc (1, sizeof *d);
    if (!d)
        abort ();
    d->broker = self;
    memcpy (d->id, w->id, w->id_len);
    d->id_len = w->id_len;
    d->generation = w->generation;
    snprintf (d->ticket, sizeof d->ticket, "%s", ticket);
    snprintf (d->unit, sizeof d->unit, "%s", w->unit->code);
    d->role = role;
    d->redelivery = redelivery;
    if (hl_store_ticket_brief (self->store, ticket, s_on_delivery_view, d) != 0) {
        free (d);
        return -1;
    }
    return 0;
}

//  Tells the unit's stream how many more tickets this instance can take:
//  its workers' free credit less what already waits here.
static void
s_want (hl_broker_t *self, s_unit_t *unit)
{
    size_t free_credit = 0;
    for (size_t i = 0; i < unit->n_workers; i++)
        free_credit += unit->workers[i]->credit - unit->workers[i]->n_held;
    hl_unitq_want (self->unitq, unit->code,
                   free_credit > unit->count ? (unsigned) (free_credit - unit->count) : 0);
}

//  Gives queued tickets to workers with free credit, until either runs
//  out or the store is unavailable (the queue then waits for the next
//  event: a reconnect, a worker, a sign).
static void
s_pump_queue (hl_broker_t *self, s_unit_t *unit)
{
    while (unit->count > 0) {
        s_worker_t *w = s_pick_worker (unit);
        if (!w)
            return;
        s_entry_t e = s_queue_pop (unit);
        s_hold (w, e.ticket);
        if (s_deliver (self, w, e.ticket, HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD, e.redelivery) != 0) {
            s_release (w, e.ticket);
            s_queue_push (unit, e.ticket, 1, e.redelivery);
            return;
        }
    }
}

//  ... and then asks the stream for as many as the workers can still take.
static void
s_pump (hl_broker_t *self, s_unit_t *unit)
{
    s_pump_queue (self, unit);
    s_want (self, unit);
}

//  Wall-clock ms: when an entry was queued (the at field).
static int64_t
s_wall_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
hl_broker_dispatched (hl_broker_t *self, const char *ticket, const char *unit,
                      const char *assist)
{
    (void) ticket;
    (void) assist;
    if (*unit)
        s_unit (self, unit);
}

//  An entry of UNIT's stream came to this instance. A lead ticket joins
//  the local queue (once: a second entry for a ticket already here is
//  answered for at once); an assist notice goes to one worker of the unit
//  and is done.
static void
s_on_entry (const char *unit_code, const char *id, const char *ticket, int lead, int claimed,
            void *arg)
{
    hl_broker_t *self = arg;
    s_unit_t *unit = s_unit (self, unit_code);
    if (!lead) {
        if (unit->n_workers > 0)
            s_deliver (self, unit->workers[unit->next++ % unit->n_workers], ticket,
                       HOTLINE__DELIVERY_ROLE__DELIVERY_ASSIST, 0);
        hl_unitq_done (self->unitq, unit_code, id);
        s_want (self, unit);
        return;
    }
    char key[HL_STORE_UNIT_MAX + HL_STORE_TICKET_MAX];
    size_t len = s_known_key (key, unit, ticket);
    s_known_t *k = hl_table_get (self->known, key, len);
    if (k) {
        if (strcmp (k->id, id) != 0)
            hl_unitq_done (self->unitq, unit_code, id);
        s_want (self, unit);
        return;
    }
    k = calloc (1, sizeof *k);
    if (!k)
        abort ();
    k->unit = unit;
    snprintf (k->id, sizeof k->id, "%s", id);
    hl_table_set (self->known, key, len, k);
    s_queue_push (unit, ticket, 0, claimed);
    s_pump (self, unit);
}

//  TICKET no longer waits for UNIT: taken from the unit's workers here,
//  and its entry answered for, wherever it is.
static void
s_left (hl_broker_t *self, s_unit_t *unit, const char *ticket, int ack)
{
    for (size_t i = 0; i < unit->n_workers; i++)
        s_release (unit->workers[i], ticket);
    char key[HL_STORE_UNIT_MAX + HL_STORE_TICKET_MAX];
    size_t len = s_known_key (key, unit, ticket);
    s_known_t *k = hl_table_get (self->known, key, len);
    if (k && ack)
        s_forget (self, ticket, unit);
    else
    if (k)
        free (hl_table_remove (self->known, key, len));
    else
    if (ack)
        hl_unitq_answered (self->unitq, unit->code, ticket);
    s_pump (self, unit);
}

void
hl_broker_left (hl_broker_t *self, const char *ticket, const char *unit)
{
    if (*unit)
        s_left (self, s_unit (self, unit), ticket, 1);
}

//  Another instance answered for an entry held here: its ticket was
//  signed (or returned...) there.
static void
s_on_gone (const char *unit_code, const char *id, const char *ticket, void *arg)
{
    hl_broker_t *self = arg;
    s_unit_t *unit = s_unit (self, unit_code);
    char key[HL_STORE_UNIT_MAX + HL_STORE_TICKET_MAX];
    s_known_t *k = hl_table_get (self->known, key, s_known_key (key, unit, ticket));
    hl_debug ("worker stream of %s: %s answered for elsewhere", unit_code, ticket);
    if (k && strcmp (k->id, id) == 0)
        s_left (self, unit, ticket, 0);
}

//  ---------------------------------------------------------------------
//  Recovery: every dispatched ticket has an entry in its unit's stream

static void s_scan_more (hl_broker_t *self);

static void
s_on_scan (long next, const char **tickets, const char **units, const char **assists,
           size_t n, void *arg)
{
    hl_broker_t *self = arg;
    (void) assists;
    int64_t now = s_wall_ms ();
    for (size_t i = 0; i < n; i++)
        if (*units[i])
            hl_unitq_ensure (self->unitq, units[i], tickets[i], now);
    self->scan_next = next > 0 ? next : -1;
    if (next > 0)
        s_scan_more (self);
    else
        hl_unitq_ensure_end (self->unitq);
}

static void
s_scan_more (hl_broker_t *self)
{
    if (hl_store_dispatched_scan (self->store, self->scan_next, S_SCAN_BATCH, s_on_scan, self) != 0) {
        self->scan_next = -1;
        hl_unitq_ensure_end (self->unitq);
    }
}

void
hl_broker_store_ready (hl_broker_t *self)
{
    if (self->scan_next >= 0)
        return;                          //  a scan is already running
    self->scan_next = 0;
    s_scan_more (self);
}

//  ---------------------------------------------------------------------
//  Requests from workers

//  KEY_UNIT is the unit the connection's CURVE key was issued for (the
//  ZAP user id), NULL without CURVE: with CURVE a worker serves that unit
//  and no other, whatever it says.
static void
s_on_ready_msg (hl_broker_t *self, const uint8_t *id, size_t id_len,
                const Hotline__Envelope *env, const char *key_unit)
{
    const Hotline__WorkerReady *r = env->worker_ready;
    const void *rid = env->request_id.data;
    size_t rid_len = env->has_request_id ? env->request_id.len : 0;
    hl_verdict_t v = { 0 };
    if (hl_verdict_code (&v, "unit", r->has_unit, r->unit, HL_STORE_UNIT_MAX - 1)
        || hl_verdict_text (&v, "worker", r->has_worker, r->worker, 0, 0, 64)) {
        s_nack_to (self, id, id_len, rid, rid_len, v.code, v.field, v.message);
        return;
    }
    if (self->curve && (!key_unit || strlen (key_unit) != r->unit.len
                      || memcmp (key_unit, r->unit.data, r->unit.len) != 0)) {
        char message[96];
        snprintf (message, sizeof message, "unit: this worker's key serves unit %.32s",
                  key_unit ? key_unit : "(none)");
        hl_warning ("worker refused: key of unit %s claimed unit %.*s",
                    key_unit ? key_unit : "(none)", (int) r->unit.len, r->unit.data);
        s_nack_to (self, id, id_len, rid, rid_len, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN,
                   "unit", message);
        return;
    }
    const char *name = hl_catalogue_unit_name (self->catalogue, (const char *) r->unit.data,
                                               r->unit.len);
    if (!name) {
        s_nack_to (self, id, id_len, rid, rid_len, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE,
                   "unit", "unit: not a unit of the dispatch catalogue");
        return;
    }
    unsigned credit = r->has_credit && r->credit ? r->credit : 1;
    if (credit > S_CREDIT_MAX)
        credit = S_CREDIT_MAX;
    s_worker_t *old = s_worker (self, id, id_len);
    if (old)
        s_worker_drop (self, old, "sent ready again");
    char unit_code[HL_STORE_UNIT_MAX], worker_name[65];
    snprintf (unit_code, sizeof unit_code, "%.*s", (int) r->unit.len, r->unit.data);
    snprintf (worker_name, sizeof worker_name, "%.*s", (int) (r->has_worker ? r->worker.len : 0),
              r->has_worker ? (const char *) r->worker.data : "");
    if (!*worker_name)
        snprintf (worker_name, sizeof worker_name, "w%llu", (unsigned long long) self->generation + 1);
    s_worker_t *w = s_worker_new (self, id, id_len, s_unit (self, unit_code), credit, worker_name);
    hl_info ("worker %s ready, credit %u", w->actor, credit);
    Hotline__Envelope out = HOTLINE__ENVELOPE__INIT;
    Hotline__WorkerWelcome welcome = HOTLINE__WORKER_WELCOME__INIT;
    welcome.has_heartbeat_ms = 1;
    welcome.heartbeat_ms = (uint32_t) self->heartbeat_ms;
    welcome.has_unit_name = 1;
    welcome.unit_name = hl_wire_bytes (name);
    welcome.has_callback_allowed = 1;
    welcome.callback_allowed = hl_catalogue_unit_callback (self->catalogue, unit_code,
                                                           strlen (unit_code));
    out.body_case = HOTLINE__ENVELOPE__BODY_WORKER_WELCOME;
    out.worker_welcome = &welcome;
    s_send_to (self, id, id_len, &out, rid, rid_len);
    s_pump (self, w->unit);
}

static s_request_t *
s_request_new (hl_broker_t *self, const s_worker_t *w, const Hotline__Envelope *env)
{
    s_request_t *q = calloc (1, sizeof *q);
    if (!q)
        abort ();
    q->broker = self;
    memcpy (q->id, w->id, w->id_len);
    q->id_len = w->id_len;
    q->generation = w->generation;
    q->rid_len = env->has_request_id && env->request_id.len <= sizeof q->rid
               ? env->request_id.len : 0;
    memcpy (q->rid, env->request_id.data, q->rid_len);
    snprintf (q->unit, sizeof q->unit, "%s", w->unit->code);
    return q;
}

static void
s_on_transition (const hl_store_transition_result_t *res, void *arg)
{
    s_request_t *q = arg;
    hl_broker_t *self = q->broker;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__TransitionDone done;
    Hotline__Nack nack;
    hl_transition_answer (res, q->ticket, &env, &done, &nack);
    s_send_to (self, q->id, q->id_len, &env, q->rid, q->rid_len);
    int settled = q->action == HOTLINE__ACTION__ACTION_SIGN
               || q->action == HOTLINE__ACTION__ACTION_RETURN;
    if (settled && res->outcome != HL_STORE_LOST && res->outcome != HL_STORE_FAILED) {
        s_unit_t *unit = s_unit (self, q->unit);
        s_worker_t *w = s_worker (self, q->id, q->id_len);
        if (w && w->generation == q->generation)
            s_release (w, q->ticket);
        s_forget (self, q->ticket, unit);
        s_pump (self, unit);
    }
    free (q);
}

//  Signing starts the contact and reply clocks; with the ticket's facts at
//  hand their deadlines are computed now and armed by the sign itself.
static void
s_premade_sign (hl_broker_t *self, const hl_deadline_facts_t *facts, int64_t now,
                hl_store_premade_t *pre)
{
    static const int started[] = { HL_SLA_CONTACT, HL_SLA_REPLY };
    pre->generation = hl_deadline_generation (self->deadline);
    for (int i = 0; i < 2; i++) {
        hl_sla_deadline_t d;
        if (hl_deadline_compute (self->deadline, facts, started[i], now, "", 0, &d) != 0)
            continue;
        pre->milestone[pre->n] = started[i];
        pre->warn[pre->n] = d.warn_ms;
        pre->due[pre->n] = d.due_ms;
        pre->escalate[pre->n] = d.escalate_ms;
        pre->n++;
    }
}

//  The actions a department may take (the lifecycle table's unit roles);
//  the rest belong to the hotline.
static int
s_worker_action (int action)
{
    const hl_lifecycle_action_t *a = hl_lifecycle_action (action);
    return a && a->by_unit;
}

static void
s_on_transition_msg (hl_broker_t *self, s_worker_t *w, const Hotline__Envelope *env)
{
    const Hotline__Transition *t = env->transition;
    size_t rid_len = env->has_request_id ? env->request_id.len : 0;
    hl_verdict_t v;
    if (hl_transition_check (t, self->catalogue, &v) != 0) {
        s_nack_to (self, w->id, w->id_len, env->request_id.data, rid_len, v.code, v.field,
                   v.message);
        return;
    }
    if (!s_worker_action (t->action)) {
        s_nack_to (self, w->id, w->id_len, env->request_id.data, rid_len,
                   HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "action",
                   "action: not one a department may take (docs/lifecycle.md)");
        return;
    }
    if (rid_len == 0 || rid_len > 64) {
        s_nack_to (self, w->id, w->id_len, NULL, 0, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD,
                   "request_id", "request_id: 1 to 64 bytes, required for actions");
        return;
    }
    s_request_t *q = s_request_new (self, w, env);
    snprintf (q->ticket, sizeof q->ticket, "%.*s", (int) t->ticket.len, t->ticket.data);
    q->action = t->action;
    int64_t now = hl_deadline_now (self->deadline);
    hl_store_premade_t pre = { 0 };
    int sign = t->action == HOTLINE__ACTION__ACTION_SIGN;
    const hl_deadline_facts_t *facts = sign ? s_held_facts (w, q->ticket) : NULL;
    if (facts)
        s_premade_sign (self, facts, now, &pre);
    //  A signed ticket may still be returned until the window closes
    //  (before signing, it always may).
    pre.return_until = sign ? (self->return_window_wd > 0
                               ? hl_deadline_working_days_after (self->deadline, now,
                                                                 self->return_window_wd)
                               : now) : 0;
    if (hl_tickets_transition (self->tickets, t, w->actor, q->rid, q->rid_len, (uint64_t) now,
                               sign ? &pre : NULL, s_on_transition, q) != 0) {
        free (q);
        s_nack_to (self, w->id, w->id_len, env->request_id.data, rid_len,
                   HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                   "the ticket store is not reachable; retry shortly");
    }
}

static void
s_on_list (Hotline__TicketSummary **items, size_t n, const char *error, void *arg)
{
    s_request_t *q = arg;
    hl_broker_t *self = q->broker;
    if (error)
        s_nack_to (self, q->id, q->id_len, q->rid, q->rid_len,
                   HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, NULL, error);
    else {
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        Hotline__TicketList list = HOTLINE__TICKET_LIST__INIT;
        list.n_tickets = n;
        list.tickets = items;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST;
        env.ticket_list = &list;
        s_send_to (self, q->id, q->id_len, &env, q->rid, q->rid_len);
    }
    free (q);
}

static void
s_on_list_msg (hl_broker_t *self, s_worker_t *w, const Hotline__Envelope *env)
{
    const Hotline__TicketListQuery *l = env->ticket_list_query;
    const char *state = l->has_state ? hl_wire_state_name (l->state) : "";
    unsigned limit = l->has_limit && l->limit ? (l->limit > 500 ? 500 : l->limit) : 50;
    s_request_t *q = s_request_new (self, w, env);
    if (!state || hl_store_ticket_list (self->store, "unit", w->unit->code, state, limit,
                                        s_on_list, q) != 0) {
        s_nack_to (self, w->id, w->id_len, q->rid, q->rid_len,
                   state ? HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE
                         : HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE,
                   state ? NULL : "state", state ? "the ticket store is not reachable"
                                                 : "state: unknown value");
        free (q);
    }
}

//  A worker may look at a ticket its unit leads or assists with, masked.
static void
s_on_show_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_request_t *q = arg;
    hl_broker_t *self = q->broker;
    int mine = view && view->has_unit && view->unit.len == strlen (q->unit)
            && memcmp (view->unit.data, q->unit, view->unit.len) == 0;
    for (size_t i = 0; view && !mine && i < view->n_assist; i++)
        mine = view->assist[i].len == strlen (q->unit)
            && memcmp (view->assist[i].data, q->unit, view->assist[i].len) == 0;
    if (!mine)
        s_nack_to (self, q->id, q->id_len, q->rid, q->rid_len,
                   error ? HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT
                         : HOTLINE__ERROR_CODE__ERROR_NOT_FOUND, "ticket",
                   error ? error : "ticket: no such ticket for this unit");
    else {
        Hotline__TicketView copy = *view;
        Hotline__Complaint complaint;
        char masked[32];
        if (view->complaint) {
            complaint = *view->complaint;
            copy.complaint = &complaint;
        }
        hl_privacy_for_unit (&copy, hl_catalogue_unit_callback (self->catalogue, q->unit,
                                                           strlen (q->unit)), masked);
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_VIEW;
        env.ticket_view = &copy;
        s_send_to (self, q->id, q->id_len, &env, q->rid, q->rid_len);
    }
    free (q);
}

static void
s_on_show_msg (hl_broker_t *self, s_worker_t *w, const Hotline__Envelope *env)
{
    const Hotline__TicketQuery *tq = env->ticket_query;
    hl_verdict_t v = { 0 };
    size_t rid_len = env->has_request_id ? env->request_id.len : 0;
    if (hl_verdict_code (&v, "ticket", tq->has_ticket, tq->ticket, HL_STORE_TICKET_MAX - 1)) {
        s_nack_to (self, w->id, w->id_len, env->request_id.data, rid_len, v.code, v.field,
                   v.message);
        return;
    }
    s_request_t *q = s_request_new (self, w, env);
    snprintf (q->ticket, sizeof q->ticket, "%.*s", (int) tq->ticket.len, tq->ticket.data);
    if (hl_store_ticket_get (self->store, q->ticket, s_on_show_view, q) != 0) {
        s_nack_to (self, w->id, w->id_len, q->rid, q->rid_len,
                   HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, NULL,
                   "the ticket store is not reachable");
        free (q);
    }
}

static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    (void) zsock;
    hl_broker_t *self = arg;
    const uint8_t *id = zmq_msg_data (&frames[0]);
    size_t id_len = zmq_msg_size (&frames[0]);
    if (id_len > S_ID_MAX)
        return;
    Hotline__ErrorCode code = HOTLINE__ERROR_CODE__ERROR_BAD_FRAME;
    Hotline__Envelope *env = n == 2 && !truncated
        ? hl_wire_unpack (zmq_msg_data (&frames[1]), zmq_msg_size (&frames[1]),
                          HL_WIRE_MAX_MESSAGE, &code) : NULL;
    if (!env) {
        s_nack_to (self, id, id_len, NULL, 0, code, NULL,
                   "expected one frame holding an Envelope");
        return;
    }
    size_t rid_len = env->has_request_id ? env->request_id.len : 0;
    s_worker_t *w = s_worker (self, id, id_len);
    if (w)
        w->last_heard_us = hl_monotonic_us ();
    if (!env->has_version || env->version != HL_WIRE_VERSION)
        s_nack_to (self, id, id_len, env->request_id.data, rid_len,
                   HOTLINE__ERROR_CODE__ERROR_BAD_VERSION, "version", "unsupported version");
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_WORKER_READY)
        s_on_ready_msg (self, id, id_len, env,
                        self->curve ? zmq_msg_gets (&frames[1], "User-Id") : NULL);
    else
    if (!w)
        s_nack_to (self, id, id_len, env->request_id.data, rid_len,
                   HOTLINE__ERROR_CODE__ERROR_NOT_READY, NULL,
                   "unknown worker: send WorkerReady first");
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION)
        s_on_transition_msg (self, w, env);
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY)
        s_on_list_msg (self, w, env);
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TICKET_QUERY)
        s_on_show_msg (self, w, env);
    else
    if (env->body_case != HOTLINE__ENVELOPE__BODY_HEARTBEAT)
        s_nack_to (self, id, id_len, env->request_id.data, rid_len,
                   HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, NULL,
                   "the worker socket takes worker_ready, heartbeat, transition, "
                   "ticket_list_query and ticket_query");
    hl_wire_free (&env);
}

//  ---------------------------------------------------------------------
//  Heartbeats

typedef struct {
    hl_broker_t *broker;
    int64_t now;
    s_worker_t *dead[64];
    size_t n_dead;
} s_sweep_t;

static void
s_check_worker (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    s_sweep_t *sw = arg;
    s_worker_t *w = value;
    int64_t interval = (int64_t) sw->broker->heartbeat_ms * 1000;
    if (sw->now - w->last_heard_us > S_LIVENESS * interval) {
        if (sw->n_dead < 64)
            sw->dead[sw->n_dead++] = w;
    }
    else
    if (sw->now - w->last_sent_us >= interval)
        s_heartbeat_to (sw->broker, w);
}

//  Runs every heartbeat interval: workers silent for too long are
//  dropped (after the sweep, so the table is not changed while walked);
//  quiet ones get a heartbeat.
static void
s_on_heartbeat (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_sweep_t sw = { .broker = arg, .now = hl_monotonic_us () };
    hl_table_foreach (sw.broker->workers, s_check_worker, &sw);
    for (size_t i = 0; i < sw.n_dead; i++)
        s_worker_drop (sw.broker, sw.dead[i], "missed heartbeats");
}

//  ---------------------------------------------------------------------
//  Life cycle

hl_broker_t *
hl_broker_new (struct event_base *base, void *zmq_ctx, const hl_config_t *cfg,
               hl_store_t *store, const hl_catalogue_t *catalogue, hl_deadline_t *deadline,
               hl_timers_t *timers, const char *consumer, char *err, size_t errlen)
{
    const char *endpoint = cfg->worker_endpoint;
    void *router = hl_zsock_router (zmq_ctx, &endpoint, 1, cfg->max_message_bytes * 4,
                                    cfg->worker_key_file, HL_ZAP_WORKERS, err, errlen);
    if (!router)
        return NULL;
    hl_broker_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->curve = *cfg->worker_key_file != 0;
    self->store = store;
    self->catalogue = catalogue;
    self->units = hl_table_new ();
    self->workers = hl_table_new ();
    self->known = hl_table_new ();
    self->heartbeat_ms = (int) cfg->heartbeat_ms;
    self->return_window_wd = (int) cfg->return_window_wd;
    self->scan_next = -1;
    self->deadline = deadline;
    self->timers = timers;
    //  The blocking read is sent again every heartbeat at the latest.
    hl_unitq_opts_t qo = { s_on_gone, consumer, self->heartbeat_ms, (int) cfg->worker_claim_ms };
    self->unitq = hl_unitq_new (base, store, &qo, s_on_entry, self, err, errlen);
    if (!self->unitq) {
        zmq_close (router);
        hl_broker_destroy (&self, 0);
        return NULL;
    }
    self->zsock = hl_zsock_new (base, router, s_on_message, self);
    self->heartbeat = event_new (base, -1, EV_PERSIST, s_on_heartbeat, self);
    struct timeval tv = { self->heartbeat_ms / 1000, (self->heartbeat_ms % 1000) * 1000 };
    if (!self->zsock || !self->heartbeat || event_add (self->heartbeat, &tv) != 0) {
        snprintf (err, errlen, "cannot watch the worker socket");
        if (!self->zsock)
            zmq_close (router);
        hl_broker_destroy (&self, 0);
        return NULL;
    }
    return self;
}

static void
s_free_worker (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    s_worker_t *w = value;
    free (w->held);
    free (w->facts);
    free (w->has_facts);
    free (w);
}

static void
s_free_known (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    free (value);
}

static void
s_free_unit (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    s_unit_t *unit = value;
    free (unit->queue);
    free (unit->workers);
    free (unit);
}

void
hl_broker_destroy (hl_broker_t **self_p, int linger_ms)
{
    assert (self_p);
    hl_broker_t *self = *self_p;
    if (!self)
        return;
    if (self->heartbeat)
        event_free (self->heartbeat);
    hl_zsock_destroy (&self->zsock, linger_ms);
    hl_unitq_destroy (&self->unitq);
    hl_table_foreach (self->workers, s_free_worker, NULL);
    hl_table_foreach (self->units, s_free_unit, NULL);
    hl_table_destroy (&self->workers);
    hl_table_destroy (&self->units);
    if (self->known)
        hl_table_foreach (self->known, s_free_known, NULL);
    hl_table_destroy (&self->known);
    hl_buf_free (&self->out);
    free (self);
    *self_p = NULL;
}

void
hl_broker_set_tickets (hl_broker_t *self, hl_tickets_t *tickets)
{
    self->tickets = tickets;
}

void
hl_broker_set_metrics (hl_broker_t *self, hl_metrics_t *metrics)
{
    self->metrics = metrics;
}

typedef struct {
    void (*fn) (const char *unit, size_t queued, size_t workers, void *arg);
    void *arg;
    hl_unitq_t *unitq;
} s_each_t;

static void
s_each_unit (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    const s_unit_t *unit = value;
    s_each_t *each = arg;
    each->fn (unit->code, unit->count + hl_unitq_waiting (each->unitq, unit->code),
              unit->n_workers, each->arg);
}

void
hl_broker_foreach_unit (const hl_broker_t *self,
                        void (*fn) (const char *unit, size_t queued, size_t workers, void *arg),
                        void *arg)
{
    s_each_t each = { fn, arg, self->unitq };
    hl_table_foreach (self->units, s_each_unit, &each);
}

void
hl_broker_set_catalogue (hl_broker_t *self, const hl_catalogue_t *catalogue)
{
    self->catalogue = catalogue;
}

size_t
hl_broker_worker_count (const hl_broker_t *self)
{
    return hl_table_size (self->workers);
}

static void
s_add_queued (const char *unit, size_t queued, size_t workers, void *arg)
{
    (void) unit;
    (void) workers;
    *(size_t *) arg += queued;
}

size_t
hl_broker_queued (const hl_broker_t *self)
{
    size_t n = 0;
    hl_broker_foreach_unit (self, s_add_queued, &n);
    return n;
}
