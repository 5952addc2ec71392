/*  hl_worker: libhotline-worker. See hl_worker.h.
 *
 *  The session runs through three phases: READYING (WorkerReady sent, no
 *  welcome yet), WELCOMED (deliveries flow, both sides heartbeat) and
 *  REFUSED (hotlined refused the WorkerReady for good). Every public call
 *  that waits runs s_tick (heartbeats, liveness, reconnects) and s_wait
 *  (receive and dispatch messages) in a loop until its own deadline, so
 *  the session lives as long as the caller keeps calling.
 */
#include "hl_worker.h"
#include "hl_buf.h"
#include "hl_client.h"
#include "hl_curve.h"
#include "hl_redis.h"
#include "hl_text.h"
#include "hl_view.h"
#include "hl_wire.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_LIVENESS 3                 //  intervals a silent peer is given
#define S_DEFAULT_HEARTBEAT_MS 1000  //  until hotlined's welcome says otherwise
#define S_MIN_HEARTBEAT_MS 20
#define S_MAX_FRAME ((int64_t) 4 << 20)
#define S_MAX_POLL_FDS 16
#define S_RETRY_PAUSE_MS 250         //  after a "retry later" answer
#define S_CODE_MAX 64                //  unit codes and ticket numbers
#define S_BATCH 256                  //  messages handled per wakeup

typedef enum { S_READYING, S_WELCOMED, S_REFUSED } s_phase_t;

struct hl_worker_ticket {
    Hotline__Envelope *env;          //  owns the decoded message
    const Hotline__TicketView *view; //  inside ENV
    int role;
    int redelivery;
    char *category, *area, *content;
    hl_buf_t json;
    hl_worker_ticket_t *next;        //  delivery queue
};

struct hl_worker_list {
    Hotline__Envelope *env;
    hl_worker_summary_t *items;
    size_t size;
    char **strings;                  //  the copies ITEMS point to
    size_t n_strings;
    hl_buf_t json;
};

struct hl_worker {
    void *ctx;
    void *socket;                    //  DEALER, replaced on every reconnect
    char *endpoint;                  //  as given: one, or several comma-separated
    char **endpoints;                //  each of them; the one in use is AT
    size_t n_endpoints, at;
    char *unit;
    char *name;                      //  NULL: hotlined picks one
    unsigned credit;

    s_phase_t phase;
    int64_t opened_us;               //  socket opened / WorkerReady sent
    int64_t last_heard_us;
    int64_t last_sent_us;
    int heartbeat_ms;
    unsigned sessions;
    char ready_rid[33];
    char *unit_name;
    int callback_allowed;

    hl_worker_ticket_t *head, *tail;
    size_t pending;

    char wait_rid[33];               //  the request a call waits for, "" if none
    Hotline__Envelope *answer;       //  its answer, once arrived

    int deadline_ms;
    int resend_ms;

    void *monitor;                   //  CURVE: the socket's handshake failures (PAIR)
    hl_curve_client_t keys;          //  CURVE: server_key "" = none
    char error_code[64];
    char error[600];
    hl_worker_done_t done;
    char done_ticket[S_CODE_MAX + 1], done_unit[S_CODE_MAX + 1];
    hl_buf_t frame;
};

//  ---------------------------------------------------------------------
//  Errors

//  Records a failure (CODE names it for programs, the message is for
//  people) and returns RC, so that callers can `return s_fail (...)`.
static int
s_fail (hl_worker_t *self, int rc, const char *code, const char *fmt, ...)
{
    char message[sizeof self->error - 80];
    va_list args;
    va_start (args, fmt);
    vsnprintf (message, sizeof message, fmt, args);
    va_end (args);
    snprintf (self->error_code, sizeof self->error_code, "%s", code);
    snprintf (self->error, sizeof self->error, "%s: %s", code, message);
    return rc;
}

//  Records hotlined's refusal NACK.
static int
s_fail_nack (hl_worker_t *self, int rc, const Hotline__Nack *nack)
{
    const char *code = hl_wire_error_name (nack->code);
    return s_fail (self, rc, code ? code : "unknown", "%s", nack->message ? nack->message : "");
}

const char *
hl_worker_strerror (int rc)
{
    switch (rc) {
        case HL_WORKER_OK: return "ok";
        case HL_WORKER_ETIMEDOUT: return "timeout";
        case HL_WORKER_EREFUSED: return "refused";
        case HL_WORKER_EUNAVAILABLE: return "unavailable";
        case HL_WORKER_EINTR: return "interrupted";
        case HL_WORKER_EINVAL: return "invalid_argument";
        case HL_WORKER_EPROTO: return "protocol_error";
        case HL_WORKER_ESYS: return "system_error";
        default: return "unknown";
    }
}

//  ---------------------------------------------------------------------
//  Tickets and the delivery queue

//  Copies a bytes field into a NUL-terminated heap string ("" if absent).
static char *
s_text (int has, ProtobufCBinaryData data)
{
    return hl_wire_strdup (has ? data : (ProtobufCBinaryData) { 0, NULL });
}

//  Wraps ENV (ownership passes) holding VIEW.
static hl_worker_ticket_t *
s_ticket_new (Hotline__Envelope *env, const Hotline__TicketView *view, int role,
              int redelivery)
{
    hl_worker_ticket_t *t = calloc (1, sizeof *t);
    if (!t)
        abort ();
    t->env = env;
    t->view = view;
    t->role = role;
    t->redelivery = redelivery;
    const Hotline__Complaint *c = view->complaint;
    t->category = s_text (c && c->has_category, c ? c->category : (ProtobufCBinaryData) { 0 });
    t->area = s_text (c && c->has_area, c ? c->area : (ProtobufCBinaryData) { 0 });
    t->content = s_text (c && c->has_content, c ? c->content : (ProtobufCBinaryData) { 0 });
    return t;
}

void
hl_worker_ticket_destroy (hl_worker_ticket_t **self_p)
{
    assert (self_p);
    hl_worker_ticket_t *t = *self_p;
    if (!t)
        return;
    hl_wire_free (&t->env);
    free (t->category);
    free (t->area);
    free (t->content);
    hl_buf_free (&t->json);
    free (t);
    *self_p = NULL;
}

//  Appends a delivered ticket. A lead ticket already queued (a redelivery
//  racing its first delivery) is replaced, so the caller sees it once.
static void
s_queue_push (hl_worker_t *self, hl_worker_ticket_t *t)
{
    for (hl_worker_ticket_t **at = &self->head; *at; at = &(*at)->next) {
        hl_worker_ticket_t *old = *at;
        if (old->role == t->role && strcmp (old->view->ticket, t->view->ticket) == 0) {
            t->next = old->next;
            *at = t;
            if (self->tail == old)
                self->tail = t;
            hl_worker_ticket_destroy (&old);
            return;
        }
    }
    if (self->tail)
        self->tail->next = t;
    else
        self->head = t;
    self->tail = t;
    self->pending++;
}

static hl_worker_ticket_t *
s_queue_pop (hl_worker_t *self)
{
    hl_worker_ticket_t *t = self->head;
    if (t) {
        self->head = t->next;
        if (!self->head)
            self->tail = NULL;
        t->next = NULL;
        self->pending--;
    }
    return t;
}

//  Forgets the queued lead tickets: they belonged to a session hotlined has
//  ended, and it delivers them again. Assist deliveries are sent once
//  only, so they stay.
static void
s_queue_drop_leads (hl_worker_t *self)
{
    hl_worker_ticket_t *keep = NULL, **keep_tail = &keep, *t;
    self->tail = NULL;
    while ((t = self->head)) {
        self->head = t->next;
        t->next = NULL;
        if (t->role == HL_WORKER_ASSIST) {
            *keep_tail = t;
            keep_tail = &t->next;
            self->tail = t;
        }
        else {
            hl_worker_ticket_destroy (&t);
            self->pending--;
        }
    }
    self->head = keep;
}

//  ---------------------------------------------------------------------
//  Sending

//  Sends ENV (version and request id RID filled in) without blocking. A
//  message that cannot be queued now is dropped: every request is resent
//  until answered, and heartbeats come again.
static int
s_send (hl_worker_t *self, Hotline__Envelope *env, const char *rid)
{
    env->has_version = 1;
    env->version = HL_WIRE_VERSION;
    env->has_request_id = rid != NULL;
    env->request_id = rid ? hl_wire_bytes (rid) : (ProtobufCBinaryData) { 0, NULL };
    hl_wire_pack (env, &self->frame);
    if (zmq_send (self->socket, self->frame.data, self->frame.len, ZMQ_DONTWAIT) < 0)
        return -1;
    self->last_sent_us = hl_monotonic_us ();
    return 0;
}

static void
s_send_ready (hl_worker_t *self)
{
    Hotline__WorkerReady ready = HOTLINE__WORKER_READY__INIT;
    ready.has_unit = 1;
    ready.unit = hl_wire_bytes (self->unit);
    ready.has_credit = 1;
    ready.credit = self->credit;
    if (self->name) {
        ready.has_worker = 1;
        ready.worker = hl_wire_bytes (self->name);
    }
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_WORKER_READY;
    env.worker_ready = &ready;
    hl_client_new_request_id (self->ready_rid);
    s_send (self, &env, self->ready_rid);
    self->phase = S_READYING;
    self->opened_us = hl_monotonic_us ();
}

static void
s_send_heartbeat (hl_worker_t *self)
{
    Hotline__Heartbeat hb = HOTLINE__HEARTBEAT__INIT;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_HEARTBEAT;
    env.heartbeat = &hb;
    s_send (self, &env, NULL);
}

static void
s_close_sockets (hl_worker_t *self)
{
    int zero = 0;
    if (self->monitor) {
        zmq_setsockopt (self->monitor, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close (self->monitor);
        self->monitor = NULL;
    }
    if (self->socket) {
        zmq_setsockopt (self->socket, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close (self->socket);
        self->socket = NULL;
    }
}

//  Opens a fresh DEALER to the endpoint and says WorkerReady. A new socket
//  (rather than the old one) means nothing queued for the lost session is
//  sent into the new one. Returns 0 or -1 (bad endpoint, no sockets left).
static int
s_open (hl_worker_t *self)
{
    s_close_sockets (self);
    self->socket = zmq_socket (self->ctx, ZMQ_DEALER);
    if (!self->socket)
        return -1;
    int zero = 0, ivl = 100, ivl_max = 2000, hwm = 1000;
    int64_t max = S_MAX_FRAME;
    zmq_setsockopt (self->socket, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (self->socket, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (self->socket, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    zmq_setsockopt (self->socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (self->socket, ZMQ_MAXMSGSIZE, &max, sizeof max);
    //  With CURVE, hotlined answers a key it does not list by closing the
    //  handshake, not with a message: the watch is how the worker learns
    //  it was refused rather than waiting for a welcome forever.
    if (*self->keys.server_key) {
        hl_curve_client_apply (self->socket, &self->keys);
        self->monitor = hl_curve_watch (self->ctx, self->socket, self);
    }
    if (zmq_connect (self->socket, self->endpoints[self->at]) != 0) {
        zmq_close (self->socket);
        self->socket = NULL;
        return -1;
    }
    self->last_heard_us = hl_monotonic_us ();
    s_send_ready (self);
    return 0;
}

//  ---------------------------------------------------------------------
//  Receiving

//  The session was welcomed: a new one as far as hotlined is concerned, so
//  lead tickets queued from an earlier session are dropped (they come
//  again).
static void
s_on_welcome (hl_worker_t *self, const Hotline__WorkerWelcome *w)
{
    self->phase = S_WELCOMED;
    self->sessions++;
    if (w->has_heartbeat_ms && w->heartbeat_ms > 0)
        self->heartbeat_ms = w->heartbeat_ms < S_MIN_HEARTBEAT_MS
                           ? S_MIN_HEARTBEAT_MS : (int) w->heartbeat_ms;
    free (self->unit_name);
    self->unit_name = s_text (w->has_unit_name, w->unit_name);
    self->callback_allowed = w->has_callback_allowed && w->callback_allowed;
    s_queue_drop_leads (self);
}

//  A refusal. hotlined no longer knowing this worker (not_ready) starts a
//  new session on the same socket; a refused WorkerReady ends the worker's
//  hopes unless the refusal says "retry later" (the liveness check sends
//  WorkerReady again on a new socket).
static void
s_on_nack (hl_worker_t *self, const Hotline__Envelope *env)
{
    const Hotline__Nack *nack = env->nack;
    int to_ready = self->phase == S_READYING && env->has_request_id
                && env->request_id.len == strlen (self->ready_rid)
                && memcmp (env->request_id.data, self->ready_rid, env->request_id.len) == 0;
    if (nack->code == HOTLINE__ERROR_CODE__ERROR_NOT_READY) {
        if (self->phase == S_WELCOMED)
            s_send_ready (self);
    }
    else
    if (to_ready && !nack->retryable) {
        self->phase = S_REFUSED;
        s_fail_nack (self, HL_WORKER_EREFUSED, nack);
    }
}

//  True if ENV answers the request a call is waiting for.
static int
s_is_awaited (const hl_worker_t *self, const Hotline__Envelope *env)
{
    return self->wait_rid[0] && !self->answer && env->has_request_id
        && env->request_id.len == strlen (self->wait_rid)
        && memcmp (env->request_id.data, self->wait_rid, env->request_id.len) == 0;
}

//  Handles one message from hotlined (ownership of ENV passes).
static void
s_on_message (hl_worker_t *self, Hotline__Envelope *env)
{
    self->last_heard_us = hl_monotonic_us ();
    if (env->body_case == HOTLINE__ENVELOPE__BODY_WORKER_WELCOME)
        s_on_welcome (self, env->worker_welcome);
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_NACK)
        s_on_nack (self, env);
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_DELIVERY) {
        const Hotline__Delivery *d = env->delivery;
        if (self->phase == S_WELCOMED && d->ticket && d->ticket->ticket) {
            int role = d->role == HOTLINE__DELIVERY_ROLE__DELIVERY_ASSIST
                     ? HL_WORKER_ASSIST : HL_WORKER_LEAD;
            s_queue_push (self, s_ticket_new (env, d->ticket, role, d->redelivery));
            return;
        }
    }
    if (s_is_awaited (self, env))
        self->answer = env;
    else
        hl_wire_free (&env);
}

//  Reads every message waiting on the socket (up to a batch).
static void
s_drain (hl_worker_t *self)
{
    for (int i = 0; i < S_BATCH; i++) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, self->socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            return;
        }
        int more = zmq_msg_more (&msg);
        Hotline__ErrorCode code;
        Hotline__Envelope *env = more ? NULL
            : hl_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg), S_MAX_FRAME, &code);
        zmq_msg_close (&msg);
        if (env)
            s_on_message (self, env);
    }
}

//  Milliseconds until s_tick has something to do.
static int
s_tick_due_ms (const hl_worker_t *self)
{
    int64_t now = hl_monotonic_us (), hb = (int64_t) self->heartbeat_ms * 1000, due;
    if (self->phase == S_REFUSED)
        return 1000;
    due = self->last_heard_us + S_LIVENESS * hb;
    if (self->phase == S_READYING && self->opened_us + S_LIVENESS * hb < due)
        due = self->opened_us + S_LIVENESS * hb;
    if (self->phase == S_WELCOMED && self->last_sent_us + hb < due)
        due = self->last_sent_us + hb;
    int64_t ms = (due - now) / 1000 + 1;
    return ms < 1 ? 1 : ms > 1000 ? 1000 : (int) ms;
}

//  Keeps the session alive: a heartbeat when this side was quiet for an
//  interval, and a new socket with a new WorkerReady when hotlined was
//  silent for S_LIVENESS intervals (or never welcomed the last one).
static int
s_tick (hl_worker_t *self)
{
    int64_t now = hl_monotonic_us (), hb = (int64_t) self->heartbeat_ms * 1000;
    if (self->phase == S_REFUSED)
        return 0;
    int silent = now - self->last_heard_us > S_LIVENESS * hb;
    int unwelcomed = self->phase == S_READYING && now - self->opened_us > S_LIVENESS * hb;
    if (silent || unwelcomed || !self->socket) {
        //  Several instances of hotlined on one store: the next one serves
        //  this unit as well as the one that fell silent.
        if (silent || unwelcomed)
            self->at = (self->at + 1) % self->n_endpoints;
        if (s_open (self) != 0)
            return s_fail (self, HL_WORKER_ESYS, "system_error", "cannot open a socket to %s: %s",
                           self->endpoints[self->at], zmq_strerror (errno));
    }
    else
    if (self->phase == S_WELCOMED && now - self->last_sent_us >= hb)
        s_send_heartbeat (self);
    return 0;
}

//  poll(2) event bits as zmq_poll spells them (the values differ).
static short
s_zmq_events (short events)
{
    return (short) (((events & POLLIN) ? ZMQ_POLLIN : 0) | ((events & POLLOUT) ? ZMQ_POLLOUT : 0)
                    | ((events & POLLPRI) ? ZMQ_POLLPRI : 0));
}

//  zmq_poll's result bits as poll(2) spells them. zmq_poll folds hang-up
//  into ZMQ_POLLERR; it is reported as both POLLERR and POLLHUP, and a
//  read or write then tells which.
static short
s_poll_events (short revents)
{
    return (short) (((revents & ZMQ_POLLIN) ? POLLIN : 0) | ((revents & ZMQ_POLLOUT) ? POLLOUT : 0)
                    | ((revents & ZMQ_POLLPRI) ? POLLPRI : 0)
                    | ((revents & ZMQ_POLLERR) ? POLLERR | POLLHUP : 0));
}

//  Waits up to TIMEOUT_MS for messages from hotlined or for FDS, and
//  handles the messages. Returns how many FDS are ready, or a negative
//  code (EINTR for a signal).
//  Reads what the monitor reported: a refused key ends the worker's hopes
//  (until hl_worker_reconnect), like a refused WorkerReady.
static void
s_on_monitor (hl_worker_t *self)
{
    if (hl_curve_refused (self->monitor)) {
        self->phase = S_REFUSED;
        s_fail (self, HL_WORKER_EREFUSED, "key_refused", "hotlined at %s does not accept "
                "this worker's key (its public key must be listed for unit %s)",
                self->endpoints[self->at], self->unit);
    }
}

static int
s_wait (hl_worker_t *self, int timeout_ms, struct pollfd *fds, size_t nfds)
{
    zmq_pollitem_t items[S_MAX_POLL_FDS + 2];
    assert (nfds <= S_MAX_POLL_FDS);
    items[0] = (zmq_pollitem_t) { self->socket, 0, ZMQ_POLLIN, 0 };
    for (size_t i = 0; i < nfds; i++)
        items[i + 1] = (zmq_pollitem_t) { NULL, fds[i].fd, s_zmq_events (fds[i].events), 0 };
    int n = (int) nfds + 1;
    if (self->monitor)
        items[n++] = (zmq_pollitem_t) { self->monitor, 0, ZMQ_POLLIN, 0 };
    int rc = zmq_poll (items, n, timeout_ms < 0 ? 0 : timeout_ms);
    if (rc < 0) {
        if (errno == EINTR)
            return s_fail (self, HL_WORKER_EINTR, "interrupted", "a signal arrived");
        return s_fail (self, HL_WORKER_ESYS, "system_error", "zmq_poll: %s",
                       zmq_strerror (errno));
    }
    if (items[0].revents & ZMQ_POLLIN)
        s_drain (self);
    if (self->monitor && (items[n - 1].revents & ZMQ_POLLIN))
        s_on_monitor (self);
    int ready = 0;
    for (size_t i = 0; i < nfds; i++) {
        fds[i].revents = s_poll_events (items[i + 1].revents);
        ready += fds[i].revents != 0;
    }
    return ready;
}

//  Milliseconds left until UNTIL_US (monotonic), never negative.
static int
s_left_ms (int64_t until_us)
{
    int64_t left = (until_us - hl_monotonic_us () + 999) / 1000;
    return left < 0 ? 0 : left > 3600000 ? 3600000 : (int) left;
}

static int
s_min (int a, int b)
{
    return a < b ? a : b;
}

//  ---------------------------------------------------------------------
//  Requests

//  Sends REQ and waits for hotlined's answer of kind WANT (or a Nack),
//  resending with the same request id every resend interval, after a
//  reconnect, and shortly after a "retry later". Signals do not cut the
//  wait short: it is bounded by the deadline anyway, and giving up halfway
//  would leave the caller unsure whether the action was stored. Returns 0
//  with *ANSWER set, or a negative code.
static int
s_request (hl_worker_t *self, Hotline__Envelope *req, Hotline__Envelope__BodyCase want,
           Hotline__Envelope **answer)
{
    char rid[33];
    hl_client_new_request_id (rid);
    int64_t until = hl_monotonic_us () + (int64_t) self->deadline_ms * 1000, resend_at = 0;
    unsigned sent_in = 0;            //  the session the last copy went to (0: none)
    Hotline__Nack last_busy = HOTLINE__NACK__INIT;
    char busy_message[256] = "";
    int busy = 0, rc = 0;
    snprintf (self->wait_rid, sizeof self->wait_rid, "%s", rid);
    *answer = NULL;
    while (!*answer && rc == 0) {
        if (s_left_ms (until) == 0) {
            rc = busy ? s_fail_nack (self, HL_WORKER_EUNAVAILABLE, &last_busy)
                      : s_fail (self, HL_WORKER_ETIMEDOUT, "timeout",
                                "no answer from hotlined at %s within %.1f s",
                                self->endpoint, self->deadline_ms / 1000.0);
            break;
        }
        if ((rc = s_tick (self)) != 0)
            break;
        if (self->phase == S_REFUSED) {
            rc = HL_WORKER_EREFUSED;
            break;
        }
        int64_t now = hl_monotonic_us ();
        if (self->phase == S_WELCOMED && (sent_in != self->sessions || now >= resend_at)) {
            s_send (self, req, rid);
            sent_in = self->sessions;
            resend_at = now + (int64_t) self->resend_ms * 1000;
        }
        int wait = s_min (s_left_ms (until), s_tick_due_ms (self));
        if (self->phase == S_WELCOMED)
            wait = s_min (wait, s_left_ms (resend_at) + 1);
        int wrc = s_wait (self, wait, NULL, 0);
        if (wrc < 0 && wrc != HL_WORKER_EINTR)
            rc = wrc;
        if (self->answer) {
            Hotline__Envelope *a = self->answer;
            self->answer = NULL;
            const Hotline__Nack *nack = a->body_case == HOTLINE__ENVELOPE__BODY_NACK ? a->nack : NULL;
            if (nack && nack->code == HOTLINE__ERROR_CODE__ERROR_NOT_READY)
                sent_in = 0;         //  send again once welcomed
            else
            if (nack && nack->retryable) {
                busy = 1;
                last_busy.code = nack->code;
                snprintf (busy_message, sizeof busy_message, "%s", nack->message ?: "");
                last_busy.message = busy_message;
                resend_at = hl_monotonic_us () + S_RETRY_PAUSE_MS * 1000;
            }
            else {
                *answer = a;
                a = NULL;
            }
            hl_wire_free (&a);
        }
    }
    self->wait_rid[0] = 0;
    if (*answer && (*answer)->body_case != want
        && (*answer)->body_case != HOTLINE__ENVELOPE__BODY_NACK) {
        hl_wire_free (answer);
        return s_fail (self, HL_WORKER_EPROTO, "protocol_error",
                       "hotlined answered with an unexpected message");
    }
    return rc;
}

//  Checks that TICKET looks like a ticket number before anything is sent.
static int
s_check_ticket (hl_worker_t *self, const char *ticket)
{
    if (!ticket || !hl_text_is_code (ticket, strlen (ticket), S_CODE_MAX))
        return s_fail (self, HL_WORKER_EINVAL, "invalid_argument",
                       "ticket: expected a ticket number such as YJ20261127000001");
    return 0;
}

//  Checks that NOTE is text hotlined can take (UTF-8, no control
//  characters but line breaks and tabs); whether it is required and how
//  long it may be is hotlined's to say.
static int
s_check_note (hl_worker_t *self, const char *note)
{
    if (note && hl_text_check (note, strlen (note), HL_TEXT_MULTILINE, NULL) != HL_TEXT_OK)
        return s_fail (self, HL_WORKER_EINVAL, "invalid_argument",
                       "note: not valid UTF-8 text (or holds control characters)");
    return 0;
}

//  Keeps what TransitionDone D says for hl_worker_done.
static void
s_keep_done (hl_worker_t *self, const Hotline__TransitionDone *d, const char *ticket)
{
    snprintf (self->done_ticket, sizeof self->done_ticket, "%s", d->ticket ? d->ticket : ticket);
    snprintf (self->done_unit, sizeof self->done_unit, "%s", d->unit ? d->unit : "");
    self->done.ticket = self->done_ticket;
    self->done.from = hl_wire_state_name (d->from_state) ?: "";
    self->done.to = hl_wire_state_name (d->to_state) ?: "";
    self->done.at_ms = d->at_ms;
    self->done.duplicate = d->duplicate;
    self->done.unit = self->done_unit;
}

//  Sends transition T on TICKET and reports hotlined's verdict.
static int
s_transition (hl_worker_t *self, const char *ticket, Hotline__Transition *t, const char *note)
{
    int rc = s_check_ticket (self, ticket);
    if (rc == 0)
        rc = s_check_note (self, note);
    if (rc != 0)
        return rc;
    t->has_ticket = 1;
    t->ticket = hl_wire_bytes (ticket);
    if (note) {
        t->has_note = 1;
        t->note = hl_wire_bytes (note);
    }
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT, *answer;
    env.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env.transition = t;
    rc = s_request (self, &env, HOTLINE__ENVELOPE__BODY_TRANSITION_DONE, &answer);
    if (rc != 0)
        return rc;
    if (answer->body_case == HOTLINE__ENVELOPE__BODY_NACK)
        rc = s_fail_nack (self, HL_WORKER_EREFUSED, answer->nack);
    else
        s_keep_done (self, answer->transition_done, ticket);
    hl_wire_free (&answer);
    return rc;
}

//  A Transition for ACTION.
static Hotline__Transition
s_action (Hotline__Action action)
{
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_action = 1;
    t.action = action;
    return t;
}

int
hl_worker_sign (hl_worker_t *self, const char *ticket)
{
    Hotline__Transition t = s_action (HOTLINE__ACTION__ACTION_SIGN);
    return s_transition (self, ticket, &t, NULL);
}

int
hl_worker_return (hl_worker_t *self, const char *ticket, const char *reason, const char *note)
{
    Hotline__Transition t = s_action (HOTLINE__ACTION__ACTION_RETURN);
    int value = reason ? hl_wire_return_reason_parse (reason) : 0;
    if (!value)
        return s_fail (self, HL_WORKER_EINVAL, "invalid_argument",
                       "reason: expected wrong_area, not_our_duty, overlapping_duties or other");
    t.has_return_reason = 1;
    t.return_reason = value;
    return s_transition (self, ticket, &t, note);
}

int
hl_worker_progress (hl_worker_t *self, const char *ticket, const char *note)
{
    Hotline__Transition t = s_action (HOTLINE__ACTION__ACTION_PROGRESS);
    return s_transition (self, ticket, &t, note);
}

int
hl_worker_request_extension (hl_worker_t *self, const char *ticket, unsigned days,
                             const char *note)
{
    Hotline__Transition t = s_action (HOTLINE__ACTION__ACTION_REQUEST_EXTENSION);
    if (days < 1 || days > HL_WIRE_EXTENSION_DAYS_MAX)
        return s_fail (self, HL_WORKER_EINVAL, "invalid_argument",
                       "days: expected 1 to 60 working days");
    t.has_extension_days = 1;
    t.extension_days = days;
    return s_transition (self, ticket, &t, note);
}

int
hl_worker_reply (hl_worker_t *self, const char *ticket, const char *note)
{
    Hotline__Transition t = s_action (HOTLINE__ACTION__ACTION_REPLY);
    return s_transition (self, ticket, &t, note);
}

const hl_worker_done_t *
hl_worker_done (const hl_worker_t *self)
{
    return &self->done;
}

//  ---------------------------------------------------------------------
//  Lists and single tickets

//  Keeps a copy of a bytes field in LIST and returns it.
static const char *
s_list_text (hl_worker_list_t *list, int has, ProtobufCBinaryData data)
{
    char *copy = s_text (has, data);
    list->strings[list->n_strings++] = copy;
    return copy;
}

//  Wraps a TicketList answer (ownership of ENV passes).
static hl_worker_list_t *
s_list_new (Hotline__Envelope *env)
{
    const Hotline__TicketList *tl = env->ticket_list;
    hl_worker_list_t *list = calloc (1, sizeof *list);
    if (!list)
        abort ();
    list->env = env;
    list->size = tl->n_tickets;
    list->items = calloc (tl->n_tickets + 1, sizeof *list->items);
    list->strings = calloc (tl->n_tickets * 5 + 1, sizeof *list->strings);
    if (!list->items || !list->strings)
        abort ();
    for (size_t i = 0; i < tl->n_tickets; i++) {
        const Hotline__TicketSummary *s = tl->tickets[i];
        hl_worker_summary_t *item = &list->items[i];
        item->ticket = s->ticket ? s->ticket : "";
        item->state = hl_wire_state_name (s->state) ?: "";
        item->created_ms = s->created_ms;
        item->request_type = hl_wire_request_type_name (s->request_type) ?: "";
        item->category = s_list_text (list, s->has_category, s->category);
        item->area = s_list_text (list, s->has_area, s->area);
        item->unit = s_list_text (list, s->has_unit, s->unit);
        item->excerpt = s_list_text (list, s->has_excerpt, s->excerpt);
    }
    return list;
}

int
hl_worker_list (hl_worker_t *self, const char *state, unsigned limit, hl_worker_list_t **list_p)
{
    assert (list_p);
    *list_p = NULL;
    Hotline__TicketListQuery q = HOTLINE__TICKET_LIST_QUERY__INIT;
    if (state && *state) {
        q.has_state = 1;
        if (!(q.state = hl_wire_state_parse (state)))
            return s_fail (self, HL_WORKER_EINVAL, "invalid_argument",
                           "state: expected a state name such as dispatched or in_progress");
    }
    if (limit > 500)
        return s_fail (self, HL_WORKER_EINVAL, "invalid_argument", "limit: at most 500");
    q.has_limit = limit > 0;
    q.limit = limit;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT, *answer;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    env.ticket_list_query = &q;
    int rc = s_request (self, &env, HOTLINE__ENVELOPE__BODY_TICKET_LIST, &answer);
    if (rc != 0)
        return rc;
    if (answer->body_case == HOTLINE__ENVELOPE__BODY_NACK) {
        rc = s_fail_nack (self, HL_WORKER_EREFUSED, answer->nack);
        hl_wire_free (&answer);
        return rc;
    }
    *list_p = s_list_new (answer);
    return 0;
}

int
hl_worker_show (hl_worker_t *self, const char *ticket, hl_worker_ticket_t **ticket_p)
{
    assert (ticket_p);
    *ticket_p = NULL;
    int rc = s_check_ticket (self, ticket);
    if (rc != 0)
        return rc;
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (ticket);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT, *answer;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    env.ticket_query = &q;
    rc = s_request (self, &env, HOTLINE__ENVELOPE__BODY_TICKET_VIEW, &answer);
    if (rc != 0)
        return rc;
    if (answer->body_case == HOTLINE__ENVELOPE__BODY_NACK || !answer->ticket_view->ticket) {
        rc = answer->body_case == HOTLINE__ENVELOPE__BODY_NACK
           ? s_fail_nack (self, HL_WORKER_EREFUSED, answer->nack)
           : s_fail (self, HL_WORKER_EPROTO, "protocol_error", "ticket view without a number");
        hl_wire_free (&answer);
        return rc;
    }
    *ticket_p = s_ticket_new (answer, answer->ticket_view, 0, 0);
    return 0;
}

//  ---------------------------------------------------------------------
//  Waiting for deliveries

int
hl_worker_connect (hl_worker_t *self, int timeout_ms)
{
    int64_t until = hl_monotonic_us () + (int64_t) timeout_ms * 1000;
    for (;;) {
        int rc = s_tick (self);
        if (rc != 0)
            return rc;
        if (self->phase == S_WELCOMED)
            return 0;
        if (self->phase == S_REFUSED)
            return HL_WORKER_EREFUSED;
        if (s_left_ms (until) == 0)
            return s_fail (self, HL_WORKER_ETIMEDOUT, "timeout",
                           "no welcome from hotlined at %s within %.1f s", self->endpoints[self->at],
                           timeout_ms / 1000.0);
        rc = s_wait (self, s_min (s_left_ms (until), s_tick_due_ms (self)), NULL, 0);
        if (rc < 0)
            return rc;
    }
}

int
hl_worker_poll (hl_worker_t *self, struct pollfd *fds, size_t nfds, int timeout_ms)
{
    if (nfds > S_MAX_POLL_FDS || (nfds && !fds))
        return s_fail (self, HL_WORKER_EINVAL, "invalid_argument",
                       "at most %d file descriptors", S_MAX_POLL_FDS);
    int64_t until = hl_monotonic_us () + (int64_t) (timeout_ms < 0 ? 0 : timeout_ms) * 1000;
    size_t before = self->pending;
    for (;;) {
        int rc = s_tick (self);
        if (rc != 0)
            return rc;
        rc = s_wait (self, s_min (s_left_ms (until), s_tick_due_ms (self)), fds, nfds);
        if (rc != 0 || self->pending > before || s_left_ms (until) == 0)
            return rc;
    }
}

int
hl_worker_next (hl_worker_t *self, int timeout_ms, hl_worker_ticket_t **ticket_p)
{
    assert (ticket_p);
    *ticket_p = NULL;
    int64_t until = hl_monotonic_us () + (int64_t) (timeout_ms < 0 ? 0 : timeout_ms) * 1000;
    for (;;) {
        if ((*ticket_p = s_queue_pop (self)))
            return 1;
        int rc = s_tick (self);
        if (rc != 0)
            return rc;
        if (self->phase == S_REFUSED)
            return HL_WORKER_EREFUSED;
        rc = s_wait (self, s_min (s_left_ms (until), s_tick_due_ms (self)), NULL, 0);
        if (rc < 0)
            return rc;
        if (!self->head && s_left_ms (until) == 0)
            return 0;
    }
}

size_t
hl_worker_pending (const hl_worker_t *self)
{
    return self->pending;
}

void
hl_worker_reconnect (hl_worker_t *self)
{
    if (s_open (self) != 0)
        s_fail (self, HL_WORKER_ESYS, "system_error", "cannot open a socket to %s: %s",
                self->endpoints[self->at], zmq_strerror (errno));
}

//  ---------------------------------------------------------------------
//  Life cycle

//  Splits the comma-separated ENDPOINT into SELF->endpoints; -1 if one is
//  empty.
static int
s_split_endpoints (hl_worker_t *self, const char *endpoint)
{
    size_t n = 1;
    for (const char *p = endpoint; *p; p++)
        n += *p == ',';
    self->endpoints = calloc (n, sizeof *self->endpoints);
    if (!self->endpoints)
        abort ();
    const char *p = endpoint;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn (p, ",");
        if (len == 0)
            return -1;
        self->endpoints[self->n_endpoints] = strndup (p, len);
        if (!self->endpoints[self->n_endpoints++])
            abort ();
        p += len + (p[len] == ',');
    }
    return 0;
}

hl_worker_t *
hl_worker_new (const char *endpoint, const char *unit, unsigned credit, const char *name)
{
    if (!endpoint || !unit || !hl_text_is_code (unit, strlen (unit), S_CODE_MAX)
        || credit < 1 || credit > 1000
        || (name && hl_text_check (name, strlen (name), 0, NULL) != HL_TEXT_OK))
        return NULL;
    hl_worker_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->endpoint = strdup (endpoint);
    self->unit = strdup (unit);
    self->name = name && *name ? strdup (name) : NULL;
    self->unit_name = strdup ("");
    if (!self->endpoint || !self->unit || !self->unit_name || (name && *name && !self->name))
        abort ();
    if (s_split_endpoints (self, endpoint) != 0) {
        hl_worker_destroy (&self);
        return NULL;
    }
    self->credit = credit;
    self->heartbeat_ms = S_DEFAULT_HEARTBEAT_MS;
    self->deadline_ms = 15000;
    self->resend_ms = 2000;
    self->ctx = zmq_ctx_new ();
    if (!self->ctx || s_open (self) != 0)
        hl_worker_destroy (&self);
    return self;
}

void
hl_worker_destroy (hl_worker_t **self_p)
{
    assert (self_p);
    hl_worker_t *self = *self_p;
    if (!self)
        return;
    s_close_sockets (self);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    hl_worker_ticket_t *t;
    while ((t = s_queue_pop (self)))
        hl_worker_ticket_destroy (&t);
    hl_wire_free (&self->answer);
    hl_buf_free (&self->frame);
    for (size_t i = 0; i < self->n_endpoints; i++)
        free (self->endpoints[i]);
    free (self->endpoints);
    free (self->endpoint);
    free (self->unit);
    free (self->name);
    free (self->unit_name);
    free (self);
    *self_p = NULL;
}

int
hl_worker_set_keys (hl_worker_t *self, const char *server_key, const char *public_key,
                    const char *secret_key)
{
    if (!hl_curve_decode (server_key, NULL) || !hl_curve_decode (public_key, NULL)
        || !hl_curve_decode (secret_key, NULL))
        return HL_WORKER_EINVAL;
    snprintf (self->keys.server_key, sizeof self->keys.server_key, "%s", server_key);
    snprintf (self->keys.public_key, sizeof self->keys.public_key, "%s", public_key);
    snprintf (self->keys.secret_key, sizeof self->keys.secret_key, "%s", secret_key);
    return s_open (self) == 0 ? 0 : HL_WORKER_ESYS;
}

void
hl_worker_set_timeouts (hl_worker_t *self, int deadline_ms, int resend_ms)
{
    if (deadline_ms > 0)
        self->deadline_ms = deadline_ms;
    if (resend_ms > 0)
        self->resend_ms = resend_ms;
}

const char *
hl_worker_error_code (const hl_worker_t *self)
{
    return self->error_code;
}

const char *
hl_worker_error (const hl_worker_t *self)
{
    return self->error;
}

unsigned
hl_worker_sessions (const hl_worker_t *self)
{
    return self->sessions;
}

int
hl_worker_connected (const hl_worker_t *self)
{
    return self->phase == S_WELCOMED;
}

const char *
hl_worker_unit_name (const hl_worker_t *self)
{
    return self->unit_name;
}

int
hl_worker_heartbeat_ms (const hl_worker_t *self)
{
    return self->heartbeat_ms;
}

int
hl_worker_callback_allowed (const hl_worker_t *self)
{
    return self->callback_allowed;
}

const char *
hl_worker_unit (const hl_worker_t *self)
{
    return self->unit;
}

//  ---------------------------------------------------------------------
//  Ticket and list accessors

const char *
hl_worker_ticket_number (const hl_worker_ticket_t *self)
{
    return self->view->ticket ? self->view->ticket : "";
}

int
hl_worker_ticket_role (const hl_worker_ticket_t *self)
{
    return self->role;
}

int
hl_worker_ticket_redelivery (const hl_worker_ticket_t *self)
{
    return self->redelivery;
}

const char *
hl_worker_ticket_state (const hl_worker_ticket_t *self)
{
    return hl_wire_state_name (self->view->state) ?: "";
}

const char *
hl_worker_ticket_request_type (const hl_worker_ticket_t *self)
{
    const Hotline__Complaint *c = self->view->complaint;
    return (c ? hl_wire_request_type_name (c->request_type) : NULL) ?: "";
}

const char *
hl_worker_ticket_category (const hl_worker_ticket_t *self)
{
    return self->category;
}

const char *
hl_worker_ticket_area (const hl_worker_ticket_t *self)
{
    return self->area;
}

const char *
hl_worker_ticket_content (const hl_worker_ticket_t *self)
{
    return self->content;
}

const char *
hl_worker_ticket_json (hl_worker_ticket_t *self)
{
    if (!self->json.data)
        hl_view_json (&self->json, self->view);
    return self->json.data;
}

const struct Hotline__TicketView *
hl_worker_ticket_view (const hl_worker_ticket_t *self)
{
    return self->view;
}

void
hl_worker_list_destroy (hl_worker_list_t **self_p)
{
    assert (self_p);
    hl_worker_list_t *list = *self_p;
    if (!list)
        return;
    for (size_t i = 0; i < list->n_strings; i++)
        free (list->strings[i]);
    free (list->strings);
    free (list->items);
    hl_wire_free (&list->env);
    hl_buf_free (&list->json);
    free (list);
    *self_p = NULL;
}

size_t
hl_worker_list_size (const hl_worker_list_t *self)
{
    return self->size;
}

const hl_worker_summary_t *
hl_worker_list_item (const hl_worker_list_t *self, size_t index)
{
    return index < self->size ? &self->items[index] : NULL;
}

const char *
hl_worker_list_json (hl_worker_list_t *self)
{
    if (!self->json.data) {
        hl_buf_puts (&self->json, "[");
        for (size_t i = 0; i < self->size; i++) {
            if (i)
                hl_buf_puts (&self->json, ",");
            hl_view_summary_json (&self->json, self->env->ticket_list->tickets[i]);
        }
        hl_buf_puts (&self->json, "]");
    }
    return self->json.data;
}
