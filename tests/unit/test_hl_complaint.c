/*  Unit test of hl_complaint: the intake rules, without a daemon. */
#include "hl_complaint.h"
#include "hl_test.h"
#include "hl_wire.h"

static hl_codes_t *s_codes;

static void
s_valid (Hotline__Complaint *c)
{
    hotline__complaint__init (c);
    c->has_channel = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c->has_request_type = 1;
    c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY;
    c->has_category = 1;
    c->category = hl_wire_bytes ("SB.01");
    c->has_area = 1;
    c->area = hl_wire_bytes ("441702");
    c->has_caller_phone = 1;
    c->caller_phone = hl_wire_bytes ("0662-3388123");
    c->has_content = 1;
    c->content = hl_wire_bytes ("社保断缴了怎么补缴？");
    c->has_request_id = 1;
    c->request_id = hl_wire_bytes ("r1");
}

static int
s_verdict (const Hotline__Complaint *c, Hotline__ErrorCode code, const char *field)
{
    hl_complaint_verdict_t v;
    int rc = hl_complaint_check (c, s_codes, &v);
    if (code == 0)
        return rc == 0 && v.code == 0;
    return rc == -1 && v.code == code && v.field && strcmp (v.field, field) == 0
        && strstr (v.message, field) == v.message;
}

static void
test_rules (void)
{
    Hotline__Complaint c;
    s_valid (&c);
    HL_CHECK (s_verdict (&c, 0, NULL));
    //  Anonymous requests need no number.
    s_valid (&c);
    c.has_caller_phone = 0;
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "caller_phone"));
    c.anonymous = 1;
    HL_CHECK (s_verdict (&c, 0, NULL));
    //  Enterprise requests need a valid credit code, and only they may carry one.
    s_valid (&c);
    c.enterprise = 1;
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "credit_code"));
    c.has_credit_code = 1;
    c.credit_code = hl_wire_bytes ("91330100716105852F");
    HL_CHECK (s_verdict (&c, 0, NULL));
    c.enterprise = 0;
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "credit_code"));
    //  Point: both coordinates, in range.
    s_valid (&c);
    Hotline__GeoPoint pt = HOTLINE__GEO_POINT__INIT;
    pt.has_lat = 1;
    pt.lat = 21.8;
    c.location = &pt;
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "location"));
    pt.has_lon = 1;
    pt.lon = 111.9;
    HL_CHECK (s_verdict (&c, 0, NULL));
    pt.lon = 1.0 / 0.0;
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "location"));
    //  Lengths.
    s_valid (&c);
    static char name[200];
    memset (name, 'a', 199);
    c.has_caller_name = 1;
    c.caller_name = hl_wire_bytes (name);
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_FIELD_TOO_LONG, "caller_name"));
    s_valid (&c);
    c.has_channel_ref = 1;
    c.channel_ref = hl_wire_bytes ("line1\nline2");
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, "channel_ref"));
    s_valid (&c);
    c.content = hl_wire_bytes ("第一行\n第二行\t缩进");
    HL_CHECK (s_verdict (&c, 0, NULL));
    c.content = hl_wire_bytes ("");
    HL_CHECK (s_verdict (&c, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "content"));
}

static void
test_phone (void)
{
    char out[HL_COMPLAINT_PHONE_MAX + 1];
    HL_CHECK (hl_complaint_normalise_phone ("138 0013-8000", 13, out) == 11);
    HL_CHECK_STR (out, "13800138000");
    HL_CHECK (hl_complaint_normalise_phone ("+86 (662) 3388123", 17, out) > 0);
    HL_CHECK_STR (out, "+866623388123");
    HL_CHECK (hl_complaint_normalise_phone ("1234", 4, out) == -1);
    HL_CHECK (hl_complaint_normalise_phone ("12345x", 6, out) == -1);
    HL_CHECK (hl_complaint_normalise_phone ("12+345678", 9, out) == -1);
    HL_CHECK (hl_complaint_normalise_phone ("123456789012345678901", 21, out) == -1);
}

static void
test_credit_code (void)
{
    HL_CHECK (hl_complaint_credit_code_valid ("91330100716105852F", 18));
    HL_CHECK (hl_complaint_credit_code_valid ("91110000100010433L", 18));
    HL_CHECK (!hl_complaint_credit_code_valid ("91330100716105852G", 18));
    HL_CHECK (!hl_complaint_credit_code_valid ("91330100716105852", 17));
    HL_CHECK (!hl_complaint_credit_code_valid ("9133010071610585IF", 18));  //  I is not used
}

static const hl_test_case_t s_cases[] = {
    { "rules", test_rules }, { "phone", test_phone }, { "credit_code", test_credit_code },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    char err[256];
    s_codes = hl_codes_parse ("t", "[category]\nSB.01 社保\n[area]\n441702 江城区\n", err,
                              sizeof err);
    int rc = hl_test_main (s_cases, argc, argv);
    hl_codes_destroy (&s_codes);
    return rc;
}
