/*  hl_visitlink: the caller's one-time online 回访 link. See hl_visitlink.h. */
#include "hl_visitlink.h"
#include "hl_secret.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TOKEN_BYTES 16
#define S_TOKEN_TEXT 23         //  base64url of 16 bytes, without padding, with NUL

struct hl_visitlink {
    int keyed;
    unsigned char key[crypto_auth_hmacsha512256_KEYBYTES];
    char url[256];
};

hl_visitlink_t *
hl_visitlink_new (const char *key_file, const char *url, char *err, size_t errlen)
{
    if (sodium_init () < 0) {
        snprintf (err, errlen, "libsodium cannot start");
        return NULL;
    }
    hl_visitlink_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    int rc = hl_secret_load_key (key_file, "HOTLINE_VISIT_KEY", "online visit key", self->key,
                                 sizeof self->key, err, errlen);
    if (rc < 0 || strlen (url ? url : "") >= sizeof self->url - 64) {
        if (rc >= 0)
            snprintf (err, errlen, "visit_url: at most %zu bytes", sizeof self->url - 65);
        free (self);
        return NULL;
    }
    self->keyed = rc == 1;
    snprintf (self->url, sizeof self->url, "%s", url ? url : "");
    return self;
}

void
hl_visitlink_destroy (hl_visitlink_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        sodium_memzero (*self_p, sizeof **self_p);
        free (*self_p);
        *self_p = NULL;
    }
}

int
hl_visitlink_enabled (const hl_visitlink_t *self)
{
    return self && self->keyed;
}

uint64_t
hl_visitlink_reply_ms (const Hotline__TicketView *t)
{
    uint64_t at = 0;
    for (size_t i = 0; i < t->n_history; i++) {
        const Hotline__HistoryEntry *e = t->history[i];
        if (e->action.len == 5 && memcmp (e->action.data, "reply", 5) == 0 && e->at_ms > at)
            at = e->at_ms;
    }
    return at;
}

//  The token of T's latest reply: the MAC of "TICKET\nREPLY_MS", cut to
//  128 bits, in base64url. -1 if T has no reply.
static int
s_token (const hl_visitlink_t *self, const Hotline__TicketView *t, char out[S_TOKEN_TEXT])
{
    uint64_t reply_ms = hl_visitlink_reply_ms (t);
    if (!self->keyed || !t->ticket || reply_ms == 0)
        return -1;
    char message[128];
    int n = snprintf (message, sizeof message, "%s\n%llu", t->ticket,
                      (unsigned long long) reply_ms);
    assert (n > 0 && (size_t) n < sizeof message);
    unsigned char mac[crypto_auth_hmacsha512256_BYTES];
    crypto_auth_hmacsha512256 (mac, (const unsigned char *) message, (size_t) n, self->key);
    sodium_bin2base64 (out, S_TOKEN_TEXT, mac, S_TOKEN_BYTES,
                       sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

int
hl_visitlink_link (const hl_visitlink_t *self, const Hotline__TicketView *t, char *out)
{
    char token[S_TOKEN_TEXT];
    if (!hl_visitlink_enabled (self) || t->state != HOTLINE__STATE__STATE_REPLIED
        || s_token (self, t, token) != 0)
        return -1;
    snprintf (out, HL_VISITLINK_MAX, "%s#%s.%s", self->url, t->ticket, token);
    return 0;
}

int
hl_visitlink_check (const hl_visitlink_t *self, const Hotline__TicketView *t,
                    ProtobufCBinaryData token, hl_verdict_t *v)
{
    char known[S_TOKEN_TEXT], given[S_TOKEN_TEXT] = "";
    if (!hl_visitlink_enabled (self))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED, "visit_token",
                                "visit_token: online visits are off (hotlined has no "
                                "visit_key_file)");
    if (token.len == S_TOKEN_TEXT - 1)
        memcpy (given, token.data, token.len);
    if (s_token (self, t, known) != 0 || !hl_secret_equal (known, given))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "visit_token",
                                "visit_token: not a valid link for this ticket");
    if (t->state != HOTLINE__STATE__STATE_REPLIED)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION, "visit_token",
                                "visit_token: the ticket is not awaiting a visit (the link "
                                "was used already)");
    return 0;
}
