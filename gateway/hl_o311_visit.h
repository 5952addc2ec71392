/*  hl_o311_visit: the caller's online 回访 (rating the answer by a link).
 *
 *  When a unit has replied, staff (or a notifier) send the caller the
 *  ticket's one-time link from hotlined (TicketView.visit_link, `hotline
 *  show`): URL#TICKET.TOKEN, URL being this page. The caller rates the
 *  answer satisfied / basically satisfied / unsatisfied, with a comment,
 *  and the rating becomes the ticket's 回访 (via web) in hotlined, under
 *  the same rules as a visit by phone (unsatisfied goes to 甄别).
 *
 *    GET  /visit          the page (Chinese, for phones first)
 *    POST /visit/rate     ticket, token, satisfaction, resolved, comment
 *                         (form) -> JSON
 *
 *  The gateway holds no key and keeps no state: hotlined checks the token
 *  (a keyed MAC over the ticket and its reply, daemon/hl_visitlink.h) and
 *  refuses a forged link (403) and a used one (409: the ticket no longer
 *  awaits a visit). Ratings are limited for the whole gateway (a token
 *  bucket); neither tokens nor comments are logged.
 */
#ifndef HL_O311_VISIT_H_INCLUDED
#define HL_O311_VISIT_H_INCLUDED

#include "hl_httpd.h"
#include "hl_o311_link.h"

typedef struct hl_o311_visit hl_o311_visit_t;

//  Ratings go to hotlined through LINK (borrowed), at most PER_MINUTE a
//  minute for everyone together.
hl_o311_visit_t *hl_o311_visit_new (hl_o311_link_t *link, int timeout_ms, double per_minute);
void hl_o311_visit_destroy (hl_o311_visit_t **self_p);

//  Serve REQ if its path is the page's: 1 (REQ is answered or will be),
//  0 if the path is not the page's.
int hl_o311_visit_serve (hl_o311_visit_t *self, hl_httpd_req_t *req);

//  The page (gateway/web/visit.html, built in).
extern const char hl_o311_visit_page[];
extern const size_t hl_o311_visit_page_len;

#endif
