/*  Unit test of hl_clock. */
#include "hl_clock.h"
#include "hl_sla_test.h"

#include <time.h>

//  The manual clock is what lets the SLA tests run days in seconds: it
//  must stand still, move only when told, and never consult the system.
static void
s_test_manual (void)
{
    hl_clock_t *clock = hl_clock_new_manual (hl_test_at ("2026-02-13 23:59"));
    CHECK (hl_clock_is_manual (clock));
    CHECK_TIME (hl_clock_now_ms (clock), "2026-02-13 23:59");
    CHECK_TIME (hl_clock_now_ms (clock), "2026-02-13 23:59");
    CHECK_TIME (hl_clock_advance_ms (clock, 60000), "2026-02-14 00:00");
    CHECK_TIME (hl_clock_now_ms (clock), "2026-02-14 00:00");
    hl_clock_advance_ms (clock, 10 * 86400000LL);
    CHECK_TIME (hl_clock_now_ms (clock), "2026-02-24 00:00");
    hl_clock_set_ms (clock, hl_test_at ("2025-12-31 18:00"));
    CHECK_TIME (hl_clock_now_ms (clock), "2025-12-31 18:00");
    hl_clock_destroy (&clock);
    CHECK (clock == NULL);
    hl_clock_destroy (&clock);
}

static int64_t
s_realtime_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_test_real (void)
{
    hl_clock_t *clock = hl_clock_new_real ();
    CHECK (!hl_clock_is_manual (clock));
    //  Bounds come from the same CLOCK_REALTIME, with a second of slack:
    //  time () reads the coarse clock, which may stand a tick apart from
    //  the fine one, so it cannot bracket a millisecond reading exactly.
    int64_t before = s_realtime_ms () - 1000;
    int64_t now = hl_clock_now_ms (clock);
    int64_t after = s_realtime_ms () + 1000;
    CHECK (now >= before && now <= after);
    CHECK (hl_clock_now_ms (clock) >= now);
    hl_clock_destroy (&clock);
    CHECK (clock == NULL);
}

int
main (void)
{
    s_test_manual ();
    s_test_real ();
    return hl_test_done ("hl_clock");
}
