/*  Unit test of hl_date: day numbers and month lengths. */
#include "hl_date.h"
#include "hl_test.h"

static void
test_days (void)
{
    HL_CHECK (hl_date_days (1970, 1, 1) == 0);
    HL_CHECK (hl_date_days (1969, 12, 31) == -1);
    HL_CHECK (hl_date_days (2000, 3, 1) - hl_date_days (2000, 2, 28) == 2);
    HL_CHECK (hl_date_days (2026, 12, 4) == 20791);
    HL_CHECK (hl_date_days (2027, 1, 1) - hl_date_days (2026, 1, 1) == 365);
    HL_CHECK (hl_date_days (2025, 1, 1) - hl_date_days (2024, 1, 1) == 366);
}

//  hl_date_civil undoes hl_date_days, day by day over four centuries.
static void
test_civil (void)
{
    int64_t y;
    int m, d;
    hl_date_civil (20791, &y, &m, &d);
    HL_CHECK (y == 2026 && m == 12 && d == 4);
    hl_date_civil (-1, &y, &m, &d);
    HL_CHECK (y == 1969 && m == 12 && d == 31);
    int bad = 0;
    for (int64_t n = hl_date_days (1900, 1, 1); n < hl_date_days (2300, 1, 1); n++) {
        hl_date_civil (n, &y, &m, &d);
        bad += hl_date_days (y, m, d) != n;
    }
    HL_CHECK (bad == 0);
}

static void
test_month_days (void)
{
    HL_CHECK (hl_date_month_days (2024, 2) == 29);
    HL_CHECK (hl_date_month_days (2026, 2) == 28);
    HL_CHECK (hl_date_month_days (1900, 2) == 28);
    HL_CHECK (hl_date_month_days (2000, 2) == 29);
    HL_CHECK (hl_date_month_days (2026, 4) == 30 && hl_date_month_days (2026, 12) == 31);
}

static const hl_test_case_t s_cases[] = {
    { "days", test_days }, { "civil", test_civil }, { "month_days", test_month_days },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
