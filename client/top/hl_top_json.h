/*  hl_top_json: the dashboard API's JSON, read strictly into a tree.
 *
 *  `hotline top` reads a handful of small documents from hotlined's HTTP
 *  API (docs/dashboard-api.md). This parser takes exactly RFC 8259 JSON
 *  and refuses everything else with a message naming the byte offset:
 *
 *    * numbers outside the grammar (01, 1., .5, +1, NaN, Infinity);
 *    * invalid UTF-8, raw control characters in strings, lone surrogates,
 *      escapes that decode to NUL;
 *    * duplicate keys, trailing commas, trailing text after the value;
 *    * nesting deeper than HL_TOP_JSON_MAX_DEPTH, documents larger than
 *      HL_TOP_JSON_MAX_BYTES.
 *
 *  The whole tree belongs to the root returned by hl_top_json_parse; the
 *  nodes reached from it are valid until the root is destroyed. Every
 *  accessor accepts NULL and answers "absent", so lookups can be chained:
 *  hl_top_json_num (hl_top_json_get (hl_top_json_get (doc, "open"), "signed"), 0).
 */
#ifndef HL_TOP_JSON_H_INCLUDED
#define HL_TOP_JSON_H_INCLUDED

#include <stddef.h>

typedef struct hl_top_json hl_top_json_t;

#define HL_TOP_JSON_MAX_DEPTH 32
#define HL_TOP_JSON_MAX_BYTES (16u << 20)

typedef enum {
    HL_TOP_JSON_NONE = 0,      //  absent (a NULL node)
    HL_TOP_JSON_NULL,
    HL_TOP_JSON_BOOL,
    HL_TOP_JSON_NUMBER,
    HL_TOP_JSON_STRING,
    HL_TOP_JSON_ARRAY,
    HL_TOP_JSON_OBJECT
} hl_top_json_type_t;

//  Parse DATA[0..len). Returns the root, or NULL with a message in ERR.
hl_top_json_t *hl_top_json_parse (const char *data, size_t len, char *err, size_t errlen);
void hl_top_json_destroy (hl_top_json_t **self_p);

hl_top_json_type_t hl_top_json_type (const hl_top_json_t *self);

//  An object's member KEY, or NULL.
const hl_top_json_t *hl_top_json_get (const hl_top_json_t *self, const char *key);

//  Elements of an array, or members of an object (in document order).
size_t hl_top_json_size (const hl_top_json_t *self);
const hl_top_json_t *hl_top_json_at (const hl_top_json_t *self, size_t index);
//  The key of an object's INDEXth member, or NULL.
const char *hl_top_json_key_at (const hl_top_json_t *self, size_t index);

//  A string's value (NUL-terminated UTF-8), or NULL if not a string.
const char *hl_top_json_str (const hl_top_json_t *self);
//  A number's value, or FALLBACK if not a number (null, absent, ...).
double hl_top_json_num (const hl_top_json_t *self, double fallback);
//  A boolean's value (0 or 1), or FALLBACK.
int hl_top_json_bool (const hl_top_json_t *self, int fallback);

#endif
