/*  hl_lifecycle: the life of a ticket, as one table.
 *
 *  States (code, labels, open or closed, SLA clocks), actions (who, from
 *  which states, to which state, what they need and count), counters and
 *  rates come from core/lifecycle.json through the generated
 *  hl_lifecycle_table.h; this module looks them up. The same table is the
 *  Lua of the Function library (daemon/hotline.lua) and the JSON of the
 *  dashboard, so the daemon, Redis, the clients and the page cannot
 *  disagree about a state's name or label.
 */
#ifndef HL_LIFECYCLE_H_INCLUDED
#define HL_LIFECYCLE_H_INCLUDED

#include "hl_lifecycle_table.h"

//  The state or action with wire value WIRE, or with CODE; NULL if none.
const hl_lifecycle_state_t *hl_lifecycle_state (int wire);
const hl_lifecycle_state_t *hl_lifecycle_state_named (const char *code);
const hl_lifecycle_action_t *hl_lifecycle_action (int wire);
const hl_lifecycle_action_t *hl_lifecycle_action_named (const char *code);

//  Whether the state with wire value WIRE is open (false if none).
bool hl_lifecycle_is_open (int wire);

//  Whether the table lets ACTION be taken from STATE.
bool hl_lifecycle_allows (const hl_lifecycle_action_t *action, const hl_lifecycle_state_t *state);

//  The state ACTION leads to from FROM in the ordinary case (the table's
//  "to"; FROM itself for actions that leave the state as it is).
const hl_lifecycle_state_t *hl_lifecycle_after (const hl_lifecycle_action_t *action,
                                                const hl_lifecycle_state_t *from);

//  The condition, field or counter with CODE; NULL (counters: -1) if none.
const hl_lifecycle_condition_t *hl_lifecycle_condition_named (const char *code);
const hl_lifecycle_field_t *hl_lifecycle_field_named (const char *code);
int hl_lifecycle_counter_named (const char *code);

//  The ticket hash's field NAME as Redis stores it (store layout 7): its
//  short name if the table gives it one, else NAME itself. For the C
//  readers that read the hash themselves; hl_ticket_get gives NAME.
const char *hl_lifecycle_stored_name (const char *name);

//  The rate with CODE, its index in hl_lifecycle_rates; -1 if none.
int hl_lifecycle_rate_named (const char *code);

//  The 考核 score's weights per rate (index as hl_lifecycle_rates) from
//  TEXT, "RATE:WEIGHT,..." (each 0-1000, a rate named at most once, the
//  others 0); "" gives the table's defaults. 0, or -1 with ERR said.
int hl_lifecycle_weights (const char *text, int weights[HL_LIFECYCLE_RATES], char *err,
                          size_t errlen);

//  The score of counters V (index as hl_lifecycle_counters) under WEIGHTS:
//  100 x the weighted mean of the weighted rates that have a denominator
//  (1 - rate for those lower_is_better); -1 if none has.
double hl_lifecycle_score (const long long *v, const int weights[HL_LIFECYCLE_RATES]);

#endif
