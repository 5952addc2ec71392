/*  hl_tui_picker: choose one item of a list by typing part of it.
 *
 *  Category and area codes, request types, transfer numbers, reasons for
 *  refusing: the agent types a few characters of the code or the name
 *  (Chinese or Latin), the list narrows at each key, Enter takes the
 *  highlighted item. Digits 1-9 take the n-th item directly while nothing
 *  has been typed, for short lists. A picker may also accept free text
 *  (Enter with no match takes what was typed).
 */
#ifndef HL_TUI_PICKER_H_INCLUDED
#define HL_TUI_PICKER_H_INCLUDED

#include "hl_tui_screen.h"

#include <wchar.h>

typedef struct hl_tui_picker hl_tui_picker_t;

//  Results of hl_tui_picker_key().
enum {
    HL_TUI_PICKER_OPEN = 0,     //  still choosing
    HL_TUI_PICKER_CHOSEN = 1,   //  an item (or free text) was taken
    HL_TUI_PICKER_CANCELLED = 2 //  Escape
};

//  An empty picker titled TITLE; FREE_TEXT allows taking typed text.
hl_tui_picker_t *hl_tui_picker_new (const char *title, int free_text);
void hl_tui_picker_destroy (hl_tui_picker_t **self_p);

//  Add an item (copied). DIGITS: items 1-9 can be taken by number.
void hl_tui_picker_add (hl_tui_picker_t *self, const char *code, const char *name);
void hl_tui_picker_digits (hl_tui_picker_t *self, int on);

size_t hl_tui_picker_count (const hl_tui_picker_t *self);
const char *hl_tui_picker_code (const hl_tui_picker_t *self, size_t i);
const char *hl_tui_picker_name (const hl_tui_picker_t *self, size_t i);

//  The index of CODE, or -1.
int hl_tui_picker_find (const hl_tui_picker_t *self, const char *code);

//  Start choosing, with the search already holding FIRST (0: empty).
void hl_tui_picker_open (hl_tui_picker_t *self, wchar_t first);

//  Apply a key. After CHOSEN, hl_tui_picker_chosen() tells what.
int hl_tui_picker_key (hl_tui_picker_t *self, int is_key, wint_t ch);

//  The item taken, or -1 if free text was taken (then _text() has it).
int hl_tui_picker_chosen (const hl_tui_picker_t *self);
//  The typed text (UTF-8, caller frees).
char *hl_tui_picker_text (const hl_tui_picker_t *self);

//  Draw as a box in the middle of the screen.
void hl_tui_picker_draw (hl_tui_picker_t *self);

#endif
