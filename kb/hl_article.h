/*  hl_article: one knowledge-base article, parsed from its Markdown file.

    The file starts with a header between two "---" lines, one "key: value"
    a line (see docs/kb.md), followed by the answer text. Parsing checks
    every field; an error names the file and the line, as
    "FILE:LINE: message", so the author can fix it.
*/
#ifndef HL_ARTICLE_H_INCLUDED
#define HL_ARTICLE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "hl_synonyms.h"
#include "hl_xapian.h"

typedef struct hl_article hl_article_t;

//  Read and parse the article file PATH. NAME is used in messages and as
//  the article's source (NULL: PATH).
hl_article_t *
    hl_article_load (const char *path, const char *name, char *err, size_t errlen);

//  Parse an article from TEXT[0..len); NAME is used in messages.
hl_article_t *
    hl_article_parse (const char *name, const char *text, size_t len,
                      char *err, size_t errlen);

//  Free the article and null the pointer.
void
    hl_article_destroy (hl_article_t **self_p);

//  The article as a document for the index. Valid while the article lives.
const hl_kb_doc_t *
    hl_article_doc (const hl_article_t *self);

//  Synonym groups given by the article.
const hl_synonyms_t *
    hl_article_synonyms (const hl_article_t *self);

//  Line of the "id" field, for messages about the id.
size_t
    hl_article_id_line (const hl_article_t *self);

//  Parse "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" as China Standard Time (UTC+8,
//  the city's only time zone) into unix seconds. A date alone means its
//  first second, or its last one when END_OF_DAY is set.
int
    hl_article_parse_time (const char *text, int end_of_day, int64_t *seconds);

//  64-bit FNV-1a of DATA[0..len), continuing from HASH (start with 0).
uint64_t
    hl_article_hash (const void *data, size_t len, uint64_t hash);

#endif
