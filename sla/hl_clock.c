/*  hl_clock: injectable time source. See hl_clock.h. */
#include "hl_clock.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct _hl_clock_t {
    bool manual;
    _Atomic int64_t manual_ms;  //  the time a manual clock shows
};

//  Both constructors share this; allocation failure aborts, as for every
//  small allocation in hotline.
static hl_clock_t *
s_clock_new (bool manual, int64_t start_ms)
{
    hl_clock_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->manual = manual;
    atomic_init (&self->manual_ms, start_ms);
    return self;
}

hl_clock_t *
hl_clock_new_real (void)
{
    return s_clock_new (false, 0);
}

hl_clock_t *
hl_clock_new_manual (int64_t start_ms)
{
    return s_clock_new (true, start_ms);
}

void
hl_clock_destroy (hl_clock_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

//  The real clock reads CLOCK_REALTIME rather than a monotonic clock:
//  deadlines are moments on the civil calendar, and a stepped system clock
//  must move them the same way it moves everybody's wall clock.
int64_t
hl_clock_now_ms (hl_clock_t *self)
{
    assert (self);
    if (self->manual)
        return atomic_load (&self->manual_ms);
    struct timespec ts;
    int rc = clock_gettime (CLOCK_REALTIME, &ts);
    assert (rc == 0);
    (void) rc;
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool
hl_clock_is_manual (hl_clock_t *self)
{
    assert (self);
    return self->manual;
}

//  Moving a real clock is a programming error: production code must never
//  be able to fake time.
void
hl_clock_set_ms (hl_clock_t *self, int64_t now_ms)
{
    assert (self && self->manual);
    atomic_store (&self->manual_ms, now_ms);
}

int64_t
hl_clock_advance_ms (hl_clock_t *self, int64_t delta_ms)
{
    assert (self && self->manual);
    assert (delta_ms >= 0);
    return atomic_fetch_add (&self->manual_ms, delta_ms) + delta_ms;
}
