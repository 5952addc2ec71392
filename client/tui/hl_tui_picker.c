/*  hl_tui_picker: choose by typing part of it. See hl_tui_picker.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_picker.h"
#include "hl_tui_edit.h"
#include "hl_tui_text.h"

#include <assert.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *code;
    char *name;
} s_item_t;

struct hl_tui_picker {
    char title[64];
    int free_text;
    int digits;
    s_item_t *items;
    size_t n, cap;
    size_t *shown;          //  indexes matching the search
    size_t n_shown;
    int sel;                //  in shown
    hl_tui_edit_t *search;
    int chosen;
};

hl_tui_picker_t *
hl_tui_picker_new (const char *title, int free_text)
{
    hl_tui_picker_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    snprintf (self->title, sizeof self->title, "%s", title);
    self->free_text = free_text;
    self->search = hl_tui_edit_new (200, 0);
    self->chosen = -1;
    return self;
}

void
hl_tui_picker_destroy (hl_tui_picker_t **self_p)
{
    assert (self_p);
    hl_tui_picker_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++) {
        free (self->items[i].code);
        free (self->items[i].name);
    }
    free (self->items);
    free (self->shown);
    hl_tui_edit_destroy (&self->search);
    free (self);
    *self_p = NULL;
}

void
hl_tui_picker_add (hl_tui_picker_t *self, const char *code, const char *name)
{
    if (self->n == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->items = realloc (self->items, self->cap * sizeof *self->items);
        self->shown = realloc (self->shown, self->cap * sizeof *self->shown);
        if (!self->items || !self->shown)
            abort ();
    }
    self->items[self->n].code = strdup (code);
    self->items[self->n].name = strdup (name ? name : "");
    if (!self->items[self->n].code || !self->items[self->n].name)
        abort ();
    self->n++;
}

void
hl_tui_picker_digits (hl_tui_picker_t *self, int on)
{
    self->digits = on;
}

size_t
hl_tui_picker_count (const hl_tui_picker_t *self)
{
    return self->n;
}

const char *
hl_tui_picker_code (const hl_tui_picker_t *self, size_t i)
{
    assert (i < self->n);
    return self->items[i].code;
}

const char *
hl_tui_picker_name (const hl_tui_picker_t *self, size_t i)
{
    assert (i < self->n);
    return self->items[i].name;
}

int
hl_tui_picker_find (const hl_tui_picker_t *self, const char *code)
{
    for (size_t i = 0; code && i < self->n; i++)
        if (strcmp (self->items[i].code, code) == 0)
            return (int) i;
    return -1;
}

//  Recompute the items matching the search text: every blank-separated
//  word must occur in the code or the name.
static void
s_filter (hl_tui_picker_t *self)
{
    char *search = hl_tui_edit_utf8 (self->search);
    self->n_shown = 0;
    for (size_t i = 0; i < self->n; i++) {
        int all = 1;
        char *copy = strdup (search), *save = NULL;
        if (!copy)
            abort ();
        for (char *w = strtok_r (copy, " ", &save); w && all; w = strtok_r (NULL, " ", &save))
            all = hl_tui_text_contains (self->items[i].code, w)
               || hl_tui_text_contains (self->items[i].name, w);
        free (copy);
        if (all)
            self->shown[self->n_shown++] = i;
    }
    free (search);
    self->sel = 0;
}

void
hl_tui_picker_open (hl_tui_picker_t *self, wchar_t first)
{
    hl_tui_edit_clear (self->search);
    if (first)
        hl_tui_edit_insert (self->search, &first, 1);
    self->chosen = -1;
    s_filter (self);
}

//  Enter: the highlighted item, or the typed text if free text is allowed.
static int
s_take (hl_tui_picker_t *self)
{
    if (self->n_shown > 0) {
        self->chosen = (int) self->shown[self->sel];
        return HL_TUI_PICKER_CHOSEN;
    }
    if (self->free_text && !hl_tui_edit_empty (self->search)) {
        self->chosen = -1;
        return HL_TUI_PICKER_CHOSEN;
    }
    return HL_TUI_PICKER_OPEN;
}

int
hl_tui_picker_key (hl_tui_picker_t *self, int is_key, wint_t ch)
{
    if (!is_key && ch == 0x1B)
        return HL_TUI_PICKER_CANCELLED;
    if ((!is_key && (ch == L'\r' || ch == L'\n')) || (is_key && ch == KEY_ENTER))
        return s_take (self);
    if (!is_key && self->digits && hl_tui_edit_empty (self->search)
        && ch >= L'1' && ch <= L'9' && (size_t) (ch - L'1') < self->n) {
        self->chosen = (int) (ch - L'1');
        return HL_TUI_PICKER_CHOSEN;
    }
    if (hl_tui_screen_list_key (&self->sel, (int) self->n_shown, 8, is_key, ch))
        return HL_TUI_PICKER_OPEN;
    if (hl_tui_edit_key (self->search, is_key, ch) == HL_TUI_EDIT_CHANGED)
        s_filter (self);
    return HL_TUI_PICKER_OPEN;
}

int
hl_tui_picker_chosen (const hl_tui_picker_t *self)
{
    return self->chosen;
}

char *
hl_tui_picker_text (const hl_tui_picker_t *self)
{
    return hl_tui_edit_utf8 (self->search);
}

void
hl_tui_picker_draw (hl_tui_picker_t *self)
{
    hl_tui_rect_t r = hl_tui_screen_centre (18, 60);
    hl_tui_screen_box (r, self->title);
    hl_tui_screen_str (r.y + 1, r.x + 2, 6, "搜索", HL_TUI_DIM);
    hl_tui_rect_t field = { r.y + 1, r.x + 8, 1, r.w - 10 };
    int rows = r.h - 4;
    int top = hl_tui_screen_list_top (self->sel, (int) self->n_shown, rows);
    for (int i = 0; i < rows && top + i < (int) self->n_shown; i++) {
        const s_item_t *it = &self->items[self->shown[top + i]];
        hl_tui_style_t st = top + i == self->sel ? HL_TUI_SELECT : HL_TUI_NORMAL;
        int y = r.y + 2 + i, x = r.x + 2, w = r.w - 4;
        hl_tui_screen_fill (y, x, w, st);
        char num[8] = "";
        if (self->digits && self->shown[top + i] < 9)
            snprintf (num, sizeof num, "%zu ", self->shown[top + i] + 1);
        int used = hl_tui_screen_str (y, x, w, num, st);
        used += hl_tui_screen_str (y, x + used, w - used, it->code, st);
        hl_tui_screen_str (y, x + used + 1, w - used - 1, it->name, st);
    }
    const char *hint = self->n_shown ? "Enter 选定  Esc 取消  ↑↓ 移动"
                     : self->free_text ? "Enter 使用输入的文字  Esc 取消" : "无匹配  Esc 取消";
    hl_tui_screen_str (r.y + r.h - 2, r.x + 2, r.w - 4, hint, HL_TUI_DIM);
    hl_tui_edit_draw (self->search, field, 1);
}
