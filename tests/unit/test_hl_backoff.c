/*  Unit test of hl_backoff: doubling, the ceiling, the reset, the tick. */
#include "hl_backoff.h"
#include "hl_test.h"

static long
s_ms (const struct timeval *tv)
{
    return (long) tv->tv_sec * 1000 + tv->tv_usec / 1000;
}

static void
test_pace (void)
{
    hl_backoff_t b;
    struct timeval tv;
    hl_backoff_init (&b, 50, 1000);
    long want[] = { 50, 100, 200, 400, 800, 1000, 1000 };
    for (int i = 0; i < 7; i++) {
        hl_backoff_next (&b, &tv);
        HL_CHECK (s_ms (&tv) == want[i]);
    }
    hl_backoff_reset (&b);
    hl_backoff_next (&b, &tv);
    HL_CHECK (s_ms (&tv) == 50);
    hl_backoff_init (&b, 300, 100);     //  a ceiling below the start: the start
    hl_backoff_next (&b, &tv);
    HL_CHECK (s_ms (&tv) == 300);
    hl_backoff_next (&b, &tv);
    HL_CHECK (s_ms (&tv) == 300);
}

static void
test_tick (void)
{
    struct timeval tv;
    hl_backoff_watchdog_tick (2000, &tv);
    HL_CHECK (s_ms (&tv) == 100);
    hl_backoff_watchdog_tick (200, &tv);
    HL_CHECK (s_ms (&tv) == 51);
}

static const hl_test_case_t s_cases[] = {
    { "pace", test_pace }, { "tick", test_tick }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
