/*  hl_life: tickets through their whole life in the store (intake
 *  dispatched to a unit, sign and reply by the unit, the visit and the
 *  close by an agent: five steps, six history entries), written through
 *  hl_store as hotlined writes them, shared by bench/archive-life and
 *  bench/life. The steps go out in waves; a ticket's step waits for the
 *  answer to its last one.
 */
#ifndef HL_LIFE_H_INCLUDED
#define HL_LIFE_H_INCLUDED

#include "hl_store.h"

#include <event2/event.h>

#define HL_LIFE_STEPS 5          //  intake, sign, reply, visit, close
#define HL_LIFE_HISTORY 6        //  entries a closed ticket has

//  A new TICKET was dispatched to UNIT.
typedef void (hl_life_intake_fn) (const char *ticket, const char *unit, void *arg);

//  N tickets of RUN (its request id prefix) through their life at RATE
//  steps a second (0: as fast as they go); with CLOSED_AT_INTAKE, one step
//  each: closed at intake. The ticket numbers into TICKETS; ON_INTAKE (may
//  be NULL) hears each new dispatched one. How many tickets failed a step.
long hl_life_drive (struct event_base *base, hl_store_t *store, const char *run, long n,
                    double rate, int closed_at_intake, char (*tickets)[HL_STORE_TICKET_MAX],
                    hl_life_intake_fn *on_intake, void *arg);

//  Seconds since the epoch, to the microsecond.
double hl_life_now (void);

#endif
