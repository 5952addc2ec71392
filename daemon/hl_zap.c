/*  hl_zap: who may connect to hotlined's CURVE endpoints. See hl_zap.h. */
#include "hl_zap.h"
#include "hl_conf.h"
#include "hl_curve.h"
#include "hl_log.h"
#include "hl_redis.h"
#include "hl_text.h"
#include "hl_wire.h"
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
    char name[HL_ZAP_NAME_MAX];  //  what the key was issued to
    uint8_t key[32];
} s_key_t;

//  One ZAP domain's list.
typedef struct {
    const char *domain;          //  HL_ZAP_WORKERS or HL_ZAP_STAFF
    const char *whose;           //  for the log: "worker", "staff"
    int (*valid) (const char *name);
    const char *expected;        //  the line's form, for errors
    s_key_t *keys;
    size_t n_keys;
} s_list_t;

#define S_LISTS 2

struct hl_zap {
    hl_zsock_t *zsock;
    s_list_t lists[S_LISTS];
    uint8_t refused[32];         //  the last key refused, and when it was logged
    int64_t refused_logged_us;
};

static int
s_unit_name (const char *name)
{
    return hl_text_is_code (name, strlen (name), S_UNIT_MAX - 1);
}

//  Staff act in their own name, a gateway for its channel: the name is
//  what hotlined checks their requests against.
int
hl_zap_staff_name (const char *name)
{
    static const char *roles[] = { "agent:", "dispatcher:", "supervisor:", "channel:" };
    size_t len = strlen (name);
    if (len >= HL_ZAP_NAME_MAX || hl_text_check (name, len, 0, NULL) != HL_TEXT_OK)
        return 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        size_t n = strlen (roles[i]);
        if (len > n && memcmp (name, roles[i], n) == 0)
            return i < 3 || hl_wire_channel_parse (name + n) != 0;
    }
    return 0;
}

//  The index of DOMAIN's list (DOMAIN[0..len) as the ZAP request has it),
//  or -1.
static int
s_list_at (const hl_zap_t *self, const char *domain, size_t len)
{
    for (int i = 0; i < S_LISTS; i++)
        if (strlen (self->lists[i].domain) == len
            && memcmp (self->lists[i].domain, domain, len) == 0)
            return i;
    return -1;
}

//  A refused client keeps reconnecting every few seconds: its key is
//  logged the first time and then once a minute while it keeps trying.
static void
s_log_refusal (hl_zap_t *self, const char *whose, const uint8_t *key)
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
    hl_warning ("%s connection refused: %s %s", whose, key != none ? "key not listed:"
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

//  Parses a keys list (TEXT, named NAME in errors) into a new table for
//  LIST. 0, or -1 with ERR.
static int
s_parse (const s_list_t *list, const char *name, const char *text, s_key_t **keys_p,
         size_t *n_p, char *err, size_t errlen)
{
    s_key_t *keys = NULL;
    size_t n = 0;
    int lineno = 0;
    for (const char *p = text; *p; ) {
        size_t len = strcspn (p, "\n");
        char *line = strndup (p, len);
        if (!line)
            abort ();
        p += len + (p[len] == '\n');
        lineno++;
        char *w[2];
        int nw = s_words (line, w, 2);
        s_key_t k;
        int ok = nw == 0 || (nw == 2 && list->valid (w[0])
                             && hl_curve_decode (w[1], k.key));
        if (ok && nw == 2) {
            snprintf (k.name, sizeof k.name, "%s", w[0]);
            s_key_t *grown = realloc (keys, (n + 1) * sizeof *keys);
            if (!grown)
                abort ();
            keys = grown;
            keys[n++] = k;
        }
        free (line);
        if (!ok) {
            snprintf (err, errlen, "%s:%d: expected \"%s <public key (Z85)>\"", name, lineno,
                      list->expected);
            free (keys);
            return -1;
        }
    }
    *keys_p = keys;
    *n_p = n;
    return 0;
}

static const s_key_t *
s_find (const s_list_t *list, const uint8_t *key)
{
    for (size_t i = 0; list && i < list->n_keys; i++)
        if (memcmp (list->keys[i].key, key, 32) == 0)
            return &list->keys[i];
    return NULL;
}

//  One ZAP request (RFC 27): version, request id, domain, address,
//  identity, mechanism, then the mechanism's credentials; for CURVE the
//  client's 32-byte public key. The answer names what the key was issued
//  to as the user id.
static void
s_on_request (hl_zsock_t *zsock, zmq_msg_t *frames, size_t n, int truncated, void *arg)
{
    hl_zap_t *self = arg;
    const char *status = "400", *text = "unknown key", *name = "";
    int curve = n == 7 && !truncated && zmq_msg_size (&frames[5]) == 5
                && memcmp (zmq_msg_data (&frames[5]), "CURVE", 5) == 0
                && zmq_msg_size (&frames[6]) == 32;
    int at = curve ? s_list_at (self, zmq_msg_data (&frames[2]), zmq_msg_size (&frames[2]))
                   : -1;
    const s_list_t *list = at >= 0 ? &self->lists[at] : NULL;
    const s_key_t *k = curve ? s_find (list, zmq_msg_data (&frames[6])) : NULL;
    if (k) {
        status = "200";
        text = "OK";
        name = k->name;
    }
    else
        s_log_refusal (self, list ? list->whose : "unknown-domain",
                       curve ? zmq_msg_data (&frames[6]) : NULL);
    //  A REP socket must answer every request, even one it cannot read.
    const void *rid = n >= 2 ? zmq_msg_data (&frames[1]) : "";
    size_t rid_len = n >= 2 ? zmq_msg_size (&frames[1]) : 0;
    const void *parts[6] = { "1.0", rid, status, text, name, "" };
    size_t lens[6] = { 3, rid_len, 3, strlen (text), strlen (name), 0 };
    hl_zsock_send (zsock, parts, lens, 6);
}

hl_zap_t *
hl_zap_new (struct event_base *base, void *zmq_ctx, char *err, size_t errlen)
{
    assert (base && zmq_ctx);
    hl_zap_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->lists[0] = (s_list_t) { HL_ZAP_WORKERS, "worker", s_unit_name, "<unit code>", NULL,
                                  0 };
    self->lists[1] = (s_list_t) { HL_ZAP_STAFF, "staff", hl_zap_staff_name,
                                  "<agent|dispatcher|supervisor|channel>:<name>", NULL, 0 };
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
    for (size_t i = 0; i < S_LISTS; i++)
        free (self->lists[i].keys);
    free (self);
    *self_p = NULL;
}

int
hl_zap_load (hl_zap_t *self, const char *domain, const char *keys_path, char *err,
             size_t errlen)
{
    char why[400];
    char *text = hl_conf_read (keys_path, why, sizeof why);
    if (!text) {
        int at = s_list_at (self, domain, strlen (domain));
        assert (at >= 0);
        snprintf (err, errlen, "%s keys: %s", self->lists[at].whose, why);
        return -1;
    }
    int rc = hl_zap_load_text (self, domain, keys_path, text, err, errlen);
    free (text);
    return rc;
}

int
hl_zap_load_text (hl_zap_t *self, const char *domain, const char *name, const char *text,
                  char *err, size_t errlen)
{
    int at = s_list_at (self, domain, strlen (domain));
    assert (at >= 0);
    s_list_t *list = &self->lists[at];
    s_key_t *keys;
    size_t n;
    char why[400];
    if (s_parse (list, name, text, &keys, &n, why, sizeof why) != 0) {
        snprintf (err, errlen, "%s keys: %s", list->whose, why);
        return -1;
    }
    free (list->keys);
    list->keys = keys;
    list->n_keys = n;
    hl_notice ("loaded %s: %zu %s keys", name, n, list->whose);
    return 0;
}

size_t
hl_zap_count (const hl_zap_t *self, const char *domain)
{
    int at = s_list_at (self, domain, strlen (domain));
    return at >= 0 ? self->lists[at].n_keys : 0;
}
