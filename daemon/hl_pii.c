/*  hl_pii: sealing callers' personal data. See hl_pii.h. */
#include "hl_pii.h"
#include "hl_secret.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A sealed value: this byte (never the first of a phone number or of
//  UTF-8 text), the nonce, then the secretbox.
#define S_SEALED 0x01
#define S_CONTEXT "hotline_"

struct hl_pii {
    int keyed;
    unsigned char index_key[crypto_generichash_KEYBYTES];
    unsigned char seal_key[crypto_secretbox_KEYBYTES];
};

static int
s_load_key (hl_pii_t *self, const char *key_file, char *err, size_t errlen)
{
    unsigned char master[crypto_kdf_KEYBYTES];
    int rc = hl_secret_load_key (key_file, "HOTLINE_PII_KEY", "personal-data key", master,
                                 sizeof master, err, errlen);
    if (rc <= 0)
        return rc;              //  no key: pass-through
    crypto_kdf_derive_from_key (self->index_key, sizeof self->index_key, 1, S_CONTEXT, master);
    crypto_kdf_derive_from_key (self->seal_key, sizeof self->seal_key, 2, S_CONTEXT, master);
    sodium_memzero (master, sizeof master);
    self->keyed = 1;
    return 0;
}

hl_pii_t *
hl_pii_new (const char *key_file, char *err, size_t errlen)
{
    if (sodium_init () < 0) {
        snprintf (err, errlen, "libsodium cannot start");
        return NULL;
    }
    hl_pii_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (s_load_key (self, key_file, err, errlen) != 0) {
        free (self);
        return NULL;
    }
    return self;
}

void
hl_pii_destroy (hl_pii_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        sodium_memzero (*self_p, sizeof **self_p);
        free (*self_p);
        *self_p = NULL;
    }
}

int
hl_pii_sealing (const hl_pii_t *self)
{
    return self && self->keyed;
}

void
hl_pii_index (const hl_pii_t *self, const char *phone, char *out)
{
    if (!hl_pii_sealing (self)) {
        snprintf (out, HL_PII_INDEX_MAX, "%s", phone);
        return;
    }
    unsigned char hash[16];
    crypto_generichash (hash, sizeof hash, (const unsigned char *) phone, strlen (phone),
                        self->index_key, sizeof self->index_key);
    out[0] = 'h';               //  a hashed name never looks like a number
    sodium_bin2hex (out + 1, HL_PII_INDEX_MAX - 1, hash, sizeof hash);
}

void
hl_pii_seal (const hl_pii_t *self, const void *data, size_t len, hl_buf_t *out)
{
    if (!hl_pii_sealing (self)) {
        hl_buf_append (out, data, len);
        return;
    }
    size_t n = 1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    hl_buf_reserve (out, n);
    unsigned char *p = (unsigned char *) out->data + out->len;
    p[0] = S_SEALED;
    randombytes_buf (p + 1, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy (p + 1 + crypto_secretbox_NONCEBYTES, data, len, p + 1,
                           self->seal_key);
    out->len += n;
    out->data[out->len] = '\0';
}

int
hl_pii_open (const hl_pii_t *self, const void *data, size_t len, hl_buf_t *out)
{
    const unsigned char *p = data;
    size_t head = 1 + crypto_secretbox_NONCEBYTES;
    if (len == 0 || p[0] != S_SEALED) {
        hl_buf_append (out, data, len);
        return 0;
    }
    if (!hl_pii_sealing (self) || len < head + crypto_secretbox_MACBYTES)
        return -1;
    size_t n = len - head - crypto_secretbox_MACBYTES;
    hl_buf_reserve (out, n);
    if (crypto_secretbox_open_easy ((unsigned char *) out->data + out->len, p + head,
                                    len - head, p + 1, self->seal_key) != 0)
        return -1;
    out->len += n;
    out->data[out->len] = '\0';
    return 0;
}
