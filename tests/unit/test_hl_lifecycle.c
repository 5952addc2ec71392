/*  Unit test of hl_lifecycle: the generated table agrees with the wire
 *  schema (every State and Action of proto/hotline.proto has one entry,
 *  and no entry lacks one), and the lookups find what they should.
 */
#include "hl_lifecycle.h"
#include "hl_test.h"

#include <stddef.h>
#include <string.h>

static void
test_wire (void)
{
    const ProtobufCEnumDescriptor *states = &hotline__state__descriptor;
    for (unsigned i = 0; i < states->n_values; i++) {
        int v = states->values[i].value;
        HL_CHECK (v == 0 ? hl_lifecycle_state (v) == NULL : hl_lifecycle_state (v) != NULL);
    }
    HL_CHECK (states->n_values == HL_LIFECYCLE_STATES + 1);
    const ProtobufCEnumDescriptor *actions = &hotline__action__descriptor;
    for (unsigned i = 0; i < actions->n_values; i++) {
        int v = actions->values[i].value;
        HL_CHECK (v == 0 ? hl_lifecycle_action (v) == NULL : hl_lifecycle_action (v) != NULL);
    }
    HL_CHECK (actions->n_values == HL_LIFECYCLE_ACTIONS + 1);
}

static void
test_lookups (void)
{
    const hl_lifecycle_state_t *returned = hl_lifecycle_state_named ("returned");
    HL_CHECK (returned && returned->wire == HOTLINE__STATE__STATE_RETURNED);
    HL_CHECK (returned && returned->open && returned->clock == HL_CLOCK_PAUSED);
    HL_CHECK (hl_lifecycle_state_named ("nonsense") == NULL);
    HL_CHECK (hl_lifecycle_state_named (NULL) == NULL);
    HL_CHECK (hl_lifecycle_is_open (HL_STATE_RETURNED) && !hl_lifecycle_is_open (HL_STATE_MERGED));
    HL_CHECK (!hl_lifecycle_is_open (0));
    const hl_lifecycle_action_t *close = hl_lifecycle_action_named ("close");
    HL_CHECK (close && !close->by_unit);
    const hl_lifecycle_action_t *sign = hl_lifecycle_action (HOTLINE__ACTION__ACTION_SIGN);
    const hl_lifecycle_state_t *dispatched = hl_lifecycle_state (HL_STATE_DISPATCHED);
    HL_CHECK (sign && dispatched && hl_lifecycle_allows (sign, dispatched));
    HL_CHECK (sign && returned && !hl_lifecycle_allows (sign, returned));
    HL_CHECK (sign && dispatched
              && hl_lifecycle_after (sign, dispatched)->wire == HOTLINE__STATE__STATE_SIGNED);
    const hl_lifecycle_action_t *pause = hl_lifecycle_action_named ("pause");
    HL_CHECK (pause && dispatched && hl_lifecycle_after (pause, dispatched) == dispatched);
    HL_CHECK (hl_lifecycle_condition_named ("paused") != NULL);
    HL_CHECK (hl_lifecycle_field_named ("unit") != NULL);
    HL_CHECK (strcmp (hl_lifecycle_stored_name ("first_contact_ms"), "fc") == 0);
    HL_CHECK (strcmp (hl_lifecycle_stored_name ("state"), "state") == 0);
    //  The stored names are searched by halves: sorted, and each one found.
    for (size_t i = 0; i < HL_LIFECYCLE_STORED; i++) {
        HL_CHECK (i == 0 || strcmp (hl_lifecycle_stored[i - 1].name, hl_lifecycle_stored[i].name) < 0);
        HL_CHECK (hl_lifecycle_stored_name (hl_lifecycle_stored[i].name) == hl_lifecycle_stored[i].stored);
    }
    HL_CHECK (strcmp (hl_lifecycle_stored_name ("zzz_not_stored"), "zzz_not_stored") == 0);
    HL_CHECK (strcmp (hl_lifecycle_stored_name (""), "") == 0);
    HL_CHECK (hl_lifecycle_counter_named ("replied") == HL_COUNTER_REPLIED);
    HL_CHECK (hl_lifecycle_counter_named ("nonsense") == -1);
    //  An unsatisfied visit branches to 甄别; other actions have no branch.
    const hl_lifecycle_action_t *visit = hl_lifecycle_action_named ("visit");
    HL_CHECK (visit && visit->branch_field && strcmp (visit->branch_field, "satisfaction") == 0
              && strcmp (visit->branch_value, "unsatisfied") == 0
              && hl_lifecycle_states[visit->branch_to].wire == HOTLINE__STATE__STATE_REVIEWING);
    HL_CHECK (sign && sign->branch_field == NULL);
}

//  The lists the daemon and the clients show: open states in table order,
//  the clocked ones a subset of them.
static void
test_lists (void)
{
    int open = 0;
    for (int i = 0; i < HL_LIFECYCLE_STATES; i++)
        open += hl_lifecycle_states[i].open;
    HL_CHECK (open == HL_LIFECYCLE_OPEN);
    for (int i = 0; i < HL_LIFECYCLE_OPEN; i++)
        HL_CHECK (hl_lifecycle_open[i]->open);
    for (int i = 0; i < HL_LIFECYCLE_CLOCKED; i++)
        HL_CHECK (hl_lifecycle_clocked[i]->clock != HL_CLOCK_NONE);
    for (int i = 0; i < HL_LIFECYCLE_ACTIONS; i++) {
        const hl_lifecycle_action_t *a = &hl_lifecycle_actions[i];
        HL_CHECK (a->from != 0);
        HL_CHECK (a->to == HL_LIFECYCLE_SAME || (a->to >= 0 && a->to < HL_LIFECYCLE_STATES));
        for (int k = 0; a->requires[k].code; k++)
            HL_CHECK (hl_lifecycle_condition_named (a->requires[k].code) != NULL);
    }
}

//  The 考核 weights: the table's defaults (30/35/35 on the 三率), a
//  configured set, and each kind of bad input refused with its reason;
//  the score over the rates that have a denominator.
static void
test_score (void)
{
    int w[HL_LIFECYCLE_RATES];
    char err[200];
    int response = hl_lifecycle_rate_named ("response_rate");
    int resolution = hl_lifecycle_rate_named ("resolution_rate");
    int satisfaction = hl_lifecycle_rate_named ("satisfaction_rate");
    int ret = hl_lifecycle_rate_named ("return_rate");
    HL_CHECK (response >= 0 && resolution >= 0 && satisfaction >= 0 && ret >= 0);
    HL_CHECK (hl_lifecycle_rate_named ("no_such_rate") == -1);
    HL_CHECK (hl_lifecycle_weights ("", w, err, sizeof err) == 0);
    HL_CHECK (w[response] == 30 && w[resolution] == 35 && w[satisfaction] == 35 && w[ret] == 0);
    HL_CHECK (hl_lifecycle_weights ("satisfaction_rate:1, return_rate:3", w, err, sizeof err) == 0);
    HL_CHECK (w[response] == 0 && w[satisfaction] == 1 && w[ret] == 3);
    HL_CHECK (hl_lifecycle_weights ("nonsense", w, err, sizeof err) == -1
              && strstr (err, "not RATE:WEIGHT"));
    HL_CHECK (hl_lifecycle_weights ("visit_rate:1,visit_rate:2", w, err, sizeof err) == -1
              && strstr (err, "named once"));
    HL_CHECK (hl_lifecycle_weights ("bogus_rate:1", w, err, sizeof err) == -1
              && strstr (err, "named once"));
    HL_CHECK (hl_lifecycle_weights ("visit_rate:1001", w, err, sizeof err) == -1
              && strstr (err, "0-1000"));

    //  响应率 1/2, 解决率 1/2, 满意率 2/2: (30 x .5 + 35 x .5 + 35 x 1) / 100.
    long long v[HL_LIFECYCLE_COUNTERS] = { 0 };
    HL_CHECK (hl_lifecycle_weights ("", w, err, sizeof err) == 0);
    HL_CHECK (hl_lifecycle_score (v, w) == -1);      //  no denominator: no score
    v[hl_lifecycle_counter_named ("contact_due")] = 2;
    v[hl_lifecycle_counter_named ("responded_on_time")] = 1;
    v[hl_lifecycle_counter_named ("rated")] = 2;
    v[hl_lifecycle_counter_named ("resolved")] = 1;
    v[hl_lifecycle_counter_named ("satisfied")] = 1;
    v[hl_lifecycle_counter_named ("basically_satisfied")] = 1;
    double score = hl_lifecycle_score (v, w);
    HL_CHECK (score > 67.4999 && score < 67.5001);
    //  A lower-is-better rate weighs 1 - rate: 回退率 1/4 alone gives 75.
    HL_CHECK (hl_lifecycle_weights ("return_rate:1", w, err, sizeof err) == 0);
    v[hl_lifecycle_counter_named ("dispatched")] = 4;
    v[hl_lifecycle_counter_named ("returned")] = 1;
    score = hl_lifecycle_score (v, w);
    HL_CHECK (score > 74.9999 && score < 75.0001);
}

int
main (int argc, char **argv)
{
    static const hl_test_case_t cases[] = {
        { "wire", test_wire },
        { "lookups", test_lookups },
        { "lists", test_lists },
        { "score", test_score },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
