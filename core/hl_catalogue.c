/*  hl_catalogue: dispatch catalogue. See hl_catalogue.h.
 *
 *  Units and routes are sorted arrays searched by bisection: a lookup at
 *  intake costs at most five bisections and no allocation.
 */
#include "hl_catalogue.h"
#include "hl_codes.h"
#include "hl_conf.h"
#include "hl_text.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY_MAX (2 * HL_CODE_MAX + 2)

typedef struct {
    char code[HL_CODE_MAX + 1];
    char *name;
    int callback;
} s_unit_t;

//  A route or an area government: KEY is "category|area" (or "|area").
typedef struct {
    char key[S_KEY_MAX];
    char lead[HL_CODE_MAX + 1];
    char assist[HL_CATALOGUE_ASSIST_MAX][HL_CODE_MAX + 1];
    int n_assist;
} s_route_t;

struct hl_catalogue {
    s_unit_t *units;
    size_t n_units, cap_units;
    s_route_t *routes;
    size_t n_routes, cap_routes;
};

static void *
s_grow (void *array, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return array;
    *cap = *cap ? *cap * 2 : 64;
    array = realloc (array, *cap * size);
    if (!array)
        abort ();
    return array;
}

static int
s_unit_cmp (const void *a, const void *b)
{
    return strcmp (((const s_unit_t *) a)->code, ((const s_unit_t *) b)->code);
}

static int
s_route_cmp (const void *a, const void *b)
{
    return strcmp (((const s_route_t *) a)->key, ((const s_route_t *) b)->key);
}

//  Splits VALUE into at most MAX words; returns the count, or -1 if there
//  are more.
static int
s_words (char *value, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r (value, " \t", &save); w; w = strtok_r (NULL, " \t", &save)) {
        if (n == max)
            return -1;
        words[n++] = w;
    }
    return n;
}

static int
s_code_ok (const char *code, const char *what, char *err, size_t errlen)
{
    if (hl_text_is_code (code, strlen (code), HL_CODE_MAX))
        return 1;
    snprintf (err, errlen, "bad %s code '%s'", what, code);
    return 0;
}

//  While parsing, the arrays are not sorted yet: a linear scan finds a
//  unit or a route (catalogues hold a few hundred entries).
static int
s_has_unit (const hl_catalogue_t *self, const char *code)
{
    for (size_t i = 0; i < self->n_units; i++)
        if (strcmp (self->units[i].code, code) == 0)
            return 1;
    return 0;
}

static int
s_on_unit (hl_catalogue_t *self, const char *code, char *value, char *err, size_t errlen)
{
    char *w[3];
    int n = s_words (value, w, 3);
    if (!s_code_ok (code, "unit", err, errlen))
        return -1;
    if (s_has_unit (self, code)) {
        snprintf (err, errlen, "unit '%s' defined twice", code);
        return -1;
    }
    if (n < 1 || (n == 2 && strcmp (w[1], "callback") != 0) || n == 3) {
        snprintf (err, errlen, "unit %s: expected NAME [callback]", code);
        return -1;
    }
    self->units = s_grow (self->units, &self->cap_units, self->n_units, sizeof *self->units);
    s_unit_t *u = &self->units[self->n_units++];
    snprintf (u->code, sizeof u->code, "%s", code);
    u->name = strdup (w[0]);
    u->callback = n == 2;
    return 0;
}

//  Adds a route for KEY with LEAD and ASSIST units, refusing a key given
//  twice and units not defined above it, so a typo cannot strand tickets.
static int
s_add_route (hl_catalogue_t *self, const char *category, const char *area,
             char **units, int n_units, char *err, size_t errlen)
{
    char key[S_KEY_MAX];
    snprintf (key, sizeof key, "%s|%s", category, area);
    for (size_t i = 0; i < self->n_routes; i++)
        if (strcmp (self->routes[i].key, key) == 0) {
            snprintf (err, errlen, "%s %s is given twice", *category ? category : "area", area);
            return -1;
        }
    for (int i = 0; i < n_units; i++)
        if (!s_has_unit (self, units[i])) {
            snprintf (err, errlen, "unknown unit '%s' (define it under [unit] first)", units[i]);
            return -1;
        }
    self->routes = s_grow (self->routes, &self->cap_routes, self->n_routes, sizeof *self->routes);
    s_route_t *r = &self->routes[self->n_routes++];
    memset (r, 0, sizeof *r);
    snprintf (r->key, sizeof r->key, "%s", key);
    snprintf (r->lead, sizeof r->lead, "%s", units[0]);
    for (int i = 1; i < n_units; i++)
        snprintf (r->assist[r->n_assist++], sizeof r->assist[0], "%s", units[i]);
    return 0;
}

//  A category is a code of any level (大类.小类.细类) or a group "XX.*"
//  (a 大类 and everything under it); an area a code or "*".
static int
s_pattern_ok (const char *p, int is_area, char *err, size_t errlen)
{
    if (strcmp (p, "*") == 0 && is_area)
        return 1;
    size_t n = strlen (p);
    if (!is_area && n > 2 && strcmp (p + n - 2, ".*") == 0
        && hl_text_is_code (p, n - 2, HL_CODE_MAX) && memchr (p, '.', n - 2) == NULL)
        return 1;
    if (!s_code_ok (p, is_area ? "area" : "category", err, errlen))
        return 0;
    if (!is_area && hl_codes_category_level (p) == 0) {
        snprintf (err, errlen, "category '%s': at most %d levels (大类.小类.细类), none empty",
                  p, HL_CODES_LEVELS);
        return 0;
    }
    return 1;
}

static int
s_on_route (hl_catalogue_t *self, const char *category, char *value, char *err, size_t errlen)
{
    char *w[2 + HL_CATALOGUE_ASSIST_MAX];
    int n = s_words (value, w, 2 + HL_CATALOGUE_ASSIST_MAX);
    if (n < 2) {
        snprintf (err, errlen, "route %s: expected AREA LEAD [ASSIST ...] (at most %d assisting)",
                  category, HL_CATALOGUE_ASSIST_MAX);
        return -1;
    }
    if (!s_pattern_ok (category, 0, err, errlen) || !s_pattern_ok (w[0], 1, err, errlen))
        return -1;
    return s_add_route (self, category, w[0], w + 1, n - 1, err, errlen);
}

static int
s_on_line (const char *section, const char *key, const char *value, void *arg,
           char *err, size_t errlen)
{
    hl_catalogue_t *self = arg;
    char copy[1024];
    snprintf (copy, sizeof copy, "%s", value);
    if (strcmp (section, "unit") == 0)
        return s_on_unit (self, key, copy, err, errlen);
    if (strcmp (section, "route") == 0)
        return s_on_route (self, key, copy, err, errlen);
    if (strcmp (section, "area") == 0) {
        char *w[1];
        if (!s_code_ok (key, "area", err, errlen))
            return -1;
        if (s_words (copy, w, 1) != 1) {
            snprintf (err, errlen, "area %s: expected AREA UNIT", key);
            return -1;
        }
        return s_add_route (self, "", key, w, 1, err, errlen);
    }
    snprintf (err, errlen, "entry outside [unit], [area] or [route]");
    return -1;
}

//  After parsing (which already refused duplicates and unknown units):
//  sort for bisection.
static void
s_finish (hl_catalogue_t *self)
{
    if (self->n_units)
        qsort (self->units, self->n_units, sizeof *self->units, s_unit_cmp);
    if (self->n_routes)
        qsort (self->routes, self->n_routes, sizeof *self->routes, s_route_cmp);
}

static hl_catalogue_t *
s_build (const char *name, const char *path, const char *text, char *err, size_t errlen)
{
    hl_catalogue_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    int rc = path ? hl_conf_parse_file (path, s_on_line, self, err, errlen)
                  : hl_conf_parse_text (name, text, s_on_line, self, err, errlen);
    if (rc == 0)
        s_finish (self);
    else
        hl_catalogue_destroy (&self);
    return self;
}

hl_catalogue_t *
hl_catalogue_load (const char *path, char *err, size_t errlen)
{
    return s_build (path, path, NULL, err, errlen);
}

hl_catalogue_t *
hl_catalogue_parse (const char *name, const char *text, char *err, size_t errlen)
{
    return s_build (name, NULL, text, err, errlen);
}

void
hl_catalogue_destroy (hl_catalogue_t **self_p)
{
    assert (self_p);
    hl_catalogue_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n_units; i++)
        free (self->units[i].name);
    free (self->units);
    free (self->routes);
    free (self);
    *self_p = NULL;
}

static const s_route_t *
s_find (const hl_catalogue_t *self, const char *category, const char *area)
{
    s_route_t key;
    snprintf (key.key, sizeof key.key, "%s|%s", category, area);
    if (self->n_routes == 0)
        return NULL;
    return bsearch (&key, self->routes, self->n_routes, sizeof key, s_route_cmp);
}

//  Fills ROUTE from the route of CATEGORY (or, for a 大类, its group
//  "XX.*") in AREA, if there is one; RULE says which rule it was.
static int
s_route_at (const hl_catalogue_t *self, const char *category, int group, const char *area,
            const char *rule, hl_route_t *route)
{
    char key[HL_CODE_MAX + 3];
    snprintf (key, sizeof key, group ? "%s.*" : "%s", category);
    const s_route_t *r = s_find (self, key, area);
    if (!r)
        return 0;
    memset (route, 0, sizeof *route);
    route->lead = r->lead;
    for (int k = 0; k < r->n_assist; k++)
        route->assist[k] = r->assist[k];
    route->n_assist = r->n_assist;
    route->rule = rule;
    return 1;
}

//  From the ticket's own category up through its levels (细类, 小类, 大类;
//  a 大类 also as the group "XX.*"), each in the area before anywhere;
//  then the area's government.
int
hl_catalogue_route (const hl_catalogue_t *self, const char *category, const char *area,
                    hl_route_t *route)
{
    static const char *rules[3][2] = { { "category+area", "category" },
                                       { "parent+area", "parent" },
                                       { "group+area", "group" } };
    char code[HL_CODE_MAX + 1], up[HL_CODE_MAX + 1];
    snprintf (code, sizeof code, "%s", category);
    for (int own = 1; *code; own = 0) {
        int top = strchr (code, '.') == NULL;
        const char *const *rule = rules[own ? 0 : top ? 2 : 1];
        for (int anywhere = 0; anywhere < 2; anywhere++)
            for (int group = 0; group <= top; group++)
                if (s_route_at (self, code, group, anywhere ? "*" : area, rule[anywhere], route))
                    return 0;
        hl_codes_category_parent (code, up, sizeof up);
        memcpy (code, up, sizeof code);
    }
    return s_route_at (self, "", 0, area, "area government", route) ? 0 : -1;
}

static const s_unit_t *
s_unit (const hl_catalogue_t *self, const char *code, size_t len)
{
    if (len == 0 || len > HL_CODE_MAX || self->n_units == 0)
        return NULL;
    s_unit_t key;
    memcpy (key.code, code, len);
    key.code[len] = 0;
    return bsearch (&key, self->units, self->n_units, sizeof key, s_unit_cmp);
}

const char *
hl_catalogue_unit_name (const hl_catalogue_t *self, const char *code, size_t len)
{
    const s_unit_t *u = s_unit (self, code, len);
    return u ? u->name : NULL;
}

int
hl_catalogue_unit_callback (const hl_catalogue_t *self, const char *code, size_t len)
{
    const s_unit_t *u = s_unit (self, code, len);
    return u && u->callback;
}

size_t
hl_catalogue_unit_count (const hl_catalogue_t *self)
{
    return self->n_units;
}

const char *
hl_catalogue_unit_code_at (const hl_catalogue_t *self, size_t i)
{
    assert (i < self->n_units);
    return self->units[i].code;
}
