/*  hl_view: tickets as people and programs read them.
 *
 *  One JSON shape and one text layout for a ticket with its history, used
 *  by `hotline show`, by hotline-worker (the JSON a department's program
 *  reads on stdin) and by anything else that prints tickets, so the shape
 *  is defined once.
 */
#ifndef HL_VIEW_H_INCLUDED
#define HL_VIEW_H_INCLUDED

#include "hl_buf.h"
#include "hotline.pb-c.h"

#include <stdint.h>
#include <stdio.h>

//  Append VIEW as one JSON object.
void hl_view_json (hl_buf_t *out, const Hotline__TicketView *view);

//  Print VIEW for people (Chinese labels, Beijing time).
void hl_view_print (FILE *out, const Hotline__TicketView *view);

//  Format Unix milliseconds as Beijing time "YYYY-MM-DD HH:MM:SS".
void hl_view_time (uint64_t ms, char *out, size_t outlen);

//  Append a ticket summary (lists) as one JSON object.
void hl_view_summary_json (hl_buf_t *out, const Hotline__TicketSummary *s);

#endif
