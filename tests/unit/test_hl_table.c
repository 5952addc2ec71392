/*  Unit test of hl_table: set, get, remove, growth, tombstones. */
#include "hl_table.h"
#include "hl_test.h"

#include <stdio.h>

static void
test_basic (void)
{
    hl_table_t *t = hl_table_new ();
    int a = 1, b = 2;
    hl_table_set (t, "YJ1", 3, &a);
    hl_table_set (t, "YJ2", 3, &b);
    HL_CHECK (hl_table_get (t, "YJ1", 3) == &a);
    HL_CHECK (hl_table_get (t, "YJ2", 3) == &b);
    HL_CHECK (hl_table_get (t, "YJ3", 3) == NULL);
    hl_table_set (t, "YJ1", 3, &b);
    HL_CHECK (hl_table_get (t, "YJ1", 3) == &b && hl_table_size (t) == 2);
    HL_CHECK (hl_table_remove (t, "YJ1", 3) == &b);
    HL_CHECK (hl_table_remove (t, "YJ1", 3) == NULL);
    HL_CHECK (hl_table_get (t, "YJ1", 3) == NULL && hl_table_size (t) == 1);
    hl_table_destroy (&t);
    HL_CHECK (t == NULL);
}

static void
s_count (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) value;
    (*(int *) arg)++;
}

//  Many inserts and removals in turn: growth and tombstone reuse keep
//  every live key reachable.
static void
test_churn (void)
{
    hl_table_t *t = hl_table_new ();
    static int values[20000];
    char key[32];
    for (int i = 0; i < 20000; i++) {
        int n = snprintf (key, sizeof key, "T%06d", i);
        hl_table_set (t, key, (size_t) n, &values[i]);
        if (i >= 100) {
            n = snprintf (key, sizeof key, "T%06d", i - 100);
            HL_CHECK (hl_table_remove (t, key, (size_t) n) == &values[i - 100]);
        }
    }
    HL_CHECK (hl_table_size (t) == 100);
    int found = 0;
    for (int i = 19900; i < 20000; i++) {
        int n = snprintf (key, sizeof key, "T%06d", i);
        found += hl_table_get (t, key, (size_t) n) == &values[i];
    }
    HL_CHECK (found == 100);
    int seen = 0;
    hl_table_foreach (t, s_count, &seen);
    HL_CHECK (seen == 100);
    hl_table_destroy (&t);
}

static const hl_test_case_t s_cases[] = {
    { "basic", test_basic }, { "churn", test_churn }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
