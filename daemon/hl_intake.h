/*  hl_intake: the front door of hotlined, and the channels' complaints.
 *
 *  A ZeroMQ ROUTER socket bound on the configured endpoints receives
 *  Envelopes from every channel (agents' terminals, the web portal, the
 *  app, enterprise systems). Each request is decoded and validated; a bad
 *  one is answered at once with a Nack naming the problem. A good
 *  complaint is handed to the ticket store and answered only when Redis
 *  has confirmed it: an Ack with the ticket number, or a retryable Nack
 *  if the store could not confirm in time. Many requests are in flight at
 *  once; nothing here blocks.
 *
 *  The same socket serves staff: hl_intake hands every request that is
 *  not a complaint to hl_staff (actions and queries), and the two share
 *  only hl_reply (answers, in-flight bounds, draining). New tickets are
 *  routed through the dispatch catalogue and handed to the worker queue
 *  once stored.
 *
 *  Clients may use DEALER (one frame: the envelope) or REQ (an empty
 *  delimiter, then the envelope) sockets.
 *
 *  On a loopback or trusted network staff name themselves in each action
 *  (actor "agent:NAME", ...). Beyond it the endpoints speak CURVE and
 *  each key is issued to one person or one channel's gateway (hl_zap):
 *  staff then act only as their key's owner, an agent files calls only
 *  in their own name, and a gateway files only for its channel.
 */
#ifndef HL_INTAKE_H_INCLUDED
#define HL_INTAKE_H_INCLUDED

#include "hl_broker.h"
#include "hl_catalogue.h"
#include "hl_codes.h"
#include "hl_config.h"
#include "hl_deadline.h"
#include "hl_kbserve.h"
#include "hl_similar.h"
#include "hl_metrics.h"
#include "hl_store.h"
#include "hl_timers.h"
#include "hl_visitlink.h"

#include <event2/event.h>
#include <stdint.h>

typedef struct hl_intake hl_intake_t;

//  Bind the intake socket on CFG's endpoints; with intake_key_file it is a
//  CURVE server, and the context's hl_zap must already be bound with the
//  staff's keys. NULL with ERR on failure.
//  CODES stays owned by the caller (see hl_intake_set_codes).
hl_intake_t *hl_intake_new (struct event_base *base, void *zmq_ctx,
                            const hl_config_t *cfg, hl_store_t *store,
                            const hl_codes_t *codes, const hl_catalogue_t *catalogue,
                            hl_broker_t *broker, hl_deadline_t *deadline,
                            hl_timers_t *timers, char *err, size_t errlen);

//  Close the socket, letting queued replies out for up to LINGER_MS.
void hl_intake_destroy (hl_intake_t **self_p, int linger_ms);

//  Use new catalogues from now on (after a reload).
void hl_intake_set_codes (hl_intake_t *self, const hl_codes_t *codes);
void hl_intake_set_catalogue (hl_intake_t *self, const hl_catalogue_t *catalogue);

//  Answer knowledge-base searches with KB and similar-ticket queries with
//  SIMILAR, and index new tickets into SIMILAR (either may be NULL: the
//  queries are then answered "unsupported").
void hl_intake_set_kb (hl_intake_t *self, hl_kbserve_t *kb, hl_similar_t *similar);

//  Staff actions go through TICKETS, the ticket service (hl_tickets).
void hl_intake_set_tickets (hl_intake_t *self, hl_tickets_t *tickets);

//  Count requests in METRICS (the ticket steps' live events come from the
//  outboxes, hl_outbox).
void hl_intake_set_metrics (hl_intake_t *self, hl_metrics_t *metrics);

//  Report the outbox groups' backlogs and the archive's state in status
//  (both borrowed; ARCHIVER NULL: no archive).
typedef struct hl_outbox hl_outbox_t;
typedef struct hl_archiver hl_archiver_t;
void hl_intake_set_outbox (hl_intake_t *self, const hl_outbox_t *outbox,
                           const hl_archiver_t *archiver);

//  Make and take callers' online 回访 links with VISITLINK (borrowed).
void hl_intake_set_visitlink (hl_intake_t *self, const hl_visitlink_t *visitlink);

//  Stop accepting new complaints (they get a retryable "shutting down"
//  Nack) and call DONE once nothing is in flight any more.
void hl_intake_drain (hl_intake_t *self, void (*done) (void *arg), void *arg);

//  Where a new request goes: closed at once (answered, transferred, out of
//  scope), held for a dispatcher, or routed through CATALOGUE when
//  AUTO_DISPATCH. The strings D points to live in BUF.
typedef struct {
    char unit[HL_STORE_UNIT_MAX];
    char assist[160];
    char note[256];
} hl_intake_route_t;

void hl_intake_disposition (const hl_catalogue_t *catalogue, int auto_dispatch,
                            const Hotline__Complaint *c, hl_store_disposition_t *d,
                            hl_intake_route_t *buf);

//  The SLA facts of complaint C, and the sign deadline of a ticket
//  dispatched at D->now_ms, into D (DEADLINE may be NULL: none).
void hl_intake_sign_deadline (hl_deadline_t *deadline, const Hotline__Complaint *c,
                              hl_store_disposition_t *d);

//  Everything the store is told about complaint C besides C itself: where
//  it goes (hl_intake_disposition), the moment (DEADLINE's clock) and the
//  sign deadline (hl_intake_sign_deadline). hotlined and the intake
//  bench's direct ceiling both prepare a complaint through here, so the
//  Function gets the same arguments from both.
void hl_intake_prepare (const hl_catalogue_t *catalogue, int auto_dispatch,
                        hl_deadline_t *deadline, const Hotline__Complaint *c,
                        hl_store_disposition_t *d, hl_intake_route_t *buf);

//  The reply date promised to the caller of complaint C going where D
//  says: the reply limit from the dispatch (FROM_DISPATCH) or from D's sign
//  deadline; 0 when none is due (closed at intake, 感谢, no deadline).
int64_t hl_intake_promised_reply (hl_deadline_t *deadline, const Hotline__Complaint *c,
                                  const hl_store_disposition_t *d, int from_dispatch);

//  Complaints waiting for the store.
size_t hl_intake_inflight (const hl_intake_t *self);

#endif
