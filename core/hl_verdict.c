/*  hl_verdict: shared validation helpers. See hl_verdict.h. */
#include "hl_verdict.h"
#include "hl_text.h"

#include <stdio.h>
#include <string.h>

int
hl_verdict_fail (hl_verdict_t *v, Hotline__ErrorCode code, const char *field,
                 const char *message)
{
    v->code = code;
    v->field = field;
    snprintf (v->message, sizeof v->message, "%s: %s", field, message);
    return -1;
}

int
hl_verdict_text (hl_verdict_t *v, const char *field, int present, ProtobufCBinaryData data,
                 int required, int multiline, size_t max)
{
    if (!present || data.len == 0)
        return required ? hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, field,
                                           "required") : 0;
    if (data.len > max) {
        char msg[64];
        snprintf (msg, sizeof msg, "longer than %zu bytes", max);
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_FIELD_TOO_LONG, field, msg);
    }
    int rc = hl_text_check (data.data, data.len, multiline ? HL_TEXT_MULTILINE : 0, NULL);
    if (rc == HL_TEXT_BAD_UTF8)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, field, "not valid UTF-8");
    if (rc == HL_TEXT_CONTROL)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, field,
                                "contains NUL or control characters");
    return 0;
}

int
hl_verdict_enum (hl_verdict_t *v, const char *field, int present, int value,
                 const ProtobufCEnumDescriptor *desc)
{
    if (!present || value == 0)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, field, "required");
    if (!protobuf_c_enum_descriptor_get_value (desc, value))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, field,
                                "unknown value");
    return 0;
}

int
hl_verdict_code (hl_verdict_t *v, const char *field, int present, ProtobufCBinaryData data,
                 size_t max)
{
    if (!present || data.len == 0)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, field, "required");
    if (!hl_text_is_code (data.data, data.len, max))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, field,
                                "letters, digits, '-', '_' and '.' only");
    return 0;
}
