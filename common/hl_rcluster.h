/*  hl_rcluster: Redis Cluster over hiredis 0.14, one hl_redis per master.
 *
 *  Debian 12's hiredis has no cluster support. This class keeps a slot
 *  map (CLUSTER SLOTS), one self-healing hl_redis connection per master
 *  (each with its own watchdog, idle PING and reconnect), and routes each
 *  command by the slot of a key the caller names. It follows MOVED (the
 *  map is refreshed, the command goes to the new owner) and ASK (ASKING,
 *  then the command, on the node named), and sends again after TRYAGAIN,
 *  CLUSTERDOWN, LOADING or READONLY, or when the slot's master is not
 *  connected, with backoff, until the command's retry time runs out.
 *
 *  Only commands known not to have run are sent again: a redirection or
 *  one of the errors above means Redis did not run it; a command that was
 *  sent and whose connection was then lost or timed out may have run, and
 *  is answered HL_RCLUSTER_LOST rather than repeated. So nothing is lost
 *  without the caller hearing of it, and nothing is run twice by this
 *  layer.
 *
 *  A standalone Redis (one that answers CLUSTER SLOTS with "cluster
 *  support disabled") is a cluster of one node serving every slot: the
 *  same code path, with no redirection ever.
 *
 *  Contract (as hl_redis): hl_rcluster_command returns 0 and then its
 *  callback fires exactly once, with Redis's reply (code HL_RCLUSTER_OK;
 *  the reply may be an ordinary error reply) or with NULL and a code
 *  saying why; or it returns -1 and the callback never fires. A reply is
 *  valid only during the callback. Single thread: the loop that owns BASE.
 *  Do not destroy the cluster from inside one of its callbacks.
 */
#ifndef HL_RCLUSTER_H_INCLUDED
#define HL_RCLUSTER_H_INCLUDED

#include "hl_redis.h"
#include "hl_rslot.h"

typedef struct hl_rcluster hl_rcluster_t;

typedef struct {
    const char *seeds;       //  where to learn the map: addresses separated by
                             //  commas, spaces or newlines ("host:port", "unix:/path")
    hl_redis_opts_t node;    //  each connection's timeouts (address ignored)
    int retry_ms;            //  how long a command that has not run may keep
                             //  being sent again (redirections, failover, TRYAGAIN)
    int max_redirects;       //  MOVED/ASK followed per command
    int refresh_min_ms;      //  least time between two CLUSTER SLOTS
} hl_rcluster_opts_t;

//  Why a command's callback got no reply.
typedef enum {
    HL_RCLUSTER_OK = 0,          //  REPLY is Redis's answer
    HL_RCLUSTER_LOST,            //  sent, then the connection was lost or timed out: it may have run
    HL_RCLUSTER_UNAVAILABLE,     //  no connected master for the slot within retry_ms: not run
    HL_RCLUSTER_CLUSTERDOWN,     //  TRYAGAIN/CLUSTERDOWN/LOADING/READONLY until retry_ms: not run
    HL_RCLUSTER_REDIRECTS,       //  more than max_redirects MOVED/ASK: not run
    HL_RCLUSTER_STOPPED          //  the cluster object was destroyed first: not run
} hl_rcluster_code_t;

//  Defaults: seeds 127.0.0.1:6379, hl_redis's node defaults, retry_ms as
//  the node timeout (2000), 5 redirects, 100 ms between refreshes.
void hl_rcluster_opts_default (hl_rcluster_opts_t *opts);

//  CODE's stable name for logs and error replies ("ok", "lost",
//  "unavailable", "cluster_down", "redirects", "stopped").
const char *hl_rcluster_code_name (int code);

typedef void (hl_rcluster_reply_fn) (hl_rcluster_t *cluster, redisReply *reply, int code,
                                     void *arg);

//  Told when a master's connection becomes usable (UP 1) and when it is
//  lost or the node stops being a master (UP 0). Runs before any routed
//  command is sent on that connection, so commands NODE gets here (e.g.
//  FUNCTION LOAD with hl_redis_command) reach the server first. NODE stays
//  valid until the hook is told UP 0 for it.
typedef void (hl_rcluster_node_fn) (hl_rcluster_t *cluster, hl_redis_t *node, int up,
                                    void *arg);

//  One master's part of hl_rcluster_all: its address, its reply and code.
typedef void (hl_rcluster_each_fn) (hl_rcluster_t *cluster, const char *address,
                                    redisReply *reply, int code, void *arg);

//  After every master's part: OK counts replies that are not errors.
typedef void (hl_rcluster_done_fn) (hl_rcluster_t *cluster, int ok, int failed, void *arg);

//  Connect to the seeds and learn the map. NULL only if the options are
//  unusable (reason in ERR).
hl_rcluster_t *hl_rcluster_new (struct event_base *base, const hl_rcluster_opts_t *opts,
                                char *err, size_t errlen);

//  Disconnect and free: commands waiting for a reply get HL_RCLUSTER_LOST,
//  commands waiting to be sent again HL_RCLUSTER_STOPPED.
void hl_rcluster_destroy (hl_rcluster_t **self_p);

//  Set the per-master hook (before the loop runs, to hear every master).
void hl_rcluster_set_node_fn (hl_rcluster_t *self, hl_rcluster_node_fn *fn, void *arg);

//  Send a command (binary-safe arguments) to the master of KEY's slot;
//  for a Function call, KEY is its first key. -1 if no slot map is known
//  yet (or the cluster is being destroyed); see the contract above.
int hl_rcluster_command (hl_rcluster_t *self, const char *key, size_t keylen, int argc,
                         const char **argv, const size_t *lens,
                         hl_rcluster_reply_fn *fn, void *arg);

//  As hl_rcluster_command, routed by SLOT.
int hl_rcluster_command_slot (hl_rcluster_t *self, int slot, int argc, const char **argv,
                              const size_t *lens, hl_rcluster_reply_fn *fn, void *arg);

//  Send a command to every master of the current map (e.g. FUNCTION LOAD
//  or reading per-master figures): EACH fires once per master, then DONE
//  once. A master not connected is waited for up to retry_ms. -1 if no
//  map is known yet (no callback fires).
int hl_rcluster_all (hl_rcluster_t *self, int argc, const char **argv, const size_t *lens,
                     hl_rcluster_each_fn *each, hl_rcluster_done_fn *done, void *arg);

//  True once a slot map is known.
int hl_rcluster_is_ready (const hl_rcluster_t *self);

//  True if the server is a standalone Redis (one node, every slot).
int hl_rcluster_is_standalone (const hl_rcluster_t *self);

//  Masters in the map, and how many of them are connected.
size_t hl_rcluster_masters (const hl_rcluster_t *self);
size_t hl_rcluster_masters_up (const hl_rcluster_t *self);

//  Up to MAX masters of the map: each one's address into ADDRESSES (valid
//  until the next return to the loop) and into UP whether it is connected.
//  How many were written.
size_t hl_rcluster_master_list (const hl_rcluster_t *self, const char **addresses, int *up,
                                size_t max);

//  The address of SLOT's master in the map, NULL if none.
const char *hl_rcluster_slot_address (const hl_rcluster_t *self, int slot);

//  The connection to SLOT's master in the map, NULL if none: the one the
//  node hook was given for it (its address may differ from the map's when
//  the connection follows a locator, e.g. Sentinel).
hl_redis_t *hl_rcluster_slot_node (const hl_rcluster_t *self, int slot);

//  Commands accepted and not yet answered.
size_t hl_rcluster_pending (const hl_rcluster_t *self);

//  What the layer has done so far, for metrics and tests.
typedef struct {
    uint64_t moved;          //  MOVED followed
    uint64_t ask;            //  ASK followed
    uint64_t retries;        //  commands sent again after TRYAGAIN & co or a missing master
    uint64_t refreshes;      //  slot maps read
    uint64_t lost;           //  answered HL_RCLUSTER_LOST
    uint64_t failed;         //  answered UNAVAILABLE, CLUSTERDOWN or REDIRECTS
} hl_rcluster_stats_t;

void hl_rcluster_stats (const hl_rcluster_t *self, hl_rcluster_stats_t *stats);

#endif
