/*  hl_seqguard: no ticket number issued twice across a primary switch.
 *
 *  Ticket numbers count up in Redis, one sequence per bucket and day
 *  (hl:{NN}:seq:<day>, daemon/hotline.lua).
 *  Replication is asynchronous, so a replica promoted after its primary
 *  died may lack the last numbers the primary handed out, and would hand
 *  them out again to other complaints. Before the store serves intake on a
 *  connection, this guard asks the primary for its replication id (INFO
 *  replication: a promotion gives the new primary a new one) and calls
 *  hl_seq_guard with it once per bucket (each call's keys are in its
 *  bucket's slot): on a primary not seen before, the bucket's sequences of
 *  the days around today jump by a gap larger than any loss, once,
 *  whichever hotlined asks first. The run is done when every bucket has
 *  answered; intake is refused with a retryable code until then.
 */
#ifndef HL_SEQGUARD_H_INCLUDED
#define HL_SEQGUARD_H_INCLUDED

#include "hl_redis.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HL_SEQGUARD_DONE,        //  guarded (bumped, or this primary was seen before)
    HL_SEQGUARD_UNGUARDED,   //  the user may not read INFO: serving without the guard
    HL_SEQGUARD_RETRY        //  Redis refused or the connection was lost: run it again
} hl_seqguard_outcome_t;

typedef void (hl_seqguard_fn) (hl_seqguard_outcome_t outcome, void *arg);

typedef struct {
    long gap;                //  numbers skipped on a primary not seen before
    int tz_offset_min;       //  the days of ticket numbers: local time
    int64_t now_ms;          //  hotlined's clock now (0: Redis's)
    const unsigned char *buckets;    //  HL_TICKET_BUCKETS flags: the buckets this
                             //  master serves, guarded here (NULL: every one)
} hl_seqguard_opts_t;

//  Run the guard on REDIS (the store's write connection, just connected).
//  FN is called exactly once if this returns 0; -1: not sent, FN never
//  called.
int hl_seqguard_run (hl_redis_t *redis, const hl_seqguard_opts_t *opts, hl_seqguard_fn *fn,
                     void *arg);

//  The replication id in an INFO replication text into ID (41 bytes); 0,
//  or -1 if there is none. Exposed for tests.
int hl_seqguard_replid (const char *info, char id[41]);

#endif
