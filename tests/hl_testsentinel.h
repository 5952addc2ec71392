/*  hl_testsentinel: a Redis primary, 2 replicas and 3 sentinels for tests.
 *
 *  The same topology as deploy/up --redis sentinel (deploy/redis-sentinel.sh
 *  writes the sentinels' configuration; the data nodes run
 *  deploy/etc/redis.conf), started here as children of the test on free
 *  loopback ports, so they die with it (PR_SET_PDEATHSIG) and are stopped
 *  by the PIDs started here. No users: the tests of ACLs are elsewhere.
 *
 *  Environment (meson sets it): HL_REDIS_CONF, HL_REDIS_SENTINEL_SH.
 */
#ifndef HL_TESTSENTINEL_H_INCLUDED
#define HL_TESTSENTINEL_H_INCLUDED

#include <hiredis/hiredis.h>
#include <stddef.h>

#define HL_TESTSENTINEL_DATA 3          //  the primary and 2 replicas
#define HL_TESTSENTINEL_SENTINELS 3

typedef struct hl_testsentinel hl_testsentinel_t;

//  Start everything under PARENT/redis (a primary is declared down after
//  DOWN_AFTER_MS) and wait until every sentinel sees the primary, both
//  replicas (in sync) and the other sentinels. NULL on failure.
hl_testsentinel_t *hl_testsentinel_new (const char *parent, int down_after_ms);
void hl_testsentinel_destroy (hl_testsentinel_t **self_p);

//  "127.0.0.1:port,..." of the sentinels.
const char *hl_testsentinel_sentinels (const hl_testsentinel_t *self);

//  The name the sentinels monitor the primary under.
const char *hl_testsentinel_name (void);

//  The primary's "127.0.0.1:port" as the first answering sentinel says
//  into ADDRESS. 0 or -1.
int hl_testsentinel_primary (hl_testsentinel_t *self, char *address, size_t len);

//  SIGKILL the data node at ADDRESS (reaped). 0 or -1 (not ours).
int hl_testsentinel_kill (hl_testsentinel_t *self, const char *address);

//  Wait up to TIMEOUT_MS until the sentinels name a primary other than
//  OLD; the new one into ADDRESS. 0 or -1.
int hl_testsentinel_wait_switch (hl_testsentinel_t *self, const char *old, int timeout_ms,
                                 char *address, size_t len);

//  A synchronous connection to the data node at ADDRESS (caller frees);
//  NULL if it does not answer.
redisContext *hl_testsentinel_connect (const char *address);

#endif
