/*  hl_tui_lookup: find any ticket. See hl_tui_lookup.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_lookup.h"
#include "hl_tui_edit.h"
#include "hl_tui_pager.h"
#include "hl_tui_tickets.h"
#include "hl_wire.h"

#include <assert.h>
#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_tui_lookup {
    hl_tui_edit_t *input;
    hl_tui_query_t *list;       //  by caller
    hl_tui_query_t *view;       //  one ticket
    hl_tui_pager_t *pager;
    char what[64];              //  the number asked about
    char ticket[64];            //  the ticket to fetch
    int sel;
    int showing;                //  the ticket is open
    unsigned long shown_answers;
};

hl_tui_lookup_t *
hl_tui_lookup_new (hl_tui_link_t *link)
{
    hl_tui_lookup_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->input = hl_tui_edit_new (40, 0);
    self->list = hl_tui_query_new (link, "look", HOTLINE__ENVELOPE__BODY_TICKET_LIST, 0);
    self->view = hl_tui_query_new (link, "view", HOTLINE__ENVELOPE__BODY_TICKET_VIEW, 0);
    self->pager = hl_tui_pager_new ();
    return self;
}

void
hl_tui_lookup_destroy (hl_tui_lookup_t **self_p)
{
    assert (self_p);
    hl_tui_lookup_t *self = *self_p;
    if (!self)
        return;
    hl_tui_edit_destroy (&self->input);
    hl_tui_query_destroy (&self->list);
    hl_tui_query_destroy (&self->view);
    hl_tui_pager_destroy (&self->pager);
    free (self);
    *self_p = NULL;
}

//  Open ticket T: fetch it and show it when it comes.
static void
s_show (hl_tui_lookup_t *self, const char *t, int64_t now_us)
{
    snprintf (self->ticket, sizeof self->ticket, "%s", t);
    hl_tui_query_reset (self->view);
    hl_tui_query_touch (self->view, now_us);
    self->showing = 1;
    self->shown_answers = 0;
}

//  Enter in the input: a ticket number starts with letters, anything else
//  is a caller's number.
static void
s_search (hl_tui_lookup_t *self, int64_t now_us)
{
    char *what = hl_tui_edit_utf8 (self->input);
    snprintf (self->what, sizeof self->what, "%s", what);
    free (what);
    if (!*self->what)
        return;
    hl_tui_query_reset (self->list);
    self->sel = 0;
    if (isalpha ((unsigned char) self->what[0]))
        s_show (self, self->what, now_us);
    else {
        self->showing = 0;
        hl_tui_query_touch (self->list, now_us);
    }
}

void
hl_tui_lookup_open (hl_tui_lookup_t *self, const char *what, int64_t now_us)
{
    hl_tui_edit_set (self->input, what ? what : "");
    self->showing = 0;
    hl_tui_query_reset (self->list);
    hl_tui_query_reset (self->view);
    if (what && *what)
        s_search (self, now_us);
}

static int
s_is_enter (int is_key, wint_t ch)
{
    return (is_key && ch == KEY_ENTER) || (!is_key && (ch == L'\r' || ch == L'\n'));
}

int
hl_tui_lookup_key (hl_tui_lookup_t *self, int is_key, wint_t ch, int64_t now_us)
{
    if (!is_key && ch == 0x1B) {
        if (!self->showing)
            return HL_TUI_LOOKUP_LEAVE;
        self->showing = 0;
        return HL_TUI_LOOKUP_HANDLED;
    }
    if (self->showing)
        return hl_tui_pager_key (self->pager, is_key, ch) ? HL_TUI_LOOKUP_HANDLED
                                                          : HL_TUI_LOOKUP_IGNORED;
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->list), &n);
    if (s_is_enter (is_key, ch)) {
        char *typed = hl_tui_edit_utf8 (self->input);
        int same = strcmp (typed, self->what) == 0;
        free (typed);
        if (same && n > 0)
            s_show (self, items[self->sel < (int) n ? self->sel : 0]->ticket, now_us);
        else
            s_search (self, now_us);
        return HL_TUI_LOOKUP_HANDLED;
    }
    if (hl_tui_screen_list_key (&self->sel, (int) n, 10, is_key, ch))
        return HL_TUI_LOOKUP_HANDLED;
    return hl_tui_edit_key (self->input, is_key, ch) == HL_TUI_EDIT_IGNORED
         ? HL_TUI_LOOKUP_IGNORED : HL_TUI_LOOKUP_HANDLED;
}

//  Sends whichever question is due: the caller's tickets or one ticket.
int
hl_tui_lookup_poll (hl_tui_lookup_t *self, int64_t now_us)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    if (hl_tui_query_due (self->list, now_us)) {
        Hotline__TicketListQuery q = HOTLINE__TICKET_LIST_QUERY__INIT;
        q.has_caller_phone = 1;
        q.caller_phone = hl_wire_bytes (self->what);
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
        env.ticket_list_query = &q;
        hl_tui_query_send (self->list, &env, now_us);
        return 1;
    }
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
hl_tui_lookup_query (hl_tui_lookup_t *self, int i)
{
    assert (i >= 0 && i < HL_TUI_LOOKUP_QUERIES);
    return i == 0 ? self->list : self->view;
}

//  The open ticket: its text goes into the pager once per answer.
static void
s_draw_ticket (hl_tui_lookup_t *self, hl_tui_rect_t r)
{
    const Hotline__Envelope *a = hl_tui_query_answer (self->view);
    if (!a) {
        char line[200];
        snprintf (line, sizeof line, "工单 %s: %s", self->ticket,
                  *hl_tui_query_label (self->view) ? hl_tui_query_label (self->view) : "查询中…");
        hl_tui_screen_str (r.y, r.x, r.w, line, HL_TUI_WARN);
        return;
    }
    if (self->shown_answers != hl_tui_query_answers (self->view)) {
        hl_buf_t text = HL_BUF_INIT;
        hl_tui_tickets_view_text (a->ticket_view, &text);
        char title[96];
        snprintf (title, sizeof title, "工单 %s", self->ticket);
        hl_tui_pager_set (self->pager, title, text.data, "↑↓ PgUp PgDn 翻阅  Esc 返回");
        hl_buf_free (&text);
        self->shown_answers = hl_tui_query_answers (self->view);
    }
    hl_tui_pager_draw (self->pager, r);
}

void
hl_tui_lookup_draw (hl_tui_lookup_t *self, hl_tui_rect_t r)
{
    if (r.h < 4)
        return;
    int used = hl_tui_screen_str (r.y, r.x, r.w, "工单号或来电号码 ", HL_TUI_DIM);
    hl_tui_rect_t field = { r.y, r.x + used, 1, r.w - used < 30 ? r.w - used : 30 };
    hl_tui_edit_draw (self->input, field, !self->showing);
    hl_tui_rect_t body = { r.y + 2, r.x, r.h - 2, r.w };
    if (self->showing) {
        s_draw_ticket (self, body);
        return;
    }
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->list), &n);
    const char *label = hl_tui_query_label (self->list);
    char line[160] = "";
    if (*label)
        snprintf (line, sizeof line, "%s", label);
    else if (hl_tui_query_state (self->list) == HL_TUI_QUERY_READY)
        snprintf (line, sizeof line, "%s 的工单 %zu 单%s", self->what, n, n ? "，Enter 打开" : "");
    hl_tui_screen_str (r.y + 1, r.x, r.w, line, HL_TUI_DIM);
    hl_tui_tickets_draw (body, items, n, self->sel, 1, 0);
}
