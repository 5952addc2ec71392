/*  hl_bucket: where a ticket lives in the store.
 *
 *  Every ticket belongs to one of HL_TICKET_BUCKETS buckets. The bucket is
 *  chosen at intake from the request (its channel and request id), written
 *  into the ticket number, and carried by every key of the ticket as a
 *  Redis hash tag: hl:{NN}:t:<ticket>. So one Function call touches keys
 *  of one slot only (what Redis Cluster requires), any ticket number names
 *  its node without a lookup, and a retried request finds its idempotency
 *  record in the same bucket as the ticket it made.
 *
 *  The numbers (buckets, digits, key prefix) come from core/lifecycle.json,
 *  which also gives them to the Function library: this file only reads
 *  and writes names in that shape.
 */
#ifndef HL_BUCKET_H_INCLUDED
#define HL_BUCKET_H_INCLUDED

#include "hl_lifecycle_table.h"

#include <stddef.h>

//  Room for a key of a ticket (prefix, tag, kind, ticket number).
#define HL_BUCKET_KEY_MAX 96

//  The kind of a bucket's list of the open tickets a unit leads,
//  hl:{NN}:unit:<code>, by creation time (kept by hotlined's outbox
//  consumer; a unit's list is the merge of its buckets').
#define HL_BUCKET_UNIT_LIST "unit"

//  The bucket of a new request: a hash of CHANNEL and the request id RID
//  (LEN bytes). The same request always gets the same bucket.
int hl_bucket_of_request (const char *channel, const void *rid, size_t len);

//  The bucket a ticket number (LEN bytes) names, or -1 if TICKET is not a
//  ticket number. A number of store layout 1 (no bucket in it) is in
//  bucket 0, where the migration to layout 2 moved its ticket.
int hl_bucket_of_ticket (const char *ticket, size_t len);

//  Writes the key "hl:{NN}:KIND:ID" (ID of IDLEN bytes) into OUT. Returns
//  its length, or -1 if it does not fit (OUT is then "").
int hl_bucket_key (char *out, size_t outlen, int bucket, const char *kind,
                   const char *id, size_t idlen);

//  Writes the key of the bucket's own KIND ("timers", "lease", "sla:warned"),
//  "hl:{NN}:KIND", into OUT. Returns its length, or -1 (OUT is then "").
int hl_bucket_own_key (char *out, size_t outlen, int bucket, const char *kind);

//  The key of KIND ("t", "merged") of TICKET. A string that is no
//  ticket number gets the key it would have in bucket 0: a key no ticket
//  has, so reading it finds nothing. Returns the length, or -1.
int hl_bucket_ticket_key (char *out, size_t outlen, const char *ticket, const char *kind);

//  The bucket as its hash tag's digits ("07"): OUT has room for 8.
void hl_bucket_name (int bucket, char out[8]);

#endif
