/*  hl_outbox: the side effects of the ticket steps, made from the outboxes.
 *
 *  Every Redis Function that changes a ticket appends one entry to its
 *  bucket's stream hl:{NN}:out in the same call (daemon/hotline.lua,
 *  outbox). This class reads them back, for every bucket this instance
 *  holds the lease of (hl_lease), once per consumer group, and applies
 *  each entry: one group per effect, one row each in the table of
 *  hl_outbox.c (idx: the state lists and the caller index under
 *  hl:{ix}:, the units' lists per bucket; ev: the live events, ZeroMQ PUB and SSE, through hl_feed;
 *  arch: the PostgreSQL archive, through hl_archiver, when there is one;
 *  notify: callers' messages, through hl_messenger, when it is set; q:
 *  the per-unit worker streams, through hl_unitq_push, when it is set).
 *
 *  An entry is acknowledged (XACK) after its apply, on the same connection
 *  behind the apply's own commands (on a cluster, once the store answered
 *  each of them); a bucket newly held first claims what
 *  another consumer (an instance gone, this one before a restart) had read
 *  and not acknowledged, then reads its pending entries before new ones.
 *  So an entry is applied at least once and nothing is skipped: every
 *  apply is idempotent (a replayed batch converges). The live events'
 *  group (ev) is the exception: it reads with NOACK, at most once; the
 *  worker queues' group (q) reads with NOACK too, and keeps a cursor of
 *  what it applied instead (see the table in hl_outbox.c). Entries every group
 *  has acknowledged are trimmed (hl_outbox_trim Function).
 */
#ifndef HL_OUTBOX_H_INCLUDED
#define HL_OUTBOX_H_INCLUDED

#include "hl_feed.h"
#include "hl_metrics.h"
#include "hl_store.h"

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_outbox hl_outbox_t;

//  Consume as CONSUMER (the lease holder name) from STORE's outboxes:
//  each group reads on connections of its own (hl_slotlink: one on a
//  standalone store, one per held bucket on a cluster), and on a cluster
//  sends its index updates through STORE. FEED (may be NULL) hears the
//  live events; METRICS (may be NULL) gets each group's lag and backlog.
hl_outbox_t *hl_outbox_new (struct event_base *base, hl_store_t *store, const char *consumer,
                            hl_feed_t *feed, hl_metrics_t *metrics);
void hl_outbox_destroy (hl_outbox_t **self_p);

//  Copy every changed ticket to ARCHIVER (the consumer group arch): an
//  entry is acknowledged only once PostgreSQL committed the ticket it
//  names. Before any bucket is held; without it there is no arch group.
typedef struct hl_archiver hl_archiver_t;
void hl_outbox_set_archiver (hl_outbox_t *self, hl_archiver_t *archiver);

//  Send callers their messages through MESSENGER (the consumer group
//  notify): an entry is acknowledged only once the notification adaptor
//  confirmed its message. Before any bucket is held; without it there is
//  no notify group.
typedef struct hl_messenger hl_messenger_t;
void hl_outbox_set_messenger (hl_outbox_t *self, hl_messenger_t *messenger);

//  Queue the dispatched tickets for their units' workers through STORE
//  (the consumer group q, hl_unitq_push): an entry counts as applied (its
//  cursor moves past it) only once Redis took its worker stream entries.
//  Before any bucket is held; without it there is no q group.
void hl_outbox_set_unitq (hl_outbox_t *self, hl_store_t *store);

//  This instance came to hold BUCKET (HELD 1) or let it go (0): the store
//  is ready (its Functions are loaded).
void hl_outbox_hold (hl_outbox_t *self, int bucket, int held);

//  The groups, in table order: their number, and each one's name.
size_t hl_outbox_groups (void);
const char *hl_outbox_group (size_t i);

//  Figures of group I: entries applied since the start, the lag of the
//  latest one (ms from its append to its apply), and the backlog of the
//  buckets held (entries not yet applied) as of their latest trim.
typedef struct {
    uint64_t applied;
    int64_t lag_ms;
    uint64_t backlog;
} hl_outbox_figures_t;
void hl_outbox_figures (const hl_outbox_t *self, size_t i, hl_outbox_figures_t *out);

#endif
