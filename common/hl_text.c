/*  hl_text: UTF-8 and code validation. See hl_text.h. */
#include "hl_text.h"

#include <stdint.h>

//  Rejects overlong forms, UTF-16 surrogates and values above U+10FFFF,
//  as RFC 3629 asks.
size_t
hl_text_decode (const void *data, size_t n, uint32_t *cp)
{
    const uint8_t *p = data;
    uint8_t b = p[0];
    size_t len;
    uint32_t min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    else
    if ((b & 0xE0) == 0xC0) {
        len = 2; min = 0x80; *cp = b & 0x1F;
    }
    else
    if ((b & 0xF0) == 0xE0) {
        len = 3; min = 0x800; *cp = b & 0x0F;
    }
    else
    if ((b & 0xF8) == 0xF0) {
        len = 4; min = 0x10000; *cp = b & 0x07;
    }
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (p[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

static int
s_is_control (uint32_t cp, int flags)
{
    if ((flags & HL_TEXT_MULTILINE) && (cp == '\t' || cp == '\n' || cp == '\r'))
        return 0;
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

int
hl_text_check (const void *data, size_t len, int flags, size_t *chars)
{
    const uint8_t *p = data;
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        uint32_t cp;
        size_t n = hl_text_decode (p + i, len - i, &cp);
        if (n == 0)
            return HL_TEXT_BAD_UTF8;
        if (s_is_control (cp, flags))
            return HL_TEXT_CONTROL;
        i += n;
    }
    if (chars)
        *chars = count;
    return HL_TEXT_OK;
}

int
hl_text_is_code (const void *data, size_t len, size_t len_max)
{
    const uint8_t *p = data;
    if (len == 0 || len > len_max)
        return 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '.';
        if (!ok)
            return 0;
    }
    return 1;
}

size_t
hl_text_prefix (const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
        n--;
    return n;
}
