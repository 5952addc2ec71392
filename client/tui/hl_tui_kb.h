/*  hl_tui_kb: knowledge-base suggestions beside the ticket form.
 *
 *  As the agent types the caller's words, the panel asks hotlined for the
 *  best articles (KbQuery) once typing pauses, on the link's own socket,
 *  and shows titles with their unit and matched words. One article can be
 *  opened in full and used to answer the caller directly. When hotlined
 *  does not serve the knowledge base (or is away), the panel says
 *  "knowledge base unavailable" and the form carries on without it.
 */
#ifndef HL_TUI_KB_H_INCLUDED
#define HL_TUI_KB_H_INCLUDED

#include "hl_buf.h"
#include "hl_tui_link.h"
#include "hl_tui_query.h"
#include "hl_tui_screen.h"
#include "hotline.pb-c.h"

#include <stdint.h>
#include <wchar.h>

typedef struct hl_tui_kb hl_tui_kb_t;

hl_tui_kb_t *hl_tui_kb_new (hl_tui_link_t *link, int debounce_ms);
void hl_tui_kb_destroy (hl_tui_kb_t **self_p);

//  The caller's words changed (UTF-8) at NOW_US.
void hl_tui_kb_input (hl_tui_kb_t *self, const char *text, int64_t now_us);

//  Ask now if the debounce has passed; returns 1 if a request went out.
int hl_tui_kb_poll (hl_tui_kb_t *self, int64_t now_us);

//  The query (for wake-up times, answers and figures).
hl_tui_query_t *hl_tui_kb_query (hl_tui_kb_t *self);

//  Selection keys (Up/Down/...); 1 if taken.
int hl_tui_kb_key (hl_tui_kb_t *self, int is_key, wint_t ch);

//  The selected suggestion, or NULL when there is none.
const Hotline__KbHit *hl_tui_kb_selected (const hl_tui_kb_t *self);

//  Number of suggestions shown.
int hl_tui_kb_count (const hl_tui_kb_t *self);

//  The selected article in full, for reading (title, unit, text).
void hl_tui_kb_article (const hl_tui_kb_t *self, hl_buf_t *out);

//  Draw the panel in R; FOCUSED shows the selection.
void hl_tui_kb_draw (hl_tui_kb_t *self, hl_tui_rect_t r, int focused);

//  A snippet as plain text into OUT (NUL-terminated): see hl_snippet.h.
void hl_tui_kb_plain (const void *data, size_t len, hl_buf_t *out);

#endif
