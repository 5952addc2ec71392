/*  hl_tui_lookup: find any ticket, by its number or by the caller.
 *
 *  The agent types a ticket number (YJ20261127000001) or a phone number
 *  and presses Enter. A number brings the ticket with its full history and
 *  deadlines; a phone number brings the caller's tickets, newest first,
 *  and Enter on one opens it. Everything is fetched on the link, so the
 *  screen stays live while hotlined answers.
 */
#ifndef HL_TUI_LOOKUP_H_INCLUDED
#define HL_TUI_LOOKUP_H_INCLUDED

#include "hl_tui_link.h"
#include "hl_tui_query.h"
#include "hl_tui_screen.h"

#include <stdint.h>
#include <wchar.h>

typedef struct hl_tui_lookup hl_tui_lookup_t;

//  Results of hl_tui_lookup_key().
enum {
    HL_TUI_LOOKUP_IGNORED = 0,
    HL_TUI_LOOKUP_HANDLED = 1,
    HL_TUI_LOOKUP_LEAVE = 2     //  Escape with nothing open: back to the call
};

hl_tui_lookup_t *hl_tui_lookup_new (hl_tui_link_t *link);
void hl_tui_lookup_destroy (hl_tui_lookup_t **self_p);

//  Open the screen with WHAT typed in (may be "" or NULL); a non-empty
//  WHAT is looked up at once.
void hl_tui_lookup_open (hl_tui_lookup_t *self, const char *what, int64_t now_us);

int hl_tui_lookup_key (hl_tui_lookup_t *self, int is_key, wint_t ch, int64_t now_us);

//  Send what is due; 1 if something went out.
int hl_tui_lookup_poll (hl_tui_lookup_t *self, int64_t now_us);

//  Its queries (list, ticket) for the event loop.
hl_tui_query_t *hl_tui_lookup_query (hl_tui_lookup_t *self, int i);
#define HL_TUI_LOOKUP_QUERIES 2

void hl_tui_lookup_draw (hl_tui_lookup_t *self, hl_tui_rect_t r);

#endif
