/*  hl_zap: who may connect to the worker queue. See hl_zap.h. */
#include "hl_zap.h"
#include "hl_curve.h"
#include "hl_log.h"
#include "hl_redis.h"
#include "hl_text.h"
#include "hl_zsock.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_UNIT_MAX 32

typedef struct {
    char unit[S_UNIT_MAX];
    uint8_t key[32];
} s_key_t;

struct hl_zap {
    hl_zsock_t *zsock;
    s_key_t *keys;
    size_t n_keys;
    uint8_t refused[32];         //  the last key refused, and when it was logged
    int64_t refused_logged_us;
};

//  A refused worker keeps reconnecting every few seconds: its key is
//  logged the first time and then once a minute while it keeps trying.
static void
s_log_refusal (hl_zap_t *self, const uint8_t *key)
{
    int64_t now = hl_monotonic_us ();
    uint8_t none[32] = { 0 };
    if (!key)
        key = none;
    if (memcmp (key, self->refused, 32) == 0 && self->refused_logged_us
        && now - self->refused_logged_us < 60 * 1000000LL)
        return;
    memcpy (self->refused, key, 32);
    self->refused_logged_us = now;
    char z85[HL_CURVE_KEY_TEXT] = "";
    if (key != none)
        zmq_z85_encode (z85, key, 32);
    hl_warning ("worker connection refused: %s %s", key != none ? "key not listed:"
                                                                 : "not CURVE", z85);
}

//  Splits a line into at most MAX words (in place); returns how many.
static int
s_words (char *line, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r (line, " \t\r\n", &save); w; w = strtok_r (NULL, " \t\r\n", &save)) {
        if (*w == '#' || n == max)
            return *w == '#' ? n : max + 1;
        words[n++] = w;
    }
    return n;
}

//  Loads a keys file into a new table. 0, or -1 with ERR.
static int
s_load (const char *path, s_key_t **keys_p, size_t *n_p, char *err, size_t errlen)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return -1;
    }
    s_key_t *keys = NULL;
    size_t n = 0;
    char line[512];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets (line, sizeof line, f)) {
        lineno++;
        char *w[2];
        int nw = s_words (line, w, 2);
        if (nw == 0)
            continue;
        s_key_t k;
        if (nw != 2 || !hl_text_is_code (w[0], strlen (w[0]), S_UNIT_MAX - 1)
            || !hl_curve_decode (w[1], k.key)) {
            snprintf (err, errlen, "%s:%d: expected \"<unit code> <public key (Z85)>\"",
                      path, lineno);
            rc = -1;
            break;
        }
        snprintf (k.unit, sizeof k.unit, "%s", w[0]);
        s_key_t *grown = realloc (keys, (n + 1) * sizeof *keys);
        if (!grown)
            abort ();
        keys = grown;
        keys[n++] = k;
    }
    fclose (f);
    if (rc != 0) {
        free (keys);
        return -1;
    }
    *keys_p = keys;
    *n_p = n;
    return 0;
}

static const s_key_t *
s_find (const hl_zap_t *self, const uint8_t *key)
{
    for (size_t i = 0; i < self->n_keys; i++)
        if (memcmp (self->keys[i].key, key, 32) == 0)
            return &self->keys[i];
    return NULL;
}

//  One ZAP request (RFC 27): version, request id, domain, address,
//  identity, mechanism, then the mechanism's credentials; for CURVE the
//  client's 32-byte public key. The answer names the unit as the user id.
static void
s_on_request (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    hl_zap_t *self = arg;
    const char *status = "400", *text = "unknown key", *unit = "";
    int curve = n == 7 && !truncated && zmq_msg_size (&frames[5]) == 5
                && memcmp (zmq_msg_data (&frames[5]), "CURVE", 5) == 0
                && zmq_msg_size (&frames[6]) == 32;
    const s_key_t *k = curve ? s_find (self, zmq_msg_data (&frames[6])) : NULL;
    if (k) {
        status = "200";
        text = "OK";
        unit = k->unit;
    }
    else
        s_log_refusal (self, curve ? zmq_msg_data (&frames[6]) : NULL);
    //  A REP socket must answer every request, even one it cannot read.
    const void *rid = n >= 2 ? zmq_msg_data (&frames[1]) : "";
    size_t rid_len = n >= 2 ? zmq_msg_size (&frames[1]) : 0;
    const void *parts[6] = { "1.0", rid, status, text, unit, "" };
    size_t lens[6] = { 3, rid_len, 3, strlen (text), strlen (unit), 0 };
    hl_zsock_send (zsock, parts, lens, 6);
}

hl_zap_t *
hl_zap_new (struct event_base *base, void *zmq_ctx, const char *keys_path, char *err,
            size_t errlen)
{
    assert (base && zmq_ctx && keys_path);
    hl_zap_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (s_load (keys_path, &self->keys, &self->n_keys, err, errlen) != 0) {
        free (self);
        return NULL;
    }
    void *rep = zmq_socket (zmq_ctx, ZMQ_REP);
    if (!rep || zmq_bind (rep, "inproc://zeromq.zap.01") != 0) {
        snprintf (err, errlen, "cannot bind the authentication handler: %s",
                  zmq_strerror (errno));
        if (rep)
            zmq_close (rep);
        hl_zap_destroy (&self);
        return NULL;
    }
    self->zsock = hl_zsock_new (base, rep, s_on_request, self);
    if (!self->zsock) {
        snprintf (err, errlen, "cannot watch the authentication handler");
        zmq_close (rep);
        hl_zap_destroy (&self);
    }
    return self;
}

void
hl_zap_destroy (hl_zap_t **self_p)
{
    assert (self_p);
    hl_zap_t *self = *self_p;
    if (!self)
        return;
    hl_zsock_destroy (&self->zsock, 0);
    free (self->keys);
    free (self);
    *self_p = NULL;
}

int
hl_zap_reload (hl_zap_t *self, const char *keys_path, char *err, size_t errlen)
{
    s_key_t *keys;
    size_t n;
    if (s_load (keys_path, &keys, &n, err, errlen) != 0)
        return -1;
    free (self->keys);
    self->keys = keys;
    self->n_keys = n;
    return 0;
}

size_t
hl_zap_count (const hl_zap_t *self)
{
    return self->n_keys;
}
