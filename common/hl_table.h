/*  hl_table: a hash table from strings to pointers.
 *
 *  Open addressing with linear probing; keys are copied, values are the
 *  caller's. Used where the daemon looks things up per message (tickets
 *  known to the worker queue, workers by routing id), so lookups cost one
 *  hash and, usually, one comparison.
 */
#ifndef HL_TABLE_H_INCLUDED
#define HL_TABLE_H_INCLUDED

#include <stddef.h>

typedef struct hl_table hl_table_t;

hl_table_t *hl_table_new (void);
void hl_table_destroy (hl_table_t **self_p);

//  Set KEY[0..len) to VALUE (replacing any value). VALUE may not be NULL.
void hl_table_set (hl_table_t *self, const void *key, size_t len, void *value);

//  The value of KEY, or NULL.
void *hl_table_get (const hl_table_t *self, const void *key, size_t len);

//  Remove KEY; returns its value, or NULL if absent.
void *hl_table_remove (hl_table_t *self, const void *key, size_t len);

size_t hl_table_size (const hl_table_t *self);

//  Call FN for every entry (the table must not change meanwhile).
void hl_table_foreach (const hl_table_t *self,
                       void (*fn) (const void *key, size_t len, void *value, void *arg),
                       void *arg);

#endif
