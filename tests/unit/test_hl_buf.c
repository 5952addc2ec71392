/*  Unit test of hl_buf and its JSON writer. */
#include "hl_buf.h"
#include "hl_test.h"

static void
test_buffer (void)
{
    hl_buf_t b = HL_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        hl_buf_printf (&b, "%d,", i);
    HL_CHECK (b.len == 3890 && b.data[b.len] == 0);
    HL_CHECK (strncmp (b.data, "0,1,2,", 6) == 0);
    hl_buf_reset (&b);
    HL_CHECK (b.len == 0 && b.data[0] == 0);
    hl_buf_append (&b, "a\0b", 3);
    HL_CHECK (b.len == 3);
    hl_buf_free (&b);
    HL_CHECK (b.data == NULL);
}

static void
test_json (void)
{
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_puts (&b, "{");
    hl_json_kv_str (&b, "t", "引号\"\\\n\t\x01", 11, 1);
    hl_json_kv_int (&b, "n", -42, 0);
    hl_json_kv_bool (&b, "ok", 1, 0);
    hl_buf_puts (&b, "}");
    HL_CHECK_STR (b.data, "{\"t\":\"引号\\\"\\\\\\n\\t\\u0001\",\"n\":-42,\"ok\":true}");
    //  Bytes that are not UTF-8 (a cut character, a stray byte, an
    //  overlong form) become U+FFFD; C1 controls are escaped.
    hl_buf_reset (&b);
    hl_json_str (&b, "a\xe8\xa1[\xff\xc0\xaf\xc2\x85\xe2\x82\xac", 12);
    HL_CHECK_STR (b.data, "\"a\\ufffd\\ufffd[\\ufffd\\ufffd\\ufffd\\u0085€\"");
    hl_buf_free (&b);
}

static const hl_test_case_t s_cases[] = {
    { "buffer", test_buffer }, { "json", test_json }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
