/*  hl_clock: an injectable time source.
 *
 *  Everything in hotline that asks "what time is it" asks an hl_clock_t,
 *  never the system directly, so that tests can run days of calendar time
 *  in seconds: a manual clock stands still until the test sets or advances
 *  it. A real clock reads CLOCK_REALTIME (SLA deadlines are wall-clock
 *  moments, stored as Unix milliseconds).
 *
 *  Reading and moving a clock are safe from any thread.
 */
#ifndef HL_CLOCK_H_INCLUDED
#define HL_CLOCK_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

typedef struct _hl_clock_t hl_clock_t;

//  Create a clock that follows the system's real time.
hl_clock_t *
    hl_clock_new_real (void);

//  Create a manual clock that shows START_MS until told otherwise.
hl_clock_t *
    hl_clock_new_manual (int64_t start_ms);

//  Destroy a clock; nulls the pointer, does nothing if it is already NULL.
void
    hl_clock_destroy (hl_clock_t **self_p);

//  Current time in Unix milliseconds.
int64_t
    hl_clock_now_ms (hl_clock_t *self);

//  True for a manual clock.
bool
    hl_clock_is_manual (hl_clock_t *self);

//  Set a manual clock to NOW_MS (which may go backwards: tests decide).
void
    hl_clock_set_ms (hl_clock_t *self, int64_t now_ms);

//  Move a manual clock forward by DELTA_MS (>= 0); returns the new time.
int64_t
    hl_clock_advance_ms (hl_clock_t *self, int64_t delta_ms);

#endif
