/*  hl_tui_query: one question the screen keeps asking. See hl_tui_query.h. */
#include "hl_tui_query.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TIMEOUT_US 3000000

struct hl_tui_query {
    hl_tui_link_t *link;
    char tag[16];
    Hotline__Envelope__BodyCase answer_case;
    int64_t debounce_us;
    hl_tui_query_state_t state;
    int64_t due_us;             //  when to ask (0: nothing to ask)
    int64_t last_touch_us;      //  last change not yet asked about
    int64_t asked_touch_us;     //  the change the question in flight covers
    int64_t sent_us;
    char rid[HL_TUI_RID_MAX];   //  the question in flight ("" if none)
    Hotline__Envelope *reply;
    char message[160];
    int64_t input_us, rtt_us;
    unsigned long answers;
};

hl_tui_query_t *
hl_tui_query_new (hl_tui_link_t *link, const char *tag, Hotline__Envelope__BodyCase answer,
                  int debounce_ms)
{
    assert (link && tag && strlen (tag) < 16);
    hl_tui_query_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->link = link;
    snprintf (self->tag, sizeof self->tag, "%s", tag);
    self->answer_case = answer;
    self->debounce_us = (int64_t) debounce_ms * 1000;
    return self;
}

void
hl_tui_query_destroy (hl_tui_query_t **self_p)
{
    assert (self_p);
    hl_tui_query_t *self = *self_p;
    if (!self)
        return;
    hl_wire_free (&self->reply);
    free (self);
    *self_p = NULL;
}

void
hl_tui_query_touch (hl_tui_query_t *self, int64_t now_us)
{
    self->due_us = now_us + self->debounce_us;
    if (self->due_us == 0)
        self->due_us = 1;
    self->last_touch_us = now_us;
}

void
hl_tui_query_reset (hl_tui_query_t *self)
{
    hl_wire_free (&self->reply);
    self->state = HL_TUI_QUERY_IDLE;
    self->due_us = self->last_touch_us = 0;
    self->rid[0] = 0;
    self->message[0] = 0;
}

int
hl_tui_query_due (const hl_tui_query_t *self, int64_t now_us)
{
    return self->due_us && now_us >= self->due_us;
}

void
hl_tui_query_send (hl_tui_query_t *self, Hotline__Envelope *req, int64_t now_us)
{
    self->due_us = 0;
    self->asked_touch_us = self->last_touch_us ? self->last_touch_us : now_us;
    self->last_touch_us = 0;
    self->sent_us = now_us;
    if (hl_tui_link_send (self->link, req, self->tag, self->rid) != 0) {
        self->rid[0] = 0;
        self->state = HL_TUI_QUERY_OFFLINE;
        return;
    }
    if (self->state != HL_TUI_QUERY_READY)
        self->state = HL_TUI_QUERY_WAITING;
}

int64_t
hl_tui_query_wake (const hl_tui_query_t *self)
{
    if (self->due_us)
        return self->due_us;
    if (self->rid[0])
        return self->sent_us + S_TIMEOUT_US;
    return 0;
}

int
hl_tui_query_tick (hl_tui_query_t *self, int64_t now_us)
{
    if (self->rid[0] && now_us >= self->sent_us + S_TIMEOUT_US) {
        self->rid[0] = 0;
        self->state = HL_TUI_QUERY_OFFLINE;
        return 1;
    }
    return 0;
}

//  Takes REPLY as the current answer, setting the state from its body.
static void
s_accept (hl_tui_query_t *self, Hotline__Envelope *reply, int64_t now_us)
{
    self->rid[0] = 0;
    self->answers++;
    self->input_us = now_us - self->asked_touch_us;
    self->rtt_us = now_us - self->sent_us;
    if (reply->body_case == HOTLINE__ENVELOPE__BODY_NACK) {
        const Hotline__Nack *n = reply->nack;
        self->state = n->code == HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED
                    ? HL_TUI_QUERY_UNSUPPORTED
                    : n->retryable ? HL_TUI_QUERY_OFFLINE : HL_TUI_QUERY_REFUSED;
        snprintf (self->message, sizeof self->message, "%s", n->message ? n->message : "");
        hl_wire_free (&reply);
        return;
    }
    if (reply->body_case != self->answer_case) {
        self->state = HL_TUI_QUERY_REFUSED;
        snprintf (self->message, sizeof self->message, "unexpected answer");
        hl_wire_free (&reply);
        return;
    }
    hl_wire_free (&self->reply);
    self->reply = reply;
    self->state = HL_TUI_QUERY_READY;
    self->message[0] = 0;
}

int
hl_tui_query_offer (hl_tui_query_t *self, Hotline__Envelope *reply, int64_t now_us)
{
    if (!hl_tui_link_tagged (reply, self->tag))
        return 0;
    if (self->rid[0] && hl_tui_link_answers (reply, self->rid))
        s_accept (self, reply, now_us);
    else
        hl_wire_free (&reply);      //  an answer to a question since replaced
    return 1;
}

hl_tui_query_state_t
hl_tui_query_state (const hl_tui_query_t *self)
{
    return self->state;
}

const Hotline__Envelope *
hl_tui_query_answer (const hl_tui_query_t *self)
{
    return self->state == HL_TUI_QUERY_READY ? self->reply : NULL;
}

const char *
hl_tui_query_message (const hl_tui_query_t *self)
{
    return self->message;
}

int64_t
hl_tui_query_input_us (const hl_tui_query_t *self)
{
    return self->input_us;
}

int64_t
hl_tui_query_rtt_us (const hl_tui_query_t *self)
{
    return self->rtt_us;
}

const char *
hl_tui_query_label (const hl_tui_query_t *self)
{
    switch (self->state) {
        case HL_TUI_QUERY_WAITING:     return "查询中…";
        case HL_TUI_QUERY_UNSUPPORTED: return "暂不可用";
        case HL_TUI_QUERY_OFFLINE:     return "无应答";
        case HL_TUI_QUERY_REFUSED:     return self->message[0] ? self->message : "被拒绝";
        default:                       return "";
    }
}

unsigned long
hl_tui_query_answers (const hl_tui_query_t *self)
{
    return self->answers;
}
