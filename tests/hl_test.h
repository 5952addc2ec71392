/*  hl_test: the few macros hotline's C tests share.
 *
 *  A test program holds named cases; `prog NAME` runs one, `prog` runs all.
 *  meson registers each case as its own test so failures are reported by
 *  name. A failed check prints where and what, and the case goes on, so
 *  one run shows every broken expectation.
 */
#ifndef HL_TEST_H_INCLUDED
#define HL_TEST_H_INCLUDED

#include <stdio.h>
#include <string.h>

extern int hl_test_failures;

#define HL_CHECK(cond) do { \
    if (!(cond)) { \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        hl_test_failures++; \
    } \
} while (0)

#define HL_CHECK_STR(a, b) do { \
    const char *hl_a_ = (a), *hl_b_ = (b); \
    if (!hl_a_ || !hl_b_ || strcmp (hl_a_, hl_b_) != 0) { \
        fprintf (stderr, "%s:%d: '%s' != '%s' (%s vs %s)\n", __FILE__, __LINE__, \
                 hl_a_ ? hl_a_ : "(null)", hl_b_ ? hl_b_ : "(null)", #a, #b); \
        hl_test_failures++; \
    } \
} while (0)

typedef struct {
    const char *name;
    void (*fn) (void);
} hl_test_case_t;

//  Run the case named argv[1], or all cases. Returns the exit status.
int hl_test_main (const hl_test_case_t *cases, int argc, char **argv);

//  A TCP connection to 127.0.0.1:PORT (its receive buffer set to RCVBUF
//  bytes first, unless 0), or -1.
int hl_test_connect (int port, int rcvbuf);

#endif
