/*  hl_archrow: a ticket as the archive's rows. See hl_archrow.h. */
#include "hl_archrow.h"
#include "hl_complaint.h"
#include "hl_lifecycle.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

//  The moments the history tells, in ms (0: not yet).
typedef struct {
    int64_t dispatched, sign, contact, reply, visit, closed;
} s_moments_t;

void
hl_archrow_time (char out[32], int64_t ms)
{
    time_t s = (time_t) (ms / 1000);
    struct tm tm;
    gmtime_r (&s, &tm);
    char day[24];
    strftime (day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out, 32, "%s.%03dZ", day, (int) (ms % 1000));
}

static int
s_is (ProtobufCBinaryData action, const char *name)
{
    size_t n = strlen (name);
    return action.len == n && memcmp (action.data, name, n) == 0;
}

//  Walks V's history once, oldest first: the first dispatch, sign and
//  contact, the latest reply and 回访, and when the ticket reached the
//  closed state it is in (none while open).
static s_moments_t
s_moments (const Hotline__TicketView *v)
{
    s_moments_t m = { 0 };
    for (size_t i = 0; i < v->n_history; i++) {
        const Hotline__HistoryEntry *e = v->history[i];
        int64_t at = (int64_t) e->at_ms;
        if (!m.dispatched && e->to_state == HOTLINE__STATE__STATE_DISPATCHED)
            m.dispatched = at;
        if (!m.sign && s_is (e->action, "sign"))
            m.sign = at;
        if (!m.contact && (s_is (e->action, "progress") || s_is (e->action, "reply")))
            m.contact = at;
        if (s_is (e->action, "reply"))
            m.reply = at;
        if (s_is (e->action, "visit"))
            m.visit = at;
        if (e->to_state == (Hotline__State) v->state && e->from_state != e->to_state)
            m.closed = at;
    }
    if (hl_lifecycle_is_open (v->state))
        m.closed = 0;
    return m;
}

static void
s_kv_time (hl_buf_t *out, const char *key, int64_t ms)
{
    hl_json_key (out, key, 0);
    if (ms > 0) {
        char t[32];
        hl_archrow_time (t, ms);
        hl_json_str (out, t, strlen (t));
    }
    else
        hl_buf_puts (out, "null");
}

static void
s_kv_bytes (hl_buf_t *out, const char *key, ProtobufCBinaryData b)
{
    hl_json_key (out, key, 0);
    if (b.len)
        hl_json_str (out, b.data, b.len);
    else
        hl_buf_puts (out, "null");
}

//  DATA as PostgreSQL's bytea text: "\x" and two hex digits a byte.
static void
s_kv_bytea (hl_buf_t *out, const char *key, const void *data, size_t len)
{
    hl_json_key (out, key, 0);
    if (!len) {
        hl_buf_puts (out, "null");
        return;
    }
    hl_buf_puts (out, "\"\\\\x");
    for (size_t i = 0; i < len; i++)
        hl_buf_printf (out, "%02x", ((const unsigned char *) data)[i]);
    hl_buf_puts (out, "\"");
}

//  The due moment of milestone NAME, 0 if the view has none.
static int64_t
s_due (const Hotline__TicketView *v, const char *name)
{
    for (size_t i = 0; i < v->n_deadlines; i++)
        if (v->deadlines[i]->milestone && strcmp (v->deadlines[i]->milestone, name) == 0)
            return (int64_t) v->deadlines[i]->due_ms;
    return 0;
}

//  The caller's columns: the keyed hash of the number (as hex of the
//  index name Redis uses) and the number and name sealed.
static void
s_caller (hl_buf_t *out, const Hotline__Complaint *c, const hl_pii_t *pii)
{
    char phone[HL_COMPLAINT_PHONE_MAX + 1] = "";
    if (pii && c && c->caller_phone.len
        && hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone) > 0) {
        char index[HL_PII_INDEX_MAX];
        hl_pii_index (pii, phone, index);
        s_kv_bytea (out, "caller_hash", index, strlen (index));
        hl_buf_t sealed = HL_BUF_INIT;
        hl_pii_seal (pii, phone, strlen (phone), &sealed);
        s_kv_bytea (out, "caller_phone_enc", sealed.data, sealed.len);
        hl_buf_free (&sealed);
    }
    if (pii && c && c->caller_name.len) {
        hl_buf_t sealed = HL_BUF_INIT;
        hl_pii_seal (pii, c->caller_name.data, c->caller_name.len, &sealed);
        s_kv_bytea (out, "caller_name_enc", sealed.data, sealed.len);
        hl_buf_free (&sealed);
    }
}

static void
s_ticket (hl_buf_t *out, const Hotline__TicketView *v, const hl_pii_t *pii)
{
    const Hotline__Complaint *c = v->complaint;
    s_moments_t m = s_moments (v);
    char created[32];
    hl_archrow_time (created, (int64_t) v->created_ms);
    hl_buf_puts (out, out->len ? ",{" : "{");
    hl_json_kv_str (out, "number", v->ticket, strlen (v->ticket), 1);
    hl_json_kv_str (out, "created_at", created, strlen (created), 0);
    hl_json_kv_int (out, "version", (int64_t) v->n_history, 0);
    const char *state = hl_wire_state_name (v->state);
    hl_json_kv_str (out, "state", state ? state : "", state ? strlen (state) : 0, 0);
    if (c) {
        const char *type = hl_wire_request_type_label (c->request_type);
        const char *channel = hl_wire_channel_name (c->channel);
        if (type)
            hl_json_kv_str (out, "type", type, strlen (type), 0);
        if (channel)
            hl_json_kv_str (out, "channel", channel, strlen (channel), 0);
        s_kv_bytes (out, "category", c->category);
        s_kv_bytes (out, "area", c->area);
        s_kv_bytes (out, "content", c->content);
    }
    s_kv_bytes (out, "unit", v->has_unit ? v->unit : (ProtobufCBinaryData) { 0, NULL });
    hl_json_key (out, "assist_units", 0);
    hl_buf_puts (out, "[");
    for (size_t i = 0; i < v->n_assist; i++) {
        if (i)
            hl_buf_puts (out, ",");
        hl_json_str (out, v->assist[i].data, v->assist[i].len);
    }
    hl_buf_puts (out, "]");
    s_kv_time (out, "dispatched_at", m.dispatched);
    s_kv_time (out, "closed_at", m.closed);
    s_kv_time (out, "sign_due", s_due (v, "sign"));
    s_kv_time (out, "sign_met", m.sign);
    s_kv_time (out, "contact_due", s_due (v, "contact"));
    s_kv_time (out, "contact_met", m.contact);
    s_kv_time (out, "reply_due", s_due (v, "reply"));
    s_kv_time (out, "reply_met", m.reply);
    s_kv_time (out, "visit_due", s_due (v, "visit"));
    s_kv_time (out, "visit_met", m.visit);
    const char *rating = v->has_satisfaction ? hl_wire_satisfaction_name (v->satisfaction) : NULL;
    hl_json_key (out, "satisfaction", 0);
    if (rating)
        hl_json_str (out, rating, strlen (rating));
    else
        hl_buf_puts (out, "null");
    hl_json_key (out, "resolved", 0);
    hl_buf_puts (out, !v->has_resolved ? "null" : v->resolved ? "true" : "false");
    hl_json_kv_int (out, "reopen_count", v->reopen_count, 0);
    s_caller (out, c, pii);
    hl_buf_puts (out, "}");
}

static void
s_history (hl_buf_t *out, const Hotline__TicketView *v)
{
    char created[32];
    hl_archrow_time (created, (int64_t) v->created_ms);
    for (size_t i = 0; i < v->n_history; i++) {
        const Hotline__HistoryEntry *e = v->history[i];
        char at[32];
        hl_archrow_time (at, (int64_t) e->at_ms);
        const char *from = hl_wire_state_name (e->from_state);
        const char *to = hl_wire_state_name (e->to_state);
        hl_buf_puts (out, out->len ? ",{" : "{");
        hl_json_kv_str (out, "number", v->ticket, strlen (v->ticket), 1);
        hl_json_kv_str (out, "created_at", created, strlen (created), 0);
        hl_json_kv_int (out, "seq", (int64_t) i + 1, 0);
        hl_json_kv_str (out, "at", at, strlen (at), 0);
        hl_json_kv_str (out, "actor", e->actor.data, e->actor.len, 0);
        hl_json_kv_str (out, "action", e->action.data, e->action.len, 0);
        if (from)
            hl_json_kv_str (out, "from_state", from, strlen (from), 0);
        if (to)
            hl_json_kv_str (out, "to_state", to, strlen (to), 0);
        s_kv_bytes (out, "note", e->note);
        hl_buf_puts (out, "}");
    }
}

int
hl_archrow_append (const Hotline__TicketView *v, const hl_pii_t *pii, hl_buf_t *tickets,
                   hl_buf_t *history)
{
    assert (v && tickets && history);
    if (!v->ticket || !*v->ticket || !v->created_ms)
        return -1;
    s_ticket (tickets, v, pii);
    s_history (history, v);
    return 0;
}
