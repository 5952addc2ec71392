/*  hl_callerix: the caller index, each caller's tickets by creation time.
 *
 *  A caller is named by a token (hl_pii_index: a keyed hash of the number,
 *  or the number itself where nothing is sealed). Most callers have one
 *  ticket, so a sorted set per caller cost mostly its key (152 bytes a
 *  ticket, bench/RESULTS.md). Callers are grouped instead: HL_CALLERIX_GROUPS
 *  sorted sets under the index tag, hl:{ix}:callers:<group>, the group a
 *  hash of the token. Every member has score 0 and reads
 *  "<caller>|<created_ms, 13 digits>|<ticket>", so a caller's tickets are
 *  one lexical range of their group, oldest first (ZRANGEBYLEX), and a
 *  window of creation times is a narrower one. <caller> is the token, or
 *  the first 64 bits of a hashed one (which keeps members short enough to
 *  stay in a listpack; two callers of a group would have to share them).
 *
 *  ZADD and ZREM of a member are idempotent, as the outbox needs.
 */
#ifndef HL_CALLERIX_H_INCLUDED
#define HL_CALLERIX_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  How many groups (a change of it is a new store layout).
#define HL_CALLERIX_GROUPS 4096

//  The name of the groups' kind under the index tag.
#define HL_CALLERIX_KIND "callers"

//  Room for a group's key, a member and a range bound.
#define HL_CALLERIX_KEY_MAX 48
#define HL_CALLERIX_MEMBER_MAX 128

//  The key of TOKEN's group into OUT. Its length, or -1 (OUT is then "").
int hl_callerix_key (char *out, size_t outlen, const char *token);

//  The member for TICKET, created at CREATED_MS, of caller TOKEN into OUT.
//  Its length, or -1 if it does not fit or TOKEN or TICKET holds a '|'.
int hl_callerix_member (char *out, size_t outlen, const char *token, uint64_t created_ms,
                        const char *ticket);

//  The part of TOKEN its members begin with, into OUT: its length, or -1.
int hl_callerix_caller (char *out, size_t outlen, const char *token);

//  The bounds of ZREVRANGEBYLEX (MAX, then MIN) that give TOKEN's tickets
//  created from FROM_MS to TO_MS (both included). 0, or -1.
int hl_callerix_range (char *max, char *min, size_t outlen, const char *token,
                       uint64_t from_ms, uint64_t to_ms);

//  The ticket number of MEMBER (LEN bytes): where it starts in MEMBER, its
//  length in *TLEN; NULL if MEMBER is no member of the index.
const char *hl_callerix_ticket (const char *member, size_t len, size_t *tlen);

#endif
