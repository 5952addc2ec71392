/*  Unit test of hl_calendar.
 *
 *  Expected deadlines are worked out by hand from the published 2025 and
 *  2026 holiday schedules (deploy/etc/calendar), with the default office
 *  hours 08:30-12:00 and 14:30-18:00 (7 working hours a day). A randomized
 *  check at the end compares the day-skipping arithmetic with a plain
 *  minute-by-minute walk.
 */
#include "hl_calendar.h"
#include "hl_sla_test.h"

#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOUR_MS (3600 * INT64_C (1000))
#define MINUTE_MS (60 * INT64_C (1000))
#define RECEIPT HL_CALENDAR_DAY1_RECEIPT
#define NEXT HL_CALENDAR_DAY1_NEXT

static char s_err[512];

//  A calendar with the shipped 2025 and 2026 files.
static hl_calendar_t *
s_shipped (void)
{
    const char *dir = getenv ("HL_CALENDAR_DIR");
    if (!dir)
        dir = "deploy/etc/calendar";
    hl_calendar_t *cal = hl_calendar_new ();
    if (hl_calendar_load_dir (cal, dir, s_err, sizeof s_err)) {
        fprintf (stderr, "cannot load %s: %s\n", dir, s_err);
        exit (1);
    }
    return cal;
}

static bool
s_workday (hl_calendar_t *cal, const char *date)
{
    return hl_calendar_is_working_day (cal, hl_test_at (date), NULL);
}

//  Shanghai time is UTC+8 whatever the machine's zone; parsing and
//  formatting round-trip.
static void
s_test_time_zone (void)
{
    CHECK_INT (hl_calendar_local_ms (1970, 1, 1, 8, 0), 0);
    CHECK_INT (hl_calendar_local_ms (2026, 1, 1, 0, 0), INT64_C (1767196800000));
    CHECK_INT (hl_test_at ("2026-01-01"), INT64_C (1767196800000));
    CHECK_INT (hl_test_at ("2026-01-01T00:00:01"), INT64_C (1767196801000));
    CHECK_INT (hl_calendar_local_ms (2025, 12, 31, 24, 0), hl_test_at ("2026-01-01 00:00"));
    CHECK_INT (hl_calendar_local_ms (2024, 2, 29, 12, 0), INT64_C (1709179200000));
    CHECK_INT (hl_calendar_midnight (hl_test_at ("2026-02-14 23:59")), hl_test_at ("2026-02-14"));
    //  15:59:59 UTC on 2025-12-31 is already 2026 in Shanghai.
    CHECK_INT (hl_calendar_midnight (INT64_C (1767196800000) + 1), INT64_C (1767196800000));
    char buf[32];
    CHECK (strcmp (hl_calendar_format (INT64_C (1767225599000), buf, sizeof buf),
                   "2026-01-01 07:59:59") == 0);
    int64_t ms = 0;
    CHECK (hl_calendar_parse_local ("2026-02-30", &ms) == -1);
    CHECK (hl_calendar_parse_local ("2026-2-3", &ms) == -1);
    CHECK (hl_calendar_parse_local ("2026-02-03 25:00", &ms) == -1);
    CHECK (hl_calendar_parse_local ("2026-02-03 24:00", &ms) == -1);
    CHECK (hl_calendar_parse_local ("2026-02-03 08:30x", &ms) == -1);
    CHECK (hl_calendar_parse_local ("2028-02-29 08:30", &ms) == 0);
}

//  Plain weeks: Saturday and Sunday off, office intervals half-open.
static void
s_test_weekends (hl_calendar_t *cal)
{
    CHECK (s_workday (cal, "2026-03-06"));      //  Friday
    CHECK (!s_workday (cal, "2026-03-07"));     //  Saturday
    CHECK (!s_workday (cal, "2026-03-08"));     //  Sunday
    CHECK (s_workday (cal, "2026-03-09"));      //  Monday
    CHECK (!hl_calendar_is_working (cal, hl_test_at ("2026-03-09 08:29:59"), NULL));
    CHECK (hl_calendar_is_working (cal, hl_test_at ("2026-03-09 08:30"), NULL));
    CHECK (hl_calendar_is_working (cal, hl_test_at ("2026-03-09 11:59:59"), NULL));
    CHECK (!hl_calendar_is_working (cal, hl_test_at ("2026-03-09 12:00"), NULL));
    CHECK (hl_calendar_is_working (cal, hl_test_at ("2026-03-09 14:30"), NULL));
    CHECK (!hl_calendar_is_working (cal, hl_test_at ("2026-03-09 18:00"), NULL));
    CHECK (!hl_calendar_is_working (cal, hl_test_at ("2026-03-07 10:00"), NULL));
    CHECK_INT (hl_calendar_day_ms (cal), 7 * HOUR_MS);

    //  Friday night receipt: the clock starts on Monday morning.
    int64_t friday_night = hl_test_at ("2026-03-06 21:00");
    CHECK_TIME (hl_calendar_next_working (cal, friday_night, NULL), "2026-03-09 08:30");
    CHECK_TIME (hl_calendar_next_working (cal, hl_test_at ("2026-03-06 18:00"), NULL),
                "2026-03-09 08:30");
    CHECK_TIME (hl_calendar_add_working_hours (cal, friday_night, 1, NULL), "2026-03-09 09:30");
    CHECK_TIME (hl_calendar_add_working_days (cal, friday_night, 1, RECEIPT, NULL),
                "2026-03-09 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, friday_night, 1, NEXT, NULL),
                "2026-03-09 18:00");
    int64_t friday_five = hl_test_at ("2026-03-06 17:00");
    CHECK_TIME (hl_calendar_add_working_hours (cal, friday_five, 2, NULL), "2026-03-09 09:30");
    CHECK_INT (hl_calendar_working_between (cal, friday_five, hl_test_at ("2026-03-09 09:30"), NULL),
               2 * HOUR_MS);
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2026-03-09 09:30"), friday_five, NULL),
               -2 * HOUR_MS);
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2026-03-07 09:00"),
                                            hl_test_at ("2026-03-08 17:00"), NULL), 0);
    //  A whole plain week is five working days.
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2026-03-09"),
                                            hl_test_at ("2026-03-16"), NULL), 35 * HOUR_MS);
    CHECK_TIME (hl_calendar_add_working_hours (cal, hl_test_at ("2026-03-09 08:30"), 35, NULL),
                "2026-03-13 18:00");
}

//  The lunch break (12:00-14:30) is not working time.
static void
s_test_lunch (hl_calendar_t *cal)
{
    int64_t t = hl_test_at ("2026-03-09 11:30");
    CHECK_TIME (hl_calendar_add_working_minutes (cal, t, 30, NULL), "2026-03-09 12:00");
    CHECK_TIME (hl_calendar_add_working_minutes (cal, t, 31, NULL), "2026-03-09 14:31");
    CHECK_TIME (hl_calendar_add_working_minutes (cal, t, 60, NULL), "2026-03-09 15:00");
    CHECK_TIME (hl_calendar_add_working_hours (cal, hl_test_at ("2026-03-09 12:30"), 1, NULL),
                "2026-03-09 15:30");
    CHECK_TIME (hl_calendar_next_working (cal, hl_test_at ("2026-03-09 12:00"), NULL),
                "2026-03-09 14:30");
    CHECK_TIME (hl_calendar_next_working (cal, hl_test_at ("2026-03-09 14:30"), NULL),
                "2026-03-09 14:30");
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2026-03-09 11:00"),
                                            hl_test_at ("2026-03-09 15:00"), NULL),
               90 * MINUTE_MS);
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2026-03-09 12:10"),
                                            hl_test_at ("2026-03-09 14:20"), NULL), 0);
    //  Adding nothing is the moment itself, even at lunch.
    CHECK_TIME (hl_calendar_add_working_ms (cal, hl_test_at ("2026-03-09 13:00"), 0, NULL),
                "2026-03-09 13:00");
    //  A whole day's worth from the morning opening ends at that day's close.
    CHECK_TIME (hl_calendar_add_working_hours (cal, hl_test_at ("2026-03-09 08:30"), 7, NULL),
                "2026-03-09 18:00");
    CHECK_INT (hl_calendar_add_working_ms (cal, hl_test_at ("2026-03-09 08:30"),
                                           7 * HOUR_MS + 1, NULL),
               hl_test_at ("2026-03-10 08:30") + 1);
}

//  Every holiday and make-up day of the two published schedules.
static void
s_test_holidays (hl_calendar_t *cal)
{
    static const char *holidays[][2] = {
        { "2025-01-01", "2025-01-01" }, { "2025-01-28", "2025-02-04" },
        { "2025-04-04", "2025-04-06" }, { "2025-05-01", "2025-05-05" },
        { "2025-05-31", "2025-06-02" }, { "2025-10-01", "2025-10-08" },
        { "2026-01-01", "2026-01-03" }, { "2026-02-15", "2026-02-23" },
        { "2026-04-04", "2026-04-06" }, { "2026-05-01", "2026-05-05" },
        { "2026-06-19", "2026-06-21" }, { "2026-09-25", "2026-09-27" },
        { "2026-10-01", "2026-10-07" },
    };
    static const char *workdays[] = {
        "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
        "2026-10-10",
    };
    int holiday_days = 0;
    for (size_t i = 0; i < sizeof holidays / sizeof holidays[0]; i++) {
        int64_t last = hl_test_at (holidays[i][1]);
        for (int64_t t = hl_test_at (holidays[i][0]); t <= last; t += 24 * HOUR_MS) {
            char date[32];
            hl_calendar_format (t, date, sizeof date);
            unsigned flags = 0;
            bool working = hl_calendar_is_working_day (cal, t, &flags);
            hl_test_report (!working, __FILE__, __LINE__, date);
            CHECK (flags == 0);
            holiday_days++;
        }
        //  The day before and after a holiday are never part of it.
        CHECK_INT (hl_calendar_next_working (cal, hl_test_at (holidays[i][0]), NULL)
                   > last, 1);
    }
    CHECK_INT (holiday_days, 28 + 33);
    for (size_t i = 0; i < sizeof workdays / sizeof workdays[0]; i++) {
        hl_test_report (s_workday (cal, workdays[i]), __FILE__, __LINE__, workdays[i]);
        char at[32];
        snprintf (at, sizeof at, "%s 08:30", workdays[i]);
        CHECK (hl_calendar_is_working (cal, hl_test_at (at), NULL));
    }
    //  Neighbours that stay as the week makes them.
    CHECK (s_workday (cal, "2025-01-27"));      //  Monday before 春节
    CHECK (!s_workday (cal, "2025-02-09"));     //  Sunday after the make-up Saturday
    CHECK (s_workday (cal, "2026-02-13"));      //  Friday
    CHECK (!s_workday (cal, "2026-03-01"));     //  Sunday after the make-up Saturday
    CHECK (!s_workday (cal, "2026-10-11"));     //  Sunday after the make-up Saturday

    //  248 working days in each year (261 weekdays, 18 resp. 19 of them
    //  holidays, 5 resp. 6 make-up days).
    int64_t day = hl_calendar_day_ms (cal);
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2025-01-01"),
                                            hl_test_at ("2026-01-01"), NULL) / day, 248);
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2026-01-01"),
                                            hl_test_at ("2027-01-01"), NULL) / day, 248);
    CHECK (hl_calendar_has_year (cal, 2025) && hl_calendar_has_year (cal, 2026));
    CHECK (!hl_calendar_has_year (cal, 2024) && !hl_calendar_has_year (cal, 2027));
}

//  Make-up Saturdays and Sundays are full working days.
static void
s_test_makeup_days (hl_calendar_t *cal)
{
    //  Received Saturday 2026-01-03 (holiday): the make-up Sunday is next.
    int64_t t = hl_test_at ("2026-01-03 10:00");
    CHECK_TIME (hl_calendar_next_working (cal, t, NULL), "2026-01-04 08:30");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 1, NEXT, NULL), "2026-01-04 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 1, RECEIPT, NULL), "2026-01-04 18:00");
    //  Received Friday night before the make-up Saturday 2026-02-28.
    t = hl_test_at ("2026-02-27 20:00");
    CHECK_TIME (hl_calendar_next_working (cal, t, NULL), "2026-02-28 08:30");
    CHECK_TIME (hl_calendar_add_working_hours (cal, t, 8, NULL), "2026-03-02 09:30");
    //  Received on the make-up Sunday 2025-09-28 at lunch; 国庆 follows soon.
    t = hl_test_at ("2025-09-28 13:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 1, RECEIPT, NULL), "2025-09-28 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 3, NEXT, NULL), "2025-10-09 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 4, NEXT, NULL), "2025-10-10 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 5, NEXT, NULL), "2025-10-11 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 6, NEXT, NULL), "2025-10-13 18:00");
}

//  春节 2026: nine days off between two make-up Saturdays.
static void
s_test_spring_festival (hl_calendar_t *cal)
{
    int64_t t = hl_test_at ("2026-02-14 17:00");        //  make-up Saturday
    CHECK_TIME (hl_calendar_add_working_hours (cal, t, 1, NULL), "2026-02-14 18:00");
    CHECK_TIME (hl_calendar_add_working_hours (cal, t, 2, NULL), "2026-02-24 09:30");
    CHECK_INT (hl_calendar_working_between (cal, t, hl_test_at ("2026-02-24 09:30"), NULL),
               2 * HOUR_MS);
    t = hl_test_at ("2026-02-18 10:00");                //  in the middle of it
    CHECK (!hl_calendar_is_working (cal, t, NULL));
    CHECK_TIME (hl_calendar_next_working (cal, t, NULL), "2026-02-24 08:30");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, RECEIPT, NULL), "2026-02-25 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, NEXT, NULL), "2026-02-25 18:00");
    //  求助 received on the Friday before: ten working days, counting both
    //  make-up Saturdays.
    t = hl_test_at ("2026-02-13 10:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 10, NEXT, NULL), "2026-03-05 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 10, RECEIPT, NULL), "2026-03-04 18:00");
    CHECK_TIME (hl_calendar_day1_open (cal, t, NEXT, NULL), "2026-02-14 08:30");
    CHECK_TIME (hl_calendar_day1_open (cal, t, RECEIPT, NULL), "2026-02-13 08:30");
    //  春节 2025 spans the month boundary.
    t = hl_test_at ("2025-01-27 16:00");
    CHECK_TIME (hl_calendar_add_working_hours (cal, t, 3, NULL), "2025-02-05 09:30");
}

//  Year ends: counting runs from one file into the next.
static void
s_test_year_end (hl_calendar_t *cal)
{
    int64_t t = hl_test_at ("2025-12-31 17:00");        //  Wednesday
    unsigned flags = 0;
    CHECK_TIME (hl_calendar_add_working_hours (cal, t, 2, &flags), "2026-01-04 09:30");
    CHECK (flags == 0);
    t = hl_test_at ("2025-12-31 10:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, NEXT, NULL), "2026-01-05 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, RECEIPT, NULL), "2026-01-04 18:00");
    CHECK_INT (hl_calendar_working_between (cal, hl_test_at ("2025-12-31 08:30"),
                                            hl_test_at ("2026-01-05 18:00"), NULL),
               21 * HOUR_MS);
    //  Received at 23:59 on New Year's Eve and one minute later.
    CHECK_TIME (hl_calendar_next_working (cal, hl_test_at ("2025-12-31 23:59"), NULL),
                "2026-01-04 08:30");
    CHECK_TIME (hl_calendar_next_working (cal, hl_test_at ("2026-01-01 00:00"), NULL),
                "2026-01-04 08:30");
}

//  A ticket received at 23:59 on the eve of a holiday starts on the first
//  working day after it, under either convention.
static void
s_test_holiday_eve (hl_calendar_t *cal)
{
    int64_t t = hl_test_at ("2025-09-30 23:59");        //  eve of 国庆 2025
    CHECK_TIME (hl_calendar_next_working (cal, t, NULL), "2025-10-09 08:30");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, RECEIPT, NULL), "2025-10-10 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, NEXT, NULL), "2025-10-10 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 3, NEXT, NULL), "2025-10-11 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 15, NEXT, NULL), "2025-10-28 18:00");
    CHECK_TIME (hl_calendar_add_working_hours (cal, t, 1, NULL), "2025-10-09 09:30");
    t = hl_test_at ("2026-09-30 23:59");                //  eve of 国庆 2026
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 1, NEXT, NULL), "2026-10-08 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 3, RECEIPT, NULL), "2026-10-10 18:00");
    t = hl_test_at ("2026-02-14 23:59");                //  eve of 春节 2026
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 1, RECEIPT, NULL), "2026-02-24 18:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 1, NEXT, NULL), "2026-02-24 18:00");
    CHECK_TIME (hl_calendar_add_working_minutes (cal, t, 1, NULL), "2026-02-24 08:31");
}

//  The two day-1 conventions differ for receipt on a working day before
//  office hours end, and agree otherwise.
static void
s_test_day1 (hl_calendar_t *cal)
{
    static const struct {
        const char *received;
        const char *receipt;                //  deadline of 2 working days
        const char *next;
    } cases[] = {
        { "2026-03-09 07:00", "2026-03-10 18:00", "2026-03-11 18:00" },   //  before opening
        { "2026-03-09 10:00", "2026-03-10 18:00", "2026-03-11 18:00" },
        { "2026-03-09 12:30", "2026-03-10 18:00", "2026-03-11 18:00" },   //  lunch
        { "2026-03-09 17:59", "2026-03-10 18:00", "2026-03-11 18:00" },
        { "2026-03-09 18:00", "2026-03-11 18:00", "2026-03-11 18:00" },   //  closed
        { "2026-03-09 23:59", "2026-03-11 18:00", "2026-03-11 18:00" },
        { "2026-03-07 10:00", "2026-03-10 18:00", "2026-03-10 18:00" },   //  Saturday
        { "2026-03-13 17:00", "2026-03-16 18:00", "2026-03-17 18:00" },   //  Friday
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = hl_test_at (cases[i].received);
        CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, RECEIPT, NULL), cases[i].receipt);
        CHECK_TIME (hl_calendar_add_working_days (cal, t, 2, NEXT, NULL), cases[i].next);
    }
    CHECK_TIME (hl_calendar_day1_open (cal, hl_test_at ("2026-03-09 10:00"), RECEIPT, NULL),
                "2026-03-09 08:30");
    CHECK_TIME (hl_calendar_day1_open (cal, hl_test_at ("2026-03-09 10:00"), NEXT, NULL),
                "2026-03-10 08:30");
    //  Calendar days: receipt day counted, or not.
    int64_t t = hl_test_at ("2026-03-09 10:00");
    CHECK_TIME (hl_calendar_add_calendar_days (t, 7, RECEIPT), "2026-03-16 00:00");
    CHECK_TIME (hl_calendar_add_calendar_days (t, 7, NEXT), "2026-03-17 00:00");
    CHECK_TIME (hl_calendar_add_calendar_days (hl_test_at ("2026-02-14 23:59"), 1, RECEIPT),
                "2026-02-15 00:00");
}

//  A year without a file falls back to Monday-Friday minus the statutory
//  holidays (hl_holidays), with no make-up workdays, and says so.
static void
s_test_missing_year (hl_calendar_t *cal)
{
    unsigned flags = 0;
    CHECK (hl_calendar_is_working_day (cal, hl_test_at ("2026-12-31"), &flags));
    CHECK (flags == 0);
    CHECK (!hl_calendar_is_working_day (cal, hl_test_at ("2027-01-01"), &flags));   //  元旦
    CHECK (flags == HL_CALENDAR_PROVISIONAL);
    CHECK (s_workday (cal, "2027-01-04"));
    flags = 0;
    CHECK_TIME (hl_calendar_add_working_hours (cal, hl_test_at ("2026-12-31 17:00"), 2, &flags),
                "2027-01-04 09:30");
    CHECK (flags & HL_CALENDAR_PROVISIONAL);
    flags = 0;
    CHECK_TIME (hl_calendar_add_working_days (cal, hl_test_at ("2024-12-31 10:00"), 1, NEXT, &flags),
                "2025-01-02 18:00");
    CHECK (flags & HL_CALENDAR_PROVISIONAL);        //  2024 looked at
    flags = 0;
    hl_calendar_add_working_days (cal, hl_test_at ("2026-12-30 10:00"), 1, NEXT, &flags);
    CHECK (flags == 0);                             //  2026-12-31 is enough
    flags = 0;
    hl_calendar_working_between (cal, hl_test_at ("2027-03-01"), hl_test_at ("2025-03-01"), &flags);
    CHECK (flags & HL_CALENDAR_PROVISIONAL);

    //  The statutory days of 2027: 春节 from 除夕 Fri 02-05 to Mon 02-08,
    //  its Saturday and Sunday made up (补假) on Tue 02-09 and Wed 02-10;
    //  清明 Mon 04-05; 劳动节 Sat-Sun 05-01..02, made up Mon-Tue 05-03..04;
    //  端午 Wed 06-09; 中秋 Wed 09-15; 国庆 Fri-Sun 10-01..03, made up
    //  Mon-Tue 10-04..05. No weekend becomes a workday (no 调休 guessed).
    const char *off[] = { "2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10",
                          "2027-04-05", "2027-05-03", "2027-05-04", "2027-06-09", "2027-09-15",
                          "2027-10-01", "2027-10-04", "2027-10-05" };
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        hl_test_report (!s_workday (cal, off[i]), __FILE__, __LINE__, off[i]);
    const char *on[] = { "2027-02-04", "2027-02-11", "2027-04-06", "2027-05-05", "2027-06-10",
                         "2027-10-06", "2027-01-30" /* a Saturday stays off */ };
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        hl_test_report (s_workday (cal, on[i]) == (i < 6), __FILE__, __LINE__, on[i]);
    //  2026 as the statutory rule alone would have it (the published file
    //  gave more): 国庆 Thu-Sat 10-01..03 and its 补假 on Mon 10-05.
    hl_calendar_t *guess = hl_calendar_new ();
    CHECK (!s_workday (guess, "2026-10-05") && s_workday (guess, "2026-10-06"));
    CHECK (!s_workday (guess, "2026-09-25") && s_workday (guess, "2026-09-28"));   //  中秋 Fri
    hl_calendar_destroy (&guess);
    //  The example: 7 working days from Sun 2026-12-27 skip 元旦.
    flags = 0;
    CHECK_TIME (hl_calendar_add_working_days (cal, hl_test_at ("2026-12-27 10:00"), 7, NEXT, &flags),
                "2027-01-06 18:00");
    CHECK (flags & HL_CALENDAR_PROVISIONAL);
    //  Past the holiday table: plain Monday-Friday.
    CHECK (s_workday (cal, "2051-01-02"));
    CHECK (s_workday (cal, "2024-10-01"));

    //  An empty calendar: the statutory days, and everything provisional.
    hl_calendar_t *empty = hl_calendar_new ();
    flags = 0;
    CHECK (!hl_calendar_is_working_day (empty, hl_test_at ("2026-02-16"), &flags));
    CHECK (flags & HL_CALENDAR_PROVISIONAL);
    CHECK_TIME (hl_calendar_add_working_days (empty, hl_test_at ("2026-02-13 10:00"), 2, NEXT, NULL),
                "2026-02-23 18:00");
    CHECK_INT (hl_calendar_loaded_until (empty, hl_test_at ("2026-02-13 10:00")),
               hl_test_at ("2026-02-13 10:00"));
    hl_calendar_destroy (&empty);
    CHECK (empty == NULL);
    hl_calendar_destroy (&empty);

    //  A gap between loaded years is provisional too.
    hl_calendar_t *gap = hl_calendar_new ();
    CHECK (hl_calendar_load_string (gap, "year 2025\nholiday 2025-10-01..2025-10-08\n",
                                    "2025.conf", s_err, sizeof s_err) == 0);
    CHECK (hl_calendar_load_string (gap, "year 2027\nholiday 2027-01-01\n",
                                    "2027.conf", s_err, sizeof s_err) == 0);
    flags = 0;
    CHECK (!s_workday (gap, "2026-02-16"));        //  statutory 除夕
    CHECK (hl_calendar_is_working_day (gap, hl_test_at ("2026-02-20"), &flags) && flags);
    CHECK_INT (hl_calendar_loaded_until (gap, hl_test_at ("2025-06-01")), hl_test_at ("2026-01-01"));
    CHECK_INT (hl_calendar_loaded_until (gap, hl_test_at ("2027-06-01")), hl_test_at ("2028-01-01"));
    flags = 0;
    CHECK (!hl_calendar_is_working_day (gap, hl_test_at ("2027-01-01"), &flags) && !flags);
    CHECK (!s_workday (gap, "2025-10-08"));
    hl_calendar_destroy (&gap);
}

//  A deadline computed before next year's file arrived is provisional;
//  after the load it moves to where the holidays put it.
static void
s_test_recompute (void)
{
    hl_calendar_t *cal = hl_calendar_new ();
    const char *dir = getenv ("HL_CALENDAR_DIR");
    char path[512];
    snprintf (path, sizeof path, "%s/2025.conf", dir ? dir : "deploy/etc/calendar");
    CHECK (hl_calendar_load_file (cal, path, s_err, sizeof s_err) == 0);
    int64_t t = hl_test_at ("2025-12-31 10:00");
    unsigned flags = 0;
    uint64_t generation = hl_calendar_generation (cal);
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 32, NEXT, &flags), "2026-02-20 18:00");
    CHECK (flags & HL_CALENDAR_PROVISIONAL);

    snprintf (path, sizeof path, "%s/2026.conf", dir ? dir : "deploy/etc/calendar");
    CHECK (hl_calendar_load_file (cal, path, s_err, sizeof s_err) == 0);
    CHECK (hl_calendar_generation (cal) > generation);
    flags = 0;
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 32, NEXT, &flags), "2026-02-14 18:00");
    CHECK (flags == 0);             //  the make-up Saturday, not a guess
    CHECK_INT (hl_calendar_loaded_until (cal, t), hl_test_at ("2027-01-01"));

    //  Replacing a year: a city adds a local holiday on 2026-03-09.
    CHECK (hl_calendar_load_string (cal, "year 2026\nholiday 2026-03-09 local\n",
                                    "2026.conf", s_err, sizeof s_err) == 0);
    CHECK (!s_workday (cal, "2026-03-09"));
    CHECK (s_workday (cal, "2026-02-16"));         //  the old 2026 is gone
    CHECK (hl_calendar_has_year (cal, 2025));      //  2025 stays
    hl_calendar_destroy (&cal);
}

//  One bad calendar file: the error names the file and line.
static void
s_check_bad (hl_calendar_t *cal, const char *name, const char *text, const char *expect)
{
    uint64_t generation = hl_calendar_generation (cal);
    s_err[0] = 0;
    int rc = hl_calendar_load_string (cal, text, name, s_err, sizeof s_err);
    hl_test_report (rc == -1, __FILE__, __LINE__, expect);
    if (!strstr (s_err, expect))
        fprintf (stderr, "  expected '%s' in '%s'\n", expect, s_err);
    hl_test_report (strstr (s_err, expect) != NULL, __FILE__, __LINE__, expect);
    CHECK (hl_calendar_generation (cal) == generation);
}

static void
s_test_bad_files (hl_calendar_t *cal)
{
    s_check_bad (cal, "2026.conf", "year 2026\nvacation 2026-01-01\n",
                 "2026.conf:2: unknown directive 'vacation'");
    s_check_bad (cal, "2026.conf", "# c\nyear 2026\nholiday 2026-02-30 x\n",
                 "2026.conf:3: bad date '2026-02-30'");
    s_check_bad (cal, "2026.conf", "year 2026\nholiday 2026-02-15...2026-02-23\n",
                 "2026.conf:2: bad date range");
    s_check_bad (cal, "2026.conf", "year 2026\nholiday 2025-12-31\n",
                 "2026.conf:2: '2025-12-31' is not in 2026");
    s_check_bad (cal, "2026.conf", "year 2026\nholiday 2026-12-31..2027-01-01\n",
                 "2026.conf:2: '2026-12-31..2027-01-01' is not in 2026");
    s_check_bad (cal, "2026.conf", "year 2026\nholiday 2026-02-23..2026-02-15\n",
                 "2026.conf:2: range '2026-02-23..2026-02-15' ends before it starts");
    s_check_bad (cal, "2026.conf", "year 2026\nholiday 2026-01-01\n\nholiday 2025-12-31..2026-01-02\n",
                 "2026.conf:4: '2025-12-31..2026-01-02' is not in 2026");
    s_check_bad (cal, "2026.conf", "year 2026\nholiday 2026-01-01\n\nholiday 2026-01-01..2026-01-02\n",
                 "2026.conf:4: 2026-01-01 is already listed on line 2");
    s_check_bad (cal, "2026.conf", "year 2026\nworkday 2026-01-05\n",
                 "2026.conf:2: 2026-01-05 is a Monday");
    s_check_bad (cal, "2026.conf", "holiday 2026-01-01\nyear 2026\n",
                 "2026.conf:1: 'holiday' before the 'year' line");
    s_check_bad (cal, "2026.conf", "year 2026\nholiday\n",
                 "2026.conf:2: 'holiday' needs a date");
    s_check_bad (cal, "2027.conf", "year 2026\n", "2027.conf:1: year 2026 does not match");
    s_check_bad (cal, "2026.conf", "year 2026\nyear 2026\n",
                 "2026.conf:2: second 'year' line");
    s_check_bad (cal, "2026.conf", "year 26\n", "2026.conf:1: expected 'year YYYY'");
    s_check_bad (cal, "x.conf", "year 1999\n", "x.conf:1: expected 'year YYYY'");
    s_check_bad (cal, "2026.conf", "# nothing\n\n", "2026.conf: no 'year' line");
    char long_line[1200];
    memset (long_line, 'x', sizeof long_line - 1);
    long_line[sizeof long_line - 1] = 0;
    char text[1300];
    snprintf (text, sizeof text, "year 2026\n#%s\n", long_line);
    s_check_bad (cal, "2026.conf", text, "2026.conf:2: line longer than");
    CHECK (hl_calendar_load_file (cal, "/nonexistent/2026.conf", s_err, sizeof s_err) == -1);
    CHECK_ERR (s_err, "/nonexistent/2026.conf: ");

    //  After all that, the calendar is the one loaded before.
    CHECK (!s_workday (cal, "2026-02-16"));
    CHECK (s_workday (cal, "2026-02-14"));
    CHECK (hl_calendar_has_year (cal, 2025));
}

static void
s_write (const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen (path, "w");
    if (!file || fputs (text, file) < 0 || fclose (file)) {
        fprintf (stderr, "cannot write %s\n", path);
        exit (1);
    }
}

static void
s_remove (const char *dir, const char *name)
{
    char path[512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    unlink (path);
}

//  Loading a directory is all or nothing.
static void
s_test_load_dir (hl_calendar_t *cal)
{
    const char *base = getenv ("HL_TEST_TMPDIR");
    char dir[512];
    snprintf (dir, sizeof dir, "%s/hl_calendar.XXXXXX", base ? base : "/tmp");
    if (!mkdtemp (dir)) {
        perror ("mkdtemp");
        exit (1);
    }
    uint64_t generation = hl_calendar_generation (cal);
    CHECK (hl_calendar_load_dir (cal, dir, s_err, sizeof s_err) == -1);
    CHECK_ERR (s_err, "no YYYY.conf calendar file");

    s_write (dir, "2025.conf", "year 2025\nholiday 2025-01-01\n");
    s_write (dir, "2026.conf", "year 2026\nholiday 2026-01-01\nholiday 2026-13-01\n");
    s_write (dir, "README", "not a calendar\n");
    CHECK (hl_calendar_load_dir (cal, dir, s_err, sizeof s_err) == -1);
    CHECK_ERR (s_err, "/2026.conf:3: bad date '2026-13-01'");

    s_write (dir, "2026.conf", "year 2026\nholiday 2026-01-01\n");
    s_write (dir, "holidays.conf", "year 2027\n");
    CHECK (hl_calendar_load_dir (cal, dir, s_err, sizeof s_err) == -1);
    CHECK_ERR (s_err, "/holidays.conf: calendar files are named YYYY.conf");
    s_remove (dir, "holidays.conf");

    CHECK (hl_calendar_load_dir (cal, "/nonexistent-dir", s_err, sizeof s_err) == -1);
    CHECK_ERR (s_err, "/nonexistent-dir: ");

    //  Nothing above changed the calendar.
    CHECK (hl_calendar_generation (cal) == generation);
    CHECK (!s_workday (cal, "2026-02-16"));

    //  A good directory replaces every year: 2026 now has only New Year.
    CHECK (hl_calendar_load_dir (cal, dir, s_err, sizeof s_err) == 0);
    CHECK (hl_calendar_generation (cal) > generation);
    CHECK (s_workday (cal, "2026-02-16"));
    CHECK (!s_workday (cal, "2026-01-01"));
    s_remove (dir, "2025.conf");
    s_remove (dir, "2026.conf");
    s_remove (dir, "README");
    rmdir (dir);
}

//  Office hours per unit.
static void
s_test_hours (void)
{
    hl_calendar_t *cal = s_shipped ();
    char buf[128];
    CHECK (strcmp (hl_calendar_hours (cal, buf, sizeof buf), "08:30-12:00,14:30-18:00") == 0);
    static const char *bad[] = {
        "", "8:30-12:00", "08:30-12:00,11:00-18:00", "12:00-08:30", "08:30-08:30",
        "08:30-12:00;14:30-18:00", "08:30-24:01", "25:00-26:00",
        ("00:00-01:00,01:00-02:00,02:00-03:00,03:00-04:00,04:00-05:00,"
         "05:00-06:00,06:00-07:00,07:00-08:00,08:00-09:00"),     //  nine spans: one more than HL_CALENDAR_MAX_INTERVALS
    };
    uint64_t generation = hl_calendar_generation (cal);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hl_test_report (hl_calendar_set_hours (cal, bad[i], s_err, sizeof s_err) == -1,
                        __FILE__, __LINE__, bad[i]);
        CHECK_ERR (s_err, "office hours");
    }
    CHECK (hl_calendar_generation (cal) == generation);
    CHECK_INT (hl_calendar_day_ms (cal), 7 * HOUR_MS);

    CHECK (hl_calendar_set_hours (cal, "09:00-17:00", s_err, sizeof s_err) == 0);
    CHECK (hl_calendar_generation (cal) > generation);
    CHECK_INT (hl_calendar_day_ms (cal), 8 * HOUR_MS);
    int64_t t = hl_test_at ("2026-03-09 16:00");
    CHECK_TIME (hl_calendar_add_working_hours (cal, t, 2, NULL), "2026-03-10 10:00");
    CHECK_TIME (hl_calendar_add_working_days (cal, t, 1, NEXT, NULL), "2026-03-10 17:00");
    //  A round-the-clock unit: working time is every hour of working days.
    CHECK (hl_calendar_set_hours (cal, "00:00-24:00", s_err, sizeof s_err) == 0);
    CHECK_TIME (hl_calendar_add_working_hours (cal, hl_test_at ("2026-03-13 20:00"), 6, NULL),
                "2026-03-16 02:00");
    CHECK (strcmp (hl_calendar_hours (cal, buf, sizeof buf), "00:00-24:00") == 0);
    hl_calendar_destroy (&cal);
}

//  xorshift64*: deterministic randomness for the cross-check.
static uint64_t s_seed = 0x9e3779b97f4a7c15ull;

static int64_t
s_random (int64_t below)
{
    s_seed ^= s_seed >> 12;
    s_seed ^= s_seed << 25;
    s_seed ^= s_seed >> 27;
    return (int64_t) ((s_seed * 2685821657736338717ull) >> 11) % below;
}

//  Working ms in [from, to) by walking minute by minute (from and to on
//  minute boundaries): slow, obviously right, independent of the
//  day-skipping arithmetic.
static int64_t
s_walk_between (hl_calendar_t *cal, int64_t from, int64_t to)
{
    int64_t sum = 0;
    for (int64_t t = from; t < to; t += MINUTE_MS)
        sum += hl_calendar_is_working (cal, t, NULL) ? MINUTE_MS : 0;
    return sum;
}

static void
s_test_against_walk (hl_calendar_t *cal)
{
    int64_t base = hl_test_at ("2024-12-20");
    int failures = 0;
    for (int i = 0; i < 300 && failures < 5; i++) {
        int64_t from = base + s_random (800 * 1440) * MINUTE_MS;
        int64_t to = from + s_random (40 * 1440) * MINUTE_MS;
        int64_t fast = hl_calendar_working_between (cal, from, to, NULL);
        int64_t slow = s_walk_between (cal, from, to);
        if (fast != slow) {
            char a[32], b[32];
            fprintf (stderr, "between %s and %s: %lld vs walk %lld\n",
                     hl_calendar_format (from, a, sizeof a), hl_calendar_format (to, b, sizeof b),
                     (long long) fast, (long long) slow);
            failures++;
        }
        //  Adding is the inverse of measuring, and gives the earliest moment.
        int64_t amount = s_random (20 * 7 * 60) * MINUTE_MS;
        int64_t end = hl_calendar_add_working_ms (cal, from, amount, NULL);
        if (hl_calendar_working_between (cal, from, end, NULL) != amount
        || (amount > 0 && hl_calendar_working_between (cal, from, end - 1, NULL) >= amount))
            failures++;
        //  The next working moment is working, and nothing before it is.
        int64_t next = hl_calendar_next_working (cal, from, NULL);
        if (!hl_calendar_is_working (cal, next, NULL)
        || hl_calendar_working_between (cal, from, next, NULL) != 0)
            failures++;
        //  Day N ends at a close, with N working days' worth since day 1.
        int64_t n = 1 + s_random (20);
        hl_calendar_day1_t conv = s_random (2) ? NEXT : RECEIPT;
        int64_t due = hl_calendar_add_working_days (cal, from, n, conv, NULL);
        int64_t open = hl_calendar_day1_open (cal, from, conv, NULL);
        if (hl_calendar_working_between (cal, open, due, NULL) != n * 7 * HOUR_MS
        || hl_calendar_is_working (cal, due, NULL) || !hl_calendar_is_working (cal, due - 1, NULL))
            failures++;
    }
    CHECK_INT (failures, 0);
}

int
main (void)
{
    hl_calendar_t *cal = s_shipped ();
    s_test_time_zone ();
    s_test_weekends (cal);
    s_test_lunch (cal);
    s_test_holidays (cal);
    s_test_makeup_days (cal);
    s_test_spring_festival (cal);
    s_test_year_end (cal);
    s_test_holiday_eve (cal);
    s_test_day1 (cal);
    s_test_missing_year (cal);
    s_test_recompute ();
    s_test_bad_files (cal);
    s_test_load_dir (cal);
    s_test_hours ();
    s_test_against_walk (cal);
    hl_calendar_destroy (&cal);
    CHECK (cal == NULL);
    return hl_test_done ("hl_calendar");
}
