/*  hl_metrics: hotlined's own counters and histograms, for Prometheus.
 *
 *  Incremented in memory where things happen (no locks: the loop thread
 *  owns them); rendered in the text exposition format by the /metrics
 *  handler, which adds the gauges read from Redis and the worker queue.
 */
#ifndef HL_METRICS_H_INCLUDED
#define HL_METRICS_H_INCLUDED

#include "hl_buf.h"
#include "hl_deadline.h"

typedef struct hl_metrics hl_metrics_t;

hl_metrics_t *hl_metrics_new (void);
void hl_metrics_destroy (hl_metrics_t **self_p);

//  A complaint answered: CHANNEL (Hotline__Channel, 0 if unknown), ACCEPTED
//  (acked) or refused, and SECONDS from receipt to answer.
void hl_metrics_intake (hl_metrics_t *self, int channel, int accepted, double seconds);

//  A transition applied (Hotline__Action).
void hl_metrics_transition (hl_metrics_t *self, int action);

//  A reminder fired: LEVEL ("warn", "overdue", "escalate") and its lag.
void hl_metrics_timer (hl_metrics_t *self, const char *level, double lag_seconds);

//  The outbox (hl_outbox): one entry of consumer group GROUP applied
//  SECONDS after its step; the group's backlog in the buckets held.
void hl_metrics_outbox_lag (hl_metrics_t *self, const char *group, double seconds);
void hl_metrics_outbox_backlog (hl_metrics_t *self, const char *group, uint64_t entries);

//  The calendar gauges: time left in the loaded calendar files, read from
//  DEADLINE at each scrape, and the running deadlines that reach past them
//  (provisional), as counted by the last recompute of every open ticket.
void hl_metrics_set_deadline (hl_metrics_t *self, hl_deadline_t *deadline);
void hl_metrics_provisional (hl_metrics_t *self, uint64_t count);
//  That count, for the dashboard's summary.
uint64_t hl_metrics_provisional_count (const hl_metrics_t *self);

//  Append the counters and histograms in the exposition format.
void hl_metrics_render (hl_metrics_t *self, hl_buf_t *out);

//  Helpers for the handler's gauges: "# HELP"/"# TYPE" lines, and one
//  sample with an optional label.
void hl_metrics_family (hl_buf_t *out, const char *name, const char *type, const char *help);
void hl_metrics_sample (hl_buf_t *out, const char *name, const char *label,
                        const char *value, double sample);

#endif
