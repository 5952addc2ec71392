/*  hl_wire: shared wire helpers. See hl_wire.h. */
#include "hl_wire.h"
#include "hl_lifecycle.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static const char *s_channels[] = {
    NULL, "phone", "web", "app", "enterprise", "sms", "mailbox"
};
static const char *s_request_types[] = {
    NULL, "inquiry", "help", "complaint", "report", "suggestion", "thanks", "other"
};
static const char *s_request_labels[] = {
    NULL, "咨询", "求助", "投诉", "举报", "建议", "感谢", "其他"
};
static const char *s_return_reasons[] = {
    NULL, "wrong_area", "not_our_duty", "overlapping_duties", "other"
};
static const char *s_satisfactions[] = {
    NULL, "satisfied", "basically_satisfied", "unsatisfied"
};
static const char *s_vias[] = {
    NULL, "phone", "sms", "web"
};
static const char *s_dispositions[] = {
    NULL, "dispatch", "answered_directly", "transferred", "out_of_scope", "hold"
};

#define S_COUNT(a) ((int) (sizeof (a) / sizeof ((a)[0])))

static const char *
s_name (const char **table, int count, int value)
{
    return value > 0 && value < count ? table[value] : NULL;
}

static int
s_parse (const char **table, int count, const char *name)
{
    for (int i = 1; i < count; i++)
        if (strcmp (table[i], name) == 0)
            return i;
    return 0;
}

void
hl_wire_pack (const Hotline__Envelope *env, hl_buf_t *out)
{
    hl_buf_reset (out);
    hl_wire_pack_append (env, out);
}

size_t
hl_wire_pack_append (const Hotline__Envelope *env, hl_buf_t *out)
{
    size_t size = hotline__envelope__get_packed_size (env);
    hl_buf_reserve (out, size);
    hotline__envelope__pack (env, (uint8_t *) out->data + out->len);
    out->len += size;
    out->data[out->len] = 0;
    return size;
}

Hotline__Envelope *
hl_wire_unpack (const void *data, size_t len, size_t max_len, Hotline__ErrorCode *code)
{
    if (len > max_len) {
        *code = HOTLINE__ERROR_CODE__ERROR_TOO_LARGE;
        return NULL;
    }
    Hotline__Envelope *env = hotline__envelope__unpack (NULL, len, data);
    if (!env)
        *code = HOTLINE__ERROR_CODE__ERROR_BAD_FRAME;
    return env;
}

void
hl_wire_free (Hotline__Envelope **env_p)
{
    assert (env_p);
    if (*env_p)
        hotline__envelope__free_unpacked (*env_p, NULL);
    *env_p = NULL;
}

const char *
hl_wire_channel_name (int value)
{
    return s_name (s_channels, S_COUNT (s_channels), value);
}

const char *
hl_wire_request_type_name (int value)
{
    return s_name (s_request_types, S_COUNT (s_request_types), value);
}

const char *
hl_wire_request_type_label (int value)
{
    return s_name (s_request_labels, S_COUNT (s_request_labels), value);
}

//  States and actions are the lifecycle table's (core/lifecycle.json).
const char *
hl_wire_state_name (int value)
{
    const hl_lifecycle_state_t *s = hl_lifecycle_state (value);
    return s ? s->code : NULL;
}

const char *
hl_wire_state_label (int value)
{
    const hl_lifecycle_state_t *s = hl_lifecycle_state (value);
    return s ? s->zh : NULL;
}

//  Error names are the enum's own names without the prefix, lower case:
//  ERROR_BAD_UTF8 becomes "bad_utf8". They are part of the public
//  interface (scripts match on them), so they come from the descriptor
//  rather than a second hand-kept list.
const char *
hl_wire_error_name (int value)
{
    static char names[64][32];
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value (&hotline__error_code__descriptor, value);
    if (!v || value <= 0 || value >= 64)
        return NULL;
    char *out = names[value];
    if (!out[0]) {
        const char *src = v->name + strlen ("ERROR_");
        size_t i = 0;
        for (; src[i] && i < sizeof names[0] - 1; i++)
            out[i] = (char) (src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
        out[i] = 0;
    }
    return out;
}

int
hl_wire_channel_parse (const char *name)
{
    return s_parse (s_channels, S_COUNT (s_channels), name);
}

int
hl_wire_request_type_parse (const char *name)
{
    int v = s_parse (s_request_types, S_COUNT (s_request_types), name);
    return v ? v : s_parse (s_request_labels, S_COUNT (s_request_labels), name);
}

int
hl_wire_state_parse (const char *name)
{
    const hl_lifecycle_state_t *s = hl_lifecycle_state_named (name);
    return s ? s->wire : 0;
}

ProtobufCBinaryData
hl_wire_bytes (const char *str)
{
    ProtobufCBinaryData data = { strlen (str), (uint8_t *) str };
    return data;
}

char *
hl_wire_strdup (ProtobufCBinaryData data)
{
    char *s = malloc (data.len + 1);
    if (!s)
        abort ();
    if (data.len)
        memcpy (s, data.data, data.len);
    s[data.len] = 0;
    return s;
}

void *
hl_wire_copy (const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size (m);
    uint8_t *buf = malloc (len ? len : 1);
    if (!buf)
        abort ();
    protobuf_c_message_pack (m, buf);
    ProtobufCMessage *copy = protobuf_c_message_unpack (m->descriptor, NULL, len, buf);
    free (buf);
    if (!copy)
        abort ();
    return copy;
}

const char *
hl_wire_action_name (int value)
{
    const hl_lifecycle_action_t *a = hl_lifecycle_action (value);
    return a ? a->code : NULL;
}

int
hl_wire_action_parse (const char *name)
{
    const hl_lifecycle_action_t *a = hl_lifecycle_action_named (name);
    return a ? a->wire : 0;
}

const char *
hl_wire_return_reason_name (int value)
{
    return s_name (s_return_reasons, S_COUNT (s_return_reasons), value);
}

int
hl_wire_return_reason_parse (const char *name)
{
    return s_parse (s_return_reasons, S_COUNT (s_return_reasons), name);
}

const char *
hl_wire_satisfaction_name (int value)
{
    return s_name (s_satisfactions, S_COUNT (s_satisfactions), value);
}

int
hl_wire_satisfaction_parse (const char *name)
{
    return s_parse (s_satisfactions, S_COUNT (s_satisfactions), name);
}

const char *
hl_wire_via_name (int value)
{
    return s_name (s_vias, S_COUNT (s_vias), value);
}

int
hl_wire_via_parse (const char *name)
{
    return s_parse (s_vias, S_COUNT (s_vias), name);
}

const char *
hl_wire_disposition_name (int value)
{
    return s_name (s_dispositions, S_COUNT (s_dispositions), value);
}

int
hl_wire_disposition_parse (const char *name)
{
    return s_parse (s_dispositions, S_COUNT (s_dispositions), name);
}

//  The reverse of hl_wire_error_name, for codes that travel as text (the
//  Redis Functions answer with names).
int
hl_wire_error_parse (const char *name)
{
    for (int v = 1; v < 64; v++) {
        const char *n = hl_wire_error_name (v);
        if (n && strcmp (n, name) == 0)
            return v;
    }
    return 0;
}

int
hl_wire_retryable (int code)
{
    return code >= HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE
        && code != HOTLINE__ERROR_CODE__ERROR_CONFLICT;
}

void
hl_wire_nack (Hotline__Envelope *env, Hotline__Nack *nack, int code, const char *field,
              const char *message)
{
    hotline__nack__init (nack);
    nack->has_code = 1;
    nack->code = (Hotline__ErrorCode) code;
    nack->message = (char *) message;
    nack->has_retryable = 1;
    nack->retryable = hl_wire_retryable (code);
    nack->field = (char *) field;
    env->body_case = HOTLINE__ENVELOPE__BODY_NACK;
    env->nack = nack;
}
