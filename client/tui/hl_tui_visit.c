/*  hl_tui_visit: the follow-up visit. See hl_tui_visit.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_visit.h"
#include "hl_client.h"
#include "hl_tui_pager.h"
#include "hl_tui_tickets.h"
#include "hl_wire.h"

#include <assert.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_ROWS 5

struct hl_tui_visit {
    hl_tui_query_t *list;
    hl_tui_query_t *view;
    hl_tui_pager_t *pager;
    int sel;
    char ticket[40];            //  the selected ticket
    char rid[33];               //  its visit's request id
    int resolved;               //  -1 not asked, 0 no, 1 yes
    int satisfaction;           //  0 not asked, else Hotline__Satisfaction
    unsigned long shown_answers;
};

hl_tui_visit_t *
hl_tui_visit_new (hl_tui_link_t *link)
{
    hl_tui_visit_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->list = hl_tui_query_new (link, "visit", HOTLINE__ENVELOPE__BODY_TICKET_LIST, 0);
    self->view = hl_tui_query_new (link, "vview", HOTLINE__ENVELOPE__BODY_TICKET_VIEW, 0);
    self->pager = hl_tui_pager_new ();
    self->resolved = -1;
    return self;
}

void
hl_tui_visit_destroy (hl_tui_visit_t **self_p)
{
    assert (self_p);
    hl_tui_visit_t *self = *self_p;
    if (!self)
        return;
    hl_tui_query_destroy (&self->list);
    hl_tui_query_destroy (&self->view);
    hl_tui_pager_destroy (&self->pager);
    free (self);
    *self_p = NULL;
}

void
hl_tui_visit_open (hl_tui_visit_t *self, int64_t now_us)
{
    hl_tui_query_touch (self->list, now_us);
}

//  The selected summary, or NULL.
static const Hotline__TicketSummary *
s_selected (const hl_tui_visit_t *self)
{
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->list), &n);
    if (n == 0)
        return NULL;
    return items[self->sel < (int) n ? self->sel : (int) n - 1];
}

//  Follow the selection: a newly selected ticket is fetched in full and
//  gets a fresh verdict and request id.
static void
s_follow (hl_tui_visit_t *self, int64_t now_us)
{
    const Hotline__TicketSummary *s = s_selected (self);
    const char *t = s && s->ticket ? s->ticket : "";
    if (strcmp (t, self->ticket) == 0)
        return;
    snprintf (self->ticket, sizeof self->ticket, "%s", t);
    hl_client_new_request_id (self->rid);
    self->resolved = -1;
    self->satisfaction = 0;
    hl_tui_query_reset (self->view);
    if (*t)
        hl_tui_query_touch (self->view, now_us);
}

int
hl_tui_visit_key (hl_tui_visit_t *self, int is_key, wint_t ch, int64_t now_us)
{
    if (!is_key && ch == 0x1B)
        return HL_TUI_VISIT_LEAVE;
    if (is_key && (ch == KEY_PPAGE || ch == KEY_NPAGE))
        return hl_tui_pager_key (self->pager, is_key, ch);
    size_t n;
    hl_tui_tickets_of (hl_tui_query_answer (self->list), &n);
    if (hl_tui_screen_list_key (&self->sel, (int) n, S_LIST_ROWS, is_key, ch)) {
        s_follow (self, now_us);
        return HL_TUI_VISIT_HANDLED;
    }
    if (is_key ? ch == KEY_ENTER : (ch == L'\r' || ch == L'\n')) {
        if (!*self->ticket)
            return HL_TUI_VISIT_HANDLED;
        return self->resolved >= 0 && self->satisfaction ? HL_TUI_VISIT_SUBMIT
                                                         : HL_TUI_VISIT_INCOMPLETE;
    }
    if (is_key)
        return HL_TUI_VISIT_IGNORED;
    switch (ch) {
        case L'y': case L'Y': self->resolved = 1; return HL_TUI_VISIT_HANDLED;
        case L'n': case L'N': self->resolved = 0; return HL_TUI_VISIT_HANDLED;
        case L'1': self->satisfaction = HOTLINE__SATISFACTION__SATISFIED;
                   return HL_TUI_VISIT_HANDLED;
        case L'2': self->satisfaction = HOTLINE__SATISFACTION__BASICALLY_SATISFIED;
                   return HL_TUI_VISIT_HANDLED;
        case L'3': self->satisfaction = HOTLINE__SATISFACTION__UNSATISFIED;
                   return HL_TUI_VISIT_HANDLED;
        default:   return HL_TUI_VISIT_IGNORED;
    }
}

int
hl_tui_visit_poll (hl_tui_visit_t *self, int64_t now_us)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    if (hl_tui_query_due (self->list, now_us)) {
        Hotline__TicketListQuery q = HOTLINE__TICKET_LIST_QUERY__INIT;
        q.has_state = 1;
        q.state = HOTLINE__STATE__STATE_REPLIED;
        q.has_limit = 1;
        q.limit = 100;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
        env.ticket_list_query = &q;
        hl_tui_query_send (self->list, &env, now_us);
        return 1;
    }
    //  A new list may have moved the selection.
    if (hl_tui_query_state (self->list) == HL_TUI_QUERY_READY)
        s_follow (self, now_us);
    if (hl_tui_query_due (self->view, now_us)) {
        Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
        q.has_ticket = 1;
        q.ticket = hl_wire_bytes (self->ticket);
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
        env.ticket_query = &q;
        hl_tui_query_send (self->view, &env, now_us);
        return 1;
    }
    return 0;
}

hl_tui_query_t *
hl_tui_visit_query (hl_tui_visit_t *self, int i)
{
    assert (i >= 0 && i < HL_TUI_VISIT_QUERIES);
    return i == 0 ? self->list : self->view;
}

int
hl_tui_visit_transition (hl_tui_visit_t *self, Hotline__Transition *t, const char **rid)
{
    if (!*self->ticket || self->resolved < 0 || !self->satisfaction)
        return -1;
    t->has_ticket = 1;
    t->ticket = hl_wire_bytes (self->ticket);
    t->has_action = 1;
    t->action = HOTLINE__ACTION__ACTION_VISIT;
    t->has_resolved = 1;
    t->resolved = self->resolved;
    t->has_satisfaction = 1;
    t->satisfaction = self->satisfaction;
    *rid = self->rid;
    return 0;
}

void
hl_tui_visit_done (hl_tui_visit_t *self, int64_t now_us)
{
    self->ticket[0] = 0;
    hl_tui_query_touch (self->list, now_us);
}

//  The verdict bar: each choice highlighted when taken.
static void
s_draw_verdict (hl_tui_visit_t *self, int y, int x, int w)
{
    static const struct { const char *label; int resolved, satisfaction; } choices[] = {
        { "y 已解决", 1, -1 }, { "n 未解决", 0, -1 },
        { "1 满意", -2, HOTLINE__SATISFACTION__SATISFIED },
        { "2 基本满意", -2, HOTLINE__SATISFACTION__BASICALLY_SATISFIED },
        { "3 不满意", -2, HOTLINE__SATISFACTION__UNSATISFIED },
    };
    int used = hl_tui_screen_str (y, x, w, "回访结果 ", HL_TUI_DIM);
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++) {
        int on = choices[i].resolved == self->resolved
              || choices[i].satisfaction == self->satisfaction;
        used += hl_tui_screen_str (y, x + used, w - used, choices[i].label,
                                   on ? HL_TUI_SELECT : HL_TUI_NORMAL);
        used += hl_tui_screen_str (y, x + used, w - used, "  ", HL_TUI_NORMAL);
    }
}

void
hl_tui_visit_draw (hl_tui_visit_t *self, hl_tui_rect_t r)
{
    if (r.h < S_LIST_ROWS + 6)
        return;
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->list), &n);
    const char *label = hl_tui_query_label (self->list);
    char line[160];
    if (*label)
        snprintf (line, sizeof line, "待回访工单: %s", label);
    else
        snprintf (line, sizeof line, "待回访工单 (已答复) %zu 单", n);
    hl_tui_screen_str (r.y, r.x, r.w, line, HL_TUI_DIM);
    hl_tui_rect_t list = { r.y + 1, r.x, S_LIST_ROWS, r.w };
    hl_tui_tickets_draw (list, items, n, self->sel, 1, 0);
    hl_tui_rect_t detail = { r.y + 1 + S_LIST_ROWS, r.x, r.h - S_LIST_ROWS - 2, r.w };
    const Hotline__Envelope *a = hl_tui_query_answer (self->view);
    if (a && self->shown_answers != hl_tui_query_answers (self->view)) {
        hl_buf_t text = HL_BUF_INIT;
        hl_tui_tickets_view_text (a->ticket_view, &text);
        hl_tui_pager_set (self->pager, self->ticket, text.data, "PgUp PgDn 翻阅答复与历史");
        hl_buf_free (&text);
        self->shown_answers = hl_tui_query_answers (self->view);
    }
    if (a)
        hl_tui_pager_draw (self->pager, detail);
    if (*self->ticket)
        s_draw_verdict (self, r.y + r.h - 1, r.x, r.w);
}
