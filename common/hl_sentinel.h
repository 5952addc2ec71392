/*  hl_sentinel: where the Redis primary is, from Redis Sentinel.
 *
 *  Given the sentinels' addresses and the name they monitor the primary
 *  under, this class
 *
 *   * asks them for the primary (SENTINEL get-master-addr-by-name) at
 *     start, and again whenever a connection finds the server it was given
 *     is not the primary (READONLY, LOADING, connection lost);
 *   * subscribes to +switch-master on every sentinel, so a failover is
 *     followed as soon as the sentinels announce it;
 *   * moves every hl_redis connection that uses its locator
 *     (hl_sentinel_locator) to the new primary. What a connection does
 *     after connecting (AUTH, the Function library) is its owner's
 *     connect hook, so it happens again on the new primary.
 *
 *  Replies that make no sense (a nil for an unknown name, a malformed
 *  address, an error) are logged with what was wrong and the next
 *  sentinel's answer is used. Single thread: the loop that owns BASE.
 */
#ifndef HL_SENTINEL_H_INCLUDED
#define HL_SENTINEL_H_INCLUDED

#include "hl_redis.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_sentinel hl_sentinel_t;

#define HL_SENTINEL_MAX 16

typedef struct {
    const char *sentinels;   //  "host:port,host:port,..." (numeric hosts)
    const char *master_name; //  the name the sentinels monitor it under
    const char *user;        //  ACL user for the sentinels (NULL: none)
    const char *password;    //  its password (copied; never logged)
    int timeout_ms;          //  a sentinel's answer deadline
    int poll_ms;             //  how often to ask while the primary is unknown
} hl_sentinel_opts_t;

//  Fills OPTS with defaults: master name "hotline", 1000 ms timeout,
//  200 ms polling.
void hl_sentinel_opts_default (hl_sentinel_opts_t *opts);

//  Start asking. NULL if the list or the name is malformed (ERR says why).
hl_sentinel_t *hl_sentinel_new (struct event_base *base, const hl_sentinel_opts_t *opts,
                                char *err, size_t errlen);
void hl_sentinel_destroy (hl_sentinel_t **self_p);

//  The locator to put in hl_redis_opts_t: connections made with it follow
//  the primary. Valid as long as SELF.
const hl_redis_locator_t *hl_sentinel_locator (hl_sentinel_t *self);

//  The primary's address into ADDRESS; -1 while it is not known.
int hl_sentinel_primary (const hl_sentinel_t *self, char *address, size_t len);

//  How many times the primary changed since start.
uint64_t hl_sentinel_switches (const hl_sentinel_t *self);

//  Parsing, exposed for tests. The reply to get-master-addr-by-name into
//  ADDRESS ("ip:port"): 0, or -1 with ERR saying what was wrong.
int hl_sentinel_parse_master (const redisReply *reply, const char *master_name,
                              char *address, size_t len, char *err, size_t errlen);

//  A +switch-master message ("<name> <old ip> <old port> <new ip> <new
//  port>"): 1 and the new address if it is about MASTER_NAME, 0 if it is
//  about another master, -1 if malformed (ERR).
int hl_sentinel_parse_switch (const char *payload, const char *master_name,
                              char *address, size_t len, char *err, size_t errlen);

#endif
