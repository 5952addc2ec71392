/*  hl_report_cmd: "hotline report". See hl_report_cmd.h. */
#include "hl_report_cmd.h"
#include "hl_report.h"
#include "hl_secret.h"

#include <ctype.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_USAGE = 1, S_UNREACHABLE = 3 };

typedef enum { S_TEXT, S_CSV, S_JSON } s_format_t;

static int
s_usage (void)
{
    fprintf (stderr, "usage: hotline report (--month YYYY-MM | --year YYYY | --from YYYY-MM-DD "
                     "--to YYYY-MM-DD)\n"
                     "                      [--by unit|area|category] [--weights R,S,T] "
                     "[--csv | --json]\n"
                     "                      [--tz-offset-min N] [--dsn DSN] "
                     "[--password-file FILE]\n");
    return S_USAGE;
}

static int
s_is_rate (const PGresult *r, int col)
{
    const char *name = PQfname (r, col);
    size_t n = strlen (name);
    return n > 5 && strcmp (name + n - 5, "_rate") == 0;
}

static void
s_print_text (const hl_report_t *rep, const PGresult *r)
{
    printf ("三率 and 考核 %s by %s (tickets that came in then; rates with their counts)\n",
            rep->name, rep->by);
    for (int c = 0; c < PQnfields (r); c++)
        printf (c ? " %*s" : "%-*s", c ? (int) strlen (PQfname (r, c)) : 12,
                hl_report_column (rep, r, c));
    putchar ('\n');
    for (int row = 0; row < PQntuples (r); row++) {
        for (int c = 0; c < PQnfields (r); c++) {
            int width = (int) strlen (PQfname (r, c));
            char cell[32];
            if (c == 0)
                snprintf (cell, sizeof cell, "%s", PQgetvalue (r, row, c));
            else
            if (PQgetisnull (r, row, c))
                snprintf (cell, sizeof cell, "—");
            else
            if (s_is_rate (r, c))
                snprintf (cell, sizeof cell, "%.1f%%", 100 * atof (PQgetvalue (r, row, c)));
            else
                snprintf (cell, sizeof cell, "%s", PQgetvalue (r, row, c));
            //  "—" is one column wide but three bytes long.
            int pad = strcmp (cell, "—") == 0 ? 2 : 0;
            printf (c ? " %*s" : "%-*s", c ? width + pad : 12, cell);
        }
        putchar ('\n');
    }
}

static PGconn *
s_connect (const char *dsn, const char *pwfile)
{
    char err[300];
    char *password = NULL;
    if (!pwfile)
        pwfile = getenv ("HOTLINE_ARCHIVE_PASSWORD_FILE");
    if ((pwfile && *pwfile) || getenv ("HOTLINE_ARCHIVE_PASSWORD")) {
        password = hl_secret_load (pwfile, "HOTLINE_ARCHIVE_PASSWORD", err, sizeof err);
        if (!password) {
            fprintf (stderr, "hotline: archive password: %s\n", err);
            return NULL;
        }
    }
    const char *keys[4] = { "dbname", "application_name" };
    const char *vals[4] = { dsn, "hotline-report" };
    if (password) {
        keys[2] = "password";
        vals[2] = password;
    }
    PGconn *conn = PQconnectdbParams (keys, vals, 1);
    hl_secret_free (&password);
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "hotline: archive: %s", PQerrorMessage (conn));
        PQfinish (conn);
        return NULL;
    }
    return conn;
}

int
hl_report_cmd (int argc, char **argv, bool json)
{
    static const struct option longopts[] = {
        { "month", required_argument, NULL, 'm' },
        { "year", required_argument, NULL, 'y' },
        { "from", required_argument, NULL, 'f' },
        { "to", required_argument, NULL, 'T' },
        { "by", required_argument, NULL, 'b' },
        { "weights", required_argument, NULL, 'w' },
        { "csv", no_argument, NULL, 'c' },
        { "json", no_argument, NULL, 'j' },
        { "tz-offset-min", required_argument, NULL, 't' },
        { "dsn", required_argument, NULL, 'd' },
        { "password-file", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 }
    };
    const char *month = NULL, *year = NULL, *from = NULL, *to = NULL;
    const char *dsn = getenv ("HOTLINE_ARCHIVE_DSN"), *pwfile = NULL;
    const char *tz = "480", *by = NULL, *weights = NULL;
    s_format_t format = json ? S_JSON : S_TEXT;
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
            case 'm': month = optarg; break;
            case 'y': year = optarg; break;
            case 'f': from = optarg; break;
            case 'T': to = optarg; break;
            case 'b': by = optarg; break;
            case 'w': weights = optarg; break;
            case 'c': format = S_CSV; break;
            case 'j': format = S_JSON; break;
            case 't': tz = optarg; break;
            case 'd': dsn = optarg; break;
            case 'p': pwfile = optarg; break;
            default: return s_usage ();
        }
    }
    char *end;
    long tz_min = strtol (tz, &end, 10);
    if (*end || tz_min < -720 || tz_min > 840 || optind < argc)
        return s_usage ();
    hl_report_t rep;
    const char *why;
    if (hl_report_ask (&rep, month, year, from, to, by, weights, &why) != 0) {
        fprintf (stderr, "hotline: report: %s\n", why);
        return s_usage ();
    }
    if (!dsn || !*dsn) {
        fprintf (stderr, "hotline: no archive: give --dsn or set HOTLINE_ARCHIVE_DSN\n");
        return S_USAGE;
    }
    PGconn *conn = s_connect (dsn, pwfile);
    if (!conn)
        return S_UNREACHABLE;
    const char *params[HL_REPORT_NPARAMS];
    hl_report_params (&rep, tz, params);
    PGresult *r = PQexecParams (conn, hl_report_sql, HL_REPORT_NPARAMS, NULL, params, NULL, NULL,
                                0);
    int rc = 0;
    if (PQresultStatus (r) != PGRES_TUPLES_OK) {
        fprintf (stderr, "hotline: archive: %s", PQerrorMessage (conn));
        rc = S_UNREACHABLE;
    }
    else
    if (format == S_TEXT)
        s_print_text (&rep, r);
    else {
        hl_buf_t out = HL_BUF_INIT;
        if (format == S_CSV)
            hl_report_csv (&rep, r, &out);
        else
            hl_report_json (&rep, r, &out);
        fputs (out.data ? out.data : "", stdout);
        if (format == S_JSON)
            putchar ('\n');
        hl_buf_free (&out);
    }
    PQclear (r);
    PQfinish (conn);
    return rc;
}
