/*  archive-write: how fast tickets go into the PostgreSQL archive.
 *
 *  Against a running server (bench/run-archive-write starts a private one)
 *  it writes N synthetic closed tickets (~0.6 KB each, Chinese content,
 *  November 2026) four ways and prints tickets per second for each:
 *
 *    copy            COPY tickets FROM STDIN (blocking libpq): the ceiling
 *    upsert-batch    hl_put_tickets($1) with B tickets a call, through
 *                    hl_pg on a libevent loop, 4 calls in flight (pipeline)
 *    replay-batch    the same batches again: idempotent, nothing written
 *    upsert-single   one ticket a call, without and with pipeline mode
 *
 *  Usage: archive-write --dsn DSN --password-file FILE [--tickets N] [--batch B]
 */
#include "hl_pg.h"
#include "hl_redis.h"
#include "hl_schema.h"
#include "hl_secret.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct event_base *base;
    hl_pg_t *pg;
    int outstanding;
    long written;
    int errors;
    int schema_done;
} s_bench_t;

static const char *s_units[] = { "rsj", "ybj", "gjj", "sthjj", "jcq.cgj", "swjt", "gdj", "zjj" };
static const char *s_content = "楼下烧烤店每天凌晨两点还在营业，油烟和噪音严重影响居民休息，"
                               "多次与店主沟通无果，请相关部门尽快核实处理并回复。";

//  Ticket I as one JSON object (for hl_put_tickets) into BUF.
static int
s_ticket_json (char *buf, size_t size, int i, int version)
{
    int day = 1 + i % 28, hour = i % 24;
    return snprintf (buf, size,
        "{\"number\":\"YJ202611%02d%06d\",\"created_at\":\"2026-11-%02dT%02d:00:00Z\","
        "\"version\":%d,\"state\":\"closed\",\"type\":\"投诉\",\"category\":\"HB.03\","
        "\"area\":\"441702\",\"unit\":\"%s\",\"channel\":\"phone\","
        "\"dispatched_at\":\"2026-11-%02dT%02d:01:00Z\",\"closed_at\":\"2026-11-%02dT23:00:00Z\","
        "\"contact_due\":\"2026-11-%02dT23:00:00Z\",\"contact_met\":\"2026-11-%02dT%02d:30:00Z\","
        "\"satisfaction\":\"satisfied\",\"resolved\":true,"
        "\"caller_hash\":\"\\\\x%064x\",\"content\":\"%s\"}",
        day, i, day, hour, version, s_units[i % 8], day, hour, day, day, day, hour, i, s_content);
}

//  Ticket I as one COPY text line (the same columns) into BUF.
static int
s_ticket_copy (char *buf, size_t size, int i)
{
    int day = 1 + i % 28, hour = i % 24;
    return snprintf (buf, size,
        "YJ202611%02d%06d\t2026-11-%02dT%02d:00:00Z\t1\tclosed\t投诉\tHB.03\t441702\t%s\tphone\t"
        "2026-11-%02dT%02d:01:00Z\t2026-11-%02dT23:00:00Z\t2026-11-%02dT23:00:00Z\t"
        "2026-11-%02dT%02d:30:00Z\tsatisfied\tt\t\\\\x%064x\t%s\n",
        day, i, day, hour, s_units[i % 8], day, hour, day, day, day, hour, i, s_content);
}

static void
s_run_until_idle (s_bench_t *b)
{
    while (b->outstanding > 0)
        event_base_loop (b->base, EVLOOP_ONCE);
}

static void
s_on_put (hl_pg_t *pg, const PGresult *res, const char *err, void *arg)
{
    (void) pg;
    s_bench_t *b = arg;
    b->outstanding--;
    if (err) {
        if (b->errors++ < 3)
            fprintf (stderr, "archive-write: %s\n", err);
        return;
    }
    b->written += atol (PQgetvalue (res, 0, 0));
}

static void
s_on_schema (int version, const char *err, void *arg)
{
    s_bench_t *b = arg;
    b->schema_done = 1;
    if (err)
        fprintf (stderr, "archive-write: schema: %s\n", err);
    (void) version;
}

static void
s_on_state (hl_pg_t *pg, int up, void *arg)
{
    (void) pg;
    (void) up;
    (void) arg;
}

static hl_pg_t *
s_link (s_bench_t *b, const char *dsn, const char *password, int pipeline)
{
    hl_pg_opts_t o;
    hl_pg_opts_default (&o);
    o.conninfo = dsn;
    o.password = password;
    o.pipeline = pipeline;
    o.timeout_ms = 60000;
    o.statement_timeout_ms = 60000;
    char err[256];
    hl_pg_t *pg = hl_pg_new (b->base, &o, s_on_state, b, err, sizeof err);
    if (!pg) {
        fprintf (stderr, "archive-write: %s\n", err);
        exit (1);
    }
    while (!hl_pg_is_up (pg))
        event_base_loop (b->base, EVLOOP_ONCE);
    return pg;
}

static void
s_exec (PGconn *conn, const char *sql)
{
    PGresult *r = PQexec (conn, sql);
    if (PQresultStatus (r) != PGRES_COMMAND_OK && PQresultStatus (r) != PGRES_TUPLES_OK) {
        fprintf (stderr, "archive-write: %s: %s", sql, PQerrorMessage (conn));
        exit (1);
    }
    PQclear (r);
}

static double
s_copy (PGconn *conn, int n)
{
    s_exec (conn, "TRUNCATE tickets");
    int64_t t0 = hl_monotonic_us ();
    PGresult *r = PQexec (conn, "COPY tickets (number, created_at, version, state, type, category,"
                                " area, unit, channel, dispatched_at, closed_at, contact_due,"
                                " contact_met, satisfaction, resolved, caller_hash, content)"
                                " FROM STDIN");
    if (PQresultStatus (r) != PGRES_COPY_IN) {
        fprintf (stderr, "archive-write: COPY: %s", PQerrorMessage (conn));
        exit (1);
    }
    PQclear (r);
    char line[2048];
    for (int i = 0; i < n; i++) {
        int len = s_ticket_copy (line, sizeof line, i);
        if (PQputCopyData (conn, line, len) != 1)
            exit (1);
    }
    PQputCopyEnd (conn, NULL);
    r = PQgetResult (conn);
    if (PQresultStatus (r) != PGRES_COMMAND_OK) {
        fprintf (stderr, "archive-write: COPY: %s", PQerrorMessage (conn));
        exit (1);
    }
    PQclear (r);
    while ((r = PQgetResult (conn)))
        PQclear (r);
    return n / ((hl_monotonic_us () - t0) / 1e6);
}

//  N tickets in batches of BATCH, INFLIGHT calls at a time.
static double
s_upsert (s_bench_t *b, int n, int batch, int inflight, int version)
{
    size_t size = (size_t) batch * 1200 + 16;
    char *json = malloc (size);
    b->written = 0;
    int64_t t0 = hl_monotonic_us ();
    for (int first = 0; first < n; first += batch) {
        size_t len = 0;
        json[len++] = '[';
        for (int i = first; i < first + batch && i < n; i++) {
            if (i > first)
                json[len++] = ',';
            len += (size_t) s_ticket_json (json + len, size - len, i, version);
        }
        json[len++] = ']';
        json[len] = 0;
        while (b->outstanding >= inflight)
            event_base_loop (b->base, EVLOOP_ONCE);
        const char *params[] = { json };
        if (hl_pg_query (b->pg, "SELECT hl_put_tickets($1::jsonb)", 1, params, s_on_put, b) != 0)
            exit (1);
        b->outstanding++;
    }
    s_run_until_idle (b);
    free (json);
    return n / ((hl_monotonic_us () - t0) / 1e6);
}

int
main (int argc, char **argv)
{
    const char *dsn = NULL, *pwfile = NULL;
    int n = 20000, batch = 500;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp (argv[i], "--dsn") == 0)
            dsn = argv[i + 1];
        else if (strcmp (argv[i], "--password-file") == 0)
            pwfile = argv[i + 1];
        else if (strcmp (argv[i], "--tickets") == 0)
            n = atoi (argv[i + 1]);
        else if (strcmp (argv[i], "--batch") == 0)
            batch = atoi (argv[i + 1]);
    }
    char err[256];
    char *password = pwfile ? hl_secret_load (pwfile, NULL, err, sizeof err) : NULL;
    if (!dsn || n <= 0 || batch <= 0 || (pwfile && !password)) {
        fprintf (stderr, "usage: archive-write --dsn DSN --password-file FILE [--tickets N]"
                         " [--batch B]\n");
        return 2;
    }
    s_bench_t b = { .base = event_base_new () };
    b.pg = s_link (&b, dsn, password, 1);
    hl_schema_apply (b.pg, s_on_schema, &b);
    while (!b.schema_done)
        event_base_loop (b.base, EVLOOP_ONCE);
    const char *keys[] = { "dbname", "password", NULL };
    const char *vals[] = { dsn, password, NULL };
    PGconn *conn = PQconnectdbParams (keys, vals, 1);
    if (PQstatus (conn) != CONNECTION_OK) {
        fprintf (stderr, "archive-write: %s", PQerrorMessage (conn));
        return 1;
    }
    s_exec (conn, "SELECT hl_ensure_months('2026-11-01', 1)");

    double copy = s_copy (conn, n);
    printf ("copy:                    %8.0f tickets/s (%d tickets)\n", copy, n);
    s_exec (conn, "TRUNCATE tickets");
    double upsert = s_upsert (&b, n, batch, 4, 1);
    printf ("upsert-batch:            %8.0f tickets/s (batches of %d, 4 in flight; %ld written,"
            " %.0f%% of copy)\n", upsert, batch, b.written, 100 * upsert / copy);
    double replay = s_upsert (&b, n, batch, 4, 1);
    printf ("replay-batch:            %8.0f tickets/s (%ld written)\n", replay, b.written);
    double newer = s_upsert (&b, n, batch, 4, 2);
    printf ("update-batch:            %8.0f tickets/s (newer version; %ld written)\n", newer,
            b.written);
    int single_n = n < 5000 ? n : 5000;
    s_exec (conn, "TRUNCATE tickets");
    hl_pg_destroy (&b.pg);
    b.pg = s_link (&b, dsn, password, 0);
    double single = s_upsert (&b, single_n, 1, 64, 1);
    printf ("upsert-single:           %8.0f tickets/s (%d tickets, one at a time on the wire)\n",
            single, single_n);
    s_exec (conn, "TRUNCATE tickets");
    hl_pg_destroy (&b.pg);
    b.pg = s_link (&b, dsn, password, 1);
    double piped = s_upsert (&b, single_n, 1, 64, 1);
    printf ("upsert-single-pipeline:  %8.0f tickets/s (%d tickets, 64 in flight)\n", piped,
            single_n);
    hl_pg_destroy (&b.pg);
    PQfinish (conn);
    hl_secret_free (&password);
    event_base_free (b.base);
    return b.errors ? 1 : 0;
}
