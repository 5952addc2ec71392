/*  hl_sla_test: the few checks the sla/ unit tests share.
 *
 *  A failed check prints where and what, and the test goes on so that one
 *  run shows every failure; hl_test_done() turns the tally into the exit
 *  status. Expected moments are written as Shanghai wall-clock text
 *  ("2026-02-24 18:00"), which is how the rules and the calendar files
 *  speak, and mismatches are printed the same way.
 */
#ifndef HL_SLA_TEST_H_INCLUDED
#define HL_SLA_TEST_H_INCLUDED

#include "hl_calendar.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_test_checks;
static int s_test_failures;

static inline void
hl_test_report (int ok, const char *file, int line, const char *what)
{
    s_test_checks++;
    if (!ok) {
        s_test_failures++;
        fprintf (stderr, "%s:%d: FAILED: %s\n", file, line, what);
    }
}

//  Shanghai time TEXT as Unix ms; a malformed TEXT is a bug in the test.
static inline int64_t
hl_test_at (const char *text)
{
    int64_t ms;
    if (hl_calendar_parse_local (text, &ms)) {
        fprintf (stderr, "bad time in test: '%s'\n", text);
        abort ();
    }
    return ms;
}

static inline void
hl_test_time (int64_t actual, const char *expected, const char *file, int line,
              const char *expr)
{
    char got[32], what[256];
    hl_calendar_format (actual, got, sizeof got);
    snprintf (what, sizeof what, "%s = %s, expected %s", expr, got, expected);
    hl_test_report (actual == hl_test_at (expected), file, line, what);
}

static inline void
hl_test_int (int64_t actual, int64_t expected, const char *file, int line,
             const char *expr)
{
    char what[256];
    snprintf (what, sizeof what, "%s = %" PRId64 ", expected %" PRId64,
              expr, actual, expected);
    hl_test_report (actual == expected, file, line, what);
}

static inline int
hl_test_done (const char *name)
{
    printf ("%s: %d checks, %d failed\n", name, s_test_checks, s_test_failures);
    return s_test_failures ? 1 : 0;
}

#define CHECK(cond) hl_test_report (!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_INT(actual, expected) \
    hl_test_int ((int64_t) (actual), (int64_t) (expected), __FILE__, __LINE__, #actual)
#define CHECK_TIME(actual, expected) \
    hl_test_time ((actual), (expected), __FILE__, __LINE__, #actual)
//  ERR contains NEEDLE (error messages name file and line).
#define CHECK_ERR(err, needle) \
    hl_test_report (strstr ((err), (needle)) != NULL, __FILE__, __LINE__, \
                    "error '" needle "' in message")

#endif
