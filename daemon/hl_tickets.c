/*  hl_tickets: the ticket service. See hl_tickets.h. */
#include "hl_tickets.h"
#include "hl_archread.h"
#include "hl_broker.h"
#include "hl_lifecycle.h"
#include "hl_similar.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

struct hl_tickets {
    hl_store_t *store;
    hl_timers_t *timers;
    hl_metrics_t *metrics;
    hl_broker_t *broker;
    hl_similar_t *similar;
    hl_archive_t *archive;
    const hl_pii_t *pii;
};

//  One transition on its way through the store.
typedef struct {
    hl_tickets_t *self;
    char ticket[HL_STORE_TICKET_MAX];
    int action;
    hl_store_transition_fn *fn;
    void *arg;
} s_step_t;

hl_tickets_t *
hl_tickets_new (hl_store_t *store, hl_timers_t *timers)
{
    assert (store);
    hl_tickets_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->store = store;
    self->timers = timers;
    return self;
}

void
hl_tickets_destroy (hl_tickets_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

void
hl_tickets_set_observers (hl_tickets_t *self, hl_metrics_t *metrics)
{
    self->metrics = metrics;
}

void
hl_tickets_set_broker (hl_tickets_t *self, hl_broker_t *broker)
{
    self->broker = broker;
}

void
hl_tickets_set_similar (hl_tickets_t *self, hl_similar_t *similar)
{
    self->similar = similar;
}

//  The effects of step S with result RES, in this process.
static void
s_effects (const s_step_t *s, const hl_store_transition_result_t *res)
{
    hl_tickets_t *self = s->self;
    if (res->outcome == HL_STORE_NEW) {
        if (self->timers)
            hl_timers_arm (self->timers, s->ticket, &res->sla);
        if (self->metrics)
            hl_metrics_transition (self->metrics, s->action);
        if (self->similar && !hl_lifecycle_is_open (res->to))
            hl_similar_forget (self->similar, s->ticket);
    }
    if (self->broker && res->outcome == HL_STORE_NEW
        && res->from == HOTLINE__STATE__STATE_DISPATCHED
        && res->to != HOTLINE__STATE__STATE_DISPATCHED)
        hl_broker_left (self->broker, s->ticket, res->unit);
    //  Queued when it comes to be dispatched (a step that leaves it so,
    //  pause or link_repeat, does not queue it again).
    if (self->broker && (res->outcome == HL_STORE_NEW || res->outcome == HL_STORE_DUP)
        && res->to == HOTLINE__STATE__STATE_DISPATCHED
        && res->from != HOTLINE__STATE__STATE_DISPATCHED)
        hl_broker_dispatched (self->broker, s->ticket, res->unit, res->assist);
}

static void
s_on_transition (const hl_store_transition_result_t *res, void *arg)
{
    s_step_t *s = arg;
    s_effects (s, res);
    s->fn (res, s->arg);
    free (s);
}

//  One intake on its way through the store.
typedef struct {
    hl_tickets_t *self;
    const Hotline__Complaint *complaint;
    hl_store_intake_fn *fn;
    void *arg;
} s_intake_t;

//  A new open ticket is offered as a similar one (并单 candidates, hotspots);
//  requests closed at intake are not.
static void
s_index_similar (hl_tickets_t *self, const Hotline__Complaint *c, const hl_store_result_t *res)
{
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
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_intake_t *in = arg;
    hl_tickets_t *self = in->self;
    if (res->outcome == HL_STORE_NEW)
        s_index_similar (self, in->complaint, res);
    if (self->broker && (res->outcome == HL_STORE_NEW || res->outcome == HL_STORE_DUP)
        && res->state == HOTLINE__STATE__STATE_DISPATCHED)
        hl_broker_dispatched (self->broker, res->ticket, res->unit, res->assist);
    in->fn (res, in->arg);
    free (in);
}

int
hl_tickets_intake (hl_tickets_t *self, const Hotline__Complaint *c, const char *actor,
                   const hl_store_disposition_t *disposition, hl_store_intake_fn *fn, void *arg)
{
    assert (self && c && fn);
    s_intake_t *in = calloc (1, sizeof *in);
    if (!in)
        abort ();
    *in = (s_intake_t) { .self = self, .complaint = c, .fn = fn, .arg = arg };
    if (hl_store_intake (self->store, c, actor, 0, disposition, s_on_intake, in) != 0) {
        free (in);
        return -1;
    }
    return 0;
}

int
hl_tickets_transition (hl_tickets_t *self, const Hotline__Transition *t, const char *actor,
                       const void *rid, size_t rid_len, uint64_t now_ms,
                       const hl_store_premade_t *pre, hl_store_transition_fn *fn, void *arg)
{
    assert (self && t && fn);
    s_step_t *s = calloc (1, sizeof *s);
    if (!s)
        abort ();
    *s = (s_step_t) { .self = self, .action = t->action, .fn = fn, .arg = arg };
    snprintf (s->ticket, sizeof s->ticket, "%.*s", (int) t->ticket.len, t->ticket.data);
    if (hl_store_transition (self->store, t, actor, rid, rid_len, now_ms, pre, s_on_transition,
                             s) != 0) {
        free (s);
        return -1;
    }
    return 0;
}

void
hl_tickets_set_archive (hl_tickets_t *self, hl_archive_t *archive, const hl_pii_t *pii)
{
    self->archive = archive;
    self->pii = pii;
}

//  One read on its way: Redis first, then the archive.
typedef struct {
    hl_tickets_t *self;
    char ticket[HL_STORE_TICKET_MAX];
    hl_store_view_fn *fn;
    void *arg;
} s_read_t;

static void
s_on_archived (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_read_t *r = arg;
    r->fn (view, error, r->arg);
    free (r);
}

static void
s_on_live (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_read_t *r = arg;
    hl_tickets_t *self = r->self;
    if (view || error || !self->archive) {
        r->fn (view, error, r->arg);
        free (r);
        return;
    }
    if (hl_archread_ticket (self->archive, self->pii, r->ticket, s_on_archived, r) != 0) {
        r->fn (NULL, hl_archive_ready (self->archive) ? NULL : "the archive is unreachable",
               r->arg);
        free (r);
    }
}

int
hl_tickets_get (hl_tickets_t *self, const char *ticket, hl_store_view_fn *fn, void *arg)
{
    assert (self && ticket && fn);
    s_read_t *r = calloc (1, sizeof *r);
    if (!r)
        abort ();
    *r = (s_read_t) { .self = self, .fn = fn, .arg = arg };
    snprintf (r->ticket, sizeof r->ticket, "%s", ticket);
    if (hl_store_ticket_get (self->store, ticket, s_on_live, r) != 0) {
        free (r);
        return -1;
    }
    return 0;
}
