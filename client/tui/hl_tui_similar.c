/*  hl_tui_similar: merge candidates. See hl_tui_similar.h. */
#include "hl_tui_similar.h"
#include "hl_tui_tickets.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TEXT_MAX 600
#define S_DAYS 7
#define S_LIMIT 10

struct hl_tui_similar {
    hl_tui_query_t *query;
    char text[S_TEXT_MAX + 1];
    char area[33], category[33];
    int sel;
};

hl_tui_similar_t *
hl_tui_similar_new (hl_tui_link_t *link, int debounce_ms)
{
    hl_tui_similar_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->query = hl_tui_query_new (link, "sim", HOTLINE__ENVELOPE__BODY_SIMILAR_RESULTS,
                                    debounce_ms);
    return self;
}

void
hl_tui_similar_destroy (hl_tui_similar_t **self_p)
{
    assert (self_p);
    hl_tui_similar_t *self = *self_p;
    if (!self)
        return;
    hl_tui_query_destroy (&self->query);
    free (self);
    *self_p = NULL;
}

void
hl_tui_similar_input (hl_tui_similar_t *self, const char *text, const char *area,
                      const char *category, int64_t now_us)
{
    //  Keep the start of the text, cut at a character boundary.
    size_t len = strlen (text);
    if (len > S_TEXT_MAX) {
        len = S_TEXT_MAX;
        while (len > 0 && ((unsigned char) text[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy (self->text, text, len);
    self->text[len] = 0;
    snprintf (self->area, sizeof self->area, "%s", area);
    snprintf (self->category, sizeof self->category, "%s", category);
    self->sel = 0;
    if (*self->area && *self->text)
        hl_tui_query_touch (self->query, now_us);
    else
        hl_tui_query_reset (self->query);
}

int
hl_tui_similar_poll (hl_tui_similar_t *self, int64_t now_us)
{
    if (!hl_tui_query_due (self->query, now_us))
        return 0;
    Hotline__SimilarQuery q = HOTLINE__SIMILAR_QUERY__INIT;
    q.has_text = 1;
    q.text = hl_wire_bytes (self->text);
    q.has_area = 1;
    q.area = hl_wire_bytes (self->area);
    if (*self->category) {
        q.has_category = 1;
        q.category = hl_wire_bytes (self->category);
    }
    q.has_days = 1;
    q.days = S_DAYS;
    q.has_limit = 1;
    q.limit = S_LIMIT;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_SIMILAR_QUERY;
    env.similar_query = &q;
    hl_tui_query_send (self->query, &env, now_us);
    return 1;
}

hl_tui_query_t *
hl_tui_similar_query (hl_tui_similar_t *self)
{
    return self->query;
}

int
hl_tui_similar_count (const hl_tui_similar_t *self)
{
    size_t n;
    hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    return (int) n;
}

int
hl_tui_similar_key (hl_tui_similar_t *self, int is_key, wint_t ch)
{
    return hl_tui_screen_list_key (&self->sel, hl_tui_similar_count (self), 3, is_key, ch);
}

const char *
hl_tui_similar_selected (const hl_tui_similar_t *self)
{
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    if (n == 0)
        return NULL;
    return items[self->sel < (int) n ? self->sel : 0]->ticket;
}

void
hl_tui_similar_draw (hl_tui_similar_t *self, hl_tui_rect_t r, int focused)
{
    if (r.h < 1 || r.w < 4)
        return;
    hl_tui_screen_fill (r.y, r.x, r.w, HL_TUI_TITLE);
    int used = hl_tui_screen_str (r.y, r.x, r.w, "相似工单 (同区域) ", HL_TUI_TITLE);
    hl_tui_screen_str (r.y, r.x + used, r.w - used, hl_tui_query_label (self->query),
                       HL_TUI_TITLE);
    size_t n;
    Hotline__TicketSummary **items = hl_tui_tickets_of (hl_tui_query_answer (self->query), &n);
    if (hl_tui_query_state (self->query) == HL_TUI_QUERY_READY && n == 0)
        hl_tui_screen_str (r.y + 1, r.x, r.w, "无相似的未办结工单", HL_TUI_DIM);
    else if (hl_tui_query_state (self->query) == HL_TUI_QUERY_IDLE)
        hl_tui_screen_str (r.y + 1, r.x, r.w, "选定区域并输入内容后显示", HL_TUI_DIM);
    hl_tui_rect_t list = { r.y + 1, r.x, r.h - 1, r.w };
    hl_tui_tickets_draw (list, items, n, self->sel, focused, 1);
}
