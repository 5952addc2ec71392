/*  hl_archrow: a ticket as the archive's rows.
 *
 *  The archiver reads a ticket with its history from Redis (hl_store's
 *  view) and writes it to PostgreSQL through the archive's upsert
 *  functions, which take JSON arrays of objects named like the columns
 *  (archive/migrations/0001_init.sql). This class makes those objects,
 *  and nothing else: no I/O, so every column is tested on a hand-made
 *  view.
 *
 *  What the view does not hold as a field comes from the history, the
 *  ticket's one record of what happened: when it was first dispatched,
 *  when each milestone was met (sign, first contact, the latest reply and
 *  回访) and when it closed. The version is the number of history entries,
 *  so a replay of an older read never overwrites a newer row.
 *
 *  The caller's number and name come in the clear (the view opened them)
 *  and are sealed again with the store's key (hl_pii) before they leave:
 *  PostgreSQL holds them encrypted, and finds a caller's tickets by the
 *  same keyed hash as Redis's caller index.
 */
#ifndef HL_ARCHROW_H_INCLUDED
#define HL_ARCHROW_H_INCLUDED

#include "hl_buf.h"
#include "hl_pii.h"
#include "hotline.pb-c.h"

//  Append V's ticket row (one JSON object) to TICKETS and its history
//  entries (JSON objects) to HISTORY, each after a comma if the buffer
//  already holds something: the caller adds the brackets. PII may be NULL
//  (caller details left out). -1 (nothing appended) if V has no number
//  or creation time.
int hl_archrow_append (const Hotline__TicketView *v, const hl_pii_t *pii, hl_buf_t *tickets,
                       hl_buf_t *history);

//  MS (Unix ms) as the archive's timestamps take it:
//  "2026-12-04T08:00:00.123Z". OUT has 32 bytes.
void hl_archrow_time (char out[32], int64_t ms);

#endif
