/*  hl_top_text: terminal columns of UTF-8 text. See hl_top_text.h. */
#include "hl_top_text.h"

#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

//  Decodes one UTF-8 sequence at S; returns its length (1 for an invalid
//  byte, reported as U+FFFD) and the code point in *CP.
static int
s_decode (const unsigned char *s, uint32_t *cp)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
          : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0) {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t v = n == 1 ? s[0] : s[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

//  The East Asian wide and fullwidth ranges, for when wcwidth cannot
//  answer (a non-UTF-8 locale).
static int
s_wide (uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E)
        || (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF)
        || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF)
        || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF)
        || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60)
        || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F)
        || (cp >= 0x20000 && cp <= 0x3FFFD);
}

//  Control characters (which could move the cursor or change colours)
//  are shown as '?', one column.
static int
s_is_control (uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

//  Columns of one code point: wcwidth's answer, or the table's.
static int
s_cp_width (uint32_t cp)
{
    if (cp < 0x7F || s_is_control (cp))
        return 1;
    int w = wcwidth ((wchar_t) cp);
    if (w >= 0)
        return w;
    return s_wide (cp) ? 2 : 1;
}

static int
s_is_utf8 (void)
{
    const char *cs = nl_langinfo (CODESET);
    return cs && (strcasecmp (cs, "UTF-8") == 0 || strcasecmp (cs, "utf8") == 0);
}

//  The caller may run in the C locale (the hotline command does not
//  call setlocale); wcwidth needs a UTF-8 one to know CJK widths.
int
hl_top_text_utf8_locale (char *saved, size_t savedlen)
{
    const char *cur = setlocale (LC_CTYPE, NULL);
    snprintf (saved, savedlen, "%s", cur ? cur : "C");
    if (s_is_utf8 ())
        return 0;
    if (setlocale (LC_CTYPE, "") && s_is_utf8 ())
        return 0;
    if (setlocale (LC_CTYPE, "C.UTF-8") && s_is_utf8 ())
        return 0;
    setlocale (LC_CTYPE, saved);
    return -1;
}

//  Puts back the LC_CTYPE hl_top_text_utf8_locale replaced.
void
hl_top_text_restore_locale (const char *saved)
{
    if (saved && *saved)
        setlocale (LC_CTYPE, saved);
}

//  Sum of the columns of each character.
int
hl_top_text_width (const char *text)
{
    int w = 0;
    const unsigned char *s = (const unsigned char *) (text ? text : "");
    while (*s) {
        uint32_t cp;
        int n = s_decode (s, &cp);
        w += s_cp_width (cp);
        s += n;
    }
    return w;
}

//  Copies whole characters while they fit, so a wide character never
//  straddles the edge of a column; control characters and invalid bytes
//  become '?', so a name cannot steer the terminal.
void
hl_top_text_fit (hl_buf_t *out, const char *text, int cols, int right)
{
    if (cols <= 0)
        return;
    const char *t = text ? text : "";
    int w = hl_top_text_width (t);
    int room = w <= cols ? cols : cols - 1;
    if (right && w < cols)
        for (int i = w; i < cols; i++)
            hl_buf_puts (out, " ");
    int used = 0;
    const unsigned char *s = (const unsigned char *) t;
    while (*s) {
        uint32_t cp;
        int n = s_decode (s, &cp);
        int cw = s_cp_width (cp);
        if (used + cw > room)
            break;
        if (s_is_control (cp) || cp == 0xFFFD)
            hl_buf_puts (out, "?");
        else
            hl_buf_append (out, s, (size_t) n);
        used += cw;
        s += n;
    }
    if (w > cols) {
        hl_buf_puts (out, "…");
        used++;
    }
    if (!right || w > cols)
        for (; used < cols; used++)
            hl_buf_puts (out, " ");
}
