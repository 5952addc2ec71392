/*  Unit test of hl_codes: the category and area catalogue. */
#include "hl_codes.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>

static void
test_lookup (void)
{
    char err[256];
    hl_codes_t *codes = hl_codes_parse ("t", "[area]\n441704 阳东区\n441702 江城区\n"
                                        "[category]\nHB.03 噪声\n", err, sizeof err);
    HL_CHECK (codes);
    if (!codes)
        return;
    HL_CHECK_STR (hl_codes_lookup (codes, HL_CODES_AREA, "441702", 6), "江城区");
    HL_CHECK_STR (hl_codes_lookup (codes, HL_CODES_CATEGORY, "HB.03xyz", 5), "噪声");
    HL_CHECK (!hl_codes_lookup (codes, HL_CODES_CATEGORY, "441702", 6));
    HL_CHECK (!hl_codes_lookup (codes, HL_CODES_AREA, "4417", 4));
    HL_CHECK (!hl_codes_lookup (codes, HL_CODES_AREA, "", 0));
    HL_CHECK (hl_codes_count (codes, HL_CODES_AREA) == 2);
    HL_CHECK_STR (hl_codes_code_at (codes, HL_CODES_AREA, 0), "441702");   //  sorted
    hl_codes_destroy (&codes);
    HL_CHECK (codes == NULL);
    hl_codes_destroy (&codes);                                             //  idempotent
}

//  A catalogue without codes of a kind (or none at all) knows none of them.
static void
test_empty (void)
{
    char err[256];
    hl_codes_t *codes = hl_codes_parse ("t", "[category]\nHB.03 噪声\n", err, sizeof err);
    HL_CHECK (codes && hl_codes_count (codes, HL_CODES_AREA) == 0);
    HL_CHECK (codes && !hl_codes_lookup (codes, HL_CODES_AREA, "441702", 6));
    hl_codes_destroy (&codes);
    codes = hl_codes_parse ("t", "", err, sizeof err);
    HL_CHECK (codes && !hl_codes_lookup (codes, HL_CODES_CATEGORY, "HB.03", 5));
    hl_codes_destroy (&codes);
}

static void
test_refusals (void)
{
    char err[256];
    hl_codes_t *codes = hl_codes_parse ("c.conf", "441702 江城区\n", err, sizeof err);
    HL_CHECK (!codes && strstr (err, "c.conf:1: entry outside"));
    codes = hl_codes_parse ("c.conf", "[area]\n441702 江城区\n441702 again\n", err, sizeof err);
    HL_CHECK (!codes && strstr (err, "duplicate code '441702'"));
    codes = hl_codes_parse ("c.conf", "[area]\nbad/code x\n", err, sizeof err);
    HL_CHECK (!codes && strstr (err, "c.conf:2: bad code"));
    codes = hl_codes_parse ("c.conf", "[area]\n441702\n", err, sizeof err);
    HL_CHECK (!codes && strstr (err, "needs a name"));
    codes = hl_codes_parse ("c.conf", "[category]\nSB.01.02.03 太深\n", err, sizeof err);
    HL_CHECK (!codes && strstr (err, "c.conf:2: category 'SB.01.02.03': at most 3 levels"));
    codes = hl_codes_parse ("c.conf", "[category]\nSB..02 空\n", err, sizeof err);
    HL_CHECK (!codes && strstr (err, "none empty"));
}

//  Levels 大类.小类.细类: a flat code of old (SB.01) is a 小类; a listed
//  细类 is known by itself, its parents need not be listed, and an
//  unlisted code of any level is unknown (intake refuses it).
static void
test_levels (void)
{
    HL_CHECK (hl_codes_category_level ("SB") == 1);
    HL_CHECK (hl_codes_category_level ("SB.01") == 2);
    HL_CHECK (hl_codes_category_level ("SB.01.02") == 3);
    HL_CHECK (hl_codes_category_level ("SB.01.02.03") == 0);
    HL_CHECK (hl_codes_category_level (".01") == 0 && hl_codes_category_level ("SB.") == 0);
    char up[16];
    hl_codes_category_parent ("SB.01.02", up, sizeof up);
    HL_CHECK_STR (up, "SB.01");
    hl_codes_category_parent ("SB.01", up, sizeof up);
    HL_CHECK_STR (up, "SB");
    hl_codes_category_parent ("SB", up, sizeof up);
    HL_CHECK_STR (up, "");
    char err[256];
    hl_codes_t *codes = hl_codes_parse ("t", "[category]\nSB 社会保障\nSB.01 社保缴费\n"
                                        "SB.01.02 社保缴费/缴费基数\nYB.01.01 医保/参保登记\n",
                                        err, sizeof err);
    HL_CHECK (codes);
    if (!codes)
        return;
    HL_CHECK_STR (hl_codes_lookup (codes, HL_CODES_CATEGORY, "SB.01.02", 8), "社保缴费/缴费基数");
    HL_CHECK_STR (hl_codes_lookup (codes, HL_CODES_CATEGORY, "SB.01", 5), "社保缴费");
    HL_CHECK (hl_codes_lookup (codes, HL_CODES_CATEGORY, "YB.01.01", 8) != NULL);
    HL_CHECK (!hl_codes_lookup (codes, HL_CODES_CATEGORY, "SB.01.09", 8));
    hl_codes_destroy (&codes);
}

static void
test_shipped (void)
{
    char err[512];
    const char *path = getenv ("HL_CODES");
    hl_codes_t *codes = hl_codes_load (path ? path : "deploy/etc/codes.conf", err, sizeof err);
    HL_CHECK (codes);
    if (!codes) {
        fprintf (stderr, "%s\n", err);
        return;
    }
    HL_CHECK (hl_codes_count (codes, HL_CODES_AREA) >= 7);
    HL_CHECK (hl_codes_count (codes, HL_CODES_CATEGORY) >= 40);
    hl_codes_destroy (&codes);
}

static const hl_test_case_t s_cases[] = {
    { "lookup", test_lookup }, { "empty", test_empty }, { "refusals", test_refusals },
    { "levels", test_levels },
    { "shipped", test_shipped },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
