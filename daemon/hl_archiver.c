/*  hl_archiver: tickets copied to the PostgreSQL archive. See hl_archiver.h. */
#include "hl_archiver.h"
#include "hl_archrow.h"
#include "hl_complaint.h"
#include "hl_log.h"
#include "hl_store_sched.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char ticket[HL_STORE_TICKET_MAX];
    hl_archiver_done_fn *fn;
    void *arg;
    int64_t offered_us;
} s_offer_t;

//  A ticket of the batch as it was read: what Redis is told once
//  PostgreSQL has committed it (hl_store_archived).
typedef struct {
    char ticket[HL_STORE_TICKET_MAX];
    int history;                 //  entries written
    char caller[HL_PII_INDEX_MAX];   //  its caller's index ("" none)
} s_mark_t;

typedef struct {
    hl_archiver_t *self;
    s_offer_t *offers;
    size_t n, cap;
    size_t reads;                //  ticket reads not yet answered
    int failed;
    hl_buf_t tickets, history;   //  the rows, without their brackets
    s_mark_t *marks;             //  one per ticket read
    size_t n_marks, cap_marks;
    size_t marking;              //  marks not yet answered
} s_batch_t;

struct hl_archiver {
    struct event_base *base;
    hl_store_t *store;
    hl_archive_t *archive;
    const hl_pii_t *pii;
    hl_archiver_opts_t opts;
    s_batch_t *gathering;        //  offers waiting for the next write
    int gathering_due;           //  its linger time is over
    s_batch_t *writing;          //  the batch being read and written
    struct event *linger;
    hl_archiver_stats_t stats;
};

static void s_start (hl_archiver_t *self);

void
hl_archiver_opts_default (hl_archiver_opts_t *opts)
{
    *opts = (hl_archiver_opts_t) { .batch_max = 200, .linger_ms = 20 };
}

static s_batch_t *
s_batch_new (hl_archiver_t *self)
{
    s_batch_t *b = calloc (1, sizeof *b);
    if (!b)
        abort ();
    b->self = self;
    return b;
}

//  Answers every offer of B with STATUS and frees it.
static void
s_batch_finish (s_batch_t *b, int status)
{
    hl_archiver_t *self = b->self;
    if (self && b->n)
        self->stats.last_lag_us = hl_monotonic_us () - b->offers[0].offered_us;
    for (size_t i = 0; i < b->n; i++) {
        if (self) {
            self->stats.archived += status == 0;
            self->stats.failed += status != 0;
            self->stats.waiting--;
        }
        b->offers[i].fn (status, b->offers[i].arg);
    }
    hl_buf_free (&b->tickets);
    hl_buf_free (&b->history);
    free (b->marks);
    free (b->offers);
    free (b);
}

//  The write of the batch ended (STATUS): the next one may start. A batch
//  whose archiver was destroyed meanwhile (orphan: no self) only answers.
static void
s_written (s_batch_t *b, int status)
{
    hl_archiver_t *self = b->self;
    if (!self) {
        s_batch_finish (b, -1);
        return;
    }
    assert (self->writing == b);
    self->writing = NULL;
    if (status == 0)
        self->stats.batches++;
    s_batch_finish (b, status);
    if (self->gathering
        && (self->gathering_due || self->gathering->n >= (size_t) self->opts.batch_max))
        s_start (self);
}

static void
s_on_marked (int status, int due, int unused, const char *error, void *arg)
{
    (void) due;
    (void) unused;
    s_batch_t *b = arg;
    if (status != 0) {
        hl_warning ("archive: marking a ticket archived in Redis failed: %s (offered again later)",
                    error ? error : "no answer");
        b->failed = 1;
    }
    if (--b->marking == 0)
        s_written (b, b->failed ? -1 : 0);
}

//  PostgreSQL committed B: Redis learns, ticket by ticket, how much of
//  each the archive has (a closed ticket may then leave Redis after its
//  retention time). Only then are the offers answered: a mark lost with
//  its batch is made again when the entries are read again.
static void
s_mark (s_batch_t *b)
{
    if (!b->self || !b->n_marks) {
        s_written (b, b->self ? 0 : -1);
        return;
    }
    b->marking = 1;
    for (size_t i = 0; i < b->n_marks; i++) {
        const s_mark_t *m = &b->marks[i];
        if (hl_store_archived (b->self->store, m->ticket, m->history, m->caller, s_on_marked, b)
            == 0)
            b->marking++;
        else
            b->failed = 1;
    }
    s_on_marked (0, 0, 0, NULL, b);
}

//  The single value of a PostgreSQL answer was given (rows written).
static int
s_pg_ok (const PGresult *result, const char *err, const char *what)
{
    if (err || !result) {
        hl_warning ("archive: writing %s failed: %s (offered again later)", what,
                    err ? err : "no result");
        return 0;
    }
    return 1;
}

static void
s_on_history (hl_pg_t *pg, const PGresult *result, const char *err, void *arg)
{
    (void) pg;
    s_batch_t *b = arg;
    if (s_pg_ok (result, err, "history"))
        s_mark (b);
    else
        s_written (b, -1);
}

static void
s_on_tickets (hl_pg_t *pg, const PGresult *result, const char *err, void *arg)
{
    (void) pg;
    s_batch_t *b = arg;
    if (!b->self || !s_pg_ok (result, err, "tickets")) {
        s_written (b, -1);
        return;
    }
    //  A batch whose tickets closed at intake may have no history to write
    //  only if Redis lost it; every stored ticket has at least one entry.
    if (!b->history.len) {
        s_mark (b);
        return;
    }
    hl_buf_t json = HL_BUF_INIT;
    hl_buf_printf (&json, "[%s]", b->history.data);
    int rc = hl_archive_put_history (b->self->archive, json.data, s_on_history, b);
    hl_buf_free (&json);
    if (rc != 0)
        s_written (b, -1);
}

//  Every ticket of B has been read: write what was found.
static void
s_write (s_batch_t *b)
{
    if (b->failed || !b->self) {
        s_written (b, -1);
        return;
    }
    if (!b->tickets.len) {
        s_written (b, 0);        //  none is in Redis any more: archived before
        return;
    }
    hl_buf_t json = HL_BUF_INIT;
    hl_buf_printf (&json, "[%s]", b->tickets.data);
    int rc = hl_archive_put_tickets (b->self->archive, json.data, s_on_tickets, b);
    hl_buf_free (&json);
    if (rc != 0)
        s_written (b, -1);
}

//  Keeps what Redis is told of VIEW once it is committed: its history
//  count and its caller's index (the one intake gave its caller list).
static void
s_keep_mark (s_batch_t *b, const Hotline__TicketView *v)
{
    if (b->n_marks == b->cap_marks) {
        b->cap_marks = b->cap_marks ? 2 * b->cap_marks : 16;
        b->marks = realloc (b->marks, b->cap_marks * sizeof *b->marks);
        if (!b->marks)
            abort ();
    }
    s_mark_t *m = &b->marks[b->n_marks++];
    snprintf (m->ticket, sizeof m->ticket, "%s", v->ticket);
    m->history = (int) v->n_history;
    m->caller[0] = 0;
    const Hotline__Complaint *c = v->complaint;
    char phone[HL_COMPLAINT_PHONE_MAX + 1] = "";
    if (c && c->caller_phone.len && !c->anonymous
        && hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone) > 0)
        hl_pii_index (b->self->pii, phone, m->caller);
}

static void
s_on_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_batch_t *b = arg;
    if (view && b->self) {
        if (hl_archrow_append (view, b->self->pii, &b->tickets, &b->history) == 0)
            s_keep_mark (b, view);
    }
    else
    if (error) {
        hl_warning ("archive: reading a ticket failed: %s (offered again later)", error);
        b->failed = 1;
    }
    if (--b->reads == 0)
        s_write (b);
}

//  Whether offer I of B names a ticket an earlier offer of B named (the
//  batch reads each ticket once; batches are small, so a scan will do).
static int
s_seen (const s_batch_t *b, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp (b->offers[k].ticket, b->offers[i].ticket) == 0)
            return 1;
    return 0;
}

//  The gathering batch becomes the one written: each distinct ticket is
//  read (the +1 holds the batch while the reads are sent).
static void
s_start (hl_archiver_t *self)
{
    assert (!self->writing && self->gathering);
    s_batch_t *b = self->gathering;
    self->gathering = NULL;
    self->gathering_due = 0;
    evtimer_del (self->linger);
    self->writing = b;
    b->reads = 1;
    for (size_t i = 0; i < b->n; i++) {
        if (s_seen (b, i))
            continue;
        if (hl_store_ticket_get (self->store, b->offers[i].ticket, s_on_view, b) == 0)
            b->reads++;
        else
            b->failed = 1;
    }
    if (--b->reads == 0)
        s_write (b);
}

static void
s_on_linger (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_archiver_t *self = arg;
    self->gathering_due = 1;
    if (self->gathering && !self->writing)
        s_start (self);
}

hl_archiver_t *
hl_archiver_new (struct event_base *base, hl_store_t *store, hl_archive_t *archive,
                 const hl_pii_t *pii, const hl_archiver_opts_t *opts)
{
    assert (base && store && archive && opts && opts->batch_max > 0 && opts->linger_ms >= 0);
    hl_archiver_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->store = store;
    self->archive = archive;
    self->pii = pii;
    self->opts = *opts;
    self->linger = evtimer_new (base, s_on_linger, self);
    return self;
}

void
hl_archiver_destroy (hl_archiver_t **self_p)
{
    assert (self_p);
    hl_archiver_t *self = *self_p;
    if (!self)
        return;
    //  A batch being written waits for the store's and PostgreSQL's
    //  answers (they come, at the latest when those are destroyed): it is
    //  orphaned, and answers its offers -1 then.
    if (self->writing)
        self->writing->self = NULL;
    if (self->gathering)
        s_batch_finish (self->gathering, -1);
    evtimer_del (self->linger);
    event_free (self->linger);
    free (self);
    *self_p = NULL;
}

int
hl_archiver_offer (hl_archiver_t *self, const char *ticket, hl_archiver_done_fn *fn, void *arg)
{
    assert (self && ticket && fn);
    if (!hl_archive_ready (self->archive) || strlen (ticket) >= HL_STORE_TICKET_MAX)
        return -1;
    if (!self->gathering) {
        self->gathering = s_batch_new (self);
        struct timeval tv = { self->opts.linger_ms / 1000, (self->opts.linger_ms % 1000) * 1000 };
        evtimer_add (self->linger, &tv);
    }
    s_batch_t *b = self->gathering;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        b->offers = realloc (b->offers, b->cap * sizeof *b->offers);
        if (!b->offers)
            abort ();
    }
    s_offer_t *o = &b->offers[b->n++];
    snprintf (o->ticket, sizeof o->ticket, "%s", ticket);
    o->fn = fn;
    o->arg = arg;
    o->offered_us = hl_monotonic_us ();
    self->stats.waiting++;
    if (b->n >= (size_t) self->opts.batch_max && !self->writing)
        s_start (self);
    return 0;
}

int
hl_archiver_ready (const hl_archiver_t *self)
{
    return hl_archive_ready (self->archive);
}

void
hl_archiver_stats (const hl_archiver_t *self, hl_archiver_stats_t *stats)
{
    *stats = self->stats;
}
