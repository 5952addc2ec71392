/*  Unit test of hl_conf: the configuration file format. */
#include "hl_conf.h"
#include "hl_test.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char seen[8][3][64];
    int n;
} s_lines_t;

static int
s_collect (const char *section, const char *key, const char *value, void *arg,
           char *err, size_t errlen)
{
    s_lines_t *lines = arg;
    if (strcmp (key, "fail") == 0) {
        snprintf (err, errlen, "asked to fail");
        return -1;
    }
    if (lines->n < 8) {
        snprintf (lines->seen[lines->n][0], 64, "%s", section);
        snprintf (lines->seen[lines->n][1], 64, "%s", key);
        snprintf (lines->seen[lines->n][2], 64, "%s", value);
        lines->n++;
    }
    return 0;
}

static void
test_forms (void)
{
    s_lines_t l = { .n = 0 };
    char err[256] = "";
    const char *text = "# comment\n\n  key = value with spaces  \nk2=v2\n[area]\n441702  江城区\nbare\n";
    HL_CHECK (hl_conf_parse_text ("t", text, s_collect, &l, err, sizeof err) == 0);
    HL_CHECK (l.n == 4);
    HL_CHECK_STR (l.seen[0][1], "key");
    HL_CHECK_STR (l.seen[0][2], "value with spaces");
    HL_CHECK_STR (l.seen[1][1], "k2");
    HL_CHECK_STR (l.seen[1][2], "v2");
    HL_CHECK_STR (l.seen[2][0], "area");
    HL_CHECK_STR (l.seen[2][1], "441702");
    HL_CHECK_STR (l.seen[2][2], "江城区");
    HL_CHECK_STR (l.seen[3][1], "bare");
    HL_CHECK_STR (l.seen[3][2], "");
}

static void
test_errors (void)
{
    s_lines_t l = { .n = 0 };
    char err[256] = "";
    HL_CHECK (hl_conf_parse_text ("f.conf", "a = 1\n\nfail = x\n", s_collect, &l, err, sizeof err) != 0);
    HL_CHECK_STR (err, "f.conf:3: asked to fail");
    HL_CHECK (hl_conf_parse_text ("f.conf", "[broken\n", s_collect, &l, err, sizeof err) != 0);
    HL_CHECK (strstr (err, "f.conf:1:") != NULL);
    HL_CHECK (hl_conf_parse_file ("/nonexistent/x.conf", s_collect, &l, err, sizeof err) != 0);
    HL_CHECK (strstr (err, "/nonexistent/x.conf") != NULL);
}

static void
test_values (void)
{
    long v = 0;
    int b = -1;
    char err[256];
    HL_CHECK (hl_conf_int ("n", "42", 0, 100, &v, err, sizeof err) == 0 && v == 42);
    HL_CHECK (hl_conf_int ("n", "101", 0, 100, &v, err, sizeof err) != 0);
    HL_CHECK (strstr (err, "n: expected an integer from 0 to 100") != NULL);
    HL_CHECK (hl_conf_int ("n", "4x", 0, 100, &v, err, sizeof err) != 0);
    HL_CHECK (hl_conf_bool ("b", "yes", &b, err, sizeof err) == 0 && b == 1);
    HL_CHECK (hl_conf_bool ("b", "off", &b, err, sizeof err) == 0 && b == 0);
    HL_CHECK (hl_conf_bool ("b", "maybe", &b, err, sizeof err) != 0);
}

static const hl_test_case_t s_cases[] = {
    { "forms", test_forms }, { "errors", test_errors }, { "values", test_values },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
