/*  Unit test of hl_textpack: packed Chinese text, read back as it was.
 *  glibc's iconv (EUC-CN) gives the level-1 hanzi here, independently of
 *  the table the build generated. */
#include "hl_test.h"
#include "hl_text.h"
#include "hl_textpack.h"

#include <assert.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_FORM12 0xFD            //  the 12-bit form's first byte
#define S_FORM16 0xFE            //  the two-byte form's (layout 5)

//  TEXT[0..len) packs (or not, as PACKED says) and reads back the same;
//  if FORM, in that form.
static int
s_round_trip_n (const char *text, size_t len, int packed, int form)
{
    hl_buf_t p = HL_BUF_INIT, back = HL_BUF_INIT;
    int ok = hl_textpack_encode (text, len, &p) == packed;
    if (ok && packed) {
        ok = hl_textpack_is_packed (p.data, p.len) && p.len < len
             && (!form || (uint8_t) p.data[0] == form)
             && memchr (p.data, 0, p.len) == NULL
             && hl_textpack_decode (p.data, p.len, &back) == 0
             && back.len == len && memcmp (back.data, text, len) == 0;
    }
    hl_buf_free (&p);
    hl_buf_free (&back);
    return ok;
}

static int
s_round_trip (const char *text, int packed, int form)
{
    return s_round_trip_n (text, strlen (text), packed, form);
}

//  The packed length of TEXT (0 if it is not packed).
static size_t
s_packed_len (const char *text, size_t len)
{
    hl_buf_t p = HL_BUF_INIT;
    size_t n = hl_textpack_encode (text, len, &p) ? p.len : 0;
    hl_buf_free (&p);
    return n;
}

//  CP as UTF-8 into OUT (4 bytes at least), by glibc's iconv; its length.
static size_t
s_utf8 (uint32_t cp, char *out)
{
    static iconv_t cd = (iconv_t) -1;
    if (cd == (iconv_t) -1)
        cd = iconv_open ("UTF-8", "UTF-32BE");
    assert (cd != (iconv_t) -1);
    char in[4] = { (char) (cp >> 24), (char) (cp >> 16), (char) (cp >> 8), (char) cp };
    char *ip = in, *op = out;
    size_t il = 4, ol = 4;
    size_t rc = iconv (cd, &ip, &il, &op, &ol);
    assert (rc != (size_t) -1);
    (void) rc;
    return 4 - ol;
}

//  The characters of GB2312 rows FIRST..LAST, as glibc reads them, as UTF-8
//  into OUT; how many.
static size_t
s_gb2312_rows (unsigned first, unsigned last, hl_buf_t *out)
{
    iconv_t cd = iconv_open ("UTF-8", "EUC-CN");
    HL_CHECK (cd != (iconv_t) -1);
    size_t n = 0;
    for (unsigned row = first; row <= last; row++)
        for (unsigned c = 0xA1; c <= 0xFE; c++) {
            char in[2] = { (char) (0xA0 + row), (char) c }, u[8];
            char *ip = in, *op = u;
            size_t il = 2, ol = sizeof u;
            iconv (cd, NULL, NULL, NULL, NULL);
            if (iconv (cd, &ip, &il, &op, &ol) != (size_t) -1)
                hl_buf_append (out, u, sizeof u - ol), n++;
        }
    iconv_close (cd);
    return n;
}

//  A 300-character complaint, like bench/memory's.
static void
s_complaint (hl_buf_t *out)
{
    hl_buf_reset (out);
    while (out->len < 900)
        hl_buf_puts (out, "小区楼下夜间施工噪音扰民，已经持续两周，每晚十点后仍在施工。");
    out->len = 900;
    out->data[900] = 0;
}

static void
test_round_trip (void)
{
    HL_CHECK (s_round_trip ("小区楼下夜间施工噪音扰民，已经持续两周，每晚十点后仍在施工。", 1, S_FORM12));
    HL_CHECK (s_round_trip ("江城区东山路12号", 1, S_FORM12));
    //  Characters the 12-bit form escapes (kana, level 2, é, 😀), “quotes”…—·
    HL_CHECK (s_round_trip ("\xe3\x80\x80一龥鿿，～￯\xe2\x80\x80“引号”…——·ひらがなカタカナé😀噪音噪音噪音噪音", 1, 0));
    HL_CHECK (s_round_trip ("第1次来电：路灯\t不亮\n已三天", 1, S_FORM12));
    //  300 characters: 450 bytes and the mark (UTF-8 900, the two-byte form 601).
    hl_buf_t text = HL_BUF_INIT;
    s_complaint (&text);
    HL_CHECK (s_round_trip (text.data, 1, S_FORM12));
    HL_CHECK (s_packed_len (text.data, text.len) == 451);
    hl_buf_free (&text);
}

//  Text of many characters the 12-bit form escapes: the two-byte form.
static void
test_shorter_form (void)
{
    HL_CHECK (s_round_trip ("ひらがなカタカナひらがな噪音", 1, S_FORM16));
    HL_CHECK (s_round_trip ("Room 1203, Building 5, 东山路12号", 1, S_FORM16));
    HL_CHECK (s_round_trip ("1203室，东山路东山路", 1, S_FORM12));
    //  Stored by layout 5 (the two-byte form): 噪音 (U+566A U+97F3), 12, an escaped é.
    hl_buf_t back = HL_BUF_INIT;
    HL_CHECK (hl_textpack_decode ("\xfe\xa6\x91\xe8\x5c" "12\xff\xc3\xa9", 10, &back) == 0);
    HL_CHECK_STR (back.data, "噪音12é");
    hl_buf_free (&back);
}

static void
test_not_worth_it (void)
{
    HL_CHECK (s_round_trip ("", 0, 0));
    HL_CHECK (s_round_trip ("HB.03", 0, 0));
    HL_CHECK (s_round_trip ("street light out since Monday", 0, 0));
    HL_CHECK (s_round_trip ("😀😀😀", 0, 0));        //  escapes cost more than they save
    HL_CHECK (s_round_trip_n ("噪\0音", 7, 0, 0));    //  NUL: stored as it is
    //  Control characters cost three bytes each in the 12-bit form (tests/fuzz).
    HL_CHECK (s_round_trip ("?\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11", 0, 0));
    HL_CHECK (s_round_trip_n ("噪音\xff噪音噪音", 16, 0, 0));   //  not UTF-8
    HL_CHECK (!hl_textpack_is_packed ("噪音", 6));    //  plain UTF-8 is never taken for packed
    HL_CHECK (!hl_textpack_is_packed ("", 0));
}

//  Every level-1 hanzi one code (1.5 bytes), alone and all together; rows
//  1 and 3 and ASCII too.
static void
test_level1 (void)
{
    hl_buf_t all = HL_BUF_INIT, one = HL_BUF_INIT;
    size_t count = s_gb2312_rows (16, 55, &all);
    HL_CHECK (count == 3755);
    int each = 1;
    for (size_t i = 0; i < all.len; i += 3) {
        hl_buf_reset (&one);
        for (int k = 0; k < 4; k++)
            hl_buf_append (&one, all.data + i, 3);
        each &= s_round_trip (one.data, 1, S_FORM12) && s_packed_len (one.data, one.len) == 7;
    }
    HL_CHECK (each);
    HL_CHECK (s_round_trip (all.data, 1, S_FORM12));
    HL_CHECK (s_packed_len (all.data, all.len) == 1 + (3755 * 3 + 1) / 2);
    size_t symbols = s_gb2312_rows (1, 1, &all) + s_gb2312_rows (3, 3, &all);
    HL_CHECK (symbols == 188);
    hl_buf_puts (&all, "·—\t\n\r");
    for (char c = ' '; c < 0x7F; c++)
        hl_buf_append (&all, &c, 1);
    size_t codes = 3755 + 188 + 2 + 3 + 95;
    HL_CHECK (s_round_trip (all.data, 1, S_FORM12));
    HL_CHECK (s_packed_len (all.data, all.len) == 1 + (codes * 3 + 1) / 2);
    //  The table is the stored format: its codes never change.
    hl_buf_t p = HL_BUF_INIT;
    HL_CHECK (hl_textpack_encode (all.data, all.len, &p) == 1);
    uint64_t hash = 14695981039346656037u;
    for (size_t i = 0; i < p.len; i++)
        hash = (hash ^ (uint8_t) p.data[i]) * 1099511628211u;
    printf ("the codes' fingerprint: %016llx\n", (unsigned long long) hash);
    HL_CHECK (hash == 0xa71c6772da31c495ull);
    hl_buf_free (&p);
    hl_buf_free (&all);
    hl_buf_free (&one);
}

//  Every code point of the BMP (but NUL and the surrogates), and planes
//  1-16 in steps, among level-1 hanzi so that the 12-bit form is taken.
static void
test_every_code_point (void)
{
    int ok = 1;
    char text[64];
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp += cp < 0x10000 ? 1 : 0xFF) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        size_t n = s_utf8 (cp, text);
        for (int k = 0; k < 8; k++)
            n += s_utf8 (0x566A, text + n);     //  噪
        n += s_utf8 (cp, text + n);
        ok &= s_round_trip_n (text, n, 1, S_FORM12);
    }
    HL_CHECK (ok);
    HL_CHECK (s_round_trip ("噪音噪音噪音噪音ô¿¿", 1, S_FORM12));     //  U+10FFFF
}

//  A value cut short after any byte gives the characters whose codes are
//  whole: a code is whole in a cut group of two bytes.
static void
test_cut_short (void)
{
    //  Pieces and their codes: ASCII and level 1 one, é two, 😀 three.
    static const struct { const char *utf8; size_t codes; } pieces[] = {
        { "噪", 1 }, { "音", 1 }, { "é", 2 }, { "扰", 1 }, { "😀", 3 }, { "a", 1 },
        { "民", 1 }, { "ひ", 2 }, { "，", 1 }, { "😀", 3 }, { "1", 1 },
    };
    size_t n_pieces = sizeof pieces / sizeof pieces[0];
    hl_buf_t text = HL_BUF_INIT, p = HL_BUF_INIT, back = HL_BUF_INIT;
    size_t codes = 0;
    for (size_t i = 0; i < n_pieces; i++)
        hl_buf_puts (&text, pieces[i].utf8), codes += pieces[i].codes;
    HL_CHECK (hl_textpack_encode (text.data, text.len, &p) == 1);
    HL_CHECK ((uint8_t) p.data[0] == S_FORM12 && p.len == 1 + (codes * 3 + 1) / 2);
    int ok = 1;
    for (size_t cut = 1; cut <= p.len; cut++) {
        size_t body = cut - 1;
        size_t whole_codes = body / 3 * 2 + (body % 3 == 2), expect = 0, seen = 0;
        for (size_t i = 0; i < n_pieces && (seen += pieces[i].codes) <= whole_codes; i++)
            expect += strlen (pieces[i].utf8);
        ok &= hl_textpack_decode (p.data, cut, &back) == 0 && back.len == expect
              && memcmp (back.data, text.data, expect) == 0;
    }
    HL_CHECK (ok);
    //  The two-byte form too (layout 5's values): 噪 whole, 音 not.
    HL_CHECK (hl_textpack_decode ("\xfe\xa6\x91\xe8\x5c", 3, &back) == 0 && back.len == 3);
    HL_CHECK (hl_textpack_decode ("\xfe\xa6\x91\xe8\x5c", 4, &back) == 0 && back.len == 3);
    hl_buf_free (&text);
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
    HL_CHECK (hl_textpack_decode ("\xfe" "a\0b", 4, &back) == -1);     //  NUL is never packed
    //  The 12-bit form: NUL, beyond the codes, unused codes, escapes out of range.
    HL_CHECK (hl_textpack_decode ("\xfd\x01\x00\x01", 4, &back) == -1);
    HL_CHECK (hl_textpack_decode ("\xfd\x01\x01\x00", 4, &back) == -1);
    HL_CHECK (hl_textpack_decode ("\xfd\xff\xff", 3, &back) == -1);    //  p = 65024
    HL_CHECK (hl_textpack_decode ("\xfd\x01\x10\xff", 4, &back) == -1);    //  b = 15 * 255 + 254
    HL_CHECK (hl_textpack_decode ("\xfd\xff\xef", 3, &back) == -1);    //  code 4063 (unused)
    //  The last BMP escape (4059) and 4063: U+10DDF, beyond the BMP.
    HL_CHECK (hl_textpack_decode ("\xfd\xff\xbe\xef", 4, &back) == -1);
    //  The astral escape (4060) with 4063, 4063: beyond U+10FFFF.
    HL_CHECK (hl_textpack_decode ("\xfd\xff\xce\xef\xff\xef", 6, &back) == -1);
    //  Escape 13 (4056) and 2464: U+D800, a surrogate.
    HL_CHECK (hl_textpack_decode ("\xfd\xff\x88\xaa", 4, &back) == -1);
    //  Code 0 alone: TAB.
    HL_CHECK (hl_textpack_decode ("\xfd\x01\x01", 3, &back) == 0 && strcmp (back.data, "\t") == 0);
    hl_buf_free (&back);
}

//  Random bytes after either mark: 0 or -1, never a crash, and what reads
//  back is UTF-8.
static void
test_random_bytes (void)
{
    uint32_t seed = 12345;
    uint8_t data[64];
    hl_buf_t back = HL_BUF_INIT;
    int ok = 1;
    for (int round = 0; round < 200000; round++) {
        size_t len = 1 + round % 63;
        data[0] = round % 2 ? S_FORM12 : S_FORM16;
        for (size_t i = 1; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            data[i] = (uint8_t) (seed >> 16);
        }
        int rc = hl_textpack_decode (data, len, &back);
        ok &= rc == -1 || (rc == 0 && hl_text_check (back.data, back.len, HL_TEXT_MULTILINE, NULL)
                                      != HL_TEXT_BAD_UTF8);
    }
    HL_CHECK (ok);
    hl_buf_free (&back);
}

static double
s_cpu_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

//  The CPU of a 300-character complaint, printed (bench/RESULTS.md).
static void
test_timing (void)
{
    hl_buf_t text = HL_BUF_INIT, p = HL_BUF_INIT, back = HL_BUF_INIT;
    s_complaint (&text);
    int rounds = 20000;
    double t0 = s_cpu_us ();
    for (int i = 0; i < rounds; i++)
        HL_CHECK (hl_textpack_encode (text.data, text.len, &p) == 1);
    double t1 = s_cpu_us ();
    for (int i = 0; i < rounds; i++)
        HL_CHECK (hl_textpack_decode (p.data, p.len, &back) == 0);
    double t2 = s_cpu_us ();
    printf ("300 characters, %zu -> %zu bytes: CPU encode %.2f us, decode %.2f us\n",
            text.len, p.len, (t1 - t0) / rounds, (t2 - t1) / rounds);
    hl_buf_free (&text);
    hl_buf_free (&p);
    hl_buf_free (&back);
}

static const hl_test_case_t s_cases[] = {
    { "round_trip", test_round_trip }, { "shorter_form", test_shorter_form },
    { "not_worth_it", test_not_worth_it }, { "level1", test_level1 },
    { "every_code_point", test_every_code_point }, { "cut_short", test_cut_short },
    { "malformed", test_malformed }, { "random_bytes", test_random_bytes },
    { "timing", test_timing },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
