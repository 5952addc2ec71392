/*  hl_tui_pager: a long text to read. See hl_tui_pager.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_pager.h"
#include "hl_tui_text.h"

#include <assert.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_tui_pager {
    char title[128];
    char keys[160];
    wchar_t *text;
    size_t len;
    int top;                //  first line shown
    int lines, page;        //  of the last draw
};

hl_tui_pager_t *
hl_tui_pager_new (void)
{
    hl_tui_pager_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    return self;
}

void
hl_tui_pager_destroy (hl_tui_pager_t **self_p)
{
    assert (self_p);
    hl_tui_pager_t *self = *self_p;
    if (!self)
        return;
    free (self->text);
    free (self);
    *self_p = NULL;
}

void
hl_tui_pager_set (hl_tui_pager_t *self, const char *title, const char *text, const char *keys)
{
    snprintf (self->title, sizeof self->title, "%s", title ? title : "");
    snprintf (self->keys, sizeof self->keys, "%s", keys ? keys : "");
    free (self->text);
    self->text = hl_tui_text_wcs (text, text ? strlen (text) : 0, &self->len);
    self->top = 0;
}

int
hl_tui_pager_key (hl_tui_pager_t *self, int is_key, wint_t ch)
{
    int last = self->lines - self->page > 0 ? self->lines - self->page : 0;
    int top = self->top;
    if (!hl_tui_screen_list_key (&top, last + 1, self->page, is_key, ch))
        return 0;
    self->top = top;
    return 1;
}

void
hl_tui_pager_draw (hl_tui_pager_t *self, hl_tui_rect_t r)
{
    hl_tui_screen_box (r, self->title);
    int cols = r.w - 4, rows = r.h - 3;
    if (cols < 1 || rows < 1)
        return;
    size_t max = self->len + 1;
    size_t *starts = malloc (max * sizeof *starts);
    if (!starts)
        abort ();
    size_t lines = hl_tui_text_wrap (self->text, self->len, cols, starts, max);
    self->lines = (int) lines;
    self->page = rows;
    if (self->top > self->lines - rows)
        self->top = self->lines - rows > 0 ? self->lines - rows : 0;
    for (int i = 0; i < rows && self->top + i < self->lines; i++) {
        size_t l = (size_t) (self->top + i);
        size_t end = l + 1 < lines ? starts[l + 1] : self->len;
        if (end > starts[l] && self->text[end - 1] == L'\n')
            end--;
        hl_tui_screen_text (r.y + 1 + i, r.x + 2, cols, self->text + starts[l], end - starts[l],
                            HL_TUI_NORMAL);
    }
    free (starts);
    char where[32] = "";
    if (self->lines > rows)
        snprintf (where, sizeof where, "  %d/%d", self->top + rows < self->lines
                  ? self->top + rows : self->lines, self->lines);
    int used = hl_tui_screen_str (r.y + r.h - 2, r.x + 2, cols, self->keys, HL_TUI_DIM);
    hl_tui_screen_str (r.y + r.h - 2, r.x + 2 + used, cols - used, where, HL_TUI_DIM);
}
