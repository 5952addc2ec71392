/*  hl_o311_progress: the citizen's progress page (办理进度查询).
 *
 *  A caller who has a ticket number looks up how it stands with that
 *  number and the phone number they gave: state, the unit handling it,
 *  the date by which it promised an answer, and the answer itself.
 *
 *    GET  /progress            the page (Chinese, for phones first)
 *    POST /progress/lookup     ticket=..&phone=.. (form) -> JSON
 *
 *  The ticket's own phone number is the only key: a wrong number and an
 *  unknown ticket get the same answer, lookups are limited for the whole
 *  gateway (a token bucket), and neither numbers nor answers are logged.
 *  Anonymous tickets (no number) cannot be looked up here.
 */
#ifndef HL_O311_PROGRESS_H_INCLUDED
#define HL_O311_PROGRESS_H_INCLUDED

#include "hl_catalogue.h"
#include "hl_httpd.h"
#include "hl_o311_link.h"

typedef struct hl_o311_progress hl_o311_progress_t;

//  Lookups go to hotlined through LINK (borrowed), at most PER_MINUTE a
//  minute for everyone together. CATALOGUE (may be NULL) names units.
hl_o311_progress_t *hl_o311_progress_new (hl_o311_link_t *link, const hl_catalogue_t *catalogue,
                                          int timeout_ms, double per_minute);
void hl_o311_progress_destroy (hl_o311_progress_t **self_p);

//  Serve REQ if its path is the page's: 1 (REQ is answered or will be),
//  0 if the path is not the page's.
int hl_o311_progress_serve (hl_o311_progress_t *self, hl_httpd_req_t *req);

//  The page (gateway/web/progress.html, built in).
extern const char hl_o311_progress_page[];
extern const size_t hl_o311_progress_page_len;

#endif
