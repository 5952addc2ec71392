/*  hl_feed: event publishing. See hl_feed.h. */
#include "hl_feed.h"
#include "hl_wire.h"
#include "hl_buf.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct hl_feed {
    void *pub;                   //  PUB socket, or NULL
    hl_feed_fn *fn;              //  in-process listener, or NULL
    void *arg;
    hl_buf_t packed;
    hl_buf_t json;
};

hl_feed_t *
hl_feed_new (void *zmq_ctx, const char *endpoint, char *err, size_t errlen)
{
    hl_feed_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (endpoint && *endpoint) {
        self->pub = zmq_socket (zmq_ctx, ZMQ_PUB);
        int zero = 0;
        zmq_setsockopt (self->pub, ZMQ_LINGER, &zero, sizeof zero);
        if (zmq_bind (self->pub, endpoint) != 0) {
            snprintf (err, errlen, "cannot bind %.300s: %s", endpoint, zmq_strerror (errno));
            zmq_close (self->pub);
            free (self);
            return NULL;
        }
    }
    return self;
}

void
hl_feed_destroy (hl_feed_t **self_p)
{
    assert (self_p);
    hl_feed_t *self = *self_p;
    if (!self)
        return;
    if (self->pub)
        zmq_close (self->pub);
    hl_buf_free (&self->packed);
    hl_buf_free (&self->json);
    free (self);
    *self_p = NULL;
}

void
hl_feed_listen (hl_feed_t *self, hl_feed_fn *fn, void *arg)
{
    self->fn = fn;
    self->arg = arg;
}

static void
s_kv (hl_buf_t *b, const char *key, const char *value, int first)
{
    if (value)
        hl_json_kv_str (b, key, value, strlen (value), first);
}

//  The JSON shape of the dashboard's events (docs/dashboard-api.md).
static void
s_json (hl_buf_t *b, const Hotline__Event *ev)
{
    hl_buf_reset (b);
    hl_buf_puts (b, "{");
    hl_json_kv_str (b, "ticket", ev->ticket ? ev->ticket : "", strlen (ev->ticket ? ev->ticket : ""), 1);
    s_kv (b, "channel", ev->channel, 0);
    s_kv (b, "state", ev->state, 0);
    s_kv (b, "from", ev->from_state, 0);
    s_kv (b, "to", ev->to_state, 0);
    s_kv (b, "action", ev->action, 0);
    s_kv (b, "unit", ev->unit, 0);
    s_kv (b, "milestone", ev->milestone, 0);
    s_kv (b, "area", ev->area, 0);
    s_kv (b, "category", ev->category, 0);
    s_kv (b, "level", ev->level, 0);
    if (ev->has_due_ms)
        hl_json_kv_int (b, "due_ms", (int64_t) ev->due_ms, 0);
    hl_json_kv_int (b, "at_ms", (int64_t) ev->at_ms, 0);
    hl_buf_puts (b, "}");
}

void
hl_feed_publish (hl_feed_t *self, const Hotline__Event *ev)
{
    const char *kind = ev->kind ? ev->kind : "event";
    if (self->pub) {
        size_t size = hotline__event__get_packed_size (ev);
        hl_buf_reset (&self->packed);
        hl_buf_reserve (&self->packed, size);
        hotline__event__pack (ev, (uint8_t *) self->packed.data);
        zmq_send (self->pub, kind, strlen (kind), ZMQ_SNDMORE | ZMQ_DONTWAIT);
        zmq_send (self->pub, self->packed.data, size, ZMQ_DONTWAIT);
    }
    if (self->fn) {
        s_json (&self->json, ev);
        self->fn (kind, self->json.data, self->json.len, self->arg);
    }
}

//  What every ticket event starts with.
static void
s_event (Hotline__Event *ev, const char *kind, const char *ticket, const char *unit,
         int64_t at_ms)
{
    hotline__event__init (ev);
    ev->kind = (char *) kind;
    ev->ticket = (char *) ticket;
    ev->unit = (char *) unit;
    ev->has_at_ms = 1;
    ev->at_ms = (uint64_t) at_ms;
}

void
hl_feed_intake (hl_feed_t *self, const char *ticket, const char *unit, int state, int channel,
                int64_t at_ms)
{
    if (!self)
        return;
    Hotline__Event ev;
    s_event (&ev, "intake", ticket, unit, at_ms);
    ev.channel = (char *) hl_wire_channel_name (channel);
    ev.state = (char *) hl_wire_state_name (state);
    hl_feed_publish (self, &ev);
}

void
hl_feed_transition (hl_feed_t *self, const char *ticket, const char *unit, int from, int to,
                    int action, int64_t at_ms)
{
    if (!self)
        return;
    Hotline__Event ev;
    s_event (&ev, "transition", ticket, unit, at_ms);
    ev.from_state = (char *) hl_wire_state_name (from);
    ev.to_state = (char *) hl_wire_state_name (to);
    ev.action = (char *) hl_wire_action_name (action);
    hl_feed_publish (self, &ev);
}
