/*  hl_o311_post: POST requests bodies. See hl_o311_post.h. */
#include "hl_o311_post.h"
#include "hl_buf.h"
#include "hl_httphead.h"
#include "hl_o311_time.h"
#include "hl_text.h"
#include "hl_wire.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The fields of the spec, and the longest value each may have (bytes;
//  the description is also limited in characters).
static const struct {
    const char *name;
    size_t max;
} s_fields[] = {
    { "api_key", 128 }, { "jurisdiction_id", 128 }, { "service_code", 64 },
    { "lat", 32 }, { "long", 32 }, { "address_string", 512 }, { "address_id", 128 },
    { "email", 254 }, { "device_id", 24 }, { "account_id", 24 }, { "first_name", 60 },
    { "last_name", 60 }, { "phone", 32 }, { "description", 4 * HL_O311_DESCRIPTION_MAX },
    { "media_url", 1024 },
};
#define S_N_FIELDS (sizeof s_fields / sizeof s_fields[0])
#define S_ATTR_VALUE_MAX 1000

typedef struct {
    char *code;
    char *value;
    int multi;                   //  sent as attribute[code][]
} s_attr_t;

struct hl_o311_post {
    char *body;
    size_t body_len;
    char *field[S_N_FIELDS];
    s_attr_t attr[HL_O311_ATTRS_MAX];
    size_t n_attrs;
    const hl_o311_service_t *service;    //  after _check
    hl_buf_t content, name, ref, address;
    char rid[HL_O311_RID_LEN + 1];
    double lat, lon;
    const char *area;
};

static int
s_field_index (const char *name)
{
    for (size_t i = 0; i < S_N_FIELDS; i++)
        if (strcmp (s_fields[i].name, name) == 0)
            return (int) i;
    return -1;
}

//  "attribute[CODE]" or "attribute[CODE][]": CODE into OUT.
static int
s_attr_name (const char *name, char *out, size_t outlen, int *multi)
{
    if (strncmp (name, "attribute[", 10) != 0)
        return 0;
    const char *code = name + 10, *close = strchr (code, ']');
    if (!close || close == code || (size_t) (close - code) >= outlen)
        return -1;
    if (strcmp (close, "]") == 0)
        *multi = 0;
    else
    if (strcmp (close, "][]") == 0)
        *multi = 1;
    else
        return -1;
    memcpy (out, code, (size_t) (close - code));
    out[close - code] = '\0';
    return 1;
}

static char *
s_dup (const char *s)
{
    char *d = strdup (s);
    if (!d)
        abort ();
    return d;
}

//  One decoded pair into SELF. 0, or -1 with ERR.
static int
s_take (hl_o311_post_t *self, const char *name, const char *value, char *err, size_t errlen)
{
    int multiline = strcmp (name, "description") == 0
                 || strncmp (name, "attribute[", 10) == 0;
    if (hl_text_check (value, strlen (value), multiline ? HL_TEXT_MULTILINE : 0, NULL)
        != HL_TEXT_OK) {
        snprintf (err, errlen, "%.64s: not valid UTF-8 text (or holds control characters)",
                  name);
        return -1;
    }
    char code[HL_O311_CODE_MAX];
    int multi = 0, is_attr = s_attr_name (name, code, sizeof code, &multi);
    if (is_attr < 0) {
        snprintf (err, errlen, "%.64s: write attribute[CODE]=value or attribute[CODE][]=value",
                  name);
        return -1;
    }
    if (is_attr) {
        if (*value == 0)
            return 0;           //  empty means absent
        if (self->n_attrs == HL_O311_ATTRS_MAX || strlen (value) > S_ATTR_VALUE_MAX) {
            snprintf (err, errlen, "attribute: at most %d values of %d bytes each",
                      HL_O311_ATTRS_MAX, S_ATTR_VALUE_MAX);
            return -1;
        }
        for (size_t i = 0; i < self->n_attrs; i++)
            if (strcmp (self->attr[i].code, code) == 0 && !(multi && self->attr[i].multi)) {
                snprintf (err, errlen, "attribute[%s]: given twice (a list is sent as "
                          "attribute[%s][]=...)", code, code);
                return -1;
            }
        s_attr_t *a = &self->attr[self->n_attrs++];
        a->code = s_dup (code);
        a->value = s_dup (value);
        a->multi = multi;
        return 0;
    }
    int i = s_field_index (name);
    if (i < 0 || *value == 0)
        return 0;               //  other parameters are ignored, empty ones absent
    if (self->field[i]) {
        snprintf (err, errlen, "%s: given twice", name);
        return -1;
    }
    if (strlen (value) > s_fields[i].max) {
        snprintf (err, errlen, "%s: longer than %zu bytes", name, s_fields[i].max);
        return -1;
    }
    self->field[i] = s_dup (value);
    return 0;
}

hl_o311_post_t *
hl_o311_post_parse (const char *body, size_t len, char *err, size_t errlen)
{
    hl_o311_post_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->body = malloc (len + 1);
    if (!self->body)
        abort ();
    memcpy (self->body, body, len);
    self->body[len] = '\0';
    self->body_len = len;
    char name[128];
    char *value = malloc (len + 1);
    if (!value)
        abort ();
    size_t pos = 0;
    int rc;
    while ((rc = hl_http_form_next (body, len, &pos, name, sizeof name, value, len + 1)) == 1)
        if (s_take (self, name, value, err, errlen) != 0)
            break;
    if (rc < 0)
        snprintf (err, errlen, "the body is not application/x-www-form-urlencoded "
                  "(a bad %%-escape, a NUL or an overlong name near byte %zu)", pos);
    free (value);
    if (rc != 0)
        hl_o311_post_destroy (&self);
    return self;
}

void
hl_o311_post_destroy (hl_o311_post_t **self_p)
{
    assert (self_p);
    hl_o311_post_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < S_N_FIELDS; i++)
        free (self->field[i]);
    for (size_t i = 0; i < self->n_attrs; i++) {
        free (self->attr[i].code);
        free (self->attr[i].value);
    }
    hl_buf_free (&self->content);
    hl_buf_free (&self->name);
    hl_buf_free (&self->ref);
    hl_buf_free (&self->address);
    free (self->body);
    free (self);
    *self_p = NULL;
}

const char *
hl_o311_post_field (const hl_o311_post_t *self, const char *name)
{
    int i = s_field_index (name);
    assert (i >= 0);
    return self->field[i];
}

static int
s_number (const char *text, double *out)
{
    char *end;
    *out = strtod (text, &end);
    return *text && !*end && isfinite (*out) ? 0 : -1;
}

static int
s_location (hl_o311_post_t *self, char *err, size_t errlen)
{
    const char *lat = hl_o311_post_field (self, "lat"), *lon = hl_o311_post_field (self, "long");
    if (!lat != !lon) {
        snprintf (err, errlen, "lat, long: send both or neither");
        return 400;
    }
    if (lat && (s_number (lat, &self->lat) || s_number (lon, &self->lon)
                || fabs (self->lat) > 90 || fabs (self->lon) > 180)) {
        snprintf (err, errlen, "lat, long: WGS84 degrees, lat in [-90, 90], long in "
                  "[-180, 180]");
        return 400;
    }
    if (!lat && !hl_o311_post_field (self, "address_string")
        && !hl_o311_post_field (self, "address_id")) {
        snprintf (err, errlen, "location: send lat and long, or address_string, or address_id");
        return 400;
    }
    return 0;
}

//  The value KEY of list attribute A, or NULL.
static const hl_o311_value_t *
s_list_value (const hl_o311_attr_t *a, const char *key)
{
    for (size_t i = 0; i < a->n_values; i++)
        if (strcmp (a->values[i].key, key) == 0)
            return &a->values[i];
    return NULL;
}

static int
s_attr_value (const hl_o311_attr_t *a, const s_attr_t *given, char *err, size_t errlen)
{
    double number;
    int64_t ms;
    const char *v = given->value;
    if (given->multi != (a->datatype == HL_O311_MULTI)) {
        snprintf (err, errlen, "attribute[%s]: a %s is sent as attribute[%s]%s=value", a->code,
                  hl_o311_datatype_name (a->datatype), a->code,
                  a->datatype == HL_O311_MULTI ? "[]" : "");
        return 400;
    }
    int ok = 1;
    switch (a->datatype) {
        case HL_O311_NUMBER: ok = s_number (v, &number) == 0; break;
        case HL_O311_DATETIME: ok = hl_o311_time_parse (v, &ms) == 0; break;
        case HL_O311_STRING: ok = !strpbrk (v, "\r\n"); break;
        case HL_O311_TEXT: break;
        case HL_O311_SINGLE:
        case HL_O311_MULTI: ok = s_list_value (a, v) != NULL; break;
    }
    if (!ok) {
        snprintf (err, errlen, "attribute[%s]: not a valid %s%s", a->code,
                  hl_o311_datatype_name (a->datatype),
                  a->datatype >= HL_O311_SINGLE ? " key (see the service definition)"
                  : a->datatype == HL_O311_DATETIME ? " (e.g. 2026-12-04T21:30:00+08:00)" : "");
        return 400;
    }
    return 0;
}

static int
s_attributes (hl_o311_post_t *self, char *err, size_t errlen)
{
    const hl_o311_service_t *s = self->service;
    for (size_t i = 0; i < self->n_attrs; i++) {
        const hl_o311_attr_t *a = hl_o311_service_attr (s, self->attr[i].code);
        if (!a) {
            snprintf (err, errlen, "attribute[%s]: service %s has no such attribute",
                      self->attr[i].code, s->code);
            return 400;
        }
        int rc = s_attr_value (a, &self->attr[i], err, errlen);
        if (rc)
            return rc;
    }
    for (size_t k = 0; k < s->n_attrs; k++) {
        int given = 0;
        for (size_t i = 0; i < self->n_attrs; i++)
            given |= strcmp (self->attr[i].code, s->attrs[k].code) == 0;
        if (s->attrs[k].required && !given) {
            snprintf (err, errlen, "attribute[%s]: required by service %s (%s)",
                      s->attrs[k].code, s->code, s->attrs[k].description);
            return 400;
        }
    }
    return 0;
}

static int
s_contact (hl_o311_post_t *self, char *err, size_t errlen)
{
    const char *email = hl_o311_post_field (self, "email");
    if (email && (!strchr (email, '@') || strpbrk (email, " <>,;\"")))
    {
        snprintf (err, errlen, "email: not an e-mail address");
        return 400;
    }
    const char *url = hl_o311_post_field (self, "media_url");
    if (url && ((strncmp (url, "http://", 7) != 0 && strncmp (url, "https://", 8) != 0)
                || strpbrk (url, " \t\r\n"))) {
        snprintf (err, errlen, "media_url: an http:// or https:// URL");
        return 400;
    }
    const char *description = hl_o311_post_field (self, "description");
    size_t chars = 0;
    if (description)
        hl_text_check (description, strlen (description), HL_TEXT_MULTILINE, &chars);
    if (chars > HL_O311_DESCRIPTION_MAX) {
        snprintf (err, errlen, "description: longer than %d characters",
                  HL_O311_DESCRIPTION_MAX);
        return 400;
    }
    return 0;
}

int
hl_o311_post_check (hl_o311_post_t *self, const hl_o311_services_t *services, char *err,
                    size_t errlen)
{
    const char *code = hl_o311_post_field (self, "service_code");
    if (!code) {
        snprintf (err, errlen, "service_code: required (see services.xml)");
        return 400;
    }
    self->service = hl_o311_services_find (services, code);
    if (!self->service) {
        snprintf (err, errlen, "service_code: no service '%.64s' (see services.xml)", code);
        return 404;
    }
    int rc = s_location (self, err, errlen);
    if (!rc)
        rc = s_attributes (self, err, errlen);
    if (!rc)
        rc = s_contact (self, err, errlen);
    self->area = hl_o311_services_setting (services, "default_area");
    return rc;
}

//  The caller's name in the order its script writes it: 张三, John Smith.
static void
s_caller_name (hl_o311_post_t *self)
{
    const char *first = hl_o311_post_field (self, "first_name");
    const char *last = hl_o311_post_field (self, "last_name");
    int ascii = 1;
    for (const char *p = first; p && *p; p++)
        ascii &= (unsigned char) *p < 0x80;
    for (const char *p = last; p && *p; p++)
        ascii &= (unsigned char) *p < 0x80;
    const char *a = ascii ? first : last, *b = ascii ? last : first;
    hl_buf_printf (&self->name, "%s%s%s", a ? a : "", a && b && ascii ? " " : "", b ? b : "");
}

//  The description, then one line per attribute and the media link.
static void
s_content (hl_o311_post_t *self)
{
    const hl_o311_service_t *s = self->service;
    const char *description = hl_o311_post_field (self, "description");
    hl_buf_printf (&self->content, "%s", description ? description : s->name);
    for (size_t k = 0; k < s->n_attrs; k++) {
        const hl_o311_attr_t *a = &s->attrs[k];
        int first = 1;
        for (size_t i = 0; i < self->n_attrs; i++) {
            if (strcmp (self->attr[i].code, a->code) != 0)
                continue;
            if (strcmp (a->code, HL_O311_AREA_ATTR) == 0) {
                self->area = self->attr[i].value;
                continue;
            }
            const hl_o311_value_t *v = s_list_value (a, self->attr[i].value);
            if (first)
                hl_buf_printf (&self->content, "\n%s：", a->description);
            else
                hl_buf_puts (&self->content, "、");
            hl_buf_puts (&self->content, v ? v->name : self->attr[i].value);
            first = 0;
        }
    }
    const char *url = hl_o311_post_field (self, "media_url");
    if (url)
        hl_buf_printf (&self->content, "\n图片：%s", url);
}

//  BLAKE2b of the key's name and what identifies the request.
static void
s_request_id (hl_o311_post_t *self, const hl_o311_key_t *key, const char *client_id,
              time_t today)
{
    unsigned char hash[16];
    crypto_generichash_state st;
    crypto_generichash_init (&st, NULL, 0, sizeof hash);
    crypto_generichash_update (&st, (const unsigned char *) key->name, strlen (key->name) + 1);
    if (client_id)
        crypto_generichash_update (&st, (const unsigned char *) client_id, strlen (client_id));
    else {
        struct tm tm;
        char day[16];
        localtime_r (&today, &tm);
        strftime (day, sizeof day, "%Y-%m-%d", &tm);
        crypto_generichash_update (&st, (const unsigned char *) day, strlen (day) + 1);
        crypto_generichash_update (&st, (const unsigned char *) self->body, self->body_len);
    }
    crypto_generichash_final (&st, hash, sizeof hash);
    memcpy (self->rid, client_id ? "o311c" : "o311b", 5);
    for (int i = 0; i < 16; i++)
        snprintf (self->rid + 5 + 2 * i, 3, "%02x", hash[i]);
}

void
hl_o311_post_complaint (hl_o311_post_t *self, const hl_o311_key_t *key, const char *client_id,
                        time_t today, Hotline__Complaint *out, Hotline__GeoPoint *location)
{
    assert (self->service);
    hotline__complaint__init (out);
    hl_buf_reset (&self->content);
    hl_buf_reset (&self->name);
    hl_buf_reset (&self->ref);
    hl_buf_reset (&self->address);
    s_content (self);
    s_caller_name (self);
    s_request_id (self, key, client_id, today);
    out->has_channel = 1;
    out->channel = (Hotline__Channel) key->channel;
    out->has_request_type = 1;
    out->request_type = (Hotline__RequestType) self->service->request_type;
    out->has_category = 1;
    out->category = hl_wire_bytes (self->service->category);
    out->has_area = 1;
    out->area = hl_wire_bytes (self->area);
    out->has_content = 1;
    out->content = hl_wire_bytes (self->content.data);
    out->has_request_id = 1;
    out->request_id = hl_wire_bytes (self->rid);
    const char *phone = hl_o311_post_field (self, "phone");
    if (phone) {
        out->has_caller_phone = 1;
        out->caller_phone = hl_wire_bytes (phone);
    }
    else {
        out->has_anonymous = 1;
        out->anonymous = 1;
    }
    if (self->name.len) {
        out->has_caller_name = 1;
        out->caller_name = hl_wire_bytes (self->name.data);
    }
    const char *device = hl_o311_post_field (self, "device_id");
    const char *account = hl_o311_post_field (self, "account_id");
    hl_buf_printf (&self->ref, "open311 %s%s%s%s%s", key->name, device ? " d=" : "",
                   device ? device : "", account ? " a=" : "", account ? account : "");
    out->has_channel_ref = 1;
    out->channel_ref = hl_wire_bytes (self->ref.data);
    const char *street = hl_o311_post_field (self, "address_string");
    const char *address_id = hl_o311_post_field (self, "address_id");
    if (street)
        hl_buf_puts (&self->address, street);
    else
    if (address_id)
        hl_buf_printf (&self->address, "地址编号 %s", address_id);
    if (self->address.len) {
        out->has_address = 1;
        out->address = hl_wire_bytes (self->address.data);
    }
    if (hl_o311_post_field (self, "lat")) {
        hotline__geo_point__init (location);
        location->has_lat = location->has_lon = 1;
        location->lat = self->lat;
        location->lon = self->lon;
        out->location = location;
    }
}
