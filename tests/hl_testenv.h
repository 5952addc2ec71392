/*  hl_testenv: real processes for black-box tests.
 *
 *  A private redis-server on a free loopback port with its data in a
 *  scratch directory (AOF on, so a restart keeps what was acknowledged),
 *  and the real hotlined built by this tree, started and stopped the way
 *  an operator would: by hl_proc, which waits on each server's READY=1
 *  and retries a first start that lost its port. Children die with the
 *  test (PR_SET_PDEATHSIG), so a crashed test leaves no processes behind.
 *
 *  Binaries come from the environment meson sets: HL_HOTLINED, HL_HOTLINE,
 *  HL_CODES; redis-server from PATH.
 */
#ifndef HL_TESTENV_H_INCLUDED
#define HL_TESTENV_H_INCLUDED

#include "hl_curve.h"
#include "hl_lifecycle_table.h"     //  HL_INDEX_PREFIX, HL_OUTBOX_KIND
#include "hl_callerix.h"           //  HL_CALLERIX_KIND
#include "hl_proc.h"
#include "hotline.pb-c.h"

#include <hiredis/hiredis.h>
#include <sys/types.h>

typedef struct hl_testenv hl_testenv_t;

//  A scratch directory and two free ports (Redis, intake).
hl_testenv_t *hl_testenv_new (const char *name);
void hl_testenv_destroy (hl_testenv_t **self_p);

//  Start redis-server (same port and data directory every time) and wait
//  until it is ready (its data loaded). 0 or -1.
int hl_testenv_redis_start (hl_testenv_t *self);
//  Stop it cleanly (SIGTERM, waits).
void hl_testenv_redis_stop (hl_testenv_t *self);
//  Freeze / thaw it (SIGSTOP / SIGCONT): a Redis that accepts connections
//  but never answers.
void hl_testenv_redis_pause (hl_testenv_t *self, int paused);

//  Start a replica of the private Redis on a free port and wait until it
//  has synced and acknowledges writes (0 or -1); freeze or thaw it (SIGSTOP / SIGCONT).
int hl_testenv_replica_start (hl_testenv_t *self);
void hl_testenv_replica_pause (hl_testenv_t *self, int paused);

//  Use OTHER's redis-server instead of starting one (several daemons on one
//  Redis).
void hl_testenv_share_redis (hl_testenv_t *self, const hl_testenv_t *other);

//  Start hotlined with ARGS (NULL-terminated extra flags) and wait until
//  it says its store is ready. 0 or -1.
int hl_testenv_daemon_start (hl_testenv_t *self, const char *const *args);
//  Start hotlined without waiting for readiness.
pid_t hl_testenv_daemon_spawn (hl_testenv_t *self, const char *const *args);
//  Send SIG to hotlined.
void hl_testenv_daemon_signal (hl_testenv_t *self, int sig);
//  Wait for hotlined to exit; its exit status, or 128+signal, or -1 if it
//  did not exit within TIMEOUT_MS (then it is killed).
int hl_testenv_daemon_wait (hl_testenv_t *self, int timeout_ms);

//  Start hotlined on a Redis Cluster instead of the private Redis: the N
//  node ADDRESSES are written one a line to a redis_nodes file, as
//  deploy/up writes them. 0 or -1.
int hl_testenv_use_nodes (hl_testenv_t *self, const char *const *addresses, int n);

//  The intake endpoint, the Redis address, the daemon's log file, the
//  scratch directory.
const char *hl_testenv_endpoint (const hl_testenv_t *self);
const char *hl_testenv_worker_endpoint (const hl_testenv_t *self);
const char *hl_testenv_events_endpoint (const hl_testenv_t *self);
const char *hl_testenv_redis_address (const hl_testenv_t *self);
const char *hl_testenv_daemon_log (const hl_testenv_t *self);
const char *hl_testenv_dir (const hl_testenv_t *self);

//  A synchronous connection to the private Redis, for assertions.
redisContext *hl_testenv_redis (hl_testenv_t *self);

//  The Redis key of KIND ("t", "merged") of TICKET, as the store names
//  it (hl_bucket), in one of eight buffers the calls take in turn: good for
//  a few keys in one command.
const char *hl_testenv_tkey (const char *ticket, const char *kind);

//  The creation time under which TICKET is in the caller index for caller
//  TOKEN (hl_pii_index's output; the number itself where nothing is
//  sealed), -1 if it is not there.
long long hl_testenv_caller_listed (redisContext *rc, const char *token, const char *ticket);

//  Wait until every bucket's outbox (hl:{NN}:out) is drained: each consumer
//  group of hotlined (hl_outbox) has read every entry and acknowledged it,
//  so the lists (HL_INDEX_PREFIX "state:...") and events show every step
//  acknowledged so far. 0, or -1 if not within TIMEOUT_MS.
int hl_testenv_outbox_drained (hl_testenv_t *self, int timeout_ms);
//  The same on the Redis RC (a primary found elsewhere, e.g. by Sentinel).
int hl_testenv_outbox_drained_on (redisContext *rc, int timeout_ms);

//  Run the hotline client with ARGS; its stdout (NUL-terminated, caller
//  frees) in *out, its stderr in DIR/client.err; returns its exit status.
int hl_testenv_client (hl_testenv_t *self, const char *const *args, char **out);

//  A bare redis-server for a unit test (no persistence) on a free port,
//  ready: its pid (stop it with hl_proc_stop), its port in *PORT and
//  "127.0.0.1:PORT" in ADDRESS (32 bytes); -1 if it did not start.
pid_t hl_testenv_bare_redis (int *port, char address[32]);

//  GET PATH from a dashboard on 127.0.0.1:PORT (with TOKEN as the bearer,
//  if not NULL), through curl: the body (caller frees) and the status.
char *hl_testenv_http_get (int port, const char *path, const char *token, int *status);

//  Speak CURVE to the intake with KEYS from now on (NULL: plain again):
//  the readiness check and hl_testenv_request use them.
void hl_testenv_set_keys (hl_testenv_t *self, const hl_curve_client_t *keys);

//  Send REQ to the daemon (resending under one request id for up to 5 s)
//  and return the answer, NULL if none. Free with hl_wire_free.
Hotline__Envelope *hl_testenv_request (hl_testenv_t *self, Hotline__Envelope *req);

//  A staff ACTION on TICKET by ACTOR ("agent:1001", "dispatcher:wang"), its
//  other fields from EXTRA (may be NULL), sent as hl_testenv_request does:
//  the answer, NULL if none.
Hotline__Envelope *hl_testenv_staff (hl_testenv_t *self, const char *actor, const char *ticket,
                                     Hotline__Action action, const Hotline__Transition *extra);

//  The daemon's view of TICKET (a TicketView or a Nack).
Hotline__Envelope *hl_testenv_show (hl_testenv_t *self, const char *ticket);

//  Whether REPLY (freed here) says the transition took the ticket to TO;
//  says on stderr what came instead.
int hl_testenv_done_to (Hotline__Envelope *reply, int to);

//  A complaint as most tests file it: CHANNEL, TYPE, CATEGORY, AREA, the
//  caller 13800138000, CONTENT, and a new request id kept in RID (the
//  complaint points to RID and the strings: they must outlive it).
void hl_testenv_complaint (Hotline__Complaint *c, int channel, int type, const char *category,
                           const char *area, const char *content, char rid[33]);

//  File C (hl_testenv_request); the ticket number in OUT, "" if refused.
void hl_testenv_file (hl_testenv_t *self, Hotline__Complaint *c, char out[48]);

//  Beijing local time (UTC+8) to Unix milliseconds.
long long hl_testenv_beijing_ms (int y, int mo, int d, int h, int mi);

//  Set the clock of a daemon started with --test-clock-ms, and give the
//  reminders due by then a moment to fire. 0 or -1.
int hl_testenv_set_clock (hl_testenv_t *self, long long now_ms);

//  Milliseconds on a monotonic clock.
long long hl_testenv_now_ms (void);

//  Sleep MS milliseconds.
void hl_testenv_sleep_ms (int ms);

#endif
