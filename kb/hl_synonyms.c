/*  hl_synonyms: groups of interchangeable words. See hl_synonyms.h. */
#include "hl_synonyms.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Longest word accepted, in bytes (Xapian keys stay far below its limit).
#define WORD_MAX 100
//  Most words in one group.
#define GROUP_MAX 32

typedef struct {
    char **words;               //  owned copies
    size_t size;
} s_group_t;

struct hl_synonyms {
    s_group_t *groups;
    size_t size;
    size_t cap;
};

hl_synonyms_t *
hl_synonyms_new (void)
{
    hl_synonyms_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    return self;
}

void
hl_synonyms_destroy (hl_synonyms_t **self_p)
{
    assert (self_p);
    hl_synonyms_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->size; i++) {
        for (size_t j = 0; j < self->groups[i].size; j++)
            free (self->groups[i].words[j]);
        free (self->groups[i].words);
    }
    free (self->groups);
    free (self);
    *self_p = NULL;
}

//  Length of the blank (ASCII space, tab or ideographic space U+3000) at P.
static size_t
s_blank_len (const char *p)
{
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        return 1;
    if (strncmp (p, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

//  Length of the blank that ends P[0..len), or 0.
static size_t
s_trailing_blank_len (const char *p, size_t len)
{
    if (len >= 3 && s_blank_len (p + len - 3) == 3)
        return 3;
    if (len >= 1 && s_blank_len (p + len - 1) == 1)
        return 1;
    return 0;
}

//  Copy the word P[0..len) without surrounding blanks; NULL if empty.
static char *
s_trimmed_copy (const char *p, size_t len)
{
    size_t n;
    while (len && (n = s_blank_len (p)) && n <= len) {
        p += n;
        len -= n;
    }
    while ((n = s_trailing_blank_len (p, len)))
        len -= n;
    if (!len)
        return NULL;
    char *word = strndup (p, len);
    if (!word)
        abort ();
    return word;
}

int
hl_synonyms_add (hl_synonyms_t *self, const char *group, char *err, size_t errlen)
{
    assert (self && group);
    char *words[GROUP_MAX];
    size_t size = 0;
    int rc = 0;
    const char *p = group;
    while (rc == 0) {
        //  Words are separated by '/' or the full-width '／'.
        const char *slash = strchr (p, '/');
        const char *wide = strstr (p, "\xEF\xBC\x8F");
        const char *end = slash && (!wide || slash < wide) ? slash : wide;
        size_t len = end ? (size_t) (end - p) : strlen (p);
        char *word = s_trimmed_copy (p, len);
        if (word && strlen (word) > WORD_MAX) {
            snprintf (err, errlen, "synonym '%.40s...' is too long", word);
            free (word);
            rc = -1;
        }
        else
        if (word && size == GROUP_MAX) {
            snprintf (err, errlen, "more than %d words in one synonym group", GROUP_MAX);
            free (word);
            rc = -1;
        }
        else
        if (word)
            words[size++] = word;
        if (!end)
            break;
        p = end + (end == slash ? 1 : 3);
    }
    if (rc == 0 && size < 2) {
        snprintf (err, errlen, "a synonym group needs at least two words separated by '/'");
        rc = -1;
    }
    if (rc) {
        while (size)
            free (words[--size]);
        return -1;
    }
    if (self->size == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 16;
        self->groups = realloc (self->groups, self->cap * sizeof *self->groups);
        if (!self->groups)
            abort ();
    }
    s_group_t *g = &self->groups[self->size++];
    g->words = malloc (size * sizeof *g->words);
    if (!g->words)
        abort ();
    memcpy (g->words, words, size * sizeof *words);
    g->size = size;
    return 0;
}

//  True if LINE holds nothing but blanks or a comment.
static int
s_is_blank_line (const char *line)
{
    size_t n;
    while ((n = s_blank_len (line)))
        line += n;
    return *line == 0 || *line == '#';
}

int
hl_synonyms_load (hl_synonyms_t *self, const char *path,
                  hl_synonyms_report_fn *report, void *arg,
                  char *err, size_t errlen)
{
    assert (self && path);
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int bad = 0;
    for (size_t lineno = 1; getline (&line, &cap, file) != -1; lineno++) {
        if (s_is_blank_line (line))
            continue;
        char reason[200];
        if (hl_synonyms_add (self, line, reason, sizeof reason)) {
            char message[512];
            snprintf (message, sizeof message, "%s:%zu: %s", path, lineno, reason);
            if (report)
                report (message, arg);
            bad++;
        }
    }
    free (line);
    int failed = ferror (file);
    fclose (file);
    if (failed) {
        snprintf (err, errlen, "%s: read error", path);
        return -1;
    }
    return bad;
}

size_t
hl_synonyms_size (const hl_synonyms_t *self)
{
    assert (self);
    return self->size;
}

const char *const *
hl_synonyms_group (const hl_synonyms_t *self, size_t index, size_t *size)
{
    assert (self && index < self->size && size);
    *size = self->groups[index].size;
    return (const char *const *) self->groups[index].words;
}
