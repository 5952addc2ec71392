/*  hl_tui_visit: the follow-up visit (回访) of replied tickets.
 *
 *  Lists the tickets whose unit has replied (state replied, oldest work
 *  first as hotlined lists them), shows the selected one with its reply
 *  and history, and records the caller's verdict: resolved or not (y/n)
 *  and satisfied / basically satisfied / unsatisfied (1/2/3). Enter
 *  sends the visit; an unsatisfied caller reopens the ticket (重办).
 *  Each ticket's visit has its own request id, kept across retries.
 */
#ifndef HL_TUI_VISIT_H_INCLUDED
#define HL_TUI_VISIT_H_INCLUDED

#include "hl_tui_link.h"
#include "hl_tui_query.h"
#include "hl_tui_screen.h"
#include "hotline.pb-c.h"

#include <stdint.h>
#include <wchar.h>

typedef struct hl_tui_visit hl_tui_visit_t;

enum {
    HL_TUI_VISIT_IGNORED = 0,
    HL_TUI_VISIT_HANDLED = 1,
    HL_TUI_VISIT_SUBMIT = 2,    //  Enter with a complete verdict
    HL_TUI_VISIT_LEAVE = 3,     //  Escape: back to the call
    HL_TUI_VISIT_INCOMPLETE = 4 //  Enter without a verdict
};

hl_tui_visit_t *hl_tui_visit_new (hl_tui_link_t *link);
void hl_tui_visit_destroy (hl_tui_visit_t **self_p);

//  (Re)load the tickets awaiting a visit.
void hl_tui_visit_open (hl_tui_visit_t *self, int64_t now_us);

int hl_tui_visit_key (hl_tui_visit_t *self, int is_key, wint_t ch, int64_t now_us);
int hl_tui_visit_poll (hl_tui_visit_t *self, int64_t now_us);

hl_tui_query_t *hl_tui_visit_query (hl_tui_visit_t *self, int i);
#define HL_TUI_VISIT_QUERIES 2

//  Fill T (ticket, action, verdict) for the selected ticket; *RID is the
//  visit's request id. -1 if nothing is selected.
int hl_tui_visit_transition (hl_tui_visit_t *self, Hotline__Transition *t, const char **rid);

//  The visit was stored: reload the list.
void hl_tui_visit_done (hl_tui_visit_t *self, int64_t now_us);

void hl_tui_visit_draw (hl_tui_visit_t *self, hl_tui_rect_t r);

#endif
