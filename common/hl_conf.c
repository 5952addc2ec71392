/*  hl_conf: configuration file parsing. See hl_conf.h. */
#include "hl_conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HL_CONF_LINE_MAX 4096

static char *
s_trim (char *s)
{
    while (isspace ((unsigned char) *s))
        s++;
    char *end = s + strlen (s);
    while (end > s && isspace ((unsigned char) end[-1]))
        *--end = 0;
    return s;
}

//  Splits one trimmed, non-comment line into key and value and calls FN.
//  A '[name]' line changes SECTION instead.
static int
s_parse_line (char *line, char *section, size_t seclen, hl_conf_line_fn *fn,
              void *arg, char *err, size_t errlen)
{
    if (*line == '[') {
        char *close = strchr (line, ']');
        if (!close || close[1] != 0) {
            snprintf (err, errlen, "malformed section header");
            return -1;
        }
        *close = 0;
        snprintf (section, seclen, "%s", s_trim (line + 1));
        return 0;
    }
    //  The first word ends at white space or '='; if the next non-blank
    //  character is '=', the line is "key = value", else "word rest".
    size_t klen = strcspn (line, " \t=");
    char *rest = line + klen;
    char *after = rest + strspn (rest, " \t");
    char *key = line, *value;
    if (*after == '=')
        value = s_trim (after + 1);
    else
        value = *rest ? s_trim (rest + 1) : rest;
    line[klen] = 0;
    if (*key == 0) {
        snprintf (err, errlen, "missing key");
        return -1;
    }
    return fn (section, key, value, arg, err, errlen);
}

int
hl_conf_parse_text (const char *name, const char *text, hl_conf_line_fn *fn,
                    void *arg, char *err, size_t errlen)
{
    char section[64] = "";
    char line[HL_CONF_LINE_MAX];
    int lineno = 0;
    const char *p = text;
    while (*p) {
        size_t n = strcspn (p, "\n");
        lineno++;
        if (n >= sizeof line) {
            snprintf (err, errlen, "%s:%d: line too long", name, lineno);
            return -1;
        }
        memcpy (line, p, n);
        line[n] = 0;
        p += n + (p[n] == '\n');
        char *t = s_trim (line);
        if (*t == 0 || *t == '#')
            continue;
        char msg[512] = "";
        if (s_parse_line (t, section, sizeof section, fn, arg, msg, sizeof msg) != 0) {
            snprintf (err, errlen, "%s:%d: %s", name, lineno, msg);
            return -1;
        }
    }
    return 0;
}

char *
hl_conf_read (const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return NULL;
    }
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&text, &size);
    if (!mem)
        abort ();
    char chunk[8192];
    size_t n;
    while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
        fwrite (chunk, 1, n, mem);
    int bad = ferror (f);
    fclose (f);
    fclose (mem);
    if (bad || strlen (text) != size) {
        snprintf (err, errlen, "%s: %s", path, bad ? "read error" : "contains a NUL byte");
        free (text);
        return NULL;
    }
    return text;
}

int
hl_conf_parse_file (const char *path, hl_conf_line_fn *fn, void *arg,
                    char *err, size_t errlen)
{
    char *text = hl_conf_read (path, err, errlen);
    if (!text)
        return -1;
    int rc = hl_conf_parse_text (path, text, fn, arg, err, errlen);
    free (text);
    return rc;
}

int
hl_conf_int (const char *key, const char *value, long min, long max,
             long *out, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long v = strtol (value, &end, 10);
    if (errno || end == value || *end || v < min || v > max) {
        snprintf (err, errlen, "%s: expected an integer from %ld to %ld, got '%s'",
                  key, min, max, value);
        return -1;
    }
    *out = v;
    return 0;
}

int
hl_conf_bool (const char *key, const char *value, int *out, char *err, size_t errlen)
{
    static const char *yes[] = { "yes", "true", "on", "1" };
    static const char *no[] = { "no", "false", "off", "0" };
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp (value, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp (value, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    snprintf (err, errlen, "%s: expected yes or no, got '%s'", key, value);
    return -1;
}
