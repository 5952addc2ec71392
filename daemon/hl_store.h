/*  hl_store: the ticket store, i.e. hotline's view of Redis.
 *
 *  Every write is one Redis Function call (daemon/hotline.lua), so a ticket
 *  is either stored whole, with its history entry and indexes, or not at
 *  all. The store talks to Redis through hl_rcluster (a standalone Redis
 *  is a cluster of one node): each call goes to the master of its first
 *  key's slot. It loads that library on every master at each (re)connect
 *  and reports itself ready once every master has accepted it; a call
 *  for the slots of a master that is away is answered HL_STORE_UNAVAILABLE
 *  (not run) while the others go on. opts.redis.address is the node list
 *  ("host:port", or several separated by commas, spaces or newlines).
 *
 *  Callbacks follow hl_redis's contract: a function that returns 0 calls
 *  its callback exactly once; one that returns -1 never does.
 */
#ifndef HL_STORE_H_INCLUDED
#define HL_STORE_H_INCLUDED

#include "hl_redis.h"
#include "hl_pii.h"
#include "hotline.pb-c.h"

#include <event2/event.h>
#include <stdint.h>

typedef struct hl_store hl_store_t;

//  The lifecycle limits a center configures (hotlined.conf, where their
//  defaults are), passed to every transition as named arguments. 0 or ""
//  is no limit: what a store made without them (the tests of the table)
//  applies.
typedef struct {
    int reopen_max;              //  重办 rounds a ticket may have after 甄别
    int return_max;              //  退单 a ticket may have
    int visit_tries;             //  unreachable 回访 attempts that close it
    const char *extension_limits;    //  "TYPE:TIMES:DAYS,...", TYPE "*" for any
    int reply_from_dispatch;     //  the reply clock starts at dispatch, not sign
} hl_store_rules_t;

typedef struct {
    hl_redis_opts_t redis;       //  connection, timeouts, backoff
    const char *city_prefix;     //  ticket number prefix, e.g. "YJ"
    int tz_offset_min;           //  local time for the date in ticket numbers
    int idempotency_ttl_s;       //  how long a request id is remembered
    const hl_pii_t *pii;         //  seals callers' details (NULL: stored as given)
    int ack_replicas;            //  0: a new ticket is confirmed by the primary's reply
                                 //  N: ... and then by WAIT: N replicas received it
    int ack_timeout_ms;          //  how long WAIT waits for them
    hl_store_rules_t rules;      //  lifecycle limits (none by default)
    long seq_guard_gap;          //  ticket numbers skipped on a new primary (hl_seqguard)
    int64_t (*clock_ms) (void *arg);     //  the owner's clock, as intake's now_ms
    void *clock_arg;             //  (NULL clock_ms: Redis's)
} hl_store_opts_t;

typedef enum {
    HL_STORE_NEW,        //  stored now (or: transition applied now)
    HL_STORE_DUP,        //  the request id was seen: the original result
    HL_STORE_CONFLICT,   //  the request id was used for another request
    HL_STORE_REFUSED,    //  the step's rules refused it (code and error set)
    HL_STORE_LOST,       //  no confirmation (connection lost or timed out)
    HL_STORE_UNAVAILABLE,    //  not run: the master of its slot is away (retry)
    HL_STORE_UNREPLICATED,   //  stored on the primary, not confirmed by enough replicas
    HL_STORE_FAILED      //  Redis answered with an error
} hl_store_outcome_t;

#define HL_STORE_TICKET_MAX 48
#define HL_STORE_EXCERPT_MAX 180      //  bytes of content a list shows
#define HL_STORE_UNIT_MAX 40

typedef struct {
    hl_store_outcome_t outcome;
    char ticket[HL_STORE_TICKET_MAX];
    int state;                   //  Hotline__State
    uint64_t created_ms;
    char unit[HL_STORE_UNIT_MAX];    //  lead unit, "" if none
    char assist[160];            //  assisting units, comma-separated
    char error[160];             //  for LOST and FAILED
} hl_store_result_t;

//  Where intake puts a new ticket: "dispatched" to UNIT (with ASSIST,
//  comma-separated), "to_dispatch", or a closing state. NOTE goes into the
//  history (the catalogue rule, the answer given, the reason).
typedef struct {
    const char *state;
    const char *unit;
    const char *assist;
    const char *note;
    int64_t now_ms;              //  the daemon's clock: created_ms and SLA start
    int64_t sign_warn_ms;        //  dispatched: the sign deadline's moments
    int64_t sign_due_ms;         //  (0 = none)
    int64_t sign_escalate_ms;
    uint64_t sla_generation;
} hl_store_disposition_t;

//  What a transition tells hotlined to arm: the ticket's facts for the
//  SLA policy and the milestones whose clocks (re)started.
typedef struct {
    int request_type;            //  Hotline__RequestType
    int urgent, enterprise;
    char tag[32];
    char pauses[512];            //  "from-to,from-" (ms)
    int extension_days;
    int reset;                   //  an extension moved the deadline
    int n_arm;
    int arm[4];                  //  milestones
    int64_t start_ms[4];
} hl_store_sla_t;

//  The outcome of a transition.
typedef struct {
    hl_store_outcome_t outcome;  //  NEW, DUP, REFUSED, LOST or FAILED
    int from, to;                //  Hotline__State
    uint64_t at_ms;
    char unit[HL_STORE_UNIT_MAX];    //  lead unit afterwards
    char assist[160];            //  assisting units afterwards
    hl_store_sla_t sla;          //  clocks to arm (NEW only)
    Hotline__ErrorCode code;     //  for REFUSED
    char error[200];
} hl_store_transition_result_t;

typedef void (hl_store_transition_fn) (const hl_store_transition_result_t *result, void *arg);

//  ITEMS valid only during the call; ERROR set if the read failed.
typedef void (hl_store_list_fn) (Hotline__TicketSummary **items, size_t n,
                                 const char *error, void *arg);

//  One batch of dispatched tickets: NEXT is where the next batch starts
//  (0: done; -1: the read failed).
typedef void (hl_store_scan_fn) (long next, const char **tickets, const char **units,
                                 const char **assists, size_t n, void *arg);

typedef void (hl_store_intake_fn) (const hl_store_result_t *result, void *arg);

//  VIEW is NULL if the ticket does not exist or the read failed (then
//  ERROR is set, else it is NULL). VIEW is valid only during the call.
typedef void (hl_store_view_fn) (const Hotline__TicketView *view, const char *error,
                                 void *arg);

//  Every option set: the defaults of hl_redis, prefix "YJ", UTC+8, request
//  ids kept 30 days, nothing sealed, ack = local, 10000 numbers skipped on a
//  new primary. Callers change what they
//  need; fields added later get their default here.
void hl_store_opts_default (hl_store_opts_t *opts);

hl_store_t *hl_store_new (struct event_base *base, const hl_store_opts_t *opts,
                          char *err, size_t errlen);
void hl_store_destroy (hl_store_t **self_p);

//  Call FN each time the store becomes ready (after every reconnect).
void hl_store_set_ready_fn (hl_store_t *self, void (*fn) (void *arg), void *arg);

//  Call FN when the store turns out newer than this hotlined knows
//  (hl_layout): the store then stays unready; WHY is for the operator.
void hl_store_set_newer_fn (hl_store_t *self, void (*fn) (const char *why, void *arg),
                            void *arg);

//  True when every master of the slot map is connected, has the function
//  library and its ticket numbers guarded.
int hl_store_is_ready (const hl_store_t *self);

//  Round trip of the latest Redis reply, in microseconds.
int64_t hl_store_rtt_us (const hl_store_t *self);

//  Requests sent to Redis and not yet answered.
size_t hl_store_pending (const hl_store_t *self);

//  Store a validated complaint. ACTOR is recorded in the history. NOW_MS
//  is a test clock value, or 0 to use Redis's clock.
int hl_store_intake (hl_store_t *self, const Hotline__Complaint *complaint,
                     const char *actor, uint64_t now_ms,
                     const hl_store_disposition_t *disposition,
                     hl_store_intake_fn *fn, void *arg);

//  Deadlines computed before a transition for the clocks it starts, so
//  they are armed in the same step (milestone numbers as hl_deadline).
typedef struct {
    int n;
    int milestone[2];
    int64_t warn[2], due[2], escalate[2];
    uint64_t generation;
    int64_t return_until;        //  sign: the end of its return window (0: none)
} hl_store_premade_t;

//  Apply a (validated) transition as ACTOR. RID is the request id that
//  makes a retry idempotent. PRE (may be NULL) carries deadlines computed
//  beforehand for clocks the transition starts.
int hl_store_transition (hl_store_t *self, const Hotline__Transition *t, const char *actor,
                         const void *rid, size_t rid_len, uint64_t now_ms,
                         const hl_store_premade_t *pre,
                         hl_store_transition_fn *fn, void *arg);

//  List tickets, newest first, from INDEX ("caller", "unit" or "state")
//  under KEY, optionally only those in STATE ("" = any).
int hl_store_ticket_list (hl_store_t *self, const char *index, const char *key,
                          const char *state, unsigned limit, hl_store_list_fn *fn, void *arg);

//  The tickets of the caller PHONE (normalised) created from FROM_MS to
//  TO_MS, newest first, at most LIMIT: one lexical range of the caller's
//  group of the caller index (hl_callerix), no ticket read (the repeat-call
//  check's first look, which is nearly always empty). FN gets TICKETS (valid only during the call) or ERROR.
typedef void (hl_store_numbers_fn) (const char *const *tickets, size_t n, const char *error,
                                    void *arg);
int hl_store_caller_since (hl_store_t *self, const char *phone, uint64_t from_ms,
                           uint64_t to_ms, unsigned limit, hl_store_numbers_fn *fn, void *arg);

//  Parse the SLA facts list the Functions return (hl_sla_scan rows start
//  with the ticket; pass FIRST = 1 to skip it). 0 or -1.
int hl_store_sla_parse (const redisReply *list, size_t first, hl_store_sla_t *sla);

//  Send a command on the write connections: a plain one, or a Function
//  the store has no call of its own for (hl_unitq_push). KEY is the key it
//  touches, by whose slot it is routed (the stream commands of hl_unitq,
//  the outbox's index updates); NULL for its first argument (of an FCALL,
//  its first key).
//  Same contract as the rest.
int hl_store_command (hl_store_t *self, const char *key, int argc, const char **argv,
                      hl_redis_reply_fn *fn, void *arg);

//  True once the store knows it runs on a standalone Redis (one node, every
//  slot; also with Sentinel); false on a cluster or before the slot map is
//  known.
int hl_store_standalone (const hl_store_t *self);

//  The store's masters as its slot map names them (hl_rcluster_master_list).
size_t hl_store_masters (const hl_store_t *self, const char **addresses, int *up, size_t max);

//  The address of the master serving KEY's slot in the current slot map,
//  NULL if none is known. Valid until the next return to the loop.
const char *hl_store_master_of (const hl_store_t *self, const char *key);

//  The connection settings the store was made with, for a class that needs
//  a connection of its own to the same server (a blocking read).
const hl_redis_opts_t *hl_store_redis_opts (const hl_store_t *self);

//  Read a batch of the tickets waiting to be signed.
int hl_store_dispatched_scan (hl_store_t *self, long start, long count,
                              hl_store_scan_fn *fn, void *arg);

//  Read one ticket with its history.
int hl_store_ticket_get (hl_store_t *self, const char *ticket,
                         hl_store_view_fn *fn, void *arg);

//  The same, with ACTOR's access to the caller's details written to the
//  ticket's history (action reveal_caller, note REASON) in the same call.
int hl_store_ticket_reveal (hl_store_t *self, const char *ticket, const char *actor,
                            const char *reason, int64_t now_ms, hl_store_view_fn *fn, void *arg);

//  Read one ticket without its history (cheaper: for deliveries).
int hl_store_ticket_brief (hl_store_t *self, const char *ticket,
                           hl_store_view_fn *fn, void *arg);

//  STATUS 0 when done, else -1 with ERROR (NULL if no answer came).
typedef void (hl_store_done_fn) (int status, const char *error, void *arg);

//  Bring a ticket that left Redis back from VIEW, its archived copy
//  (hl_archread), with its history, before an action on it; a ticket in
//  Redis already is left as it is (then STATUS 0 too). The complaint's
//  caller is sealed again as intake seals it. NOW_MS: the daemon's clock.
int hl_store_ticket_restore (hl_store_t *self, const Hotline__TicketView *view, int64_t now_ms,
                             hl_store_done_fn *fn, void *arg);

//  The embedded function library (generated from hotline.lua).
extern const char hl_store_functions[];
extern const size_t hl_store_functions_len;

#endif
