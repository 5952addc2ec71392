/*  hl_o311_link: the gateway's requests to hotlined, on the event loop.
 *
 *  One DEALER socket to hotlined's intake, driven by hl_zsock. Each
 *  request is sent under its own envelope request id and resent under the
 *  same id every resend interval until its answer comes or its deadline
 *  passes; a retryable refusal (store down, busy, draining) is retried the
 *  same way. A complaint carries its idempotency key in the Complaint, so
 *  any number of resends stores it at most once and every answer names
 *  the same ticket. The socket does not queue while hotlined is away
 *  (ZMQ_IMMEDIATE): sends are retried by the resend timer instead.
 */
#ifndef HL_O311_LINK_H_INCLUDED
#define HL_O311_LINK_H_INCLUDED

#include "hl_curve.h"
#include "hotline.pb-c.h"

#include <event2/event.h>
#include <stddef.h>

typedef struct hl_o311_link hl_o311_link_t;

//  The answer to a request: REPLY (an ack, a view, a list, or a final
//  nack; NULL if none came by the deadline, with a reason in ERROR). The
//  link frees REPLY after the call.
typedef void (hl_o311_link_fn) (const Hotline__Envelope *reply, const char *error, void *arg);

//  Connect to ENDPOINT (over CURVE with KEYS unless NULL). RESEND_MS: the
//  resend interval. NULL with ERR if the endpoint or keys are refused.
hl_o311_link_t *hl_o311_link_new (struct event_base *base, const char *endpoint,
                                  const hl_curve_client_t *keys, int resend_ms,
                                  char *err, size_t errlen);

//  Every request still waiting is answered (NULL, "shutting down") first.
void hl_o311_link_destroy (hl_o311_link_t **self_p);

//  Send REQ (its version and request id are set here) and call FN once,
//  with the answer or after DEADLINE_MS. REQ may be freed on return.
void hl_o311_link_request (hl_o311_link_t *self, Hotline__Envelope *req, int deadline_ms,
                           hl_o311_link_fn *fn, void *arg);

//  Requests waiting for an answer.
size_t hl_o311_link_pending (const hl_o311_link_t *self);

#endif
