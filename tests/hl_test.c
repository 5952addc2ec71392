/*  hl_test: case runner. See hl_test.h. */
#include "hl_test.h"

int hl_test_failures = 0;

int
hl_test_main (const hl_test_case_t *cases, int argc, char **argv)
{
    int ran = 0;
    setvbuf (stdout, NULL, _IOLBF, 0);
    for (const hl_test_case_t *c = cases; c->name; c++) {
        if (argc > 1 && strcmp (argv[1], c->name) != 0)
            continue;
        int before = hl_test_failures;
        printf ("case %s\n", c->name);
        c->fn ();
        printf ("case %s: %s\n", c->name, hl_test_failures == before ? "ok" : "FAILED");
        ran++;
    }
    if (ran == 0) {
        fprintf (stderr, "no test case named '%s'\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    return hl_test_failures ? 1 : 0;
}
