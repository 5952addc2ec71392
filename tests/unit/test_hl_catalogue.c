/*  Unit test of hl_catalogue: the dispatch catalogue's file, its routing
 *  order and its refusals. */
#include "hl_catalogue.h"
#include "hl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *s_text =
    "# a small city\n"
    "[unit]\n"
    "rsj   市人力资源和社会保障局   callback\n"
    "ybj   市医疗保障局\n"
    "cgj   市城市管理和综合执法局   callback\n"
    "jcq   江城区人民政府\n"
    "ydx   阳东区人民政府\n"
    "[area]\n"
    "441702  jcq\n"
    "441704  ydx\n"
    "[route]\n"
    "SB.01   441704  ydx  rsj\n"
    "SB.01   *       rsj\n"
    "SB.*    441702  jcq  rsj ybj\n"
    "SB.*    *       rsj\n"
    "CG.*    *       cgj\n";

//  The lead and the rule of CATEGORY in AREA, as "lead/rule", or "-".
static const char *
s_route (const hl_catalogue_t *c, const char *category, const char *area)
{
    static char out[96];
    hl_route_t r;
    if (hl_catalogue_route (c, category, area, &r) != 0)
        return "-";
    snprintf (out, sizeof out, "%s/%s", r.lead, r.rule);
    return out;
}

//  The most specific route wins; the area's government catches the rest.
static void
test_routing_order (void)
{
    char err[256];
    hl_catalogue_t *c = hl_catalogue_parse ("test", s_text, err, sizeof err);
    HL_CHECK (c != NULL);
    if (!c)
        return;
    HL_CHECK_STR (s_route (c, "SB.01", "441704"), "ydx/category+area");
    HL_CHECK_STR (s_route (c, "SB.01", "441702"), "rsj/category");
    HL_CHECK_STR (s_route (c, "SB.02", "441702"), "jcq/group+area");
    HL_CHECK_STR (s_route (c, "SB.02", "441704"), "rsj/group");
    HL_CHECK_STR (s_route (c, "CG.03", "441799"), "cgj/group");
    HL_CHECK_STR (s_route (c, "QT.99", "441702"), "jcq/area government");
    HL_CHECK_STR (s_route (c, "QT.99", "441799"), "-");     //  unknown area, no owner

    hl_route_t r;
    HL_CHECK (hl_catalogue_route (c, "SB.02", "441702", &r) == 0);
    HL_CHECK (r.n_assist == 2);
    HL_CHECK_STR (r.assist[0], "rsj");
    HL_CHECK_STR (r.assist[1], "ybj");
    HL_CHECK (hl_catalogue_route (c, "SB.01", "441704", &r) == 0 && r.n_assist == 1);

    HL_CHECK (hl_catalogue_unit_count (c) == 5);
    HL_CHECK_STR (hl_catalogue_unit_name (c, "ybj", 3), "市医疗保障局");
    HL_CHECK (hl_catalogue_unit_name (c, "ybjx", 3) != NULL);     //  by length
    HL_CHECK (hl_catalogue_unit_name (c, "xyz", 3) == NULL);
    HL_CHECK (hl_catalogue_unit_name (c, "", 0) == NULL);
    HL_CHECK (hl_catalogue_unit_callback (c, "rsj", 3));
    HL_CHECK (!hl_catalogue_unit_callback (c, "ybj", 3));
    HL_CHECK (!hl_catalogue_unit_callback (c, "xyz", 3));
    int seen = 0;
    for (size_t i = 0; i < hl_catalogue_unit_count (c); i++)
        seen += strcmp (hl_catalogue_unit_code_at (c, i), "cgj") == 0;
    HL_CHECK (seen == 1);
    hl_catalogue_destroy (&c);
    HL_CHECK (c == NULL);
    hl_catalogue_destroy (&c);
}

//  Multi-level categories (大类.小类.细类): a route on any level, the most
//  specific winning; flat codes of earlier catalogues (SB.01) are 小类
//  under their 大类, so old routes and tickets keep theirs.
static const char *s_levels =
    "[unit]\n"
    "rsj   市人力资源和社会保障局\n"
    "ybj   市医疗保障局\n"
    "jcq   江城区人民政府\n"
    "sbj   社保基金中心\n"
    "[area]\n"
    "441702  jcq\n"
    "[route]\n"
    "SB         *       rsj\n"            //  大类, as a bare code
    "YB.*       *       ybj\n"            //  大类, as a group
    "SB.01      441702  jcq\n"            //  小类 in one area
    "SB.01.02   *       sbj\n";           //  细类 anywhere

static void
test_levels (void)
{
    char err[256];
    hl_catalogue_t *c = hl_catalogue_parse ("levels", s_levels, err, sizeof err);
    HL_CHECK (c != NULL);
    if (!c)
        return;
    //  细类: its own route first, even over its 小类's route in the area.
    HL_CHECK_STR (s_route (c, "SB.01.02", "441702"), "sbj/category");
    //  A 细类 without a route of its own: its 小类's, then its 大类's.
    HL_CHECK_STR (s_route (c, "SB.01.07", "441702"), "jcq/parent+area");
    HL_CHECK_STR (s_route (c, "SB.01.07", "441704"), "rsj/group");
    //  小类 (a flat code of old): its own, else its 大类's.
    HL_CHECK_STR (s_route (c, "SB.01", "441702"), "jcq/category+area");
    HL_CHECK_STR (s_route (c, "SB.03", "441702"), "rsj/group");
    HL_CHECK_STR (s_route (c, "YB.02.01", "441702"), "ybj/group");
    //  大类: routed by its bare code or its group.
    HL_CHECK_STR (s_route (c, "SB", "441702"), "rsj/category");
    HL_CHECK_STR (s_route (c, "YB", "441702"), "ybj/category");
    //  Nothing on any level: the area's government.
    HL_CHECK_STR (s_route (c, "QT.01.01", "441702"), "jcq/area government");
    hl_catalogue_destroy (&c);
}

//  Parses TEXT, expecting a refusal whose message holds WANT.
static int
s_refused (const char *text, const char *want)
{
    char err[256] = "";
    hl_catalogue_t *c = hl_catalogue_parse ("bad", text, err, sizeof err);
    int ok = c == NULL && strstr (err, want) != NULL;
    if (!ok)
        fprintf (stderr, "wanted a refusal with '%s', got '%s'\n", want, c ? "(loaded)" : err);
    hl_catalogue_destroy (&c);
    return ok;
}

//  A mistake is refused with its line: a typo must not strand tickets.
static void
test_refusals (void)
{
    HL_CHECK (s_refused ("[unit]\nrsj 人社\nrsj 人社\n", "bad:3: unit 'rsj' defined twice"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社 maybe\n", "unit rsj: expected NAME [callback]"));
    HL_CHECK (s_refused ("[unit]\nrsj\n", "expected NAME [callback]"));
    HL_CHECK (s_refused ("[unit]\nr$j 人社\n", "bad unit code 'r$j'"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\nSB.01 * rsx\n",
                         "bad:4: unknown unit 'rsx' (define it under [unit] first)"));
    HL_CHECK (s_refused ("[route]\nSB.01 * rsj\n[unit]\nrsj 人社\n", "unknown unit 'rsj'"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\nSB.01 * rsj\nSB.01 * rsj\n",
                         "SB.01 * is given twice"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\nSB.01\n", "route SB.01: expected AREA LEAD"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\nSB.01 * rsj rsj rsj rsj rsj rsj\n",
                         "at most 4 assisting"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\n* * rsj\n", "bad category code '*'"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\nSB.01 4417? rsj\n", "bad area code"));
    HL_CHECK (s_refused ("[unit]\njcq 江城\n[area]\n441702\n", "area 441702: expected AREA UNIT"));
    HL_CHECK (s_refused ("[unit]\njcq 江城\n[area]\n441702 jcq\n441702 jcq\n",
                         "area 441702 is given twice"));
    HL_CHECK (s_refused ("[units]\nrsj 人社\n", "entry outside [unit], [area] or [route]"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\nSB.01.02.03 * rsj\n",
                         "category 'SB.01.02.03': at most 3 levels"));
    HL_CHECK (s_refused ("[unit]\nrsj 人社\n[route]\nSB..02 * rsj\n", "none empty"));
}

static void
test_file (void)
{
    char path[] = "/tmp/hl-catalogue-XXXXXX", err[256];
    int fd = mkstemp (path);
    FILE *f = fdopen (fd, "w");
    fputs (s_text, f);
    fclose (f);
    hl_catalogue_t *c = hl_catalogue_load (path, err, sizeof err);
    HL_CHECK (c && hl_catalogue_unit_count (c) == 5);
    hl_catalogue_destroy (&c);
    unlink (path);
    HL_CHECK (hl_catalogue_load (path, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, path) != NULL);

    //  The shipped catalogue loads, and every area in it has an owner.
    const char *shipped = getenv ("HL_DISPATCH");
    if (shipped) {
        c = hl_catalogue_load (shipped, err, sizeof err);
        HL_CHECK (c != NULL);
        HL_CHECK (c && hl_catalogue_unit_count (c) >= 24);
        HL_CHECK (c && strcmp (s_route (c, "QT.99", "441702"), "-") != 0);
        hl_catalogue_destroy (&c);
    }
}

static const hl_test_case_t s_cases[] = {
    { "routing_order", test_routing_order },
    { "levels", test_levels },
    { "refusals", test_refusals },
    { "file", test_file },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
