/*  kb: knowledge-base index benchmark on synthetic articles.

    kb [--docs N] [--queries N] [--db PATH] [--search-only] [--eval FILE]...

    Builds an index of N synthetic articles (default 5000; the documented
    large run is --docs 100000), composed from the vocabulary of the sample
    knowledge base (titles, tags, categories of kb/articles), then runs
    search queries of two or three such words, some wrapped in colloquial
    phrasing. Prints the indexing rate, index size, query latency p50/p99
    (top 10 with snippets) and queries per second on one thread. With
    --search-only, the index at --db is reused and only queries are run.

    With --eval FILE (an evaluation file as for kb-eval, query<TAB>id; may
    be given several times), the sample articles of kb/articles and the
    synonym groups of kb/synonyms.txt are first added to the index at --db,
    then each file's queries are run against the whole index: recall@1,
    recall@5 and MRR of callers' questions among the synthetic articles
    (strong distractors: they are made of the same words), and the
    latency of those questions. This changes the index (synonym groups
    apply to every later search), so use a copy of the benchmark index.
*/
#include "hl_article.h"
#include "hl_synonyms.h"
#include "hl_xapian.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define WORDS_MAX 8192
#define EVAL_MAX 4
#define RANK_MAX 10

static char *s_words[WORDS_MAX];
static size_t s_words_size;
static uint64_t s_seed = 88172645463325252ULL;

//  xorshift64: fast, deterministic, good enough to pick words.
static size_t
s_random (size_t n)
{
    s_seed ^= s_seed << 13;
    s_seed ^= s_seed >> 7;
    s_seed ^= s_seed << 17;
    return (size_t) (s_seed % n);
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
s_add_word (const char *word)
{
    if (s_words_size < WORDS_MAX && strlen (word) >= 6)
        s_words[s_words_size++] = strdup (word);
}

//  Collect the vocabulary from the articles under DIR (recursively).
static void
s_load_vocabulary (const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir (d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        if (snprintf (path, sizeof path, "%s/%s", dir, e->d_name) >= (int) sizeof path)
            continue;
        struct stat st;
        if (stat (path, &st))
            continue;
        if (S_ISDIR (st.st_mode)) {
            s_load_vocabulary (path);
            continue;
        }
        char err[512];
        hl_article_t *a = hl_article_load (path, NULL, err, sizeof err);
        if (!a)
            continue;
        const hl_kb_doc_t *doc = hl_article_doc (a);
        for (size_t i = 0; i < doc->tags_size; i++)
            s_add_word (doc->tags[i]);
        for (size_t i = 0; i < doc->categories_size; i++)
            s_add_word (doc->categories[i]);
        hl_article_destroy (&a);
    }
    closedir (d);
}

//  Append random words to BUF until it holds about CHARS bytes.
static void
s_compose (char *buf, size_t size, size_t chars, const char *joiner)
{
    size_t len = 0;
    buf[0] = 0;
    while (len < chars && len + 64 < size) {
        const char *w = s_words[s_random (s_words_size)];
        len += (size_t) snprintf (buf + len, size - len, "%s%s", len ? joiner : "", w);
    }
}

static int
s_compare_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static long long
s_du (const char *dir)
{
    long long total = 0;
    DIR *d = opendir (dir);
    struct dirent *e;
    while (d && (e = readdir (d))) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] != '.'
        &&  snprintf (path, sizeof path, "%s/%s", dir, e->d_name) < (int) sizeof path
        &&  stat (path, &st) == 0)
            total += st.st_size;
    }
    if (d)
        closedir (d);
    return total;
}

//  Build a fresh index of DOCS synthetic articles at DB, committing every
//  10,000; returns the seconds taken, or -1.
static double
s_build (const char *db, long docs)
{
    char cmd[4200];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", db);
    if (system (cmd) != 0)
        return -1;
    static const char *const units[] = {"rsj", "ybj", "gaj", "zjj", "cgj", "scjgj", "gjj", "jyj"};
    char err[512], id[32], title[256], tags[256], body[2048];
    hl_kb_writer_t *w = hl_kb_writer_new (db, err, sizeof err);
    if (!w) {
        fprintf (stderr, "kb: %s\n", err);
        return -1;
    }
    double t0 = s_now ();
    for (long i = 0; i < docs; i++) {
        snprintf (id, sizeof id, "syn-%ld", i);
        s_compose (title, sizeof title, 30, "");
        s_compose (tags, sizeof tags, 40, ",");
        s_compose (body, sizeof body, 900, "，");
        const char *cat = s_words[s_random (s_words_size)];
        const char *tag_list[] = {tags};
        hl_kb_doc_t doc = {
            .id = id, .title = title, .unit = units[i % 8], .body = body,
            .categories = &cat, .categories_size = 1, .tags = tag_list, .tags_size = 1,
        };
        if (hl_kb_writer_put (w, &doc, err, sizeof err)
        ||  ((i + 1) % 10000 == 0 && hl_kb_writer_commit (w, err, sizeof err))) {
            fprintf (stderr, "kb: %s\n", err);
            hl_kb_writer_destroy (&w);
            return -1;
        }
    }
    if (hl_kb_writer_commit (w, err, sizeof err)) {
        fprintf (stderr, "kb: %s\n", err);
        hl_kb_writer_destroy (&w);
        return -1;
    }
    hl_kb_writer_destroy (&w);
    return s_now () - t0;
}

//  Write the articles under DIR (recursively) and their synonym groups
//  with W; returns the number written, or -1.
static long
s_put_articles (hl_kb_writer_t *w, const char *dir)
{
    DIR *d = opendir (dir);
    if (!d)
        return 0;
    long written = 0;
    struct dirent *e;
    while (written >= 0 && (e = readdir (d))) {
        char path[4096], err[512];
        struct stat st;
        if (e->d_name[0] == '.'
        ||  snprintf (path, sizeof path, "%s/%s", dir, e->d_name) >= (int) sizeof path
        ||  stat (path, &st))
            continue;
        if (S_ISDIR (st.st_mode)) {
            long n = s_put_articles (w, path);
            written = n < 0 ? -1 : written + n;
            continue;
        }
        hl_article_t *a = hl_article_load (path, NULL, err, sizeof err);
        if (!a)
            continue;
        const hl_synonyms_t *groups = hl_article_synonyms (a);
        int rc = hl_kb_writer_put (w, hl_article_doc (a), err, sizeof err);
        for (size_t i = 0; rc == 0 && groups && i < hl_synonyms_size (groups); i++) {
            size_t size;
            const char *const *words = hl_synonyms_group (groups, i, &size);
            rc = hl_kb_writer_add_synonyms (w, words, size, err, sizeof err);
        }
        hl_article_destroy (&a);
        if (rc) {
            fprintf (stderr, "kb: %s: %s\n", path, err);
            written = -1;
        }
        else
            written++;
    }
    closedir (d);
    return written;
}

//  Add the sample knowledge base (articles and synonym groups) to DB.
static int
s_add_sample (const char *db)
{
    char err[512];
    hl_kb_writer_t *w = hl_kb_writer_new (db, err, sizeof err);
    if (!w) {
        fprintf (stderr, "kb: %s\n", err);
        return -1;
    }
    hl_synonyms_t *groups = hl_synonyms_new ();
    int rc = hl_synonyms_load (groups, KB_SOURCE_DIR "/synonyms.txt", NULL, NULL,
                               err, sizeof err) < 0 ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < hl_synonyms_size (groups); i++) {
        size_t size;
        const char *const *words = hl_synonyms_group (groups, i, &size);
        rc = hl_kb_writer_add_synonyms (w, words, size, err, sizeof err);
    }
    hl_synonyms_destroy (&groups);
    if (rc == 0 && s_put_articles (w, KB_SOURCE_DIR "/articles") < 0)
        rc = -1;
    else
    if (rc == 0)
        rc = hl_kb_writer_commit (w, err, sizeof err);
    if (rc)
        fprintf (stderr, "kb: %s\n", err);
    hl_kb_writer_destroy (&w);
    return rc;
}

//  1-based rank of the first hit whose id is in WANTED (comma-separated),
//  or 0 if none is in the results.
static int
s_rank (const hl_kb_results_t *results, const char *wanted)
{
    for (size_t i = 0; i < hl_kb_results_size (results); i++) {
        const char *id = hl_kb_results_hit (results, i)->id;
        size_t n = strlen (id);
        for (const char *p = strstr (wanted, id); p; p = strstr (p + 1, id))
            if ((p == wanted || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
                return (int) i + 1;
    }
    return 0;
}

//  Run the evaluation queries of FILE against KB: quality and latency.
static int
s_eval (hl_kb_t *kb, const char *file)
{
    FILE *f = fopen (file, "r");
    if (!f) {
        fprintf (stderr, "kb: cannot open %s\n", file);
        return -1;
    }
    hl_kb_query_t q = {.limit = RANK_MAX};
    double lat[4096];
    size_t total = 0, at1 = 0, at5 = 0;
    double rr = 0;
    char line[2048], err[512];
    while (total < 4096 && fgets (line, sizeof line, f)) {
        line[strcspn (line, "\r\n")] = 0;
        char *tab = strchr (line, '\t');
        if (line[0] == '#' || !tab)
            continue;
        *tab = 0;
        hl_kb_results_t *r;
        double qs = s_now ();
        if (hl_kb_search (kb, line, &q, &r, err, sizeof err)) {
            fprintf (stderr, "kb: '%s': %s\n", line, err);
            fclose (f);
            return -1;
        }
        lat[total] = s_now () - qs;
        int rank = s_rank (r, tab + 1);
        total++;
        at1 += rank == 1;
        at5 += rank >= 1 && rank <= 5;
        rr += rank ? 1.0 / rank : 0;
        hl_kb_results_destroy (&r);
    }
    fclose (f);
    if (!total)
        return 0;
    qsort (lat, total, sizeof *lat, s_compare_double);
    printf ("eval       %s: %zu queries, recall@1 %.3f, recall@5 %.3f, MRR@%d %.3f;"
            " p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
            file, total, (double) at1 / total, (double) at5 / total, RANK_MAX, rr / total,
            lat[total / 2] * 1e3, lat[(size_t) (total * 0.99)] * 1e3, lat[total - 1] * 1e3);
    return 0;
}

int
main (int argc, char **argv)
{
    long docs = 5000, queries = 2000;
    const char *db = KB_BENCH_DB;
    int search_only = 0;
    const char *evals[EVAL_MAX];
    size_t evals_size = 0;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp (argv[i], "--search-only") == 0) {
            search_only = 1;
            i--;
        }
        else
        if (i + 1 == argc)
            break;
        else
        if (strcmp (argv[i], "--docs") == 0)
            docs = atol (argv[i + 1]);
        else
        if (strcmp (argv[i], "--queries") == 0)
            queries = atol (argv[i + 1]);
        else
        if (strcmp (argv[i], "--db") == 0)
            db = argv[i + 1];
        else
        if (strcmp (argv[i], "--eval") == 0 && evals_size < EVAL_MAX)
            evals[evals_size++] = argv[i + 1];
        else
            docs = 0;
    }
    if (docs < 1 || queries < 1) {
        fprintf (stderr, "usage: kb [--docs N] [--queries N] [--db PATH] [--search-only]"
                         " [--eval FILE]...\n");
        return 2;
    }
    s_load_vocabulary (KB_SOURCE_DIR "/articles");
    if (s_words_size < 100) {
        fprintf (stderr, "kb: vocabulary too small (%zu words)\n", s_words_size);
        return 2;
    }
    double indexing = search_only ? 0 : s_build (db, docs);
    if (indexing < 0)
        return 1;
    if (evals_size && s_add_sample (db))
        return 1;
    long long size = s_du (db);

    char err[512];
    hl_kb_t *kb = hl_kb_new (db, err, sizeof err);
    if (!kb) {
        fprintf (stderr, "kb: %s\n", err);
        return 1;
    }
    docs = (long) hl_kb_size (kb);
    double *lat = malloc (sizeof (double) * (size_t) queries);
    hl_kb_query_t q = {.limit = 10};
    size_t hits = 0;
    double t1 = s_now ();
    for (long i = 0; i < queries; i++) {
        char text[256];
        s_compose (text, sizeof text, i % 3 ? 12 : 20, "");
        if (i % 4 == 0)
            strcat (text, "怎么办");
        hl_kb_results_t *r;
        double qs = s_now ();
        if (hl_kb_search (kb, text, &q, &r, err, sizeof err)) {
            fprintf (stderr, "kb: %s\n", err);
            return 1;
        }
        lat[i] = s_now () - qs;
        hits += hl_kb_results_size (r) > 0;
        hl_kb_results_destroy (&r);
    }
    double searching = s_now () - t1;
    hl_kb_destroy (&kb);
    qsort (lat, (size_t) queries, sizeof *lat, s_compare_double);
    printf ("articles %ld (vocabulary %zu words), index %s\n", docs, s_words_size, db);
    if (!search_only)
        printf ("indexing   %.1f s, %.0f articles/s\n", indexing, docs / indexing);
    printf ("index size %.1f MB, %.1f KB/article\n", size / 1e6, size / 1e3 / docs);
    printf ("queries    %ld, %.0f%% with results\n", queries, 100.0 * hits / queries);
    printf ("latency    p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
            lat[queries / 2] * 1e3, lat[(size_t) (queries * 0.99)] * 1e3,
            lat[queries - 1] * 1e3);
    printf ("throughput %.0f queries/s (one thread)\n", queries / searching);
    free (lat);
    kb = evals_size ? hl_kb_new (db, err, sizeof err) : NULL;
    for (size_t i = 0; kb && i < evals_size; i++)
        if (s_eval (kb, evals[i]))
            return 1;
    if (kb)
        hl_kb_destroy (&kb);
    for (size_t i = 0; i < s_words_size; i++)
        free (s_words[i]);
    return 0;
}
