/*  hl_tui_similar: open tickets like the one being typed (并单 candidates).
 *
 *  Once the area is chosen and the content typed, hotlined is asked for
 *  open tickets in the same area (and category) with similar content
 *  (SimilarQuery), debounced like the knowledge base. The agent can pick
 *  one to merge the new request into: the caller then gets that ticket's
 *  answer. While hotlined does not serve the question the panel says so.
 */
#ifndef HL_TUI_SIMILAR_H_INCLUDED
#define HL_TUI_SIMILAR_H_INCLUDED

#include "hl_tui_link.h"
#include "hl_tui_query.h"
#include "hl_tui_screen.h"

#include <stdint.h>
#include <wchar.h>

typedef struct hl_tui_similar hl_tui_similar_t;

hl_tui_similar_t *hl_tui_similar_new (hl_tui_link_t *link, int debounce_ms);
void hl_tui_similar_destroy (hl_tui_similar_t **self_p);

//  The ticket being typed changed: content TEXT, AREA and CATEGORY codes
//  ("" when not chosen yet). Asks once an area and some text are there.
void hl_tui_similar_input (hl_tui_similar_t *self, const char *text, const char *area,
                           const char *category, int64_t now_us);

int hl_tui_similar_poll (hl_tui_similar_t *self, int64_t now_us);
hl_tui_query_t *hl_tui_similar_query (hl_tui_similar_t *self);

int hl_tui_similar_key (hl_tui_similar_t *self, int is_key, wint_t ch);
int hl_tui_similar_count (const hl_tui_similar_t *self);

//  The selected ticket's number, or NULL.
const char *hl_tui_similar_selected (const hl_tui_similar_t *self);

void hl_tui_similar_draw (hl_tui_similar_t *self, hl_tui_rect_t r, int focused);

#endif
