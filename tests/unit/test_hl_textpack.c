/*  Unit test of hl_textpack: packed Chinese text, read back as it was. */
#include "hl_test.h"
#include "hl_textpack.h"

#include <string.h>

//  TEXT packs (or not, as PACKED says) and reads back the same.
static int
s_round_trip (const char *text, int packed)
{
    hl_buf_t p = HL_BUF_INIT, back = HL_BUF_INIT;
    int ok = hl_textpack_encode (text, strlen (text), &p) == packed;
    if (ok && packed) {
        ok = hl_textpack_is_packed (p.data, p.len) && p.len < strlen (text)
             && memchr (p.data, 0, p.len) == NULL
             && hl_textpack_decode (p.data, p.len, &back) == 0
             && back.len == strlen (text) && memcmp (back.data, text, back.len) == 0;
    }
    hl_buf_free (&p);
    hl_buf_free (&back);
    return ok;
}

static void
test_round_trip (void)
{
    HL_CHECK (s_round_trip ("小区楼下夜间施工噪音扰民，已经持续两周，每晚十点后仍在施工。", 1));
    HL_CHECK (s_round_trip ("江城区东山路12号", 1));
    //  Every range edge, an escaped character (é, 😀), kana, “quotes”…—
    HL_CHECK (s_round_trip ("\xe3\x80\x80一龥鿿，～￯\xe2\x80\x80“引号”…—ひらがなカタカナé😀噪音噪音噪音噪音", 1));
    HL_CHECK (s_round_trip ("第1次来电：路灯\t不亮\n已三天", 1));
}

static void
test_not_worth_it (void)
{
    HL_CHECK (s_round_trip ("", 0));
    HL_CHECK (s_round_trip ("HB.03", 0));
    HL_CHECK (s_round_trip ("street light out since Monday", 0));
    HL_CHECK (s_round_trip ("😀😀😀", 0));           //  escapes cost more than they save
    HL_CHECK (!hl_textpack_is_packed ("噪音", 6));    //  plain UTF-8 is never taken for packed
    HL_CHECK (!hl_textpack_is_packed ("", 0));
}

static void
test_cut_short (void)
{
    const char *text = "噪音扰民😀";
    hl_buf_t p = HL_BUF_INIT, back = HL_BUF_INIT;
    HL_CHECK (hl_textpack_encode (text, strlen (text), &p) == 1);
    //  Mark, four pairs, escape and four bytes: 14. Every cut keeps the whole characters.
    HL_CHECK (p.len == 14);
    static const size_t whole[] = { 0, 0, 0, 3, 3, 6, 6, 9, 9, 12, 12, 12, 12, 12, 16 };
    for (size_t cut = 1; cut <= p.len; cut++) {
        HL_CHECK (hl_textpack_decode (p.data, cut, &back) == 0);
        HL_CHECK (back.len == whole[cut] && memcmp (back.data, text, back.len) == 0);
    }
    hl_buf_free (&p);
    hl_buf_free (&back);
}

static void
test_malformed (void)
{
    hl_buf_t back = HL_BUF_INIT;
    HL_CHECK (hl_textpack_decode ("\xfe\xf5\x01", 3, &back) == -1);     //  lead beyond the ranges
    HL_CHECK (hl_textpack_decode ("\xfe\xff\x41\x41\x41\x41", 6, &back) == -1);  //  escape of ASCII
    HL_CHECK (hl_textpack_decode ("\xfe" "ab", 3, &back) == 0 && strcmp (back.data, "ab") == 0);
    hl_buf_free (&back);
}

static const hl_test_case_t s_cases[] = {
    { "round_trip", test_round_trip }, { "not_worth_it", test_not_worth_it },
    { "cut_short", test_cut_short }, { "malformed", test_malformed },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
