/*  hl_timers: SLA deadlines fired to the second.
 *
 *  Reminders live in Redis, in the sorted set of the ticket's bucket
 *  (hl:{NN}:timers), armed at every transition through hl_timers_arm. This
 *  class fires the buckets this instance holds the lease of (hl_lease,
 *  which tells it through hl_timers_hold): it keeps each held bucket's
 *  next due moment and sets one libevent timer for the earliest of them;
 *  a short tick looks at those moments and asks a tenth of the held
 *  buckets again each time, for moments another hotlined instance armed.
 *  Each call of the hl_timer_fire Function fires one bucket: it pops each
 *  due reminder exactly once however many instances call it (two may,
 *  briefly, while a bucket changes hands), writes it to the ticket's
 *  history and returns it with the bucket's next moment; hotlined then
 *  publishes it on its event socket (ZeroMQ PUB, topic "timer") for
 *  dashboards and notifiers. Reminders that fell due while nobody held
 *  their bucket fire as soon as an instance takes it.
 *
 *  After a reload of the calendar or the policy (and after every Redis
 *  (re)connect) every open ticket's running clocks are recomputed and
 *  re-armed, in batches handed to the loop one at a time so intake never
 *  waits behind them. The same job runs daily; each run counts the
 *  provisional deadlines (past the loaded calendar files) for /metrics and
 *  warns in the log when the calendar files end within 60 days (as does
 *  the start).
 */
#ifndef HL_TIMERS_H_INCLUDED
#define HL_TIMERS_H_INCLUDED

#include "hl_config.h"
#include "hl_deadline.h"
#include "hl_metrics.h"
#include "hl_store.h"

#include <event2/event.h>

typedef struct hl_timers hl_timers_t;

hl_timers_t *hl_timers_new (struct event_base *base, hl_store_t *store,
                            hl_deadline_t *deadline, hl_metrics_t *metrics);
void hl_timers_destroy (hl_timers_t **self_p);

//  Compute and arm the clocks a transition (re)started for TICKET.
void hl_timers_arm (hl_timers_t *self, const char *ticket, const hl_store_sla_t *sla);

//  Recompute every open ticket's deadlines (after a reload, a reconnect).
void hl_timers_recompute (hl_timers_t *self);

//  Look again now at every held bucket (the clock moved, e.g. a test
//  clock was set).
void hl_timers_kick (hl_timers_t *self);

//  This instance now holds BUCKET's lease (HELD 1) and fires it, or no
//  longer does (0). Taking a bucket fires what is due in it at once.
void hl_timers_hold (hl_timers_t *self, int bucket, int held);

//  Reminders fired by this instance.
uint64_t hl_timers_fired (const hl_timers_t *self);

#endif
