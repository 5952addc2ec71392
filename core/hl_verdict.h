/*  hl_verdict: the shared vocabulary of input validation.
 *
 *  Every check of a request (a complaint at intake, a transition, a worker's
 *  action) ends in a verdict: valid, or the first problem with its error
 *  code, the field and a message an integrator can act on. The helpers
 *  here are the checks those validators have in common.
 */
#ifndef HL_VERDICT_H_INCLUDED
#define HL_VERDICT_H_INCLUDED

#include "hotline.pb-c.h"

#include <stddef.h>

typedef struct {
    Hotline__ErrorCode code;   //  ERROR_UNSPECIFIED (0) when valid
    const char *field;         //  the offending field, or NULL
    char message[200];         //  for people, starting with the field
} hl_verdict_t;

//  Record a problem; returns -1 so validators can `return hl_verdict_fail (...)`.
int hl_verdict_fail (hl_verdict_t *v, Hotline__ErrorCode code, const char *field,
                     const char *message);

//  A text field: optional unless REQUIRED; valid UTF-8 without NUL or
//  control characters (MULTILINE allows TAB, LF, CR); at most MAX bytes.
int hl_verdict_text (hl_verdict_t *v, const char *field, int present,
                     ProtobufCBinaryData data, int required, int multiline, size_t max);

//  An enum field: required, and a value of DESC.
int hl_verdict_enum (hl_verdict_t *v, const char *field, int present, int value,
                     const ProtobufCEnumDescriptor *desc);

//  A code field (ticket number, unit, category): present and made of
//  code characters, at most MAX bytes.
int hl_verdict_code (hl_verdict_t *v, const char *field, int present,
                     ProtobufCBinaryData data, size_t max);

#endif
