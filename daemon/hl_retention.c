/*  hl_retention: closed tickets leave Redis once archived. See
 *  hl_retention.h. */
#include "hl_retention.h"
#include "hl_bucket.h"
#include "hl_log.h"
#include "hl_store_sched.h"

#include <assert.h>
#include <stdlib.h>

#define S_LIMIT 200              //  tickets one hl_retire call looks at

typedef struct {
    hl_retention_t *self;        //  NULL once the class is gone (a call in flight)
    int bucket;
    int held;
    int busy;                    //  a call is on its way
} s_bucket_t;

struct hl_retention {
    hl_store_t *store;
    hl_deadline_t *deadline;
    int64_t keep_ms;
    struct event *tick;
    uint64_t dropped;
    s_bucket_t *buckets[HL_TICKET_BUCKETS];
};

int64_t
hl_retention_period_ms (int64_t keep_ms)
{
    int64_t period = keep_ms / 4;
    return period < 50 ? 50 : period > 60000 ? 60000 : period;
}

static void s_sweep (s_bucket_t *bk);

//  A sweep answered: another at once if it stopped at its limit.
static void
s_on_retired (int status, int dropped, int looked, const char *error, void *arg)
{
    s_bucket_t *bk = arg;
    bk->busy = 0;
    hl_retention_t *self = bk->self;
    if (!self) {
        free (bk);
        return;
    }
    if (status != 0) {
        if (error)
            hl_warning ("retention: bucket %d: %s", bk->bucket, error);
        return;
    }
    self->dropped += (uint64_t) dropped;
    if (looked >= S_LIMIT && bk->held)
        s_sweep (bk);
}

static void
s_sweep (s_bucket_t *bk)
{
    hl_retention_t *self = bk->self;
    if (bk->busy || !bk->held || !hl_store_is_ready (self->store))
        return;
    //  Redis's time, as the steps take it; a test clock if one is set.
    int64_t now = hl_deadline_clock_is_manual (self->deadline) ? hl_deadline_now (self->deadline)
                                                                : 0;
    if (hl_store_retire (self->store, bk->bucket, now, self->keep_ms, S_LIMIT, s_on_retired, bk)
        == 0)
        bk->busy = 1;
}

static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_retention_t *self = arg;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        s_sweep (self->buckets[b]);
}

hl_retention_t *
hl_retention_new (struct event_base *base, hl_store_t *store, hl_deadline_t *deadline,
                  int64_t keep_ms)
{
    assert (base && store && deadline && keep_ms > 0);
    hl_retention_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->store = store;
    self->deadline = deadline;
    self->keep_ms = keep_ms;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        self->buckets[b] = calloc (1, sizeof *self->buckets[b]);
        if (!self->buckets[b])
            abort ();
        *self->buckets[b] = (s_bucket_t) { .self = self, .bucket = b };
    }
    self->tick = event_new (base, -1, EV_PERSIST, s_on_tick, self);
    int64_t period = hl_retention_period_ms (keep_ms);
    struct timeval tv = { (time_t) (period / 1000), (suseconds_t) (period % 1000) * 1000 };
    event_add (self->tick, &tv);
    return self;
}

void
hl_retention_destroy (hl_retention_t **self_p)
{
    assert (self_p);
    hl_retention_t *self = *self_p;
    if (!self)
        return;
    //  A bucket whose call is on its way is freed by its answer (the store
    //  answers every call, at the latest when it is destroyed).
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        if (self->buckets[b]->busy)
            self->buckets[b]->self = NULL;
        else
            free (self->buckets[b]);
    }
    event_free (self->tick);
    free (self);
    *self_p = NULL;
}

void
hl_retention_hold (hl_retention_t *self, int bucket, int held)
{
    assert (self && bucket >= 0 && bucket < HL_TICKET_BUCKETS);
    self->buckets[bucket]->held = held;
}

uint64_t
hl_retention_dropped (const hl_retention_t *self)
{
    return self->dropped;
}
