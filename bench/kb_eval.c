/*  kb-eval: how well the knowledge base answers callers' questions.

    kb-eval [--articles DIR] [--synonyms FILE] [--db PATH] [--now DATE]
            [--min-recall5 X] [--verbose] [QUERIES.tsv]

    Indexes the articles (incrementally) into the index, runs every query of
    the evaluation file (query<TAB>id[,id...]) and prints recall@1,
    recall@5 and the mean reciprocal rank over the first 10 results. With
    no arguments it uses the repository's kb/articles, kb/synonyms.txt and
    kb/eval/queries.tsv, and an index in the build directory. Exit status
    1 if recall@5 is below --min-recall5.
*/
#include "hl_article.h"
#include "hl_kbindex.h"
#include "hl_xapian.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RANK_MAX 10

typedef struct {
    const char *articles;
    const char *synonyms;
    const char *db;
    const char *queries;
    int64_t now;
    double min_recall5;
    int verbose;
} s_options_t;

static void
s_print_report (const char *message, void *arg)
{
    (void) arg;
    fprintf (stderr, "%s\n", message);
}

static int
s_parse (int argc, char **argv, s_options_t *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp (a, "--verbose") == 0 || strcmp (a, "-v") == 0) {
            o->verbose = 1;
            continue;
        }
        if (strncmp (a, "--", 2) != 0) {
            o->queries = a;
            continue;
        }
        if (!v) {
            fprintf (stderr, "kb-eval: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (strcmp (a, "--articles") == 0)
            o->articles = v;
        else
        if (strcmp (a, "--synonyms") == 0)
            o->synonyms = v;
        else
        if (strcmp (a, "--db") == 0)
            o->db = v;
        else
        if (strcmp (a, "--min-recall5") == 0)
            o->min_recall5 = atof (v);
        else
        if (strcmp (a, "--now") == 0 && hl_article_parse_time (v, 0, &o->now) == 0)
            continue;
        else {
            fprintf (stderr, "kb-eval: bad option %s %s\n", a, v);
            return -1;
        }
    }
    return 0;
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

static void
s_print_miss (const char *query, const char *wanted, int rank, const hl_kb_results_t *r)
{
    printf ("  rank %s%d  %s  -> want %s; got", rank ? "" : ">", rank ? rank : RANK_MAX,
            query, wanted);
    for (size_t i = 0; i < hl_kb_results_size (r) && i < 3; i++)
        printf (" %s", hl_kb_results_hit (r, i)->id);
    printf ("\n");
}

int
main (int argc, char **argv)
{
    s_options_t o = {
        .articles = KB_SOURCE_DIR "/articles",
        .synonyms = KB_SOURCE_DIR "/synonyms.txt",
        .db = KB_EVAL_DB,
        .queries = KB_SOURCE_DIR "/eval/queries.tsv",
    };
    if (s_parse (argc, argv, &o))
        return 2;
    char err[600];
    hl_kbindex_stats_t st;
    if (hl_kbindex_run (o.articles, o.db, o.synonyms, s_print_report, NULL, &st,
                        err, sizeof err)) {
        fprintf (stderr, "kb-eval: %s\n", err);
        return 2;
    }
    hl_kb_t *kb = hl_kb_new (o.db, err, sizeof err);
    FILE *file = fopen (o.queries, "r");
    if (!kb || !file) {
        fprintf (stderr, "kb-eval: cannot open %s\n", kb ? o.queries : o.db);
        return 2;
    }
    hl_kb_query_t q = {.now = o.now, .limit = RANK_MAX};
    char line[2048];
    size_t total = 0, at1 = 0, at5 = 0;
    double rr = 0;
    while (fgets (line, sizeof line, file)) {
        line[strcspn (line, "\r\n")] = 0;
        char *tab = strchr (line, '\t');
        if (line[0] == '#' || !tab)
            continue;
        *tab = 0;
        hl_kb_results_t *r;
        if (hl_kb_search (kb, line, &q, &r, err, sizeof err)) {
            fprintf (stderr, "kb-eval: '%s': %s\n", line, err);
            return 2;
        }
        int rank = s_rank (r, tab + 1);
        total++;
        at1 += rank == 1;
        at5 += rank >= 1 && rank <= 5;
        rr += rank ? 1.0 / rank : 0;
        if (o.verbose && (rank == 0 || rank > 1))
            s_print_miss (line, tab + 1, rank, r);
        hl_kb_results_destroy (&r);
    }
    fclose (file);
    hl_kb_destroy (&kb);
    if (!total) {
        fprintf (stderr, "kb-eval: no queries in %s\n", o.queries);
        return 2;
    }
    double recall5 = (double) at5 / total;
    printf ("articles %zu, queries %zu\n", st.added + st.updated + st.unchanged, total);
    printf ("recall@1 %.3f\nrecall@5 %.3f\nMRR@%d   %.3f\n", (double) at1 / total, recall5,
            RANK_MAX, rr / total);
    return recall5 + 1e-9 < o.min_recall5 ? 1 : 0;
}
