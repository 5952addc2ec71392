/*  Unit test of hl_log: levels and phone masking. */
#include "hl_log.h"
#include "hl_test.h"

static void
test_mask (void)
{
    char out[32];
    HL_CHECK_STR (hl_log_mask_phone ("13800138000", 11, out, sizeof out), "138****8000");
    HL_CHECK_STR (hl_log_mask_phone ("12345", 5, out, sizeof out), "*****");
    HL_CHECK_STR (hl_log_mask_phone ("13800138000", 11, out, 5), "138*");
}

static void
test_levels (void)
{
    HL_CHECK (hl_log_level_parse ("warning") == HL_LOG_WARNING);
    HL_CHECK (hl_log_level_parse ("DEBUG") == HL_LOG_DEBUG);
    HL_CHECK (hl_log_level_parse ("chatty") == -1);
    hl_log_set_level (HL_LOG_ERROR);
    HL_CHECK (!hl_log_enabled (HL_LOG_WARNING) && hl_log_enabled (HL_LOG_ERROR));
    hl_log_set_level (HL_LOG_INFO);
}

static const hl_test_case_t s_cases[] = {
    { "mask", test_mask }, { "levels", test_levels }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
