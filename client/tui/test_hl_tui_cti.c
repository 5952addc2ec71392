/*  Unit test of hl_tui_cti's decoder: what the phone system may send. */
#include "hl_test.h"
#include "hl_tui_cti.h"
#include "hotline.pb-c.h"

static size_t
s_pack (const char *caller, const char *line, const char *call_id, uint8_t *buf)
{
    Hotline__IncomingCall m = HOTLINE__INCOMING_CALL__INIT;
    if (caller) {
        m.has_caller = 1;
        m.caller = (ProtobufCBinaryData) { strlen (caller), (uint8_t *) caller };
    }
    if (line) {
        m.has_line = 1;
        m.line = (ProtobufCBinaryData) { strlen (line), (uint8_t *) line };
    }
    if (call_id) {
        m.has_call_id = 1;
        m.call_id = (ProtobufCBinaryData) { strlen (call_id), (uint8_t *) call_id };
    }
    return hotline__incoming_call__pack (&m, buf);
}

static void
test_decode (void)
{
    uint8_t buf[512];
    hl_tui_call_t c;
    size_t n = s_pack ("13800138000", "3", "call-1", buf);
    HL_CHECK (hl_tui_cti_decode (buf, n, &c) == 0);
    HL_CHECK_STR (c.caller, "13800138000");
    HL_CHECK_STR (c.line, "3");
    HL_CHECK_STR (c.call_id, "call-1");
    n = s_pack ("+8613800138000", NULL, NULL, buf);
    HL_CHECK (hl_tui_cti_decode (buf, n, &c) == 0 && c.line[0] == 0);
    const char *bad[] = { "12", "1380013800a", "138 0013", "123456789012345678901" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = s_pack (bad[i], NULL, NULL, buf);
        HL_CHECK (hl_tui_cti_decode (buf, n, &c) == -1 && c.caller[0] == 0);
    }
    n = s_pack (NULL, "3", NULL, buf);
    HL_CHECK (hl_tui_cti_decode (buf, n, &c) == -1);
    n = s_pack ("13800138000", "线路", NULL, buf);
    HL_CHECK (hl_tui_cti_decode (buf, n, &c) == -1);
    char long_id[100];
    memset (long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    n = s_pack ("13800138000", NULL, long_id, buf);
    HL_CHECK (hl_tui_cti_decode (buf, n, &c) == -1);
    HL_CHECK (hl_tui_cti_decode ("\xff\xff\xff", 3, &c) == -1);
}

static const hl_test_case_t s_cases[] = { { "decode", test_decode }, { NULL, NULL } };

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
