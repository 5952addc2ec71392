/*  hl_tui_tickets: ticket summaries as rows on the screen.
 *
 *  The caller's previous tickets, similar tickets, tickets awaiting a
 *  visit, a lookup by caller: all are lists of TicketSummary and look the
 *  same everywhere: number, state, when, and the start of the content.
 */
#ifndef HL_TUI_TICKETS_H_INCLUDED
#define HL_TUI_TICKETS_H_INCLUDED

#include "hl_buf.h"
#include "hl_tui_screen.h"
#include "hotline.pb-c.h"

#include <stddef.h>
#include <stdint.h>

//  The summaries an answer carries (TicketList or SimilarResults), or
//  NULL with *n = 0.
Hotline__TicketSummary **hl_tui_tickets_of (const Hotline__Envelope *answer, size_t *n);

//  One row: "YJ20261127000001 已派单 11-27 14:05 content...".
void hl_tui_tickets_row (int y, int x, int w, const Hotline__TicketSummary *s,
                         hl_tui_style_t style);

//  Two rows (narrow panels): number and state, then the content.
void hl_tui_tickets_row2 (int y, int x, int w, const Hotline__TicketSummary *s,
                          hl_tui_style_t style);

//  A list in R, one row (or two with TWO) per ticket, row SEL highlighted
//  when FOCUSED; keeps SEL in view.
void hl_tui_tickets_draw (hl_tui_rect_t r, Hotline__TicketSummary **items, size_t n, int sel,
                          int focused, int two);

//  Tickets created within WINDOW_MS before NOW_MS (Unix ms).
size_t hl_tui_tickets_recent (Hotline__TicketSummary **items, size_t n, uint64_t now_ms,
                              uint64_t window_ms);

//  A ticket with its full history and deadlines as people read it
//  (hl_view's layout), appended to OUT.
void hl_tui_tickets_view_text (const Hotline__TicketView *view, hl_buf_t *out);

//  Unix time now in milliseconds.
uint64_t hl_tui_tickets_now_ms (void);

#endif
