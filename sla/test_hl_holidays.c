/*  Unit test of hl_holidays: the generated table against dates known from
 *  the published calendars, the published 2025 and 2026 calendars
 *  (deploy/etc/calendar) against the table, and the table's shape for
 *  every year it covers.
 */
#include "hl_holidays.h"
#include "hl_calendar.h"
#include "hl_sla_test.h"

#include <stdint.h>

static char s_err[512];

//  The holiday named NAME of YEAR as "YYYY-MM-DD" (its first day).
static const char *
s_first_day (int year, const char *name, char *buf, size_t buflen)
{
    hl_holiday_t h[HL_HOLIDAYS_PER_YEAR];
    int n = hl_holidays_statutory (year, h);
    snprintf (buf, buflen, "none");
    for (int i = 0; i < n; i++)
        if (strcmp (h[i].name, name) == 0)
            snprintf (buf, buflen, "%04d-%02d-%02d", year, h[i].month, h[i].day);
    return buf;
}

#define CHECK_DAY(year, name, expected) \
    do { \
        char buf_[16]; \
        s_first_day ((year), (name), buf_, sizeof buf_); \
        hl_test_report (strcmp (buf_, (expected)) == 0, __FILE__, __LINE__, \
                        name " " #year " on " expected); \
    } while (0)

//  Dates published by the State Council, Hong Kong Observatory tables and
//  the 2025/2026 notices (春节 = 除夕 + 1).
static void
s_test_known_dates (void)
{
    CHECK_DAY (2025, "春节", "2025-01-28");        //  春节 2025-01-29
    CHECK_DAY (2026, "春节", "2026-02-16");        //  春节 2026-02-17
    CHECK_DAY (2027, "春节", "2027-02-05");        //  春节 2027-02-06
    CHECK_DAY (2028, "春节", "2028-01-25");        //  春节 2028-01-26
    CHECK_DAY (2025, "清明", "2025-04-04");
    CHECK_DAY (2026, "清明", "2026-04-05");
    CHECK_DAY (2027, "清明", "2027-04-05");
    CHECK_DAY (2028, "清明", "2028-04-04");
    CHECK_DAY (2025, "端午", "2025-05-31");
    CHECK_DAY (2026, "端午", "2026-06-19");
    CHECK_DAY (2025, "中秋", "2025-10-06");
    CHECK_DAY (2026, "中秋", "2026-09-25");
    CHECK_DAY (2027, "元旦", "2027-01-01");
    CHECK_DAY (2027, "劳动节", "2027-05-01");
    CHECK_DAY (2027, "国庆", "2027-10-01");
    hl_holiday_t h[HL_HOLIDAYS_PER_YEAR];
    CHECK_INT (hl_holidays_statutory (HL_HOLIDAYS_FIRST_YEAR - 1, h), 0);
    CHECK_INT (hl_holidays_statutory (HL_HOLIDAYS_LAST_YEAR + 1, h), 0);
    CHECK_INT (hl_holidays_statutory (2030, h), HL_HOLIDAYS_PER_YEAR);
    CHECK_INT (h[1].ndays, 4);                     //  春节: 除夕 to 初三
    CHECK_INT (h[3].ndays, 2);                     //  劳动节
    CHECK_INT (h[6].ndays, 3);                     //  国庆
}

//  Every statutory day of a published year is a holiday in its file.
static void
s_test_published (void)
{
    const char *dir = getenv ("HL_CALENDAR_DIR");
    hl_calendar_t *cal = hl_calendar_new ();
    CHECK (hl_calendar_load_dir (cal, dir ? dir : "deploy/etc/calendar", s_err, sizeof s_err) == 0);
    for (int year = 2025; year <= 2026; year++) {
        CHECK (hl_calendar_has_year (cal, year));
        hl_holiday_t h[HL_HOLIDAYS_PER_YEAR];
        int n = hl_holidays_statutory (year, h);
        for (int i = 0; i < n; i++)
            for (int k = 0; k < h[i].ndays; k++) {
                int64_t t = hl_calendar_local_ms (year, h[i].month, h[i].day, 12, 0)
                          + k * 86400 * INT64_C (1000);
                char what[96];
                snprintf (what, sizeof what, "%s %d day %d is a holiday", h[i].name, year, k + 1);
                hl_test_report (!hl_calendar_is_working_day (cal, t, NULL), __FILE__, __LINE__, what);
            }
    }
    hl_calendar_destroy (&cal);
}

//  Days from one month/day to another in YEAR (the second may be later).
static int64_t
s_days (int year, int m1, int d1, int m2, int d2)
{
    return (hl_calendar_local_ms (year, m2, d2, 0, 0) - hl_calendar_local_ms (year, m1, d1, 0, 0))
         / (86400 * INT64_C (1000));
}

//  The shape of every year: 除夕 Jan 20-Feb 19 and 清明 Apr 4-6; 端午
//  falls 4 lunar months and 5 days after 除夕 (120-126 days), 中秋 3
//  months and 10 days after 端午 (98-101), either a month more when a
//  leap month comes between.
static void
s_test_shape (void)
{
    int bad = 0;
    for (int year = HL_HOLIDAYS_FIRST_YEAR; year <= HL_HOLIDAYS_LAST_YEAR; year++) {
        hl_holiday_t h[HL_HOLIDAYS_PER_YEAR];
        if (hl_holidays_statutory (year, h) != HL_HOLIDAYS_PER_YEAR) {
            bad++;
            continue;
        }
        int64_t eve = s_days (year, 1, 20, h[1].month, h[1].day);
        int64_t to_dw = s_days (year, h[1].month, h[1].day, h[4].month, h[4].day);
        int64_t to_zq = s_days (year, h[4].month, h[4].day, h[5].month, h[5].day);
        bool ok = eve >= 0 && eve <= 30 && h[2].month == 4 && h[2].day >= 4 && h[2].day <= 6
               && ((to_dw >= 120 && to_dw <= 126) || (to_dw >= 149 && to_dw <= 156))
               && ((to_zq >= 98 && to_zq <= 101) || (to_zq >= 127 && to_zq <= 131));
        if (!ok)
            fprintf (stderr, "%d: table row out of shape (除夕 Jan 20 + %lld, 端午 + %lld, "
                     "中秋 + %lld)\n", year, (long long) eve, (long long) to_dw, (long long) to_zq);
        bad += !ok;
    }
    CHECK_INT (bad, 0);
}

int
main (void)
{
    s_test_known_dates ();
    s_test_published ();
    s_test_shape ();
    return hl_test_done ("hl_holidays");
}
