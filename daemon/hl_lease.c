/*  hl_lease: leasing a share of the buckets. See hl_lease.h. */
#include "hl_lease.h"
#include "hl_bucket.h"
#include "hl_log.h"
#include "hl_share.h"
#include "hl_store_sched.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_RETRY_MS 200           //  next look while short of the share or unheard
#define S_AFTER_MS 20            //  looks again this long after a heartbeat runs out

//  What a bucket's call in flight asks.
enum { S_NONE, S_RENEW, S_TAKE, S_RELEASE, S_FAREWELL };

typedef struct {
    hl_lease_t *self;
    int bucket;
    int held;
    int pending;                 //  S_NONE or the call in flight
    int64_t sent_us;             //  when that call was sent (monotonic)
    int64_t renewed_us;          //  when the last take or renewal that held was sent
} s_slot_t;

struct hl_lease {
    struct event_base *base;
    hl_store_t *store;
    char holder[160];
    int lease_ms;
    hl_lease_fn *fn;
    void *arg;
    struct event *round;         //  one-shot: the next beat
    int beating;                 //  a beat in flight
    int n_held;
    int want, first;             //  the deal of the latest beat
    int cursor, taking;          //  walking the run for free buckets
    int stopping;
    int farewells;               //  answers the stop waits for
    void (*stop_done) (void *arg);
    void *stop_arg;
    s_slot_t slots[HL_TICKET_BUCKETS];
};

//  ---------------------------------------------------------------------

static void
s_set_held (hl_lease_t *self, s_slot_t *slot, int held)
{
    if (slot->held == held)
        return;
    slot->held = held;
    self->n_held += held ? 1 : -1;
    hl_debug ("lease: bucket %d %s", slot->bucket, held ? "taken" : "let go");
    self->fn (slot->bucket, held, self->arg);
}

static void
s_schedule (hl_lease_t *self, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add (self->round, &tv);
}

static void s_on_lease (int yes, void *arg);

//  Sends OP (a take also renews) for SLOT's bucket as PENDING.
static int
s_send (hl_lease_t *self, s_slot_t *slot, hl_store_lease_op_t op, int pending)
{
    if (hl_store_lease (self->store, slot->bucket, self->holder, self->lease_ms, op, s_on_lease,
                        slot) != 0)
        return -1;
    slot->pending = pending;
    slot->sent_us = hl_monotonic_us ();
    return 0;
}

//  Takes free buckets of the run, one call in flight per bucket still owed.
static void
s_take_more (hl_lease_t *self)
{
    while (!self->stopping && self->n_held + self->taking < self->want
           && self->cursor < HL_TICKET_BUCKETS) {
        s_slot_t *slot = &self->slots[(self->first + self->cursor++) % HL_TICKET_BUCKETS];
        if (slot->held || slot->pending)
            continue;
        if (s_send (self, slot, HL_STORE_LEASE_TAKE, S_TAKE) != 0)
            return;
        self->taking++;
    }
}

static void
s_farewell_answered (hl_lease_t *self)
{
    if (--self->farewells == 0 && self->stop_done)
        self->stop_done (self->stop_arg);
}

static void
s_on_lease (int answer, void *arg)
{
    s_slot_t *slot = arg;
    hl_lease_t *self = slot->self;
    int op = slot->pending;
    slot->pending = S_NONE;
    int yes = answer == 1;
    if (op == S_FAREWELL) {
        s_farewell_answered (self);
        return;
    }
    if (op == S_RELEASE)
        return;
    if (op == S_TAKE)
        self->taking--;
    if (yes && self->stopping) {
        s_send (self, slot, HL_STORE_LEASE_RELEASE, S_RELEASE);     //  taken as the stop began
        return;
    }
    if (yes) {
        slot->renewed_us = slot->sent_us;
        s_set_held (self, slot, 1);
    }
    else if (answer == 0 && slot->held) {
        hl_notice ("lease: bucket %d is held by another instance now", slot->bucket);
        s_set_held (self, slot, 0);
    }
    if (op == S_TAKE)
        s_take_more (self);
}

//  A lease not renewed within its time may belong to another instance
//  already (Redis unreachable, or too slow): stop firing its bucket.
static void
s_drop_stale (hl_lease_t *self)
{
    int64_t now = hl_monotonic_us ();
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        s_slot_t *slot = &self->slots[b];
        if (slot->held && now - slot->renewed_us > (int64_t) self->lease_ms * 1000) {
            hl_warning ("lease: bucket %d not renewed in time; not firing it", b);
            s_set_held (self, slot, 0);
        }
    }
}

//  Owes more than the deal allows: the buckets furthest from the run go.
static void
s_release_surplus (hl_lease_t *self)
{
    for (int i = HL_TICKET_BUCKETS - 1; i >= 0 && self->n_held > self->want; i--) {
        s_slot_t *slot = &self->slots[(self->first + i) % HL_TICKET_BUCKETS];
        if (slot->held && !slot->pending && s_send (self, slot, HL_STORE_LEASE_RELEASE, S_RELEASE) == 0)
            s_set_held (self, slot, 0);
    }
}

static void
s_renew_held (hl_lease_t *self)
{
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        s_slot_t *slot = &self->slots[b];
        if (slot->held && !slot->pending)
            s_send (self, slot, HL_STORE_LEASE_TAKE, S_RENEW);
    }
}

//  The deal from the live holders the registry answered (sorted names).
static int
s_deal (hl_lease_t *self, const char *const *names, size_t n)
{
    int rank = hl_share_rank (names, n, self->holder);
    if (rank < 0)
        return -1;
    int want = hl_share_count (HL_TICKET_BUCKETS, (int) n, rank);
    if (want != self->want)
        hl_info ("lease: %zu live instance%s, this one's share is %d bucket%s", n,
                 n == 1 ? "" : "s", want, want == 1 ? "" : "s");
    self->want = want;
    self->first = hl_share_first (HL_TICKET_BUCKETS, (int) n, rank);
    return 0;
}

static void
s_on_beat (int ok, int64_t other, const char *const *holders, size_t n, const char *error,
           void *arg)
{
    hl_lease_t *self = arg;
    self->beating = 0;
    if (self->stopping)
        return;
    s_drop_stale (self);
    if (ok != 0 || s_deal (self, holders, n) != 0) {
        if (error)
            hl_warning ("lease: heartbeat refused: %s", error);
        s_schedule (self, S_RETRY_MS);
        return;
    }
    s_release_surplus (self);
    s_renew_held (self);
    self->cursor = 0;
    s_take_more (self);
    //  Next: a third of the lease; sooner while short of the share, or
    //  just after another instance's heartbeat runs out (it may have died:
    //  its buckets are dealt anew then).
    long long next = self->n_held < self->want ? S_RETRY_MS : self->lease_ms / 3;
    if (other >= 0 && other + S_AFTER_MS < next)
        next = other + S_AFTER_MS;
    s_schedule (self, (int) next);
}

static void
s_beat (hl_lease_t *self)
{
    if (self->stopping || self->beating)
        return;
    if (hl_store_lease_beat (self->store, self->holder, self->lease_ms, 0, s_on_beat, self) == 0)
        self->beating = 1;
    else {
        s_drop_stale (self);
        s_schedule (self, S_RETRY_MS);
    }
}

static void
s_on_round (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_beat (arg);
}

//  ---------------------------------------------------------------------

void
hl_lease_kick (hl_lease_t *self)
{
    event_del (self->round);
    s_beat (self);
}

static void
s_on_left (int ok, int64_t other, const char *const *holders, size_t n, const char *error,
           void *arg)
{
    (void) ok;
    (void) other;
    (void) holders;
    (void) n;
    (void) error;
    s_farewell_answered (arg);
}

void
hl_lease_stop (hl_lease_t *self, void (*done) (void *arg), void *arg)
{
    assert (!self->stopping);
    self->stopping = 1;
    self->stop_done = done;
    self->stop_arg = arg;
    event_del (self->round);
    self->farewells = 1;         //  held while sending
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        s_slot_t *slot = &self->slots[b];
        if (!slot->held)
            continue;
        s_set_held (self, slot, 0);
        if (!slot->pending && s_send (self, slot, HL_STORE_LEASE_RELEASE, S_FAREWELL) == 0)
            self->farewells++;
    }
    if (hl_store_lease_beat (self->store, self->holder, self->lease_ms, 1, s_on_left, self) == 0)
        self->farewells++;
    s_farewell_answered (self);
}

int
hl_lease_held (const hl_lease_t *self, int bucket)
{
    assert (bucket >= 0 && bucket < HL_TICKET_BUCKETS);
    return self->slots[bucket].held;
}

int
hl_lease_count (const hl_lease_t *self)
{
    return self->n_held;
}

const char *
hl_lease_holder (const hl_lease_t *self)
{
    return self->holder;
}

hl_lease_t *
hl_lease_new (struct event_base *base, hl_store_t *store, const char *instance, int lease_ms,
              hl_lease_fn *fn, void *arg)
{
    assert (lease_ms >= 3 && fn);
    hl_lease_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->store = store;
    self->lease_ms = lease_ms;
    self->fn = fn;
    self->arg = arg;
    char host[64] = "";
    if (gethostname (host, sizeof host) != 0)
        snprintf (host, sizeof host, "?");
    host[sizeof host - 1] = 0;
    snprintf (self->holder, sizeof self->holder, "%.64s/%ld@%s", instance, (long) getpid (), host);
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        self->slots[b] = (s_slot_t) { .self = self, .bucket = b };
    self->round = evtimer_new (base, s_on_round, self);
    return self;
}

void
hl_lease_destroy (hl_lease_t **self_p)
{
    assert (self_p);
    hl_lease_t *self = *self_p;
    if (!self)
        return;
    event_free (self->round);
    free (self);
    *self_p = NULL;
}
