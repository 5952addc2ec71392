/*  hl_calendar: the working calendar. See hl_calendar.h.
 *
 *  Days are numbered from 1970-01-01 in Shanghai time (day 0, a Thursday).
 *  Whether a day is worked comes from one function, s_workdays_before(d):
 *  the number of working days in [day 0, d). Inside the span of the loaded
 *  years and the statutory holiday table (hl_holidays) it reads a
 *  prefix-count table built at load time; outside it counts
 *  Monday-Friday in closed form. Every other question (is day d
 *  worked, how many working days between two days, which is the k-th
 *  working day) is a difference or a binary search over that function,
 *  so no operation walks the calendar day by day.
 */
#include "hl_calendar.h"
#include "hl_date.h"
#include "hl_holidays.h"
#include "hl_sla_conf.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MINUTE_MS INT64_C (60000)
#define S_HOUR_MS   INT64_C (3600000)
#define S_DAY_MS    INT64_C (86400000)
#define S_MIN_YEAR  2000                //  years a calendar file may cover
#define S_MAX_YEAR  2199

//  What a calendar file says about one day.
typedef enum {
    S_PLAIN = 0,                        //  nothing: Monday-Friday rule
    S_HOLIDAY = 1,                      //  public holiday
    S_WORKDAY = 2                       //  make-up workday on a weekend
} s_kind_t;

//  One year as its calendar file states it, by day of the year.
typedef struct {
    int year;
    uint8_t kind[366];                  //  s_kind_t
    uint32_t line[366];                 //  line that set it, for diagnostics
} s_year_t;

//  The loaded years, and the working-day prefix counts derived from them.
//  Immutable once built: a load builds a new one and swaps it in.
typedef struct {
    s_year_t *years;                    //  sorted by year
    size_t nyears;
    int first_year;                     //  span of the table, in years
    int last_year;
    int64_t first_day;                  //  day number of first_year-01-01
    int64_t ndays;                      //  days in the span (0 if empty)
    int32_t *cum;                       //  cum[i]: working days in
                                        //  [first_day, first_day + i)
    uint8_t *loaded;                    //  by year - first_year
} s_days_t;

struct _hl_calendar_t {
    int nintervals;                     //  office intervals, >= 1
    int64_t open[HL_CALENDAR_MAX_INTERVALS];    //  ms after midnight
    int64_t close[HL_CALENDAR_MAX_INTERVALS];
    int64_t day_ms;                     //  working ms in a working day
    s_days_t *days;                     //  never NULL
    uint64_t generation;
};

static const char *s_weekday_names[7] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
};


//  --------------------------------------------------------------------------
//  Error reporting

//  Every input error goes through here so that messages are formatted
//  once; returns -1 for "return s_fail (...)".
static int
s_fail (char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (err, errlen, fmt, ap);
        va_end (ap);
    }
    return -1;
}


//  --------------------------------------------------------------------------
//  Civil time in Shanghai

//  Division rounding towards minus infinity, so that moments before an
//  epoch still land in the right day. B is positive.
static int64_t
s_floor_div (int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

static int64_t
s_floor_mod (int64_t a, int64_t b)
{
    return a - s_floor_div (a, b) * b;
}

//  Shanghai day number of moment T.
static int64_t
s_day_of (int64_t t)
{
    return s_floor_div (t + HL_CALENDAR_UTC_OFFSET_MS, S_DAY_MS);
}

//  Milliseconds since Shanghai midnight of moment T.
static int64_t
s_time_of_day (int64_t t)
{
    return s_floor_mod (t + HL_CALENDAR_UTC_OFFSET_MS, S_DAY_MS);
}

//  The moment day D begins.
static int64_t
s_day_start (int64_t d)
{
    return d * S_DAY_MS - HL_CALENDAR_UTC_OFFSET_MS;
}

//  0 for Monday ... 6 for Sunday; day 0 was a Thursday.
static int
s_weekday (int64_t d)
{
    return (int) s_floor_mod (d + 3, 7);
}

//  Day numbers and dates: hl_date's arithmetic (the one copy of it).
static int64_t
s_days_from_civil (int64_t y, int m, int d)
{
    return hl_date_days (y, m, d);
}

static void
s_civil_from_days (int64_t z, int *y, int *m, int *d)
{
    int64_t year;
    hl_date_civil (z, &year, m, d);
    *y = (int) year;
}

static int
s_year_of_day (int64_t d)
{
    int y, m, dd;
    s_civil_from_days (d, &y, &m, &dd);
    return y;
}

static bool
s_leap (int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
s_month_days (int y, int m)
{
    static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && s_leap (y) ? 29 : len[m - 1];
}

//  Parse exactly NDIGITS decimal digits at *P, advancing it; -1 if not.
static int
s_digits (const char **p, int ndigits)
{
    int value = 0;
    for (int i = 0; i < ndigits; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    *p += ndigits;
    return value;
}

//  Parse a "YYYY-MM-DD" date at *P (advancing it) into a day number.
//  Returns 0, or -1 if it is not a valid date in 1970-9999.
static int
s_parse_date (const char **p, int64_t *day)
{
    const char *s = *p;
    int y = s_digits (&s, 4);
    if (y < 1970 || *s++ != '-')
        return -1;
    int m = s_digits (&s, 2);
    if (m < 1 || m > 12 || *s++ != '-')
        return -1;
    int d = s_digits (&s, 2);
    if (d < 1 || d > s_month_days (y, m))
        return -1;
    *day = s_days_from_civil (y, m, d);
    *p = s;
    return 0;
}

//  Parse "HH:MM" at *P (advancing it) into milliseconds after midnight;
//  24:00 is accepted as the end of the day. Returns 0 or -1.
static int
s_parse_hhmm (const char **p, int64_t *ms)
{
    const char *s = *p;
    int h = s_digits (&s, 2);
    if (h < 0 || *s++ != ':')
        return -1;
    int m = s_digits (&s, 2);
    if (m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    *ms = h * S_HOUR_MS + m * S_MINUTE_MS;
    *p = s;
    return 0;
}

int64_t
hl_calendar_local_ms (int year, int month, int day, int hour, int minute)
{
    assert (year >= 1970 && year <= 9999);
    assert (month >= 1 && month <= 12);
    assert (day >= 1 && day <= s_month_days (year, month));
    assert (hour >= 0 && minute >= 0 && minute < 60);
    assert (hour < 24 || (hour == 24 && minute == 0));
    return s_day_start (s_days_from_civil (year, month, day))
         + hour * S_HOUR_MS + minute * S_MINUTE_MS;
}

int
hl_calendar_parse_local (const char *text, int64_t *ms)
{
    assert (text && ms);
    const char *p = text;
    int64_t day, tod = 0;
    if (s_parse_date (&p, &day))
        return -1;
    if (*p == ' ' || *p == 'T') {
        p++;
        if (s_parse_hhmm (&p, &tod) || tod >= S_DAY_MS)
            return -1;
        if (*p == ':') {
            p++;
            int sec = s_digits (&p, 2);
            if (sec < 0 || sec > 59)
                return -1;
            tod += sec * INT64_C (1000);
        }
    }
    if (*p)
        return -1;
    *ms = s_day_start (day) + tod;
    return 0;
}

char *
hl_calendar_format (int64_t t, char *buf, size_t buflen)
{
    assert (buf && buflen);
    int y, m, d;
    s_civil_from_days (s_day_of (t), &y, &m, &d);
    int64_t secs = s_time_of_day (t) / 1000;
    snprintf (buf, buflen, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d,
              (int) (secs / 3600), (int) (secs / 60 % 60), (int) (secs % 60));
    return buf;
}

int64_t
hl_calendar_midnight (int64_t t)
{
    return s_day_start (s_day_of (t));
}

int64_t
hl_calendar_add_calendar_days (int64_t t, int64_t n, hl_calendar_day1_t conv)
{
    assert (n >= 1);
    int64_t day1 = s_day_of (t) + (conv == HL_CALENDAR_DAY1_NEXT);
    return s_day_start (day1 + n);
}


//  --------------------------------------------------------------------------
//  Working days

//  Monday-Friday days in [day 0, d). R days into a week that starts on a
//  Thursday (like day 0) contain this many of them.
static int64_t
s_plain_workdays_before (int64_t d)
{
    static const int64_t partial[7] = { 0, 1, 2, 2, 2, 3, 4 };
    return s_floor_div (d, 7) * 5 + partial[s_floor_mod (d, 7)];
}

//  Working days in [day 0, d): the one function every day question uses.
static int64_t
s_workdays_before (const s_days_t *days, int64_t d)
{
    int64_t first = days->first_day;
    int64_t last = first + days->ndays;
    if (days->ndays == 0 || d <= first)
        return s_plain_workdays_before (d);
    int64_t base = s_plain_workdays_before (first);
    if (d <= last)
        return base + days->cum[d - first];
    return base + days->cum[days->ndays]
         + s_plain_workdays_before (d) - s_plain_workdays_before (last);
}

static bool
s_is_workday (const s_days_t *days, int64_t d)
{
    return s_workdays_before (days, d + 1) - s_workdays_before (days, d) == 1;
}

//  The K-th (K >= 1) working day counting from day D inclusive. Finds an
//  upper bound by doubling (holidays never last long, but a file could say
//  otherwise), then bisects: O(log K) prefix lookups.
static int64_t
s_nth_workday (const s_days_t *days, int64_t d, int64_t k)
{
    assert (k >= 1);
    int64_t before = s_workdays_before (days, d);
    int64_t span = 2 * k + 14;
    while (s_workdays_before (days, d + span) - before < k)
        span *= 2;
    //  Invariant: fewer than K working days in [d, lo), at least K in [d, hi).
    int64_t lo = d, hi = d + span;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s_workdays_before (days, mid) - before < k)
            lo = mid;
        else
            hi = mid;
    }
    return hi - 1;
}

static bool
s_year_loaded (const s_days_t *days, int year)
{
    return days->ndays > 0 && year >= days->first_year
        && year <= days->last_year && days->loaded[year - days->first_year];
}

//  OR HL_CALENDAR_PROVISIONAL into *FLAGS if any day in [D1, D2] lies in a
//  year without a calendar file. Stops at the first such year, so the loop
//  is bounded by the number of loaded years.
static void
s_flag_days (const s_days_t *days, int64_t d1, int64_t d2, unsigned *flags)
{
    if (!flags)
        return;
    int y2 = s_year_of_day (d2);
    for (int y = s_year_of_day (d1); y <= y2; y++)
        if (!s_year_loaded (days, y)) {
            *flags |= HL_CALENDAR_PROVISIONAL;
            return;
        }
}

//  Same for the days spanned by two moments, in either order.
static void
s_flag_span (const s_days_t *days, int64_t t1, int64_t t2, unsigned *flags)
{
    int64_t d1 = s_day_of (t1), d2 = s_day_of (t2);
    s_flag_days (days, d1 < d2 ? d1 : d2, d1 < d2 ? d2 : d1, flags);
}

//  补假: a statutory holiday that falls on a Saturday or Sunday is made up
//  on a working day (全国年节及纪念日放假办法, art. 6); the State Council
//  puts it right after the holiday, so the guess does too. Marks the
//  NWEEKEND weekdays after day of the year LAST (not holidays already).
static void
s_make_up (s_year_t *year, int64_t jan1, int last, int nweekend)
{
    int ndays = s_leap (year->year) ? 366 : 365;
    for (int doy = last + 1; nweekend > 0 && doy < ndays; doy++)
        if (s_weekday (jan1 + doy) < 5 && year->kind[doy] == S_PLAIN) {
            year->kind[doy] = S_HOLIDAY;
            nweekend--;
        }
}

//  The statutory holidays of Y as a calendar file would list them, with
//  their 补假 and without make-up workdays (调休): what the calendar
//  assumes for a year nobody loaded. A day two holidays share (中秋 on
//  1 October) counts once. False (and *YEAR plain) if the holiday table
//  does not cover Y.
static bool
s_statutory_year (int y, s_year_t *year)
{
    memset (year, 0, sizeof *year);
    year->year = y;
    hl_holiday_t holidays[HL_HOLIDAYS_PER_YEAR];
    int n = hl_holidays_statutory (y, holidays);
    int64_t jan1 = s_days_from_civil (y, 1, 1);
    int first[HL_HOLIDAYS_PER_YEAR], nweekend[HL_HOLIDAYS_PER_YEAR];
    for (int i = 0; i < n; i++) {
        first[i] = (int) (s_days_from_civil (y, holidays[i].month, holidays[i].day) - jan1);
        nweekend[i] = 0;
        assert (first[i] >= 0 && first[i] + holidays[i].ndays <= (s_leap (y) ? 366 : 365));
        for (int doy = first[i]; doy < first[i] + holidays[i].ndays; doy++) {
            nweekend[i] += s_weekday (jan1 + doy) >= 5 && year->kind[doy] == S_PLAIN;
            year->kind[doy] = S_HOLIDAY;
        }
    }
    //  Every holiday is in place before any 补假 looks for a free weekday.
    for (int i = 0; i < n; i++)
        s_make_up (year, jan1, first[i] + holidays[i].ndays - 1, nweekend[i]);
    return n > 0;
}

//  Build the prefix table for YEARS (sorted, ownership taken). The table
//  spans the loaded years and the statutory holiday table; years in the
//  span without a file keep the statutory holidays, other years follow
//  the Monday-Friday rule.
static s_days_t *
s_days_new (s_year_t *years, size_t nyears)
{
    s_days_t *days = calloc (1, sizeof *days);
    if (!days)
        abort ();
    days->years = years;
    days->nyears = nyears;
    days->first_year = HL_HOLIDAYS_FIRST_YEAR;
    days->last_year = HL_HOLIDAYS_LAST_YEAR;
    if (nyears > 0 && years[0].year < days->first_year)
        days->first_year = years[0].year;
    if (nyears > 0 && years[nyears - 1].year > days->last_year)
        days->last_year = years[nyears - 1].year;
    days->first_day = s_days_from_civil (days->first_year, 1, 1);
    days->ndays = s_days_from_civil (days->last_year + 1, 1, 1) - days->first_day;
    days->cum = malloc ((size_t) (days->ndays + 1) * sizeof *days->cum);
    days->loaded = calloc ((size_t) (days->last_year - days->first_year + 1), 1);
    if (!days->cum || !days->loaded)
        abort ();
    days->cum[0] = 0;
    size_t next = 0;
    int64_t i = 0;
    for (int y = days->first_year; y <= days->last_year; y++) {
        s_year_t guess;
        const s_year_t *year = NULL;
        if (next < nyears && years[next].year == y) {
            year = &years[next++];
            days->loaded[y - days->first_year] = 1;
        }
        else
        if (s_statutory_year (y, &guess))
            year = &guess;
        int ndays = s_leap (y) ? 366 : 365;
        for (int doy = 0; doy < ndays; doy++, i++) {
            int kind = year ? year->kind[doy] : S_PLAIN;
            bool work = kind == S_WORKDAY
                     || (kind == S_PLAIN && s_weekday (days->first_day + i) < 5);
            days->cum[i + 1] = days->cum[i] + work;
        }
    }
    assert (i == days->ndays);
    return days;
}

static void
s_days_destroy (s_days_t **days_p)
{
    s_days_t *days = *days_p;
    if (days) {
        free (days->years);
        free (days->cum);
        free (days->loaded);
        free (days);
        *days_p = NULL;
    }
}


//  --------------------------------------------------------------------------
//  Office hours within a working day

//  Working ms in [FROM, TO) of a working day (times of day, FROM <= TO).
static int64_t
s_overlap (const hl_calendar_t *self, int64_t from, int64_t to)
{
    int64_t sum = 0;
    for (int i = 0; i < self->nintervals; i++) {
        int64_t a = self->open[i] > from ? self->open[i] : from;
        int64_t b = self->close[i] < to ? self->close[i] : to;
        if (b > a)
            sum += b - a;
    }
    return sum;
}

//  Time of day at which MS (> 0) working ms after time of day FROM are
//  used up; the caller guarantees the day has that much left.
static int64_t
s_locate (const hl_calendar_t *self, int64_t from, int64_t ms)
{
    assert (ms > 0);
    for (int i = 0; i < self->nintervals; i++) {
        int64_t a = self->open[i] > from ? self->open[i] : from;
        if (a >= self->close[i])
            continue;
        if (ms <= self->close[i] - a)
            return a + ms;
        ms -= self->close[i] - a;
    }
    assert (!"s_locate: day too short");
    return S_DAY_MS;
}


//  --------------------------------------------------------------------------
//  Working time, without flag bookkeeping (the public wrappers do that)

static int64_t
s_next_working (const hl_calendar_t *self, int64_t t)
{
    int64_t d = s_day_of (t);
    int64_t tod = s_time_of_day (t);
    if (s_is_workday (self->days, d))
        for (int i = 0; i < self->nintervals; i++)
            if (self->close[i] > tod)
                return s_day_start (d) + (self->open[i] > tod ? self->open[i] : tod);
    return s_day_start (s_nth_workday (self->days, d + 1, 1)) + self->open[0];
}

//  Working ms in [FROM, TO), FROM <= TO: the two partial days at the ends
//  plus whole working days in between.
static int64_t
s_working_between (const hl_calendar_t *self, int64_t from, int64_t to)
{
    int64_t d1 = s_day_of (from), d2 = s_day_of (to);
    int64_t tod1 = s_time_of_day (from), tod2 = s_time_of_day (to);
    const s_days_t *days = self->days;
    if (d1 == d2)
        return s_is_workday (days, d1) ? s_overlap (self, tod1, tod2) : 0;
    int64_t sum = 0;
    if (s_is_workday (days, d1))
        sum += s_overlap (self, tod1, S_DAY_MS);
    if (s_is_workday (days, d2))
        sum += s_overlap (self, 0, tod2);
    int64_t whole = s_workdays_before (days, d2) - s_workdays_before (days, d1 + 1);
    return sum + whole * self->day_ms;
}

static int64_t
s_add_working_ms (const hl_calendar_t *self, int64_t t, int64_t ms)
{
    assert (ms >= 0);
    if (ms == 0)
        return t;
    int64_t d = s_day_of (t);
    int64_t tod = s_time_of_day (t);
    if (s_is_workday (self->days, d)) {
        int64_t left = s_overlap (self, tod, S_DAY_MS);
        if (ms <= left)
            return s_day_start (d) + s_locate (self, tod, ms);
        ms -= left;
    }
    //  MS still to go from the next day on: K whole or partial working
    //  days, the last of which uses R ms (0 < R <= day_ms).
    int64_t k = (ms + self->day_ms - 1) / self->day_ms;
    int64_t r = ms - (k - 1) * self->day_ms;
    int64_t last = s_nth_workday (self->days, d + 1, k);
    return s_day_start (last) + s_locate (self, 0, r);
}

//  Working day 1 for receipt at T under CONV.
static int64_t
s_day1 (const hl_calendar_t *self, int64_t t, hl_calendar_day1_t conv)
{
    if (conv == HL_CALENDAR_DAY1_RECEIPT)
        return s_day_of (s_next_working (self, t));
    assert (conv == HL_CALENDAR_DAY1_NEXT);
    return s_nth_workday (self->days, s_day_of (t) + 1, 1);
}


//  --------------------------------------------------------------------------
//  Public working-time operations

bool
hl_calendar_is_working_day (hl_calendar_t *self, int64_t t, unsigned *flags)
{
    assert (self);
    s_flag_span (self->days, t, t, flags);
    return s_is_workday (self->days, s_day_of (t));
}

bool
hl_calendar_is_working (hl_calendar_t *self, int64_t t, unsigned *flags)
{
    assert (self);
    s_flag_span (self->days, t, t, flags);
    return s_next_working (self, t) == t;
}

int64_t
hl_calendar_next_working (hl_calendar_t *self, int64_t t, unsigned *flags)
{
    assert (self);
    int64_t result = s_next_working (self, t);
    s_flag_span (self->days, t, result, flags);
    return result;
}

int64_t
hl_calendar_working_between (hl_calendar_t *self, int64_t from, int64_t to,
                             unsigned *flags)
{
    assert (self);
    s_flag_span (self->days, from, to, flags);
    return from <= to ? s_working_between (self, from, to)
                      : -s_working_between (self, to, from);
}

int64_t
hl_calendar_add_working_ms (hl_calendar_t *self, int64_t t, int64_t ms,
                            unsigned *flags)
{
    assert (self);
    assert (ms >= 0);
    int64_t result = s_add_working_ms (self, t, ms);
    s_flag_span (self->days, t, result, flags);
    return result;
}

int64_t
hl_calendar_add_working_minutes (hl_calendar_t *self, int64_t t, int64_t n,
                                 unsigned *flags)
{
    return hl_calendar_add_working_ms (self, t, n * S_MINUTE_MS, flags);
}

int64_t
hl_calendar_add_working_hours (hl_calendar_t *self, int64_t t, int64_t n,
                               unsigned *flags)
{
    return hl_calendar_add_working_ms (self, t, n * S_HOUR_MS, flags);
}

int64_t
hl_calendar_add_working_days (hl_calendar_t *self, int64_t t, int64_t n,
                              hl_calendar_day1_t conv, unsigned *flags)
{
    assert (self);
    assert (n >= 1);
    int64_t last = s_nth_workday (self->days, s_day1 (self, t, conv), n);
    int64_t result = s_day_start (last) + self->close[self->nintervals - 1];
    s_flag_span (self->days, t, result, flags);
    return result;
}

int64_t
hl_calendar_day1_open (hl_calendar_t *self, int64_t t,
                       hl_calendar_day1_t conv, unsigned *flags)
{
    assert (self);
    int64_t result = s_day_start (s_day1 (self, t, conv)) + self->open[0];
    s_flag_span (self->days, t, result, flags);
    return result;
}


//  --------------------------------------------------------------------------
//  Construction and office hours

hl_calendar_t *
hl_calendar_new (void)
{
    hl_calendar_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->days = s_days_new (NULL, 0);
    int rc = hl_calendar_set_hours (self, "08:30-12:00,14:30-18:00", NULL, 0);
    assert (rc == 0);
    (void) rc;
    self->generation = 1;
    return self;
}

void
hl_calendar_destroy (hl_calendar_t **self_p)
{
    assert (self_p);
    hl_calendar_t *self = *self_p;
    if (self) {
        s_days_destroy (&self->days);
        free (self);
        *self_p = NULL;
    }
}

//  Intervals are validated as a whole before any is stored, so a bad spec
//  leaves the old hours in place.
int
hl_calendar_set_hours (hl_calendar_t *self, const char *spec,
                       char *err, size_t errlen)
{
    assert (self && spec);
    int64_t open[HL_CALENDAR_MAX_INTERVALS], close[HL_CALENDAR_MAX_INTERVALS];
    int n = 0;
    const char *p = spec;
    while (true) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        if (n == HL_CALENDAR_MAX_INTERVALS)
            return s_fail (err, errlen, "office hours '%s': more than %d intervals",
                           spec, HL_CALENDAR_MAX_INTERVALS);
        if (s_parse_hhmm (&p, &open[n]) || *p++ != '-' || s_parse_hhmm (&p, &close[n])
        || (*p && *p != ' ' && *p != ','))
            return s_fail (err, errlen, "office hours '%s': expected HH:MM-HH:MM", spec);
        if (close[n] <= open[n] || (n > 0 && open[n] < close[n - 1]))
            return s_fail (err, errlen,
                           "office hours '%s': intervals must be non-empty, "
                           "ascending and not overlap", spec);
        n++;
    }
    if (n == 0)
        return s_fail (err, errlen, "office hours '%s': no interval", spec);
    self->nintervals = n;
    self->day_ms = 0;
    for (int i = 0; i < n; i++) {
        self->open[i] = open[i];
        self->close[i] = close[i];
        self->day_ms += close[i] - open[i];
    }
    self->generation++;
    return 0;
}

char *
hl_calendar_hours (hl_calendar_t *self, char *buf, size_t buflen)
{
    assert (self && buf && buflen);
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < self->nintervals && used < buflen; i++) {
        int64_t a = self->open[i] / S_MINUTE_MS, b = self->close[i] / S_MINUTE_MS;
        int n = snprintf (buf + used, buflen - used, "%s%02d:%02d-%02d:%02d",
                          i ? "," : "", (int) (a / 60), (int) (a % 60),
                          (int) (b / 60), (int) (b % 60));
        used += n > 0 ? (size_t) n : 0;
    }
    return buf;
}

int64_t
hl_calendar_day_ms (hl_calendar_t *self)
{
    assert (self);
    return self->day_ms;
}

bool
hl_calendar_has_year (hl_calendar_t *self, int year)
{
    assert (self);
    return s_year_loaded (self->days, year);
}

//  Walks year by year from T's year: bounded by the number of loaded years.
int64_t
hl_calendar_loaded_until (hl_calendar_t *self, int64_t t)
{
    assert (self);
    int y = s_year_of_day (s_day_of (t));
    if (!s_year_loaded (self->days, y))
        return t;
    while (s_year_loaded (self->days, y + 1))
        y++;
    return s_day_start (s_days_from_civil (y + 1, 1, 1));
}

uint64_t
hl_calendar_generation (hl_calendar_t *self)
{
    assert (self);
    return self->generation;
}


//  --------------------------------------------------------------------------
//  Calendar files

//  The year a file name promises: NAME's last component is YYYY.conf.
//  Returns the year, or -1 for any other name.
static int
s_name_year (const char *name)
{
    const char *base = strrchr (name, '/');
    base = base ? base + 1 : name;
    const char *p = base;
    int year = s_digits (&p, 4);
    return year >= 0 && strcmp (p, ".conf") == 0 ? year : -1;
}

//  Apply one "holiday" or "workday" line: ARG is DATE or DATE..DATE, all
//  within YEAR->year; each day may be listed once in a file; a make-up
//  workday must be a Saturday or Sunday (anything else is a typo).
static int
s_apply_days (s_year_t *year, s_kind_t kind, const char *arg, hl_sla_conf_t *conf,
              char *err, size_t errlen)
{
    const char *p = arg;
    int64_t from, to;
    if (s_parse_date (&p, &from))
        return hl_sla_conf_error (conf, err, errlen, "bad date '%s' (expected YYYY-MM-DD)", arg);
    to = from;
    if (strncmp (p, "..", 2) == 0) {
        p += 2;
        if (s_parse_date (&p, &to))
            return hl_sla_conf_error (conf, err, errlen, "bad date range '%s' "
                                      "(expected YYYY-MM-DD..YYYY-MM-DD)", arg);
    }
    if (*p)
        return hl_sla_conf_error (conf, err, errlen, "bad date '%s' (expected YYYY-MM-DD)", arg);
    if (to < from)
        return hl_sla_conf_error (conf, err, errlen, "range '%s' ends before it starts", arg);
    int64_t jan1 = s_days_from_civil (year->year, 1, 1);
    int64_t next_jan1 = s_days_from_civil (year->year + 1, 1, 1);
    if (from < jan1 || to >= next_jan1)
        return hl_sla_conf_error (conf, err, errlen,
                                  "'%s' is not in %d (each year has its own file)",
                                  arg, year->year);
    for (int64_t d = from; d <= to; d++) {
        int doy = (int) (d - jan1);
        char date[32];
        hl_calendar_format (s_day_start (d), date, sizeof date);
        date[10] = 0;
        if (year->kind[doy] != S_PLAIN)
            return hl_sla_conf_error (conf, err, errlen, "%s is already listed on line %u",
                                      date, year->line[doy]);
        if (kind == S_WORKDAY && s_weekday (d) < 5)
            return hl_sla_conf_error (conf, err, errlen, "%s is a %s, a working day anyway; "
                                      "make-up workdays fall on weekends",
                                      date, s_weekday_names[s_weekday (d)]);
        year->kind[doy] = (uint8_t) kind;
        year->line[doy] = hl_sla_conf_line (conf);
    }
    return 0;
}

//  Handle the "year YYYY" line, which must come first and, if the file is
//  named YYYY.conf, agree with the name.
static int
s_parse_year_line (s_year_t *year, char **word, int nwords, hl_sla_conf_t *conf,
                   char *err, size_t errlen)
{
    if (year->year)
        return hl_sla_conf_error (conf, err, errlen, "second 'year' line");
    const char *p = nwords > 1 ? word[1] : "";
    int y = s_digits (&p, 4);
    if (y < S_MIN_YEAR || y > S_MAX_YEAR || *p || nwords > 2)
        return hl_sla_conf_error (conf, err, errlen, "expected 'year YYYY' (%d-%d)",
                                  S_MIN_YEAR, S_MAX_YEAR);
    int named = s_name_year (hl_sla_conf_name (conf));
    if (named >= 0 && named != y)
        return hl_sla_conf_error (conf, err, errlen, "year %d does not match the file name", y);
    year->year = y;
    return 0;
}

//  Parse a whole calendar file into *YEAR. After the date (or range),
//  the rest of a holiday or workday line is a label for people.
static int
s_parse_year (hl_sla_conf_t *conf, s_year_t *year, char *err, size_t errlen)
{
    memset (year, 0, sizeof *year);
    char **word;
    int n;
    while ((n = hl_sla_conf_next (conf, &word, err, errlen)) > 0) {
        s_kind_t kind = S_PLAIN;
        if (strcmp (word[0], "year") == 0) {
            if (s_parse_year_line (year, word, n, conf, err, errlen))
                return -1;
            continue;
        }
        if (strcmp (word[0], "holiday") == 0)
            kind = S_HOLIDAY;
        else
        if (strcmp (word[0], "workday") == 0)
            kind = S_WORKDAY;
        else
            return hl_sla_conf_error (conf, err, errlen, "unknown directive '%s' "
                                      "(expected year, holiday or workday)", word[0]);
        if (!year->year)
            return hl_sla_conf_error (conf, err, errlen, "'%s' before the 'year' line", word[0]);
        if (n < 2)
            return hl_sla_conf_error (conf, err, errlen, "'%s' needs a date or a date range",
                                      word[0]);
        if (s_apply_days (year, kind, word[1], conf, err, errlen))
            return -1;
    }
    if (n < 0)
        return -1;
    if (!year->year)
        return hl_sla_conf_error (conf, err, errlen, "no 'year' line");
    return 0;
}

//  Parse the calendar file at PATH (TEXT NULL) or in TEXT, named PATH.
static int
s_parse_file (const char *path, const char *text, s_year_t *year,
              char *err, size_t errlen)
{
    hl_sla_conf_t *conf = text ? hl_sla_conf_new_string (text, path)
                               : hl_sla_conf_new_file (path, err, errlen);
    if (!conf)
        return -1;
    int rc = s_parse_year (conf, year, err, errlen);
    hl_sla_conf_destroy (&conf);
    return rc;
}

static int
s_year_cmp (const void *a, const void *b)
{
    const s_year_t *ya = a, *yb = b;
    return (ya->year > yb->year) - (ya->year < yb->year);
}

//  Install a complete new set of years: the only place the calendar's
//  days change, so a failed load never reaches it.
static void
s_install (hl_calendar_t *self, s_year_t *years, size_t nyears)
{
    qsort (years, nyears, sizeof *years, s_year_cmp);
    s_days_t *days = s_days_new (years, nyears);
    s_days_destroy (&self->days);
    self->days = days;
    self->generation++;
}

//  Add or replace the year in file PATH (or TEXT, if not NULL) on top
//  of the years loaded now.
static int
s_load_one (hl_calendar_t *self, const char *path, const char *text,
            char *err, size_t errlen)
{
    s_year_t year;
    if (s_parse_file (path, text, &year, err, errlen))
        return -1;
    const s_days_t *old = self->days;
    s_year_t *years = malloc ((old->nyears + 1) * sizeof *years);
    if (!years)
        abort ();
    size_t n = 0;
    for (size_t i = 0; i < old->nyears; i++)
        if (old->years[i].year != year.year)
            years[n++] = old->years[i];
    years[n++] = year;
    s_install (self, years, n);
    return 0;
}

int
hl_calendar_load_string (hl_calendar_t *self, const char *text,
                         const char *name, char *err, size_t errlen)
{
    assert (self && text && name);
    return s_load_one (self, name, text, err, errlen);
}

int
hl_calendar_load_file (hl_calendar_t *self, const char *path,
                       char *err, size_t errlen)
{
    assert (self && path);
    return s_load_one (self, path, NULL, err, errlen);
}

static int
s_name_cmp (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  The names in DIR ending in ".conf", sorted so that errors come in a
//  stable order. Returns the count, or -1 if DIR cannot be read.
static int
s_list_conf (const char *dir, char ***names_p, char *err, size_t errlen)
{
    DIR *handle = opendir (dir);
    if (!handle)
        return s_fail (err, errlen, "%s: %s", dir, strerror (errno));
    char **names = NULL;
    int n = 0;
    struct dirent *entry;
    while ((entry = readdir (handle))) {
        size_t len = strlen (entry->d_name);
        if (len < 5 || strcmp (entry->d_name + len - 5, ".conf") != 0)
            continue;
        names = realloc (names, (size_t) (n + 1) * sizeof *names);
        if (!names || !(names[n] = strdup (entry->d_name)))
            abort ();
        n++;
    }
    closedir (handle);
    if (n > 0)
        qsort (names, (size_t) n, sizeof *names, s_name_cmp);
    *names_p = names;
    return n;
}

static void
s_free_names (char **names, int n)
{
    for (int i = 0; i < n; i++)
        free (names[i]);
    free (names);
}

//  Parse every YYYY.conf of DIR into a new YEARS array (NULL on error).
static s_year_t *
s_load_years (const char *dir, char **names, int n, char *err, size_t errlen)
{
    s_year_t *years = malloc ((size_t) n * sizeof *years);
    if (!years)
        abort ();
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf (path, sizeof path, "%s/%s", dir, names[i]);
        int rc = s_name_year (names[i]) < 0
               ? s_fail (err, errlen, "%s: calendar files are named YYYY.conf", path)
               : s_parse_file (path, NULL, &years[i], err, errlen);
        if (rc) {
            free (years);
            return NULL;
        }
    }
    return years;
}

int
hl_calendar_load_dir (hl_calendar_t *self, const char *dir,
                      char *err, size_t errlen)
{
    assert (self && dir);
    char **names = NULL;
    int n = s_list_conf (dir, &names, err, errlen);
    if (n < 0)
        return -1;
    if (n == 0) {
        free (names);
        return s_fail (err, errlen, "%s: no YYYY.conf calendar file", dir);
    }
    s_year_t *years = s_load_years (dir, names, n, err, errlen);
    s_free_names (names, n);
    if (!years)
        return -1;
    s_install (self, years, (size_t) n);
    return 0;
}
