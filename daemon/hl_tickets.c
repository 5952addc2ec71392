/*  hl_tickets: the ticket service. See hl_tickets.h. */
#include "hl_tickets.h"
#include "hl_broker.h"
#include "hl_lifecycle.h"
#include "hl_similar.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

struct hl_tickets {
    hl_store_t *store;
    hl_timers_t *timers;
    hl_feed_t *feed;
    hl_metrics_t *metrics;
    hl_broker_t *broker;
    hl_similar_t *similar;
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
hl_tickets_set_observers (hl_tickets_t *self, hl_feed_t *feed, hl_metrics_t *metrics)
{
    self->feed = feed;
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
        if (self->feed)
            hl_feed_transition (self->feed, s->ticket, res->unit, res->from, res->to, s->action,
                                (int64_t) res->at_ms);
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
