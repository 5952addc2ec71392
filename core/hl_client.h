/*  hl_client: a blocking request/reply client for hotlined.
 *
 *  Used by the `hotline` command, the tests and the benchmarks. A request
 *  is resent with the same request id until an answer arrives or the
 *  deadline passes: intake is idempotent on (channel, request id), so a
 *  resend after a lost reply or a daemon restart never creates a second
 *  ticket. Retryable refusals (Redis down, overload, draining) are retried
 *  the same way; final refusals are returned at once.
 */
#ifndef HL_CLIENT_H_INCLUDED
#define HL_CLIENT_H_INCLUDED

#include "hl_curve.h"
#include "hotline.pb-c.h"

#include <stddef.h>

typedef struct hl_client hl_client_t;

//  Connect (lazily, as ZeroMQ does) to ENDPOINT.
hl_client_t *hl_client_new (const char *endpoint);

//  The same over CURVE with KEYS (NULL: none). A key hotlined does not
//  list ends requests at once with an error saying so.
hl_client_t *hl_client_new_keyed (const char *endpoint, const hl_curve_client_t *keys);
void hl_client_destroy (hl_client_t **self_p);

//  Send REQ (version and request id are filled in if unset) and wait up to
//  DEADLINE_MS for the matching answer, resending every RESEND_MS.
//  Returns 0 with *reply set (free with hl_wire_free), or -1 with a
//  message in ERR if no answer came in time or the key was refused.
int hl_client_request (hl_client_t *self, Hotline__Envelope *req,
                       Hotline__Envelope **reply, int deadline_ms,
                       int resend_ms, char *err, size_t errlen);

//  Write a fresh random request id (32 hex digits) into OUT[33].
void hl_client_new_request_id (char out[33]);

#endif
