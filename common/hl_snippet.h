/*  hl_snippet: a knowledge-base snippet as a terminal shows it.
 *
 *  Snippets come from the index (kb/hl_xapian.h) HTML-escaped, with the
 *  matches between <b> and </b>, in the Markdown the article was written
 *  in. The command line and the agent's TUI show them as plain text on one
 *  line: highlights between the caller's BOLD and PLAIN strings (the
 *  terminal's bold, or "" for none), Markdown marks left out (**strong**,
 *  __strong__, `code`, "#" headings, "> " quotes, [text](url) as its
 *  text), the HTML entities decoded, and line breaks as single spaces.
 */
#ifndef HL_SNIPPET_H_INCLUDED
#define HL_SNIPPET_H_INCLUDED

#include "hl_buf.h"

#include <stddef.h>

//  Render the snippet DATA[0..len) into OUT (reset first; NUL-terminated).
void hl_snippet_render (const void *data, size_t len, const char *bold, const char *plain,
                        hl_buf_t *out);

#endif
