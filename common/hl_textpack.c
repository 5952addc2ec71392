/*  hl_textpack: long Chinese text in two bytes a character.
 *  See hl_textpack.h. */
#include "hl_textpack.h"
#include "hl_text.h"

#include <assert.h>
#include <stdint.h>

#define S_MARK   0xFE            //  first byte of a packed value
#define S_ESCAPE 0xFF            //  the UTF-8 bytes of one character follow
#define S_LEAD   0x80            //  first lead byte of a two-byte character
#define S_TRAILS 255             //  trail bytes 1..255 (never NUL)

//  The ranges packed into two bytes, in index order: CJK symbols, kana and
//  the unified ideographs; full-width forms (，：？！); general punctuation
//  (“”…—).
static const struct { uint32_t first, count; } s_ranges[] = {
    { 0x3000, 0x7000 }, { 0xFF00, 0xF0 }, { 0x2000, 0x70 },
};
#define S_RANGES (sizeof s_ranges / sizeof s_ranges[0])

//  The two-byte index of code point CP, or -1 if it has none.
static long
s_index (uint32_t cp)
{
    long base = 0;
    for (size_t r = 0; r < S_RANGES; r++) {
        if (cp >= s_ranges[r].first && cp - s_ranges[r].first < s_ranges[r].count)
            return base + (long) (cp - s_ranges[r].first);
        base += (long) s_ranges[r].count;
    }
    return -1;
}

//  The code point of two-byte index I, or 0 if none has it.
static uint32_t
s_code_point (long i)
{
    for (size_t r = 0; r < S_RANGES; r++) {
        if (i < (long) s_ranges[r].count)
            return s_ranges[r].first + (uint32_t) i;
        i -= (long) s_ranges[r].count;
    }
    return 0;
}

//  CP as UTF-8 into OUT.
static void
s_put_utf8 (hl_buf_t *out, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80)
        b[0] = (uint8_t) cp, n = 1;
    else
    if (cp < 0x800)
        b[0] = (uint8_t) (0xC0 | cp >> 6), b[1] = (uint8_t) (0x80 | (cp & 0x3F)), n = 2;
    else
    if (cp < 0x10000)
        b[0] = (uint8_t) (0xE0 | cp >> 12), b[1] = (uint8_t) (0x80 | (cp >> 6 & 0x3F)),
        b[2] = (uint8_t) (0x80 | (cp & 0x3F)), n = 3;
    else
        b[0] = (uint8_t) (0xF0 | cp >> 18), b[1] = (uint8_t) (0x80 | (cp >> 12 & 0x3F)),
        b[2] = (uint8_t) (0x80 | (cp >> 6 & 0x3F)), b[3] = (uint8_t) (0x80 | (cp & 0x3F)), n = 4;
    hl_buf_append (out, b, n);
}

int
hl_textpack_encode (const void *data, size_t len, hl_buf_t *out)
{
    assert (data || !len);
    const uint8_t *s = data;
    hl_buf_reset (out);
    hl_buf_reserve (out, len + 1);
    uint8_t mark = S_MARK;
    hl_buf_append (out, &mark, 1);
    for (size_t i = 0; i < len && out->len < len;) {
        uint32_t cp;
        size_t n = hl_text_decode (s + i, len - i, &cp);
        long index = n ? s_index (cp) : -1;
        if (n == 0 || cp == 0) {
            hl_buf_reset (out);
            return 0;           //  not text this can carry: stored as it is
        }
        if (n == 1)
            hl_buf_append (out, s + i, 1);
        else
        if (index >= 0) {
            uint8_t pair[2] = { (uint8_t) (S_LEAD + index / S_TRAILS),
                                (uint8_t) (1 + index % S_TRAILS) };
            hl_buf_append (out, pair, 2);
        }
        else {
            uint8_t escape = S_ESCAPE;
            hl_buf_append (out, &escape, 1);
            hl_buf_append (out, s + i, n);
        }
        i += n;
    }
    if (out->len >= len) {
        hl_buf_reset (out);
        return 0;
    }
    return 1;
}

int
hl_textpack_is_packed (const void *data, size_t len)
{
    return len > 0 && *(const uint8_t *) data == S_MARK;
}

int
hl_textpack_decode (const void *data, size_t len, hl_buf_t *out)
{
    assert (hl_textpack_is_packed (data, len));
    const uint8_t *s = data;
    hl_buf_reset (out);
    hl_buf_reserve (out, len + len / 2 + 1);
    for (size_t i = 1; i < len;) {
        uint8_t b = s[i];
        if (b < S_LEAD) {
            hl_buf_append (out, s + i++, 1);
            continue;
        }
        if (i + 1 >= len)
            break;              //  cut short: the last character is not whole
        if (b == S_ESCAPE) {
            uint32_t cp;
            size_t n = hl_text_decode (s + i + 1, len - i - 1, &cp);
            if (n < 2 && len - i - 1 < 4)
                break;          //  cut short inside the character
            if (n < 2)
                return -1;
            hl_buf_append (out, s + i + 1, n);
            i += 1 + n;
            continue;
        }
        uint32_t cp = s[i + 1] ? s_code_point ((long) (b - S_LEAD) * S_TRAILS + s[i + 1] - 1) : 0;
        if (!cp)
            return -1;
        s_put_utf8 (out, cp);
        i += 2;
    }
    if (!out->data)
        hl_buf_append (out, "", 0);
    return 0;
}
