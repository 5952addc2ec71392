/*  hl_complaint: validation of a citizen's request at intake.
 *
 *  Every rule a complaint must pass before it may be stored lives here, as
 *  a pure function of the message and the code catalogues, so that the
 *  rules can be unit-tested without a daemon and every refusal names the
 *  field and the reason in words an integrator can act on.
 */
#ifndef HL_COMPLAINT_H_INCLUDED
#define HL_COMPLAINT_H_INCLUDED

#include "hl_codes.h"
#include "hl_verdict.h"
#include "hotline.pb-c.h"

#include <stddef.h>

//  Length limits, in bytes of UTF-8 unless noted.
#define HL_COMPLAINT_CONTENT_MAX_CHARS 4000
#define HL_COMPLAINT_CONTENT_MAX 16000
#define HL_COMPLAINT_NAME_MAX 128
#define HL_COMPLAINT_ADDRESS_MAX 512
#define HL_COMPLAINT_ENTERPRISE_NAME_MAX 256
#define HL_COMPLAINT_REF_MAX 128
#define HL_COMPLAINT_REQUEST_ID_MAX 64
#define HL_COMPLAINT_PHONE_MAX 24

typedef hl_verdict_t hl_complaint_verdict_t;

//  Check C against every intake rule. Returns 0 if valid, else -1 with
//  the first problem found in *verdict.
int hl_complaint_check (const Hotline__Complaint *c, const hl_codes_t *codes,
                        hl_complaint_verdict_t *verdict);

//  Normalise a phone number for storage and lookup: keep a leading '+'
//  and the digits, drop the separators people type (' ', '-', '(', ')').
//  Returns the length written to OUT (at most HL_COMPLAINT_PHONE_MAX),
//  or -1 if anything else is present or the digit count is implausible
//  (fewer than 5 or more than 20 digits).
int hl_complaint_normalise_phone (const void *data, size_t len, char *out);

//  True for the emergency services a call may be transferred to.
int hl_complaint_emergency_number (unsigned number);

//  Check an 18-character unified social credit code (统一社会信用代码,
//  GB 32100-2015), including its check character. 1 if valid.
int hl_complaint_credit_code_valid (const void *data, size_t len);

#endif
