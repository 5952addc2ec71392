/*  hl_unitq: the per-unit worker streams.
 *
 *  Every dispatched ticket is queued for its unit in a Redis Stream,
 *  hl:q:{<unit>} (its own slot per unit), one entry per ticket and role:
 *  fields t (ticket), r (role: lead or assist) and at (ms when queued).
 *  Every hotlined instance reads the streams of the units whose workers
 *  are connected to it, in the consumer group "workers" (consumer = the
 *  instance's lease holder name), so a worker on any instance gets every
 *  ticket of its unit, whichever instance took the ticket.
 *
 *  An instance reads a unit's stream only while it wants entries for it
 *  (its workers there have free credit), and no more than it wants, so
 *  tickets wait in Redis rather than in one instance's memory. An entry
 *  is acknowledged and deleted (XACK, XDEL) when the worker has answered
 *  or the ticket no longer waits for the unit: a stream holds only the
 *  undelivered and unanswered tickets.
 *
 *  Entries read by an instance that died stay pending in the group; after
 *  claim_idle_ms without a sign of life they are taken over by another
 *  instance that wants entries of the unit (XAUTOCLAIM). A live instance
 *  shows life by resetting the idle time of the entries it holds every
 *  third of claim_idle_ms (XCLAIM to itself), so a ticket a worker keeps
 *  for an hour is not taken from it. Delivery is at-least-once: signing is
 *  an atomic transition, so a ticket delivered twice is signed once.
 *
 *  Wake-up: one blocking XREADGROUP over all wanted units, on a
 *  connection of its own (hiredis 0.14 answers in order, so a blocked
 *  command would hold up everything behind it on a shared connection).
 *  When the set of wanted units grows, the read is cut short with CLIENT
 *  UNBLOCK and sent again with the new set. On Redis Cluster each unit's
 *  stream is a slot of its own and one read cannot span slots: there each
 *  wanted unit has a blocking read of its own, on a link to its stream's
 *  master that follows the slot (hl_slotlink). The group commands
 *  (create, acknowledge, claim) go through the store, routed by the
 *  stream's key; the object outlives its destroy until their last reply.
 *  Why not a local kick plus a slow poll: a ticket taken by another
 *  instance would wait for the poll (half its period on average, all of
 *  it at worst), and a poll fast enough for the 50 ms target costs every
 *  instance 20+ reads a second per unit set while idle; the blocking read
 *  delivers in one round trip whichever instance took the ticket, and
 *  costs nothing while idle (bench/RESULTS.md, "Worker streams").
 */
#ifndef HL_UNITQ_H_INCLUDED
#define HL_UNITQ_H_INCLUDED

#include "hl_store.h"

#include <event2/event.h>
#include <stdint.h>

#define HL_UNITQ_KEY_MAX (HL_STORE_UNIT_MAX + 8)
#define HL_UNITQ_ID_MAX 48

//  The stream of UNIT into KEY. Its length, or -1 if it does not fit.
int hl_unitq_key (char *key, size_t len, const char *unit);

//  The producer: queue TICKET for UNIT's workers in ROLE ("lead" or
//  "assist"), queued at AT_MS: a plain XADD (the recovery scan,
//  hl_unitq_ensure). FN (may be NULL) hears whether Redis took it (OK 1)
//  or not (0). 0, or -1 (store not ready: FN is not called).
typedef void (hl_unitq_pushed_fn) (int ok, void *arg);
int hl_unitq_push (hl_store_t *store, const char *unit, const char *ticket, const char *role,
                   int64_t at_ms, hl_unitq_pushed_fn *fn, void *arg);

//  One worker stream entry made from an outbox entry: UNIT, TICKET, ROLE
//  and AT_MS as for hl_unitq_push, and where it comes from: the outbox
//  entry ENTRY (its stream id) of BUCKET.
typedef struct {
    const char *unit, *ticket, *role;
    int64_t at_ms;
    int bucket;
    const char *entry;
} hl_unitq_item_t;

//  The producer of the q group of hl_outbox: queue the N ITEMS (a read's
//  worth, each bucket's in outbox order), each once per outbox entry: an
//  item whose entry its unit already queued from (a batch applied again
//  after its consumer died) adds nothing (the hl_unitq_push Function,
//  daemon/hotline.lua). Sent as few Function calls as the keys allow: on
//  REDIS, one for them all (a standalone store: every unit's stream on
//  the one server; the group's own connection, so its pushes neither wait
//  behind the store's traffic nor, after a reconnect, flood it); with
//  REDIS NULL (a cluster: each unit's stream in a slot of its own, seldom
//  on the outbox's master) one per unit, through the store, routed by the
//  unit's key. A call sent again goes through the store. Why calls of
//  many entries: one call per entry cost Redis a Function call, its
//  arguments' parsing and a MULTI/EXEC in the AOF per ticket, and
//  hotlined a command and a reply (bench/RESULTS.md, "the q group at
//  5,000 tickets/s"). FN hears once every call was answered: OK 1 if
//  Redis took them all, else 0. 0, or -1 (nothing sent, FN not called).
int hl_unitq_push_from (hl_store_t *store, hl_redis_t *redis, const hl_unitq_item_t *items,
                        size_t n, hl_unitq_pushed_fn *fn, void *arg);

//  The consumer side.
typedef struct hl_unitq hl_unitq_t;

//  An entry for UNIT came to this instance: ID (to pass to hl_unitq_done),
//  TICKET, LEAD 1 for the lead role and 0 for assist. CLAIMED is 1 if it
//  was taken over from a dead instance.
typedef void (hl_unitq_entry_fn) (const char *unit, const char *id, const char *ticket,
                                  int lead, int claimed, void *arg);

//  An entry this instance held was answered for by another instance (its
//  worker signed the ticket there, say): found out when the entry's idle
//  time is next reset, and it is no longer held here.
typedef void (hl_unitq_gone_fn) (const char *unit, const char *id, const char *ticket,
                                 void *arg);

typedef struct {
    hl_unitq_gone_fn *gone;      //  (may be NULL)
    const char *consumer;        //  this instance's name in the group
    int block_ms;                //  longest blocking read (it is sent again)
    int claim_idle_ms;           //  an entry idle this long at a dead consumer is taken
} hl_unitq_opts_t;

hl_unitq_t *hl_unitq_new (struct event_base *base, hl_store_t *store,
                          const hl_unitq_opts_t *opts, hl_unitq_entry_fn *fn, void *arg,
                          char *err, size_t errlen);
void hl_unitq_destroy (hl_unitq_t **self_p);

//  This instance can take N more entries of UNIT now (0: read none).
void hl_unitq_want (hl_unitq_t *self, const char *unit, unsigned n);

//  How many of UNIT's tickets wait in its stream for any instance to read
//  them (the group's lag, measured every third of claim_idle_ms; 0 while
//  unknown). Asking starts the measuring of a unit not read here.
size_t hl_unitq_waiting (hl_unitq_t *self, const char *unit);

//  The entry ID of UNIT is answered for: acknowledge and delete it.
void hl_unitq_done (hl_unitq_t *self, const char *unit, const char *id);

//  TICKET no longer waits for UNIT (signed, returned, merged) and this
//  instance holds no entry of it: find its entries in the stream (whoever
//  holds them) and acknowledge and delete them. The instance that held
//  one hears of it through its gone callback.
void hl_unitq_answered (hl_unitq_t *self, const char *unit, const char *ticket);

//  Recovery (a store that has dispatched tickets and no stream entries
//  for them: a center upgraded from the in-memory queue, or a stream
//  deleted by hand): make sure TICKET has an
//  entry (any role) in UNIT's stream, adding a lead entry if not. The
//  stream is read once per unit (it holds only unanswered tickets) and
//  remembered until hl_unitq_ensure_end, so a scan of every dispatched
//  ticket costs one XRANGE per unit. A ticket dispatched while the scan
//  runs may get a second entry; the reader drops it (or delivers it
//  twice: at-least-once).
void hl_unitq_ensure (hl_unitq_t *self, const char *unit, const char *ticket, int64_t at_ms);
void hl_unitq_ensure_end (hl_unitq_t *self);

#endif
