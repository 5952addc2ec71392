/*  hl_ixmoves: the moves of tickets in the sorted-set lists that one read
 *  of the outbox's idx group makes (daemon/hl_outbox), gathered and sent
 *  as one Function call per slot (hl_index_apply in daemon/hotline.lua)
 *  instead of a ZADD or ZREM command each.
 *
 *  Why: a ticket's life moves it a dozen times in the state lists
 *  (hl:{ix}:state:<s>), its units' lists (hl:{NN}:unit:<code>) and its
 *  caller's group (hl:{ix}:callers:<g>). Sent one command at a time, each
 *  is a command Redis reads, parses, answers and propagates on its own:
 *  the largest part of what the outbox added to a ticket's Redis time
 *  (bench/RESULTS.md, "The Redis time of a ticket's life"). Inside one
 *  call the moves are also netted (a member's last move in a key wins, as
 *  it would sent one by one) and made with one ZADD and one ZREM per key.
 *
 *  A move is (key, score, member): ZADD with the score, or ZREM (no
 *  score). Moves are kept in the order they were added; a flush hands the
 *  calls to SEND, with every key of a call in KEYS (a Function touches no
 *  key it was not given), and empties the object.
 */
#ifndef HL_IXMOVES_H_INCLUDED
#define HL_IXMOVES_H_INCLUDED

#include <stddef.h>

typedef struct hl_ixmoves hl_ixmoves_t;

hl_ixmoves_t *hl_ixmoves_new (void);
void hl_ixmoves_destroy (hl_ixmoves_t **self_p);

//  MEMBER into KEY with SCORE (digits), or out of it (SCORE NULL). The
//  strings are copied.
void hl_ixmoves_add (hl_ixmoves_t *self, const char *key, const char *score,
                     const char *member);

//  Moves added since the last flush.
size_t hl_ixmoves_size (const hl_ixmoves_t *self);

//  Receives one call: ARGC arguments ARGV, an FCALL of hl_index_apply
//  (valid during the call only). 0, or -1 if it could not be sent.
typedef int (hl_ixmoves_send_fn) (int argc, const char **argv, void *arg);

//  Moves in one call at most. Why: a call blocks Redis for its whole
//  length; a read that caught up with a backlog (64 streams x 256 entries)
//  made calls of ~58,000 arguments that held Redis 15-64 ms, stalling
//  intake behind them (bench/RESULTS.md, the slow log). 512 moves are
//  ~1.5 ms. Calls of one flush go out in order on one connection, so a
//  key's moves split over two calls still end where they would in one.
#define HL_IXMOVES_CALL_MAX 512

//  The moves as calls to SEND: calls of every move if BY_SLOT is 0 (a
//  standalone Redis, where any keys may go together), else of each hash
//  slot of the keys (Redis Cluster), at most HL_IXMOVES_CALL_MAX moves a
//  call. Empties the object. 0, or -1 if a call could not be sent (the
//  others were).
int hl_ixmoves_flush (hl_ixmoves_t *self, int by_slot, hl_ixmoves_send_fn *send, void *arg);

#endif
