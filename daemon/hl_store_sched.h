/*  hl_store_sched: the store's calls for the scheduling subsystems.
 *
 *  The SLA clocks (hl_timers), the bucket leases (hl_lease) and the
 *  hotspot record call Functions of the library that are neither ticket
 *  reads nor transitions. Each has one typed call here: the named
 *  arguments are encoded and the answer decoded in this one file, so
 *  its callers never see a Redis reply nor spell a Function's name.
 *
 *  Callbacks follow hl_store's contract: a call that returns 0 calls its
 *  callback exactly once (with a failure status if no usable answer
 *  came); one that returns -1 never does.
 */
#ifndef HL_STORE_SCHED_H_INCLUDED
#define HL_STORE_SCHED_H_INCLUDED

#include "hl_store.h"

#include <stddef.h>
#include <stdint.h>

//  ---------------------------------------------------------------------
//  SLA clocks

//  One running clock to arm: MILESTONE (hl_deadline's numbering), the
//  START the ticket's clock has (a clock restarted since is left alone),
//  and its moments (0: none).
typedef struct {
    int milestone;
    int64_t start_ms;
    int64_t warn_ms, due_ms, escalate_ms;
} hl_store_clock_t;

//  ARMED: how many of the clocks were armed, or -1 if Redis refused (ERROR
//  says why) or did not answer (ERROR NULL).
typedef void (hl_store_armed_fn) (int armed, const char *error, void *arg);

//  Arm N clocks of TICKET under calendar GENERATION; RESET: an extension
//  moved the deadline, so levels already fired may fire again. FN may be
//  NULL.
int hl_store_sla_arm (hl_store_t *self, const char *ticket, uint64_t generation, int reset,
                      const hl_store_clock_t *clocks, int n, hl_store_armed_fn *fn, void *arg);

//  One reminder popped by hl_store_timer_fire.
typedef struct {
    const char *ticket;
    const char *milestone;       //  "sign", "contact", "reply", "visit"
    const char *level;           //  "warn", "overdue", "escalate"
    const char *unit;            //  the ticket's lead unit ("" none)
    int64_t due_ms;              //  the moment it was due
} hl_store_fired_t;

//  N reminders fired (-1: none; ERROR is Redis's refusal, or NULL if no
//  answer came), and the bucket's next moment (0: none known). Valid during the
//  call only.
typedef void (hl_store_fired_fn) (const hl_store_fired_t *fired, int n, int64_t next_due,
                                  const char *error, void *arg);

//  Fire up to LIMIT reminders of BUCKET due at NOW_MS, each exactly once
//  however many instances ask.
int hl_store_timer_fire (hl_store_t *self, int bucket, int64_t now_ms, int limit,
                         hl_store_fired_fn *fn, void *arg);

//  An open ticket whose clocks run, as hl_store_sla_scan finds it.
typedef struct {
    const char *ticket;
    hl_store_sla_t sla;
} hl_store_clocked_t;

//  N tickets of the batch (-1: no usable answer), and where the next batch
//  starts (0: that was the last). Valid during the call only.
typedef void (hl_store_clocked_fn) (const hl_store_clocked_t *rows, int n, long next,
                                    void *arg);

//  A batch of COUNT tickets in STATE (a state code), from START, whose
//  clocks run: for recomputing deadlines after a calendar change.
int hl_store_sla_scan (hl_store_t *self, const char *state, long start, int count,
                       hl_store_clocked_fn *fn, void *arg);

//  ---------------------------------------------------------------------
//  Bucket leases

typedef enum {
    HL_STORE_LEASE_TAKE,         //  take it if free, renew it if ours
    HL_STORE_LEASE_RELEASE       //  let it go if ours
} hl_store_lease_op_t;

//  YES: 1 if HOLDER holds the lease afterwards (take) or let it go
//  (release), 0 if not (another holds it), -1 if no answer came.
typedef void (hl_store_lease_fn) (int yes, void *arg);

int hl_store_lease (hl_store_t *self, int bucket, const char *holder, int ttl_ms,
                    hl_store_lease_op_t op, hl_store_lease_fn *fn, void *arg);

//  The registry's answer to a heartbeat: OK 0 with the live HOLDERS (N,
//  sorted by name) and the ms until another holder's heartbeat runs out
//  (OTHER_MS, -1: none); OK -1 otherwise (ERROR: Redis's refusal, NULL
//  if no answer came).
typedef void (hl_store_beat_fn) (int ok, int64_t other_ms, const char *const *holders,
                                 size_t n, const char *error, void *arg);

//  HOLDER's heartbeat in the registry of live instances, valid TTL_MS;
//  LEAVE: it stops and leaves the registry instead.
int hl_store_lease_beat (hl_store_t *self, const char *holder, int ttl_ms, int leave,
                         hl_store_beat_fn *fn, void *arg);

//  ---------------------------------------------------------------------
//  Retention (docs/archive.md): closed tickets leave Redis once archived

//  The answer of a retention call: STATUS 0 with what it did, or -1 if
//  Redis refused (ERROR says why) or no answer came (ERROR NULL).
//  hl_store_archived: A is 1 if the ticket now waits to leave Redis (closed
//  and fully archived), 0 if not (open, changed since, or gone).
//  hl_store_retire: A tickets left Redis, of B looked at (B = the limit:
//  there may be more).
typedef void (hl_store_kept_fn) (int status, int a, int b, const char *error, void *arg);

//  The archive has committed TICKET with its first N history entries;
//  CALLER_INDEX ("" none) is its caller's index, kept for when it leaves
//  Redis. Sent after PostgreSQL's commit, never before.
int hl_store_archived (hl_store_t *self, const char *ticket, int n, const char *caller_index,
                       hl_store_kept_fn *fn, void *arg);

//  Up to LIMIT closed tickets of BUCKET that closed KEEP_MS or longer
//  before NOW_MS (0: Redis's time) leave Redis, each only if the archive
//  has all of it.
int hl_store_retire (hl_store_t *self, int bucket, int64_t now_ms, int64_t keep_ms, int limit,
                     hl_store_kept_fn *fn, void *arg);

//  ---------------------------------------------------------------------
//  Hotspots

//  Keep ALERT (JSON) among the dashboard's latest hotspot alerts. Fire and
//  forget: a lost alert was announced live all the same.
int hl_store_hotspot_record (hl_store_t *self, const char *alert);

#endif
