/*  hl_tui_caller: who is calling, and what they asked before.
 *
 *  As soon as the caller's number is known (typed, or handed over by the
 *  phone channel), the caller's previous tickets are fetched (a ticket
 *  list by caller) and shown newest first. A number seen again within
 *  72 hours is a repeat caller (重复来电): the agent is warned, since the
 *  call is probably about an open ticket, a candidate for 并单.
 */
#ifndef HL_TUI_CALLER_H_INCLUDED
#define HL_TUI_CALLER_H_INCLUDED

#include "hl_tui_link.h"
#include "hl_tui_query.h"
#include "hl_tui_screen.h"

#include <stddef.h>
#include <stdint.h>

#define HL_TUI_REPEAT_MS (72ULL * 3600 * 1000)

typedef struct hl_tui_caller hl_tui_caller_t;

hl_tui_caller_t *hl_tui_caller_new (hl_tui_link_t *link);
void hl_tui_caller_destroy (hl_tui_caller_t **self_p);

//  Look up PHONE's tickets now (an empty number clears the list).
void hl_tui_caller_lookup (hl_tui_caller_t *self, const char *phone, int64_t now_us);

//  Ask again for the same number (after a new ticket, after reconnect).
void hl_tui_caller_refresh (hl_tui_caller_t *self, int64_t now_us);

//  Send the question if one is due; 1 if sent.
int hl_tui_caller_poll (hl_tui_caller_t *self, int64_t now_us);

//  TICKET was just stored for this caller: the history is asked again
//  (every 250 ms, for up to 5 s) until its answer lists it.
void hl_tui_caller_expect (hl_tui_caller_t *self, const char *ticket);

hl_tui_query_t *hl_tui_caller_query (hl_tui_caller_t *self);

//  The number looked up ("" if none).
const char *hl_tui_caller_phone (const hl_tui_caller_t *self);

//  Previous tickets, and those within the last 72 hours.
size_t hl_tui_caller_count (const hl_tui_caller_t *self);
size_t hl_tui_caller_repeats (const hl_tui_caller_t *self);

//  The I-th previous ticket's number, or NULL.
const char *hl_tui_caller_ticket (const hl_tui_caller_t *self, size_t i);

//  Draw the warning line and as many tickets as R holds.
void hl_tui_caller_draw (hl_tui_caller_t *self, hl_tui_rect_t r, int sel, int focused);

#endif
