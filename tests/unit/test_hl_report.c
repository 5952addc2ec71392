/*  Unit test of hl_report: the periods, groupings and weights accepted
 *  and refused, the statement's parameters, and the rows as CSV and JSON
 *  (from a result made by hand, as PostgreSQL would give it). */
#include "hl_report.h"
#include "hl_test.h"

#include <string.h>

static void
test_ask (void)
{
    hl_report_t r;
    const char *why = NULL;
    HL_CHECK (hl_report_ask (&r, "2026-12", NULL, NULL, NULL, NULL, NULL, &why) == 0);
    HL_CHECK_STR (r.from, "2026-12-01");
    HL_CHECK_STR (r.to, "2027-01-01");
    HL_CHECK_STR (r.name, "2026-12");
    HL_CHECK_STR (r.by, "unit");
    HL_CHECK_STR (r.weights, "{0.3,0.35,0.35}");
    HL_CHECK (hl_report_ask (&r, NULL, "2026", NULL, NULL, "area", "1,0,0", &why) == 0);
    HL_CHECK_STR (r.from, "2026-01-01");
    HL_CHECK_STR (r.to, "2027-01-01");
    HL_CHECK_STR (r.weights, "{1,0,0}");
    HL_CHECK (hl_report_ask (&r, NULL, NULL, "2026-10-01", "2027-01-01", "category", NULL, &why)
              == 0);
    HL_CHECK_STR (r.name, "2026-10-01..2027-01-01");
    const char *params[HL_REPORT_NPARAMS];
    hl_report_params (&r, "480", params);
    HL_CHECK_STR (params[0], "2026-10-01");
    HL_CHECK_STR (params[2], "category");
    HL_CHECK_STR (params[3], "480");

    //  Refused, each with a reason.
    const char *bad[][7] = {
        { NULL, NULL, NULL, NULL, NULL, NULL },             //  no period
        { "2026-13", NULL, NULL, NULL, NULL, NULL },
        { "2026-1", NULL, NULL, NULL, NULL, NULL },
        { "2026-11", "2026", NULL, NULL, NULL, NULL },      //  two periods
        { NULL, "26", NULL, NULL, NULL, NULL },
        { NULL, NULL, "2026-10-01", NULL, NULL, NULL },     //  from without to
        { NULL, NULL, "2026-10-01", "2026-10-01", NULL, NULL },
        { NULL, NULL, "2026-10-32", "2026-11-01", NULL, NULL },
        { "2026-11", NULL, NULL, NULL, "street", NULL },
        { "2026-11", NULL, NULL, NULL, NULL, "0,0,0" },
        { "2026-11", NULL, NULL, NULL, NULL, "1,2" },
        { "2026-11", NULL, NULL, NULL, NULL, "1,-1,1" },
        { "2026-11", NULL, NULL, NULL, NULL, "1,1,1x" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        HL_CHECK (hl_report_ask (&r, bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4],
                                 bad[i][5], &why) == -1 && why && *why);
    }
}

//  A result like hl_report's: the group, a count, a rate that may be NULL.
static PGresult *
s_result (void)
{
    PGresult *res = PQmakeEmptyPGresult (NULL, PGRES_TUPLES_OK);
    PGresAttDesc cols[3] = { { .name = "grp" }, { .name = "tickets" }, { .name = "score" } };
    PQsetResultAttrs (res, 3, cols);
    const char *rows[][3] = { { "rsj, \"east\"", "3", "62.50" }, { "*", "4", NULL } };
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++)
            PQsetvalue (res, r, c, (char *) rows[r][c], rows[r][c] ? (int) strlen (rows[r][c]) : -1);
    return res;
}

static void
test_rows (void)
{
    hl_report_t r;
    const char *why;
    HL_CHECK (hl_report_ask (&r, "2026-11", NULL, NULL, NULL, "unit", NULL, &why) == 0);
    PGresult *res = s_result ();
    hl_buf_t csv = HL_BUF_INIT, json = HL_BUF_INIT;
    hl_report_csv (&r, res, &csv);
    HL_CHECK_STR (csv.data, "unit,tickets,score\n\"rsj, \"\"east\"\"\",3,62.50\n*,4,\n");
    hl_report_json (&r, res, &json);
    HL_CHECK_STR (json.data, "{\"period\":\"2026-11\",\"from\":\"2026-11-01\",\"to\":"
                             "\"2026-12-01\",\"by\":\"unit\",\"rows\":["
                             "{\"unit\":\"rsj, \\\"east\\\"\",\"tickets\":3,\"score\":62.50},"
                             "{\"unit\":\"*\",\"tickets\":4,\"score\":null}]}");
    hl_buf_free (&csv);
    hl_buf_free (&json);
    PQclear (res);
}

static const hl_test_case_t s_cases[] = {
    { "ask", test_ask }, { "rows", test_rows }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
