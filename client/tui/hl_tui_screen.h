/*  hl_tui_screen: the terminal, as every part of the agent's screen draws on it.
 *
 *  One curses screen (stdscr) redrawn from the model on every change: a
 *  frame starts blank, each part draws into its rectangle, and the frame
 *  ends by placing the cursor where the focused field wants it. curses
 *  sends only what changed, so a full redraw costs little, and a resize
 *  needs nothing more than drawing the next frame at the new size.
 *
 *  Text drawing is clipped to a number of columns and never splits a
 *  double-width character: the column that cannot hold one is left blank.
 */
#ifndef HL_TUI_SCREEN_H_INCLUDED
#define HL_TUI_SCREEN_H_INCLUDED

#include <stddef.h>
#include <wchar.h>

typedef struct {
    int y, x, h, w;
} hl_tui_rect_t;

//  How a piece of text looks; colours where the terminal has them, plain
//  attributes otherwise.
typedef enum {
    HL_TUI_NORMAL = 0,
    HL_TUI_TITLE,       //  title bar
    HL_TUI_BANNER,      //  daemon away: impossible to miss
    HL_TUI_WARN,        //  repeat caller, refusals
    HL_TUI_FIELD,       //  an input field
    HL_TUI_FOCUS,       //  the focused input field
    HL_TUI_SELECT,      //  the selected row of a list
    HL_TUI_DIM,         //  labels and hints
    HL_TUI_OK,          //  done
    HL_TUI_KEYS,        //  the key line at the bottom
    HL_TUI_STYLES
} hl_tui_style_t;

//  Start curses in raw keyboard mode with keypad keys, short Escape delay
//  and colours. 0, or -1 if the terminal cannot be used.
int hl_tui_screen_start (void);
void hl_tui_screen_end (void);

//  Current size.
int hl_tui_screen_rows (void);
int hl_tui_screen_cols (void);

//  Begin a frame (all blank, no cursor) and end it (cursor shown where a
//  field asked for it, hidden otherwise; output flushed).
void hl_tui_screen_begin (void);
void hl_tui_screen_end_frame (void);

//  Ask for the cursor at (Y, X) when the frame ends.
void hl_tui_screen_cursor (int y, int x);

//  Draw TEXT[0..n) at (Y, X) in at most COLS columns; line breaks and
//  tabs show as spaces, unprintable characters as '?'. Returns the
//  columns used.
int hl_tui_screen_text (int y, int x, int cols, const wchar_t *text, size_t n,
                        hl_tui_style_t style);

//  The same for LEN bytes of UTF-8, and for a NUL-terminated string.
int hl_tui_screen_bytes (int y, int x, int cols, const void *data, size_t len,
                         hl_tui_style_t style);
int hl_tui_screen_str (int y, int x, int cols, const char *str, hl_tui_style_t style);

//  Fill COLS columns at (Y, X) with blanks in STYLE.
void hl_tui_screen_fill (int y, int x, int cols, hl_tui_style_t style);

//  A framed, cleared rectangle with TITLE in its top edge.
void hl_tui_screen_box (hl_tui_rect_t r, const char *title);

//  A centred rectangle of at most H x W inside the screen.
hl_tui_rect_t hl_tui_screen_centre (int h, int w);

//  Move a list selection *SEL among COUNT rows for Up, Down, PgUp, PgDn,
//  Home and End (PAGE rows a page). Returns 1 if the key was one of these.
int hl_tui_screen_list_key (int *sel, int count, int page, int is_key, wint_t ch);

//  The first row to show so that row SEL is visible in H rows.
int hl_tui_screen_list_top (int sel, int count, int h);

#endif
