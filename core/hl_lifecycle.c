/*  hl_lifecycle: the life of a ticket, as one table. See hl_lifecycle.h. */
#include "hl_lifecycle.h"

#include <assert.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

//  The row of TABLE (N rows of SIZE bytes) whose `code` member (at
//  CODE_AT) is CODE, or NULL. The tables are a dozen or two rows: a linear
//  search is as fast as anything and needs no index to keep in step.
static const void *
s_named (const void *table, int n, size_t size, size_t code_at, const char *code)
{
    for (int i = 0; code && i < n; i++) {
        const char *row = (const char *) table + (size_t) i * size;
        if (strcmp (*(const char *const *) (row + code_at), code) == 0)
            return row;
    }
    return NULL;
}

//  The same by the `wire` member (at WIRE_AT).
static const void *
s_wired (const void *table, int n, size_t size, size_t wire_at, int wire)
{
    for (int i = 0; i < n; i++) {
        const char *row = (const char *) table + (size_t) i * size;
        if (*(const int *) (row + wire_at) == wire)
            return row;
    }
    return NULL;
}

//  The row of TABLE (N rows of TYPE) whose code is NAME.
#define S_NAMED(table, n, type, name) \
    ((const type *) s_named (table, n, sizeof (type), offsetof (type, code), name))

const hl_lifecycle_state_t *
hl_lifecycle_state (int wire)
{
    return s_wired (hl_lifecycle_states, HL_LIFECYCLE_STATES, sizeof (hl_lifecycle_state_t),
                    offsetof (hl_lifecycle_state_t, wire), wire);
}

const hl_lifecycle_state_t *
hl_lifecycle_state_named (const char *code)
{
    return S_NAMED (hl_lifecycle_states, HL_LIFECYCLE_STATES, hl_lifecycle_state_t, code);
}

const hl_lifecycle_action_t *
hl_lifecycle_action (int wire)
{
    return s_wired (hl_lifecycle_actions, HL_LIFECYCLE_ACTIONS, sizeof (hl_lifecycle_action_t),
                    offsetof (hl_lifecycle_action_t, wire), wire);
}

const hl_lifecycle_action_t *
hl_lifecycle_action_named (const char *code)
{
    return S_NAMED (hl_lifecycle_actions, HL_LIFECYCLE_ACTIONS, hl_lifecycle_action_t, code);
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
    return S_NAMED (hl_lifecycle_conditions, HL_LIFECYCLE_CONDITIONS, hl_lifecycle_condition_t,
                    code);
}

const hl_lifecycle_field_t *
hl_lifecycle_field_named (const char *code)
{
    return S_NAMED (hl_lifecycle_fields, HL_LIFECYCLE_FIELDS, hl_lifecycle_field_t, code);
}

static int
s_stored_cmp (const void *name, const void *row)
{
    return strcmp (name, ((const hl_lifecycle_stored_t *) row)->name);
}

//  Called per field of every brief and list row: a binary search over the
//  table the build generates sorted by name (tools/lifecycle.py), so the
//  order is kept by the one generator and checked by the unit test.
const char *
hl_lifecycle_stored_name (const char *name)
{
    assert (name);
    const hl_lifecycle_stored_t *row = bsearch (name, hl_lifecycle_stored, HL_LIFECYCLE_STORED,
                                                sizeof *row, s_stored_cmp);
    return row ? row->stored : name;
}

int
hl_lifecycle_counter_named (const char *code)
{
    const hl_lifecycle_counter_t *c =
        S_NAMED (hl_lifecycle_counters, HL_LIFECYCLE_COUNTERS, hl_lifecycle_counter_t, code);
    return c ? (int) (c - hl_lifecycle_counters) : -1;
}

int
hl_lifecycle_rate_named (const char *code)
{
    const hl_lifecycle_rate_t *r =
        S_NAMED (hl_lifecycle_rates, HL_LIFECYCLE_RATES, hl_lifecycle_rate_t, code);
    return r ? (int) (r - hl_lifecycle_rates) : -1;
}

//  One "RATE:WEIGHT" of the weights into WEIGHTS; SEEN marks the rates named.
static int
s_weight_item (const char *item, int weights[], bool seen[], char *err, size_t errlen)
{
    char code[64];
    int weight, used = 0;
    if (sscanf (item, " %63[a-z_]:%d %n", code, &weight, &used) != 2 || item[used]) {
        snprintf (err, errlen, "score_weights: '%s' is not RATE:WEIGHT", item);
        return -1;
    }
    int r = hl_lifecycle_rate_named (code);
    if (r < 0 || seen[r]) {
        snprintf (err, errlen, "score_weights: '%s' is not a rate named once", code);
        return -1;
    }
    if (weight < 0 || weight > 1000) {
        snprintf (err, errlen, "score_weights: %s: a weight is 0-1000", code);
        return -1;
    }
    seen[r] = true;
    weights[r] = weight;
    return 0;
}

int
hl_lifecycle_weights (const char *text, int weights[HL_LIFECYCLE_RATES], char *err,
                      size_t errlen)
{
    assert (text && weights);
    bool seen[HL_LIFECYCLE_RATES] = { false };
    for (int i = 0; i < HL_LIFECYCLE_RATES; i++)
        weights[i] = *text ? 0 : hl_lifecycle_rates[i].weight;
    char copy[512], *save = NULL;
    if (strlen (text) >= sizeof copy) {
        snprintf (err, errlen, "score_weights: too long");
        return -1;
    }
    snprintf (copy, sizeof copy, "%s", text);
    for (char *item = strtok_r (copy, ",", &save); item; item = strtok_r (NULL, ",", &save))
        if (s_weight_item (item, weights, seen, err, errlen) != 0)
            return -1;
    return 0;
}

double
hl_lifecycle_score (const long long *v, const int weights[HL_LIFECYCLE_RATES])
{
    double sum = 0, total = 0;
    for (int i = 0; i < HL_LIFECYCLE_RATES; i++) {
        const hl_lifecycle_rate_t *r = &hl_lifecycle_rates[i];
        long long den = v[r->den];
        if (weights[i] <= 0 || den <= 0)
            continue;
        double rate = (double) (v[r->num[0]] + (r->num[1] >= 0 ? v[r->num[1]] : 0)) / (double) den;
        sum += weights[i] * (r->lower_is_better ? 1.0 - rate : rate);
        total += weights[i];
    }
    return total > 0 ? 100.0 * sum / total : -1;
}
