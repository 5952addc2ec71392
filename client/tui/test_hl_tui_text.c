/*  Unit test of hl_tui_text: UTF-8 in and out, display widths of mixed
 *  Chinese and Latin text, fitting and wrapping without splitting a
 *  double-width character. */
#include "hl_test.h"
#include "hl_tui_text.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static void
test_codec (void)
{
    wchar_t out[16];
    HL_CHECK (hl_tui_text_decode ("a噪音", strlen ("a噪音"), out, 16) == 3);
    HL_CHECK (out[0] == L'a' && out[1] == 0x566A && out[2] == 0x97F3);
    //  Malformed, overlong and surrogate forms become U+FFFD, one each.
    HL_CHECK (hl_tui_text_decode ("\xc3\x28", 2, out, 16) == 2 && out[0] == 0xFFFD
              && out[1] == L'(');
    HL_CHECK (hl_tui_text_decode ("\xc0\xaf", 2, out, 16) == 1 && out[0] == 0xFFFD);
    HL_CHECK (hl_tui_text_decode ("\xed\xa0\x80", 3, out, 16) == 1 && out[0] == 0xFFFD);
    HL_CHECK (hl_tui_text_decode ("\xe5\x99", 2, out, 16) == 2 && out[0] == 0xFFFD);
    //  MAX bounds the output.
    HL_CHECK (hl_tui_text_decode ("abcdef", 6, out, 4) == 4);

    size_t n;
    wchar_t *w = hl_tui_text_wcs ("路灯坏了 lamp", strlen ("路灯坏了 lamp"), &n);
    HL_CHECK (n == 9 && w[9] == 0);
    char *back = hl_tui_text_utf8 (w, n);
    HL_CHECK_STR (back, "路灯坏了 lamp");
    free (back);
    free (w);
    w = hl_tui_text_wcs (NULL, 0, &n);
    HL_CHECK (n == 0 && w[0] == 0);
    free (w);
    wchar_t bad[2] = { 0xD800, 0x110000 };
    back = hl_tui_text_utf8 (bad, 2);
    HL_CHECK_STR (back, "\xef\xbf\xbd\xef\xbf\xbd");
    free (back);
}

static void
test_width (void)
{
    HL_CHECK (hl_tui_text_char_width (L'a') == 1);
    HL_CHECK (hl_tui_text_char_width (0x566A) == 2);          //  噪
    HL_CHECK (hl_tui_text_char_width (0x0301) == 0);          //  combining acute
    HL_CHECK (hl_tui_text_char_width (0x07) == 1);            //  control: a placeholder
    HL_CHECK (hl_tui_text_width_utf8 ("噪音 noise", strlen ("噪音 noise")) == 10);
    HL_CHECK (hl_tui_text_width (L"12345", 5) == 5);
    HL_CHECK (hl_tui_text_contains ("Street LAMP 路灯", "lamp"));
    HL_CHECK (hl_tui_text_contains ("路灯坏了", "灯坏"));
    HL_CHECK (hl_tui_text_contains ("anything", ""));
    HL_CHECK (!hl_tui_text_contains ("路灯", "lamp"));
}

static void
test_fit_and_wrap (void)
{
    const wchar_t *t = L"ab噪音cd";
    HL_CHECK (hl_tui_text_fit (t, 6, 3) == 2);       //  "ab" + half of 噪: stop before it
    HL_CHECK (hl_tui_text_fit (t, 6, 4) == 3);
    HL_CHECK (hl_tui_text_fit (t, 6, 100) == 6);
    HL_CHECK (hl_tui_text_fit (L"ab\ncd", 5, 10) == 2);   //  a line break stops it

    size_t starts[8];
    //  8 columns of text in 3-column lines: "ab" | "噪" | "音c" | "d".
    HL_CHECK (hl_tui_text_wrap (t, 6, 3, starts, 8) == 4);
    HL_CHECK (starts[0] == 0 && starts[1] == 2 && starts[2] == 3 && starts[3] == 5);
    //  A '\n' ends a line and belongs to none; an empty text is one line.
    HL_CHECK (hl_tui_text_wrap (L"ab\n\ncd", 6, 10, starts, 8) == 3);
    HL_CHECK (starts[1] == 3 && starts[2] == 4);
    HL_CHECK (hl_tui_text_wrap (L"", 0, 10, starts, 8) == 1 && starts[0] == 0);
    //  STARTS may be NULL or short: the count is still right.
    HL_CHECK (hl_tui_text_wrap (t, 6, 3, NULL, 0) == 4);
    HL_CHECK (hl_tui_text_wrap (t, 6, 3, starts, 2) == 4);
}

static const hl_test_case_t s_cases[] = {
    { "codec", test_codec },
    { "width", test_width },
    { "fit_and_wrap", test_fit_and_wrap },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    //  Widths come from wcwidth, which needs a UTF-8 locale.
    if (!setlocale (LC_ALL, "C.UTF-8")) {
        fprintf (stderr, "no C.UTF-8 locale\n");
        return 1;
    }
    return hl_test_main (s_cases, argc, argv);
}
