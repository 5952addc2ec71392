/*  hl_fuzz: what the libFuzzer harnesses of tests/fuzz share.
 *
 *  Each harness is one fuzz_<target>.c defining LLVMFuzzerTestOneInput;
 *  tests/fuzz/meson.build lists the targets. Parsers that take C strings
 *  get the input as a NUL-terminated copy (stopping at an embedded NUL,
 *  as reading a file of text would not: those parsers' file readers refuse
 *  NUL bytes before they parse).
 */
#ifndef HL_FUZZ_H_INCLUDED
#define HL_FUZZ_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  DATA[0..size) as a heap string; free it.
static inline char *
hl_fuzz_cstr (const uint8_t *data, size_t size)
{
    char *s = malloc (size + 1);
    if (!s)
        abort ();
    memcpy (s, data, size);
    s[size] = 0;
    return s;
}

//  An invariant the code under test broke: report it and abort, so that
//  libFuzzer keeps the input as a crash.
#define HL_FUZZ_ASSERT(cond) \
    do { \
        if (!(cond)) { \
            fprintf (stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort (); \
        } \
    } while (0)

#endif
