/*  hl_retention: closed tickets leave Redis once archived.
 *
 *  Redis holds what is live; the PostgreSQL archive holds everything. A
 *  closed ticket whose every change the archive has committed waits in
 *  its bucket's retire set, by the moment it closed (hl_archiver marks it
 *  after each commit). This class sweeps the buckets this instance holds
 *  the lease of (hl_lease, through hl_retention_hold), a few times per
 *  retention period and at most once a minute: each sweep of a bucket
 *  calls the hl_retire Function, which drops the tickets that closed the
 *  retention time ago or longer, each only if its archived history count
 *  is still its history count (checked in the same atomic step), and
 *  writes an outbox entry that takes it out of the global lists. No
 *  instance scans tickets: each looks at its own buckets' sets only.
 *  A sweep that stopped at its limit goes on at once.
 *
 *  A ticket that left comes back when an action is taken on it
 *  (hl_tickets); `show` reads it from the archive meanwhile.
 */
#ifndef HL_RETENTION_H_INCLUDED
#define HL_RETENTION_H_INCLUDED

#include "hl_deadline.h"
#include "hl_store.h"

#include <event2/event.h>
#include <stdint.h>

typedef struct hl_retention hl_retention_t;

//  Drop closed, archived tickets of STORE KEEP_MS (> 0) after they closed,
//  on Redis's clock (the steps' own), or DEADLINE's when it is a test clock.
hl_retention_t *hl_retention_new (struct event_base *base, hl_store_t *store,
                                  hl_deadline_t *deadline, int64_t keep_ms);
void hl_retention_destroy (hl_retention_t **self_p);

//  This instance now holds BUCKET's lease (HELD 1) and sweeps it, or no
//  longer does (0).
void hl_retention_hold (hl_retention_t *self, int bucket, int held);

//  How often the held buckets are swept, for KEEP_MS: a quarter of it,
//  at least 50 ms and at most a minute.
int64_t hl_retention_period_ms (int64_t keep_ms);

//  Tickets this instance dropped from Redis since it started.
uint64_t hl_retention_dropped (const hl_retention_t *self);

#endif
