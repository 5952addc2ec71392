/*  Unit test of hl_wire: packing, safe unpacking and enum names. */
#include "hl_test.h"
#include "hl_wire.h"

#include <stdlib.h>
#include <string.h>

static void
test_roundtrip (void)
{
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_content = 1;
    c.content = hl_wire_bytes ("停水三天了");
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.has_version = 1;
    env.version = HL_WIRE_VERSION;
    env.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env.complaint = &c;
    hl_buf_t buf = HL_BUF_INIT;
    hl_wire_pack (&env, &buf);
    Hotline__ErrorCode code = 0;
    Hotline__Envelope *back = hl_wire_unpack (buf.data, buf.len, 1024, &code);
    HL_CHECK (back && back->body_case == HOTLINE__ENVELOPE__BODY_COMPLAINT);
    if (back) {
        char *text = hl_wire_strdup (back->complaint->content);
        HL_CHECK_STR (text, "停水三天了");
        free (text);
    }
    hl_wire_free (&back);
    HL_CHECK (back == NULL);
    HL_CHECK (!hl_wire_unpack (buf.data, buf.len, buf.len - 1, &code)
              && code == HOTLINE__ERROR_CODE__ERROR_TOO_LARGE);
    HL_CHECK (!hl_wire_unpack ("\xff\xff\xff", 3, 1024, &code)
              && code == HOTLINE__ERROR_CODE__ERROR_BAD_FRAME);
    HL_CHECK (!hl_wire_unpack (buf.data, buf.len - 2, 1024, &code));   //  truncated
    //  Appended after other bytes (a routing id), the same bytes follow them.
    hl_buf_t two = HL_BUF_INIT;
    hl_buf_append (&two, "id", 2);
    size_t len = hl_wire_pack_append (&env, &two);
    HL_CHECK (len == buf.len && two.len == 2 + len && memcmp (two.data, "id", 2) == 0
              && memcmp (two.data + 2, buf.data, len) == 0 && two.data[two.len] == 0);
    hl_buf_free (&two);
    hl_buf_free (&buf);
}

static void
test_names (void)
{
    HL_CHECK_STR (hl_wire_channel_name (HOTLINE__CHANNEL__CHANNEL_ENTERPRISE), "enterprise");
    HL_CHECK (hl_wire_channel_name (0) == NULL && hl_wire_channel_name (99) == NULL);
    HL_CHECK (hl_wire_channel_parse ("mailbox") == HOTLINE__CHANNEL__CHANNEL_MAILBOX);
    HL_CHECK (hl_wire_channel_parse ("fax") == 0);
    HL_CHECK (hl_wire_request_type_parse ("举报") == HOTLINE__REQUEST_TYPE__REQUEST_REPORT);
    HL_CHECK (hl_wire_request_type_parse ("report") == HOTLINE__REQUEST_TYPE__REQUEST_REPORT);
    HL_CHECK_STR (hl_wire_request_type_label (HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY), "咨询");
    HL_CHECK_STR (hl_wire_state_name (HOTLINE__STATE__STATE_TO_DISPATCH), "to_dispatch");
    HL_CHECK_STR (hl_wire_state_label (HOTLINE__STATE__STATE_CLOSED), "已办结");
    HL_CHECK (hl_wire_state_parse ("merged") == HOTLINE__STATE__STATE_MERGED);
    HL_CHECK_STR (hl_wire_error_name (HOTLINE__ERROR_CODE__ERROR_BAD_UTF8), "bad_utf8");
    HL_CHECK_STR (hl_wire_error_name (HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT), "store_timeout");
    HL_CHECK (hl_wire_error_name (0) == NULL && hl_wire_error_name (63) == NULL);
    HL_CHECK_STR (hl_wire_error_name (HOTLINE__ERROR_CODE__ERROR_LIMIT_REACHED), "limit_reached");
    HL_CHECK (hl_wire_error_parse ("too_late") == HOTLINE__ERROR_CODE__ERROR_TOO_LATE);
    HL_CHECK_STR (hl_wire_via_name (HOTLINE__VIA__VIA_SMS), "sms");
    HL_CHECK (hl_wire_via_parse ("web") == HOTLINE__VIA__VIA_WEB && hl_wire_via_parse ("fax") == 0);
}

static const hl_test_case_t s_cases[] = {
    { "roundtrip", test_roundtrip }, { "names", test_names }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
