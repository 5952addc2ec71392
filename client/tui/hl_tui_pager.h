/*  hl_tui_pager: a long text to read, scrolled with the arrows.
 *
 *  A knowledge-base article in full, a ticket with its history: UTF-8 text
 *  wrapped at the width it is drawn at (so a resize re-wraps it), with a
 *  title and a line of keys.
 */
#ifndef HL_TUI_PAGER_H_INCLUDED
#define HL_TUI_PAGER_H_INCLUDED

#include "hl_tui_screen.h"

#include <wchar.h>

typedef struct hl_tui_pager hl_tui_pager_t;

hl_tui_pager_t *hl_tui_pager_new (void);
void hl_tui_pager_destroy (hl_tui_pager_t **self_p);

//  Show TEXT (UTF-8, copied) under TITLE, from the top; KEYS is the hint
//  line at the bottom.
void hl_tui_pager_set (hl_tui_pager_t *self, const char *title, const char *text,
                       const char *keys);

//  Scroll keys; 1 if the key was one.
int hl_tui_pager_key (hl_tui_pager_t *self, int is_key, wint_t ch);

//  Draw in R (framed).
void hl_tui_pager_draw (hl_tui_pager_t *self, hl_tui_rect_t r);

#endif
