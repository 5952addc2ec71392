/*  hl_tui_tickets: ticket summaries as rows. See hl_tui_tickets.h. */
#include "hl_tui_tickets.h"
#include "hl_view.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

Hotline__TicketSummary **
hl_tui_tickets_of (const Hotline__Envelope *answer, size_t *n)
{
    *n = 0;
    if (!answer)
        return NULL;
    if (answer->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST) {
        *n = answer->ticket_list->n_tickets;
        return answer->ticket_list->tickets;
    }
    if (answer->body_case == HOTLINE__ENVELOPE__BODY_SIMILAR_RESULTS) {
        *n = answer->similar_results->n_tickets;
        return answer->similar_results->tickets;
    }
    return NULL;
}

//  "YJ20261127000001 已派单" into the row; returns the columns used.
static int
s_head (int y, int x, int w, const Hotline__TicketSummary *s, hl_tui_style_t style)
{
    hl_tui_screen_fill (y, x, w, style);
    int used = hl_tui_screen_str (y, x, w, s->ticket ? s->ticket : "?", style);
    //  Similar-ticket answers may leave the state out.
    const char *label = s->has_state ? hl_wire_state_label (s->state) : NULL;
    if (label) {
        used += hl_tui_screen_str (y, x + used, w - used, " ", style);
        used += hl_tui_screen_str (y, x + used, w - used, label, style);
    }
    return used;
}

void
hl_tui_tickets_row (int y, int x, int w, const Hotline__TicketSummary *s, hl_tui_style_t style)
{
    int used = s_head (y, x, w, s, style);
    char when[32];
    hl_view_time (s->created_ms, when, sizeof when);
    char shown[16];
    snprintf (shown, sizeof shown, " %.11s ", when + 5);      //  "11-27 14:05"
    used += hl_tui_screen_str (y, x + used, w - used, shown, style);
    hl_tui_screen_bytes (y, x + used, w - used, s->excerpt.data, s->excerpt.len, style);
}

void
hl_tui_tickets_row2 (int y, int x, int w, const Hotline__TicketSummary *s, hl_tui_style_t style)
{
    s_head (y, x, w, s, style);
    hl_tui_screen_fill (y + 1, x, w, style);
    hl_tui_screen_bytes (y + 1, x + 2, w - 2, s->excerpt.data, s->excerpt.len,
                         style == HL_TUI_NORMAL ? HL_TUI_DIM : style);
}

void
hl_tui_tickets_draw (hl_tui_rect_t r, Hotline__TicketSummary **items, size_t n, int sel,
                     int focused, int two)
{
    int per = two ? 2 : 1;
    int rows = r.h / per;
    int top = hl_tui_screen_list_top (sel, (int) n, rows);
    for (int i = 0; i < rows && top + i < (int) n; i++) {
        hl_tui_style_t st = focused && top + i == sel ? HL_TUI_SELECT : HL_TUI_NORMAL;
        if (two)
            hl_tui_tickets_row2 (r.y + per * i, r.x, r.w, items[top + i], st);
        else
            hl_tui_tickets_row (r.y + i, r.x, r.w, items[top + i], st);
    }
}

size_t
hl_tui_tickets_recent (Hotline__TicketSummary **items, size_t n, uint64_t now_ms,
                       uint64_t window_ms)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i]->created_ms + window_ms >= now_ms)
            count++;
    return count;
}

void
hl_tui_tickets_view_text (const Hotline__TicketView *view, hl_buf_t *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream (&text, &len);
    if (!mem)
        abort ();
    hl_view_print (mem, view);
    fclose (mem);
    hl_buf_append (out, text, len);
    free (text);
}

uint64_t
hl_tui_tickets_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}
