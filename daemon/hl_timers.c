/*  hl_timers: firing SLA reminders. See hl_timers.h. */
#include "hl_timers.h"
#include "hl_bucket.h"
#include "hl_store_sched.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FIRE_BATCH 1000        //  reminders popped per call
#define S_TICK_MS 100            //  looks at the known moments this often
#define S_SWEEP_TICKS 10         //  every held bucket is asked once per this many
                                 //  ticks (moments armed by other instances)
#define S_SCAN_BATCH 200
#define S_DAY_S (24 * 3600)      //  the calendar check and recompute, daily
#define S_CALENDAR_WARN_DAYS 60  //  warn when the calendar files end this soon


//  A bucket's timers as this instance knows them.
typedef struct {
    hl_timers_t *self;
    int bucket;
    int held;                    //  this instance holds its lease (fires it)
    int firing;                  //  a fire call is in flight
    int again;                   //  fire once more when it returns
    int64_t next_due;            //  its earliest known moment, or 0
} s_bucket_t;

struct hl_timers {
    struct event_base *base;
    hl_store_t *store;
    hl_deadline_t *deadline;
    hl_metrics_t *metrics;
    struct event *tick;          //  persistent: known moments, and the sweep
    struct event *at;            //  one-shot at the earliest known moment
    unsigned ticks;
    uint64_t fired;
    s_bucket_t buckets[HL_TICKET_BUCKETS];
    int scan_state;              //  recompute job: index into hl_lifecycle_clocked, -1 idle
    long scan_next;
    uint64_t scan_provisional;   //  provisional deadlines the job met so far
    struct event *daily;         //  persistent: calendar check and recompute
    hl_log_limit_t fire_log;     //  with Redis away every bucket fails each sweep:
                                 //  one line a second says so, not 64
};

//  ---------------------------------------------------------------------
//  Arming

static void
s_facts (const hl_store_sla_t *sla, hl_deadline_facts_t *facts)
{
    memset (facts, 0, sizeof *facts);
    facts->request_type = sla->request_type;
    facts->urgent = sla->urgent;
    facts->enterprise = sla->enterprise;
    snprintf (facts->tag, sizeof facts->tag, "%s", sla->tag);
}

static void
s_on_armed (int armed, const char *error, void *arg)
{
    (void) arg;
    if (armed < 0)
        hl_warning ("arming deadlines failed: %s (the recompute on reconnect re-arms them)",
                    error ? error : "no answer");
}

static void s_note (hl_timers_t *self, int bucket, int64_t moment);

//  The earliest of a deadline's moments (0: none), to note for its bucket.
static int64_t
s_earliest (const hl_sla_deadline_t *d, int64_t earliest)
{
    int64_t moments[] = { d->warn_ms, d->due_ms, d->escalate_ms };
    for (int l = 0; l < 3; l++)
        if (moments[l] > 0 && moments[l] != HL_SLA_NEVER && (!earliest || moments[l] < earliest))
            earliest = moments[l];
    return earliest;
}

//  Arms SLA's clocks for TICKET; returns how many of their deadlines are
//  provisional (they reach past the loaded calendar files).
static uint64_t
s_arm (hl_timers_t *self, const char *ticket, const hl_store_sla_t *sla)
{
    uint64_t provisional = 0;
    if (sla->n_arm == 0)
        return 0;
    hl_deadline_facts_t facts;
    s_facts (sla, &facts);
    hl_store_clock_t clocks[4];
    int n = 0;
    int64_t earliest = 0;
    for (int i = 0; i < sla->n_arm && i < 4; i++) {
        hl_sla_deadline_t d;
        if (hl_deadline_compute (self->deadline, &facts, sla->arm[i], sla->start_ms[i],
                                 sla->pauses, sla->extension_days, &d) != 0)
            continue;
        provisional += (d.flags & HL_CALENDAR_PROVISIONAL) != 0;
        earliest = s_earliest (&d, earliest);
        clocks[n++] = (hl_store_clock_t) { .milestone = sla->arm[i], .start_ms = sla->start_ms[i],
                                           .warn_ms = d.warn_ms, .due_ms = d.due_ms,
                                           .escalate_ms = d.escalate_ms };
    }
    //  The moment is noted if the ticket's bucket is ours; the holder of
    //  another bucket finds it at its next sweep.
    if (n > 0
        && hl_store_sla_arm (self->store, ticket, hl_deadline_generation (self->deadline),
                             sla->reset, clocks, n, s_on_armed, self) == 0 && earliest)
        s_note (self, hl_bucket_of_ticket (ticket, strlen (ticket)), earliest);
    return provisional;
}

void
hl_timers_arm (hl_timers_t *self, const char *ticket, const hl_store_sla_t *sla)
{
    s_arm (self, ticket, sla);
}

//  ---------------------------------------------------------------------
//  Firing: each bucket this instance holds (hl_lease) on its own, a
//  libevent timer at the earliest moment known of any of them.

static void s_fire (s_bucket_t *bk);

//  Logs and counts one fired reminder; its event is published from the
//  outbox (hl_outbox, group ev).
static void
s_fired (hl_timers_t *self, const hl_store_fired_t *f, int64_t now)
{
    hl_info ("deadline: %s %s %s (due %lld)", f->ticket, f->milestone, f->level,
             (long long) f->due_ms);
    hl_metrics_timer (self->metrics, f->level, (double) (now - f->due_ms) / 1000.0);
}

//  Sets the one-shot timer for the earliest moment known of the held
//  buckets, if it comes before the next tick (which looks anyway).
static void
s_schedule (hl_timers_t *self)
{
    int64_t earliest = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        const s_bucket_t *bk = &self->buckets[b];
        if (bk->held && bk->next_due && (!earliest || bk->next_due < earliest))
            earliest = bk->next_due;
    }
    if (!earliest)
        return;
    int64_t wait = earliest - hl_deadline_now (self->deadline);
    if (wait < 0)
        wait = 0;
    if (wait > S_TICK_MS)
        return;
    struct timeval tv = { (time_t) (wait / 1000), (suseconds_t) ((wait % 1000) * 1000) };
    evtimer_add (self->at, &tv);
}

static void
s_note (hl_timers_t *self, int bucket, int64_t moment)
{
    if (bucket < 0 || !self->buckets[bucket].held)
        return;
    s_bucket_t *bk = &self->buckets[bucket];
    if (!bk->next_due || moment < bk->next_due) {
        bk->next_due = moment;
        s_schedule (self);
    }
}

static void
s_on_fired (const hl_store_fired_t *fired, int n, int64_t due, const char *error, void *arg)
{
    s_bucket_t *bk = arg;
    hl_timers_t *self = bk->self;
    bk->firing = 0;
    if (n < 0) {
        if (error)
            hl_log_limited (&self->fire_log, 1000, HL_LOG_WARNING,
                            "firing the timers of bucket %d failed: %s", bk->bucket, error);
        return;                  //  the next sweep asks again
    }
    int64_t now = hl_deadline_now (self->deadline);
    for (int i = 0; i < n; i++) {
        s_fired (self, &fired[i], now);
        self->fired++;
    }
    bk->next_due = bk->held ? due : 0;
    //  A full batch means more may be due already.
    if (bk->held && (n >= S_FIRE_BATCH || bk->again || (due && due <= now))) {
        bk->again = 0;
        s_fire (bk);
        return;
    }
    s_schedule (self);
}

static void
s_fire (s_bucket_t *bk)
{
    hl_timers_t *self = bk->self;
    if (!bk->held)
        return;
    if (bk->firing) {
        bk->again = 1;
        return;
    }
    if (hl_store_timer_fire (self->store, bk->bucket, hl_deadline_now (self->deadline),
                             S_FIRE_BATCH, s_on_fired, bk) == 0)
        bk->firing = 1;
}

//  The held buckets whose known moment has come.
static void
s_fire_due (hl_timers_t *self)
{
    int64_t now = hl_deadline_now (self->deadline);
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        if (self->buckets[b].next_due && self->buckets[b].next_due <= now)
            s_fire (&self->buckets[b]);
}

static void
s_on_at (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_fire_due (arg);
}

//  Each tick fires what is known to be due and sweeps a tenth of the
//  held buckets: a moment armed by another instance (whose tickets may be
//  in our buckets) is learnt within S_SWEEP_TICKS ticks.
static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_timers_t *self = arg;
    s_fire_due (self);
    unsigned turn = self->ticks++ % S_SWEEP_TICKS;
    for (int b = (int) turn; b < HL_TICKET_BUCKETS; b += S_SWEEP_TICKS)
        s_fire (&self->buckets[b]);
}

void
hl_timers_kick (hl_timers_t *self)
{
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        s_fire (&self->buckets[b]);
}

void
hl_timers_hold (hl_timers_t *self, int bucket, int held)
{
    assert (bucket >= 0 && bucket < HL_TICKET_BUCKETS);
    s_bucket_t *bk = &self->buckets[bucket];
    bk->held = held;
    bk->next_due = 0;
    if (held)
        s_fire (bk);             //  what fell due while nobody held it fires now
}

//  ---------------------------------------------------------------------
//  Recomputing every open ticket's deadlines

static void s_scan_more (hl_timers_t *self);

//  The State Council publishes next year's holidays each autumn; until its
//  file is loaded, deadlines reaching into that year are guesses. Said at
//  start, after every recompute (reload, reconnect) and daily.
static void
s_calendar_check (hl_timers_t *self)
{
    int64_t days = hl_deadline_calendar_days_left (self->deadline);
    if (days < S_CALENDAR_WARN_DAYS)
        hl_warning ("calendar: the loaded calendar files end in %lld days; deadlines past "
                    "them are provisional (statutory holidays only) until the next year's "
                    "file is added to the calendar directory and hotlined reloaded (SIGHUP)",
                    (long long) days);
}

//  Daily: recount what is provisional (and check the calendar at its end).
static void
s_on_daily (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_timers_recompute (arg);
}

static void
s_on_scan (const hl_store_clocked_t *rows, int n, long next, void *arg)
{
    hl_timers_t *self = arg;
    if (n < 0) {
        self->scan_state = -1;
        return;
    }
    for (int i = 0; i < n; i++)
        self->scan_provisional += s_arm (self, rows[i].ticket, &rows[i].sla);
    self->scan_next = next;
    if (self->scan_next == 0 && ++self->scan_state == HL_LIFECYCLE_CLOCKED) {
        self->scan_state = -1;
        hl_metrics_provisional (self->metrics, self->scan_provisional);
        hl_info ("deadlines of open tickets recomputed (%llu provisional)",
                 (unsigned long long) self->scan_provisional);
        s_calendar_check (self);
        return;
    }
    s_scan_more (self);
}

static void
s_scan_more (hl_timers_t *self)
{
    if (hl_store_sla_scan (self->store, hl_lifecycle_clocked[self->scan_state]->code,
                           self->scan_next, S_SCAN_BATCH, s_on_scan, self) != 0)
        self->scan_state = -1;
}

void
hl_timers_recompute (hl_timers_t *self)
{
    if (self->scan_state >= 0)
        return;                  //  one job at a time; it reads the newest rules
    self->scan_state = 0;
    self->scan_next = 0;
    self->scan_provisional = 0;
    s_scan_more (self);
}

//  ---------------------------------------------------------------------
//  Life cycle

hl_timers_t *
hl_timers_new (struct event_base *base, hl_store_t *store, hl_deadline_t *deadline,
               hl_metrics_t *metrics)
{
    hl_timers_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->store = store;
    self->deadline = deadline;
    self->metrics = metrics;
    self->scan_state = -1;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        self->buckets[b] = (s_bucket_t) { .self = self, .bucket = b };
    self->tick = event_new (base, -1, EV_PERSIST, s_on_tick, self);
    self->at = evtimer_new (base, s_on_at, self);
    struct timeval tv = { 0, S_TICK_MS * 1000 };
    event_add (self->tick, &tv);
    self->daily = event_new (base, -1, EV_PERSIST, s_on_daily, self);
    struct timeval day = { S_DAY_S, 0 };
    event_add (self->daily, &day);
    hl_metrics_set_deadline (metrics, deadline);
    s_calendar_check (self);
    return self;
}

void
hl_timers_destroy (hl_timers_t **self_p)
{
    assert (self_p);
    hl_timers_t *self = *self_p;
    if (!self)
        return;
    event_free (self->tick);
    event_free (self->at);
    event_free (self->daily);
    free (self);
    *self_p = NULL;
}

uint64_t
hl_timers_fired (const hl_timers_t *self)
{
    return self->fired;
}
