/*  hl_jsonl: one flat JSON object per line, read strictly.
 *
 *  A department's program tells hotline-worker what to do with a ticket by
 *  printing lines such as
 *
 *      {"action":"return","reason":"wrong_area","note":"不属本区"}
 *
 *  This parser accepts exactly that: one object whose values are strings,
 *  numbers or booleans. Everything else is refused with a message that
 *  says where and why, so a broken program is told at once instead of
 *  having half a line guessed at:
 *
 *    * nested objects, arrays and null;
 *    * duplicate keys, trailing text after the object;
 *    * invalid UTF-8, raw control characters, escapes that decode to NUL or
 *      to a control character other than TAB, LF and CR, lone surrogates;
 *    * numbers outside JSON's grammar (01, 1., .5, +1, NaN) or not finite;
 *    * a line longer than HL_JSONL_MAX_LINE, more than HL_JSONL_MAX_MEMBERS
 *      members, a key longer than HL_JSONL_MAX_KEY bytes.
 */
#ifndef HL_JSONL_H_INCLUDED
#define HL_JSONL_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef struct hl_jsonl hl_jsonl_t;

#define HL_JSONL_MAX_LINE 65536
#define HL_JSONL_MAX_MEMBERS 32
#define HL_JSONL_MAX_KEY 64

typedef enum {
    HL_JSONL_NONE = 0,         //  no such key
    HL_JSONL_STRING = 1,
    HL_JSONL_NUMBER = 2,
    HL_JSONL_BOOL = 3
} hl_jsonl_type_t;

//  Parse DATA[0..len) (one line, without its line break; surrounding
//  blanks are allowed). Returns the object, or NULL with a message naming
//  the byte offset of the problem in ERR.
hl_jsonl_t *hl_jsonl_parse (const char *data, size_t len, char *err, size_t errlen);
void hl_jsonl_destroy (hl_jsonl_t **self_p);

//  Members, in the order of the line.
size_t hl_jsonl_size (const hl_jsonl_t *self);
const char *hl_jsonl_key (const hl_jsonl_t *self, size_t index);

//  The type of KEY's value, HL_JSONL_NONE if absent.
hl_jsonl_type_t hl_jsonl_type (const hl_jsonl_t *self, const char *key);

//  KEY's value as a NUL-terminated UTF-8 string (valid as long as SELF),
//  or NULL if absent or not a string.
const char *hl_jsonl_string (const hl_jsonl_t *self, const char *key);

//  KEY's value as an integer: 0, or -1 if absent, not a number, written
//  with a fraction or exponent, or outside int64_t.
int hl_jsonl_int (const hl_jsonl_t *self, const char *key, int64_t *value);

//  KEY's value as a number: 0, or -1 if absent or not a number.
int hl_jsonl_number (const hl_jsonl_t *self, const char *key, double *value);

//  KEY's value as a boolean (0 or 1): 0, or -1 if absent or not a boolean.
int hl_jsonl_bool (const hl_jsonl_t *self, const char *key, int *value);

#endif
