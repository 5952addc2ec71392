/*  hl_bucket: where a ticket lives in the store. See hl_bucket.h. */
#include "hl_bucket.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

//  FNV-1a: cheap, stable across builds and machines, and well spread over
//  the low bits the bucket is taken from. Not a defence against anyone
//  choosing request ids to crowd one bucket; that costs them only balance.
int
hl_bucket_of_request (const char *channel, const void *rid, size_t len)
{
    uint32_t h = 2166136261u;
    for (const char *c = channel; *c; c++)
        h = (h ^ (uint8_t) *c) * 16777619u;
    h = (h ^ 0u) * 16777619u;        //  channel "ab" + id "c" differs from "a" + "bc"
    const uint8_t *p = rid;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return (int) ((h ^ (h >> 16)) % HL_TICKET_BUCKETS);
}

int
hl_bucket_of_ticket (const char *ticket, size_t len)
{
    size_t i = 0;
    while (i < len && ticket[i] >= 'A' && ticket[i] <= 'Z')
        i++;
    size_t digits = len - i;
    int legacy = digits == HL_TICKET_DATE_DIGITS + HL_TICKET_LEGACY_SERIAL_DIGITS;
    if (!legacy && digits < HL_TICKET_DATE_DIGITS + HL_TICKET_BUCKET_DIGITS + HL_TICKET_SERIAL_DIGITS)
        return -1;
    int bucket = 0;
    for (size_t k = i; k < len; k++) {
        if (ticket[k] < '0' || ticket[k] > '9')
            return -1;
        if (k >= i + HL_TICKET_DATE_DIGITS && k < i + HL_TICKET_DATE_DIGITS + HL_TICKET_BUCKET_DIGITS)
            bucket = bucket * 10 + (ticket[k] - '0');
    }
    if (legacy)
        return 0;               //  layout 1's numbers: moved into bucket 0 (hl_layout)
    return bucket < HL_TICKET_BUCKETS ? bucket : -1;
}

void
hl_bucket_name (int bucket, char out[8])
{
    assert (bucket >= 0 && bucket < HL_TICKET_BUCKETS);
    assert (HL_TICKET_BUCKET_DIGITS < 8);
    for (int i = HL_TICKET_BUCKET_DIGITS - 1; i >= 0; i--, bucket /= 10)
        out[i] = (char) ('0' + bucket % 10);
    out[HL_TICKET_BUCKET_DIGITS] = 0;
}

//  Appends LEN bytes of S at *AT in OUT (OUTLEN); -1 once it would not fit.
static int
s_put (char *out, size_t outlen, size_t *at, const char *s, size_t len)
{
    if (*at + len >= outlen)
        return -1;
    memcpy (out + *at, s, len);
    *at += len;
    return 0;
}

//  "hl:{NN}:KIND" with ":ID" after it unless ID is NULL. Made by hand, not
//  with snprintf: the outbox reads and the timers name every bucket's keys
//  on each pass, and formatting was most of their CPU (callgrind).
static int
s_key (char *out, size_t outlen, int bucket, const char *kind, const char *id, size_t idlen)
{
    char tag[8];
    hl_bucket_name (bucket, tag);
    size_t at = 0;
    if (s_put (out, outlen, &at, HL_KEY_PREFIX "{", strlen (HL_KEY_PREFIX "{")) != 0
        || s_put (out, outlen, &at, tag, HL_TICKET_BUCKET_DIGITS) != 0
        || s_put (out, outlen, &at, "}:", 2) != 0
        || s_put (out, outlen, &at, kind, strlen (kind)) != 0
        || (id && (s_put (out, outlen, &at, ":", 1) != 0
                   || s_put (out, outlen, &at, id, idlen) != 0))) {
        if (outlen)
            out[0] = 0;
        return -1;
    }
    out[at] = 0;
    return (int) at;
}

int
hl_bucket_key (char *out, size_t outlen, int bucket, const char *kind, const char *id,
               size_t idlen)
{
    assert (id);
    return s_key (out, outlen, bucket, kind, id, idlen);
}

int
hl_bucket_own_key (char *out, size_t outlen, int bucket, const char *kind)
{
    return s_key (out, outlen, bucket, kind, NULL, 0);
}

int
hl_bucket_ticket_key (char *out, size_t outlen, const char *ticket, const char *kind)
{
    size_t len = strlen (ticket);
    int bucket = hl_bucket_of_ticket (ticket, len);
    return hl_bucket_key (out, outlen, bucket < 0 ? 0 : bucket, kind, ticket, len);
}
