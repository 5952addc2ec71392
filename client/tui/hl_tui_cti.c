/*  hl_tui_cti: incoming calls for this agent. See hl_tui_cti.h. */
#include "hl_tui_cti.h"
#include "hotline.pb-c.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_MESSAGE_MAX 4096

struct hl_tui_cti {
    void *ctx, *sub;
    char topic[80];
};

hl_tui_cti_t *
hl_tui_cti_new (const char *endpoint, const char *agent, char *err, size_t errlen)
{
    hl_tui_cti_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    snprintf (self->topic, sizeof self->topic, "call:%s:", agent);
    self->ctx = zmq_ctx_new ();
    self->sub = self->ctx ? zmq_socket (self->ctx, ZMQ_SUB) : NULL;
    int64_t max = S_MESSAGE_MAX;
    int linger = 0;
    if (!self->sub
        || zmq_setsockopt (self->sub, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0
        || zmq_setsockopt (self->sub, ZMQ_LINGER, &linger, sizeof linger) != 0
        || zmq_setsockopt (self->sub, ZMQ_SUBSCRIBE, self->topic, strlen (self->topic)) != 0
        || zmq_connect (self->sub, endpoint) != 0) {
        snprintf (err, errlen, "phone system endpoint %s: %s", endpoint, zmq_strerror (zmq_errno ()));
        hl_tui_cti_destroy (&self);
        return NULL;
    }
    return self;
}

void
hl_tui_cti_destroy (hl_tui_cti_t **self_p)
{
    assert (self_p);
    hl_tui_cti_t *self = *self_p;
    if (!self)
        return;
    if (self->sub)
        zmq_close (self->sub);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    free (self);
    *self_p = NULL;
}

void *
hl_tui_cti_socket (hl_tui_cti_t *self)
{
    return self->sub;
}

//  Copy printable ASCII VALUE into OUT; -1 if it has anything else or
//  does not fit.
static int
s_copy (const ProtobufCBinaryData *value, char *out, size_t outlen)
{
    if (value->len >= outlen)
        return -1;
    for (size_t i = 0; i < value->len; i++)
        if (value->data[i] < 0x21 || value->data[i] > 0x7e)
            return -1;
    memcpy (out, value->data, value->len);
    out[value->len] = '\0';
    return 0;
}

int
hl_tui_cti_decode (const void *data, size_t len, hl_tui_call_t *call)
{
    memset (call, 0, sizeof *call);
    Hotline__IncomingCall *m = hotline__incoming_call__unpack (NULL, len, data);
    if (!m)
        return -1;
    int rc = m->has_caller && s_copy (&m->caller, call->caller, sizeof call->caller) == 0
          && (!m->has_line || s_copy (&m->line, call->line, sizeof call->line) == 0)
          && (!m->has_call_id || s_copy (&m->call_id, call->call_id, sizeof call->call_id) == 0)
          ? 0 : -1;
    hotline__incoming_call__free_unpacked (m, NULL);
    //  A number: digits, a leading + allowed, 3 to 20 of them.
    const char *digits = call->caller[0] == '+' ? call->caller + 1 : call->caller;
    size_t n = strlen (digits);
    if (rc == 0 && (n < 3 || n > 20 || strspn (digits, "0123456789") != n))
        rc = -1;
    if (rc != 0)
        memset (call, 0, sizeof *call);
    return rc;
}

int
hl_tui_cti_next (hl_tui_cti_t *self, hl_tui_call_t *call)
{
    //  A bounded number of messages per call: bad ones are skipped.
    for (int budget = 16; budget > 0; budget--) {
        zmq_msg_t topic, body;
        zmq_msg_init (&topic);
        if (zmq_msg_recv (&topic, self->sub, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&topic);
            return 0;
        }
        int more = zmq_msg_more (&topic);
        zmq_msg_close (&topic);
        if (!more)
            continue;
        zmq_msg_init (&body);
        int got = zmq_msg_recv (&body, self->sub, ZMQ_DONTWAIT) >= 0;
        int extra = got && zmq_msg_more (&body);
        int ok = got && !extra
              && hl_tui_cti_decode (zmq_msg_data (&body), zmq_msg_size (&body), call) == 0;
        zmq_msg_close (&body);
        while (extra) {         //  drop frames beyond the two
            zmq_msg_init (&body);
            extra = zmq_msg_recv (&body, self->sub, ZMQ_DONTWAIT) >= 0 && zmq_msg_more (&body);
            zmq_msg_close (&body);
        }
        if (ok)
            return 1;
    }
    return 0;
}
