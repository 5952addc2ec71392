/*  hl_dashreport: the dashboard's reports from the archive. See
 *  hl_dashreport.h. */
#include "hl_dashreport.h"
#include "hl_report.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    hl_httpd_req_t *req;
    hl_report_t report;
} s_ask_t;

static void
s_on_rows (hl_pg_t *pg, const PGresult *result, const char *err, void *arg)
{
    (void) pg;
    s_ask_t *a = arg;
    if (err)
        hl_httpd_reply_error (a->req, 503, "unavailable", err);
    else {
        hl_buf_t json = HL_BUF_INIT;
        hl_report_json (&a->report, result, &json);
        hl_httpd_reply (a->req, 200, "application/json", json.data, json.len);
        hl_buf_free (&json);
    }
    free (a);
}

//  Query parameter KEY into OUT, or NULL if absent.
static const char *
s_param (hl_httpd_req_t *req, const char *key, char *out, size_t outlen)
{
    return hl_httpd_req_param (req, key, out, outlen) == 1 ? out : NULL;
}

void
hl_dashreport_serve (hl_archive_t *archive, hl_httpd_req_t *req, int tz_offset_min)
{
    char month[16], year[16], from[16], to[16], by[16], weights[64], tz[16];
    const char *why;
    s_ask_t *a = calloc (1, sizeof *a);
    if (!a)
        abort ();
    a->req = req;
    if (hl_report_ask (&a->report, s_param (req, "month", month, sizeof month),
                       s_param (req, "year", year, sizeof year),
                       s_param (req, "from", from, sizeof from), s_param (req, "to", to, sizeof to),
                       s_param (req, "by", by, sizeof by),
                       s_param (req, "weights", weights, sizeof weights), &why) != 0) {
        hl_httpd_reply_error (req, 400, "bad_value", why);
        free (a);
        return;
    }
    if (!archive || !hl_archive_ready (archive)) {
        hl_httpd_reply_error (req, 503, "unavailable",
                              archive ? "the archive (PostgreSQL) is not reachable now"
                                      : "no archive is configured (archive_dsn)");
        free (a);
        return;
    }
    snprintf (tz, sizeof tz, "%d", tz_offset_min);
    const char *params[HL_REPORT_NPARAMS];
    hl_report_params (&a->report, tz, params);
    if (hl_pg_query (hl_archive_pg (archive), hl_report_sql, HL_REPORT_NPARAMS, params, s_on_rows,
                     a) != 0) {
        hl_httpd_reply_error (req, 503, "unavailable", "the archive (PostgreSQL) is not reachable now");
        free (a);
    }
}
