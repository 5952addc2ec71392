/*  hl_report: the archive's reports, asked for and shown. See hl_report.h. */
#include "hl_report.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hl_report_sql =
    "SELECT * FROM hl_report($1::date, $2::date, $3, $4::int, $5::numeric[])";

static int
s_digits (const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit ((unsigned char) s[i]))
            return 0;
    return 1;
}

//  "YYYY-MM-DD" with a month 1-12 and a day 1-31 (PostgreSQL checks the rest).
static int
s_day_ok (const char *d)
{
    return strlen (d) == 10 && s_digits (d, 4) && d[4] == '-' && s_digits (d + 5, 2)
        && d[7] == '-' && s_digits (d + 8, 2) && atoi (d + 5) >= 1 && atoi (d + 5) <= 12
        && atoi (d + 8) >= 1 && atoi (d + 8) <= 31;
}

static int
s_period (hl_report_t *r, const char *month, const char *year, const char *from, const char *to)
{
    if (month) {
        if (strlen (month) != 7 || !s_digits (month, 4) || month[4] != '-'
            || !s_digits (month + 5, 2) || atoi (month + 5) < 1 || atoi (month + 5) > 12)
            return -1;
        int y = atoi (month), m = atoi (month + 5);
        snprintf (r->from, sizeof r->from, "%04d-%02d-01", y, m);
        snprintf (r->to, sizeof r->to, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
        snprintf (r->name, sizeof r->name, "%s", month);
        return 0;
    }
    if (year) {
        if (strlen (year) != 4 || !s_digits (year, 4))
            return -1;
        snprintf (r->from, sizeof r->from, "%s-01-01", year);
        snprintf (r->to, sizeof r->to, "%04d-01-01", atoi (year) + 1);
        snprintf (r->name, sizeof r->name, "%s", year);
        return 0;
    }
    if (!from || !to || !s_day_ok (from) || !s_day_ok (to) || strcmp (from, to) >= 0)
        return -1;
    snprintf (r->from, sizeof r->from, "%s", from);
    snprintf (r->to, sizeof r->to, "%s", to);
    snprintf (r->name, sizeof r->name, "%s..%s", from, to);
    return 0;
}

static int
s_weights (hl_report_t *r, const char *text)
{
    double w[3];
    int used = 0;
    if (sscanf (text, "%lf,%lf,%lf%n", &w[0], &w[1], &w[2], &used) != 3 || text[used]
        || w[0] < 0 || w[1] < 0 || w[2] < 0 || w[0] + w[1] + w[2] <= 0)
        return -1;
    snprintf (r->weights, sizeof r->weights, "{%g,%g,%g}", w[0], w[1], w[2]);
    return 0;
}

int
hl_report_ask (hl_report_t *r, const char *month, const char *year, const char *from,
               const char *to, const char *by, const char *weights, const char **why)
{
    assert (r && why);
    memset (r, 0, sizeof *r);
    if ((month != NULL) + (year != NULL) + (from || to) != 1
        || s_period (r, month, year, from, to) != 0) {
        *why = "the period: one of a month YYYY-MM, a year YYYY, or days YYYY-MM-DD from "
               "and to (to after from)";
        return -1;
    }
    if (!by)
        by = "unit";
    if (strcmp (by, "unit") != 0 && strcmp (by, "area") != 0 && strcmp (by, "category") != 0) {
        *why = "by: unit, area or category";
        return -1;
    }
    snprintf (r->by, sizeof r->by, "%s", by);
    if (s_weights (r, weights ? weights : "0.30,0.35,0.35") != 0) {
        *why = "weights: three numbers ≥ 0 (响应率,解决率,满意率), not all 0, e.g. 0.30,0.35,0.35";
        return -1;
    }
    return 0;
}

void
hl_report_params (const hl_report_t *r, const char *tz, const char *params[HL_REPORT_NPARAMS])
{
    params[0] = r->from;
    params[1] = r->to;
    params[2] = r->by;
    params[3] = tz;
    params[4] = r->weights;
}

const char *
hl_report_column (const hl_report_t *r, const PGresult *res, int col)
{
    return col == 0 ? r->by : PQfname (res, col);
}

//  One CSV field (RFC 4180: quoted when it holds a comma, quote or newline).
static void
s_csv_field (hl_buf_t *out, const char *v)
{
    if (!strpbrk (v, ",\"\n\r")) {
        hl_buf_puts (out, v);
        return;
    }
    hl_buf_puts (out, "\"");
    for (; *v; v++)
        if (*v == '"')
            hl_buf_puts (out, "\"\"");
        else
            hl_buf_append (out, v, 1);
    hl_buf_puts (out, "\"");
}

void
hl_report_csv (const hl_report_t *r, const PGresult *res, hl_buf_t *out)
{
    for (int c = 0; c < PQnfields (res); c++) {
        hl_buf_puts (out, c ? "," : "");
        hl_buf_puts (out, hl_report_column (r, res, c));
    }
    hl_buf_puts (out, "\n");
    for (int row = 0; row < PQntuples (res); row++) {
        for (int c = 0; c < PQnfields (res); c++) {
            hl_buf_puts (out, c ? "," : "");
            s_csv_field (out, PQgetisnull (res, row, c) ? "" : PQgetvalue (res, row, c));
        }
        hl_buf_puts (out, "\n");
    }
}

void
hl_report_json (const hl_report_t *r, const PGresult *res, hl_buf_t *out)
{
    hl_buf_puts (out, "{");
    hl_json_kv_str (out, "period", r->name, strlen (r->name), 1);
    hl_json_kv_str (out, "from", r->from, strlen (r->from), 0);
    hl_json_kv_str (out, "to", r->to, strlen (r->to), 0);
    hl_json_kv_str (out, "by", r->by, strlen (r->by), 0);
    hl_json_key (out, "rows", 0);
    hl_buf_puts (out, "[");
    for (int row = 0; row < PQntuples (res); row++) {
        hl_buf_puts (out, row ? ",{" : "{");
        for (int c = 0; c < PQnfields (res); c++) {
            hl_json_key (out, hl_report_column (r, res, c), c == 0);
            const char *v = PQgetvalue (res, row, c);
            if (PQgetisnull (res, row, c))
                hl_buf_puts (out, "null");
            else
            if (c == 0)
                hl_json_str (out, v, strlen (v));
            else
                hl_buf_puts (out, v);        //  counts and numeric rates: digits from PostgreSQL
        }
        hl_buf_puts (out, "}");
    }
    hl_buf_puts (out, "]}");
}
