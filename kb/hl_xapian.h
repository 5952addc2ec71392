/*  hl_xapian: the knowledge base's full-text index, a C API over Xapian.

    This is the only place where the project touches C++. Everything here
    uses plain C types and opaque handles; every function catches every
    exception inside and reports failure as -1 (or NULL) with a message in
    the caller's ERR buffer, so no exception ever crosses into C.

    Two handles:
    - hl_kb_writer_t: the single writer. All changes made through one
      writer become visible to readers together, at hl_kb_writer_commit;
      destroying a writer without committing discards them.
    - hl_kb_t: a reader. It sees the index as of its last open or
      hl_kb_reopen. Not thread-safe: use one handle per thread.

    Chinese text is indexed and queried as character n-grams. Queries are
    matched strictly first (every word must occur) and then relaxed (any
    word may occur, ranked by relevance) to fill the remaining places, so
    colloquial questions still find an answer. Synonym groups stored in the
    index are expanded at query time, also inside Chinese text.
*/
#ifndef HL_XAPIAN_H_INCLUDED
#define HL_XAPIAN_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hl_kb hl_kb_t;
typedef struct hl_kb_writer hl_kb_writer_t;
typedef struct hl_kb_results hl_kb_results_t;

//  One article as handed to the writer. The writer copies what it needs;
//  the caller keeps ownership of every pointer.
typedef struct {
    const char *id;                 //  unique article id (required)
    const char *title;              //  title (required)
    const char *unit;               //  responsible unit code (required)
    const char *const *categories;  //  category names
    size_t categories_size;
    const char *const *tags;        //  keywords callers use
    size_t tags_size;
    const char *body;               //  answer text, Markdown (required)
    int64_t valid_from;             //  unix seconds; 0: no start
    int64_t valid_until;            //  unix seconds, inclusive; 0: no end
    const char *updated;            //  date of last revision as written, or NULL
    const char *source;             //  file the article came from, or NULL
    const char *checksum;           //  content checksum, or NULL
} hl_kb_doc_t;

//  Search options. Zero-initialise and set what you need.
typedef struct {
    const char *unit;               //  only this unit's articles; NULL: any
    const char *category;           //  only this category; NULL: any
    int64_t now;                    //  validity is judged at this time
                                    //  (unix seconds); 0: the current time
    size_t limit;                   //  most results wanted; 0: 10
    size_t snippet_bytes;           //  snippet length in bytes; 0: 240
    const char *hi_start;           //  highlight start; NULL: "<b>"
    const char *hi_end;             //  highlight end; NULL: "</b>"
} hl_kb_query_t;

//  One search result. Strings belong to the results object.
typedef struct {
    const char *id;
    const char *title;
    const char *unit;
    const char *categories;         //  joined with ", "
    const char *tags;               //  joined with ", "
    const char *updated;            //  "" if the article gave none
    const char *source;             //  "" if unknown
    const char *body;               //  the full answer text
    const char *snippet;            //  HTML-escaped excerpt, matches highlighted
    double weight;                  //  relevance, larger is better
    int strict;                     //  1: every query word matched
} hl_kb_hit_t;

//  Called by hl_kb_writer_each for every stored article; return 0 to go on,
//  non-zero to stop.
typedef int (hl_kb_stored_fn) (const char *id, const char *checksum,
                               const char *source, void *arg);

//  ---------------------------------------------------------------------
//  Writer

//  Open the index at PATH for writing, creating it if missing. Fails when
//  another writer holds the index.
hl_kb_writer_t *
    hl_kb_writer_new (const char *path, char *err, size_t errlen);

//  Close the writer and null the pointer. Changes not committed are lost.
void
    hl_kb_writer_destroy (hl_kb_writer_t **self_p);

//  Add the article, or replace the stored one with the same id.
int
    hl_kb_writer_put (hl_kb_writer_t *self, const hl_kb_doc_t *doc,
                      char *err, size_t errlen);

//  Remove the article with this id; removing a missing id is not an error.
int
    hl_kb_writer_delete (hl_kb_writer_t *self, const char *id,
                         char *err, size_t errlen);

//  Call FN for every article in the index (as of this writer's changes).
int
    hl_kb_writer_each (hl_kb_writer_t *self, hl_kb_stored_fn *fn, void *arg,
                       char *err, size_t errlen);

//  Remove every synonym group.
int
    hl_kb_writer_clear_synonyms (hl_kb_writer_t *self, char *err, size_t errlen);

//  Store WORDS[0..size) as one group of interchangeable words.
int
    hl_kb_writer_add_synonyms (hl_kb_writer_t *self, const char *const *words,
                               size_t size, char *err, size_t errlen);

//  Read a metadata value into *value (malloc'd, free with hl_kb_free);
//  a missing key gives "".
int
    hl_kb_writer_get_meta (hl_kb_writer_t *self, const char *key, char **value,
                           char *err, size_t errlen);

//  Store a metadata value; it becomes visible with the next commit.
int
    hl_kb_writer_set_meta (hl_kb_writer_t *self, const char *key,
                           const char *value, char *err, size_t errlen);

//  Make every change so far visible to readers at once, durably. The
//  writer stays usable for further changes.
int
    hl_kb_writer_commit (hl_kb_writer_t *self, char *err, size_t errlen);

//  ---------------------------------------------------------------------
//  Reader

//  Open the index at PATH for searching.
hl_kb_t *
    hl_kb_new (const char *path, char *err, size_t errlen);

//  Close the reader and null the pointer.
void
    hl_kb_destroy (hl_kb_t **self_p);

//  Move to the latest committed state of the index.
int
    hl_kb_reopen (hl_kb_t *self, char *err, size_t errlen);

//  Number of articles in the index, valid or not.
size_t
    hl_kb_size (hl_kb_t *self);

//  Search for QUERY. OPTIONS may be NULL. On success *results holds the
//  hits, best first (possibly none); destroy it with hl_kb_results_destroy.
int
    hl_kb_search (hl_kb_t *self, const char *query, const hl_kb_query_t *options,
                  hl_kb_results_t **results, char *err, size_t errlen);

//  Number of hits.
size_t
    hl_kb_results_size (const hl_kb_results_t *self);

//  Hit number INDEX (0-based, < size).
const hl_kb_hit_t *
    hl_kb_results_hit (const hl_kb_results_t *self, size_t index);

//  Free the results and null the pointer.
void
    hl_kb_results_destroy (hl_kb_results_t **self_p);

//  Free a string returned by this API.
void
    hl_kb_free (void *ptr);

#ifdef __cplusplus
}
#endif

#endif
