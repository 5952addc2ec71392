/*  hl_reply: answering requests on hotlined's ROUTER socket.
 *
 *  One socket serves the channels (hl_intake: complaints) and staff
 *  (hl_staff: actions and queries). What both must share lives here and
 *  nowhere else: where a reply goes (hl_peer_t), sending an answer or a
 *  refusal, the in-flight bounds per kind of request (a burst of one kind
 *  cannot take the places of the others: complaints always have their
 *  own), draining on shutdown, and the accepted/rejected counts.
 */
#ifndef HL_REPLY_H_INCLUDED
#define HL_REPLY_H_INCLUDED

#include "hl_metrics.h"
#include "hl_store.h"
#include "hl_zsock.h"
#include "hotline.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hl_reply hl_reply_t;

//  Routing ids are at most 255 bytes (ZMTP); request ids are capped at
//  64 by validation, and echoed back at most this long.
#define HL_REPLY_ROUTING_ID_MAX 255
#define HL_REPLY_REQUEST_ID_MAX 64

typedef enum {
    HL_REPLY_COMPLAINT,            //  new tickets
    HL_REPLY_ACTION,               //  staff transitions
    HL_REPLY_QUERY,                //  reads and searches
    HL_REPLY_REPEAT,               //  repeat-call checks after intake (no peer;
                                   //  hl_repeat bounds them; counted for the drain)
    HL_REPLY_KINDS
} hl_reply_kind_t;

//  Where a reply goes: the peer's routing id, whether it used a REQ
//  socket (and so expects an empty delimiter), and the request id to echo.
//  Copied out of the request's frames because an answer from the store is
//  sent long after those frames are gone; the rest is what the request's
//  handler keeps until then.
typedef struct {
    void *owner;                       //  the hl_intake or hl_staff handling it
    uint8_t id[HL_REPLY_ROUTING_ID_MAX];
    size_t id_len;
    int delimiter;
    uint8_t rid[HL_REPLY_REQUEST_ID_MAX];
    size_t rid_len;
    int64_t received_us;               //  when the request arrived
    char ticket[HL_STORE_TICKET_MAX];  //  transitions: the ticket acted on
    Hotline__Envelope *request;        //  a complaint kept for the worker queue
    int channel;                       //  complaints: the channel, for metrics
    int action;                        //  transitions: the action, for metrics
    char identity[96];                 //  the CURVE identity, for privacy ("" = none)
    int revealed;                      //  ticket queries: full caller details asked for
    int64_t reply_due_ms;              //  complaints: the reply date promised (0: none)
} hl_peer_t;

//  Reply on ZSOCK (not owned), with at most MAX_INFLIGHT[kind] requests of
//  each kind in flight; BASE runs the queued answers' sending.
struct event_base;
hl_reply_t *hl_reply_new (struct event_base *base, hl_zsock_t *zsock,
                          const size_t max_inflight[HL_REPLY_KINDS]);
void hl_reply_destroy (hl_reply_t **self_p);

//  Count refused complaints per channel in METRICS (may be NULL).
void hl_reply_set_metrics (hl_reply_t *self, hl_metrics_t *metrics);

//  Send ENV to PEER, echoing its request id. A peer that left is not an
//  error: a stored ticket stays stored and a retry is answered from the
//  idempotency record.
void hl_reply_send (hl_reply_t *self, const hl_peer_t *peer, Hotline__Envelope *env);

//  The same, sent at the end of this pass of the event loop together with
//  the other answers queued in it (one wakeup of ZeroMQ's I/O thread for
//  all). For answers to a batch of the store's replies: the ack is
//  queued after the store confirmed, so nothing is acknowledged sooner.
void hl_reply_queue (hl_reply_t *self, const hl_peer_t *peer, Hotline__Envelope *env);

//  Send the queued answers now (before the socket is closed).
void hl_reply_flush (hl_reply_t *self);

//  Refuse PEER's request with CODE, naming FIELD (may be NULL).
void hl_reply_nack (hl_reply_t *self, const hl_peer_t *peer, Hotline__ErrorCode code,
                    const char *field, const char *message);

//  Refuse PEER's request because the store did not take it (retryable).
void hl_reply_store_unreachable (hl_reply_t *self, const hl_peer_t *peer);

//  Count one request accepted (a complaint acknowledged).
void hl_reply_accepted (hl_reply_t *self);

//  Whether a request of KIND may start; if not, it is answered with a
//  retryable "overloaded" and 0 returned. hl_reply_started counts it in
//  flight once it is on its way (the store or an index took it).
int hl_reply_admit (hl_reply_t *self, const hl_peer_t *peer, hl_reply_kind_t kind);
void hl_reply_started (hl_reply_t *self, hl_reply_kind_t kind);

//  A request of KIND is answered: frees PEER (a copy from hl_peer_copy;
//  NULL for work with no peer, a repeat check) and, when draining and
//  nothing is left, calls the drain callback.
void hl_reply_done (hl_reply_t *self, hl_peer_t *peer, hl_reply_kind_t kind);

//  A heap copy of PEER, for a request that waits for an answer.
hl_peer_t *hl_peer_copy (const hl_peer_t *peer);

//  Stop (hl_reply_draining is then true) and call DONE once nothing is in
//  flight any more.
void hl_reply_drain (hl_reply_t *self, void (*done) (void *arg), void *arg);
int hl_reply_draining (const hl_reply_t *self);

//  Requests in flight; complaints accepted and requests rejected so far.
size_t hl_reply_inflight (const hl_reply_t *self);
uint64_t hl_reply_accepted_count (const hl_reply_t *self);
uint64_t hl_reply_rejected_count (const hl_reply_t *self);

#endif
