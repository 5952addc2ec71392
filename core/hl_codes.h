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
 *
 *  Categories have up to three levels, 大类.小类.细类, one part each
 *  between dots: SB (社会保障), SB.01 (社保缴费与查询), SB.01.02 (缴费基数).
 *  The flat codes of earlier catalogues (SB.01) are 小类 of the 大类 their
 *  first part names, so old tickets and files keep their meaning; a code's
 *  parents need not be listed. The dispatch catalogue may route on any
 *  level (hl_catalogue: the most specific wins).
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
#define HL_CODES_LEVELS 3          //  大类, 小类, 细类

//  Load a catalogue file. NULL with "FILE:LINE: message" in ERR on error.
hl_codes_t *hl_codes_load (const char *path, char *err, size_t errlen);

//  Load from text (for tests and embedded defaults).
hl_codes_t *hl_codes_parse (const char *name, const char *text, char *err, size_t errlen);

void hl_codes_destroy (hl_codes_t **self_p);

//  The name of CODE[0..len) in catalogue KIND, or NULL if unknown.
const char *hl_codes_lookup (const hl_codes_t *self, hl_codes_kind_t kind,
                             const char *code, size_t len);

//  The level of category CODE: 1 (大类), 2 (小类) or 3 (细类); 0 if it has
//  more parts, or an empty one.
int hl_codes_category_level (const char *code);

//  The parent of category CODE (one level up) in OUT ("" for a 大类).
void hl_codes_category_parent (const char *code, char *out, size_t outlen);

//  Number of codes of KIND, and the I-th code and name (sorted by code).
size_t hl_codes_count (const hl_codes_t *self, hl_codes_kind_t kind);
const char *hl_codes_code_at (const hl_codes_t *self, hl_codes_kind_t kind, size_t i);
const char *hl_codes_name_at (const hl_codes_t *self, hl_codes_kind_t kind, size_t i);

#endif
