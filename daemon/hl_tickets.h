/*  hl_tickets: the ticket service. A step and what follows it, once.
 *
 *  Intake (hl_intake), staff actions (hl_staff) and department actions
 *  (hl_broker) all store their steps here. The store applies the step
 *  (hl_store); on a new step the service then does, in one place, what it
 *  brings about in this process: it arms the clocks the step started
 *  (hl_timers), counts it (hl_metrics), offers a new open ticket as a
 *  similar one and drops one that left the open states from that index,
 *  and hands a ticket that is (again) dispatched to its unit's worker
 *  stream (hl_broker: also on a repeated request, whose first answer may
 *  have been lost). Then the caller's callback answers whoever asked. The
 *  step's live event, the lists and the archive come from its bucket's
 *  outbox (hl_outbox), appended in the step itself.
 *
 *  Same contract as hl_store: 0 and the callback fires exactly once, or
 *  -1 and it never does.
 */
#ifndef HL_TICKETS_H_INCLUDED
#define HL_TICKETS_H_INCLUDED

#include "hl_archive.h"
#include "hl_metrics.h"
#include "hl_pii.h"
#include "hl_store.h"
#include "hl_timers.h"

typedef struct hl_tickets hl_tickets_t;
typedef struct hl_broker hl_broker_t;
typedef struct hl_similar hl_similar_t;

hl_tickets_t *hl_tickets_new (hl_store_t *store, hl_timers_t *timers);
void hl_tickets_destroy (hl_tickets_t **self_p);

//  What the service tells (each may be NULL, and set later).
void hl_tickets_set_observers (hl_tickets_t *self, hl_metrics_t *metrics);
void hl_tickets_set_broker (hl_tickets_t *self, hl_broker_t *broker);
void hl_tickets_set_similar (hl_tickets_t *self, hl_similar_t *similar);

//  Where tickets that left Redis are read (NULL: nowhere); PII opens their
//  callers' details.
void hl_tickets_set_archive (hl_tickets_t *self, hl_archive_t *archive, const hl_pii_t *pii);

//  Read TICKET with its history wherever it is: in Redis, or, once it has
//  left Redis after its retention time, in the archive (hl_archread). FN
//  as hl_store_view_fn: NULL with ERROR NULL if neither has it; NULL with
//  ERROR if a read failed or the archive is unreachable.
int hl_tickets_get (hl_tickets_t *self, const char *ticket, hl_store_view_fn *fn, void *arg);

//  A list's tickets, newest first: Redis's and the archive's merged (Redis
//  wins for a ticket in both). ARCHIVE_UNAVAILABLE is 1 if an archive is
//  configured but could not be read: ITEMS are then Redis's alone. ERROR
//  (no items) if Redis could not be read. ITEMS valid only during the call.
typedef void (hl_tickets_list_fn) (Hotline__TicketSummary **items, size_t n,
                                   int archive_unavailable, const char *error, void *arg);

//  List tickets as hl_store_ticket_list does (INDEX "caller" with KEY the
//  normalised number, "unit" or "state"; STATE "" = any; at most LIMIT),
//  also finding those that left Redis for the archive: a caller's there by
//  the same keyed hash that names Redis's caller index.
int hl_tickets_list (hl_tickets_t *self, const char *index, const char *key, const char *state,
                     unsigned limit, hl_tickets_list_fn *fn, void *arg);

//  Store complaint C as ACTOR where DISPOSITION says (see hl_store_intake),
//  run what a new ticket brings about here once (an open one is offered as
//  a similar ticket; a dispatched one, also on a resubmission whose first
//  answer may have been lost, goes to its unit's worker stream), then call
//  FN with the result. C must stay valid until FN is called.
int hl_tickets_intake (hl_tickets_t *self, const Hotline__Complaint *c, const char *actor,
                       const hl_store_disposition_t *disposition, hl_store_intake_fn *fn,
                       void *arg);

//  Apply transition T as ACTOR (see hl_store_transition), run its effects,
//  then call FN with the result. A ticket that left Redis after its
//  retention time (hl_retention) is brought back from the archive first
//  (hl_archread, hl_store_ticket_restore) and the transition applied then;
//  T need not outlive this call.
int hl_tickets_transition (hl_tickets_t *self, const Hotline__Transition *t, const char *actor,
                           const void *rid, size_t rid_len, uint64_t now_ms,
                           const hl_store_premade_t *pre, hl_store_transition_fn *fn,
                           void *arg);

#endif
