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
#include <string.h>

struct hl_tickets {
    hl_store_t *store;
    hl_timers_t *timers;
    hl_metrics_t *metrics;
    hl_broker_t *broker;
    hl_similar_t *similar;
    hl_archive_t *archive;
    const hl_pii_t *pii;
};

//  One transition on its way through the store. What it was asked is
//  kept (the transition packed) for a second try after its ticket came
//  back from the archive.
typedef struct {
    hl_tickets_t *self;
    char ticket[HL_STORE_TICKET_MAX];
    int action;
    hl_store_transition_fn *fn;
    void *arg;
    uint8_t *packed;             //  the transition
    size_t packed_len;
    char actor[256];
    char rid[256];
    size_t rid_len;
    uint64_t now_ms;
    hl_store_premade_t pre;
    int has_pre;
    int retried;                 //  the second try (no third)
    hl_store_transition_result_t refused;   //  the first try's not_found
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
s_step_free (s_step_t *s)
{
    free (s->packed);
    free (s);
}

//  Answers S with RES (after its effects) and frees it.
static void
s_step_answer (s_step_t *s, const hl_store_transition_result_t *res)
{
    s_effects (s, res);
    s->fn (res, s->arg);
    s_step_free (s);
}

//  The ticket could not be brought back: the first answer (not_found) if
//  the archive does not have it either, else a failure saying why.
static void
s_step_fail (s_step_t *s, const char *error)
{
    hl_store_transition_result_t res = s->refused;
    if (error) {
        res.outcome = HL_STORE_FAILED;
        snprintf (res.error, sizeof res.error, "bringing the ticket back from the archive "
                  "failed: %.120s", error);
    }
    s_step_answer (s, &res);
}

static void s_on_transition (const hl_store_transition_result_t *res, void *arg);

//  The second try, once the ticket is in Redis again.
static void
s_on_restored (int status, const char *error, void *arg)
{
    s_step_t *s = arg;
    if (status != 0) {
        s_step_fail (s, error ? error : "the ticket store did not answer");
        return;
    }
    Hotline__Transition *t = hotline__transition__unpack (NULL, s->packed_len, s->packed);
    s->retried = 1;
    int rc = t ? hl_store_transition (s->self->store, t, s->actor, s->rid, s->rid_len, s->now_ms,
                                      s->has_pre ? &s->pre : NULL, s_on_transition, s)
               : -1;
    if (t)
        hotline__transition__free_unpacked (t, NULL);
    if (rc != 0)
        s_step_fail (s, "the ticket store is not reachable");
}

static void
s_on_archived_copy (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_step_t *s = arg;
    if (!view || hl_store_ticket_restore (s->self->store, view, (int64_t) s->now_ms,
                                          s_on_restored, s) != 0)
        s_step_fail (s, view ? "the ticket store is not reachable" : error);
}

//  A ticket Redis does not have may have left it after its retention time
//  (hl_retention): an action on it brings it back from the archive first.
static int
s_from_archive (s_step_t *s, const hl_store_transition_result_t *res)
{
    hl_tickets_t *self = s->self;
    if (s->retried || !self->archive || !s->packed || res->outcome != HL_STORE_REFUSED
        || res->code != HOTLINE__ERROR_CODE__ERROR_NOT_FOUND)
        return 0;
    s->refused = *res;
    return hl_archread_ticket (self->archive, self->pii, s->ticket, s_on_archived_copy, s) == 0;
}

static void
s_on_transition (const hl_store_transition_result_t *res, void *arg)
{
    s_step_t *s = arg;
    if (!s_from_archive (s, res))
        s_step_answer (s, res);
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

//  Keeps what S was asked, for a second try (with an archive only: without
//  one no ticket ever leaves Redis). A request too long to keep gets no
//  second try.
static void
s_keep_request (s_step_t *s, const Hotline__Transition *t, const char *actor, const void *rid,
                size_t rid_len, const hl_store_premade_t *pre)
{
    if (!actor || strlen (actor) >= sizeof s->actor || rid_len > sizeof s->rid)
        return;
    snprintf (s->actor, sizeof s->actor, "%s", actor);
    if (rid_len)
        memcpy (s->rid, rid, rid_len);
    s->rid_len = rid_len;
    if (pre)
        s->pre = *pre;
    s->packed_len = hotline__transition__get_packed_size (t);
    s->packed = malloc (s->packed_len ? s->packed_len : 1);
    if (!s->packed)
        abort ();
    hotline__transition__pack (t, s->packed);
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
    *s = (s_step_t) { .self = self, .action = t->action, .fn = fn, .arg = arg,
                      .now_ms = now_ms, .has_pre = pre != NULL };
    snprintf (s->ticket, sizeof s->ticket, "%.*s", (int) t->ticket.len, t->ticket.data);
    if (self->archive)
        s_keep_request (s, t, actor, rid, rid_len, pre);
    if (hl_store_transition (self->store, t, actor, rid, rid_len, now_ms, pre, s_on_transition,
                             s) != 0) {
        s_step_free (s);
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

//  One list on its way: Redis first, then the archive, then merged.
typedef struct {
    hl_tickets_t *self;
    char index[8];
    char key[HL_PII_INDEX_MAX + HL_STORE_UNIT_MAX];   //  for the archive: a caller by keyed hash
    char state[32];
    unsigned limit;
    hl_tickets_list_fn *fn;
    void *arg;
    Hotline__TicketSummary **live;   //  Redis's part, copies owned here
    size_t n_live;
} s_list_t;

static void
s_list_free (s_list_t *l)
{
    for (size_t i = 0; i < l->n_live; i++)
        hotline__ticket_summary__free_unpacked (l->live[i], NULL);
    free (l->live);
    free (l);
}

static int
s_newest_first (const void *a, const void *b)
{
    const Hotline__TicketSummary *x = *(Hotline__TicketSummary *const *) a;
    const Hotline__TicketSummary *y = *(Hotline__TicketSummary *const *) b;
    if (x->created_ms != y->created_ms)
        return x->created_ms < y->created_ms ? 1 : -1;
    return strcmp (y->ticket ? y->ticket : "", x->ticket ? x->ticket : "");
}

static int
s_is_live (const s_list_t *l, const char *ticket)
{
    for (size_t i = 0; i < l->n_live; i++)
        if (l->live[i]->ticket && strcmp (l->live[i]->ticket, ticket) == 0)
            return 1;
    return 0;
}

static void
s_on_archived_list (Hotline__TicketSummary **items, size_t n, const char *error, void *arg)
{
    s_list_t *l = arg;
    Hotline__TicketSummary **all = calloc (l->n_live + n + 1, sizeof *all);
    if (!all)
        abort ();
    size_t k = 0;
    for (size_t i = 0; i < l->n_live; i++)
        all[k++] = l->live[i];
    for (size_t i = 0; !error && i < n; i++)
        if (items[i]->ticket && !s_is_live (l, items[i]->ticket))
            all[k++] = items[i];
    if (k > 1)
        qsort (all, k, sizeof *all, s_newest_first);
    l->fn (all, k < l->limit ? k : l->limit, error != NULL, NULL, l->arg);
    free (all);
    s_list_free (l);
}

static void
s_on_live_list (Hotline__TicketSummary **items, size_t n, const char *error, void *arg)
{
    s_list_t *l = arg;
    hl_tickets_t *self = l->self;
    if (error || !self->archive) {
        l->fn (items, n, 0, error, l->arg);
        s_list_free (l);
        return;
    }
    l->live = calloc (n + 1, sizeof *l->live);
    if (!l->live)
        abort ();
    for (l->n_live = 0; l->n_live < n; l->n_live++)
        l->live[l->n_live] = hl_wire_copy (&items[l->n_live]->base);
    if (hl_archread_list (self->archive, l->index, l->key, l->state, l->limit,
                          s_on_archived_list, l) != 0)
        s_on_archived_list (NULL, 0, "the archive is unreachable", l);
}

int
hl_tickets_list (hl_tickets_t *self, const char *index, const char *key, const char *state,
                 unsigned limit, hl_tickets_list_fn *fn, void *arg)
{
    assert (self && index && key && state && fn);
    s_list_t *l = calloc (1, sizeof *l);
    if (!l)
        abort ();
    *l = (s_list_t) { .self = self, .limit = limit, .fn = fn, .arg = arg };
    snprintf (l->index, sizeof l->index, "%s", index);
    snprintf (l->state, sizeof l->state, "%s", state);
    if (strcmp (index, "caller") == 0)
        hl_pii_index (self->pii, key, l->key);
    else
        snprintf (l->key, sizeof l->key, "%s", key);
    if (hl_store_ticket_list (self->store, index, key, state, limit, s_on_live_list, l) != 0) {
        free (l);
        return -1;
    }
    return 0;
}
