/*  hl_textpack: long Chinese text in fewer bytes, for the ticket store.
 *
 *  A complaint is mostly Chinese: three bytes a character in UTF-8, the
 *  largest part of a ticket's memory in Redis (bench/run-memory). Two
 *  packed forms, each starting with a byte UTF-8 never has, so plain
 *  UTF-8 stored before (or not worth packing) reads back as it is:
 *
 *  - 0xFD, the 12-bit form: the 3,755 level-1 hanzi of
 *    GB2312 (~99.7 % of the characters of modern Chinese text), ASCII and
 *    the common full-width punctuation take one 12-bit code each, 1.5
 *    bytes; any other character an escape and its code point, two or three
 *    codes (3 or 4.5 bytes). The character table is generated at build
 *    time from glibc's iconv (tools/hl_gb2312.c): it is part of the stored
 *    format and never changes.
 *  - 0xFE, the two-byte form (layout 5): CJK, their punctuation,
 *    full-width forms and general punctuation in two bytes, ASCII one,
 *    anything else its UTF-8 bytes and one more. Written when it is the
 *    shorter (text mostly ASCII, or of characters the 12-bit form escapes);
 *    every value of it stored before reads back.
 *
 *  No packed byte is NUL: the store's list reader keeps the values it
 *  gathers as C strings (hl_store.c, s_gather).
 */
#ifndef HL_TEXTPACK_H_INCLUDED
#define HL_TEXTPACK_H_INCLUDED

#include "hl_buf.h"

#include <stddef.h>

//  Packs the UTF-8 text DATA[0..len) (no NUL: hl_text_check'ed) into OUT
//  (reset first) in the shorter of the two forms: 1 if that is shorter
//  than the text and is in OUT, 0 if the text is better stored as it is,
//  or is not well-formed UTF-8 without NUL (OUT is then empty).
int hl_textpack_encode (const void *data, size_t len, hl_buf_t *out);

//  Whether DATA[0..len) is a packed value.
int hl_textpack_is_packed (const void *data, size_t len);

//  The UTF-8 text of the packed value DATA[0..len) into OUT (reset
//  first): 0, or -1 if it is malformed. A value cut short (an excerpt of
//  its first bytes) gives the characters that are whole.
int hl_textpack_decode (const void *data, size_t len, hl_buf_t *out);

#endif
