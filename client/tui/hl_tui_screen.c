/*  hl_tui_screen: the terminal. See hl_tui_screen.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_screen.h"
#include "hl_tui_text.h"

#include <assert.h>
#include <curses.h>
#include <stdlib.h>
#include <string.h>

static int s_cursor_y = -1, s_cursor_x = -1;
static int s_colours = 0;

//  Colour pair and attribute of each style (pair 0 means none).
static const struct {
    short fg, bg;
    attr_t plain;           //  without colours
    attr_t extra;           //  with colours
} s_styles[HL_TUI_STYLES] = {
    [HL_TUI_NORMAL] = { -1, -1, A_NORMAL, A_NORMAL },
    [HL_TUI_TITLE]  = { COLOR_WHITE, COLOR_BLUE, A_REVERSE, A_BOLD },
    [HL_TUI_BANNER] = { COLOR_WHITE, COLOR_RED, A_REVERSE | A_BOLD, A_BOLD },
    [HL_TUI_WARN]   = { COLOR_RED, -1, A_BOLD, A_BOLD },
    [HL_TUI_FIELD]  = { -1, -1, A_UNDERLINE, A_UNDERLINE },
    [HL_TUI_FOCUS]  = { COLOR_BLACK, COLOR_CYAN, A_REVERSE, A_NORMAL },
    [HL_TUI_SELECT] = { COLOR_BLACK, COLOR_YELLOW, A_REVERSE, A_NORMAL },
    [HL_TUI_DIM]    = { COLOR_CYAN, -1, A_DIM, A_NORMAL },
    [HL_TUI_OK]     = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
    [HL_TUI_KEYS]   = { COLOR_BLACK, COLOR_WHITE, A_REVERSE, A_NORMAL },
};

//  The curses attributes of STYLE on this terminal.
static attr_t
s_attr (hl_tui_style_t style)
{
    assert (style < HL_TUI_STYLES);
    if (!s_colours)
        return s_styles[style].plain;
    return s_styles[style].extra | (style ? COLOR_PAIR (style) : 0);
}

int
hl_tui_screen_start (void)
{
    if (!initscr ())
        return -1;
    raw ();
    noecho ();
    nonl ();
    keypad (stdscr, TRUE);
    nodelay (stdscr, TRUE);
    set_escdelay (25);
    if (has_colors () && start_color () == OK) {
        use_default_colors ();
        for (int i = 1; i < HL_TUI_STYLES; i++)
            init_pair ((short) i, s_styles[i].fg, s_styles[i].bg);
        s_colours = 1;
    }
    return 0;
}

void
hl_tui_screen_end (void)
{
    endwin ();
}

int
hl_tui_screen_rows (void)
{
    return LINES;
}

int
hl_tui_screen_cols (void)
{
    return COLS;
}

void
hl_tui_screen_begin (void)
{
    erase ();
    s_cursor_y = s_cursor_x = -1;
}

void
hl_tui_screen_end_frame (void)
{
    if (s_cursor_y >= 0 && s_cursor_y < LINES && s_cursor_x >= 0 && s_cursor_x < COLS) {
        curs_set (1);
        move (s_cursor_y, s_cursor_x);
    }
    else {
        curs_set (0);
        move (LINES - 1, 0);
    }
    refresh ();
}

void
hl_tui_screen_cursor (int y, int x)
{
    s_cursor_y = y;
    s_cursor_x = x;
}

int
hl_tui_screen_text (int y, int x, int cols, const wchar_t *text, size_t n, hl_tui_style_t style)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || cols <= 0)
        return 0;
    if (x + cols > COLS)
        cols = COLS - x;
    attr_t attr = s_attr (style);
    attron (attr);
    move (y, x);
    int used = 0;
    for (size_t i = 0; i < n; i++) {
        wchar_t c = text[i];
        int w = hl_tui_text_char_width (c);
        if (c == L'\n' || c == L'\t')
            c = L' ';
        else if (wcwidth (c) < 0)
            c = L'?';
        if (used + w > cols)
            break;
        if (w == 0 && used == 0)
            continue;           //  a combining mark needs a base
        addnwstr (&c, 1);
        used += w;
    }
    attroff (attr);
    return used;
}

int
hl_tui_screen_bytes (int y, int x, int cols, const void *data, size_t len, hl_tui_style_t style)
{
    size_t n;
    wchar_t *w = hl_tui_text_wcs (data, len, &n);
    int used = hl_tui_screen_text (y, x, cols, w, n, style);
    free (w);
    return used;
}

int
hl_tui_screen_str (int y, int x, int cols, const char *str, hl_tui_style_t style)
{
    return hl_tui_screen_bytes (y, x, cols, str, str ? strlen (str) : 0, style);
}

void
hl_tui_screen_fill (int y, int x, int cols, hl_tui_style_t style)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || cols <= 0)
        return;
    if (x + cols > COLS)
        cols = COLS - x;
    attr_t attr = s_attr (style);
    attron (attr);
    mvhline (y, x, ' ', cols);
    attroff (attr);
}

void
hl_tui_screen_box (hl_tui_rect_t r, const char *title)
{
    if (r.h < 2 || r.w < 2)
        return;
    for (int i = 0; i < r.h; i++)
        hl_tui_screen_fill (r.y + i, r.x, r.w, HL_TUI_NORMAL);
    mvhline (r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline (r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline (r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline (r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch (r.y, r.x, ACS_ULCORNER);
    mvaddch (r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch (r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvaddch (r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    if (title && *title) {
        int used = hl_tui_screen_str (r.y, r.x + 2, r.w - 4, " ", HL_TUI_NORMAL);
        used += hl_tui_screen_str (r.y, r.x + 2 + used, r.w - 5 - used, title, HL_TUI_TITLE);
        hl_tui_screen_str (r.y, r.x + 2 + used, 1, " ", HL_TUI_NORMAL);
    }
}

hl_tui_rect_t
hl_tui_screen_centre (int h, int w)
{
    hl_tui_rect_t r;
    r.h = h < LINES ? h : LINES;
    r.w = w < COLS ? w : COLS;
    r.y = (LINES - r.h) / 2;
    r.x = (COLS - r.w) / 2;
    return r;
}

int
hl_tui_screen_list_key (int *sel, int count, int page, int is_key, wint_t ch)
{
    if (!is_key)
        return 0;
    int s = *sel;
    switch (ch) {
        case KEY_UP:    s--; break;
        case KEY_DOWN:  s++; break;
        case KEY_PPAGE: s -= page > 1 ? page : 1; break;
        case KEY_NPAGE: s += page > 1 ? page : 1; break;
        case KEY_HOME:  s = 0; break;
        case KEY_END:   s = count - 1; break;
        default:        return 0;
    }
    if (s >= count)
        s = count - 1;
    if (s < 0)
        s = 0;
    *sel = s;
    return 1;
}

int
hl_tui_screen_list_top (int sel, int count, int h)
{
    if (h <= 0 || count <= h || sel < h / 2)
        return 0;
    int top = sel - h / 2;
    return top + h > count ? count - h : top;
}
