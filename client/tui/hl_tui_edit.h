/*  hl_tui_edit: an editable text field, one line or several.
 *
 *  Holds wide characters, so a Han character typed through an input
 *  method is one unit for the cursor, Backspace and Delete, whatever its
 *  UTF-8 length. A one-line field scrolls sideways to keep the cursor in
 *  view; a multi-line field wraps at the width it is drawn at (never
 *  splitting a double-width character) and scrolls to the cursor's line.
 */
#ifndef HL_TUI_EDIT_H_INCLUDED
#define HL_TUI_EDIT_H_INCLUDED

#include "hl_tui_screen.h"

#include <stddef.h>
#include <wchar.h>

typedef struct hl_tui_edit hl_tui_edit_t;

//  Results of hl_tui_edit_key().
enum {
    HL_TUI_EDIT_IGNORED = -1,  //  not an editing key: the caller decides
    HL_TUI_EDIT_MOVED = 0,     //  cursor moved, text unchanged
    HL_TUI_EDIT_CHANGED = 1    //  the text changed
};

//  A field of at most MAX_CHARS characters; MULTILINE lets Enter insert a
//  line break and Up/Down move between lines.
hl_tui_edit_t *hl_tui_edit_new (size_t max_chars, int multiline);
void hl_tui_edit_destroy (hl_tui_edit_t **self_p);

//  Apply one key from get_wch (IS_KEY: a KEY_ code; else a character).
int hl_tui_edit_key (hl_tui_edit_t *self, int is_key, wint_t ch);

//  Insert TEXT[0..n) at the cursor (what a paste or an input method sends).
int hl_tui_edit_insert (hl_tui_edit_t *self, const wchar_t *text, size_t n);

//  Replace the whole text (cursor at its end); UTF-8 in.
void hl_tui_edit_set (hl_tui_edit_t *self, const char *utf8);
void hl_tui_edit_clear (hl_tui_edit_t *self);

//  The text: as wide characters (not NUL-terminated; *n its length), or
//  as a fresh UTF-8 string with surrounding blanks trimmed (caller frees).
const wchar_t *hl_tui_edit_text (const hl_tui_edit_t *self, size_t *n);
char *hl_tui_edit_utf8 (const hl_tui_edit_t *self);
int hl_tui_edit_empty (const hl_tui_edit_t *self);

//  Draw in R (one row for a one-line field); when FOCUSED the field is
//  highlighted and asks for the cursor.
void hl_tui_edit_draw (hl_tui_edit_t *self, hl_tui_rect_t r, int focused);

#endif
