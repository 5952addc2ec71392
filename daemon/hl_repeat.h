/*  hl_repeat: repeat calls (重复来电).
 *
 *  When a caller calls again about the same matter (the same category)
 *  within the window (repeat_window_h, 72 hours by default), the new ticket
 *  is flagged and names the earlier one: hotlined reads the caller's
 *  tickets (the caller index) after intake and takes the lifecycle action
 *  link_repeat as system:repeat. Intake has answered already: the check
 *  never holds a caller up, and a failed read only misses a link.
 */
#ifndef HL_REPEAT_H_INCLUDED
#define HL_REPEAT_H_INCLUDED

#include "hl_store.h"
#include "hotline.pb-c.h"

#include <stdint.h>

typedef struct hl_repeat hl_repeat_t;

//  Told once when a check is over (linked or not).
typedef void (hl_repeat_done_fn) (void *arg);

//  WINDOW_MS 0: never link. Checks run a few at a time, the rest wait in
//  order (a burst of intake never floods Redis with reads); beyond a
//  bound they are skipped, with a warning.
hl_repeat_t *hl_repeat_new (hl_store_t *store, int64_t window_ms);

//  Checks still waiting are dropped (their tickets stay unlinked). Only
//  when none is running: the owner waits for their DONE first (drain).
void hl_repeat_destroy (hl_repeat_t **self_p);

//  Apply links through TICKETS, the ticket service (hl_tickets), so that
//  they are announced and counted like every transition.
typedef struct hl_tickets hl_tickets_t;
void hl_repeat_set_tickets (hl_repeat_t *self, hl_tickets_t *tickets);

//  The index in ITEMS (a caller's tickets, newest first) of the ticket that
//  TICKET, in CATEGORY and created at CREATED_MS, repeats: the newest other
//  one of the same category created within WINDOW_MS before it; -1 if none.
int hl_repeat_pick (Hotline__TicketSummary *const *items, size_t n, const char *ticket,
                    const char *category, uint64_t created_ms, int64_t window_ms);

//  Checks TICKET (caller PHONE, normalised; CATEGORY; created at
//  CREATED_MS) and links it if it repeats an earlier one, at NOW_MS. Returns
//  0 and calls DONE once when over (possibly before returning), or -1
//  (nothing to check, or the queue is full) and never calls it.
int hl_repeat_check (hl_repeat_t *self, const char *ticket, const char *phone,
                     const char *category, uint64_t created_ms, int64_t now_ms,
                     hl_repeat_done_fn *done, void *arg);

#endif
