/*  hl_sla_conf: line reader for small config files. See hl_sla_conf.h. */
#include "hl_sla_conf.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _hl_sla_conf_t {
    char *name;
    char *text;                         //  whole file, NUL-terminated
    const char *next;                   //  start of the next line
    unsigned line;
    char buf[HL_SLA_CONF_MAX_LINE + 1];     //  current line, split in place
    char *words[HL_SLA_CONF_MAX_WORDS];
};

static char *
s_strdup (const char *text)
{
    char *copy = strdup (text);
    if (!copy)
        abort ();
    return copy;
}

//  Takes ownership of TEXT.
static hl_sla_conf_t *
s_conf_new (char *text, const char *name)
{
    hl_sla_conf_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->name = s_strdup (name);
    self->text = text;
    self->next = text;
    return self;
}

hl_sla_conf_t *
hl_sla_conf_new_string (const char *text, const char *name)
{
    assert (text && name);
    return s_conf_new (s_strdup (text), name);
}

//  Reads one byte more than allowed to tell "exactly the limit" from "too
//  large"; a NUL byte would silently cut the text short, so it is refused.
hl_sla_conf_t *
hl_sla_conf_new_file (const char *path, char *err, size_t errlen)
{
    assert (path);
    FILE *file = fopen (path, "rb");
    if (!file) {
        if (err && errlen)
            snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return NULL;
    }
    char *text = malloc (HL_SLA_CONF_MAX_FILE + 2);
    if (!text)
        abort ();
    size_t len = fread (text, 1, HL_SLA_CONF_MAX_FILE + 1, file);
    bool failed = ferror (file) != 0;
    fclose (file);
    text[len] = 0;
    const char *problem = failed ? "read error"
                        : len > HL_SLA_CONF_MAX_FILE ? "file too large"
                        : strlen (text) != len ? "not a text file (NUL byte)" : NULL;
    if (problem) {
        if (err && errlen)
            snprintf (err, errlen, "%s: %s", path, problem);
        free (text);
        return NULL;
    }
    return s_conf_new (text, path);
}

void
hl_sla_conf_destroy (hl_sla_conf_t **self_p)
{
    assert (self_p);
    hl_sla_conf_t *self = *self_p;
    if (self) {
        free (self->name);
        free (self->text);
        free (self);
        *self_p = NULL;
    }
}

int
hl_sla_conf_next (hl_sla_conf_t *self, char ***words, char *err, size_t errlen)
{
    assert (self && words);
    while (*self->next) {
        self->line++;
        size_t len = strcspn (self->next, "\n");
        if (len > HL_SLA_CONF_MAX_LINE)
            return hl_sla_conf_error (self, err, errlen, "line longer than %d bytes",
                                      HL_SLA_CONF_MAX_LINE);
        memcpy (self->buf, self->next, len);
        self->buf[len] = 0;
        self->next += len + (self->next[len] == '\n');
        char *hash = strchr (self->buf, '#');
        if (hash)
            *hash = 0;
        int n = 0;
        char *save = NULL;
        for (char *word = strtok_r (self->buf, " \t\r", &save); word;
             word = strtok_r (NULL, " \t\r", &save)) {
            if (n == HL_SLA_CONF_MAX_WORDS)
                return hl_sla_conf_error (self, err, errlen, "more than %d words on a line",
                                          HL_SLA_CONF_MAX_WORDS);
            self->words[n++] = word;
        }
        if (n > 0) {
            *words = self->words;
            return n;
        }
    }
    self->line = 0;                     //  from now on errors are about the file
    return 0;
}

int
hl_sla_conf_error (hl_sla_conf_t *self, char *err, size_t errlen, const char *fmt, ...)
{
    assert (self && fmt);
    if (!err || !errlen)
        return -1;
    int used = self->line
             ? snprintf (err, errlen, "%s:%u: ", self->name, self->line)
             : snprintf (err, errlen, "%s: ", self->name);
    if (used >= 0 && (size_t) used < errlen) {
        va_list ap;
        va_start (ap, fmt);
        vsnprintf (err + used, errlen - (size_t) used, fmt, ap);
        va_end (ap);
    }
    return -1;
}

unsigned
hl_sla_conf_line (hl_sla_conf_t *self)
{
    assert (self);
    return self->line;
}

const char *
hl_sla_conf_name (hl_sla_conf_t *self)
{
    assert (self);
    return self->name;
}
