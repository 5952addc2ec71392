/*  hl_rawworker: a raw-protocol worker for tests. See hl_rawworker.h. */
#include "hl_rawworker.h"
#include "hl_buf.h"
#include "hl_client.h"
#include "hl_redis.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_KEPT_MAX 4096

struct hl_rawworker {
    void *ctx;                //  owned: NULL when the caller's context is used
    void *socket;
    Hotline__Envelope *kept[S_KEPT_MAX];     //  deliveries received while waiting
    size_t n_kept;
    long seq;
};

static void
s_send (hl_rawworker_t *self, Hotline__Envelope *env)
{
    env->has_version = 1;
    env->version = HL_WIRE_VERSION;
    hl_buf_t buf = HL_BUF_INIT;
    hl_wire_pack (env, &buf);
    zmq_send (self->socket, buf.data, buf.len, 0);
    hl_buf_free (&buf);
}

void
hl_rawworker_heartbeat (hl_rawworker_t *self)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Heartbeat hb = HOTLINE__HEARTBEAT__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    s_send (self, &env);
}

//  Without a wait there is nothing to poll for: a receive that finds
//  nothing costs less than a poll (a system call) before each message.
static Hotline__Envelope *
s_recv (hl_rawworker_t *self, int timeout_ms)
{
    zmq_pollitem_t item = { self->socket, 0, ZMQ_POLLIN, 0 };
    if (timeout_ms > 0 && zmq_poll (&item, 1, timeout_ms) <= 0)
        return NULL;
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, self->socket, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&msg);
        return NULL;
    }
    Hotline__Envelope *env = hotline__envelope__unpack (NULL, zmq_msg_size (&msg),
                                                        zmq_msg_data (&msg));
    zmq_msg_close (&msg);
    return env;
}

Hotline__Envelope *
hl_rawworker_next_any (hl_rawworker_t *self, int timeout_ms)
{
    if (self->n_kept) {
        Hotline__Envelope *env = self->kept[0];
        memmove (self->kept, self->kept + 1, --self->n_kept * sizeof *self->kept);
        return env;
    }
    //  Heartbeats are answered but do not extend the wait.
    int64_t until = hl_monotonic_us () + (int64_t) timeout_ms * 1000;
    for (;;) {
        int left = (int) ((until - hl_monotonic_us ()) / 1000);
        Hotline__Envelope *env = s_recv (self, left > 0 ? left : 0);
        if (!env || env->body_case != HOTLINE__ENVELOPE__BODY_HEARTBEAT)
            return env;
        hotline__envelope__free_unpacked (env, NULL);
        hl_rawworker_heartbeat (self);
    }
}

hl_rawworker_t *
hl_rawworker_new (const char *endpoint, const char *unit, unsigned credit, const char *name)
{
    void *ctx = zmq_ctx_new ();
    hl_rawworker_t *self = hl_rawworker_new_in (ctx, endpoint, unit, credit, name);
    if (self)
        self->ctx = ctx;
    else
        zmq_ctx_term (ctx);
    return self;
}

hl_rawworker_t *
hl_rawworker_new_in (void *ctx, const char *endpoint, const char *unit, unsigned credit,
                     const char *name)
{
    return hl_rawworker_new_keyed (ctx, endpoint, unit, credit, name, NULL);
}

hl_rawworker_t *
hl_rawworker_new_keyed (void *ctx, const char *endpoint, const char *unit, unsigned credit,
                        const char *name, const char *const keys[3])
{
    hl_rawworker_t *self = calloc (1, sizeof *self);
    self->socket = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (self->socket, ZMQ_LINGER, &zero, sizeof zero);
    if (keys) {
        zmq_setsockopt (self->socket, ZMQ_CURVE_SERVERKEY, keys[0], 40);
        zmq_setsockopt (self->socket, ZMQ_CURVE_PUBLICKEY, keys[1], 40);
        zmq_setsockopt (self->socket, ZMQ_CURVE_SECRETKEY, keys[2], 40);
    }
    zmq_connect (self->socket, endpoint);
    Hotline__WorkerReady ready = HOTLINE__WORKER_READY__INIT;
    ready.has_unit = 1;
    ready.unit = hl_wire_bytes (unit);
    ready.has_credit = 1;
    ready.credit = credit;
    ready.has_worker = 1;
    ready.worker = hl_wire_bytes (name);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_WORKER_READY;
    env.worker_ready = &ready;
    Hotline__Envelope *welcome = hl_rawworker_call (self, &env);
    int ok = welcome && welcome->body_case == HOTLINE__ENVELOPE__BODY_WORKER_WELCOME;
    if (welcome)
        hotline__envelope__free_unpacked (welcome, NULL);
    if (!ok)
        hl_rawworker_destroy (&self);
    return self;
}

void
hl_rawworker_destroy (hl_rawworker_t **self_p)
{
    hl_rawworker_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n_kept; i++)
        hotline__envelope__free_unpacked (self->kept[i], NULL);
    zmq_close (self->socket);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    free (self);
    *self_p = NULL;
}

void *
hl_rawworker_socket (hl_rawworker_t *self)
{
    return self->socket;
}

Hotline__Envelope *
hl_rawworker_next (hl_rawworker_t *self, int timeout_ms)
{
    int64_t until = hl_monotonic_us () + (int64_t) timeout_ms * 1000;
    Hotline__Envelope *env = hl_rawworker_next_any (self, timeout_ms);
    while (env && env->body_case != HOTLINE__ENVELOPE__BODY_DELIVERY) {
        hotline__envelope__free_unpacked (env, NULL);
        int left = (int) ((until - hl_monotonic_us ()) / 1000);
        env = left > 0 ? hl_rawworker_next_any (self, left) : NULL;
    }
    return env;
}

Hotline__Envelope *
hl_rawworker_call (hl_rawworker_t *self, Hotline__Envelope *req)
{
    char rid[32];
    snprintf (rid, sizeof rid, "tw-%ld-%p", ++self->seq, (void *) self);
    req->has_request_id = 1;
    req->request_id = hl_wire_bytes (rid);
    s_send (self, req);
    for (int i = 0; i < 100; i++) {
        Hotline__Envelope *env = s_recv (self, 3000);
        if (!env)
            return NULL;
        if (env->body_case == HOTLINE__ENVELOPE__BODY_HEARTBEAT) {
            hotline__envelope__free_unpacked (env, NULL);
            continue;
        }
        if (env->has_request_id && env->request_id.len == strlen (rid)
            && memcmp (env->request_id.data, rid, strlen (rid)) == 0)
            return env;
        if (self->n_kept < S_KEPT_MAX)
            self->kept[self->n_kept++] = env;
        else
            hotline__envelope__free_unpacked (env, NULL);
    }
    return NULL;
}

static void
s_fill_action (Hotline__Transition *t, const char *ticket, Hotline__Action action,
               const char *note)
{
    t->has_ticket = 1;
    t->ticket = hl_wire_bytes (ticket);
    t->has_action = 1;
    t->action = action;
    if (note) {
        t->has_note = 1;
        t->note = hl_wire_bytes (note);
    }
    if (action == HOTLINE__ACTION__ACTION_RETURN) {
        t->has_return_reason = 1;
        t->return_reason = HOTLINE__RETURN_REASON__RETURN_WRONG_AREA;
    }
    if (action == HOTLINE__ACTION__ACTION_REQUEST_EXTENSION) {
        t->has_extension_days = 1;
        t->extension_days = 5;
    }
}

Hotline__Envelope *
hl_rawworker_act (hl_rawworker_t *self, const char *ticket, Hotline__Action action,
                   const char *note)
{
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    s_fill_action (&t, ticket, action, note);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env.transition = &t;
    return hl_rawworker_call (self, &env);
}

void
hl_rawworker_send_action (hl_rawworker_t *self, const char *ticket, Hotline__Action action,
                           const char *note, long tag)
{
    char rid[32];
    snprintf (rid, sizeof rid, "act-%ld", tag);
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    s_fill_action (&t, ticket, action, note);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.has_request_id = 1;
    env.request_id = hl_wire_bytes (rid);
    env.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env.transition = &t;
    s_send (self, &env);
}
