/*  hl_buf: growable buffer and JSON writer. See hl_buf.h. */
#include "hl_buf.h"
#include "hl_text.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
hl_buf_reserve (hl_buf_t *self, size_t extra)
{
    assert (extra < HL_BUF_MAX && self->len < HL_BUF_MAX);
    if (self->len + extra + 1 <= self->cap)
        return;
    size_t cap = self->cap ? self->cap : 64;
    while (cap < self->len + extra + 1)
        cap *= 2;
    char *data = realloc (self->data, cap);
    if (!data)
        abort ();
    self->data = data;
    self->cap = cap;
}

void
hl_buf_append (hl_buf_t *self, const void *data, size_t len)
{
    hl_buf_reserve (self, len);
    if (len)
        memcpy (self->data + self->len, data, len);
    self->len += len;
    self->data[self->len] = 0;
}

void
hl_buf_puts (hl_buf_t *self, const char *str)
{
    hl_buf_append (self, str, strlen (str));
}

void
hl_buf_printf (hl_buf_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n < 0)
        return;
    hl_buf_reserve (self, (size_t) n);
    va_start (ap, fmt);
    vsnprintf (self->data + self->len, (size_t) n + 1, fmt, ap);
    va_end (ap);
    self->len += (size_t) n;
}

void
hl_buf_reset (hl_buf_t *self)
{
    self->len = 0;
    if (self->data)
        self->data[0] = 0;
}

void
hl_buf_free (hl_buf_t *self)
{
    free (self->data);
    self->data = NULL;
    self->len = self->cap = 0;
}

void
hl_json_str (hl_buf_t *self, const void *data, size_t len)
{
    const unsigned char *p = data;
    hl_buf_reserve (self, len + 2);
    hl_buf_append (self, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        uint32_t cp = c;
        size_t n = c < 0x80 ? 1 : hl_text_decode (p + i, len - i, &cp);
        if (c == '"' || c == '\\') {
            char esc[2] = { '\\', (char) c };
            hl_buf_append (self, esc, 2);
        }
        else
        if (c == '\n')
            hl_buf_append (self, "\\n", 2);
        else
        if (c == '\t')
            hl_buf_append (self, "\\t", 2);
        else
        if (c == '\r')
            hl_buf_append (self, "\\r", 2);
        else
        if (n == 0)
            hl_buf_append (self, "\\ufffd", 6);       //  a byte that is not UTF-8
        else
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            hl_buf_printf (self, "\\u%04x", (unsigned) cp);
        else
            hl_buf_append (self, &p[i], n);
        if (n > 1)
            i += n - 1;
    }
    hl_buf_append (self, "\"", 1);
}

void
hl_json_key (hl_buf_t *self, const char *key, int first)
{
    if (!first)
        hl_buf_append (self, ",", 1);
    hl_json_str (self, key, strlen (key));
    hl_buf_append (self, ":", 1);
}

void
hl_json_kv_str (hl_buf_t *self, const char *key, const void *data, size_t len, int first)
{
    hl_json_key (self, key, first);
    hl_json_str (self, data, len);
}

void
hl_json_kv_int (hl_buf_t *self, const char *key, int64_t value, int first)
{
    hl_json_key (self, key, first);
    hl_buf_printf (self, "%lld", (long long) value);
}

void
hl_json_kv_bool (hl_buf_t *self, const char *key, int value, int first)
{
    hl_json_key (self, key, first);
    hl_buf_puts (self, value ? "true" : "false");
}
