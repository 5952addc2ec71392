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
    fprintf (stderr, "usage: hotline report (--month YYYY-MM | --year YYYY | --from YYYY-MM-DD "
                     "--to YYYY-MM-DD)\n"
                     "                      [--by unit|area|category] [--weights R,S,T] "
                     "[--csv | --json]\n"
                     "                      [--tz-offset-min N] [--dsn DSN] "
                     "[--password-file FILE]\n");
    return S_USAGE;
}

//  The period asked for, as local days [FROM, TO) and a name for it.
typedef struct {
    char from[24], to[24];      //  (room the compiler can prove)
    char name[32];
} s_period_t;

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

//  The period of --month, --year or --from/--to (exactly one of them).
static int
s_period (s_period_t *p, const char *month, const char *year, const char *from, const char *to)
{
    if ((month != NULL) + (year != NULL) + (from || to) != 1)
        return -1;
    if (month) {
        if (strlen (month) != 7 || !s_digits (month, 4) || month[4] != '-'
            || !s_digits (month + 5, 2) || atoi (month + 5) < 1 || atoi (month + 5) > 12)
            return -1;
        int y = atoi (month), m = atoi (month + 5);
        snprintf (p->from, sizeof p->from, "%04d-%02d-01", y, m);
        snprintf (p->to, sizeof p->to, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
        snprintf (p->name, sizeof p->name, "%s", month);
        return 0;
    }
    if (year) {
        if (strlen (year) != 4 || !s_digits (year, 4))
            return -1;
        snprintf (p->from, sizeof p->from, "%s-01-01", year);
        snprintf (p->to, sizeof p->to, "%04d-01-01", atoi (year) + 1);
        snprintf (p->name, sizeof p->name, "%s", year);
        return 0;
    }
    if (!from || !to || !s_day_ok (from) || !s_day_ok (to) || strcmp (from, to) >= 0)
        return -1;
    snprintf (p->from, sizeof p->from, "%s", from);
    snprintf (p->to, sizeof p->to, "%s", to);
    snprintf (p->name, sizeof p->name, "%s..%s", from, to);
    return 0;
}

//  --weights "R,S,T" as PostgreSQL's array text "{R,S,T}": three numbers.
static int
s_weights (const char *text, char out[64])
{
    double w[3];
    int used = 0;
    if (sscanf (text, "%lf,%lf,%lf%n", &w[0], &w[1], &w[2], &used) != 3 || text[used]
        || w[0] < 0 || w[1] < 0 || w[2] < 0 || w[0] + w[1] + w[2] <= 0)
        return -1;
    snprintf (out, 64, "{%g,%g,%g}", w[0], w[1], w[2]);
    return 0;
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

//  A column's name as shown: the group column is named by what it groups.
static const char *
s_column (const PGresult *r, int col, const char *by)
{
    return col == 0 ? by : PQfname (r, col);
}

static void
s_print_csv (const PGresult *r, const char *by)
{
    for (int c = 0; c < PQnfields (r); c++)
        printf ("%s%s", c ? "," : "", s_column (r, c, by));
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

//  Counts, rates and scores are numbers; the group a string; a missing
//  rate or score null.
static void
s_print_json (const PGresult *r, const s_period_t *p, const char *by)
{
    printf ("{\"period\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"by\":\"%s\",\"rows\":[",
            p->name, p->from, p->to, by);
    for (int row = 0; row < PQntuples (r); row++) {
        printf ("%s{", row ? "," : "");
        for (int c = 0; c < PQnfields (r); c++) {
            printf ("%s\"%s\":", c ? "," : "", s_column (r, c, by));
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
s_print_text (const PGresult *r, const s_period_t *p, const char *by)
{
    printf ("三率 and 考核 %s by %s (tickets that came in then; rates with their counts)\n",
            p->name, by);
    for (int c = 0; c < PQnfields (r); c++)
        printf (c ? " %*s" : "%-*s", c ? (int) strlen (PQfname (r, c)) : 12,
                s_column (r, c, by));
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
    const char *tz = "480", *by = "unit", *weights = "0.30,0.35,0.35";
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
    char *end, warray[64];
    long tz_min = strtol (tz, &end, 10);
    s_period_t period;
    if (s_period (&period, month, year, from, to) != 0 || *end || tz_min < -720 || tz_min > 840
        || optind < argc
        || (strcmp (by, "unit") != 0 && strcmp (by, "area") != 0 && strcmp (by, "category") != 0))
        return s_usage ();
    if (s_weights (weights, warray) != 0) {
        fprintf (stderr, "hotline: --weights: three numbers ≥ 0 (响应率,解决率,满意率), "
                         "not all 0, e.g. 0.30,0.35,0.35\n");
        return S_USAGE;
    }
    if (!dsn || !*dsn) {
        fprintf (stderr, "hotline: no archive: give --dsn or set HOTLINE_ARCHIVE_DSN\n");
        return S_USAGE;
    }
    PGconn *conn = s_connect (dsn, pwfile);
    if (!conn)
        return S_UNREACHABLE;
    const char *params[] = { period.from, period.to, by, tz, warray };
    PGresult *r = PQexecParams (conn, "SELECT * FROM hl_report($1::date, $2::date, $3, $4::int, "
                                "$5::numeric[])", 5, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus (r) != PGRES_TUPLES_OK) {
        fprintf (stderr, "hotline: archive: %s", PQerrorMessage (conn));
        rc = S_UNREACHABLE;
    }
    else
    if (format == S_CSV)
        s_print_csv (r, by);
    else
    if (format == S_JSON)
        s_print_json (r, &period, by);
    else
        s_print_text (r, &period, by);
    PQclear (r);
    PQfinish (conn);
    return rc;
}
