/*  hl_o311_services: the Open311 service list. See hl_o311_services.h. */
#include "hl_o311_services.h"
#include "hl_conf.h"
#include "hl_text.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    hl_o311_attr_t pub;
    hl_o311_value_t *values;
    size_t n_values, cap;
} s_attr_t;

typedef struct {
    hl_o311_service_t pub;
    s_attr_t *attrs;
    size_t n_attrs, cap;
    hl_o311_attr_t *pub_attrs;   //  built at the end
} s_service_t;

static const char *s_settings[] = { "jurisdiction_id", "contact", "key_service", "changeset",
                                    "default_area" };
#define S_N_SETTINGS (sizeof s_settings / sizeof s_settings[0])

struct hl_o311_services {
    s_service_t *services;
    size_t n, cap;
    char *setting[S_N_SETTINGS];
    char **strings;              //  every string owned
    size_t n_strings, cap_strings;
    const hl_codes_t *codes;     //  while loading
};

static const char *s_datatypes[] = { "string", "number", "datetime", "text", "singlevaluelist",
                                     "multivaluelist" };

const char *
hl_o311_datatype_name (hl_o311_datatype_t datatype)
{
    assert ((size_t) datatype < sizeof s_datatypes / sizeof s_datatypes[0]);
    return s_datatypes[datatype];
}

static void *
s_grow (void *array, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return array;
    *cap = *cap ? *cap * 2 : 8;
    array = realloc (array, *cap * size);
    if (!array)
        abort ();
    return array;
}

static const char *
s_keep (hl_o311_services_t *self, const char *str, size_t len)
{
    self->strings = s_grow (self->strings, &self->cap_strings, self->n_strings,
                            sizeof *self->strings);
    char *copy = strndup (str, len);
    if (!copy)
        abort ();
    self->strings[self->n_strings++] = copy;
    return copy;
}

static s_attr_t *
s_find_attr (s_service_t *s, const char *code)
{
    for (size_t i = 0; i < s->n_attrs; i++)
        if (strcmp (s->attrs[i].pub.code, code) == 0)
            return &s->attrs[i];
    return NULL;
}

static s_attr_t *
s_add_attr (hl_o311_services_t *self, s_service_t *s, const char *code, size_t len)
{
    s->attrs = s_grow (s->attrs, &s->cap, s->n_attrs, sizeof *s->attrs);
    s_attr_t *a = &s->attrs[s->n_attrs++];
    memset (a, 0, sizeof *a);
    a->pub.code = s_keep (self, code, len);
    return a;
}

static void
s_add_value (hl_o311_services_t *self, s_attr_t *a, const char *key, size_t klen,
             const char *name)
{
    a->values = s_grow (a->values, &a->cap, a->n_values, sizeof *a->values);
    a->values[a->n_values].key = s_keep (self, key, klen);
    a->values[a->n_values].name = s_keep (self, name, strlen (name));
    a->n_values++;
}

//  "CODE DATATYPE required|optional DESCRIPTION"
static int
s_on_attribute (hl_o311_services_t *self, s_service_t *s, const char *value, char *err,
                size_t errlen)
{
    char code[HL_O311_CODE_MAX], type[32], need[16];
    int used = 0;
    if (sscanf (value, "%63s %31s %15s %n", code, type, need, &used) != 3 || !value[used]) {
        snprintf (err, errlen, "attribute: want CODE DATATYPE required|optional DESCRIPTION");
        return -1;
    }
    if (!hl_text_is_code (code, strlen (code), HL_O311_CODE_MAX - 1)
        || strcmp (code, HL_O311_AREA_ATTR) == 0 || s_find_attr (s, code)) {
        snprintf (err, errlen, "attribute '%s': a new code of letters, digits, '-', '_', '.' "
                  "(\"" HL_O311_AREA_ATTR "\" is the gateway's own)", code);
        return -1;
    }
    int dt = -1;
    for (size_t i = 0; i < sizeof s_datatypes / sizeof s_datatypes[0]; i++)
        if (strcmp (type, s_datatypes[i]) == 0)
            dt = (int) i;
    if (dt < 0 || (strcmp (need, "required") != 0 && strcmp (need, "optional") != 0)) {
        snprintf (err, errlen, "attribute '%s': datatype string|number|datetime|text|"
                  "singlevaluelist|multivaluelist, then required or optional", code);
        return -1;
    }
    s_attr_t *a = s_add_attr (self, s, code, strlen (code));
    a->pub.datatype = (hl_o311_datatype_t) dt;
    a->pub.required = strcmp (need, "required") == 0;
    a->pub.description = s_keep (self, value + used, strlen (value + used));
    return 0;
}

//  "CODE KEY NAME"
static int
s_on_value (hl_o311_services_t *self, s_service_t *s, const char *value, char *err,
            size_t errlen)
{
    char code[HL_O311_CODE_MAX], key[HL_O311_CODE_MAX];
    int used = 0;
    if (sscanf (value, "%63s %63s %n", code, key, &used) != 2 || !value[used]) {
        snprintf (err, errlen, "value: want ATTRIBUTE KEY NAME");
        return -1;
    }
    s_attr_t *a = s_find_attr (s, code);
    if (!a || (a->pub.datatype != HL_O311_SINGLE && a->pub.datatype != HL_O311_MULTI)) {
        snprintf (err, errlen, "value: '%s' is not a list attribute of this service", code);
        return -1;
    }
    if (!hl_text_is_code (key, strlen (key), HL_O311_CODE_MAX - 1)) {
        snprintf (err, errlen, "value: key '%s' must be a code", key);
        return -1;
    }
    s_add_value (self, a, key, strlen (key), value + used);
    return 0;
}

static int
s_on_service_key (hl_o311_services_t *self, s_service_t *s, const char *key,
                  const char *value, char *err, size_t errlen)
{
    hl_o311_service_t *p = &s->pub;
    if (strcmp (key, "attribute") == 0)
        return s_on_attribute (self, s, value, err, errlen);
    if (strcmp (key, "value") == 0)
        return s_on_value (self, s, value, err, errlen);
    if (strcmp (key, "type") == 0) {
        p->request_type = hl_wire_request_type_parse (value);
        if (!p->request_type) {
            snprintf (err, errlen, "type: '%s' is not a request type (咨询 求助 投诉 举报 建议 "
                      "感谢 其他)", value);
            return -1;
        }
        return 0;
    }
    if (strcmp (key, "category") == 0) {
        if (!hl_codes_lookup (self->codes, HL_CODES_CATEGORY, value, strlen (value))) {
            snprintf (err, errlen, "category: '%s' is not in the code catalogue", value);
            return -1;
        }
        p->category = s_keep (self, value, strlen (value));
        return 0;
    }
    const char **field = strcmp (key, "name") == 0 ? &p->name
                       : strcmp (key, "description") == 0 ? &p->description
                       : strcmp (key, "group") == 0 ? &p->group
                       : strcmp (key, "keywords") == 0 ? &p->keywords : NULL;
    if (!field) {
        snprintf (err, errlen, "unknown service key '%s'", key);
        return -1;
    }
    *field = s_keep (self, value, strlen (value));
    return 0;
}

static int
s_on_line (const char *section, const char *key, const char *value, void *arg, char *err,
           size_t errlen)
{
    hl_o311_services_t *self = arg;
    if (hl_text_check (value, strlen (value), 0, NULL) != HL_TEXT_OK) {
        snprintf (err, errlen, "%s: not UTF-8 text", key);
        return -1;
    }
    if (strcmp (section, "gateway") == 0) {
        for (size_t i = 0; i < S_N_SETTINGS; i++)
            if (strcmp (key, s_settings[i]) == 0) {
                free (self->setting[i]);
                self->setting[i] = strdup (value);
                return 0;
            }
        snprintf (err, errlen, "unknown gateway key '%s'", key);
        return -1;
    }
    if (strncmp (section, "service ", 8) != 0) {
        snprintf (err, errlen, "entry outside [gateway] or [service CODE]");
        return -1;
    }
    const char *code = section + 8;
    if (!hl_text_is_code (code, strlen (code), HL_O311_CODE_MAX - 1)) {
        snprintf (err, errlen, "service code '%s': letters, digits, '-', '_', '.'", code);
        return -1;
    }
    s_service_t *s = self->n ? &self->services[self->n - 1] : NULL;
    if (!s || strcmp (s->pub.code, code) != 0) {
        if (hl_o311_services_find (self, code)) {
            snprintf (err, errlen, "service '%s' appears twice", code);
            return -1;
        }
        self->services = s_grow (self->services, &self->cap, self->n, sizeof *self->services);
        s = &self->services[self->n++];
        memset (s, 0, sizeof *s);
        s->pub.code = s_keep (self, code, strlen (code));
    }
    return s_on_service_key (self, s, key, value, err, errlen);
}

//  The area attribute: every area of the code catalogue.
static void
s_add_area (hl_o311_services_t *self, s_service_t *s)
{
    s_attr_t *a = s_add_attr (self, s, HL_O311_AREA_ATTR, strlen (HL_O311_AREA_ATTR));
    a->pub.datatype = HL_O311_SINGLE;
    a->pub.required = !*hl_o311_services_setting (self, "default_area");
    a->pub.description = a->pub.required ? "所在区域" : "所在区域（不选则由市级受理）";
    for (size_t i = 0; i < hl_codes_count (self->codes, HL_CODES_AREA); i++) {
        const char *code = hl_codes_code_at (self->codes, HL_CODES_AREA, i);
        s_add_value (self, a, code, strlen (code),
                     hl_codes_name_at (self->codes, HL_CODES_AREA, i));
    }
}

static int
s_finish (hl_o311_services_t *self, char *err, size_t errlen)
{
    const char *area = hl_o311_services_setting (self, "default_area");
    if (*area && !hl_codes_lookup (self->codes, HL_CODES_AREA, area, strlen (area))) {
        snprintf (err, errlen, "default_area: '%s' is not in the code catalogue", area);
        return -1;
    }
    for (size_t i = 0; i < self->n; i++) {
        s_service_t *s = &self->services[i];
        if (!s->pub.name || !s->pub.request_type || !s->pub.category) {
            snprintf (err, errlen, "service '%s' needs name, type and category", s->pub.code);
            return -1;
        }
        for (size_t k = 0; k < s->n_attrs; k++)
            if (s->attrs[k].pub.datatype >= HL_O311_SINGLE && s->attrs[k].n_values == 0) {
                snprintf (err, errlen, "service '%s': list attribute '%s' has no value lines",
                          s->pub.code, s->attrs[k].pub.code);
                return -1;
            }
        s_add_area (self, s);
        s->pub_attrs = calloc (s->n_attrs, sizeof *s->pub_attrs);
        if (!s->pub_attrs)
            abort ();
        for (size_t k = 0; k < s->n_attrs; k++) {
            s->attrs[k].pub.values = s->attrs[k].values;
            s->attrs[k].pub.n_values = s->attrs[k].n_values;
            s->pub_attrs[k] = s->attrs[k].pub;
        }
        s->pub.attrs = s->pub_attrs;
        s->pub.n_attrs = s->n_attrs;
    }
    return 0;
}

static hl_o311_services_t *
s_load (const char *name, const char *text, const hl_codes_t *codes, char *err, size_t errlen)
{
    hl_o311_services_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->codes = codes;
    int rc = text ? hl_conf_parse_text (name, text, s_on_line, self, err, errlen)
                  : hl_conf_parse_file (name, s_on_line, self, err, errlen);
    char msg[256];
    if (rc == 0 && s_finish (self, msg, sizeof msg) != 0) {
        snprintf (err, errlen, "%s: %s", name, msg);
        rc = -1;
    }
    if (rc == 0 && self->n == 0) {
        snprintf (err, errlen, "%s: no [service CODE] section", name);
        rc = -1;
    }
    self->codes = NULL;
    if (rc != 0)
        hl_o311_services_destroy (&self);
    return self;
}

hl_o311_services_t *
hl_o311_services_load (const char *path, const hl_codes_t *codes, char *err, size_t errlen)
{
    return s_load (path, NULL, codes, err, errlen);
}

hl_o311_services_t *
hl_o311_services_parse (const char *name, const char *text, const hl_codes_t *codes,
                        char *err, size_t errlen)
{
    return s_load (name, text, codes, err, errlen);
}

void
hl_o311_services_destroy (hl_o311_services_t **self_p)
{
    assert (self_p);
    hl_o311_services_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++) {
        for (size_t k = 0; k < self->services[i].n_attrs; k++)
            free (self->services[i].attrs[k].values);
        free (self->services[i].attrs);
        free (self->services[i].pub_attrs);
    }
    free (self->services);
    for (size_t i = 0; i < S_N_SETTINGS; i++)
        free (self->setting[i]);
    for (size_t i = 0; i < self->n_strings; i++)
        free (self->strings[i]);
    free (self->strings);
    free (self);
    *self_p = NULL;
}

size_t
hl_o311_services_count (const hl_o311_services_t *self)
{
    return self->n;
}

const hl_o311_service_t *
hl_o311_services_at (const hl_o311_services_t *self, size_t i)
{
    assert (i < self->n);
    return &self->services[i].pub;
}

const hl_o311_service_t *
hl_o311_services_find (const hl_o311_services_t *self, const char *code)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp (self->services[i].pub.code, code) == 0)
            return &self->services[i].pub;
    return NULL;
}

const hl_o311_service_t *
hl_o311_services_match (const hl_o311_services_t *self, int request_type, const char *category)
{
    for (size_t i = 0; i < self->n; i++) {
        const hl_o311_service_t *s = &self->services[i].pub;
        if (s->request_type == request_type && strcmp (s->category, category) == 0)
            return s;
    }
    return NULL;
}

const hl_o311_attr_t *
hl_o311_service_attr (const hl_o311_service_t *service, const char *code)
{
    for (size_t i = 0; i < service->n_attrs; i++)
        if (strcmp (service->attrs[i].code, code) == 0)
            return &service->attrs[i];
    return NULL;
}

const char *
hl_o311_services_setting (const hl_o311_services_t *self, const char *key)
{
    for (size_t i = 0; i < S_N_SETTINGS; i++)
        if (strcmp (key, s_settings[i]) == 0)
            return self->setting[i] ? self->setting[i] : "";
    return "";
}
