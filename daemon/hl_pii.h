/*  hl_pii: callers' personal data at rest.
 *
 *  A caller's number and name are stored sealed (libsodium secretbox: a
 *  random nonce per value, authenticated encryption), so a copy of Redis's
 *  files, a backup or an AOF shipped for analysis does not list who called
 *  about what. The caller index is keyed by a keyed hash of the number
 *  (BLAKE2b), never the number itself, so key names reveal nothing either,
 *  yet the same number always finds the same index.
 *
 *  One 32-byte master key, from a file only its owner may read (or the
 *  environment), derives both subkeys. Without a key the class passes data
 *  through unchanged (a test installation), and reading always accepts
 *  both forms: a plaintext value stored before the key was set is shown
 *  as it is.
 */
#ifndef HL_PII_H_INCLUDED
#define HL_PII_H_INCLUDED

#include "hl_buf.h"

#include <stddef.h>

typedef struct hl_pii hl_pii_t;

//  Longest index name, with its NUL.
#define HL_PII_INDEX_MAX 72

//  The key from KEY_FILE (64 hex digits; the file 0600), or from
//  $HOTLINE_PII_KEY if KEY_FILE is empty; with neither, pass-through.
//  NULL with ERR if a key is given but unusable.
hl_pii_t *hl_pii_new (const char *key_file, char *err, size_t errlen);
void hl_pii_destroy (hl_pii_t **self_p);

//  Whether values are sealed (a key is set).
int hl_pii_sealing (const hl_pii_t *self);

//  The index name for the normalised number PHONE: its keyed hash in hex,
//  or PHONE itself without a key. OUT has HL_PII_INDEX_MAX bytes.
void hl_pii_index (const hl_pii_t *self, const char *phone, char *out);

//  Append DATA sealed (or as it is, without a key) to OUT.
void hl_pii_seal (const hl_pii_t *self, const void *data, size_t len, hl_buf_t *out);

//  Append the plaintext of a stored value to OUT: opened if sealed, as it
//  is if not. -1 if it is sealed and does not open (another key, or
//  damaged): OUT then gets nothing.
int hl_pii_open (const hl_pii_t *self, const void *data, size_t len, hl_buf_t *out);

#endif
