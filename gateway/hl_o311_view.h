/*  hl_o311_view: a hotline ticket as a GeoReport v2 service request.
 *
 *  Pure: a TicketView in, a request object out (hl_o311_doc). Also the
 *  two rules the public API depends on: which tickets it shows at all,
 *  and whether a ticket is open or closed.
 */
#ifndef HL_O311_VIEW_H_INCLUDED
#define HL_O311_VIEW_H_INCLUDED

#include "hl_catalogue.h"
#include "hl_o311_doc.h"
#include "hl_o311_services.h"
#include "hotline.pb-c.h"

//  "open" or "closed" for the ticket state STATE (Hotline__State); NULL
//  for a value outside the enum.
const char *hl_o311_view_status (int state);

//  The service T is shown under on the public API, or NULL if T is not
//  published (see hl_o311_view.c for why).
const hl_o311_service_t *hl_o311_view_service (const Hotline__TicketView *t,
                                               const hl_o311_services_t *services);

//  Write T (published under S) as one <request> into DOC. CATALOGUE (may
//  be NULL) names the responsible unit.
void hl_o311_view_request (hl_o311_doc_t *doc, const Hotline__TicketView *t,
                           const hl_o311_service_t *s, const hl_catalogue_t *catalogue);

//  The prefix of the content line that carries media_url (hl_o311_post
//  writes it, this reads it back).
#define HL_O311_MEDIA_PREFIX "\n图片："

#endif
