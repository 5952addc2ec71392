/*  hl_top_json: strict JSON into a tree. See hl_top_json.h. */
#include "hl_top_json.h"

#include <assert.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_top_json {
    hl_top_json_type_t type;
    int boolean;
    double number;
    char *str;                   //  STRING: the decoded value
    size_t size, cap;            //  ARRAY and OBJECT
    char **keys;                 //  OBJECT: member keys
    hl_top_json_t **items;       //  ARRAY elements, OBJECT values
};

typedef struct {
    const char *start, *p, *end;
    int depth;
    char *err;
    size_t errlen;
    int failed;
} s_parser_t;

static hl_top_json_t *s_value (s_parser_t *ps);

//  Records the first problem only: the innermost one is the useful one.
static void
s_fail (s_parser_t *ps, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = 1;
    char what[160];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (what, sizeof what, fmt, ap);
    va_end (ap);
    snprintf (ps->err, ps->errlen, "byte %zu: %s", (size_t) (ps->p - ps->start), what);
}

//  A node of TYPE; allocation failure aborts, as everywhere in hotline.
static hl_top_json_t *
s_node (hl_top_json_type_t type)
{
    hl_top_json_t *node = calloc (1, sizeof *node);
    if (!node)
        abort ();
    node->type = type;
    return node;
}

//  Frees NODE and everything under it.
static void
s_free (hl_top_json_t *node)
{
    if (!node)
        return;
    for (size_t i = 0; i < node->size; i++) {
        s_free (node->items[i]);
        if (node->keys)
            free (node->keys[i]);
    }
    free (node->items);
    free (node->keys);
    free (node->str);
    free (node);
}

//  Appends a child (and its key, for objects), growing the arrays.
static void
s_push (hl_top_json_t *node, char *key, hl_top_json_t *item)
{
    if (node->size == node->cap) {
        node->cap = node->cap ? node->cap * 2 : 8;
        node->items = realloc (node->items, node->cap * sizeof *node->items);
        if (!node->items)
            abort ();
        if (node->type == HL_TOP_JSON_OBJECT) {
            node->keys = realloc (node->keys, node->cap * sizeof *node->keys);
            if (!node->keys)
                abort ();
        }
    }
    if (node->type == HL_TOP_JSON_OBJECT)
        node->keys[node->size] = key;
    node->items[node->size++] = item;
}

//  JSON's four blanks, and no others.
static void
s_blanks (s_parser_t *ps)
{
    while (ps->p < ps->end
           && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

//  Consumes WORD (true, false, null) if it is next.
static int
s_literal (s_parser_t *ps, const char *word)
{
    size_t n = strlen (word);
    if ((size_t) (ps->end - ps->p) < n || memcmp (ps->p, word, n) != 0)
        return -1;
    ps->p += n;
    return 0;
}

//  Appends code point CP as UTF-8.
static void
s_put_utf8 (char *out, size_t *len, uint32_t cp)
{
    if (cp < 0x80)
        out[(*len)++] = (char) cp;
    else
    if (cp < 0x800) {
        out[(*len)++] = (char) (0xC0 | (cp >> 6));
        out[(*len)++] = (char) (0x80 | (cp & 0x3F));
    }
    else
    if (cp < 0x10000) {
        out[(*len)++] = (char) (0xE0 | (cp >> 12));
        out[(*len)++] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char) (0x80 | (cp & 0x3F));
    }
    else {
        out[(*len)++] = (char) (0xF0 | (cp >> 18));
        out[(*len)++] = (char) (0x80 | ((cp >> 12) & 0x3F));
        out[(*len)++] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char) (0x80 | (cp & 0x3F));
    }
}

//  Length of the well-formed UTF-8 sequence at P (no overlongs, no
//  surrogates, nothing above U+10FFFF), or 0.
static size_t
s_utf8_seq (const unsigned char *p, const unsigned char *end)
{
    size_t n;
    uint32_t cp, min;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0) { n = 2; cp = p[0] & 0x1F; min = 0x80; }
    else
    if ((p[0] & 0xF0) == 0xE0) { n = 3; cp = p[0] & 0x0F; min = 0x800; }
    else
    if ((p[0] & 0xF8) == 0xF0) { n = 4; cp = p[0] & 0x07; min = 0x10000; }
    else
        return 0;
    if ((size_t) (end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static int
s_hex4 (s_parser_t *ps, uint32_t *out)
{
    if (ps->end - ps->p < 4) {
        s_fail (ps, "short \\u escape");
        return -1;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = ps->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t) (c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t) (c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t) (c - 'A' + 10);
        else {
            s_fail (ps, "bad hex digit in \\u escape");
            return -1;
        }
    }
    ps->p += 4;
    *out = v;
    return 0;
}

//  A string starting at the opening quote; returns the decoded, NUL-
//  terminated value (never longer than its source, so one allocation of
//  the source's length suffices).
static char *
s_string (s_parser_t *ps)
{
    assert (*ps->p == '"');
    ps->p++;
    const char *q = ps->p;
    while (q < ps->end && *q != '"')
        q += *q == '\\' && q + 1 < ps->end ? 2 : 1;
    char *out = malloc ((size_t) (q - ps->p) + 1);
    if (!out)
        abort ();
    size_t len = 0;
    for (;;) {
        if (ps->p >= ps->end) {
            s_fail (ps, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char) *ps->p;
        if (c == '"') {
            ps->p++;
            out[len] = 0;
            return out;
        }
        if (c < 0x20) {
            s_fail (ps, "control character in a string");
            break;
        }
        if (c != '\\') {
            size_t n = s_utf8_seq ((const unsigned char *) ps->p, (const unsigned char *) ps->end);
            if (n == 0) {
                s_fail (ps, "invalid UTF-8");
                break;
            }
            memcpy (out + len, ps->p, n);
            len += n;
            ps->p += n;
            continue;
        }
        ps->p++;
        if (ps->p >= ps->end) {
            s_fail (ps, "unterminated escape");
            break;
        }
        char e = *ps->p++;
        const char *simple = strchr ("\"\\/bfnrt", e);
        if (e && simple) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            out[len++] = decoded[simple - "\"\\/bfnrt"];
            continue;
        }
        if (e != 'u') {
            ps->p--;
            s_fail (ps, "unknown escape \\%c", e);
            break;
        }
        uint32_t cp;
        if (s_hex4 (ps, &cp) != 0)
            break;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                s_fail (ps, "lone high surrogate");
                break;
            }
            ps->p += 2;
            if (s_hex4 (ps, &lo) != 0)
                break;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                s_fail (ps, "high surrogate without its low half");
                break;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        else
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            s_fail (ps, "lone low surrogate");
            break;
        }
        if (cp == 0) {
            s_fail (ps, "\\u0000 is not accepted");
            break;
        }
        s_put_utf8 (out, &len, cp);
    }
    free (out);
    return NULL;
}

//  A number by JSON's grammar, converted in the C locale whatever the
//  program's LC_NUMERIC says.
static hl_top_json_t *
s_number (s_parser_t *ps)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++;
    else
    if (ps->p < ps->end && *ps->p >= '1' && *ps->p <= '9')
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    else {
        s_fail (ps, "bad number");
        return NULL;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
            s_fail (ps, "a fraction needs digits");
            return NULL;
        }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
            s_fail (ps, "an exponent needs digits");
            return NULL;
        }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        s_fail (ps, "leading zero");
        return NULL;
    }
    char text[64];
    size_t n = (size_t) (ps->p - s);
    if (n >= sizeof text) {
        s_fail (ps, "number too long");
        return NULL;
    }
    memcpy (text, s, n);
    text[n] = 0;
    static locale_t c_locale;
    if (!c_locale)
        c_locale = newlocale (LC_NUMERIC_MASK, "C", (locale_t) 0);
    double v = c_locale ? strtod_l (text, NULL, c_locale) : strtod (text, NULL);
    if (!isfinite (v)) {
        s_fail (ps, "number out of range");
        return NULL;
    }
    hl_top_json_t *node = s_node (HL_TOP_JSON_NUMBER);
    node->number = v;
    return node;
}

//  An object or an array, starting at its bracket; the depth limit
//  keeps a hostile document from exhausting the stack.
static hl_top_json_t *
s_container (s_parser_t *ps, int object)
{
    if (++ps->depth > HL_TOP_JSON_MAX_DEPTH) {
        s_fail (ps, "nested deeper than %d", HL_TOP_JSON_MAX_DEPTH);
        return NULL;
    }
    char close = object ? '}' : ']';
    hl_top_json_t *node = s_node (object ? HL_TOP_JSON_OBJECT : HL_TOP_JSON_ARRAY);
    ps->p++;
    s_blanks (ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return node;
    }
    for (;;) {
        char *key = NULL;
        if (object) {
            s_blanks (ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                s_fail (ps, "expected a key");
                break;
            }
            const char *at = ps->p;
            key = s_string (ps);
            if (!key)
                break;
            if (hl_top_json_get (node, key)) {
                ps->p = at;
                s_fail (ps, "duplicate key \"%.40s\"", key);
                free (key);
                break;
            }
            s_blanks (ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                s_fail (ps, "expected ':'");
                free (key);
                break;
            }
            ps->p++;
        }
        hl_top_json_t *item = s_value (ps);
        if (!item) {
            free (key);
            break;
        }
        s_push (node, key, item);
        s_blanks (ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            s_blanks (ps);
            if (ps->p < ps->end && *ps->p == close) {
                s_fail (ps, "trailing comma");
                break;
            }
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return node;
        }
        s_fail (ps, "expected ',' or '%c'", close);
        break;
    }
    s_free (node);
    return NULL;
}

//  Any value, after optional blanks.
static hl_top_json_t *
s_value (s_parser_t *ps)
{
    s_blanks (ps);
    if (ps->p >= ps->end) {
        s_fail (ps, "unexpected end");
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[')
        return s_container (ps, c == '{');
    if (c == '"') {
        char *s = s_string (ps);
        if (!s)
            return NULL;
        hl_top_json_t *node = s_node (HL_TOP_JSON_STRING);
        node->str = s;
        return node;
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return s_number (ps);
    int truth = s_literal (ps, "true") == 0;
    if (truth || s_literal (ps, "false") == 0) {
        hl_top_json_t *node = s_node (HL_TOP_JSON_BOOL);
        node->boolean = truth;
        return node;
    }
    if (s_literal (ps, "null") == 0)
        return s_node (HL_TOP_JSON_NULL);
    s_fail (ps, "unexpected character '%c'", c >= 0x20 && c < 0x7F ? c : '?');
    return NULL;
}

//  The whole input must be one value (blanks around it allowed).
hl_top_json_t *
hl_top_json_parse (const char *data, size_t len, char *err, size_t errlen)
{
    char scratch[8];
    if (!err || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    err[0] = 0;
    if (!data || len > HL_TOP_JSON_MAX_BYTES) {
        snprintf (err, errlen, "document missing or larger than %u bytes", HL_TOP_JSON_MAX_BYTES);
        return NULL;
    }
    s_parser_t ps = { data, data, data + len, 0, err, errlen, 0 };
    hl_top_json_t *root = s_value (&ps);
    if (root) {
        s_blanks (&ps);
        if (ps.p != ps.end) {
            s_fail (&ps, "trailing text after the value");
            s_free (root);
            root = NULL;
        }
    }
    return root;
}

//  Frees the tree; *SELF_P becomes NULL.
void
hl_top_json_destroy (hl_top_json_t **self_p)
{
    assert (self_p);
    s_free (*self_p);
    *self_p = NULL;
}

//  NULL is "absent", so chained lookups need no checks in between.
hl_top_json_type_t
hl_top_json_type (const hl_top_json_t *self)
{
    return self ? self->type : HL_TOP_JSON_NONE;
}

//  Linear search: the API's objects have a few dozen members at most.
const hl_top_json_t *
hl_top_json_get (const hl_top_json_t *self, const char *key)
{
    if (!self || self->type != HL_TOP_JSON_OBJECT || !key)
        return NULL;
    for (size_t i = 0; i < self->size; i++)
        if (strcmp (self->keys[i], key) == 0)
            return self->items[i];
    return NULL;
}

//  0 for anything that is not a container, NULL included.
size_t
hl_top_json_size (const hl_top_json_t *self)
{
    return self && (self->type == HL_TOP_JSON_ARRAY || self->type == HL_TOP_JSON_OBJECT)
         ? self->size : 0;
}

//  NULL past the end, so loops and lookups cannot overrun.
const hl_top_json_t *
hl_top_json_at (const hl_top_json_t *self, size_t index)
{
    return index < hl_top_json_size (self) ? self->items[index] : NULL;
}

//  Keys in document order, for callers that walk an object.
const char *
hl_top_json_key_at (const hl_top_json_t *self, size_t index)
{
    return self && self->type == HL_TOP_JSON_OBJECT && index < self->size ? self->keys[index] : NULL;
}

//  NULL unless a string: a number is never read as text.
const char *
hl_top_json_str (const hl_top_json_t *self)
{
    return self && self->type == HL_TOP_JSON_STRING ? self->str : NULL;
}

//  FALLBACK for null: the API says null when a rate has no denominator.
double
hl_top_json_num (const hl_top_json_t *self, double fallback)
{
    return self && self->type == HL_TOP_JSON_NUMBER ? self->number : fallback;
}

//  FALLBACK unless a boolean.
int
hl_top_json_bool (const hl_top_json_t *self, int fallback)
{
    return self && self->type == HL_TOP_JSON_BOOL ? self->boolean : fallback;
}
