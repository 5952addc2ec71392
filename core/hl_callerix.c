/*  hl_callerix: the caller index. See hl_callerix.h. */
#include "hl_callerix.h"
#include "hl_lifecycle_table.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

//  The latest creation time a member can hold (13 digits: year 2286).
#define S_MS_MAX UINT64_C(9999999999999)

//  How much of a hashed token ('h' and 32 hex digits) a member keeps: 'h'
//  and 64 bits. A plain number is kept whole.
#define S_HASHED_LEN 33
#define S_HASHED_KEPT 17

//  The part of TOKEN that members carry: its length, or 0 for a token
//  that cannot be one ('|' separates a member's parts).
static size_t
s_caller_len (const char *token)
{
    size_t len = strlen (token);
    if (len == 0 || memchr (token, '|', len))
        return 0;
    return token[0] == 'h' && len == S_HASHED_LEN ? S_HASHED_KEPT : len;
}

//  FNV-1a of the whole token: the keyed hash's digits are uniform already,
//  plain numbers are not.
static uint32_t
s_hash (const char *token)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *) token; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

int
hl_callerix_key (char *out, size_t outlen, const char *token)
{
    int n = snprintf (out, outlen, "%s" HL_CALLERIX_KIND ":%04u", HL_INDEX_PREFIX,
                      (unsigned) (s_hash (token) % HL_CALLERIX_GROUPS));
    if (n < 0 || (size_t) n >= outlen) {
        if (outlen)
            out[0] = 0;
        return -1;
    }
    return n;
}

int
hl_callerix_caller (char *out, size_t outlen, const char *token)
{
    size_t len = s_caller_len (token);
    if (len == 0 || len >= outlen)
        return -1;
    memcpy (out, token, len);
    out[len] = 0;
    return (int) len;
}

int
hl_callerix_member (char *out, size_t outlen, const char *token, uint64_t created_ms,
                    const char *ticket)
{
    size_t len = s_caller_len (token);
    if (len == 0 || created_ms > S_MS_MAX || !*ticket || strchr (ticket, '|'))
        return -1;
    int n = snprintf (out, outlen, "%.*s|%013" PRIu64 "|%s", (int) len, token, created_ms, ticket);
    return n < 0 || (size_t) n >= outlen ? -1 : n;
}

int
hl_callerix_range (char *max, char *min, size_t outlen, const char *token, uint64_t from_ms,
                   uint64_t to_ms)
{
    size_t len = s_caller_len (token);
    if (len == 0 || from_ms > to_ms)
        return -1;
    if (to_ms >= S_MS_MAX)
        to_ms = S_MS_MAX - 1;
    //  "(caller|<to + 1>": every member of TO_MS sorts below it.
    int a = snprintf (max, outlen, "(%.*s|%013" PRIu64, (int) len, token, to_ms + 1);
    int b = snprintf (min, outlen, "[%.*s|%013" PRIu64, (int) len, token, from_ms);
    return a < 0 || b < 0 || (size_t) a >= outlen || (size_t) b >= outlen ? -1 : 0;
}

const char *
hl_callerix_ticket (const char *member, size_t len, size_t *tlen)
{
    const char *first = memchr (member, '|', len);
    if (!first || (size_t) (member + len - first) < 16 || first[14] != '|')
        return NULL;
    *tlen = len - (size_t) (first + 15 - member);
    return *tlen ? first + 15 : NULL;
}
