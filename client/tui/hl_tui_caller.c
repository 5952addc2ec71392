/*  hl_tui_caller: the caller's previous tickets. See hl_tui_caller.h. */
#include "hl_tui_caller.h"
#include "hl_tui_tickets.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PHONE_MAX 32
#define S_LIST_LIMIT 20

#define S_EXPECT_TRIES 20       //  asked again this many times at most,
#define S_EXPECT_EVERY_US 250000 //  this often

struct hl_tui_caller {
    hl_tui_query_t *query;
    char phone[S_PHONE_MAX];
    char expect[48];             //  a ticket the history must show ("" none)
    int tries;
};

hl_tui_caller_t *
hl_tui_caller_new (hl_tui_link_t *link)
{
    hl_tui_caller_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->query = hl_tui_query_new (link, "call", HOTLINE__ENVELOPE__BODY_TICKET_LIST, 0);
    return self;
}

void
hl_tui_caller_destroy (hl_tui_caller_t **self_p)
{
    assert (self_p);
    hl_tui_caller_t *self = *self_p;
    if (!self)
        return;
    hl_tui_query_destroy (&self->query);
    free (self);
    *self_p = NULL;
}

void
hl_tui_caller_lookup (hl_tui_caller_t *self, const char *phone, int64_t now_us)
{
    if (strcmp (phone, self->phone) == 0 && hl_tui_query_state (self->query) == HL_TUI_QUERY_READY)
        return;
    snprintf (self->phone, sizeof self->phone, "%s", phone);
    self->expect[0] = '\0';
    hl_tui_query_reset (self->query);
    if (*self->phone)
        hl_tui_query_touch (self->query, now_us);
}

void
hl_tui_caller_refresh (hl_tui_caller_t *self, int64_t now_us)
{
    if (*self->phone)
        hl_tui_query_touch (self->query, now_us);
}

void
hl_tui_caller_expect (hl_tui_caller_t *self, const char *ticket)
{
    snprintf (self->expect, sizeof self->expect, "%s", ticket);
    self->tries = S_EXPECT_TRIES;
}

//  Whether the history answered lists the expected ticket.
static int
s_lists_expected (const hl_tui_caller_t *self)
{
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    for (size_t i = 0; i < n; i++)
        if (items[i]->ticket && strcmp (items[i]->ticket, self->expect) == 0)
            return 1;
    return 0;
}

//  An answer without the expected ticket: asked again a little later,
//  a bounded number of times.
static void
s_check_expected (hl_tui_caller_t *self, int64_t now_us)
{
    if (!*self->expect || hl_tui_query_state (self->query) != HL_TUI_QUERY_READY
        || hl_tui_query_due (self->query, INT64_MAX))
        return;
    if (s_lists_expected (self) || self->tries-- <= 0)
        self->expect[0] = '\0';
    else
        hl_tui_query_touch (self->query, now_us + S_EXPECT_EVERY_US);
}

int
hl_tui_caller_poll (hl_tui_caller_t *self, int64_t now_us)
{
    s_check_expected (self, now_us);
    if (!hl_tui_query_due (self->query, now_us))
        return 0;
    Hotline__TicketListQuery q = HOTLINE__TICKET_LIST_QUERY__INIT;
    q.has_caller_phone = 1;
    q.caller_phone = hl_wire_bytes (self->phone);
    q.has_limit = 1;
    q.limit = S_LIST_LIMIT;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    env.ticket_list_query = &q;
    hl_tui_query_send (self->query, &env, now_us);
    return 1;
}

hl_tui_query_t *
hl_tui_caller_query (hl_tui_caller_t *self)
{
    return self->query;
}

const char *
hl_tui_caller_phone (const hl_tui_caller_t *self)
{
    return self->phone;
}

size_t
hl_tui_caller_count (const hl_tui_caller_t *self)
{
    size_t n;
    hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    return n;
}

size_t
hl_tui_caller_repeats (const hl_tui_caller_t *self)
{
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    return hl_tui_tickets_recent (items, n, hl_tui_tickets_now_ms (), HL_TUI_REPEAT_MS);
}

const char *
hl_tui_caller_ticket (const hl_tui_caller_t *self, size_t i)
{
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    return i < n ? items[i]->ticket : NULL;
}

void
hl_tui_caller_draw (hl_tui_caller_t *self, hl_tui_rect_t r, int sel, int focused)
{
    if (r.h < 1)
        return;
    if (!*self->phone) {
        hl_tui_screen_str (r.y, r.x, r.w, "输入来电号码后回车，显示该号码的历史工单", HL_TUI_DIM);
        return;
    }
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    const char *label = hl_tui_query_label (self->query);
    char line[160];
    size_t repeats = hl_tui_caller_repeats (self);
    if (*label)
        snprintf (line, sizeof line, "历史工单: %s", label);
    else if (repeats)
        snprintf (line, sizeof line, "【重复来电】72小时内已来电 %zu 次  历史工单 %zu 单", repeats, n);
    else
        snprintf (line, sizeof line, "历史工单 %zu 单%s", n, n ? "" : " (首次来电)");
    const Hotline__Envelope *answer = hl_tui_query_answer (self->query);
    if (!*label && answer && answer->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST
        && answer->ticket_list->archive_unavailable) {
        size_t used = strlen (line);
        snprintf (line + used, sizeof line - used, "  (归档库不可用：仅近期工单)");
    }
    hl_tui_screen_str (r.y, r.x, r.w, line, repeats && !*label ? HL_TUI_WARN : HL_TUI_DIM);
    hl_tui_rect_t list = { r.y + 1, r.x, r.h - 1, r.w };
    hl_tui_tickets_draw (list, items, n, sel, focused, 0);
}
