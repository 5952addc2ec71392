/*  hl_http: the supervisor dashboard, served by hotlined itself.
 *
 *  libevent's evhttp on the daemon's own loop, loopback by default, every
 *  request checked against the supervisor token. It serves the dashboard
 *  page (embedded at build time), the JSON API of docs/dashboard-api.md
 *  (figures read from Redis through the dashboard Functions, queue figures
 *  from the worker queue), a live Server-Sent Events stream fed by
 *  hl_feed, and the Prometheus metrics. Handlers never block: each Redis
 *  read answers in a callback, and an answer for a client that went away
 *  is dropped.
 */
#ifndef HL_HTTP_H_INCLUDED
#define HL_HTTP_H_INCLUDED

#include "hl_archive.h"
#include "hl_broker.h"
#include "hl_catalogue.h"
#include "hl_config.h"
#include "hl_deadline.h"
#include "hl_feed.h"
#include "hl_metrics.h"
#include "hl_store.h"
#include "hl_tickets.h"

#include <event2/event.h>

typedef struct hl_http hl_http_t;

typedef struct {
    hl_store_t *store;
    hl_broker_t *broker;
    hl_deadline_t *deadline;
    hl_metrics_t *metrics;
    hl_feed_t *feed;
    const hl_catalogue_t *catalogue;
    hl_archive_t *archive;       //  the reports of past periods (NULL: none)
    int tz_offset_min;           //  the center's local time, for their days
    hl_tickets_t *tickets;       //  the ticket view and lists, archive included
} hl_http_parts_t;

//  Listen on CFG's http_endpoint ("" = no dashboard: returns NULL and an
//  empty ERR). NULL with ERR on failure.
hl_http_t *hl_http_new (struct event_base *base, const hl_config_t *cfg,
                        const hl_http_parts_t *parts, char *err, size_t errlen);
void hl_http_destroy (hl_http_t **self_p);

//  Use a new catalogue (unit names) from now on.
void hl_http_set_catalogue (hl_http_t *self, const hl_catalogue_t *catalogue);

//  Pass an event on to the live streams (an hl_feed listener).
void hl_http_event (const char *kind, const char *json, size_t len, void *self);

//  The embedded page (generated from daemon/web/dashboard.html).
extern const char hl_http_dashboard[];
extern const size_t hl_http_dashboard_len;

#endif
