/*  hl_xapian: the knowledge base's full-text index, a C API over Xapian.

    This is the only place where the project touches C++. Everything here
    uses plain C types and opaque handles; every function catches every
    exception inside and reports failure as -1 (or NULL) with a message in
    the caller's ERR buffer, so no exception ever crosses into C.

    Three handles:
    - hl_kb_writer_t: the single writer. All changes made through one
      writer become visible to readers together, at hl_kb_writer_commit;
      destroying a writer without committing discards them.
    - hl_kb_t: a reader. It sees the index as of its last open or
      hl_kb_reopen. Not thread-safe: use one handle per thread.
    - hl_kb_tickets_t: the index of ticket texts used to find similar
      tickets (并单 suggestions, hotspots). It is the writer of its own
      database and searches it too, seeing its own uncommitted changes.
      Not thread-safe: one thread owns it.

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
typedef struct hl_kb_tickets hl_kb_tickets_t;
typedef struct hl_kb_similar hl_kb_similar_t;

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

//  ---------------------------------------------------------------------
//  Ticket texts, for similar tickets and hotspots

//  One ticket as handed to hl_kb_tickets_put. The index copies what it
//  needs; the caller keeps ownership of every pointer.
typedef struct {
    const char *ticket;             //  ticket number, unique (required)
    const char *text;               //  the caller's words (required)
    const char *area;               //  area code (required)
    const char *category;           //  category, or NULL
    int64_t created_ms;             //  when the ticket was received
} hl_kb_ticket_t;

//  What to look for. Zero-initialise and set what you need.
typedef struct {
    const char *ticket;             //  use this stored ticket's text and
                                    //  leave the ticket itself out; or NULL
    const char *text;               //  the text to match when ticket is NULL
    const char *area;               //  only this area; NULL: any
    const char *category;           //  only this category; NULL: any
    int64_t since_ms;               //  created at or after this time
    int64_t until_ms;               //  created at or before; 0: no limit
    int open_only;                  //  1: leave out forgotten tickets
    size_t limit;                   //  most results; 0: 10
    double min_score;               //  least similarity; 0: HL_KB_SIMILAR_MIN
    size_t excerpt_bytes;           //  excerpt length; 0: 120
} hl_kb_similar_query_t;

//  Default least similarity (see hl_kb_tickets_similar).
#define HL_KB_SIMILAR_MIN 0.18

//  One similar ticket. Strings belong to the results object.
typedef struct {
    const char *ticket;
    const char *area;
    const char *category;           //  "" if none
    const char *excerpt;            //  start of the text, whole characters
    const char *hotspot;            //  lead ticket of its hotspot, or ""
    int64_t created_ms;
    double score;                   //  similarity, 0 to 1
    int open;                       //  0 once forgotten
} hl_kb_similar_hit_t;

//  Open the ticket index at PATH for reading and writing, creating it if
//  missing. Fails when another process writes it.
hl_kb_tickets_t *
    hl_kb_tickets_new (const char *path, char *err, size_t errlen);

//  Close the index and null the pointer. Changes not committed are lost.
void
    hl_kb_tickets_destroy (hl_kb_tickets_t **self_p);

//  Add the ticket, or replace the stored one with the same number (so a
//  replay changes nothing). The ticket is open. A replaced ticket keeps
//  its hotspot; *hotspot (if not NULL) is set to 1 when it has one.
int
    hl_kb_tickets_put (hl_kb_tickets_t *self, const hl_kb_ticket_t *ticket,
                       int *hotspot, char *err, size_t errlen);

//  Mark the ticket closed (closed or merged): it is no longer suggested,
//  but still counts towards hotspots until pruned. A missing ticket is
//  not an error.
int
    hl_kb_tickets_forget (hl_kb_tickets_t *self, const char *ticket,
                          char *err, size_t errlen);

//  Record that the ticket belongs to the hotspot led by LEAD.
int
    hl_kb_tickets_set_hotspot (hl_kb_tickets_t *self, const char *ticket,
                               const char *lead, char *err, size_t errlen);

//  Delete closed tickets created before BEFORE_MS; *removed (if not NULL)
//  counts them.
int
    hl_kb_tickets_prune (hl_kb_tickets_t *self, int64_t before_ms,
                         size_t *removed, char *err, size_t errlen);

//  Make every change so far durable and visible to other processes.
int
    hl_kb_tickets_commit (hl_kb_tickets_t *self, char *err, size_t errlen);

//  Number of tickets in the index, open or closed, committed or not.
size_t
    hl_kb_tickets_size (hl_kb_tickets_t *self);

//  Find tickets similar to QUERY's ticket or text, most similar first.
//  A text's content is its Chinese characters (the commonest left out),
//  character pairs (filler such as 反映, 希望 left out) and Latin words
//  and numbers, each weighted by its rarity (inverse document frequency).
//  Between stored tickets, similarity is the smaller of the two shares of
//  each one's content found in the other; for a text, the share of the
//  text found in the ticket, which must reach twice QUERY->min_score.
//  Tickets below are not returned. A ticket number that is not stored
//  gives an error.
int
    hl_kb_tickets_similar (hl_kb_tickets_t *self, const hl_kb_similar_query_t *query,
                           hl_kb_similar_t **results, char *err, size_t errlen);

//  Number of similar tickets found.
size_t
    hl_kb_similar_size (const hl_kb_similar_t *self);

//  Similar ticket number INDEX (0-based, < size).
const hl_kb_similar_hit_t *
    hl_kb_similar_hit (const hl_kb_similar_t *self, size_t index);

//  Free the results and null the pointer.
void
    hl_kb_similar_destroy (hl_kb_similar_t **self_p);

//  Free a string returned by this API.
void
    hl_kb_free (void *ptr);

#ifdef __cplusplus
}
#endif

#endif
