/*  hl_lifecycle: the life of a ticket, as one table. See hl_lifecycle.h. */
#include "hl_lifecycle.h"

#include <assert.h>
#include <string.h>

//  The tables are a dozen or two entries: a linear search is as fast as
//  anything and needs no index to keep in step.
const hl_lifecycle_state_t *
hl_lifecycle_state (int wire)
{
    for (int i = 0; i < HL_LIFECYCLE_STATES; i++)
        if (hl_lifecycle_states[i].wire == wire)
            return &hl_lifecycle_states[i];
    return NULL;
}

const hl_lifecycle_state_t *
hl_lifecycle_state_named (const char *code)
{
    for (int i = 0; code && i < HL_LIFECYCLE_STATES; i++)
        if (strcmp (hl_lifecycle_states[i].code, code) == 0)
            return &hl_lifecycle_states[i];
    return NULL;
}

const hl_lifecycle_action_t *
hl_lifecycle_action (int wire)
{
    for (int i = 0; i < HL_LIFECYCLE_ACTIONS; i++)
        if (hl_lifecycle_actions[i].wire == wire)
            return &hl_lifecycle_actions[i];
    return NULL;
}

const hl_lifecycle_action_t *
hl_lifecycle_action_named (const char *code)
{
    for (int i = 0; code && i < HL_LIFECYCLE_ACTIONS; i++)
        if (strcmp (hl_lifecycle_actions[i].code, code) == 0)
            return &hl_lifecycle_actions[i];
    return NULL;
}

bool
hl_lifecycle_is_open (int wire)
{
    const hl_lifecycle_state_t *s = hl_lifecycle_state (wire);
    return s && s->open;
}

bool
hl_lifecycle_allows (const hl_lifecycle_action_t *action, const hl_lifecycle_state_t *state)
{
    assert (action && state);
    return (action->from >> (state - hl_lifecycle_states)) & 1u;
}

const hl_lifecycle_state_t *
hl_lifecycle_after (const hl_lifecycle_action_t *action, const hl_lifecycle_state_t *from)
{
    assert (action && from);
    return action->to == HL_LIFECYCLE_SAME ? from : &hl_lifecycle_states[action->to];
}

const hl_lifecycle_condition_t *
hl_lifecycle_condition_named (const char *code)
{
    for (int i = 0; code && i < HL_LIFECYCLE_CONDITIONS; i++)
        if (strcmp (hl_lifecycle_conditions[i].code, code) == 0)
            return &hl_lifecycle_conditions[i];
    return NULL;
}

const hl_lifecycle_field_t *
hl_lifecycle_field_named (const char *code)
{
    for (int i = 0; code && i < HL_LIFECYCLE_FIELDS; i++)
        if (strcmp (hl_lifecycle_fields[i].code, code) == 0)
            return &hl_lifecycle_fields[i];
    return NULL;
}

int
hl_lifecycle_counter_named (const char *code)
{
    for (int i = 0; code && i < HL_LIFECYCLE_COUNTERS; i++)
        if (strcmp (hl_lifecycle_counters[i].code, code) == 0)
            return i;
    return -1;
}
