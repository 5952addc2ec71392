/*  hl_tui_text: text as the terminal shows it. See hl_tui_text.h. */
#include "hl_tui_text.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_REPLACEMENT 0xFFFD

//  Decodes one UTF-8 sequence at DATA[0..len) into *cp; returns the bytes
//  it used (at least 1). Overlong forms, surrogates and values beyond
//  U+10FFFF are refused, as hotlined refuses them.
static size_t
s_decode_one (const unsigned char *data, size_t len, uint32_t *cp)
{
    unsigned char c = data[0];
    size_t need;
    uint32_t value, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0)      { need = 2; value = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { need = 3; value = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { need = 4; value = c & 0x07; min = 0x10000; }
    else {
        *cp = S_REPLACEMENT;
        return 1;
    }
    if (need > len) {
        *cp = S_REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((data[i] & 0xC0) != 0x80) {
            *cp = S_REPLACEMENT;
            return 1;
        }
        value = (value << 6) | (data[i] & 0x3F);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
        value = S_REPLACEMENT;
    *cp = value;
    return need;
}

size_t
hl_tui_text_decode (const char *data, size_t len, wchar_t *out, size_t max)
{
    const unsigned char *p = (const unsigned char *) data;
    size_t n = 0, at = 0;
    while (at < len && n < max) {
        uint32_t cp;
        at += s_decode_one (p + at, len - at, &cp);
        out[n++] = (wchar_t) cp;
    }
    return n;
}

wchar_t *
hl_tui_text_wcs (const char *data, size_t len, size_t *n)
{
    wchar_t *out = malloc ((len + 1) * sizeof *out);
    if (!out)
        abort ();
    size_t got = data ? hl_tui_text_decode (data, len, out, len) : 0;
    out[got] = 0;
    if (n)
        *n = got;
    return out;
}

//  Writes CP as UTF-8 at OUT (room for 4 bytes); returns the byte count.
static size_t
s_encode_one (uint32_t cp, char *out)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = S_REPLACEMENT;
    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char) (0xC0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char) (0xE0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char) (0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char) (0xF0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char) (0x80 | (cp & 0x3F));
    return 4;
}

char *
hl_tui_text_utf8 (const wchar_t *text, size_t n)
{
    char *out = malloc (n * 4 + 1);
    if (!out)
        abort ();
    size_t at = 0;
    for (size_t i = 0; i < n; i++)
        at += s_encode_one ((uint32_t) text[i], out + at);
    out[at] = 0;
    return out;
}

int
hl_tui_text_char_width (wchar_t c)
{
    if (c == 0)
        return 0;
    int w = wcwidth (c);
    if (w < 0)
        return 1;
    return w > 2 ? 2 : w;
}

int
hl_tui_text_width (const wchar_t *text, size_t n)
{
    int cols = 0;
    for (size_t i = 0; i < n; i++)
        cols += hl_tui_text_char_width (text[i]);
    return cols;
}

int
hl_tui_text_width_utf8 (const char *data, size_t len)
{
    size_t n;
    wchar_t *w = hl_tui_text_wcs (data, len, &n);
    int cols = hl_tui_text_width (w, n);
    free (w);
    return cols;
}

size_t
hl_tui_text_fit (const wchar_t *text, size_t n, int cols)
{
    int used = 0;
    size_t i = 0;
    while (i < n && text[i] != L'\n') {
        int w = hl_tui_text_char_width (text[i]);
        if (used + w > cols)
            break;
        used += w;
        i++;
    }
    return i;
}

size_t
hl_tui_text_wrap (const wchar_t *text, size_t n, int cols, size_t *starts, size_t max)
{
    assert (cols > 0);
    size_t lines = 0, at = 0;
    for (;;) {
        if (starts && lines < max)
            starts[lines] = at;
        lines++;
        size_t fit = hl_tui_text_fit (text + at, n - at, cols);
        if (fit == 0 && at < n && text[at] != L'\n')
            fit = 1;                //  a character wider than the line
        at += fit;
        if (at >= n)
            break;
        if (text[at] == L'\n')
            at++;                   //  the break belongs to no line
    }
    return lines;
}

int
hl_tui_text_contains (const char *hay, const char *needle)
{
    size_t hn = strlen (hay), nn = strlen (needle);
    if (nn == 0)
        return 1;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn && tolower ((unsigned char) hay[i + j]) == tolower ((unsigned char) needle[j]))
            j++;
        if (j == nn)
            return 1;
    }
    return 0;
}
