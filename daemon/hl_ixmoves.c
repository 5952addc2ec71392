/*  hl_ixmoves: the list moves of one outbox read, one call per slot. See
 *  hl_ixmoves.h.
 */
#include "hl_ixmoves.h"
#include "hl_rslot.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The columns of a row of hl_index_apply (daemon/hotline.lua): the key's
//  place in KEYS (1 the first), ZADD or ZREM, the score ('' for ZREM), the
//  member.
#define S_COLUMNS "key op score member"
#define S_HEAD 3                 //  FCALL, the name, numkeys
#define S_PER_ROW 4

typedef struct {
    char *key, *score, *member;  //  one allocation (at key); score NULL: ZREM
    int slot;
    size_t seq;                  //  the order it was added in
} s_move_t;

struct hl_ixmoves {
    s_move_t *moves;
    size_t n, cap;
};

hl_ixmoves_t *
hl_ixmoves_new (void)
{
    hl_ixmoves_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    return self;
}

static void
s_clear (hl_ixmoves_t *self)
{
    for (size_t i = 0; i < self->n; i++)
        free (self->moves[i].key);
    self->n = 0;
}

void
hl_ixmoves_destroy (hl_ixmoves_t **self_p)
{
    assert (self_p);
    hl_ixmoves_t *self = *self_p;
    if (!self)
        return;
    s_clear (self);
    free (self->moves);
    free (self);
    *self_p = NULL;
}

void
hl_ixmoves_add (hl_ixmoves_t *self, const char *key, const char *score, const char *member)
{
    assert (self && key && member);
    if (self->n == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 256;
        self->moves = realloc (self->moves, self->cap * sizeof *self->moves);
        if (!self->moves)
            abort ();
    }
    size_t kl = strlen (key) + 1, sl = score ? strlen (score) + 1 : 0, ml = strlen (member) + 1;
    char *at = malloc (kl + sl + ml);
    if (!at)
        abort ();
    s_move_t *m = &self->moves[self->n];
    *m = (s_move_t) { memcpy (at, key, kl), score ? memcpy (at + kl, score, sl) : NULL,
                      memcpy (at + kl + sl, member, ml), hl_rslot_keyslot (key, kl - 1),
                      self->n };
    self->n++;
}

size_t
hl_ixmoves_size (const hl_ixmoves_t *self)
{
    assert (self);
    return self->n;
}

//  Moves by slot, then key, then the order they came in: a slot's moves
//  are consecutive, and so are a key's, each key's in order.
static int
s_cmp (const void *a, const void *b)
{
    const s_move_t *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    int c = strcmp (x->key, y->key);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

//  The call of moves M[0..n) (sorted by key) to SEND.
static int
s_send_call (const s_move_t *m, size_t n, hl_ixmoves_send_fn *send, void *arg)
{
    size_t keys = 0;
    for (size_t i = 0; i < n; i++)
        keys += i == 0 || strcmp (m[i].key, m[i - 1].key) != 0;
    const char **argv = calloc (S_HEAD + keys + 2 + S_PER_ROW * n, sizeof *argv);
    char (*index)[16] = calloc (n, sizeof *index);
    char numkeys[16];
    if (!argv || !index)
        abort ();
    snprintf (numkeys, sizeof numkeys, "%zu", keys);
    int argc = 0;
    argv[argc++] = "FCALL";
    argv[argc++] = "hl_index_apply";
    argv[argc++] = numkeys;
    int rows = argc + (int) keys;
    argv[rows++] = "columns";
    argv[rows++] = S_COLUMNS;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp (m[i].key, m[i - 1].key) != 0)
            argv[argc + k++] = m[i].key;
        snprintf (index[i], sizeof index[i], "%zu", k);
        argv[rows++] = index[i];
        argv[rows++] = m[i].score ? "ZADD" : "ZREM";
        argv[rows++] = m[i].score ? m[i].score : "";
        argv[rows++] = m[i].member;
    }
    int rc = send (rows, argv, arg);
    free (index);
    free (argv);
    return rc;
}

int
hl_ixmoves_flush (hl_ixmoves_t *self, int by_slot, hl_ixmoves_send_fn *send, void *arg)
{
    assert (self && send);
    if (self->n == 0)
        return 0;                        //  (qsort may not be given no array)
    qsort (self->moves, self->n, sizeof *self->moves, s_cmp);
    int rc = 0;
    for (size_t first = 0, i = 1; first < self->n; i++)
        if (i == self->n || i - first == HL_IXMOVES_CALL_MAX
            || (by_slot && self->moves[i].slot != self->moves[first].slot)) {
            if (s_send_call (self->moves + first, i - first, send, arg) != 0)
                rc = -1;
            first = i;
        }
    s_clear (self);
    return rc;
}
