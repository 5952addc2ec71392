/*  Unit test of hl_o311_time: W3C datetimes in and out. */
#include "hl_o311_time.h"
#include "hl_test.h"

#include <stdlib.h>
#include <time.h>

static void
test_parse (void)
{
    int64_t ms;
    HL_CHECK (hl_o311_time_parse ("1994-11-05T13:15:30Z", &ms) == 0 && ms == 784041330000);
    HL_CHECK (hl_o311_time_parse ("1994-11-05T08:15:30-05:00", &ms) == 0 && ms == 784041330000);
    HL_CHECK (hl_o311_time_parse ("2026-12-04T08:00:00+08:00", &ms) == 0
              && ms == 1796342400000);
    HL_CHECK (hl_o311_time_parse ("2026-12-04T00:00Z", &ms) == 0 && ms == 1796342400000);
    HL_CHECK (hl_o311_time_parse ("2026-12-04T00:00:00.25Z", &ms) == 0
              && ms == 1796342400250);
    HL_CHECK (hl_o311_time_parse ("2024-02-29T00:00:00Z", &ms) == 0);
    //  No zone, a bad field, trailing text: refused.
    HL_CHECK (hl_o311_time_parse ("2026-12-04T00:00:00", &ms) == -1);
    HL_CHECK (hl_o311_time_parse ("2026-02-29T00:00:00Z", &ms) == -1);
    HL_CHECK (hl_o311_time_parse ("2026-13-01T00:00:00Z", &ms) == -1);
    HL_CHECK (hl_o311_time_parse ("2026-12-04T24:00:00Z", &ms) == -1);
    HL_CHECK (hl_o311_time_parse ("2026-12-04T00:00:00Zx", &ms) == -1);
    HL_CHECK (hl_o311_time_parse ("2026-12-04", &ms) == -1);
    HL_CHECK (hl_o311_time_parse ("", &ms) == -1);
}

static void
test_format (void)
{
    char out[HL_O311_TIME_LEN];
    setenv ("TZ", "Asia/Shanghai", 1);
    tzset ();
    HL_CHECK_STR (hl_o311_time_format (1796342400000, out), "2026-12-04T08:00:00+08:00");
    setenv ("TZ", "UTC", 1);
    tzset ();
    HL_CHECK_STR (hl_o311_time_format (1796342400999, out), "2026-12-04T00:00:00+00:00");
    int64_t ms;
    HL_CHECK (hl_o311_time_parse (out, &ms) == 0 && ms == 1796342400000);
}

static const hl_test_case_t s_cases[] = {
    { "parse", test_parse }, { "format", test_format }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
