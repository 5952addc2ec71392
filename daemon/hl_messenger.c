/*  hl_messenger: callers' messages to the notification adaptor. See
 *  hl_messenger.h. */
#include "hl_messenger.h"
#include "hl_backoff.h"
#include "hl_buf.h"
#include "hl_log.h"
#include "hl_redis.h"
#include "hl_text.h"
#include "hl_wire.h"
#include "hl_zap.h"
#include "hl_zsock.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  An adaptor not heard from for this long is gone.
#define S_GONE_US 3000000
//  How often offers waiting for an answer are looked at.
#define S_TICK_MS 200
//  The unit's answer is shortened to this many characters in a message.
#define S_REPLY_CHARS 60
//  Longest message id: a ticket number, '.', a stream entry id.
#define S_ID_MAX 96

typedef enum { S_READING, S_SENT } s_phase_t;

//  One offer: its ticket being read, then its record with the adaptor.
typedef struct s_offer {
    hl_messenger_t *owner;       //  NULL once the messenger is gone (orphan)
    struct s_offer *next;
    s_phase_t phase;
    hl_msgtpl_event_t event;
    char id[S_ID_MAX];
    char ticket[HL_STORE_TICKET_MAX];
    hl_buf_t record;             //  the JSON sent
    int64_t due_us;              //  sent: answered -1 if not confirmed by then
    hl_messenger_done_fn *done;
    void *arg;
} s_offer_t;

struct hl_messenger {
    hl_store_t *store;
    hl_msgtpl_t *templates;
    const hl_visitlink_t *visitlink;
    hl_messenger_opts_t opts;
    int curve;
    hl_zsock_t *zsock;
    struct event *tick;
    uint8_t adaptor[256];        //  the adaptor's routing id
    size_t adaptor_len;          //  0: none heard yet
    int64_t heard_us;
    hl_backoff_t backoff;
    int64_t pause_until_us;      //  after a failure, no offers taken before
    s_offer_t *offers;
    hl_messenger_stats_t stats;
    hl_log_limit_t failed_log;   //  an adaptor failing every message logs a line a second
    hl_log_limit_t bad_log;      //  the same for what it sends that is no answer
};

void
hl_messenger_opts_default (hl_messenger_opts_t *opts)
{
    assert (opts);
    *opts = (hl_messenger_opts_t) { .confirm_ms = 5000, .backoff_min_ms = 500,
                                    .backoff_max_ms = 30000 };
}

//  Which message outbox entry KIND (to STATE) means, or -1 for none:
//  a ticket taken and still to be handled (not one answered or closed at
//  intake), a unit's reply, a 回访 that did not reach the caller while
//  the ticket still waits for a rating.
static int
s_event_of (const char *kind, const char *state)
{
    int open = strcmp (state, "to_dispatch") == 0 || strcmp (state, "dispatched") == 0;
    if (strcmp (kind, "intake") == 0 && open)
        return HL_MSGTPL_ACCEPTANCE;
    if (strcmp (kind, "reply") == 0)
        return HL_MSGTPL_REPLY;
    if (strcmp (kind, "visit_unreachable") == 0 && strcmp (state, "replied") == 0)
        return HL_MSGTPL_VISIT;
    return -1;
}

//  O answered: STATUS to its owner, and O forgotten. A failure starts a
//  pause, one step longer than the last (the failures of one batch, which
//  come together, count as one).
static void
s_settle (s_offer_t *o, int status)
{
    hl_messenger_t *self = o->owner;
    if (self) {
        for (s_offer_t **p = &self->offers; *p; p = &(*p)->next)
            if (*p == o) {
                *p = o->next;
                break;
            }
        int64_t now = hl_monotonic_us ();
        if (status != 0 && now >= self->pause_until_us) {
            struct timeval tv;
            hl_backoff_next (&self->backoff, &tv);
            self->pause_until_us = now + tv.tv_sec * 1000000 + tv.tv_usec;
        }
        self->stats.failed += status != 0;
    }
    hl_messenger_done_fn *done = o->done;
    void *arg = o->arg;
    hl_buf_free (&o->record);
    free (o);
    done (status, arg);
}

static int
s_adaptor_up (const hl_messenger_t *self)
{
    return self->adaptor_len > 0 && hl_monotonic_us () - self->heard_us < S_GONE_US;
}

//  O's record to the adaptor (again, to one that came back).
static void
s_send (hl_messenger_t *self, s_offer_t *o)
{
    static const char verb[] = "message";
    const void *parts[] = { self->adaptor, verb, o->id, o->record.data };
    size_t lens[] = { self->adaptor_len, sizeof verb - 1, strlen (o->id), o->record.len };
    o->phase = S_SENT;
    o->due_us = hl_monotonic_us () + (int64_t) self->opts.confirm_ms * 1000;
    if (hl_zsock_send (self->zsock, parts, lens, 4) != 0)
        hl_debug ("notify: %s not handed over; offered again later", o->id);
}

//  The unit's answer REPLY, shortened to S_REPLY_CHARS characters on one
//  line, appended to OUT.
static void
s_summary (const ProtobufCBinaryData *reply, hl_buf_t *out)
{
    size_t at = 0, chars = 0;
    while (at < reply->len && chars < S_REPLY_CHARS) {
        uint32_t cp;
        size_t n = hl_text_decode (reply->data + at, reply->len - at, &cp);
        if (n == 0)
            break;
        if (cp == '\n' || cp == '\r' || cp == '\t')
            hl_buf_puts (out, " ");
        else
            hl_buf_append (out, reply->data + at, n);
        at += n;
        chars++;
    }
    if (at < reply->len)
        hl_buf_puts (out, "…");
}

//  O's record from its ticket VIEW: 0, or -1 if the caller gets no
//  message (anonymous, no number, no link to send).
static int
s_render (hl_messenger_t *self, s_offer_t *o, const Hotline__TicketView *view)
{
    const Hotline__Complaint *c = view->complaint;
    if (!c || c->anonymous || !c->has_caller_phone || c->caller_phone.len == 0)
        return -1;
    char link[HL_VISITLINK_MAX] = "";
    if (o->event != HL_MSGTPL_ACCEPTANCE && self->visitlink
        && hl_visitlink_link (self->visitlink, view, link) != 0)
        *link = 0;
    if (o->event == HL_MSGTPL_VISIT && !*link)
        return -1;               //  nothing to ask for without the link
    hl_buf_t reply = HL_BUF_INIT, text = HL_BUF_INIT;
    hl_buf_puts (&reply, "");
    if (view->has_reply)
        s_summary (&view->reply, &reply);
    hl_msgtpl_vars_t vars = { o->ticket, reply.data, link };
    hl_msgtpl_render (self->templates, o->event, &vars, &text);
    const char *name = hl_msgtpl_event_name (o->event);
    hl_buf_t *r = &o->record;
    hl_buf_puts (r, "{");
    hl_json_kv_str (r, "id", o->id, strlen (o->id), 1);
    hl_json_kv_str (r, "ticket", o->ticket, strlen (o->ticket), 0);
    hl_json_kv_str (r, "event", name, strlen (name), 0);
    hl_json_kv_str (r, "template", name, strlen (name), 0);
    const char *channel = c->channel == HOTLINE__CHANNEL__CHANNEL_APP ? "app" : "sms";
    hl_json_kv_str (r, "channel", channel, strlen (channel), 0);
    hl_json_kv_str (r, "to", c->caller_phone.data, c->caller_phone.len, 0);
    hl_json_kv_str (r, "text", text.data, text.len, 0);
    hl_buf_puts (r, "}");
    hl_buf_free (&reply);
    hl_buf_free (&text);
    return 0;
}

static void
s_on_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_offer_t *o = arg;
    hl_messenger_t *self = o->owner;
    if (!self || error) {
        s_settle (o, -1);
        return;
    }
    if (!view || s_render (self, o, view) != 0) {
        //  The ticket is gone, or its caller gets no messages.
        self->stats.skipped++;
        s_settle (o, 0);
        return;
    }
    if (!s_adaptor_up (self)) {
        s_settle (o, -1);
        return;
    }
    s_send (self, o);
}

//  The offer waiting for ID's answer, or NULL.
static s_offer_t *
s_offer_of (hl_messenger_t *self, const zmq_msg_t *id)
{
    for (s_offer_t *o = self->offers; o; o = o->next)
        if (o->phase == S_SENT && strlen (o->id) == zmq_msg_size (id)
            && memcmp (o->id, zmq_msg_data ((zmq_msg_t *) id), zmq_msg_size (id)) == 0)
            return o;
    return NULL;
}

//  Whether the sender of FRAME may hear callers' numbers: anyone without
//  CURVE (a test or single-machine setup), else a channel's key for SMS
//  or the app.
static int
s_allowed (const hl_messenger_t *self, zmq_msg_t *frame)
{
    if (!self->curve)
        return 1;
    const char *who = zmq_msg_gets (frame, "User-Id");
    return who && (strcmp (who, "channel:sms") == 0 || strcmp (who, "channel:app") == 0);
}

//  A new adaptor (or one back under a new routing id) gets at once what
//  was sent to the one before and is not yet confirmed.
static void
s_on_hello (hl_messenger_t *self, const zmq_msg_t *rid)
{
    size_t len = zmq_msg_size (rid);
    int changed = len != self->adaptor_len
                  || memcmp (self->adaptor, zmq_msg_data ((zmq_msg_t *) rid), len) != 0;
    self->heard_us = hl_monotonic_us ();
    if (!changed)
        return;
    memcpy (self->adaptor, zmq_msg_data ((zmq_msg_t *) rid), len);
    self->adaptor_len = len;
    hl_info ("notify: an adaptor connected");
    for (s_offer_t *o = self->offers; o; o = o->next)
        if (o->phase == S_SENT)
            s_send (self, o);
}

//  What an adaptor sent that is no answer gets one back, `error
//  bad_request WHY`, and is otherwise dropped: it confirms nothing.
static void
s_refuse (hl_messenger_t *self, const zmq_msg_t *rid, const char *why)
{
    static const char verb[] = "error", code[] = "bad_request";
    const void *parts[] = { zmq_msg_data ((zmq_msg_t *) rid), verb, code, why };
    size_t lens[] = { zmq_msg_size (rid), sizeof verb - 1, sizeof code - 1, strlen (why) };
    hl_zsock_send (self->zsock, parts, lens, 4);
    hl_log_limited (&self->bad_log, 1000, HL_LOG_WARNING, "notify: adaptor message refused: %s",
                    why);
}

//  The adaptor's reason, as a log may carry it: at most 200 bytes, control
//  characters (a forged log line) as '?'.
static void
s_reason (const zmq_msg_t *frame, char *out, size_t len)
{
    size_t n = frame ? zmq_msg_size (frame) : 0;
    if (n > len - 1)
        n = len - 1;
    const unsigned char *p = frame ? zmq_msg_data ((zmq_msg_t *) frame) : NULL;
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] < 0x20 || p[i] == 0x7f ? '?' : (char) p[i];
    out[n] = 0;
}

static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t nframes, int truncated, void *arg)
{
    (void) zsock;
    hl_messenger_t *self = arg;
    if (truncated || nframes < 2 || zmq_msg_size (&frames[0]) > sizeof self->adaptor
        || !s_allowed (self, &frames[1]))
        return;
    const char *verb = zmq_msg_data (&frames[1]);
    size_t len = zmq_msg_size (&frames[1]);
    if (len == 5 && memcmp (verb, "hello", 5) == 0) {
        s_on_hello (self, &frames[0]);
        return;
    }
    int done = len == 4 && memcmp (verb, "done", 4) == 0;
    int failed = len == 6 && memcmp (verb, "failed", 6) == 0;
    if (!done && !failed) {
        s_refuse (self, &frames[0], "expected hello, done ID or failed ID REASON");
        return;
    }
    if (nframes < 3) {
        s_refuse (self, &frames[0], done ? "done without a message id" : "failed without a message id");
        return;
    }
    self->heard_us = hl_monotonic_us ();
    s_offer_t *o = s_offer_of (self, &frames[2]);
    if (!o)
        return;                  //  an answer that came too late: it was offered again
    if (done) {
        hl_backoff_reset (&self->backoff);
        self->stats.confirmed++;
        s_settle (o, 0);
        return;
    }
    char why[201];
    s_reason (nframes >= 4 ? &frames[3] : NULL, why, sizeof why);
    hl_log_limited (&self->failed_log, 1000, HL_LOG_WARNING,
                    "notify: the adaptor could not send %s: %s", o->id, why);
    s_settle (o, -1);
}

//  Offers the adaptor did not confirm in time are answered -1.
static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_messenger_t *self = arg;
    int64_t now = hl_monotonic_us ();
    for (s_offer_t *o = self->offers, *next; o; o = next) {
        next = o->next;
        if (o->phase == S_SENT && now >= o->due_us)
            s_settle (o, -1);
    }
}

hl_messenger_t *
hl_messenger_new (struct event_base *base, void *zmq_ctx, hl_store_t *store,
                  hl_msgtpl_t *templates, const hl_visitlink_t *visitlink,
                  const hl_messenger_opts_t *opts, char *err, size_t errlen)
{
    assert (base && zmq_ctx && store && templates && opts && opts->endpoint);
    void *router = hl_zsock_router (zmq_ctx, &opts->endpoint, 1, 1 << 16,
                                    opts->curve_key_file, HL_ZAP_STAFF, err, errlen);
    if (!router) {
        hl_msgtpl_destroy (&templates);
        return NULL;
    }
    hl_messenger_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->store = store;
    self->templates = templates;
    self->visitlink = visitlink;
    self->opts = *opts;
    self->curve = opts->curve_key_file && *opts->curve_key_file;
    hl_backoff_init (&self->backoff, opts->backoff_min_ms, opts->backoff_max_ms);
    self->zsock = hl_zsock_new (base, router, s_on_message, self);
    self->tick = event_new (base, -1, EV_PERSIST, s_on_tick, self);
    if (!self->zsock || !self->tick)
        abort ();
    struct timeval tv = { 0, S_TICK_MS * 1000 };
    event_add (self->tick, &tv);
    return self;
}

void
hl_messenger_destroy (hl_messenger_t **self_p)
{
    assert (self_p);
    hl_messenger_t *self = *self_p;
    if (!self)
        return;
    //  Offers with the store are answered when it answers (orphans); the
    //  others now.
    for (s_offer_t *o = self->offers, *next; o; o = next) {
        next = o->next;
        o->owner = NULL;
        if (o->phase == S_SENT)
            s_settle (o, -1);
    }
    event_free (self->tick);
    hl_zsock_destroy (&self->zsock, 0);
    hl_msgtpl_destroy (&self->templates);
    free (self);
    *self_p = NULL;
}

int
hl_messenger_ready (const hl_messenger_t *self)
{
    assert (self);
    return s_adaptor_up (self) && hl_monotonic_us () >= self->pause_until_us;
}

int
hl_messenger_offer (hl_messenger_t *self, const char *entry_id, const char *ticket,
                    const char *kind, const char *state, hl_messenger_done_fn *fn, void *arg)
{
    assert (self && entry_id && ticket && kind && state && fn);
    int event = s_event_of (kind, state);
    if (event < 0)
        return 1;
    if (!hl_messenger_ready (self) || strlen (ticket) >= HL_STORE_TICKET_MAX)
        return -1;
    s_offer_t *o = calloc (1, sizeof *o);
    if (!o)
        abort ();
    *o = (s_offer_t) { .owner = self, .next = self->offers, .phase = S_READING,
                       .event = (hl_msgtpl_event_t) event, .done = fn, .arg = arg };
    snprintf (o->id, sizeof o->id, "%s.%s", ticket, entry_id);
    snprintf (o->ticket, sizeof o->ticket, "%s", ticket);
    if (hl_store_ticket_get (self->store, ticket, s_on_view, o) != 0) {
        free (o);
        return -1;
    }
    self->offers = o;
    return 0;
}

void
hl_messenger_stats (const hl_messenger_t *self, hl_messenger_stats_t *stats)
{
    assert (self && stats);
    *stats = self->stats;
    stats->waiting = 0;
    for (const s_offer_t *o = self->offers; o; o = o->next)
        stats->waiting++;
}
