/*  hl_dashticket: the dashboard's ticket view and ticket lists.
 *
 *  GET /api/ticket?number=YJ... answers one ticket with its history as
 *  `hotline --json show` prints it (hl_view), the caller masked as for
 *  any hotline staff (hl_privacy); GET /api/tickets?unit=CODE or
 *  ?state=STATE [&limit=N, default 50, at most 500: hl_http reads it] answers
 *  {"archive_unavailable": bool, "tickets": [summaries, newest first]}.
 *  Both read through to the archive (hl_tickets): a ticket that left Redis
 *  is shown as before; with the archive down a list is Redis's part,
 *  flagged archive_unavailable.
 *
 *  Refusals: 400 bad_value (a number, unit or state that is none), 404
 *  not_found, 503 unavailable (the store did not answer).
 */
#ifndef HL_DASHTICKET_H_INCLUDED
#define HL_DASHTICKET_H_INCLUDED

#include "hl_httpd.h"
#include "hl_tickets.h"

//  Answer REQ (GET /api/ticket) from TICKETS.
void hl_dashticket_show (hl_tickets_t *tickets, hl_httpd_req_t *req);

//  Answer REQ (GET /api/tickets) from TICKETS, at most LIMIT tickets.
void hl_dashticket_list (hl_tickets_t *tickets, hl_httpd_req_t *req, unsigned limit);

#endif
