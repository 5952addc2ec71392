/*  hl_textpack: long Chinese text in two bytes a character, for the ticket store.
 *
 *  A complaint is mostly Chinese: three bytes a character in UTF-8, the
 *  largest part of a ticket's memory in Redis (bench/run-memory). Packed,
 *  the common characters (CJK, their punctuation, full-width forms,
 *  general punctuation) take two bytes, ASCII one, anything else its
 *  UTF-8 bytes and one more. A packed value starts with a byte UTF-8 never
 *  has (0xFE), so plain UTF-8 stored before (or not worth packing) reads
 *  back as it is. No packed byte is NUL.
 */
#ifndef HL_TEXTPACK_H_INCLUDED
#define HL_TEXTPACK_H_INCLUDED

#include "hl_buf.h"

#include <stddef.h>

//  Packs the UTF-8 text DATA[0..len) (no NUL: hl_text_check'ed) into OUT
//  (reset first): 1 if the packed form is shorter and is in OUT, 0 if the
//  text is better stored as it is (OUT is then empty).
int hl_textpack_encode (const void *data, size_t len, hl_buf_t *out);

//  Whether DATA[0..len) is a packed value.
int hl_textpack_is_packed (const void *data, size_t len);

//  The UTF-8 text of the packed value DATA[0..len) into OUT (reset
//  first): 0, or -1 if it is malformed. A value cut short (an excerpt of
//  its first bytes) gives the characters that are whole.
int hl_textpack_decode (const void *data, size_t len, hl_buf_t *out);

#endif
