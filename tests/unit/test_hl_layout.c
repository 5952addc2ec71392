/*  Unit test of hl_layout: reading a library's layout version. The check
 *  against a live store is tested black-box (intake/store_layout). */
#include "hl_layout.h"
#include "hl_store.h"
#include "hl_test.h"

static int
s_layout (const char *code)
{
    return hl_layout_of_library (code, strlen (code));
}

static void
test_of_library (void)
{
    HL_CHECK (s_layout ("#!lua name=hotline\nlocal LAYOUT_VERSION = 4\nlocal x = 1\n") == 4);
    HL_CHECK (s_layout ("#!lua name=hotline\n-- x\nlocal LAYOUT_VERSION = 12\n") == 12);
    //  A library from before layout versions.
    HL_CHECK (s_layout ("#!lua name=hotline\nlocal function f() end\n") == 0);
    //  Only a line of its own counts, not a mention in a comment.
    HL_CHECK (s_layout ("#!lua name=hotline\n-- local LAYOUT_VERSION = 9\n") == 0);
    //  The line at the very end, cut short: no number.
    HL_CHECK (s_layout ("#!lua\nlocal LAYOUT_VERSION = ") == 0);
}

//  The library built into hotlined carries its version.
static void
test_embedded (void)
{
    HL_CHECK (hl_layout_of_library (hl_store_functions, hl_store_functions_len) >= 1);
}

static const hl_test_case_t s_cases[] = {
    { "of_library", test_of_library }, { "embedded", test_embedded }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
