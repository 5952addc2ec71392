/*  Fuzz target: sla/hl_calendar, a yearly calendar file (calendar/YYYY.conf)
 *  loaded from memory, then working-time arithmetic across the loaded year;
 *  and the same text as an office-hours spec.
 */
#include "hl_fuzz.h"
#include "hl_calendar.h"

//  Moments across 2025-2027: the loaded year and its neighbours.
static void
s_arithmetic (hl_calendar_t *cal)
{
    static const int days[][3] = {
        { 2025, 12, 31 }, { 2026, 1, 1 }, { 2026, 2, 14 }, { 2026, 6, 30 },
        { 2026, 10, 1 }, { 2026, 12, 31 }, { 2027, 1, 4 }
    };
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        int64_t t = hl_calendar_local_ms (days[i][0], days[i][1], days[i][2], 11, 30);
        unsigned flags = 0;
        hl_calendar_is_working (cal, t, &flags);
        int64_t next = hl_calendar_next_working (cal, t, &flags);
        HL_FUZZ_ASSERT (next >= t);
        int64_t end = hl_calendar_add_working_days (cal, t, 15, HL_CALENDAR_DAY1_NEXT, &flags);
        HL_FUZZ_ASSERT (end > t);
        HL_FUZZ_ASSERT (hl_calendar_working_between (cal, t, end, &flags) > 0);
        int64_t later = hl_calendar_add_working_ms (cal, t, 3 * 3600 * 1000, &flags);
        HL_FUZZ_ASSERT (hl_calendar_working_between (cal, t, later, &flags) == 3 * 3600 * 1000);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = hl_fuzz_cstr (data, size);
    char err[256] = "";
    hl_calendar_t *cal = hl_calendar_new ();
    uint64_t generation = hl_calendar_generation (cal);
    if (hl_calendar_load_string (cal, text, "calendar.conf", err, sizeof err) == 0) {
        HL_FUZZ_ASSERT (hl_calendar_generation (cal) != generation);
        s_arithmetic (cal);
    }
    else {
        HL_FUZZ_ASSERT (*err);
        HL_FUZZ_ASSERT (hl_calendar_generation (cal) == generation);
    }
    //  The same bytes as office hours ("08:30-12:00,14:30-18:00").
    char hours[128];
    if (hl_calendar_set_hours (cal, text, err, sizeof err) == 0) {
        HL_FUZZ_ASSERT (hl_calendar_day_ms (cal) > 0);
        hl_calendar_hours (cal, hours, sizeof hours);
        s_arithmetic (cal);
    }
    int64_t ms;
    if (hl_calendar_parse_local (text, &ms) == 0)
        hl_calendar_format (ms, hours, sizeof hours);
    hl_calendar_destroy (&cal);
    free (text);
    return 0;
}
