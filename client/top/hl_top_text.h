/*  hl_top_text: terminal columns of UTF-8 text.
 *
 *  A Chinese character takes two columns of a terminal, an ASCII letter
 *  one, a combining mark none. `hotline top` lays out fixed-width columns
 *  of unit names such as 江城区城市管理和综合执法局, so it measures with
 *  wcwidth(3) (in a UTF-8 LC_CTYPE; East Asian wide ranges are used when
 *  the C library cannot tell) and never cuts a character in half.
 */
#ifndef HL_TOP_TEXT_H_INCLUDED
#define HL_TOP_TEXT_H_INCLUDED

#include "hl_buf.h"

//  Makes LC_CTYPE a UTF-8 one (the user's if it is, else C.UTF-8) so that
//  wcwidth knows Chinese. Returns the previous LC_CTYPE name in SAVED
//  (for hl_top_text_restore_locale) and 0, or -1 if none could be set.
int hl_top_text_utf8_locale (char *saved, size_t savedlen);
void hl_top_text_restore_locale (const char *saved);

//  Columns TEXT takes on a terminal (invalid bytes count one each).
int hl_top_text_width (const char *text);

//  Appends TEXT to OUT in exactly COLS columns: cut with "…" if wider,
//  padded with spaces if narrower (on the left when RIGHT is set).
void hl_top_text_fit (hl_buf_t *out, const char *text, int cols, int right);

#endif
