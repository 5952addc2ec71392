/*  hl_tui_action: what the agent's screen writes to hotlined.
 *
 *  New tickets and transitions (visit, merge) go through hl_client: the
 *  request is resent under the request id the caller chose until hotlined
 *  confirms it or the deadline passes, so a retry after a lost answer or a
 *  daemon restart never stores anything twice. The answer is folded into
 *  one result the screen can show: stored (ticket, state, unit), refused
 *  (code, field, message), or not confirmed (hotlined unreachable: try
 *  again with the same request id).
 */
#ifndef HL_TUI_ACTION_H_INCLUDED
#define HL_TUI_ACTION_H_INCLUDED

#include "hl_curve.h"
#include "hotline.pb-c.h"

#include <stddef.h>

typedef struct hl_tui_action hl_tui_action_t;

typedef enum {
    HL_TUI_DONE = 0,            //  stored (or stored before: duplicate)
    HL_TUI_REFUSED = 1,         //  hotlined said no; the message says why
    HL_TUI_UNREACHABLE = 2      //  no confirmation in time: retry, same id
} hl_tui_outcome_t;

typedef struct {
    hl_tui_outcome_t outcome;
    char ticket[40];
    int state;                  //  Hotline__State
    int duplicate;
    char unit[64];              //  lead unit, when known
    char code[32];              //  refusal code name
    char field[40];             //  the field refused
    char message[256];
} hl_tui_result_t;

//  Requests to ENDPOINT wait up to TIMEOUT_MS for confirmation.
hl_tui_action_t *hl_tui_action_new (const char *endpoint, const hl_curve_client_t *keys,
                                    int timeout_ms);
void hl_tui_action_destroy (hl_tui_action_t **self_p);

//  Store complaint C under request id RID (the form's idempotency key).
void hl_tui_action_submit (hl_tui_action_t *self, Hotline__Complaint *c, const char *rid,
                           hl_tui_result_t *res);

//  Apply transition T under request id RID.
void hl_tui_action_transition (hl_tui_action_t *self, Hotline__Transition *t, const char *rid,
                               hl_tui_result_t *res);

//  Read TICKET's lead unit into RES->unit (after a dispatch at intake).
//  0, or -1 if it could not be read.
int hl_tui_action_unit (hl_tui_action_t *self, const char *ticket, hl_tui_result_t *res);

//  Requests answered so far (round trips to hotlined).
unsigned long hl_tui_action_round_trips (const hl_tui_action_t *self);

#endif
