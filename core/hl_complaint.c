/*  hl_complaint: intake validation. See hl_complaint.h. */
#include "hl_complaint.h"
#include "hl_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

//  A catalogue code: present, well-formed and listed.
static int
s_check_code (hl_complaint_verdict_t *v, const char *field, int present,
              ProtobufCBinaryData data, const hl_codes_t *codes, hl_codes_kind_t kind)
{
    if (!present || data.len == 0)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, field, "required");
    if (!hl_text_is_code (data.data, data.len, HL_CODE_MAX)
        || !hl_codes_lookup (codes, kind, (const char *) data.data, data.len))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, field,
                       "not in the catalogue (codes.conf)");
    return 0;
}

static int
s_check_caller (const Hotline__Complaint *c, hl_complaint_verdict_t *v)
{
    if (!c->has_caller_phone || c->caller_phone.len == 0) {
        if (c->anonymous)
            return 0;
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "caller_phone",
                       "required unless the request is anonymous");
    }
    char phone[HL_COMPLAINT_PHONE_MAX + 1];
    if (c->caller_phone.len > 64
        || hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone) < 0)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "caller_phone",
                       "not a phone number (5 to 20 digits, optional +, - and spaces)");
    return hl_verdict_text (v, "caller_name", c->has_caller_name, c->caller_name, 0, 0,
                         HL_COMPLAINT_NAME_MAX);
}

static int
s_check_location (const Hotline__Complaint *c, hl_complaint_verdict_t *v)
{
    if (hl_verdict_text (v, "address", c->has_address, c->address, 0, 0,
                      HL_COMPLAINT_ADDRESS_MAX))
        return -1;
    if (!c->location)
        return 0;
    const Hotline__GeoPoint *p = c->location;
    if (!p->has_lat || !p->has_lon || !isfinite (p->lat) || !isfinite (p->lon)
        || p->lat < -90 || p->lat > 90 || p->lon < -180 || p->lon > 180)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "location",
                       "needs lat in [-90, 90] and lon in [-180, 180] (WGS84)");
    return 0;
}

static int
s_check_enterprise (const Hotline__Complaint *c, hl_complaint_verdict_t *v)
{
    if (hl_verdict_text (v, "enterprise_name", c->has_enterprise_name, c->enterprise_name,
                      0, 0, HL_COMPLAINT_ENTERPRISE_NAME_MAX))
        return -1;
    if (!c->enterprise)
        return c->has_credit_code && c->credit_code.len
             ? hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "credit_code",
                       "given for a request not flagged as enterprise")
             : 0;
    if (!c->has_credit_code || c->credit_code.len == 0)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "credit_code",
                       "required for enterprise requests");
    if (!hl_complaint_credit_code_valid (c->credit_code.data, c->credit_code.len))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "credit_code",
                       "not a valid unified social credit code (18 characters, check digit)");
    return 0;
}

static int
s_check_content (const Hotline__Complaint *c, hl_complaint_verdict_t *v)
{
    if (hl_verdict_text (v, "content", c->has_content, c->content, 1, 1,
                      HL_COMPLAINT_CONTENT_MAX))
        return -1;
    size_t chars = 0;
    hl_text_check (c->content.data, c->content.len, HL_TEXT_MULTILINE, &chars);
    if (chars > HL_COMPLAINT_CONTENT_MAX_CHARS) {
        char msg[64];
        snprintf (msg, sizeof msg, "longer than %d characters", HL_COMPLAINT_CONTENT_MAX_CHARS);
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_FIELD_TOO_LONG, "content", msg);
    }
    return 0;
}

//  The request id must be printable ASCII: it becomes part of a Redis key.
static int
s_check_request_id (const Hotline__Complaint *c, hl_complaint_verdict_t *v)
{
    if (!c->has_request_id || c->request_id.len == 0)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "request_id",
                       "required (the key that makes resubmission safe)");
    if (c->request_id.len > HL_COMPLAINT_REQUEST_ID_MAX)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_FIELD_TOO_LONG, "request_id",
                       "longer than 64 bytes");
    for (size_t i = 0; i < c->request_id.len; i++)
        if (c->request_id.data[i] <= ' ' || c->request_id.data[i] >= 0x7F)
            return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "request_id",
                           "must be printable ASCII without spaces");
    return 0;
}

//  How intake disposes of the request: the closing dispositions carry what
//  the caller was told (note), the article used, or the emergency number.
static int
s_check_disposition (const Hotline__Complaint *c, hl_complaint_verdict_t *v)
{
    int d = c->has_disposition ? (int) c->disposition : 0;
    if (d && !protobuf_c_enum_descriptor_get_value (&hotline__disposition__descriptor, d))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "disposition",
                                "unknown value");
    if (hl_verdict_text (v, "note", c->has_note, c->note,
                         d == HOTLINE__DISPOSITION__DISPOSITION_OUT_OF_SCOPE, 1,
                         HL_COMPLAINT_CONTENT_MAX)
        || hl_verdict_text (v, "agent", c->has_agent, c->agent, 0, 0, 64))
        return -1;
    if ((c->has_article && c->article.len && hl_verdict_code (v, "article", 1, c->article, 64))
        || (c->has_tag && c->tag.len && hl_verdict_code (v, "tag", 1, c->tag, 31)))
        return -1;
    if (d == HOTLINE__DISPOSITION__DISPOSITION_ANSWERED_DIRECTLY
        && !(c->has_note && c->note.len) && !(c->has_article && c->article.len))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "note",
                                "an answered request needs the answer or the article");
    if (d == HOTLINE__DISPOSITION__DISPOSITION_TRANSFERRED
        && !hl_complaint_emergency_number (c->has_transfer_to ? c->transfer_to : 0))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "transfer_to",
                                "must be 110, 119, 120 or 122");
    return 0;
}

int
hl_complaint_emergency_number (unsigned number)
{
    return number == 110 || number == 119 || number == 120 || number == 122;
}

int
hl_complaint_check (const Hotline__Complaint *c, const hl_codes_t *codes,
                    hl_complaint_verdict_t *v)
{
    memset (v, 0, sizeof *v);
    if (s_check_request_id (c, v)
        || hl_verdict_enum (v, "channel", c->has_channel, c->channel,
                         &hotline__channel__descriptor)
        || hl_verdict_text (v, "channel_ref", c->has_channel_ref, c->channel_ref, 0, 0,
                         HL_COMPLAINT_REF_MAX)
        || hl_verdict_enum (v, "request_type", c->has_request_type, c->request_type,
                         &hotline__request_type__descriptor)
        || s_check_code (v, "category", c->has_category, c->category, codes,
                         HL_CODES_CATEGORY)
        || s_check_code (v, "area", c->has_area, c->area, codes, HL_CODES_AREA)
        || s_check_caller (c, v)
        || s_check_location (c, v)
        || s_check_enterprise (c, v)
        || s_check_content (c, v)
        || s_check_disposition (c, v))
        return -1;
    return 0;
}

int
hl_complaint_normalise_phone (const void *data, size_t len, char *out)
{
    const unsigned char *p = data;
    size_t n = 0, digits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = p[i];
        if (ch >= '0' && ch <= '9') {
            digits++;
            if (n >= HL_COMPLAINT_PHONE_MAX)
                return -1;
            out[n++] = (char) ch;
        }
        else
        if (ch == '+' && n == 0)
            out[n++] = '+';
        else
        if (ch != ' ' && ch != '-' && ch != '(' && ch != ')')
            return -1;
    }
    if (digits < 5 || digits > 20)
        return -1;
    out[n] = 0;
    return (int) n;
}

//  GB 32100-2015: 17 characters from a 31-symbol alphabet (digits and
//  capitals without I, O, Z, S, V), then a check character computed with
//  weights 3^i mod 31.
int
hl_complaint_credit_code_valid (const void *data, size_t len)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int weights[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24,
                                     10, 30, 28 };
    const char *p = data;
    if (len != 18)
        return 0;
    int sum = 0, value[18];
    for (int i = 0; i < 18; i++) {
        const char *at = p[i] ? strchr (alphabet, p[i]) : NULL;
        if (!at)
            return 0;
        value[i] = (int) (at - alphabet);
    }
    for (int i = 0; i < 17; i++)
        sum += value[i] * weights[i];
    int check = (31 - sum % 31) % 31;
    return value[17] == check;
}
