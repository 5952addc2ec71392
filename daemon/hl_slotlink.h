/*  hl_slotlink: a connection of its own to the master that serves a key.
 *
 *  The blocking stream reads (hl_outbox, hl_unitq) hold a connection for
 *  up to a second at a time, so they cannot share the store's routed
 *  connections (hiredis answers in order). On a standalone Redis (also
 *  with Sentinel) one such connection reaches every stream. On Redis
 *  Cluster a read may only name keys of one slot (else CROSSSLOT), and
 *  the slots live on different masters: a reader keeps one link per slot
 *  it reads, each to the master the store's slot map names for it.
 *
 *  A link follows the map: when its connection is lost, or its owner says
 *  the master refused (MOVED, CLUSTERDOWN; hl_slotlink_check), it looks
 *  again every S_CHECK_MS, sending a routed probe through the store so
 *  that the store's map is refreshed, and reconnects to the new master as
 *  soon as the map names one. On a standalone store the link is made with
 *  the store's own settings (its Sentinel locator included) and never
 *  moves.
 *
 *  The owner's state callback hears UP 1 when the link can be used and UP
 *  0 when it is lost or being rebuilt (commands waiting on it then get a
 *  NULL reply first). Single thread; not from inside a callback of the
 *  link's own connection may it be destroyed (as hl_redis).
 */
#ifndef HL_SLOTLINK_H_INCLUDED
#define HL_SLOTLINK_H_INCLUDED

#include "hl_store.h"

typedef struct hl_slotlink hl_slotlink_t;

//  How streams must be read now: 1 on a standalone store (one link reaches
//  every key: pass KEY NULL), 0 on a cluster (a link per slot), -1 while
//  the store has no slot map yet.
int hl_slotlink_shared (const hl_store_t *store);

//  A link for the streams of KEY's slot (NULL: the standalone store's one
//  node), its watchdog EXTRA_MS longer than the store's timeout (to
//  outlast a blocking read). Connects once the store knows where KEY is.
hl_slotlink_t *hl_slotlink_new (struct event_base *base, hl_store_t *store, const char *key,
                                int extra_ms, hl_redis_state_fn *state_fn, void *arg);
void hl_slotlink_destroy (hl_slotlink_t **self_p);

//  The connection, NULL while the store has not told where the key is.
hl_redis_t *hl_slotlink_redis (const hl_slotlink_t *self);

//  True when commands may be sent on it.
int hl_slotlink_is_up (const hl_slotlink_t *self);

//  The master may have moved (a MOVED, ASK or CLUSTERDOWN reply): look at
//  the store's map again, from the loop (safe from any callback).
void hl_slotlink_check (hl_slotlink_t *self);

#endif
