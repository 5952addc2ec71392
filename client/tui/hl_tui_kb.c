/*  hl_tui_kb: knowledge-base suggestions. See hl_tui_kb.h. */
#include "hl_tui_kb.h"
#include "hl_snippet.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_QUERY_MAX 600         //  bytes of the caller's words sent
#define S_HITS 10

struct hl_tui_kb {
    hl_tui_query_t *query;
    char *text;
    int sel;
};

hl_tui_kb_t *
hl_tui_kb_new (hl_tui_link_t *link, int debounce_ms)
{
    hl_tui_kb_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->query = hl_tui_query_new (link, "kb", HOTLINE__ENVELOPE__BODY_KB_RESULTS, debounce_ms);
    return self;
}

void
hl_tui_kb_destroy (hl_tui_kb_t **self_p)
{
    assert (self_p);
    hl_tui_kb_t *self = *self_p;
    if (!self)
        return;
    hl_tui_query_destroy (&self->query);
    free (self->text);
    free (self);
    *self_p = NULL;
}

void
hl_tui_kb_input (hl_tui_kb_t *self, const char *text, int64_t now_us)
{
    free (self->text);
    self->text = strdup (text ? text : "");
    if (!self->text)
        abort ();
    if (*self->text)
        hl_tui_query_touch (self->query, now_us);
    else
        hl_tui_query_reset (self->query);
    self->sel = 0;
}

//  The last S_QUERY_MAX bytes of the text, cut at a character boundary:
//  what the caller said last matters most.
static const char *
s_tail (const char *text)
{
    size_t len = strlen (text);
    if (len <= S_QUERY_MAX)
        return text;
    const char *p = text + len - S_QUERY_MAX;
    while ((*p & 0xC0) == 0x80)
        p++;
    return p;
}

int
hl_tui_kb_poll (hl_tui_kb_t *self, int64_t now_us)
{
    if (!hl_tui_query_due (self->query, now_us) || !self->text)
        return 0;
    Hotline__KbQuery q = HOTLINE__KB_QUERY__INIT;
    q.has_query = 1;
    q.query = hl_wire_bytes (s_tail (self->text));
    q.has_limit = 1;
    q.limit = S_HITS;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_KB_QUERY;
    env.kb_query = &q;
    hl_tui_query_send (self->query, &env, now_us);
    return 1;
}

hl_tui_query_t *
hl_tui_kb_query (hl_tui_kb_t *self)
{
    return self->query;
}

int
hl_tui_kb_count (const hl_tui_kb_t *self)
{
    const Hotline__Envelope *a = hl_tui_query_answer (self->query);
    return a ? (int) a->kb_results->n_hits : 0;
}

int
hl_tui_kb_key (hl_tui_kb_t *self, int is_key, wint_t ch)
{
    return hl_tui_screen_list_key (&self->sel, hl_tui_kb_count (self), 4, is_key, ch);
}

const Hotline__KbHit *
hl_tui_kb_selected (const hl_tui_kb_t *self)
{
    const Hotline__Envelope *a = hl_tui_query_answer (self->query);
    if (!a || a->kb_results->n_hits == 0)
        return NULL;
    int sel = self->sel < (int) a->kb_results->n_hits ? self->sel : 0;
    return a->kb_results->hits[sel];
}

void
hl_tui_kb_plain (const void *data, size_t len, hl_buf_t *out)
{
    hl_snippet_render (data, len, "", "", out);
}

void
hl_tui_kb_article (const hl_tui_kb_t *self, hl_buf_t *out)
{
    const Hotline__KbHit *hit = hl_tui_kb_selected (self);
    if (!hit)
        return;
    hl_buf_printf (out, "%.*s\n\n编号 %.*s   承办 %.*s\n", (int) hit->title.len, hit->title.data,
                   (int) hit->id.len, hit->id.data, (int) hit->unit.len, hit->unit.data);
    for (size_t i = 0; i < hit->n_categories; i++)
        hl_buf_printf (out, "%s%.*s", i ? ", " : "分类 ", (int) hit->categories[i].len,
                       hit->categories[i].data);
    hl_buf_printf (out, "\n\n%.*s\n", (int) hit->answer.len, hit->answer.data);
}

//  The header line: title and what the panel is waiting for.
static void
s_draw_header (hl_tui_kb_t *self, hl_tui_rect_t r)
{
    int used = hl_tui_screen_str (r.y, r.x, r.w, "知识库 ", HL_TUI_TITLE);
    const char *label = hl_tui_query_label (self->query);
    if (hl_tui_query_state (self->query) == HL_TUI_QUERY_UNSUPPORTED)
        label = "";
    hl_tui_screen_fill (r.y, r.x + used, r.w - used, HL_TUI_TITLE);
    hl_tui_screen_str (r.y, r.x + used, r.w - used, label, HL_TUI_TITLE);
}

void
hl_tui_kb_draw (hl_tui_kb_t *self, hl_tui_rect_t r, int focused)
{
    if (r.h < 1 || r.w < 4)
        return;
    s_draw_header (self, r);
    hl_tui_query_state_t st = hl_tui_query_state (self->query);
    if (st == HL_TUI_QUERY_UNSUPPORTED) {
        hl_tui_screen_str (r.y + 1, r.x, r.w, "knowledge base unavailable", HL_TUI_WARN);
        hl_tui_screen_str (r.y + 2, r.x, r.w, "知识库暂不可用，表单照常录入", HL_TUI_DIM);
        return;
    }
    const Hotline__Envelope *a = hl_tui_query_answer (self->query);
    if (!a) {
        hl_tui_screen_str (r.y + 1, r.x, r.w, st == HL_TUI_QUERY_IDLE
                           ? "输入诉求内容即显示相关知识" : "", HL_TUI_DIM);
        return;
    }
    const Hotline__KbResults *res = a->kb_results;
    if (res->n_hits == 0)
        hl_tui_screen_str (r.y + 1, r.x, r.w, "无相关知识", HL_TUI_DIM);
    int rows = (r.h - 1) / 2;
    int top = hl_tui_screen_list_top (self->sel, (int) res->n_hits, rows);
    hl_buf_t plain = HL_BUF_INIT;
    for (int i = 0; i < rows && top + i < (int) res->n_hits; i++) {
        const Hotline__KbHit *hit = res->hits[top + i];
        int y = r.y + 1 + 2 * i;
        hl_tui_style_t st_row = focused && top + i == self->sel ? HL_TUI_SELECT : HL_TUI_NORMAL;
        hl_tui_screen_fill (y, r.x, r.w, st_row);
        char num[16];
        snprintf (num, sizeof num, "%d ", top + i + 1);
        int used = hl_tui_screen_str (y, r.x, r.w, num, st_row);
        hl_tui_screen_bytes (y, r.x + used, r.w - used, hit->title.data, hit->title.len, st_row);
        hl_tui_kb_plain (hit->snippet.data, hit->snippet.len, &plain);
        hl_tui_screen_str (y + 1, r.x + 2, r.w - 2, plain.data, HL_TUI_DIM);
    }
    hl_buf_free (&plain);
}
