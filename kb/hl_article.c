/*  hl_article: one knowledge-base article. See hl_article.h. */
#include "hl_article.h"
#include "hl_date.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

//  Limits in bytes; articles are short answers, not documents.
#define FILE_MAX (1024 * 1024)
#define ID_MAX 64
#define UNIT_MAX 32
#define TITLE_MAX 300
#define ITEM_MAX 60
#define LIST_MAX 64

struct hl_article {
    char *text;                 //  copy of the file; fields point into it
    char *name;                 //  file name for messages and as source
    char **categories;          //  owned strings
    size_t categories_size;
    char **tags;                //  owned strings
    size_t tags_size;
    hl_synonyms_t *synonyms;    //  groups from the "synonyms" field
    char checksum[17];          //  FNV-1a of the file, hex
    size_t id_line;             //  line of the "id" field
    hl_kb_doc_t doc;            //  the view handed to the index
};

//  A header field: its key, how its value is stored, whether it must be
//  present.
typedef int (s_field_fn) (hl_article_t *self, char *value, char *reason, size_t len);
typedef struct {
    const char *key;
    s_field_fn *set;
    int required;
} s_field_t;

uint64_t
hl_article_hash (const void *data, size_t len, uint64_t hash)
{
    const unsigned char *p = data;
    if (!hash)
        hash = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

int
hl_article_parse_time (const char *text, int end_of_day, int64_t *seconds)
{
    assert (text && seconds);
    int y, mo, d, h = 0, mi = 0, n = 0, consumed = 0;
    if (sscanf (text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -1;
    if (text[n] == ' ' || text[n] == 'T') {
        if (sscanf (text + n + 1, "%2d:%2d%n", &h, &mi, &consumed) != 2 || consumed != 5)
            return -1;
        n += 1 + consumed;
        end_of_day = 0;
    }
    if (text[n] || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1
    ||  d > hl_date_month_days (y, mo) || h > 23 || mi > 59 || h < 0 || mi < 0)
        return -1;
    *seconds = hl_date_days (y, mo, d) * 86400 + h * 3600 + mi * 60 - 8 * 3600
             + (end_of_day ? 86399 : 0);
    return 0;
}

//  Check that TEXT[0..len) is UTF-8 without NUL or control characters other
//  than TAB, CR and LF. On failure store the 1-based line in *line.
static int
s_check_text (const char *text, size_t len, size_t *line)
{
    const unsigned char *p = (const unsigned char *) text;
    *line = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c == '\n')
            (*line)++;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
                return -1;
            i++;
            continue;
        }
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (c < 0xC2 || c > 0xF4 || i + n > len)
            return -1;
        unsigned cp = c & (0x7F >> n);
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))
        ||  (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp < 0xA0))
            return -1;
        i += n;
    }
    return 0;
}

//  Strip ASCII blanks and ideographic spaces from both ends, in place.
static char *
s_trim (char *s)
{
    for (;;) {
        if (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        else
        if (strncmp (s, "\xE3\x80\x80", 3) == 0)
            s += 3;
        else
            break;
    }
    size_t len = strlen (s);
    for (;;) {
        if (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
            len--;
        else
        if (len >= 3 && strncmp (s + len - 3, "\xE3\x80\x80", 3) == 0)
            len -= 3;
        else
            break;
    }
    s[len] = 0;
    return s;
}

//  True if S is 1..max bytes of ALLOWED characters (plus lower-case ASCII
//  letters and digits), starting with a letter or digit.
static int
s_is_code (const char *s, size_t max, const char *allowed)
{
    size_t len = strlen (s);
    if (len == 0 || len > max || !(islower ((unsigned char) s[0]) || isdigit ((unsigned char) s[0])))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!islower ((unsigned char) s[i]) && !isdigit ((unsigned char) s[i])
        &&  !strchr (allowed, s[i]))
            return 0;
    return 1;
}

//  Length of the list separator at P (',' ';' and their full-width forms,
//  and the enumeration comma '、'), or 0.
static size_t
s_separator_len (const char *p)
{
    if (*p == ',' || *p == ';')
        return 1;
    if (strncmp (p, "\xEF\xBC\x8C", 3) == 0     //  ，
    ||  strncmp (p, "\xEF\xBC\x9B", 3) == 0     //  ；
    ||  strncmp (p, "\xE3\x80\x81", 3) == 0)    //  、
        return 3;
    return 0;
}

//  Split VALUE (modified in place) at separators into trimmed non-empty
//  items; *items gets a malloc'd array of pointers into VALUE.
static int
s_split (char *value, char ***items, size_t *size, char *reason, size_t len)
{
    char **list = malloc (LIST_MAX * sizeof *list);
    if (!list)
        abort ();
    size_t n = 0;
    char *start = value;
    for (char *p = value;; ) {
        size_t sep = *p ? s_separator_len (p) : 1;
        if (sep) {
            int end = *p == 0;
            *p = 0;
            char *item = s_trim (start);
            if (*item && n == LIST_MAX) {
                snprintf (reason, len, "more than %d items", LIST_MAX);
                free (list);
                return -1;
            }
            if (*item)
                list[n++] = item;
            if (end)
                break;
            p += sep;
            start = p;
        }
        else
            p++;
    }
    *items = list;
    *size = n;
    return 0;
}

//  Set *copies to owned copies of the items of VALUE, each at most
//  ITEM_MAX bytes.
static int
s_set_list (char *value, char ***copies, size_t *size, char *reason, size_t len)
{
    char **items;
    size_t n;
    if (s_split (value, &items, &n, reason, len))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strlen (items[i]) > ITEM_MAX) {
            snprintf (reason, len, "'%.30s...' is longer than %d bytes", items[i], ITEM_MAX);
            free (items);
            return -1;
        }
    for (size_t i = 0; i < n; i++) {
        items[i] = strdup (items[i]);
        if (!items[i])
            abort ();
    }
    *copies = items;
    *size = n;
    return 0;
}

static int
s_set_id (hl_article_t *self, char *value, char *reason, size_t len)
{
    if (!s_is_code (value, ID_MAX, "-_.")) {
        snprintf (reason, len, "id must be 1-%d lower-case letters, digits, '-', '_' or '.'", ID_MAX);
        return -1;
    }
    self->doc.id = value;
    return 0;
}

static int
s_set_title (hl_article_t *self, char *value, char *reason, size_t len)
{
    if (!*value || strlen (value) > TITLE_MAX) {
        snprintf (reason, len, "title must be 1-%d bytes", TITLE_MAX);
        return -1;
    }
    self->doc.title = value;
    return 0;
}

static int
s_set_unit (hl_article_t *self, char *value, char *reason, size_t len)
{
    if (!s_is_code (value, UNIT_MAX, "_")) {
        snprintf (reason, len, "unit must be a unit code: 1-%d lower-case letters, digits or '_'",
                  UNIT_MAX);
        return -1;
    }
    self->doc.unit = value;
    return 0;
}

static int
s_set_categories (hl_article_t *self, char *value, char *reason, size_t len)
{
    if (s_set_list (value, &self->categories, &self->categories_size, reason, len))
        return -1;
    if (self->categories_size == 0) {
        snprintf (reason, len, "at least one category is needed");
        return -1;
    }
    return 0;
}

static int
s_set_tags (hl_article_t *self, char *value, char *reason, size_t len)
{
    return s_set_list (value, &self->tags, &self->tags_size, reason, len);
}

static int
s_set_synonyms (hl_article_t *self, char *value, char *reason, size_t len)
{
    char **groups;
    size_t n;
    if (s_split (value, &groups, &n, reason, len))
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = hl_synonyms_add (self->synonyms, groups[i], reason, len);
    free (groups);
    return rc;
}

//  Parse a date field into *seconds.
static int
s_set_time (const char *value, int end_of_day, int64_t *seconds, char *reason, size_t len)
{
    if (hl_article_parse_time (value, end_of_day, seconds)) {
        snprintf (reason, len, "'%.40s' is not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM)", value);
        return -1;
    }
    return 0;
}

static int
s_set_valid_from (hl_article_t *self, char *value, char *reason, size_t len)
{
    return s_set_time (value, 0, &self->doc.valid_from, reason, len);
}

static int
s_set_valid_until (hl_article_t *self, char *value, char *reason, size_t len)
{
    return s_set_time (value, 1, &self->doc.valid_until, reason, len);
}

static int
s_set_updated (hl_article_t *self, char *value, char *reason, size_t len)
{
    int64_t ignored;
    if (s_set_time (value, 0, &ignored, reason, len))
        return -1;
    self->doc.updated = value;
    return 0;
}

//  Order matters only for FIELD_ID and FIELD_VALID_UNTIL below.
static const s_field_t s_fields[] = {
    {"id", s_set_id, 1},
    {"title", s_set_title, 1},
    {"unit", s_set_unit, 1},
    {"categories", s_set_categories, 1},
    {"tags", s_set_tags, 0},
    {"synonyms", s_set_synonyms, 0},
    {"valid_from", s_set_valid_from, 0},
    {"valid_until", s_set_valid_until, 0},
    {"updated", s_set_updated, 0},
};
#define FIELDS_SIZE (sizeof s_fields / sizeof s_fields[0])
#define FIELD_ID 0
#define FIELD_VALID_UNTIL 7

//  Format "NAME:LINE: message" into ERR.
static void
s_fail (char *err, size_t errlen, const char *name, size_t line, const char *fmt, ...)
{
    char reason[300];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (reason, sizeof reason, fmt, ap);
    va_end (ap);
    snprintf (err, errlen, "%s:%zu: %s", name, line, reason);
}

//  Cut the next line off *cursor (NUL-terminating it in place); NULL at
//  the end of the text (a final newline does not start another line).
static char *
s_next_line (char **cursor)
{
    char *line = *cursor;
    if (!line || !*line)
        return NULL;
    char *nl = strchr (line, '\n');
    if (nl) {
        *nl = 0;
        *cursor = nl + 1;
    }
    else
        *cursor = NULL;
    return line;
}

//  Split a header line "key: value" (ASCII or full-width colon). Returns
//  the key, with the value in *value; NULL if there is no colon.
static char *
s_split_field (char *line, char **value)
{
    char *colon = strchr (line, ':');
    char *wide = strstr (line, "\xEF\xBC\x9A");
    if (!colon || (wide && wide < colon))
        colon = wide;
    if (!colon)
        return NULL;
    *value = s_trim (colon + (*colon == ':' ? 1 : 3));
    *colon = 0;
    return s_trim (line);
}

//  Parse the header from *cursor; *lineno counts lines.
static int
s_parse_header (hl_article_t *self, char **cursor, size_t *lineno, char *err, size_t errlen)
{
    size_t seen[FIELDS_SIZE] = {0};
    char *line = s_next_line (cursor);
    *lineno = 1;
    if (!line || strcmp (s_trim (line), "---") != 0) {
        s_fail (err, errlen, self->name, 1, "an article must start with a '---' line");
        return -1;
    }
    for (;;) {
        line = s_next_line (cursor);
        if (!line) {
            s_fail (err, errlen, self->name, *lineno, "header not closed with a '---' line");
            return -1;
        }
        (*lineno)++;
        line = s_trim (line);
        if (strcmp (line, "---") == 0)
            break;
        if (*line == 0 || *line == '#')
            continue;
        char *value;
        char *key = s_split_field (line, &value);
        if (!key) {
            s_fail (err, errlen, self->name, *lineno, "expected 'key: value' in the header");
            return -1;
        }
        size_t f = 0;
        while (f < FIELDS_SIZE && strcmp (s_fields[f].key, key) != 0)
            f++;
        if (f == FIELDS_SIZE) {
            s_fail (err, errlen, self->name, *lineno, "unknown field '%.40s'", key);
            return -1;
        }
        if (seen[f]) {
            s_fail (err, errlen, self->name, *lineno, "field '%s' given twice (first on line %zu)",
                    key, seen[f]);
            return -1;
        }
        seen[f] = *lineno;
        char reason[300];
        if (s_fields[f].set (self, value, reason, sizeof reason)) {
            s_fail (err, errlen, self->name, *lineno, "%s: %s", key, reason);
            return -1;
        }
    }
    for (size_t f = 0; f < FIELDS_SIZE; f++)
        if (s_fields[f].required && !seen[f]) {
            s_fail (err, errlen, self->name, *lineno, "header lacks the field '%s'", s_fields[f].key);
            return -1;
        }
    self->id_line = seen[FIELD_ID];
    if (self->doc.valid_until && self->doc.valid_from > self->doc.valid_until) {
        s_fail (err, errlen, self->name, seen[FIELD_VALID_UNTIL], "valid_until is before valid_from");
        return -1;
    }
    return 0;
}

//  The answer text after the header, without surrounding blank lines.
static char *
s_body (char *rest)
{
    if (!rest)
        return NULL;
    while (*rest == '\n' || *rest == '\r' || *rest == ' ' || *rest == '\t')
        rest++;
    size_t len = strlen (rest);
    while (len && strchr ("\n\r \t", rest[len - 1]))
        len--;
    rest[len] = 0;
    return *rest ? rest : NULL;
}

hl_article_t *
hl_article_parse (const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    assert (name && text);
    size_t line;
    if (len > FILE_MAX) {
        s_fail (err, errlen, name, 1, "file larger than %d bytes", FILE_MAX);
        return NULL;
    }
    if (s_check_text (text, len, &line)) {
        s_fail (err, errlen, name, line, "not valid UTF-8 text (or contains control characters)");
        return NULL;
    }
    hl_article_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    snprintf (self->checksum, sizeof self->checksum, "%016llx",
              (unsigned long long) hl_article_hash (text, len, 0));
    if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    self->text = strndup (text, len);
    self->name = strdup (name);
    self->synonyms = hl_synonyms_new ();
    if (!self->text || !self->name)
        abort ();
    char *cursor = self->text;
    if (s_parse_header (self, &cursor, &line, err, errlen)) {
        hl_article_destroy (&self);
        return NULL;
    }
    self->doc.body = s_body (cursor);
    if (!self->doc.body) {
        s_fail (err, errlen, name, line, "the article has no answer text after the header");
        hl_article_destroy (&self);
        return NULL;
    }
    self->doc.categories = (const char *const *) self->categories;
    self->doc.categories_size = self->categories_size;
    self->doc.tags = (const char *const *) self->tags;
    self->doc.tags_size = self->tags_size;
    self->doc.source = self->name;
    self->doc.checksum = self->checksum;
    return self;
}

hl_article_t *
hl_article_load (const char *path, const char *name, char *err, size_t errlen)
{
    assert (path);
    if (!name)
        name = path;
    FILE *file = fopen (path, "rb");
    if (!file) {
        snprintf (err, errlen, "%s: %s", name, strerror (errno));
        return NULL;
    }
    char *data = malloc (FILE_MAX + 1);
    if (!data)
        abort ();
    size_t len = fread (data, 1, FILE_MAX + 1, file);
    int failed = ferror (file);
    fclose (file);
    hl_article_t *self = NULL;
    if (failed)
        snprintf (err, errlen, "%s: read error", name);
    else
        self = hl_article_parse (name, data, len, err, errlen);
    free (data);
    return self;
}

//  Free a list of owned strings.
static void
s_free_list (char **list, size_t size)
{
    for (size_t i = 0; i < size; i++)
        free (list[i]);
    free (list);
}

void
hl_article_destroy (hl_article_t **self_p)
{
    assert (self_p);
    hl_article_t *self = *self_p;
    if (!self)
        return;
    s_free_list (self->categories, self->categories_size);
    s_free_list (self->tags, self->tags_size);
    hl_synonyms_destroy (&self->synonyms);
    free (self->text);
    free (self->name);
    free (self);
    *self_p = NULL;
}

const hl_kb_doc_t *
hl_article_doc (const hl_article_t *self)
{
    assert (self);
    return &self->doc;
}

const hl_synonyms_t *
hl_article_synonyms (const hl_article_t *self)
{
    assert (self);
    return self->synonyms;
}

size_t
hl_article_id_line (const hl_article_t *self)
{
    assert (self);
    return self->id_line;
}
