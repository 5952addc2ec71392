/*  hl_o311_progress: the citizen's progress page. See hl_o311_progress.h. */
#include "hl_o311_progress.h"
#include "hl_buf.h"
#include "hl_httphead.h"
#include "hl_log.h"
#include "hl_o311_keys.h"
#include "hl_o311_time.h"
#include "hl_o311_view.h"
#include "hl_redis.h"
#include "hl_secret.h"
#include "hl_text.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PHONE_MAX 24

struct hl_o311_progress {
    hl_o311_link_t *link;
    const hl_catalogue_t *catalogue;
    int timeout_ms;
    hl_o311_bucket_t bucket;
};

typedef struct {
    hl_o311_progress_t *self;
    hl_httpd_req_t *req;
    char phone[S_PHONE_MAX];     //  digits only
} s_lookup_t;

hl_o311_progress_t *
hl_o311_progress_new (hl_o311_link_t *link, const hl_catalogue_t *catalogue, int timeout_ms,
                      double per_minute)
{
    hl_o311_progress_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->link = link;
    self->catalogue = catalogue;
    self->timeout_ms = timeout_ms;
    hl_o311_bucket_init (&self->bucket, per_minute, per_minute / 6 > 1 ? per_minute / 6 : 1);
    return self;
}

void
hl_o311_progress_destroy (hl_o311_progress_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

static void
s_refuse (hl_httpd_req_t *req, int status, const char *code, const char *message)
{
    hl_httpd_reply_error (req, status, code, message);
}

//  The digits of a phone number, without a leading 86 (+86 / 0086 are
//  the country code of a mainland number). 0, or -1 if it is no number.
static int
s_digits (const char *phone, size_t len, char out[S_PHONE_MAX])
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = phone[i];
        if (c >= '0' && c <= '9') {
            if (n + 1 >= S_PHONE_MAX)
                return -1;
            out[n++] = c;
        }
        else
        if (!strchr ("+- ()", c))
            return -1;
    }
    out[n] = '\0';
    const char *p = out;
    if (n == 15 && strncmp (p, "0086", 4) == 0)
        p += 4;
    else
    if (n == 13 && strncmp (p, "86", 2) == 0)
        p += 2;
    memmove (out, p, strlen (p) + 1);
    return strlen (out) >= 5 ? 0 : -1;
}

static void
s_json_time (hl_buf_t *b, const char *key, int64_t ms)
{
    char text[HL_O311_TIME_LEN];
    if (ms > 0)
        hl_json_kv_str (b, key, hl_o311_time_format (ms, text), HL_O311_TIME_LEN - 1, 0);
}

static int64_t
s_reply_due (const Hotline__TicketView *t)
{
    for (size_t i = 0; i < t->n_deadlines; i++)
        if (t->deadlines[i]->milestone && strcmp (t->deadlines[i]->milestone, "reply") == 0)
            return (int64_t) t->deadlines[i]->due_ms;
    return 0;
}

//  The answer for the caller: what they may know of their ticket.
static void
s_render (hl_buf_t *b, const Hotline__TicketView *t, const hl_catalogue_t *catalogue)
{
    hl_buf_puts (b, "{");
    hl_json_kv_str (b, "ticket", t->ticket, strlen (t->ticket), 1);
    const char *state = hl_wire_state_name (t->state);
    const char *label = hl_wire_state_label (t->state);
    const char *status = hl_o311_view_status (t->state);
    hl_json_kv_str (b, "state", state ? state : "", state ? strlen (state) : 0, 0);
    hl_json_kv_str (b, "state_label", label ? label : "", label ? strlen (label) : 0, 0);
    hl_json_kv_str (b, "status", status ? status : "", status ? strlen (status) : 0, 0);
    const char *unit = t->unit.len && catalogue
                     ? hl_catalogue_unit_name (catalogue, (const char *) t->unit.data, t->unit.len)
                     : NULL;
    if (unit)
        hl_json_kv_str (b, "unit", unit, strlen (unit), 0);
    else
    if (t->unit.len)
        hl_json_kv_str (b, "unit", t->unit.data, t->unit.len, 0);
    s_json_time (b, "created", (int64_t) t->created_ms);
    s_json_time (b, "promised", s_reply_due (t));
    if (t->reply.len)
        hl_json_kv_str (b, "reply", t->reply.data, t->reply.len, 0);
    if (t->parent.len)
        hl_json_kv_str (b, "merged_into", t->parent.data, t->parent.len, 0);
    int64_t updated = (int64_t) t->created_ms;
    for (size_t i = 0; i < t->n_history; i++)
        if ((int64_t) t->history[i]->at_ms > updated)
            updated = (int64_t) t->history[i]->at_ms;
    s_json_time (b, "updated", updated);
    hl_buf_puts (b, "}");
}

//  Whether the ticket's number STORED[0..LEN) is GIVEN (digits). A gateway
//  that reads hotlined under a channel key sees the number masked
//  (138****5678): then the given number, masked the same way (with and
//  without +86), must match it.
static int
s_same_phone (const char *stored, size_t len, const char *given)
{
    char theirs[S_PHONE_MAX] = "";
    if (len == 0 || len >= S_PHONE_MAX)
        return 0;
    if (!memchr (stored, '*', len))
        return s_digits (stored, len, theirs) == 0 && hl_secret_equal (theirs, given);
    char exact[S_PHONE_MAX], masked[S_PHONE_MAX], plus[S_PHONE_MAX + 4];
    snprintf (exact, sizeof exact, "%.*s", (int) len, stored);
    snprintf (plus, sizeof plus, "+86%s", given);
    hl_log_mask_phone (given, strlen (given), masked, sizeof masked);
    int match = hl_secret_equal (exact, masked);
    hl_log_mask_phone (plus, strlen (plus), masked, sizeof masked);
    return match | hl_secret_equal (exact, masked);
}

static void
s_on_view (const Hotline__Envelope *reply, const char *error, void *arg)
{
    (void) error;
    s_lookup_t *l = arg;
    const Hotline__TicketView *t = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW
                                 ? reply->ticket_view : NULL;
    int match = t && t->complaint
             && s_same_phone ((const char *) t->complaint->caller_phone.data,
                              t->complaint->caller_phone.len, l->phone);
    if (match) {
        hl_buf_t b = HL_BUF_INIT;
        s_render (&b, t, l->self->catalogue);
        hl_httpd_reply (l->req, 200, "application/json; charset=utf-8", b.data, b.len);
        hl_buf_free (&b);
    }
    else
    if (!reply || (reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
                   && reply->nack->code != HOTLINE__ERROR_CODE__ERROR_NOT_FOUND
                   && reply->nack->code != HOTLINE__ERROR_CODE__ERROR_BAD_VALUE))
        s_refuse (l->req, 503, "unavailable", "查询暂时无法完成，请稍后再试");
    else
        s_refuse (l->req, 404, "not_found", "工单号或手机号码不正确，请核对后再试");
    free (l);
}

static void
s_lookup (hl_o311_progress_t *self, hl_httpd_req_t *req)
{
    size_t len;
    const char *body = hl_httpd_req_body (req, &len);
    char ticket[40] = "", phone[40] = "", name[16], value[40];
    size_t pos = 0;
    int rc;
    while ((rc = hl_http_form_next (body, len, &pos, name, sizeof name, value, sizeof value)) != 0)
        if (rc > 0 && strcmp (name, "ticket") == 0)
            snprintf (ticket, sizeof ticket, "%s", value);
        else
        if (rc > 0 && strcmp (name, "phone") == 0)
            snprintf (phone, sizeof phone, "%s", value);
    s_lookup_t *l = calloc (1, sizeof *l);
    if (!l)
        abort ();
    if (!hl_text_is_code (ticket, strlen (ticket), 31)
        || s_digits (phone, strlen (phone), l->phone) != 0) {
        free (l);
        s_refuse (req, 400, "bad_value", "请填写工单号和受理时登记的手机号码");
        return;
    }
    if (!hl_o311_bucket_take (&self->bucket, hl_monotonic_us (), NULL)) {
        free (l);
        hl_httpd_add_header (req, "Retry-After", "10");
        s_refuse (req, 429, "busy", "查询的人较多，请稍后再试");
        return;
    }
    l->self = self;
    l->req = req;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (ticket);
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    env.ticket_query = &q;
    hl_o311_link_request (self->link, &env, self->timeout_ms, s_on_view, l);
}

int
hl_o311_progress_serve (hl_o311_progress_t *self, hl_httpd_req_t *req)
{
    const char *path = hl_httpd_req_path (req);
    const char *method = hl_httpd_req_method (req);
    if (strcmp (path, "/progress") == 0 || strcmp (path, "/progress/") == 0) {
        if (strcmp (method, "GET") != 0)
            s_refuse (req, 405, "method", "GET the page");
        else
            hl_httpd_reply (req, 200, "text/html; charset=utf-8", hl_o311_progress_page,
                            hl_o311_progress_page_len);
        return 1;
    }
    if (strcmp (path, "/progress/lookup") == 0) {
        if (strcmp (method, "POST") != 0)
            s_refuse (req, 405, "method", "POST ticket and phone");
        else
            s_lookup (self, req);
        return 1;
    }
    return 0;
}
