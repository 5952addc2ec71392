/*  hl_o311_visit: the caller's online 回访. See hl_o311_visit.h. */
#include "hl_o311_visit.h"
#include "hl_buf.h"
#include "hl_httphead.h"
#include "hl_log.h"
#include "hl_o311_keys.h"
#include "hl_redis.h"
#include "hl_text.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COMMENT_CHARS 500
#define S_COMMENT_MAX (S_COMMENT_CHARS * 3 + 1)     //  in UTF-8, Chinese takes 3 bytes

struct hl_o311_visit {
    hl_o311_link_t *link;
    int timeout_ms;
    hl_o311_bucket_t bucket;
};

//  One rating, as the form gave it.
typedef struct {
    char ticket[32];
    char token[64];
    char satisfaction[32];
    char resolved[8];
    char comment[S_COMMENT_MAX];
} s_form_t;

hl_o311_visit_t *
hl_o311_visit_new (hl_o311_link_t *link, int timeout_ms, double per_minute)
{
    hl_o311_visit_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->link = link;
    self->timeout_ms = timeout_ms;
    hl_o311_bucket_init (&self->bucket, per_minute, per_minute / 6 > 1 ? per_minute / 6 : 1);
    return self;
}

void
hl_o311_visit_destroy (hl_o311_visit_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

//  The stored rating, for the page: the ticket and the state it is in now.
static void
s_reply_done (hl_httpd_req_t *req, const Hotline__TransitionDone *d)
{
    const char *ticket = d->ticket ? d->ticket : "";
    const char *state = hl_wire_state_name (d->to_state);
    const char *label = hl_wire_state_label (d->to_state);
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_puts (&b, "{");
    hl_json_kv_str (&b, "ticket", ticket, strlen (ticket), 1);
    hl_json_kv_str (&b, "state", state ? state : "", state ? strlen (state) : 0, 0);
    hl_json_kv_str (&b, "state_label", label ? label : "", label ? strlen (label) : 0, 0);
    hl_buf_puts (&b, "}");
    hl_info ("open311: online visit of %s stored%s", ticket,
             d->duplicate ? " (repeated request)" : "");
    hl_httpd_reply (req, 200, "application/json; charset=utf-8", b.data, b.len);
    hl_buf_free (&b);
}

//  hotlined's answer, for the caller: the rating is stored, or why not.
//  A forged link and an unknown ticket read the same.
static void
s_on_rated (const Hotline__Envelope *reply, const char *error, void *arg)
{
    (void) error;
    hl_httpd_req_t *req = arg;
    int code = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK ? reply->nack->code : 0;
    if (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE)
        s_reply_done (req, reply->transition_done);
    else
    if (code == HOTLINE__ERROR_CODE__ERROR_FORBIDDEN
        || code == HOTLINE__ERROR_CODE__ERROR_NOT_FOUND)
        hl_httpd_reply_error (req, 403, "forbidden", "评价链接无效，请使用短信中的完整链接");
    else
    if (code == HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION)
        hl_httpd_reply_error (req, 409, "used", "该工单已经评价过了，每个评价链接只能使用一次");
    else
    if (code == HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED)
        hl_httpd_reply_error (req, 503, "unsupported", "暂不能在网上评价，请等候 12345 回访电话");
    else
    if (code && !reply->nack->retryable)
        hl_httpd_reply_error (req, 400, "bad_value", "评价内容有误，请检查后再提交");
    else
        hl_httpd_reply_error (req, 503, "unavailable", "提交暂时无法完成，请稍后再试");
}

//  The form's fields; -1 if one is badly encoded or too long.
static int
s_read_form (hl_httpd_req_t *req, s_form_t *f)
{
    size_t len, pos = 0;
    const char *body = hl_httpd_req_body (req, &len);
    char name[16], value[S_COMMENT_MAX];
    int rc;
    while ((rc = hl_http_form_next (body, len, &pos, name, sizeof name, value, sizeof value)) != 0) {
        struct { const char *name; char *out; size_t size; } fields[] = {
            { "ticket", f->ticket, sizeof f->ticket }, { "token", f->token, sizeof f->token },
            { "satisfaction", f->satisfaction, sizeof f->satisfaction },
            { "resolved", f->resolved, sizeof f->resolved },
            { "comment", f->comment, sizeof f->comment }
        };
        for (size_t i = 0; rc > 0 && i < sizeof fields / sizeof fields[0]; i++)
            if (strcmp (name, fields[i].name) == 0 && strlen (value) >= fields[i].size)
                rc = -1;
            else
            if (strcmp (name, fields[i].name) == 0)
                snprintf (fields[i].out, fields[i].size, "%s", value);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static void
s_rate (hl_o311_visit_t *self, hl_httpd_req_t *req)
{
    s_form_t f = { 0 };
    int satisfaction = -1;
    size_t chars = 0;
    if (s_read_form (req, &f) == 0)
        satisfaction = hl_wire_satisfaction_parse (f.satisfaction);
    if (satisfaction <= 0 || !hl_text_is_code (f.ticket, strlen (f.ticket), 31)
        || !hl_text_is_code (f.token, strlen (f.token), sizeof f.token - 1)
        || hl_text_check (f.comment, strlen (f.comment), HL_TEXT_MULTILINE, &chars) != HL_TEXT_OK
        || chars > S_COMMENT_CHARS) {
        hl_httpd_reply_error (req, 400, "bad_value",
                              "请选择满意、基本满意或不满意；意见不超过 500 字");
        return;
    }
    if (!hl_o311_bucket_take (&self->bucket, hl_monotonic_us (), NULL)) {
        hl_httpd_add_header (req, "Retry-After", "10");
        hl_httpd_reply_error (req, 429, "busy", "提交的人较多，请稍后再试");
        return;
    }
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = t.has_action = t.has_satisfaction = t.has_via = t.has_visit_token = 1;
    t.ticket = hl_wire_bytes (f.ticket);
    t.action = HOTLINE__ACTION__ACTION_VISIT;
    t.satisfaction = (Hotline__Satisfaction) satisfaction;
    t.via = HOTLINE__VIA__VIA_WEB;
    t.visit_token = hl_wire_bytes (f.token);
    t.has_resolved = 1;
    t.resolved = strcmp (f.resolved, "yes") == 0;
    t.has_note = f.comment[0] != 0;
    t.note = hl_wire_bytes (f.comment);
    env.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env.transition = &t;
    hl_o311_link_request (self->link, &env, self->timeout_ms, s_on_rated, req);
}

int
hl_o311_visit_serve (hl_o311_visit_t *self, hl_httpd_req_t *req)
{
    const char *path = hl_httpd_req_path (req);
    const char *method = hl_httpd_req_method (req);
    if (strcmp (path, "/visit") == 0 || strcmp (path, "/visit/") == 0) {
        if (strcmp (method, "GET") != 0)
            hl_httpd_reply_error (req, 405, "method", "GET the page");
        else
            hl_httpd_reply (req, 200, "text/html; charset=utf-8", hl_o311_visit_page,
                            hl_o311_visit_page_len);
        return 1;
    }
    if (strcmp (path, "/visit/rate") == 0) {
        if (strcmp (method, "POST") != 0)
            hl_httpd_reply_error (req, 405, "method", "POST ticket, token and satisfaction");
        else
            s_rate (self, req);
        return 1;
    }
    return 0;
}
