/*  hl_o311: the Open311 GeoReport v2 gateway.
 *
 *  Serves the GeoReport v2 API under /open311/v2/ on an hl_httpd server
 *  and turns it into hotline's intake protocol (hl_o311_link):
 *
 *    GET  discovery.{xml,json}          endpoints and formats
 *    GET  services.{xml,json}           the service list (open311.conf)
 *    GET  services/CODE.{xml,json}      a service definition
 *    POST requests.{xml,json}           a Complaint; answered with the
 *                                       ticket number only after hotlined
 *                                       acknowledged (= Redis confirmed)
 *    GET  requests.{xml,json}           published tickets, with the
 *                                       spec's filters
 *    GET  requests/ID.{xml,json}        one ticket
 *    GET  tokens/TOKEN.{xml,json}       see docs/open311.md
 *
 *  and the citizens' progress page (hl_o311_progress) at /progress and
 *  online 回访 page (hl_o311_visit) at /visit.
 *
 *  Errors come in the spec's format (<errors><error><code>,
 *  <description>) and status codes: 400 bad input or a failure, 403 a
 *  missing or unknown api_key, 404 unknown service, request or path, 405,
 *  413 body too large, 429 over the key's rate limit.
 */
#ifndef HL_O311_H_INCLUDED
#define HL_O311_H_INCLUDED

#include "hl_catalogue.h"
#include "hl_curve.h"
#include "hl_o311_keys.h"
#include "hl_o311_services.h"

#include <event2/event.h>
#include <stddef.h>

typedef struct hl_o311 hl_o311_t;

typedef struct {
    const char *address;         //  HOST:PORT to listen on
    const char *base_url;        //  advertised in discovery; "" = http://ADDRESS/open311/v2/
    const char *endpoint;        //  hotlined's intake
    const hl_curve_client_t *curve;  //  NULL: plain
    int timeout_ms;              //  for hotlined's answer to one request
    int resend_ms;
    size_t max_body_bytes;
    int max_connections;
    double lookups_per_minute;   //  progress lookups and online ratings, each, everyone together
} hl_o311_opts_t;

void hl_o311_opts_default (hl_o311_opts_t *opts);

//  Start serving. SERVICES, KEYS and CATALOGUE (may be NULL) are borrowed
//  until replaced or the gateway is destroyed. NULL with ERR.
hl_o311_t *hl_o311_new (struct event_base *base, const hl_o311_opts_t *opts,
                        const hl_o311_services_t *services, hl_o311_keys_t *keys,
                        const hl_catalogue_t *catalogue, char *err, size_t errlen);
void hl_o311_destroy (hl_o311_t **self_p);

//  Swap in a reloaded key file (SIGHUP); the caller frees the old one
//  (keys are used only while a request is read, never across a wait).
void hl_o311_set_keys (hl_o311_t *self, hl_o311_keys_t *keys);

//  Requests waiting for hotlined (for a drain on SIGTERM).
size_t hl_o311_pending (const hl_o311_t *self);

#endif
