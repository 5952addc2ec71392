/*  hl_codes: category and area catalogues. See hl_codes.h.
 *
 *  A catalogue holds a few hundred entries and is read on every intake, so
 *  it is a sorted array searched by bisection: no allocation per lookup
 *  and good cache behaviour.
 */
#include "hl_codes.h"
#include "hl_conf.h"
#include "hl_text.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char code[HL_CODE_MAX + 1];
    char *name;
} s_entry_t;

typedef struct {
    s_entry_t *entries;
    size_t count, cap;
} s_table_t;

struct hl_codes {
    s_table_t table[2];    //  indexed by hl_codes_kind_t
};

static int
s_compare (const void *a, const void *b)
{
    return strcmp (((const s_entry_t *) a)->code, ((const s_entry_t *) b)->code);
}

static int
s_on_line (const char *section, const char *key, const char *value, void *arg,
           char *err, size_t errlen)
{
    hl_codes_t *self = arg;
    s_table_t *t;
    if (strcmp (section, "category") == 0)
        t = &self->table[HL_CODES_CATEGORY];
    else
    if (strcmp (section, "area") == 0)
        t = &self->table[HL_CODES_AREA];
    else {
        snprintf (err, errlen, "entry outside [category] or [area]");
        return -1;
    }
    if (!hl_text_is_code (key, strlen (key), HL_CODE_MAX)) {
        snprintf (err, errlen, "bad code '%s' (letters, digits, '-', '_', '.'; at most %d)",
                  key, HL_CODE_MAX);
        return -1;
    }
    if (t == &self->table[HL_CODES_CATEGORY] && hl_codes_category_level (key) == 0) {
        snprintf (err, errlen, "category '%s': at most %d levels (大类.小类.细类), none empty",
                  key, HL_CODES_LEVELS);
        return -1;
    }
    if (*value == 0 || hl_text_check (value, strlen (value), 0, NULL) != HL_TEXT_OK) {
        snprintf (err, errlen, "code '%s' needs a name in UTF-8", key);
        return -1;
    }
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->entries = realloc (t->entries, t->cap * sizeof *t->entries);
        if (!t->entries)
            abort ();
    }
    s_entry_t *e = &t->entries[t->count++];
    snprintf (e->code, sizeof e->code, "%s", key);
    e->name = strdup (value);
    if (!e->name)
        abort ();
    return 0;
}

//  Sorts each table and refuses duplicates, which would make the
//  catalogue ambiguous.
static int
s_finish (hl_codes_t *self, const char *name, char *err, size_t errlen)
{
    for (int k = 0; k < 2; k++) {
        s_table_t *t = &self->table[k];
        if (t->count == 0)
            continue;
        qsort (t->entries, t->count, sizeof *t->entries, s_compare);
        for (size_t i = 1; i < t->count; i++)
            if (strcmp (t->entries[i - 1].code, t->entries[i].code) == 0) {
                snprintf (err, errlen, "%s: duplicate code '%s'", name, t->entries[i].code);
                return -1;
            }
    }
    return 0;
}

static hl_codes_t *
s_build (const char *name, const char *path, const char *text, char *err, size_t errlen)
{
    hl_codes_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    int rc = path ? hl_conf_parse_file (path, s_on_line, self, err, errlen)
                  : hl_conf_parse_text (name, text, s_on_line, self, err, errlen);
    if (rc == 0)
        rc = s_finish (self, name, err, errlen);
    if (rc != 0)
        hl_codes_destroy (&self);
    return self;
}

hl_codes_t *
hl_codes_load (const char *path, char *err, size_t errlen)
{
    return s_build (path, path, NULL, err, errlen);
}

hl_codes_t *
hl_codes_parse (const char *name, const char *text, char *err, size_t errlen)
{
    return s_build (name, NULL, text, err, errlen);
}

void
hl_codes_destroy (hl_codes_t **self_p)
{
    assert (self_p);
    hl_codes_t *self = *self_p;
    if (!self)
        return;
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < self->table[k].count; i++)
            free (self->table[k].entries[i].name);
        free (self->table[k].entries);
    }
    free (self);
    *self_p = NULL;
}

const char *
hl_codes_lookup (const hl_codes_t *self, hl_codes_kind_t kind, const char *code, size_t len)
{
    assert (self && (kind == HL_CODES_CATEGORY || kind == HL_CODES_AREA));
    const s_table_t *t = &self->table[kind];
    //  A catalogue may list no code of a kind (its table is then NULL).
    if (len == 0 || len > HL_CODE_MAX || t->count == 0)
        return NULL;
    s_entry_t key;
    memcpy (key.code, code, len);
    key.code[len] = 0;
    const s_entry_t *e = bsearch (&key, t->entries, t->count, sizeof *t->entries, s_compare);
    return e ? e->name : NULL;
}

size_t
hl_codes_count (const hl_codes_t *self, hl_codes_kind_t kind)
{
    return self->table[kind].count;
}

const char *
hl_codes_code_at (const hl_codes_t *self, hl_codes_kind_t kind, size_t i)
{
    assert (i < self->table[kind].count);
    return self->table[kind].entries[i].code;
}

const char *
hl_codes_name_at (const hl_codes_t *self, hl_codes_kind_t kind, size_t i)
{
    assert (i < self->table[kind].count);
    return self->table[kind].entries[i].name;
}

int
hl_codes_category_level (const char *code)
{
    assert (code);
    int level = 1;
    size_t part = 0;
    for (const char *c = code; *c; c++)
        if (*c == '.') {
            if (part == 0)
                return 0;
            level++;
            part = 0;
        }
        else
            part++;
    return part > 0 && level <= HL_CODES_LEVELS ? level : 0;
}

void
hl_codes_category_parent (const char *code, char *out, size_t outlen)
{
    assert (code && out && outlen);
    const char *dot = strrchr (code, '.');
    size_t n = dot ? (size_t) (dot - code) : 0;
    snprintf (out, outlen, "%.*s", (int) n, code);
}
