/*  hl_lease: which buckets' timers this hotlined instance fires.
 *
 *  The SLA reminders live per bucket (hl:{NN}:timers). Each instance
 *  leases a share of the buckets so that every bucket is fired by one
 *  instance and no instance looks at them all:
 *
 *   * a registry of live instances, the sorted set hl:instances (holder ->
 *     heartbeat expiry, Redis time), refreshed every lease_ms / 3;
 *   * one lease key per bucket, hl:{NN}:lease = holder, with an expiry of
 *     lease_ms (hl_lease Function: taken only if free, renewed only by its
 *     holder), renewed on the same beat;
 *   * the deal (hl_share): with N live instances each is owed 64 / N
 *     buckets (the first 64 % N one more), a run starting at its rank's
 *     place. An instance holding more than it is owed lets the surplus go;
 *     one holding less takes free buckets, from its run onwards, and looks
 *     again every S_RETRY_MS until it has its share.
 *
 *  So one instance alone holds every bucket, two split them, and when one
 *  dies its leases expire within lease_ms and the others take them over.
 *  A clean stop lets every lease go and leaves the registry at once. While
 *  a bucket changes hands both instances may fire it for a moment; the
 *  Functions pop each reminder exactly once (ZREM), so nothing fires twice.
 *
 *  The holder name is the instance's name (config instance), its process
 *  id and host, so two instances given the same name still count as two.
 */
#ifndef HL_LEASE_H_INCLUDED
#define HL_LEASE_H_INCLUDED

#include "hl_store.h"

#include <event2/event.h>

typedef struct hl_lease hl_lease_t;

//  Told when this instance comes to hold BUCKET (HELD 1) or stops (0).
typedef void (hl_lease_fn) (int bucket, int held, void *arg);

//  Lease buckets as INSTANCE for LEASE_MS each; FN hears of every change.
//  Nothing is taken before hl_lease_kick (the store is ready).
hl_lease_t *hl_lease_new (struct event_base *base, hl_store_t *store, const char *instance,
                          int lease_ms, hl_lease_fn *fn, void *arg);
void hl_lease_destroy (hl_lease_t **self_p);

//  Beat, renew and balance now (the store became ready), then on its own.
void hl_lease_kick (hl_lease_t *self);

//  Let every lease go and leave the registry (a clean stop). DONE is called
//  once, when Redis has answered (or at once if there is nothing to say).
void hl_lease_stop (hl_lease_t *self, void (*done) (void *arg), void *arg);

//  True if this instance holds BUCKET.
int hl_lease_held (const hl_lease_t *self, int bucket);

//  How many buckets it holds; the holder name it leases them as.
int hl_lease_count (const hl_lease_t *self);
const char *hl_lease_holder (const hl_lease_t *self);

#endif
