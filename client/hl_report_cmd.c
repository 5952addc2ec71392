/*  hl_report_cmd: "hotline report". See hl_report_cmd.h. */
#include "hl_report_cmd.h"
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
    fprintf (stderr, "usage: hotline report --month YYYY-MM [--csv | --json] "
                     "[--tz-offset-min N] [--dsn DSN] [--password-file FILE]\n");
    return S_USAGE;
}

static int
s_month_ok (const char *m)
{
    return strlen (m) == 7 && isdigit ((unsigned char) m[0]) && isdigit ((unsigned char) m[1])
        && isdigit ((unsigned char) m[2]) && isdigit ((unsigned char) m[3]) && m[4] == '-'
        && ((m[5] == '0' && m[6] >= '1' && m[6] <= '9')
            || (m[5] == '1' && m[6] >= '0' && m[6] <= '2'));
}

static int
s_is_rate (const PGresult *r, int col)
{
    const char *name = PQfname (r, col);
    size_t n = strlen (name);
    return n > 5 && strcmp (name + n - 5, "_rate") == 0;
}

//  One CSV field (RFC 4180: quoted when it holds a comma, quote or newline).
static void
s_csv_field (const char *v)
{
    if (!strpbrk (v, ",\"\n\r")) {
        fputs (v, stdout);
        return;
    }
    putchar ('"');
    for (; *v; v++) {
        if (*v == '"')
            putchar ('"');
        putchar (*v);
    }
    putchar ('"');
}

static void
s_print_csv (const PGresult *r)
{
    for (int c = 0; c < PQnfields (r); c++)
        printf ("%s%s", c ? "," : "", PQfname (r, c));
    putchar ('\n');
    for (int row = 0; row < PQntuples (r); row++) {
        for (int c = 0; c < PQnfields (r); c++) {
            if (c)
                putchar (',');
            s_csv_field (PQgetisnull (r, row, c) ? "" : PQgetvalue (r, row, c));
        }
        putchar ('\n');
    }
}

static void
s_json_string (const char *v)
{
    putchar ('"');
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            printf ("\\%c", *v);
        else
        if ((unsigned char) *v < 0x20)
            printf ("\\u%04x", *v);
        else
            putchar (*v);
    }
    putchar ('"');
}

//  Counts and rates are numbers; the unit a string; a missing rate null.
static void
s_print_json (const PGresult *r, const char *month)
{
    printf ("{\"month\":\"%s\",\"units\":[", month);
    for (int row = 0; row < PQntuples (r); row++) {
        printf ("%s{", row ? "," : "");
        for (int c = 0; c < PQnfields (r); c++) {
            printf ("%s\"%s\":", c ? "," : "", PQfname (r, c));
            if (PQgetisnull (r, row, c))
                fputs ("null", stdout);
            else
            if (c == 0)
                s_json_string (PQgetvalue (r, row, c));
            else
                fputs (PQgetvalue (r, row, c), stdout);
        }
        putchar ('}');
    }
    puts ("]}");
}

static void
s_print_text (const PGresult *r, const char *month)
{
    printf ("三率 %s (tickets that came in this month; rates with their counts)\n", month);
    for (int c = 0; c < PQnfields (r); c++)
        printf (c ? " %*s" : "%-*s", c ? (int) strlen (PQfname (r, c)) : 12, PQfname (r, c));
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
        { "csv", no_argument, NULL, 'c' },
        { "json", no_argument, NULL, 'j' },
        { "tz-offset-min", required_argument, NULL, 't' },
        { "dsn", required_argument, NULL, 'd' },
        { "password-file", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 }
    };
    const char *month = NULL, *dsn = getenv ("HOTLINE_ARCHIVE_DSN"), *pwfile = NULL;
    const char *tz = "480";
    s_format_t format = json ? S_JSON : S_TEXT;
    optind = 1;
    int c;
    while ((c = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
            case 'm': month = optarg; break;
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
    if (!month || !s_month_ok (month) || *end || tz_min < -720 || tz_min > 840 || optind < argc)
        return s_usage ();
    if (!dsn || !*dsn) {
        fprintf (stderr, "hotline: no archive: give --dsn or set HOTLINE_ARCHIVE_DSN\n");
        return S_USAGE;
    }
    PGconn *conn = s_connect (dsn, pwfile);
    if (!conn)
        return S_UNREACHABLE;
    const char *params[] = { month, tz };
    PGresult *r = PQexecParams (conn, "SELECT * FROM hl_report_month($1, $2::int)", 2, NULL,
                                params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus (r) != PGRES_TUPLES_OK) {
        fprintf (stderr, "hotline: archive: %s", PQerrorMessage (conn));
        rc = S_UNREACHABLE;
    }
    else
    if (format == S_CSV)
        s_print_csv (r);
    else
    if (format == S_JSON)
        s_print_json (r, month);
    else
        s_print_text (r, month);
    PQclear (r);
    PQfinish (conn);
    return rc;
}
