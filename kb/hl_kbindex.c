/*  hl_kbindex: index a directory of articles. See hl_kbindex.h. */
#include "hl_kbindex.h"

#include "hl_article.h"
#include "hl_synonyms.h"
#include "hl_xapian.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

//  Metadata key of the fingerprint of the stored synonym groups.
#define META_SYNONYMS "hotline.synonyms"

//  A growable array of owned strings.
typedef struct {
    char **items;
    size_t size;
    size_t cap;
} s_strv_t;

//  A parsed article and the position of its file in the walk.
typedef struct {
    hl_article_t *article;
    size_t order;
} s_entry_t;

//  An article as found in the index.
typedef struct {
    char *id;
    char *checksum;
    char *source;
} s_stored_t;

//  State of one run.
typedef struct {
    const char *dir;
    hl_kbindex_report_fn *report;
    void *arg;
    hl_kbindex_stats_t *stats;
    s_strv_t files;             //  article files, relative to dir, sorted
    s_strv_t failed;            //  files that did not parse, sorted
    s_entry_t *entries;         //  parsed articles, sorted by id
    size_t entries_size;
    s_stored_t *stored;         //  the index's articles, sorted by id
    size_t stored_size;
    size_t stored_cap;
} s_run_t;

static void
s_strv_push (s_strv_t *self, const char *item)
{
    if (self->size == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 64;
        self->items = realloc (self->items, self->cap * sizeof *self->items);
        if (!self->items)
            abort ();
    }
    self->items[self->size] = strdup (item);
    if (!self->items[self->size])
        abort ();
    self->size++;
}

static void
s_strv_free (s_strv_t *self)
{
    for (size_t i = 0; i < self->size; i++)
        free (self->items[i]);
    free (self->items);
    memset (self, 0, sizeof *self);
}

static int
s_compare_str (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  qsort that accepts an empty (NULL) array.
static void
s_sort (void *base, size_t size, size_t width, int (*compare) (const void *, const void *))
{
    if (size)
        qsort (base, size, width, compare);
}

static void
s_report (s_run_t *self, const char *message)
{
    if (self->report)
        self->report (message, self->arg);
}

//  Write "A/B" (without the slash when either is empty) into BUF; -1 if
//  too long.
static int
s_join_path (char *buf, size_t size, const char *a, const char *b)
{
    int n = snprintf (buf, size, "%s%s%s", a, *a && *b ? "/" : "", b);
    return n < 0 || (size_t) n >= size ? -1 : 0;
}

//  True if NAME ends with ".md".
static int
s_is_article_name (const char *name)
{
    size_t len = strlen (name);
    return len > 3 && strcmp (name + len - 3, ".md") == 0;
}

//  Collect article files under dir/REL (REL "" for dir itself). Hidden
//  entries are skipped.
static int
s_walk (s_run_t *self, const char *rel, char *err, size_t errlen)
{
    char path[4096];
    if (s_join_path (path, sizeof path, self->dir, rel)) {
        snprintf (err, errlen, "%s/%s: path too long", self->dir, rel);
        return -1;
    }
    DIR *dir = opendir (path);
    if (!dir) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return -1;
    }
    int rc = 0;
    struct dirent *entry;
    while (rc == 0 && (entry = readdir (dir))) {
        if (entry->d_name[0] == '.')
            continue;
        char child[4096], full[4096];
        struct stat st;
        if (s_join_path (child, sizeof child, rel, entry->d_name)
        ||  s_join_path (full, sizeof full, self->dir, child)
        ||  stat (full, &st))
            continue;
        if (S_ISDIR (st.st_mode))
            rc = s_walk (self, child, err, errlen);
        else
        if (S_ISREG (st.st_mode) && s_is_article_name (entry->d_name))
            s_strv_push (&self->files, child);
    }
    closedir (dir);
    return rc;
}

static int
s_compare_entry (const void *a, const void *b)
{
    const s_entry_t *x = a, *y = b;
    int c = strcmp (hl_article_doc (x->article)->id, hl_article_doc (y->article)->id);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

//  Parse every file; report and remember the ones that fail.
static void
s_parse_all (s_run_t *self)
{
    self->entries = calloc (self->files.size + 1, sizeof *self->entries);
    if (!self->entries)
        abort ();
    for (size_t i = 0; i < self->files.size; i++) {
        char full[4096], err[600];
        hl_article_t *article = NULL;
        if (s_join_path (full, sizeof full, self->dir, self->files.items[i]) == 0)
            article = hl_article_load (full, self->files.items[i], err, sizeof err);
        else
            snprintf (err, sizeof err, "%s: path too long", self->files.items[i]);
        if (article)
            self->entries[self->entries_size++] = (s_entry_t) {article, i};
        else {
            char message[700];
            snprintf (message, sizeof message, "%s/%s", self->dir, err);
            s_report (self, message);
            s_strv_push (&self->failed, self->files.items[i]);
            self->stats->rejected++;
        }
    }
    s_sort (self->entries, self->entries_size, sizeof *self->entries, s_compare_entry);
}

//  Reject every article whose id an earlier file already uses.
static void
s_drop_duplicates (s_run_t *self)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->entries_size; i++) {
        hl_article_t *article = self->entries[i].article;
        const hl_kb_doc_t *doc = hl_article_doc (article);
        if (kept && strcmp (hl_article_doc (self->entries[kept - 1].article)->id, doc->id) == 0) {
            char message[700];
            snprintf (message, sizeof message, "%s/%s:%zu: id '%s' is already used by %s/%s",
                      self->dir, doc->source, hl_article_id_line (article), doc->id, self->dir,
                      hl_article_doc (self->entries[kept - 1].article)->source);
            s_report (self, message);
            hl_article_destroy (&article);
            self->stats->rejected++;
        }
        else
            self->entries[kept++] = self->entries[i];
    }
    self->entries_size = kept;
}

static int
s_collect_stored (const char *id, const char *checksum, const char *source, void *arg)
{
    s_run_t *self = arg;
    if (self->stored_size == self->stored_cap) {
        self->stored_cap = self->stored_cap ? self->stored_cap * 2 : 256;
        self->stored = realloc (self->stored, self->stored_cap * sizeof *self->stored);
        if (!self->stored)
            abort ();
    }
    s_stored_t *s = &self->stored[self->stored_size++];
    s->id = strdup (id);
    s->checksum = strdup (checksum);
    s->source = strdup (source);
    if (!s->id || !s->checksum || !s->source)
        abort ();
    return 0;
}

static int
s_compare_stored (const void *a, const void *b)
{
    return strcmp (((const s_stored_t *) a)->id, ((const s_stored_t *) b)->id);
}

//  True if SOURCE is a file that failed to parse in this run.
static int
s_source_failed (s_run_t *self, const char *source)
{
    return self->failed.size
        && bsearch (&source, self->failed.items, self->failed.size, sizeof (char *),
                    s_compare_str) != NULL;
}

//  Write new and changed articles, delete those whose file is gone: a
//  merge of the two lists sorted by id.
static int
s_apply (s_run_t *self, hl_kb_writer_t *writer, char *err, size_t errlen)
{
    size_t a = 0, s = 0;
    while (a < self->entries_size || s < self->stored_size) {
        const hl_kb_doc_t *doc = a < self->entries_size
                               ? hl_article_doc (self->entries[a].article) : NULL;
        const s_stored_t *old = s < self->stored_size ? &self->stored[s] : NULL;
        int c = !doc ? 1 : !old ? -1 : strcmp (doc->id, old->id);
        int rc = 0;
        if (c > 0) {
            if (s_source_failed (self, old->source))
                self->stats->kept++;
            else {
                rc = hl_kb_writer_delete (writer, old->id, err, errlen);
                self->stats->deleted++;
            }
            s++;
        }
        else
        if (c == 0 && strcmp (doc->checksum, old->checksum) == 0
        &&  strcmp (doc->source, old->source) == 0) {
            self->stats->unchanged++;
            a++, s++;
        }
        else {
            rc = hl_kb_writer_put (writer, doc, err, errlen);
            if (c == 0)
                self->stats->updated++, s++;
            else
                self->stats->added++;
            a++;
        }
        if (rc)
            return -1;
    }
    return 0;
}

//  Fingerprint of a list of groups, order included.
static uint64_t
s_fingerprint (const hl_synonyms_t *groups, uint64_t hash)
{
    for (size_t i = 0; i < hl_synonyms_size (groups); i++) {
        size_t size;
        const char *const *words = hl_synonyms_group (groups, i, &size);
        for (size_t j = 0; j < size; j++)
            hash = hl_article_hash (words[j], strlen (words[j]) + 1, hash);
        hash = hl_article_hash ("\n", 1, hash);
    }
    return hash;
}

static int
s_store_groups (hl_kb_writer_t *writer, const hl_synonyms_t *groups, char *err, size_t errlen)
{
    for (size_t i = 0; i < hl_synonyms_size (groups); i++) {
        size_t size;
        const char *const *words = hl_synonyms_group (groups, i, &size);
        if (hl_kb_writer_add_synonyms (writer, words, size, err, errlen))
            return -1;
    }
    return 0;
}

//  Rewrite the synonym table if the groups (file first, then articles in
//  id order) differ from those stored.
static int
s_sync_synonyms (s_run_t *self, hl_kb_writer_t *writer, const hl_synonyms_t *file,
                 char *err, size_t errlen)
{
    uint64_t hash = s_fingerprint (file, 0);
    self->stats->synonym_groups = hl_synonyms_size (file);
    for (size_t i = 0; i < self->entries_size; i++) {
        const hl_synonyms_t *groups = hl_article_synonyms (self->entries[i].article);
        hash = s_fingerprint (groups, hash);
        self->stats->synonym_groups += hl_synonyms_size (groups);
    }
    char fingerprint[32];
    snprintf (fingerprint, sizeof fingerprint, "%016" PRIx64, hash);
    char *stored;
    if (hl_kb_writer_get_meta (writer, META_SYNONYMS, &stored, err, errlen))
        return -1;
    int same = strcmp (stored, fingerprint) == 0;
    hl_kb_free (stored);
    if (same)
        return 0;
    self->stats->synonyms_changed = 1;
    if (hl_kb_writer_clear_synonyms (writer, err, errlen)
    ||  s_store_groups (writer, file, err, errlen))
        return -1;
    for (size_t i = 0; i < self->entries_size; i++)
        if (s_store_groups (writer, hl_article_synonyms (self->entries[i].article), err, errlen))
            return -1;
    return hl_kb_writer_set_meta (writer, META_SYNONYMS, fingerprint, err, errlen);
}

static void
s_synonym_report (const char *message, void *arg)
{
    s_run_t *self = arg;
    s_report (self, message);
}

static void
s_run_free (s_run_t *self)
{
    for (size_t i = 0; i < self->entries_size; i++)
        hl_article_destroy (&self->entries[i].article);
    free (self->entries);
    for (size_t i = 0; i < self->stored_size; i++) {
        free (self->stored[i].id);
        free (self->stored[i].checksum);
        free (self->stored[i].source);
    }
    free (self->stored);
    s_strv_free (&self->files);
    s_strv_free (&self->failed);
}

int
hl_kbindex_run (const char *dir, const char *db_path, const char *synonyms_path,
                hl_kbindex_report_fn *report, void *arg,
                hl_kbindex_stats_t *stats, char *err, size_t errlen)
{
    assert (dir && db_path && stats);
    memset (stats, 0, sizeof *stats);
    s_run_t run = {.dir = dir, .report = report, .arg = arg, .stats = stats};
    hl_synonyms_t *synonyms = hl_synonyms_new ();
    hl_kb_writer_t *writer = NULL;
    int rc = -1;
    if (synonyms_path) {
        int bad = hl_synonyms_load (synonyms, synonyms_path, s_synonym_report, &run,
                                    err, errlen);
        if (bad < 0)
            goto done;
        stats->rejected += (size_t) bad;
    }
    if (s_walk (&run, "", err, errlen))
        goto done;
    s_sort (run.files.items, run.files.size, sizeof (char *), s_compare_str);
    s_parse_all (&run);
    s_sort (run.failed.items, run.failed.size, sizeof (char *), s_compare_str);
    s_drop_duplicates (&run);

    char reason[512];
    writer = hl_kb_writer_new (db_path, reason, sizeof reason);
    if (!writer) {
        snprintf (err, errlen, "cannot open %s for writing: %s", db_path, reason);
        goto done;
    }
    if (hl_kb_writer_each (writer, s_collect_stored, &run, err, errlen))
        goto done;
    s_sort (run.stored, run.stored_size, sizeof *run.stored, s_compare_stored);
    if (s_apply (&run, writer, err, errlen)
    ||  s_sync_synonyms (&run, writer, synonyms, err, errlen)
    ||  hl_kb_writer_commit (writer, err, errlen))
        goto done;
    rc = 0;
done:
    hl_kb_writer_destroy (&writer);
    hl_synonyms_destroy (&synonyms);
    s_run_free (&run);
    return rc;
}
