/*  hotline-kb: build and search the knowledge base from the command line.

    hotline-kb index DIR [--db PATH] [--synonyms FILE]
    hotline-kb search QUERY [--unit U] [--category C] [--limit N] [--json]
                            [--now DATE] [--db PATH]

    The index lives at --db, else $HOTLINE_KB_DB, else state/kb.
    Exit codes: 0 success; 1 index: some files rejected (the rest indexed),
    search: no article found; 2 usage error; 3 the index cannot be opened
    or written.
*/
#include "hl_article.h"
#include "hl_kbindex.h"
#include "hl_xapian.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_PARTIAL 1
#define EXIT_USAGE 2
#define EXIT_FAILURE_DB 3

//  Options of both commands.
typedef struct {
    const char *db;
    const char *synonyms;
    const char *unit;
    const char *category;
    const char *now;
    long limit;
    int json;
    const char *arg;            //  DIR or QUERY
} s_options_t;

static int
s_usage (void)
{
    fprintf (stderr,
             "usage: hotline-kb index DIR [--db PATH] [--synonyms FILE]\n"
             "       hotline-kb search QUERY [--unit U] [--category C] [--limit N]\n"
             "                         [--json] [--now YYYY-MM-DD[ HH:MM]] [--db PATH]\n");
    return EXIT_USAGE;
}

//  Parse ARGV after the command word into OPTS. Only the options listed in
//  ALLOWED (names without dashes, space-separated) are accepted.
static int
s_parse_options (int argc, char **argv, const char *allowed, s_options_t *opts)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp (a, "--", 2) != 0 || strcmp (a, "--") == 0) {
            if (opts->arg) {
                fprintf (stderr, "hotline-kb: unexpected argument '%s'\n", a);
                return -1;
            }
            opts->arg = a;
            continue;
        }
        char name[32];
        snprintf (name, sizeof name, " %s ", a + 2);
        char list[128];
        snprintf (list, sizeof list, " %s ", allowed);
        if (!strstr (list, name)) {
            fprintf (stderr, "hotline-kb: unknown option '%s'\n", a);
            return -1;
        }
        if (strcmp (a, "--json") == 0) {
            opts->json = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf (stderr, "hotline-kb: option '%s' needs a value\n", a);
            return -1;
        }
        const char *v = argv[++i];
        if (strcmp (a, "--db") == 0)
            opts->db = v;
        else
        if (strcmp (a, "--synonyms") == 0)
            opts->synonyms = v;
        else
        if (strcmp (a, "--unit") == 0)
            opts->unit = v;
        else
        if (strcmp (a, "--category") == 0)
            opts->category = v;
        else
        if (strcmp (a, "--now") == 0)
            opts->now = v;
        else {
            char *end;
            opts->limit = strtol (v, &end, 10);
            if (*end || opts->limit < 1 || opts->limit > 1000) {
                fprintf (stderr, "hotline-kb: --limit must be 1..1000\n");
                return -1;
            }
        }
    }
    if (!opts->arg) {
        fprintf (stderr, "hotline-kb: missing %s\n", strstr (allowed, "json") ? "QUERY" : "DIR");
        return -1;
    }
    if (!opts->db)
        opts->db = getenv ("HOTLINE_KB_DB");
    if (!opts->db)
        opts->db = "state/kb";
    return 0;
}

static void
s_print_report (const char *message, void *arg)
{
    (void) arg;
    fprintf (stderr, "%s\n", message);
}

//  The synonyms file to use: the one given, else synonyms.txt in DIR or
//  in its parent directory, if present.
static const char *
s_find_synonyms (const char *given, const char *dir, char *buf, size_t size)
{
    if (given)
        return given;
    snprintf (buf, size, "%s/synonyms.txt", dir);
    if (access (buf, R_OK) == 0)
        return buf;
    snprintf (buf, size, "%s/../synonyms.txt", dir);
    return access (buf, R_OK) == 0 ? buf : NULL;
}

static int
s_index (const s_options_t *opts)
{
    char buf[4096], err[600];
    const char *synonyms = s_find_synonyms (opts->synonyms, opts->arg, buf, sizeof buf);
    hl_kbindex_stats_t st;
    if (hl_kbindex_run (opts->arg, opts->db, synonyms, s_print_report, NULL, &st,
                        err, sizeof err)) {
        fprintf (stderr, "hotline-kb: %s\n", err);
        return EXIT_FAILURE_DB;
    }
    printf ("%s: %zu added, %zu updated, %zu unchanged, %zu deleted",
            opts->db, st.added, st.updated, st.unchanged, st.deleted);
    if (st.kept)
        printf (", %zu kept (file has errors)", st.kept);
    printf ("; %zu synonym groups%s", st.synonym_groups, st.synonyms_changed ? " (updated)" : "");
    if (st.rejected)
        printf ("; %zu rejected", st.rejected);
    printf ("\n");
    return st.rejected ? EXIT_PARTIAL : 0;
}

//  Write TEXT as a JSON string.
static void
s_json_str (const char *text)
{
    putchar ('"');
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf ("\\%c", *p);
        else
        if (*p == '\n')
            fputs ("\\n", stdout);
        else
        if (*p < 0x20)
            printf ("\\u%04x", *p);
        else
            putchar (*p);
    }
    putchar ('"');
}

static void
s_print_json (const hl_kb_results_t *results)
{
    printf ("[");
    for (size_t i = 0; i < hl_kb_results_size (results); i++) {
        const hl_kb_hit_t *h = hl_kb_results_hit (results, i);
        printf ("%s\n {\"id\": ", i ? "," : "");
        s_json_str (h->id);
        printf (", \"title\": ");
        s_json_str (h->title);
        printf (", \"unit\": ");
        s_json_str (h->unit);
        printf (", \"categories\": ");
        s_json_str (h->categories);
        printf (", \"updated\": ");
        s_json_str (h->updated);
        printf (", \"weight\": %.3f, \"strict\": %s, \"snippet\": ", h->weight,
                h->strict ? "true" : "false");
        s_json_str (h->snippet);
        printf (", \"body\": ");
        s_json_str (h->body);
        printf ("}");
    }
    printf ("%s]\n", hl_kb_results_size (results) ? "\n" : "");
}

//  Print TEXT on one line: line breaks of the Markdown become spaces.
static void
s_print_line (const char *text)
{
    for (const char *p = text; *p; p++)
        putchar (*p == '\n' || *p == '\r' ? ' ' : *p);
    putchar ('\n');
}

static void
s_print_text (const hl_kb_results_t *results)
{
    for (size_t i = 0; i < hl_kb_results_size (results); i++) {
        const hl_kb_hit_t *h = hl_kb_results_hit (results, i);
        printf ("%zu. %s  [%s · %s · %s]\n   ", i + 1, h->title, h->id, h->unit,
                h->categories);
        s_print_line (h->snippet);
    }
}

static int
s_search (const s_options_t *opts)
{
    hl_kb_query_t q = {0};
    q.unit = opts->unit;
    q.category = opts->category;
    q.limit = opts->limit > 0 ? (size_t) opts->limit : 10;
    if (opts->now && hl_article_parse_time (opts->now, 0, &q.now)) {
        fprintf (stderr, "hotline-kb: --now must be YYYY-MM-DD or YYYY-MM-DD HH:MM\n");
        return EXIT_USAGE;
    }
    if (!opts->json) {
        q.hi_start = "【";
        q.hi_end = "】";
    }
    char err[600];
    hl_kb_t *kb = hl_kb_new (opts->db, err, sizeof err);
    if (!kb) {
        fprintf (stderr, "hotline-kb: cannot open the knowledge base %s: %s\n", opts->db, err);
        return EXIT_FAILURE_DB;
    }
    hl_kb_results_t *results;
    int rc = hl_kb_search (kb, opts->arg, &q, &results, err, sizeof err);
    hl_kb_destroy (&kb);
    if (rc) {
        fprintf (stderr, "hotline-kb: search failed: %s\n", err);
        return EXIT_FAILURE_DB;
    }
    size_t found = hl_kb_results_size (results);
    if (opts->json)
        s_print_json (results);
    else
    if (found)
        s_print_text (results);
    else
        fprintf (stderr, "no article found\n");
    hl_kb_results_destroy (&results);
    return found ? 0 : EXIT_PARTIAL;
}

int
main (int argc, char **argv)
{
    if (argc < 2)
        return s_usage ();
    s_options_t opts = {0};
    if (strcmp (argv[1], "index") == 0) {
        if (s_parse_options (argc - 2, argv + 2, "db synonyms", &opts))
            return s_usage ();
        return s_index (&opts);
    }
    if (strcmp (argv[1], "search") == 0) {
        if (s_parse_options (argc - 2, argv + 2, "db unit category limit json now", &opts))
            return s_usage ();
        return s_search (&opts);
    }
    return s_usage ();
}
