/*  hl_o311_keys: API keys and token buckets. See hl_o311_keys.h. */
#include "hl_o311_keys.h"
#include "hl_conf.h"
#include "hl_secret.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FILE_MAX (256 * 1024)
#define S_KEY_MIN 16
#define S_KEY_MAX 128

typedef struct {
    hl_o311_key_t pub;
    char name[64];
    char key[S_KEY_MAX + 1];
    hl_o311_bucket_t bucket;
} s_key_t;

struct hl_o311_keys {
    s_key_t *keys;
    size_t n, cap;
};

static int
s_key_chars (const char *key)
{
    size_t n = strlen (key);
    return n >= S_KEY_MIN && n <= S_KEY_MAX
        && strspn (key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == n;
}

//  "NAME KEY CHANNEL PER_MINUTE BURST" (hl_conf gives NAME as the key).
static int
s_on_line (const char *section, const char *name, const char *rest, void *arg, char *err,
           size_t errlen)
{
    (void) section;
    hl_o311_keys_t *self = arg;
    char key[S_KEY_MAX + 2] = "", channel[16];
    double per_minute, burst;
    int used = 0;
    if (sscanf (rest, "%129s %15s %lf %lf %n", key, channel, &per_minute, &burst, &used) != 4
        || rest[used]) {
        snprintf (err, errlen, "want NAME KEY CHANNEL PER_MINUTE BURST");
        return -1;
    }
    if (strlen (name) >= sizeof self->keys[0].name || !s_key_chars (key)) {
        snprintf (err, errlen, "key of '%.40s': 16-128 letters, digits, '-' or '_'", name);
        return -1;
    }
    int ch = hl_wire_channel_parse (channel);
    if (!ch || (strcmp (channel, "web") != 0 && strcmp (channel, "app") != 0)) {
        snprintf (err, errlen, "channel of '%s': web or app", name);
        return -1;
    }
    if (!(per_minute > 0 && per_minute <= 1e6 && burst >= 1 && burst <= 1e6)) {
        snprintf (err, errlen, "limits of '%s': PER_MINUTE > 0, BURST >= 1", name);
        return -1;
    }
    for (size_t i = 0; i < self->n; i++)
        if (strcmp (self->keys[i].name, name) == 0 || strcmp (self->keys[i].key, key) == 0) {
            snprintf (err, errlen, "'%s': name or key listed twice", name);
            return -1;
        }
    if (self->n == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 8;
        self->keys = realloc (self->keys, self->cap * sizeof *self->keys);
        if (!self->keys)
            abort ();
    }
    s_key_t *k = &self->keys[self->n++];
    memset (k, 0, sizeof *k);
    snprintf (k->name, sizeof k->name, "%s", name);
    memcpy (k->key, key, strlen (key) + 1);   //  s_key_chars bounded it
    k->pub.channel = ch;
    k->pub.per_minute = per_minute;
    k->pub.burst = burst;
    hl_o311_bucket_init (&k->bucket, per_minute, burst);
    return 0;
}

hl_o311_keys_t *
hl_o311_keys_parse (const char *name, const char *text, char *err, size_t errlen)
{
    hl_o311_keys_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (hl_conf_parse_text (name, text, s_on_line, self, err, errlen) != 0) {
        hl_o311_keys_destroy (&self);
        return NULL;
    }
    if (self->n == 0) {
        snprintf (err, errlen, "%s: no keys", name);
        hl_o311_keys_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < self->n; i++)
        self->keys[i].pub.name = self->keys[i].name;
    return self;
}

hl_o311_keys_t *
hl_o311_keys_load (const char *path, char *err, size_t errlen)
{
    char *text = hl_secret_read_file (path, S_FILE_MAX, err, errlen);
    if (!text)
        return NULL;
    hl_o311_keys_t *self = hl_o311_keys_parse (path, text, err, errlen);
    hl_secret_free (&text);
    return self;
}

void
hl_o311_keys_destroy (hl_o311_keys_t **self_p)
{
    assert (self_p);
    hl_o311_keys_t *self = *self_p;
    if (!self)
        return;
    if (self->keys) {
        volatile char *p = (volatile char *) self->keys;
        for (size_t i = 0; i < self->n * sizeof *self->keys; i++)
            p[i] = 0;
    }
    free (self->keys);
    free (self);
    *self_p = NULL;
}

int
hl_o311_keys_find (const hl_o311_keys_t *self, const char *given)
{
    int found = -1;
    for (size_t i = 0; i < self->n; i++)
        if (hl_secret_equal (self->keys[i].key, given) && found < 0)
            found = (int) i;
    return found;
}

const hl_o311_key_t *
hl_o311_keys_at (const hl_o311_keys_t *self, int i)
{
    assert (i >= 0 && (size_t) i < self->n);
    return &self->keys[i].pub;
}

void
hl_o311_bucket_init (hl_o311_bucket_t *bucket, double per_minute, double burst)
{
    assert (per_minute > 0 && burst >= 1);
    bucket->per_minute = per_minute;
    bucket->burst = burst;
    bucket->tokens = burst;
    bucket->at_us = 0;
}

int
hl_o311_bucket_take (hl_o311_bucket_t *b, int64_t now_us, double *retry_s)
{
    double rate = b->per_minute / 60e6;                 //  tokens per microsecond
    if (b->at_us && now_us > b->at_us)
        b->tokens += (double) (now_us - b->at_us) * rate;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->at_us = now_us;
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return 1;
    }
    if (retry_s)
        *retry_s = (1 - b->tokens) / rate / 1e6;
    return 0;
}

int
hl_o311_keys_take (hl_o311_keys_t *self, int i, int64_t now_us, double *retry_s)
{
    assert (i >= 0 && (size_t) i < self->n);
    return hl_o311_bucket_take (&self->keys[i].bucket, now_us, retry_s);
}

void
hl_o311_keys_inherit (hl_o311_keys_t *self, const hl_o311_keys_t *old)
{
    for (size_t i = 0; i < self->n; i++)
        for (size_t j = 0; old && j < old->n; j++)
            if (strcmp (self->keys[i].name, old->keys[j].name) == 0) {
                self->keys[i].bucket.tokens = old->keys[j].bucket.tokens;
                self->keys[i].bucket.at_us = old->keys[j].bucket.at_us;
            }
}
