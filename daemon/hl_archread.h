/*  hl_archread: a ticket read back from the PostgreSQL archive.
 *
 *  A closed ticket leaves Redis after its retention time; from then on
 *  the archive is where `show` finds it. This class reads one ticket and
 *  its history (the rows hl_archrow wrote) and hands them over as the
 *  same view hl_store gives for a ticket in Redis, so no reader can tell
 *  where it came from: the caller's details opened with the store's key
 *  (hl_pii), the deadlines with their due moments, the history in order.
 *
 *  The ticket number names the day it was taken (YJ + yyyymmdd + ...), so
 *  the read looks only at the partitions around that day.
 */
#ifndef HL_ARCHREAD_H_INCLUDED
#define HL_ARCHREAD_H_INCLUDED

#include "hl_archive.h"
#include "hl_pii.h"
#include "hl_store.h"

//  Read TICKET from ARCHIVE; FN gets its view (valid during the call), or
//  NULL with ERROR NULL if the archive does not have it, or NULL with
//  ERROR set if the read failed. 0, then FN fires exactly once; -1 if
//  the archive is not ready or TICKET is no ticket number (FN never fires).
int hl_archread_ticket (hl_archive_t *archive, const hl_pii_t *pii, const char *ticket,
                        hl_store_view_fn *fn, void *arg);

//  The newest LIMIT archived tickets of a list, newest first: INDEX
//  "caller" (KEY the caller's keyed hash, hl_pii_index, as Redis's caller
//  index names it: never the number), "unit" (KEY a unit code) or "state"
//  (KEY a state name); STATE ("" = any) keeps only tickets in that state.
//  FN gets them as the same summaries hl_store_ticket_list gives, or an
//  ERROR. 0, then FN fires exactly once; -1 if the archive is not ready or
//  INDEX is none of the three (FN never fires).
int hl_archread_list (hl_archive_t *archive, const char *index, const char *key,
                      const char *state, unsigned limit, hl_store_list_fn *fn, void *arg);

#endif
