/*  hl_jsonl: strict flat JSON objects. See hl_jsonl.h. */
#include "hl_jsonl.h"
#include "hl_buf.h"
#include "hl_text.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;
    hl_jsonl_type_t type;
    char *str;                  //  STRING
    double number;              //  NUMBER
    int64_t integer;            //  NUMBER written as an integer that fits
    int is_integer;
    int boolean;                //  BOOL
} s_member_t;

struct hl_jsonl {
    s_member_t members[HL_JSONL_MAX_MEMBERS];
    size_t size;
};

//  The reader's position in the line and where a failure is reported.
typedef struct {
    const char *data;
    size_t len;
    size_t pos;
    char *err;
    size_t errlen;
} s_reader_t;

//  Records a failure at the current position; always returns -1 so that
//  callers can `return s_fail (...)`.
static int
s_fail (s_reader_t *r, const char *fmt, ...)
{
    char what[200];
    va_list args;
    va_start (args, fmt);
    vsnprintf (what, sizeof what, fmt, args);
    va_end (args);
    if (r->errlen)
        snprintf (r->err, r->errlen, "at byte %zu: %s", r->pos + 1, what);
    return -1;
}

//  JSON's insignificant whitespace.
static void
s_skip_blanks (s_reader_t *r)
{
    while (r->pos < r->len && (r->data[r->pos] == ' ' || r->data[r->pos] == '\t'
                               || r->data[r->pos] == '\r' || r->data[r->pos] == '\n'))
        r->pos++;
}

//  Consumes the byte C (after blanks) or fails saying what was expected.
static int
s_expect (s_reader_t *r, char c, const char *what)
{
    s_skip_blanks (r);
    if (r->pos >= r->len)
        return s_fail (r, "expected %s, found the end of the line", what);
    if (r->data[r->pos] != c)
        return s_fail (r, "expected %s", what);
    r->pos++;
    return 0;
}

//  Reads the four hex digits of a \u escape.
static int
s_hex4 (s_reader_t *r, unsigned *value)
{
    if (r->len - r->pos < 4)
        return s_fail (r, "\\u needs four hex digits");
    *value = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->data[r->pos + i];
        unsigned d = c >= '0' && c <= '9' ? (unsigned) (c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned) (c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned) (c - 'A' + 10) : 16;
        if (d == 16)
            return s_fail (r, "\\u needs four hex digits");
        *value = *value * 16 + d;
    }
    r->pos += 4;
    return 0;
}

//  Appends code point CP as UTF-8.
static void
s_put_utf8 (hl_buf_t *out, unsigned cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char) cp;
        n = 1;
    }
    else
    if (cp < 0x800) {
        b[0] = (char) (0xC0 | (cp >> 6));
        b[1] = (char) (0x80 | (cp & 0x3F));
        n = 2;
    }
    else
    if (cp < 0x10000) {
        b[0] = (char) (0xE0 | (cp >> 12));
        b[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char) (0x80 | (cp & 0x3F));
        n = 3;
    }
    else {
        b[0] = (char) (0xF0 | (cp >> 18));
        b[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char) (0x80 | (cp & 0x3F));
        n = 4;
    }
    hl_buf_append (out, b, n);
}

//  Decodes a \uXXXX escape (the "\u" already consumed), joining a UTF-16
//  surrogate pair into one code point.
static int
s_unicode_escape (s_reader_t *r, hl_buf_t *out)
{
    unsigned cp, low;
    if (s_hex4 (r, &cp) != 0)
        return -1;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return s_fail (r, "lone low surrogate \\u%04X", cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (r->len - r->pos < 2 || r->data[r->pos] != '\\' || r->data[r->pos + 1] != 'u')
            return s_fail (r, "high surrogate \\u%04X without its low half", cp);
        r->pos += 2;
        if (s_hex4 (r, &low) != 0)
            return -1;
        if (low < 0xDC00 || low > 0xDFFF)
            return s_fail (r, "high surrogate \\u%04X without its low half", cp);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    s_put_utf8 (out, cp);
    return 0;
}

//  Decodes one escape sequence (the backslash already consumed).
static int
s_escape (s_reader_t *r, hl_buf_t *out)
{
    if (r->pos >= r->len)
        return s_fail (r, "unterminated string");
    char c = r->data[r->pos++];
    const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr (from, c) : NULL;
    if (hit) {
        hl_buf_append (out, to + (hit - from), 1);
        return 0;
    }
    if (c == 'u')
        return s_unicode_escape (r, out);
    r->pos--;
    return s_fail (r, "unknown escape \\%c", c >= 0x20 && c < 0x7F ? c : '?');
}

//  Reads a string (at its opening quote) into a new heap copy, then checks
//  the decoded text: well-formed UTF-8, no NUL and no control characters
//  except TAB, LF and CR.
static int
s_string (s_reader_t *r, char **result)
{
    if (s_expect (r, '"', "a string") != 0)
        return -1;
    size_t start = r->pos;
    hl_buf_t out = HL_BUF_INIT;
    hl_buf_append (&out, "", 0);         //  allocated and terminated even if empty
    for (;;) {
        if (r->pos >= r->len) {
            hl_buf_free (&out);
            return s_fail (r, "unterminated string");
        }
        unsigned char c = (unsigned char) r->data[r->pos++];
        if (c == '"')
            break;
        if (c < 0x20) {
            hl_buf_free (&out);
            r->pos--;
            return s_fail (r, "raw control character in a string (escape it)");
        }
        if (c == '\\') {
            if (s_escape (r, &out) != 0) {
                hl_buf_free (&out);
                return -1;
            }
        }
        else
            hl_buf_append (&out, &c, 1);
    }
    int rc = hl_text_check (out.data, out.len, HL_TEXT_MULTILINE, NULL);
    if (rc != HL_TEXT_OK) {
        hl_buf_free (&out);
        r->pos = start;
        return s_fail (r, rc == HL_TEXT_BAD_UTF8 ? "string is not valid UTF-8"
                          : "string holds NUL or a control character");
    }
    *result = out.data;
    return 0;
}

//  Length of a run of digits at P.
static size_t
s_digits (const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++;
    return i;
}

//  Reads a number by JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
static int
s_number (s_reader_t *r, s_member_t *m)
{
    const char *p = r->data + r->pos;
    size_t n = r->len - r->pos, i = 0;
    if (i < n && p[i] == '-')
        i++;
    size_t d = s_digits (p + i, n - i);
    if (d == 0 || (d > 1 && p[i] == '0'))
        return s_fail (r, "malformed number");
    i += d;
    int integral = 1;
    if (i < n && p[i] == '.') {
        integral = 0;
        if ((d = s_digits (p + i + 1, n - i - 1)) == 0)
            return s_fail (r, "malformed number");
        i += 1 + d;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        integral = 0;
        size_t j = i + 1;
        if (j < n && (p[j] == '+' || p[j] == '-'))
            j++;
        if ((d = s_digits (p + j, n - j)) == 0)
            return s_fail (r, "malformed number");
        i = j + d;
    }
    char text[64];
    if (i >= sizeof text)
        return s_fail (r, "number too long");
    memcpy (text, p, i);
    text[i] = 0;
    m->type = HL_JSONL_NUMBER;
    m->number = strtod (text, NULL);
    if (!isfinite (m->number))
        return s_fail (r, "number out of range");
    if (integral) {
        errno = 0;
        long long v = strtoll (text, NULL, 10);
        m->is_integer = errno == 0;
        m->integer = v;
    }
    r->pos += i;
    return 0;
}

//  Reads the literal WORD if it is next.
static int
s_literal (s_reader_t *r, const char *word)
{
    size_t n = strlen (word);
    if (r->len - r->pos < n || memcmp (r->data + r->pos, word, n) != 0)
        return 0;
    r->pos += n;
    return 1;
}

//  Reads one value: a string, a number, true or false; names what else
//  was found so the program's author knows what to change.
static int
s_value (s_reader_t *r, s_member_t *m)
{
    s_skip_blanks (r);
    if (r->pos >= r->len)
        return s_fail (r, "expected a value, found the end of the line");
    char c = r->data[r->pos];
    if (c == '"') {
        m->type = HL_JSONL_STRING;
        return s_string (r, &m->str);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return s_number (r, m);
    if (s_literal (r, "true") || s_literal (r, "false")) {
        m->type = HL_JSONL_BOOL;
        m->boolean = c == 't';
        return 0;
    }
    if (c == '{' || c == '[')
        return s_fail (r, "nested objects and arrays are not accepted");
    if (s_literal (r, "null")) {
        r->pos -= 4;
        return s_fail (r, "null is not accepted: leave the key out");
    }
    return s_fail (r, "expected a string, a number, true or false");
}

//  The member named KEY, or NULL. Objects are small (at most
//  HL_JSONL_MAX_MEMBERS), so a linear search is the fastest there is.
static const s_member_t *
s_find (const hl_jsonl_t *self, const char *key)
{
    for (size_t i = 0; i < self->size; i++)
        if (strcmp (self->members[i].key, key) == 0)
            return &self->members[i];
    return NULL;
}

//  Reads one "key": value pair into the next member slot.
static int
s_member (s_reader_t *r, hl_jsonl_t *self)
{
    s_skip_blanks (r);
    if (self->size == HL_JSONL_MAX_MEMBERS)
        return s_fail (r, "more than %d members", HL_JSONL_MAX_MEMBERS);
    size_t key_at = r->pos;
    s_member_t *m = &self->members[self->size];
    if (s_string (r, &m->key) != 0)
        return -1;
    self->size++;                        //  owned from here on, freed on failure
    if (strlen (m->key) > HL_JSONL_MAX_KEY || !*m->key) {
        r->pos = key_at;
        return s_fail (r, "key must be 1 to %d bytes", HL_JSONL_MAX_KEY);
    }
    for (size_t i = 0; i + 1 < self->size; i++)
        if (strcmp (self->members[i].key, m->key) == 0) {
            r->pos = key_at;
            return s_fail (r, "duplicate key \"%s\"", m->key);
        }
    if (s_expect (r, ':', "':'") != 0)
        return -1;
    return s_value (r, m);
}

//  Reads the whole line: one object and nothing but blanks around it.
static int
s_object (s_reader_t *r, hl_jsonl_t *self)
{
    if (s_expect (r, '{', "'{' (one JSON object per line)") != 0)
        return -1;
    s_skip_blanks (r);
    if (r->pos < r->len && r->data[r->pos] == '}')
        r->pos++;
    else
        for (;;) {
            if (s_member (r, self) != 0)
                return -1;
            s_skip_blanks (r);
            if (r->pos < r->len && r->data[r->pos] == ',') {
                r->pos++;
                continue;
            }
            if (s_expect (r, '}', "',' or '}'") != 0)
                return -1;
            break;
        }
    s_skip_blanks (r);
    if (r->pos != r->len)
        return s_fail (r, "text after the object");
    return 0;
}

hl_jsonl_t *
hl_jsonl_parse (const char *data, size_t len, char *err, size_t errlen)
{
    assert (data || len == 0);
    s_reader_t r = { data, len, 0, err, errlen };
    if (len > HL_JSONL_MAX_LINE) {
        s_fail (&r, "line longer than %d bytes", HL_JSONL_MAX_LINE);
        return NULL;
    }
    hl_jsonl_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (s_object (&r, self) != 0)
        hl_jsonl_destroy (&self);
    return self;
}

void
hl_jsonl_destroy (hl_jsonl_t **self_p)
{
    assert (self_p);
    hl_jsonl_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->size; i++) {
        free (self->members[i].key);
        free (self->members[i].str);
    }
    free (self);
    *self_p = NULL;
}

size_t
hl_jsonl_size (const hl_jsonl_t *self)
{
    return self->size;
}

const char *
hl_jsonl_key (const hl_jsonl_t *self, size_t index)
{
    return index < self->size ? self->members[index].key : NULL;
}

hl_jsonl_type_t
hl_jsonl_type (const hl_jsonl_t *self, const char *key)
{
    const s_member_t *m = s_find (self, key);
    return m ? m->type : HL_JSONL_NONE;
}

const char *
hl_jsonl_string (const hl_jsonl_t *self, const char *key)
{
    const s_member_t *m = s_find (self, key);
    return m && m->type == HL_JSONL_STRING ? m->str : NULL;
}

int
hl_jsonl_int (const hl_jsonl_t *self, const char *key, int64_t *value)
{
    const s_member_t *m = s_find (self, key);
    if (!m || m->type != HL_JSONL_NUMBER || !m->is_integer)
        return -1;
    *value = m->integer;
    return 0;
}

int
hl_jsonl_number (const hl_jsonl_t *self, const char *key, double *value)
{
    const s_member_t *m = s_find (self, key);
    if (!m || m->type != HL_JSONL_NUMBER)
        return -1;
    *value = m->number;
    return 0;
}

int
hl_jsonl_bool (const hl_jsonl_t *self, const char *key, int *value)
{
    const s_member_t *m = s_find (self, key);
    if (!m || m->type != HL_JSONL_BOOL)
        return -1;
    *value = m->boolean;
    return 0;
}
