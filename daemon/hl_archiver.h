/*  hl_archiver: tickets copied to the PostgreSQL archive, in batches.
 *
 *  Whoever learns that a ticket changed (the outbox's `arch` group)
 *  offers its number here. Offers gather into a batch, up to batch_max
 *  tickets or linger_ms after the first; the batch reads each distinct
 *  ticket once from Redis with its whole history (hl_store), makes the
 *  archive's rows (hl_archrow) and writes them with the archive's
 *  idempotent upserts, tickets then history (hl_archive). Once PostgreSQL
 *  has committed both, Redis is told how much of each ticket the archive
 *  has (hl_store_archived: a closed ticket may then leave Redis after its
 *  retention time, hl_retention); only then is each offer's DONE called
 *  with 0, so its owner may forget it (acknowledge the outbox entry). Any
 *  failure (Redis unreadable, PostgreSQL down, refused or slow) calls
 *  every DONE of the batch with -1, and the owner offers them again later:
 *  nothing is lost, and a replay writes nothing twice (the rows carry
 *  their version, the history its sequence numbers).
 *
 *  A ticket Redis no longer holds counts as archived (DONE 0): a ticket
 *  leaves Redis only after the archive has it (retention).
 *
 *  One batch is written at a time, in the order offered; offers arriving
 *  meanwhile gather into the next.
 */
#ifndef HL_ARCHIVER_H_INCLUDED
#define HL_ARCHIVER_H_INCLUDED

#include "hl_archive.h"
#include "hl_pii.h"
#include "hl_store.h"

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_archiver hl_archiver_t;

typedef struct {
    int batch_max;               //  tickets per batch (default 200)
    int linger_ms;               //  wait for more after the first offer (default 20)
} hl_archiver_opts_t;

void hl_archiver_opts_default (hl_archiver_opts_t *opts);

//  STATUS 0: the ticket is in the archive as Redis held it when read (or
//  Redis holds it no more); -1: not archived, offer it again later.
typedef void (hl_archiver_done_fn) (int status, void *arg);

//  Archive tickets of STORE into ARCHIVE; PII seals callers' details
//  (NULL: left out).
hl_archiver_t *hl_archiver_new (struct event_base *base, hl_store_t *store,
                                hl_archive_t *archive, const hl_pii_t *pii,
                                const hl_archiver_opts_t *opts);

//  Offers not yet answered get DONE -1 first. Not from inside a DONE.
void hl_archiver_destroy (hl_archiver_t **self_p);

//  Archive TICKET (its state when the batch reads it). 0, then DONE fires
//  exactly once; -1 if the archive is not ready (DONE never fires).
int hl_archiver_offer (hl_archiver_t *self, const char *ticket, hl_archiver_done_fn *fn,
                       void *arg);

//  Whether offers are taken now (the archive is connected and ready).
int hl_archiver_ready (const hl_archiver_t *self);

typedef struct {
    uint64_t archived;           //  offers answered 0
    uint64_t failed;             //  offers answered -1
    uint64_t batches;            //  batches written
    size_t waiting;              //  offers not yet answered
    int64_t last_lag_us;         //  offer to commit, of the latest batch's first offer
} hl_archiver_stats_t;

void hl_archiver_stats (const hl_archiver_t *self, hl_archiver_stats_t *stats);

#endif
