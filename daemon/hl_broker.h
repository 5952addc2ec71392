/*  hl_broker: the department worker queue.
 *
 *  Department workers connect to a ROUTER socket (worker_endpoint), say
 *  which unit they serve and how many unsigned tickets they may hold
 *  (credit), and then receive that unit's dispatched tickets, spread over
 *  the unit's connected workers by free credit. Both sides heartbeat; a
 *  worker silent for three intervals is taken for dead and the tickets it
 *  held unsigned go to another worker of the unit (at-least-once: signing
 *  is an atomic transition, so a ticket is never signed twice).
 *
 *  The queue itself is a Redis Stream per unit (hl_unitq): a dispatched
 *  ticket is added to its unit's stream, and every hotlined instance with
 *  workers of the unit reads it in the consumer group, as many tickets as
 *  its workers have free credit for; a ticket is answered for in the
 *  stream once signed, returned or no longer waiting for the unit. So a
 *  worker connected to any instance gets every ticket of its unit, and a
 *  dead instance's tickets go to another after worker_claim_ms. Whenever
 *  the store becomes ready, every dispatched-but-unsigned ticket is
 *  checked to have its entry (docs/operations.md).
 *
 *  Workers act through Transition messages (sign, return, progress,
 *  extension request, reply); their actor is the session's unit, never a
 *  claim in the payload, so a worker of one unit cannot touch another
 *  unit's tickets. What a worker sees of the caller follows the privacy
 *  rules of hl_privacy.
 */
#ifndef HL_BROKER_H_INCLUDED
#define HL_BROKER_H_INCLUDED

#include "hl_catalogue.h"
#include "hl_config.h"
#include "hl_deadline.h"
#include "hl_metrics.h"
#include "hl_store.h"
#include "hl_timers.h"

#include <event2/event.h>

typedef struct hl_broker hl_broker_t;

//  Bind the worker socket on CFG's worker_endpoint; with worker_key_file
//  it is a CURVE server, and the context's hl_zap must already be bound
//  with the workers' keys. CONSUMER names this instance in the streams'
//  consumer group (the lease holder name). NULL with ERR on failure.
hl_broker_t *hl_broker_new (struct event_base *base, void *zmq_ctx, const hl_config_t *cfg,
                            hl_store_t *store, const hl_catalogue_t *catalogue,
                            hl_deadline_t *deadline, hl_timers_t *timers,
                            const char *consumer, char *err, size_t errlen);
void hl_broker_destroy (hl_broker_t **self_p, int linger_ms);

//  Use a new catalogue from now on (after a reload).
void hl_broker_set_catalogue (hl_broker_t *self, const hl_catalogue_t *catalogue);

//  Workers' actions go through TICKETS, the ticket service (hl_tickets).
typedef struct hl_tickets hl_tickets_t;
void hl_broker_set_tickets (hl_broker_t *self, hl_tickets_t *tickets);

//  Count workers' requests in METRICS (the steps' live events come from
//  the outboxes, hl_outbox).
void hl_broker_set_metrics (hl_broker_t *self, hl_metrics_t *metrics);

//  Call FN for every unit the queue knows: tickets waiting, workers.
void hl_broker_foreach_unit (const hl_broker_t *self,
                             void (*fn) (const char *unit, size_t queued, size_t workers,
                                         void *arg),
                             void *arg);

//  TICKET was dispatched to UNIT (with ASSIST units, comma-separated) by
//  this instance: the unit's backlog is shown here from now on. Its worker
//  stream entries come from the outbox (hl_outbox, group q), not from here:
//  an instance that dies after the step's Function cannot lose them.
void hl_broker_dispatched (hl_broker_t *self, const char *ticket, const char *unit,
                           const char *assist);

//  TICKET no longer waits for UNIT (signed, returned, merged: a step that
//  took it out of dispatched), whichever instance took the step.
void hl_broker_left (hl_broker_t *self, const char *ticket, const char *unit);

//  The store (re)connected: check every dispatched ticket has its entry.
void hl_broker_store_ready (hl_broker_t *self);

//  Connected workers, and tickets waiting for a worker: those read here
//  and not yet handed out, and those no instance has read yet from the
//  streams of the units this instance knows (measured every few seconds).
size_t hl_broker_worker_count (const hl_broker_t *self);
size_t hl_broker_queued (const hl_broker_t *self);

#endif
