/*  hl_kbindex: bring the search index in line with a directory of articles.

    Every run reads all article files (*.md, in subdirectories too) and the
    synonyms file, and writes to the index only what changed: new and
    edited articles (by checksum), and articles whose file is gone. All
    changes are committed at once at the end, so readers see either the
    old or the new knowledge base, never a mix.

    A file that fails to parse is reported ("FILE:LINE: message") and
    skipped; the others are indexed. If that file's article was indexed
    before, the old version stays until the file is fixed, rather than
    vanishing from agents' answers because of a typo.
*/
#ifndef HL_KBINDEX_H_INCLUDED
#define HL_KBINDEX_H_INCLUDED

#include <stddef.h>

//  What a run did.
typedef struct {
    size_t added;               //  articles new to the index
    size_t updated;             //  articles changed since the last run
    size_t unchanged;           //  articles left as they were
    size_t deleted;             //  articles whose file is gone
    size_t kept;                //  old versions kept for files with errors
    size_t rejected;            //  files (or synonym lines) with errors
    size_t synonym_groups;      //  groups now in the index
    int synonyms_changed;       //  1 if the synonym table was rewritten
} hl_kbindex_stats_t;

//  Called with each problem found, as "FILE:LINE: message".
typedef void (hl_kbindex_report_fn) (const char *message, void *arg);

//  Index the articles under DIR into the index at DB_PATH (created if
//  missing), with synonym groups from SYNONYMS_PATH (NULL: none besides
//  the articles' own). Returns 0 when the index was updated (even if some
//  files were rejected: see stats), -1 with ERR set when nothing could be
//  committed.
int
    hl_kbindex_run (const char *dir, const char *db_path, const char *synonyms_path,
                    hl_kbindex_report_fn *report, void *arg,
                    hl_kbindex_stats_t *stats, char *err, size_t errlen);

#endif
