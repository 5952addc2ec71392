/*  hl_redis: one asynchronous Redis connection that stays up by itself.
 *
 *  hiredis 0.14 has no timeouts and no reconnect. This class adds both:
 *
 *   * a watchdog timer measures the age of the oldest command still
 *     waiting for its reply (replies arrive in order, so that is the head
 *     of a FIFO); past timeout_ms the connection is declared stalled and
 *     dropped, and every waiting callback fires with a NULL reply;
 *   * an idle connection is probed with PING so a dead server is noticed
 *     before the next request needs it;
 *   * a lost or failed connection is rebuilt with exponential backoff;
 *   * the owner hears about each transition through a state callback, and
 *     is told "up" only from the loop, never from inside hiredis's connect
 *     callback (where issuing commands is unsafe in 0.14).
 *
 *  Contract (as in libuv): hl_redis_command returns 0 and then its
 *  callback fires exactly once, with the reply or with NULL; or it returns
 *  -1 and the callback never fires. A reply is valid only during the
 *  callback. Single thread: the loop that owns BASE.
 */
#ifndef HL_REDIS_H_INCLUDED
#define HL_REDIS_H_INCLUDED

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_redis hl_redis_t;

//  Where the server is, when it can move (Redis Sentinel: common/hl_sentinel).
//  A connection with a locator asks it for the address before every
//  connect, and tells it when the server there is not (or no longer) the
//  primary: a READONLY or LOADING reply, or a lost connection. It then
//  reconnects to wherever the locator points next.
typedef struct {
    //  The current address into ADDRESS; -1 while unknown (the connect
    //  is tried again after a backoff step).
    int (*locate) (void *arg, char *address, size_t len);
    //  The server at ADDRESS did not serve as the primary (WHY says how).
    void (*stale) (void *arg, const char *address, const char *why);
    //  REDIS follows the locator from now on (ON = 1) or no more (0): the
    //  locator calls hl_redis_relocate on it when the address moves.
    void (*follow) (void *arg, hl_redis_t *redis, int on);
    void *arg;
} hl_redis_locator_t;

typedef struct {
    const char *address;     //  "host:port" (numeric host) or "unix:/path"
    int timeout_ms;          //  a command older than this drops the connection
    int backoff_min_ms;      //  first reconnect delay
    int backoff_max_ms;      //  longest reconnect delay
    int ping_idle_ms;        //  PING after this long without traffic
    const char *user;        //  ACL user to AUTH as after every connect (NULL: none)
    const char *password;    //  its password (copied; never logged)
    const hl_redis_locator_t *locator;   //  the address moves (NULL: fixed address);
                             //  must outlive the connection
} hl_redis_opts_t;

//  Fills OPTS with defaults: 2000 ms timeout, 50..2000 ms backoff, 1000 ms
//  idle ping.
void hl_redis_opts_default (hl_redis_opts_t *opts);

//  REPLY is NULL if the connection was lost or timed out before a reply.
typedef void (hl_redis_reply_fn) (hl_redis_t *redis, redisReply *reply, void *arg);

//  UP is 1 when a connection becomes usable, 0 when it is lost.
typedef void (hl_redis_state_fn) (hl_redis_t *redis, int up, void *arg);

//  Create the connection object and start connecting. Returns NULL only
//  if the address is malformed (message in ERR). With a locator, ADDRESS
//  is not used.
hl_redis_t *hl_redis_new (struct event_base *base, const hl_redis_opts_t *opts,
                          hl_redis_state_fn *state_fn, void *arg,
                          char *err, size_t errlen);

//  Disconnect and free; waiting callbacks fire with NULL first.
void hl_redis_destroy (hl_redis_t **self_p);

//  Send a command (binary-safe arguments). See the contract above.
int hl_redis_command (hl_redis_t *self, int argc, const char **argv,
                      const size_t *lens, hl_redis_reply_fn *fn, void *arg);

//  The locator's address may have moved: if this connection is up (or
//  connecting) elsewhere, drop it and connect to the new one. Safe from
//  any callback (the work is done from the loop).
void hl_redis_relocate (hl_redis_t *self);

//  True when commands are accepted.
int hl_redis_is_up (const hl_redis_t *self);

//  Commands sent and not yet answered.
size_t hl_redis_pending (const hl_redis_t *self);

//  Round-trip time of the most recent reply, in microseconds.
int64_t hl_redis_last_rtt_us (const hl_redis_t *self);

//  The address connected to (or configured), for messages.
const char *hl_redis_address (const hl_redis_t *self);

//  Monotonic clock in microseconds (shared helper).
int64_t hl_monotonic_us (void);

#endif
