/*  hl_synonyms: groups of interchangeable words for search.

    A group is written as words separated by '/', e.g. "医保/医疗保险".
    Groups come from the knowledge base's synonyms file (one group a line,
    '#' starts a comment) and from the "synonyms" field of articles.
*/
#ifndef HL_SYNONYMS_H_INCLUDED
#define HL_SYNONYMS_H_INCLUDED

#include <stddef.h>

typedef struct hl_synonyms hl_synonyms_t;

//  Create an empty set of groups.
hl_synonyms_t *
    hl_synonyms_new (void);

//  Free the set and null the pointer.
void
    hl_synonyms_destroy (hl_synonyms_t **self_p);

//  Parse one group "a/b/c" and add it. Fails (adding nothing) when the
//  group has fewer than two words or a word is too long.
int
    hl_synonyms_add (hl_synonyms_t *self, const char *group,
                     char *err, size_t errlen);

//  Add every group of the file at PATH. A bad line is reported through
//  REPORT as "PATH:LINE: message" and skipped; returns the number of bad
//  lines, or -1 (with ERR set) if the file cannot be read.
typedef void (hl_synonyms_report_fn) (const char *message, void *arg);
int
    hl_synonyms_load (hl_synonyms_t *self, const char *path,
                      hl_synonyms_report_fn *report, void *arg,
                      char *err, size_t errlen);

//  Number of groups.
size_t
    hl_synonyms_size (const hl_synonyms_t *self);

//  Words of group INDEX; their number goes to *size.
const char *const *
    hl_synonyms_group (const hl_synonyms_t *self, size_t index, size_t *size);

#endif
