/*  hl_tui_edit: an editable text field. See hl_tui_edit.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_edit.h"
#include "hl_tui_text.h"

#include <assert.h>
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#define S_LINES_MAX 512

struct hl_tui_edit {
    wchar_t *text;
    size_t len, max;
    size_t cursor;          //  0..len
    int multiline;
    int wrap_cols;          //  width of the last draw (for Up/Down)
    size_t scroll;          //  one-line: first char shown; multi: first line
};

hl_tui_edit_t *
hl_tui_edit_new (size_t max_chars, int multiline)
{
    assert (max_chars > 0);
    hl_tui_edit_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->text = calloc (max_chars + 1, sizeof *self->text);
    if (!self->text)
        abort ();
    self->max = max_chars;
    self->multiline = multiline;
    self->wrap_cols = 40;
    return self;
}

void
hl_tui_edit_destroy (hl_tui_edit_t **self_p)
{
    assert (self_p);
    hl_tui_edit_t *self = *self_p;
    if (!self)
        return;
    free (self->text);
    free (self);
    *self_p = NULL;
}

int
hl_tui_edit_insert (hl_tui_edit_t *self, const wchar_t *text, size_t n)
{
    size_t room = self->max - self->len, added = 0;
    for (size_t i = 0; i < n && added < room; i++) {
        wchar_t c = text[i];
        if (c == L'\r')
            c = L'\n';
        if (c == L'\n' && !self->multiline)
            c = L' ';
        if (c != L'\n' && (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)))
            continue;           //  control characters never enter a ticket
        memmove (self->text + self->cursor + 1, self->text + self->cursor,
                 (self->len - self->cursor) * sizeof *self->text);
        self->text[self->cursor++] = c;
        self->len++;
        added++;
    }
    return added ? HL_TUI_EDIT_CHANGED : HL_TUI_EDIT_MOVED;
}

//  Removes the character at AT (AT < len).
static void
s_delete_at (hl_tui_edit_t *self, size_t at)
{
    assert (at < self->len);
    memmove (self->text + at, self->text + at + 1, (self->len - at - 1) * sizeof *self->text);
    self->len--;
    if (self->cursor > at)
        self->cursor--;
}

//  The display line holding the cursor and the lines' starts, at the
//  width of the last draw.
static size_t
s_cursor_line (const hl_tui_edit_t *self, size_t *starts, size_t *lines)
{
    *lines = hl_tui_text_wrap (self->text, self->len, self->wrap_cols, starts, S_LINES_MAX);
    if (*lines > S_LINES_MAX)
        *lines = S_LINES_MAX;
    size_t line = 0;
    while (line + 1 < *lines && starts[line + 1] <= self->cursor)
        line++;
    return line;
}

//  Moves the cursor one display line up (DIR -1) or down (+1), keeping
//  its column as near as the characters allow. 0, or -1 at the edge.
static int
s_vertical (hl_tui_edit_t *self, int dir)
{
    size_t starts[S_LINES_MAX], lines;
    size_t line = s_cursor_line (self, starts, &lines);
    if ((dir < 0 && line == 0) || (dir > 0 && line + 1 >= lines))
        return -1;
    int col = hl_tui_text_width (self->text + starts[line], self->cursor - starts[line]);
    size_t to = dir < 0 ? line - 1 : line + 1;
    size_t end = to + 1 < lines ? starts[to + 1] : self->len;
    size_t fit = hl_tui_text_fit (self->text + starts[to], end - starts[to], col);
    self->cursor = starts[to] + fit;
    if (to + 1 < lines && self->cursor >= starts[to + 1] && self->cursor > starts[to])
        self->cursor = starts[to + 1] - 1;
    return 0;
}

//  Cursor motion keys; returns MOVED or IGNORED.
static int
s_motion (hl_tui_edit_t *self, wint_t ch)
{
    switch (ch) {
        case KEY_LEFT:
            if (self->cursor > 0)
                self->cursor--;
            return HL_TUI_EDIT_MOVED;
        case KEY_RIGHT:
            if (self->cursor < self->len)
                self->cursor++;
            return HL_TUI_EDIT_MOVED;
        case KEY_HOME:
            self->cursor = 0;
            return HL_TUI_EDIT_MOVED;
        case KEY_END:
            self->cursor = self->len;
            return HL_TUI_EDIT_MOVED;
        case KEY_UP:
        case KEY_DOWN:
            if (!self->multiline || s_vertical (self, ch == KEY_UP ? -1 : 1) != 0)
                return HL_TUI_EDIT_IGNORED;
            return HL_TUI_EDIT_MOVED;
        default:
            return HL_TUI_EDIT_IGNORED;
    }
}

int
hl_tui_edit_key (hl_tui_edit_t *self, int is_key, wint_t ch)
{
    if (is_key) {
        if (ch == KEY_BACKSPACE) {
            if (self->cursor == 0)
                return HL_TUI_EDIT_MOVED;
            s_delete_at (self, self->cursor - 1);
            return HL_TUI_EDIT_CHANGED;
        }
        if (ch == KEY_DC) {
            if (self->cursor >= self->len)
                return HL_TUI_EDIT_MOVED;
            s_delete_at (self, self->cursor);
            return HL_TUI_EDIT_CHANGED;
        }
        if (ch == KEY_ENTER && self->multiline)
            return hl_tui_edit_insert (self, L"\n", 1);
        return s_motion (self, ch);
    }
    switch (ch) {
        case 0x7F:
        case 0x08:
            return hl_tui_edit_key (self, 1, KEY_BACKSPACE);
        case 0x01:              //  Ctrl-A
            return s_motion (self, KEY_HOME);
        case 0x05:              //  Ctrl-E
            return s_motion (self, KEY_END);
        case 0x15:              //  Ctrl-U: clear the field
            if (self->len == 0)
                return HL_TUI_EDIT_MOVED;
            hl_tui_edit_clear (self);
            return HL_TUI_EDIT_CHANGED;
        case L'\r':
        case L'\n':
            if (!self->multiline)
                return HL_TUI_EDIT_IGNORED;
            return hl_tui_edit_insert (self, L"\n", 1);
        default:
            if (ch < 0x20 || ch == 0x7F)
                return HL_TUI_EDIT_IGNORED;
            wchar_t c = (wchar_t) ch;
            return hl_tui_edit_insert (self, &c, 1);
    }
}

void
hl_tui_edit_set (hl_tui_edit_t *self, const char *utf8)
{
    hl_tui_edit_clear (self);
    if (!utf8)
        return;
    size_t n;
    wchar_t *w = hl_tui_text_wcs (utf8, strlen (utf8), &n);
    hl_tui_edit_insert (self, w, n);
    free (w);
}

void
hl_tui_edit_clear (hl_tui_edit_t *self)
{
    self->len = self->cursor = self->scroll = 0;
}

const wchar_t *
hl_tui_edit_text (const hl_tui_edit_t *self, size_t *n)
{
    *n = self->len;
    return self->text;
}

char *
hl_tui_edit_utf8 (const hl_tui_edit_t *self)
{
    size_t from = 0, to = self->len;
    while (from < to && iswspace ((wint_t) self->text[from]))
        from++;
    while (to > from && iswspace ((wint_t) self->text[to - 1]))
        to--;
    return hl_tui_text_utf8 (self->text + from, to - from);
}

int
hl_tui_edit_empty (const hl_tui_edit_t *self)
{
    for (size_t i = 0; i < self->len; i++)
        if (!iswspace ((wint_t) self->text[i]))
            return 0;
    return 1;
}

//  One line: scroll sideways so that the cursor has a column.
static void
s_draw_line (hl_tui_edit_t *self, hl_tui_rect_t r, hl_tui_style_t style, int focused)
{
    if (self->scroll > self->cursor)
        self->scroll = self->cursor;
    while (hl_tui_text_width (self->text + self->scroll, self->cursor - self->scroll) > r.w - 1
           && self->scroll < self->cursor)
        self->scroll++;
    hl_tui_screen_fill (r.y, r.x, r.w, style);
    hl_tui_screen_text (r.y, r.x, r.w, self->text + self->scroll, self->len - self->scroll, style);
    if (focused)
        hl_tui_screen_cursor (r.y, r.x + hl_tui_text_width (self->text + self->scroll,
                                                            self->cursor - self->scroll));
}

//  Several lines: wrap at the width, scroll to the cursor's line.
static void
s_draw_lines (hl_tui_edit_t *self, hl_tui_rect_t r, hl_tui_style_t style, int focused)
{
    self->wrap_cols = r.w - 1 > 0 ? r.w - 1 : 1;
    size_t starts[S_LINES_MAX], lines;
    size_t line = s_cursor_line (self, starts, &lines);
    if (line < self->scroll)
        self->scroll = line;
    if (line >= self->scroll + (size_t) r.h)
        self->scroll = line - (size_t) r.h + 1;
    if (self->scroll >= lines)
        self->scroll = 0;
    for (int i = 0; i < r.h; i++) {
        hl_tui_screen_fill (r.y + i, r.x, r.w, style);
        size_t l = self->scroll + (size_t) i;
        if (l >= lines)
            continue;
        size_t end = l + 1 < lines ? starts[l + 1] : self->len;
        if (end > starts[l] && self->text[end - 1] == L'\n')
            end--;
        hl_tui_screen_text (r.y + i, r.x, r.w, self->text + starts[l], end - starts[l], style);
    }
    if (focused)
        hl_tui_screen_cursor (r.y + (int) (line - self->scroll),
                              r.x + hl_tui_text_width (self->text + starts[line],
                                                       self->cursor - starts[line]));
}

void
hl_tui_edit_draw (hl_tui_edit_t *self, hl_tui_rect_t r, int focused)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    hl_tui_style_t style = focused ? HL_TUI_FOCUS : HL_TUI_FIELD;
    if (self->multiline)
        s_draw_lines (self, r, style, focused);
    else
        s_draw_line (self, r, style, focused);
}
