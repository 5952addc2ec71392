/*  timers-calendar: working-time computations per second.
 *
 *  Usage: timers-calendar [CALENDAR_DIR [SLA_CONF]]
 *  (defaults: deploy/etc/calendar and deploy/etc/sla.conf)
 *
 *  The part of bench/timers that needs no Redis: how many deadlines the
 *  SLA core computes per second on the shipped 2025/2026 calendar, from
 *  random start moments over both years, for the calendar primitives and
 *  for a full policy lookup with pauses (what recomputing every open
 *  ticket after a calendar change costs per ticket).
 */
#include "hl_calendar.h"
#include "hl_sla_policy.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define S_STARTS 4096                   //  distinct start moments, reused
#define S_ROUNDS 1000000                //  computations per measurement

static int64_t s_starts[S_STARTS];

static double
s_seconds (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

//  Start moments spread over 2025-2026 at minute resolution, so that
//  every kind of receipt (night, weekend, holiday, lunch) is covered.
static void
s_fill_starts (void)
{
    uint64_t seed = 0x2545f4914f6cdd1dull;
    int64_t base = hl_calendar_local_ms (2025, 1, 1, 0, 0);
    for (int i = 0; i < S_STARTS; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        s_starts[i] = base + (int64_t) (seed % (700 * 1440)) * 60000;
    }
}

//  Run one kind of computation S_ROUNDS times and print its rate; the
//  checksum keeps the compiler from dropping the work.
#define MEASURE(label, expr) do { \
    int64_t sum = 0; \
    double t0 = s_seconds (); \
    for (int i = 0; i < S_ROUNDS; i++) { \
        int64_t t = s_starts[i % S_STARTS]; \
        sum += (expr); \
    } \
    double dt = s_seconds () - t0; \
    printf ("%-44s %12.0f /s  (checksum %" PRId64 ")\n", label, S_ROUNDS / dt, sum / 60000 % 1000); \
} while (0)

int
main (int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "deploy/etc/calendar";
    const char *conf = argc > 2 ? argv[2] : "deploy/etc/sla.conf";
    char err[512];
    hl_calendar_t *cal = hl_calendar_new ();
    hl_sla_policy_t *policy = hl_sla_policy_new ();
    if (hl_calendar_load_dir (cal, dir, err, sizeof err)
    ||  hl_sla_policy_load (policy, conf, err, sizeof err)) {
        fprintf (stderr, "timers-calendar: %s\n", err);
        return 1;
    }
    s_fill_starts ();
    hl_sla_ticket_t complaint = { HL_SLA_COMPLAINT, false, false, NULL };
    hl_sla_deadline_t d;

    MEASURE ("next_working", hl_calendar_next_working (cal, t, NULL));
    MEASURE ("add_working_hours (1 wh)", hl_calendar_add_working_hours (cal, t, 1, NULL));
    MEASURE ("add_working_days (15 wd, next)",
             hl_calendar_add_working_days (cal, t, 15, HL_CALENDAR_DAY1_NEXT, NULL));
    MEASURE ("add_working_days (250 wd, into no-file year)",
             hl_calendar_add_working_days (cal, t, 250, HL_CALENDAR_DAY1_NEXT, NULL));
    MEASURE ("working_between (30 days apart)",
             hl_calendar_working_between (cal, t, t + 30 * 86400000LL, NULL));
    MEASURE ("policy deadline (投诉 reply, no pause)",
             (hl_sla_policy_deadline (policy, cal, &complaint, HL_SLA_REPLY, t, NULL, 0, &d),
              d.due_ms));
    hl_sla_pause_t pauses[2];
    MEASURE ("policy deadline (投诉 reply, 2 pauses)",
             (pauses[0] = (hl_sla_pause_t) { t + 86400000LL, t + 2 * 86400000LL },
              pauses[1] = (hl_sla_pause_t) { t + 5 * 86400000LL, t + 9 * 86400000LL },
              hl_sla_policy_deadline (policy, cal, &complaint, HL_SLA_REPLY, t, pauses, 2, &d),
              d.due_ms));
    hl_sla_policy_destroy (&policy);
    hl_calendar_destroy (&cal);
    return 0;
}
