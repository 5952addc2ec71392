/*  hl_codes: the catalogues of codes a ticket may carry.
 *
 *  A city configures its request categories (诉求分类) and its areas
 *  (行政区划: districts, counties, development zones) in codes.conf:
 *
 *      [category]
 *      SB.01   社会保障/社保缴费
 *      [area]
 *      441702  江城区
 *
 *  Intake refuses a ticket whose category or area is not listed, so that
 *  dispatch and statistics never meet a code nobody can route.
 */
#ifndef HL_CODES_H_INCLUDED
#define HL_CODES_H_INCLUDED

#include <stddef.h>

typedef struct hl_codes hl_codes_t;

typedef enum {
    HL_CODES_CATEGORY = 0,
    HL_CODES_AREA = 1
} hl_codes_kind_t;

#define HL_CODE_MAX 32

//  Load a catalogue file. NULL with "FILE:LINE: message" in ERR on error.
hl_codes_t *hl_codes_load (const char *path, char *err, size_t errlen);

//  Load from text (for tests and embedded defaults).
hl_codes_t *hl_codes_parse (const char *name, const char *text, char *err, size_t errlen);

void hl_codes_destroy (hl_codes_t **self_p);

//  The name of CODE[0..len) in catalogue KIND, or NULL if unknown.
const char *hl_codes_lookup (const hl_codes_t *self, hl_codes_kind_t kind,
                             const char *code, size_t len);

//  Number of codes of KIND, and the I-th code and name (sorted by code).
size_t hl_codes_count (const hl_codes_t *self, hl_codes_kind_t kind);
const char *hl_codes_code_at (const hl_codes_t *self, hl_codes_kind_t kind, size_t i);
const char *hl_codes_name_at (const hl_codes_t *self, hl_codes_kind_t kind, size_t i);

#endif
