/*  hl_staff: the staff side of hotlined's request socket.
 *
 *  Agents, dispatchers and supervisors act on tickets (dispatch, review,
 *  visit, merge, close) and read them: one ticket (with its deadlines in
 *  working time, caller details masked unless revealed with a reason),
 *  lists by caller, unit or state, knowledge-base and similar-ticket
 *  searches, the daemon's status, and (tests only) the manual clock.
 *  Channels file complaints through hl_intake on the same socket; the two
 *  share only hl_reply.
 *
 *  On a loopback or trusted network staff name themselves in each action
 *  (actor "agent:NAME", ...). With CURVE each key is issued to one person
 *  (hl_zap), who then acts only as the key's owner.
 */
#ifndef HL_STAFF_H_INCLUDED
#define HL_STAFF_H_INCLUDED

#include "hl_broker.h"
#include "hl_catalogue.h"
#include "hl_config.h"
#include "hl_deadline.h"
#include "hl_kbserve.h"
#include "hl_metrics.h"
#include "hl_reply.h"
#include "hl_similar.h"
#include "hl_store.h"
#include "hl_tickets.h"
#include "hl_timers.h"
#include "hl_visitlink.h"

typedef struct hl_staff hl_staff_t;

//  Serve staff requests, answering through REPLY. Nothing passed is owned.
hl_staff_t *hl_staff_new (const hl_config_t *cfg, hl_reply_t *reply, hl_store_t *store,
                          const hl_catalogue_t *catalogue, hl_broker_t *broker,
                          hl_deadline_t *deadline, hl_timers_t *timers);
void hl_staff_destroy (hl_staff_t **self_p);

//  Use a new dispatch catalogue from now on (after a reload).
void hl_staff_set_catalogue (hl_staff_t *self, const hl_catalogue_t *catalogue);

//  Answer knowledge-base searches with KB and similar-ticket queries with
//  SIMILAR (either may be NULL: the queries are then answered
//  "unsupported"); closed tickets leave SIMILAR.
void hl_staff_set_kb (hl_staff_t *self, hl_kbserve_t *kb, hl_similar_t *similar);

//  Apply actions through TICKETS (the ticket service: they and their
//  effects). Must be set before the first request.
void hl_staff_set_tickets (hl_staff_t *self, hl_tickets_t *tickets);

//  Count staff requests in METRICS (may be NULL).
void hl_staff_set_metrics (hl_staff_t *self, hl_metrics_t *metrics);

//  The outbox groups' backlogs and the archive's state, for status
//  (ARCHIVER NULL: no archive).
typedef struct hl_outbox hl_outbox_t;
typedef struct hl_archiver hl_archiver_t;
void hl_staff_set_outbox (hl_staff_t *self, const hl_outbox_t *outbox,
                          const hl_archiver_t *archiver);

//  Give staff readers of a replied ticket its caller's online 回访 link,
//  and take visits by that link, with VISITLINK (borrowed; NULL: none).
void hl_staff_set_visitlink (hl_staff_t *self, const hl_visitlink_t *visitlink);

//  Handle ENV from PEER if it is a staff request (IDENTITY: whom the
//  connection's CURVE key names, NULL without CURVE). Returns 0 if it was
//  (answered now or once the store answers), -1 if ENV is not a staff
//  request.
int hl_staff_handle (hl_staff_t *self, hl_peer_t *peer, const Hotline__Envelope *env,
                     const char *identity);

#endif
