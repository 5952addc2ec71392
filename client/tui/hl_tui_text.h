/*  hl_tui_text: text as the terminal shows it.
 *
 *  The agent's screen holds Chinese and Latin text side by side. Text is
 *  kept as wide characters (one wchar_t per code point) while it is edited
 *  and converted to UTF-8 only at the wire. Display width follows wcwidth:
 *  a Han character takes two columns, a combining mark none, and a line is
 *  never cut in the middle of a double-width character. Nothing here draws;
 *  hl_tui_screen does that with these measures.
 */
#ifndef HL_TUI_TEXT_H_INCLUDED
#define HL_TUI_TEXT_H_INCLUDED

#include <stddef.h>
#include <wchar.h>

//  Decode LEN bytes of UTF-8 into OUT (at most MAX code points). Invalid
//  sequences become U+FFFD. Returns the number of code points written.
size_t hl_tui_text_decode (const char *data, size_t len, wchar_t *out, size_t max);

//  Decode into a fresh NUL-terminated wide string (caller frees); *n gets
//  its length when N is not NULL.
wchar_t *hl_tui_text_wcs (const char *data, size_t len, size_t *n);

//  Encode N code points as a fresh NUL-terminated UTF-8 string (caller
//  frees). Code points that cannot be encoded become U+FFFD.
char *hl_tui_text_utf8 (const wchar_t *text, size_t n);

//  Columns one character takes: 0 (combining), 1 or 2. Control and
//  unprintable characters count 1 (they are shown as a placeholder).
int hl_tui_text_char_width (wchar_t c);

//  Columns TEXT[0..n) takes on one line.
int hl_tui_text_width (const wchar_t *text, size_t n);

//  Columns the UTF-8 string takes on one line.
int hl_tui_text_width_utf8 (const char *data, size_t len);

//  How many characters of TEXT[0..n) fit in COLS columns without splitting
//  a double-width character (stops at a line break too).
size_t hl_tui_text_fit (const wchar_t *text, size_t n, int cols);

//  Break TEXT[0..n) into display lines of at most COLS columns, at line
//  breaks and where the next character would not fit. Stores up to MAX
//  line start offsets in STARTS (may be NULL) and returns the number of
//  lines (at least 1). A line ends where the next one starts, or at a
//  '\n' which belongs to no line.
size_t hl_tui_text_wrap (const wchar_t *text, size_t n, int cols, size_t *starts, size_t max);

//  Case-insensitive (ASCII) substring test on UTF-8: does HAY contain
//  NEEDLE? An empty needle matches everything.
int hl_tui_text_contains (const char *hay, const char *needle);

#endif
