/*  Fuzz target: sla/hl_sla_policy, the SLA policy file (sla.conf) loaded
 *  from memory, then every request type's deadlines on the shipped
 *  calendar, with and without pauses.
 */
#include "hl_fuzz.h"
#include "hl_sla_policy.h"

static hl_calendar_t *s_calendar;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    char err[256];
    s_calendar = hl_calendar_new ();
    if (hl_calendar_load_dir (s_calendar, HL_SRC_ROOT "/deploy/etc/calendar", err, sizeof err)) {
        fprintf (stderr, "%s\n", err);
        abort ();
    }
    return 0;
}

static void
s_deadlines (hl_sla_policy_t *policy)
{
    int64_t start = hl_calendar_local_ms (2026, 9, 30, 17, 45);
    hl_sla_pause_t pauses[] = {
        { start + 3600000, start + 7200000 },
        { start + 86400000, HL_SLA_OPEN },
    };
    static const char *tags[] = { NULL, "utility-outage", "x" };
    for (int type = 0; type < HL_SLA_TYPES; type++)
        for (int bits = 0; bits < 12; bits++) {
            hl_sla_ticket_t ticket = { .type = type, .urgent = bits & 1,
                                       .enterprise = (bits >> 1) & 1, .tag = tags[bits >> 2] };
            HL_FUZZ_ASSERT (hl_sla_policy_profile (policy, &ticket));
            hl_sla_deadline_t d[HL_SLA_MILESTONES];
            HL_FUZZ_ASSERT (hl_sla_policy_deadlines (policy, s_calendar, &ticket, start, d) == 0);
            for (int m = 0; m < HL_SLA_MILESTONES; m++) {
                HL_FUZZ_ASSERT (d[m].due_ms >= start || (d[m].flags & HL_SLA_NO_LIMIT));
                hl_sla_time_left (&d[m], s_calendar, start + 60000);
                hl_sla_deadline_t paused;
                hl_sla_policy_deadline (policy, s_calendar, &ticket, m, start, pauses,
                                        bits & 1 ? 2 : 1, &paused);
            }
        }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = hl_fuzz_cstr (data, size);
    char err[256] = "";
    hl_sla_policy_t *policy = hl_sla_policy_new ();
    uint64_t generation = hl_sla_policy_generation (policy);
    if (hl_sla_policy_load_string (policy, text, "sla.conf", err, sizeof err) == 0)
        s_deadlines (policy);
    else
        HL_FUZZ_ASSERT (*err && hl_sla_policy_generation (policy) == generation);
    hl_sla_limit_t limit;
    char buf[32];
    if (hl_sla_limit_parse (text, &limit) == 0)
        hl_sla_limit_format (limit, buf, sizeof buf);
    hl_sla_type_parse (text);
    hl_sla_milestone_parse (text);
    hl_sla_policy_destroy (&policy);
    free (text);
    return 0;
}
