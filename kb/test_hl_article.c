/*  Tests of hl_article and hl_synonyms: the header format, its error
    messages (file and line), dates in China Standard Time. */
#include "hl_article.h"
#include "hl_synonyms.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) \
    do { if (!(cond)) { \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        abort (); } } while (0)

static const char s_good[] =
    "\xEF\xBB\xBF---\n"
    "id: sb-card\n"
    "title: 社保卡怎么激活\n"
    "unit：rsj\n"
    "categories: 社保，社保卡\n"
    "tags: 激活、启用; 金融功能 ,\n"
    "# a comment\n"
    "\n"
    "synonyms: 社保卡/社会保障卡, 激活／启用\n"
    "valid_from: 2024-01-01\n"
    "valid_until: 2025-12-31\n"
    "updated: 2024-12-01 09:30\n"
    "---\n"
    "\n"
    "带身份证到银行网点激活。\n\n";

//  Parse TEXT expecting failure; check the message.
static void
s_expect_error (const char *text, const char *message)
{
    char err[512];
    hl_article_t *a = hl_article_parse ("x.md", text, strlen (text), err, sizeof err);
    if (a || !strstr (err, message)) {
        fprintf (stderr, "expected '%s', got '%s'\n", message, a ? "(success)" : err);
        abort ();
    }
}

static void
test_good_article (void)
{
    char err[512];
    hl_article_t *a = hl_article_parse ("good.md", s_good, strlen (s_good), err, sizeof err);
    if (!a)
        fprintf (stderr, "%s\n", err);
    CHECK (a);
    const hl_kb_doc_t *d = hl_article_doc (a);
    CHECK (strcmp (d->id, "sb-card") == 0);
    CHECK (strcmp (d->title, "社保卡怎么激活") == 0);
    CHECK (strcmp (d->unit, "rsj") == 0);
    CHECK (d->categories_size == 2);
    CHECK (strcmp (d->categories[1], "社保卡") == 0);
    CHECK (d->tags_size == 3);
    CHECK (strcmp (d->tags[0], "激活") == 0 && strcmp (d->tags[2], "金融功能") == 0);
    CHECK (strcmp (d->body, "带身份证到银行网点激活。") == 0);
    CHECK (strcmp (d->updated, "2024-12-01 09:30") == 0);
    CHECK (strcmp (d->source, "good.md") == 0);
    CHECK (strlen (d->checksum) == 16);
    //  2024-01-01 00:00 +08:00 and 2025-12-31 23:59:59 +08:00
    CHECK (d->valid_from == 1704038400);
    CHECK (d->valid_until == 1767196799);
    const hl_synonyms_t *syn = hl_article_synonyms (a);
    CHECK (hl_synonyms_size (syn) == 2);
    size_t n;
    const char *const *words = hl_synonyms_group (syn, 1, &n);
    CHECK (n == 2 && strcmp (words[0], "激活") == 0 && strcmp (words[1], "启用") == 0);
    CHECK (hl_article_id_line (a) == 2);
    hl_article_destroy (&a);
    CHECK (a == NULL);
    hl_article_destroy (&a);
}

static void
test_errors_name_file_and_line (void)
{
    s_expect_error ("id: x\n", "x.md:1: an article must start with a '---' line");
    s_expect_error ("---\nid: a\ntitle: t\n", "x.md:3: header not closed");
    s_expect_error ("---\nid: a\ntitle t\n---\nbody\n", "x.md:3: expected 'key: value'");
    s_expect_error ("---\nid: a\nauthor: me\n---\nbody\n", "x.md:3: unknown field 'author'");
    s_expect_error ("---\nid: a\nid: b\n---\nbody\n", "x.md:3: field 'id' given twice (first on line 2)");
    s_expect_error ("---\nid: A B\n---\nbody\n", "x.md:2: id: id must be");
    s_expect_error ("---\nid: a\ntitle: t\nunit: 人社局\ncategories: c\n---\nbody\n",
                    "x.md:4: unit: unit must be a unit code");
    s_expect_error ("---\nid: a\ntitle: t\nunit: rsj\n---\nbody\n",
                    "x.md:5: header lacks the field 'categories'");
    s_expect_error ("---\nid: a\ntitle: t\nunit: rsj\ncategories: ，\n---\nbody\n",
                    "x.md:5: categories: at least one category");
    s_expect_error ("---\nid: a\ntitle: t\nunit: rsj\ncategories: c\nvalid_until: 2025-02-30\n---\nb\n",
                    "x.md:6: valid_until: '2025-02-30' is not a date");
    s_expect_error ("---\nid: a\ntitle: t\nunit: rsj\ncategories: c\nvalid_from: 2025-03-01\n"
                    "valid_until: 2025-02-01\n---\nb\n", "x.md:7: valid_until is before valid_from");
    s_expect_error ("---\nid: a\ntitle: t\nunit: rsj\ncategories: c\nsynonyms: 医保\n---\nb\n",
                    "x.md:6: synonyms: a synonym group needs at least two words");
    s_expect_error ("---\nid: a\ntitle: t\nunit: rsj\ncategories: c\n---\n\n  \n",
                    "x.md:6: the article has no answer text");
    s_expect_error ("---\nid: a\ntitle: \xE4\xB8\n---\n", "x.md:3: not valid UTF-8");
    s_expect_error ("---\nid: a\n\ntitle: t\x01\n---\n", "x.md:4: not valid UTF-8 text (or contains control");
}

static void
test_times (void)
{
    int64_t t;
    CHECK (hl_article_parse_time ("1970-01-01 08:00", 0, &t) == 0 && t == 0);
    CHECK (hl_article_parse_time ("2024-02-29", 0, &t) == 0 && t == 1709136000);
    CHECK (hl_article_parse_time ("2024-02-29", 1, &t) == 0 && t == 1709136000 + 86399);
    CHECK (hl_article_parse_time ("2025-06-01T12:30", 1, &t) == 0 && t == 1748752200);
    CHECK (hl_article_parse_time ("2023-02-29", 0, &t) == -1);
    CHECK (hl_article_parse_time ("2025-6-1", 0, &t) == -1);
    CHECK (hl_article_parse_time ("2025-06-01 24:00", 0, &t) == -1);
    CHECK (hl_article_parse_time ("2025-06-01x", 0, &t) == -1);
}

static void
test_synonym_groups (void)
{
    char err[256];
    hl_synonyms_t *s = hl_synonyms_new ();
    CHECK (hl_synonyms_add (s, " 医保 / 医疗保险 /医疗保障\n", err, sizeof err) == 0);
    CHECK (hl_synonyms_add (s, "公积金／住房公积金", err, sizeof err) == 0);
    CHECK (hl_synonyms_add (s, "社保/", err, sizeof err) == -1);
    CHECK (strstr (err, "at least two words"));
    CHECK (hl_synonyms_size (s) == 2);
    size_t n;
    const char *const *w = hl_synonyms_group (s, 0, &n);
    CHECK (n == 3 && strcmp (w[0], "医保") == 0 && strcmp (w[2], "医疗保障") == 0);
    w = hl_synonyms_group (s, 1, &n);
    CHECK (n == 2 && strcmp (w[1], "住房公积金") == 0);
    hl_synonyms_destroy (&s);
    CHECK (s == NULL);
}

int
main (void)
{
    test_good_article ();
    test_errors_name_file_and_line ();
    test_times ();
    test_synonym_groups ();
    printf ("test_hl_article: OK\n");
    return 0;
}
