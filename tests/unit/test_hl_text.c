/*  Unit test of hl_text: UTF-8 and code validation. */
#include "hl_test.h"
#include "hl_text.h"

static void
test_utf8 (void)
{
    size_t n = 0;
    HL_CHECK (hl_text_check ("", 0, 0, &n) == HL_TEXT_OK && n == 0);
    HL_CHECK (hl_text_check ("噪音扰民 abc", 16, 0, &n) == HL_TEXT_OK && n == 8);
    HL_CHECK (hl_text_check ("😀", 4, 0, &n) == HL_TEXT_OK && n == 1);
    HL_CHECK (hl_text_check ("\xC3\x28", 2, 0, NULL) == HL_TEXT_BAD_UTF8);       //  bad continuation
    HL_CHECK (hl_text_check ("\xC0\xAF", 2, 0, NULL) == HL_TEXT_BAD_UTF8);       //  overlong '/'
    HL_CHECK (hl_text_check ("\xE0\x80\xAF", 3, 0, NULL) == HL_TEXT_BAD_UTF8);   //  overlong
    HL_CHECK (hl_text_check ("\xED\xA0\x80", 3, 0, NULL) == HL_TEXT_BAD_UTF8);   //  surrogate
    HL_CHECK (hl_text_check ("\xF4\x90\x80\x80", 4, 0, NULL) == HL_TEXT_BAD_UTF8); //  > U+10FFFF
    HL_CHECK (hl_text_check ("\xE5\x99", 2, 0, NULL) == HL_TEXT_BAD_UTF8);       //  truncated
    HL_CHECK (hl_text_check ("\xFF", 1, 0, NULL) == HL_TEXT_BAD_UTF8);
}

static void
test_controls (void)
{
    HL_CHECK (hl_text_check ("a\0b", 3, HL_TEXT_MULTILINE, NULL) == HL_TEXT_CONTROL);
    HL_CHECK (hl_text_check ("a\nb", 3, 0, NULL) == HL_TEXT_CONTROL);
    HL_CHECK (hl_text_check ("a\nb\tc\r", 6, HL_TEXT_MULTILINE, NULL) == HL_TEXT_OK);
    HL_CHECK (hl_text_check ("a\x1b[31m", 6, HL_TEXT_MULTILINE, NULL) == HL_TEXT_CONTROL);
    HL_CHECK (hl_text_check ("\x7f", 1, HL_TEXT_MULTILINE, NULL) == HL_TEXT_CONTROL);
    HL_CHECK (hl_text_check ("\xC2\x85", 2, HL_TEXT_MULTILINE, NULL) == HL_TEXT_CONTROL); //  C1 NEL
}

static void
test_codes (void)
{
    HL_CHECK (hl_text_is_code ("HB.03", 5, 32));
    HL_CHECK (hl_text_is_code ("441702", 6, 32));
    HL_CHECK (!hl_text_is_code ("", 0, 32));
    HL_CHECK (!hl_text_is_code ("a b", 3, 32));
    HL_CHECK (!hl_text_is_code ("区", 3, 32));
    HL_CHECK (!hl_text_is_code ("abcdef", 6, 5));
}

//  An excerpt ends at a character boundary, never inside one.
static void
test_prefix (void)
{
    HL_CHECK (hl_text_prefix ("路灯不亮", 12, 12) == 12);
    HL_CHECK (hl_text_prefix ("路灯不亮", 12, 7) == 6);
    HL_CHECK (hl_text_prefix ("路灯不亮", 12, 2) == 0);
    HL_CHECK (hl_text_prefix ("abc", 3, 2) == 2);
}

static const hl_test_case_t s_cases[] = {
    { "utf8", test_utf8 }, { "controls", test_controls }, { "codes", test_codes },
    { "prefix", test_prefix },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
