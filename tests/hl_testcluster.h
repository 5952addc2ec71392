/*  hl_testcluster: a local Redis Cluster for tests.
 *
 *  Six redis-server processes on free loopback ports (a client port and a
 *  cluster-bus port each), with deploy/etc/redis.conf and
 *  deploy/etc/redis-cluster.conf, their data in a scratch directory; made
 *  into 3 masters + 3 replicas by deploy/redis-cluster.sh create (so the
 *  tests and deploy/up build the cluster the same way). The nodes die with
 *  the test (PR_SET_PDEATHSIG) and are stopped by the PIDs started here.
 *
 *  Environment (meson sets it): HL_REDIS_CONF, HL_REDIS_CLUSTER_CONF,
 *  HL_REDIS_CLUSTER_SH.
 */
#ifndef HL_TESTCLUSTER_H_INCLUDED
#define HL_TESTCLUSTER_H_INCLUDED

#include <hiredis/hiredis.h>
#include <stddef.h>

#define HL_TESTCLUSTER_NODES 6

typedef struct hl_testcluster hl_testcluster_t;

//  Start the nodes (cluster-node-timeout NODE_TIMEOUT_MS) and wait until
//  the cluster is ok and every replica in sync. NULL on failure.
hl_testcluster_t *hl_testcluster_new (const char *name, int node_timeout_ms);
void hl_testcluster_destroy (hl_testcluster_t **self_p);

//  Node I's "127.0.0.1:port".
const char *hl_testcluster_address (const hl_testcluster_t *self, int i);

//  Every node's address, comma-separated (seeds for hl_rcluster).
const char *hl_testcluster_seeds (const hl_testcluster_t *self);

//  The node serving SLOT now, as the cluster says; -1 if none answers.
int hl_testcluster_master_of (hl_testcluster_t *self, int slot);

//  The first slot node I serves (-1 if none).
int hl_testcluster_first_slot (hl_testcluster_t *self, int i);

//  Node I's cluster id into ID. 0 or -1.
int hl_testcluster_node_id (hl_testcluster_t *self, int i, char *id, size_t idlen);

//  CLUSTER SETSLOT SLOT HOW ID on node I (HOW: IMPORTING, MIGRATING or
//  NODE; ID a node's cluster id). 0, or -1 (the reason on stderr).
int hl_testcluster_setslot (hl_testcluster_t *self, int i, int slot, const char *how,
                            const char *id);

//  Moves keys of SLOT from node SRC to node DST with MIGRATE, at most BATCH
//  (0: up to 1000). The number moved, or -1 if MIGRATE refused (on stderr).
int hl_testcluster_migrate (hl_testcluster_t *self, int src, int dst, int slot, int batch);

//  A synchronous connection to node I (reopened if it was lost), for
//  assertions and administration; NULL if the node does not answer.
redisContext *hl_testcluster_redis (hl_testcluster_t *self, int i);

//  Send SIG to node I (SIGKILL also reaps it; SIGSTOP/SIGCONT freeze and
//  thaw it).
void hl_testcluster_signal (hl_testcluster_t *self, int i, int sig);

//  Start node I again from its directory (after SIGKILL); waits for PING.
int hl_testcluster_restart (hl_testcluster_t *self, int i);

//  The scratch directory.
const char *hl_testcluster_dir (const hl_testcluster_t *self);

#endif
