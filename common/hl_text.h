/*  hl_text: validation of text that arrives from the network.
 *
 *  protobuf-c checks nothing about strings; every byte a citizen or a
 *  channel sends passes through here before it is stored or indexed.
 */
#ifndef HL_TEXT_H_INCLUDED
#define HL_TEXT_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  Results of hl_text_check().
enum {
    HL_TEXT_OK = 0,
    HL_TEXT_BAD_UTF8 = -1,     //  malformed, overlong, surrogate or > U+10FFFF
    HL_TEXT_CONTROL = -2,      //  NUL or a control character
};

//  Flags for hl_text_check().
enum {
    HL_TEXT_MULTILINE = 1      //  allow TAB, LF and CR (free text)
};

//  Check that DATA[0..len) is well-formed UTF-8 with no NUL and no control
//  characters (C0, DEL, C1) except TAB/LF/CR when MULTILINE is set. On
//  success stores the number of code points in *chars (if not NULL).
int hl_text_check (const void *data, size_t len, int flags, size_t *chars);

//  The code point at DATA (LEN bytes available) into *CP: its length in
//  bytes, or 0 if the bytes there are not well-formed UTF-8.
size_t hl_text_decode (const void *data, size_t len, uint32_t *cp);

//  True if DATA[0..len) is a plain code: ASCII letters, digits, '-', '_'
//  and '.', 1..len_max bytes.
int hl_text_is_code (const void *data, size_t len, size_t len_max);

//  The length of the longest prefix of S[0..len) of at most MAX bytes that
//  ends at a character boundary, so an excerpt never shows half a Chinese
//  character.
size_t hl_text_prefix (const char *s, size_t len, size_t max);

#endif
