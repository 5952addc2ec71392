/*  hl_o311_doc: Open311 answers in XML or JSON. See hl_o311_doc.h. */
#include "hl_o311_doc.h"
#include "hl_buf.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DEPTH_MAX 8

typedef struct {
    int list;                    //  a list (else an object)
    int first;                   //  nothing written inside yet
    const char *tag;             //  XML element closing this level
    const char *item;            //  lists: the XML name of an element
} s_level_t;

struct hl_o311_doc {
    int xml;
    hl_buf_t out;
    s_level_t level[S_DEPTH_MAX];
    int depth;                   //  open levels
};

hl_o311_doc_t *
hl_o311_doc_new (int xml)
{
    hl_o311_doc_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->xml = xml;
    if (xml)
        hl_buf_puts (&self->out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    return self;
}

void
hl_o311_doc_destroy (hl_o311_doc_t **self_p)
{
    assert (self_p);
    hl_o311_doc_t *self = *self_p;
    if (!self)
        return;
    hl_buf_free (&self->out);
    free (self);
    *self_p = NULL;
}

const char *
hl_o311_doc_type (const hl_o311_doc_t *self)
{
    return self->xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8";
}

//  Length of the well-formed UTF-8 sequence at P, or 0 if there is none
//  (the writer then puts U+FFFD for one byte and goes on).
static size_t
s_seq_len (const unsigned char *p, size_t left)
{
    size_t n = *p < 0x80 ? 1 : *p >= 0xC2 && *p <= 0xDF ? 2 : *p >= 0xE0 && *p <= 0xEF ? 3
             : *p >= 0xF0 && *p <= 0xF4 ? 4 : 0;
    if (n == 0 || n > left)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

//  XML character data. XML 1.0 allows TAB, LF, CR and everything from
//  U+0020 except U+FFFE/U+FFFF; C1 controls are allowed but useless.
static void
s_xml_text (hl_buf_t *out, const void *data, size_t len)
{
    const unsigned char *p = data, *end = p + len;
    while (p < end) {
        size_t n = s_seq_len (p, (size_t) (end - p));
        unsigned c = *p;
        if (n == 0) {
            hl_buf_puts (out, "\xEF\xBF\xBD");
            n = 1;
        }
        else
        if (n == 1 && c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            hl_buf_puts (out, "\xEF\xBF\xBD");
        else
        if (n == 3 && p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
            hl_buf_puts (out, "\xEF\xBF\xBD");
        else
        if (c == '&')
            hl_buf_puts (out, "&amp;");
        else
        if (c == '<')
            hl_buf_puts (out, "&lt;");
        else
        if (c == '>')
            hl_buf_puts (out, "&gt;");
        else
        if (c == '"')
            hl_buf_puts (out, "&quot;");
        else
        if (c == '\'')
            hl_buf_puts (out, "&apos;");
        else
        if (c == '\r')
            hl_buf_puts (out, "&#13;");    //  parsers would turn a bare CR into LF
        else
            hl_buf_append (out, p, n);
        p += n;
    }
}

static s_level_t *
s_top (hl_o311_doc_t *self)
{
    return self->depth ? &self->level[self->depth - 1] : NULL;
}

//  The XML name of a value NAME written at the current level.
static const char *
s_tag (hl_o311_doc_t *self, const char *name)
{
    s_level_t *top = s_top (self);
    return top && top->list ? top->item : name;
}

//  JSON: the separator and key before a value; XML: the opening tag.
static void
s_open_value (hl_o311_doc_t *self, const char *name)
{
    s_level_t *top = s_top (self);
    if (self->xml) {
        hl_buf_printf (&self->out, "<%s>", s_tag (self, name));
        return;
    }
    if (!top)
        return;
    if (top->list) {
        if (!top->first)
            hl_buf_puts (&self->out, ",");
    }
    else
        hl_json_key (&self->out, name, top->first);
    top->first = 0;
}

static void
s_close_value (hl_o311_doc_t *self, const char *name)
{
    if (self->xml)
        hl_buf_printf (&self->out, "</%s>", s_tag (self, name));
}

static void
s_push (hl_o311_doc_t *self, const char *name, int list, const char *item)
{
    assert (self->depth < S_DEPTH_MAX);
    const char *tag = s_tag (self, name);
    s_open_value (self, name);
    if (!self->xml)
        hl_buf_puts (&self->out, list ? "[" : "{");
    s_level_t *l = &self->level[self->depth++];
    l->list = list;
    l->first = 1;
    l->tag = tag;
    l->item = item;
}

void
hl_o311_doc_object (hl_o311_doc_t *self, const char *name)
{
    s_push (self, name, 0, NULL);
}

void
hl_o311_doc_list (hl_o311_doc_t *self, const char *name, const char *item)
{
    assert (item);
    s_push (self, name, 1, item);
}

void
hl_o311_doc_end (hl_o311_doc_t *self)
{
    assert (self->depth > 0);
    s_level_t *l = &self->level[--self->depth];
    if (self->xml)
        hl_buf_printf (&self->out, "</%s>", l->tag);
    else
        hl_buf_puts (&self->out, l->list ? "]" : "}");
    if (self->depth == 0)
        hl_buf_puts (&self->out, "\n");
}

void
hl_o311_doc_strn (hl_o311_doc_t *self, const char *name, const void *data, size_t len)
{
    s_open_value (self, name);
    if (self->xml)
        s_xml_text (&self->out, data, len);
    else
        hl_json_str (&self->out, data, len);
    s_close_value (self, name);
}

void
hl_o311_doc_str (hl_o311_doc_t *self, const char *name, const char *value)
{
    if (value) {
        hl_o311_doc_strn (self, name, value, strlen (value));
        return;
    }
    s_open_value (self, name);
    if (!self->xml)
        hl_buf_puts (&self->out, "null");
    s_close_value (self, name);
}

//  A bare JSON value / XML text that needs no escaping.
static void
s_plain (hl_o311_doc_t *self, const char *name, const char *text)
{
    s_open_value (self, name);
    hl_buf_puts (&self->out, text);
    s_close_value (self, name);
}

void
hl_o311_doc_int (hl_o311_doc_t *self, const char *name, int64_t value)
{
    char text[24];
    snprintf (text, sizeof text, "%" PRId64, value);
    s_plain (self, name, text);
}

void
hl_o311_doc_bool (hl_o311_doc_t *self, const char *name, int value)
{
    s_plain (self, name, value ? "true" : "false");
}

void
hl_o311_doc_coord (hl_o311_doc_t *self, const char *name, double value)
{
    char text[32];
    snprintf (text, sizeof text, "%.7f", value);
    s_plain (self, name, text);
}

const char *
hl_o311_doc_data (const hl_o311_doc_t *self, size_t *len)
{
    assert (self->depth == 0);
    if (len)
        *len = self->out.len;
    return self->out.data ? self->out.data : "";
}

void
hl_o311_doc_error (hl_o311_doc_t *self, int code, const char *description)
{
    hl_o311_doc_list (self, "errors", "error");
    hl_o311_doc_object (self, NULL);
    hl_o311_doc_int (self, "code", code);
    hl_o311_doc_str (self, "description", description);
    hl_o311_doc_end (self);
    hl_o311_doc_end (self);
}
