/*  hl_table: string-keyed hash table. See hl_table.h. */
#include "hl_table.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;             //  NULL: empty slot
    size_t len;
    void *value;           //  NULL with a key: deleted slot (tombstone)
    uint64_t hash;
} s_slot_t;

struct hl_table {
    s_slot_t *slots;
    size_t cap;            //  a power of two
    size_t used;           //  live entries
    size_t filled;         //  live entries and tombstones
};

static uint64_t
s_hash (const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

hl_table_t *
hl_table_new (void)
{
    hl_table_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->cap = 64;
    self->slots = calloc (self->cap, sizeof *self->slots);
    if (!self->slots)
        abort ();
    return self;
}

void
hl_table_destroy (hl_table_t **self_p)
{
    assert (self_p);
    hl_table_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->cap; i++)
        free (self->slots[i].key);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

//  The slot holding KEY, or else the first free slot of its probe chain.
static s_slot_t *
s_find (const hl_table_t *self, const void *key, size_t len, uint64_t hash)
{
    size_t mask = self->cap - 1;
    s_slot_t *free_slot = NULL;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        s_slot_t *s = &self->slots[i];
        if (!s->key)
            return free_slot ? free_slot : s;
        if (!s->value) {
            if (!free_slot)
                free_slot = s;
        }
        else
        if (s->hash == hash && s->len == len && memcmp (s->key, key, len) == 0)
            return s;
    }
}

//  Rebuilds the table at CAP slots, dropping tombstones.
static void
s_rehash (hl_table_t *self, size_t cap)
{
    s_slot_t *old = self->slots;
    size_t old_cap = self->cap;
    self->slots = calloc (cap, sizeof *self->slots);
    if (!self->slots)
        abort ();
    self->cap = cap;
    self->filled = self->used;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].key)
            continue;
        if (!old[i].value) {
            free (old[i].key);
            continue;
        }
        *s_find (self, old[i].key, old[i].len, old[i].hash) = old[i];
    }
    free (old);
}

void
hl_table_set (hl_table_t *self, const void *key, size_t len, void *value)
{
    assert (value);
    if ((self->filled + 1) * 4 > self->cap * 3)
        s_rehash (self, self->used * 4 > self->cap ? self->cap * 2 : self->cap);
    uint64_t hash = s_hash (key, len);
    s_slot_t *s = s_find (self, key, len, hash);
    if (s->key && s->value) {
        s->value = value;
        return;
    }
    if (!s->key)
        self->filled++;
    free (s->key);
    s->key = malloc (len + 1);
    if (!s->key)
        abort ();
    memcpy (s->key, key, len);
    s->key[len] = 0;
    s->len = len;
    s->hash = hash;
    s->value = value;
    self->used++;
}

void *
hl_table_get (const hl_table_t *self, const void *key, size_t len)
{
    s_slot_t *s = s_find (self, key, len, s_hash (key, len));
    return s->key ? s->value : NULL;
}

void *
hl_table_remove (hl_table_t *self, const void *key, size_t len)
{
    s_slot_t *s = s_find (self, key, len, s_hash (key, len));
    if (!s->key || !s->value)
        return NULL;
    void *value = s->value;
    s->value = NULL;          //  tombstone: keeps probe chains intact
    self->used--;
    return value;
}

size_t
hl_table_size (const hl_table_t *self)
{
    return self->used;
}

void
hl_table_foreach (const hl_table_t *self,
                  void (*fn) (const void *key, size_t len, void *value, void *arg), void *arg)
{
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].key && self->slots[i].value)
            fn (self->slots[i].key, self->slots[i].len, self->slots[i].value, arg);
}
