/*  bench/archive-life: tickets through their whole life, into the
 *  PostgreSQL archive and out of Redis after their retention time.
 *
 *      archive-life --redis ADDR --endpoint E --dsn DSN --password-file F
 *                   --retention-ms MS [--tickets N] [--rate R] [--burst B]
 *                   [--months M] [--month-tickets K] [--pii-key FILE]
 *
 *  hotlined runs beside it on the same Redis with the archive and the
 *  compressed retention time MS (bench/run-archive starts the stack); this
 *  program is its staff and units, writing the steps through the store as
 *  hotlined does (hl_store), and reads the results back:
 *
 *  1. lag: N tickets live their whole life (taken and dispatched, signed,
 *     replied, visited, closed: five steps, six history entries) at R
 *     steps a second; the archive lag of each closing step is the
 *     archive's write of that version (archived_at) less the step's moment.
 *  2. Every ticket leaves Redis after MS; then Redis's used memory against
 *     the start, per closed ticket, and every ticket asked of hotlined
 *     (`show`): found, closed, with its six history entries.
 *  3. write rate: B tickets closed at intake as fast as the store takes
 *     them; the archive's rate is B over the time until it has them all,
 *     against a plain COPY of the same rows (tickets and history) into
 *     tables like the archive's, in the same run.
 *  4. a simulated year: M months of K tickets each (their whole life as
 *     in 1, at R steps a second), a month at least one retention time;
 *     Redis's used memory at each month's end.
 */
#include "hl_life.h"
#include "hl_load.h"
#include "hl_bucket.h"
#include "hl_client.h"
#include "hl_secret.h"
#include "hl_store.h"
#include "hl_wire.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

//  Tickets in Redis: the keys hl:{NN}:t:*.
static long
s_live_tickets (redisContext *rc)
{
    long n = 0;
    char cursor[32] = "0";
    do {
        redisReply *r = redisCommand (rc, "SCAN %s MATCH hl:{*}:t:* COUNT 1000", cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            freeReplyObject (r);
            return -1;
        }
        snprintf (cursor, sizeof cursor, "%s", r->element[0]->str);
        n += (long) r->element[1]->elements;
        freeReplyObject (r);
    } while (strcmp (cursor, "0") != 0);
    return n;
}

//  Entries of every outbox not yet trimmed.
static long
s_outbox_entries (redisContext *rc)
{
    long n = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_own_key (key, sizeof key, b, HL_OUTBOX_KIND);
        redisReply *r = redisCommand (rc, "XLEN %s", key);
        n += r && r->type == REDIS_REPLY_INTEGER ? (long) r->integer : 0;
        freeReplyObject (r);
    }
    return n;
}

//  What Redis holds besides tickets, by kind (hl:{NN}:KIND:... or the key
//  up to its last ':'): keys and bytes (MEMORY USAGE), printed.
static void
s_breakdown (redisContext *rc)
{
    struct { char kind[48]; long keys; long long bytes; } k[64];
    memset (k, 0, sizeof k);
    int n = 0;
    char cursor[32] = "0";
    do {
        redisReply *r = redisCommand (rc, "SCAN %s COUNT 1000", cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            freeReplyObject (r);
            return;
        }
        snprintf (cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const char *key = r->element[1]->element[i]->str, *close = strchr (key, '}');
            const char *kind = close ? close + 2 : key;
            char name[48];
            snprintf (name, sizeof name, "%.*s", (int) strcspn (kind, ":"), kind);
            if (!close)
                snprintf (name, sizeof name, "%s", key);
            int j = 0;
            while (j < n && strcmp (k[j].kind, name) != 0)
                j++;
            if (j == n && n < 64)
                snprintf (k[n++].kind, sizeof k[0].kind, "%s", name);
            if (j == 64)
                continue;
            redisReply *u = redisCommand (rc, "MEMORY USAGE %s SAMPLES 0", key);
            k[j].keys++;
            k[j].bytes += u && u->type == REDIS_REPLY_INTEGER ? u->integer : 0;
            freeReplyObject (u);
        }
        freeReplyObject (r);
    } while (strcmp (cursor, "0") != 0);
    printf ("what Redis holds now, by kind (keys, bytes):");
    for (int j = 0; j < n; j++)
        printf (" %s %ld %lld;", k[j].kind, k[j].keys, k[j].bytes);
    printf ("\n");
}

//  Waits up to MS until no ticket is left in Redis and the outboxes are
//  trimmed: the seconds it took, or -1.
static double
s_wait_empty (redisContext *rc, int ms)
{
    double t0 = hl_life_now ();
    while (s_live_tickets (rc) != 0 || s_outbox_entries (rc) != 0) {
        if ((hl_life_now () - t0) * 1000 > ms)
            return -1;
        usleep (100 * 1000);
    }
    return hl_life_now () - t0;
}

static char *
s_pg_value (PGconn *pg, const char *sql)
{
    PGresult *r = PQexec (pg, sql);
    char *v = NULL;
    if (PQresultStatus (r) == PGRES_TUPLES_OK && PQntuples (r) > 0)
        v = strdup (PQgetvalue (r, 0, 0));
    else
    if (PQresultStatus (r) != PGRES_TUPLES_OK && PQresultStatus (r) != PGRES_COMMAND_OK)
        fprintf (stderr, "archive-life: %s: %s", sql, PQerrorMessage (pg));
    PQclear (r);
    return v;
}

static long
s_pg_long (PGconn *pg, const char *sql)
{
    char *v = s_pg_value (pg, sql);
    long n = v ? atol (v) : -1;
    free (v);
    return n;
}

//  `show` of every ticket, from hotlined: closed with its whole history.
static long
s_shown (const char *endpoint, char (*tickets)[HL_STORE_TICKET_MAX], long n)
{
    hl_client_t *client = hl_client_new (endpoint);
    long shown = 0;
    for (long i = 0; client && i < n; i++) {
        Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
        q.has_ticket = 1;
        q.ticket = hl_wire_bytes (tickets[i]);
        Hotline__Envelope req = HOTLINE__ENVELOPE__INIT, *reply = NULL;
        req.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
        req.ticket_query = &q;
        char err[256];
        if (hl_client_request (client, &req, &reply, 5000, 1000, err, sizeof err) == 0
            && reply->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW
            && reply->ticket_view->state == HOTLINE__STATE__STATE_CLOSED
            && reply->ticket_view->n_history == HL_LIFE_HISTORY)
            shown++;
        hl_wire_free (&reply);
    }
    hl_client_destroy (&client);
    return shown;
}

static void
s_results_drain (PGconn *pg)
{
    PGresult *r;
    while ((r = PQgetResult (pg)))
        PQclear (r);
}

//  COPY of the archive's rows OUT (a query's rows) into a new table like
//  the archive's TABLE (its indexes too): the seconds the COPY in took.
static double
s_copy (PGconn *pg, const char *table, const char *rows, long *n)
{
    char sql[512];
    snprintf (sql, sizeof sql, "DROP TABLE IF EXISTS bench_%s; CREATE TABLE bench_%s "
              "(LIKE %s INCLUDING ALL)", table, table, table);
    PQclear (PQexec (pg, sql));
    //  The rows as COPY's text, read into memory first.
    snprintf (sql, sizeof sql, "COPY (%s) TO STDOUT", rows);
    PGresult *r = PQexec (pg, sql);
    PQclear (r);
    size_t len = 0, cap = 1 << 20;
    char *data = malloc (cap), *buf;
    int got;
    *n = 0;
    while ((got = PQgetCopyData (pg, &buf, 0)) > 0) {
        while (len + (size_t) got > cap)
            data = realloc (data, cap *= 2);
        memcpy (data + len, buf, (size_t) got);
        len += (size_t) got;
        (*n)++;
        PQfreemem (buf);
    }
    s_results_drain (pg);
    snprintf (sql, sizeof sql, "COPY bench_%s FROM STDIN", table);
    double t0 = hl_life_now ();
    PQclear (PQexec (pg, sql));
    PQputCopyData (pg, data, (int) len);
    PQputCopyEnd (pg, NULL);
    s_results_drain (pg);
    double took = hl_life_now () - t0;
    snprintf (sql, sizeof sql, "DROP TABLE bench_%s", table);
    PQclear (PQexec (pg, sql));
    free (data);
    return took;
}

typedef struct {
    const char *redis, *endpoint, *dsn, *password_file, *pii_key;
    long tickets, burst, month_tickets;
    double rate;
    int months, retention_ms;
} s_opts_t;

static int
s_options (int argc, char **argv, s_opts_t *o)
{
    *o = (s_opts_t) { .tickets = 2000, .burst = 5000, .month_tickets = 1000, .rate = 2000,
                      .months = 12, .retention_ms = 2000 };
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp (k, "--redis")) o->redis = v;
        else if (!strcmp (k, "--endpoint")) o->endpoint = v;
        else if (!strcmp (k, "--dsn")) o->dsn = v;
        else if (!strcmp (k, "--password-file")) o->password_file = v;
        else if (!strcmp (k, "--pii-key")) o->pii_key = v;
        else if (!strcmp (k, "--tickets")) o->tickets = atol (v);
        else if (!strcmp (k, "--burst")) o->burst = atol (v);
        else if (!strcmp (k, "--month-tickets")) o->month_tickets = atol (v);
        else if (!strcmp (k, "--rate")) o->rate = atof (v);
        else if (!strcmp (k, "--months")) o->months = atoi (v);
        else if (!strcmp (k, "--retention-ms")) o->retention_ms = atoi (v);
        else return -1;
    }
    return o->redis && o->endpoint && o->dsn && o->tickets > 0 && o->burst > 0 ? 0 : -1;
}

int
main (int argc, char **argv)
{
    s_opts_t o;
    if (s_options (argc, argv, &o) != 0) {
        fprintf (stderr, "usage: archive-life --redis ADDR --endpoint E --dsn DSN "
                 "[--password-file F] [--retention-ms MS] [--tickets N] [--rate R] "
                 "[--burst B] [--months M] [--month-tickets K] [--pii-key FILE]\n");
        return 2;
    }
    char host[64], err[256];
    int port = 6379;
    sscanf (o.redis, "%63[^:]:%d", host, &port);
    redisContext *rc = redisConnect (host, port);
    char *password = o.password_file ? hl_secret_load (o.password_file, NULL, err, sizeof err)
                                     : NULL;
    const char *keys[] = { "dbname", "password", NULL };
    const char *values[] = { o.dsn, password, NULL };
    PGconn *pg = PQconnectdbParams (keys, values, 1);
    hl_pii_t *pii = o.pii_key ? hl_pii_new (o.pii_key, err, sizeof err) : NULL;
    if (!rc || rc->err || PQstatus (pg) != CONNECTION_OK || (o.pii_key && !pii)) {
        fprintf (stderr, "archive-life: Redis, PostgreSQL or the key: %s %s\n",
                 PQerrorMessage (pg), err);
        return 1;
    }
    struct event_base *base = event_base_new ();
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = o.redis;
    so.redis.timeout_ms = 10000;
    so.pii = pii;
    hl_store_t *store = hl_store_new (base, &so, err, sizeof err);
    if (!store) {
        fprintf (stderr, "archive-life: %s\n", err);
        return 1;
    }
    while (!hl_store_is_ready (store))
        event_base_loop (base, EVLOOP_ONCE);
    long long before = hl_load_used_memory (rc);
    long failed = 0;

    //  1. The lag at a steady rate of steps.
    char (*tickets)[HL_STORE_TICKET_MAX] = calloc ((size_t) o.tickets, sizeof *tickets);
    double t0 = hl_life_now ();
    failed += hl_life_drive (base, store, "life", o.tickets, o.rate, 0, tickets, NULL, NULL);
    double drive_s = hl_life_now () - t0;
    printf ("tickets: %ld through their whole life (%d steps each) in %.1f s: %.0f steps/s "
            "offered %.0f\n", o.tickets, HL_LIFE_STEPS, drive_s, (double) o.tickets * HL_LIFE_STEPS / drive_s,
            o.rate);
    long long live = hl_load_used_memory (rc);
    printf ("redis bytes per closed ticket before its retention time: %lld\n",
            (live - before) / o.tickets);

    //  2. Out of Redis after the retention time; still shown.
    double empty_s = s_wait_empty (rc, 60000 + o.retention_ms);
    long long after = hl_load_used_memory (rc);
    printf ("all left Redis %.1f s after the last close (retention %d ms)\n", empty_s,
            o.retention_ms);
    printf ("redis memory after them, against the start: %+lld bytes (%lld a ticket)\n",
            after - before, (after - before) / o.tickets);
    s_breakdown (rc);
    char sql[512];
    long archived = s_pg_long (pg, "SELECT count(*) FROM tickets WHERE state = 'closed'");
    char *p99 = s_pg_value (pg, "SELECT round(percentile_disc(0.99) WITHIN GROUP (ORDER BY "
        "extract(epoch FROM t.archived_at - h.at) * 1000)) FROM tickets t JOIN history h "
        "ON h.number = t.number AND h.created_at = t.created_at AND h.seq = t.version "
        "WHERE t.state = 'closed'");
    char *p50 = s_pg_value (pg, "SELECT round(percentile_disc(0.5) WITHIN GROUP (ORDER BY "
        "extract(epoch FROM t.archived_at - h.at) * 1000)) FROM tickets t JOIN history h "
        "ON h.number = t.number AND h.created_at = t.created_at AND h.seq = t.version "
        "WHERE t.state = 'closed'");
    printf ("archive lag p99: %s ms (p50 %s ms) at %.0f steps/s, over the %ld closing steps\n",
            p99 ? p99 : "?", p50 ? p50 : "?", o.rate, archived);
    free (p99);
    free (p50);
    long shown = s_shown (o.endpoint, tickets, o.tickets);
    printf ("archived shown %ld/%ld\n", shown, o.tickets);

    //  3. The archive's write rate against COPY's.
    char (*burst)[HL_STORE_TICKET_MAX] = calloc ((size_t) o.burst, sizeof *burst);
    long base_rows = s_pg_long (pg, "SELECT count(*) FROM tickets");
    t0 = hl_life_now ();
    failed += hl_life_drive (base, store, "burst", o.burst, 0, 1, burst, NULL, NULL);
    double intake_s = hl_life_now () - t0;
    snprintf (sql, sizeof sql, "SELECT count(*) >= %ld FROM tickets", base_rows + o.burst);
    char *all = NULL;
    while (!(all = s_pg_value (pg, sql)) || strcmp (all, "t") != 0) {
        free (all);
        if (hl_life_now () - t0 > 300)
            break;
        usleep (20 * 1000);
    }
    free (all);
    double archive_s = hl_life_now () - t0;
    long rows_t = 0, rows_h = 0;
    double copy_s = s_copy (pg, "tickets", "SELECT * FROM tickets WHERE state = "
                            "'answered_directly'", &rows_t);
    copy_s += s_copy (pg, "history", "SELECT h.* FROM history h JOIN tickets t USING "
                      "(number, created_at) WHERE t.state = 'answered_directly'", &rows_h);
    double archive_rate = (double) o.burst / archive_s, copy_rate = (double) rows_t / copy_s;
    printf ("archive write rate: %.0f tickets/s (%ld closed at intake, taken in %.1f s, "
            "archived in %.1f s)\n", archive_rate, o.burst, intake_s, archive_s);
    printf ("COPY ceiling: %.0f tickets/s (%ld tickets and %ld history rows in %.2f s); "
            "ratio %.2f\n", copy_rate, rows_t, rows_h, copy_s, archive_rate / copy_rate);
    s_wait_empty (rc, 60000 + o.retention_ms);

    //  4. A simulated year: a month's tickets, then a retention time.
    printf ("a simulated year: %d months of %ld tickets, retention %d ms a month\n", o.months,
            o.month_tickets, o.retention_ms);
    char (*month)[HL_STORE_TICKET_MAX] = calloc ((size_t) o.month_tickets, sizeof *month);
    long long lo = -1, hi = -1;
    for (int m = 0; m < o.months; m++) {
        char run[32];
        snprintf (run, sizeof run, "m%d", m);
        memset (month, 0, (size_t) o.month_tickets * sizeof *month);
        double m0 = hl_life_now ();
        failed += hl_life_drive (base, store, run, o.month_tickets, o.rate, 0, month, NULL, NULL);
        double left = o.retention_ms / 1000.0 - (hl_life_now () - m0);
        if (left > 0)
            usleep ((useconds_t) (left * 1e6));
        long long used = hl_load_used_memory (rc);
        long in_redis = s_live_tickets (rc);
        lo = lo < 0 || used < lo ? used : lo;
        hi = used > hi ? used : hi;
        printf ("  month %2d: redis used_memory %lld bytes (%+lld against the start), "
                "%ld tickets in Redis\n", m + 1, used, used - before, in_redis);
    }
    s_wait_empty (rc, 60000 + o.retention_ms);
    long long end = hl_load_used_memory (rc);
    long year = (long) o.months * o.month_tickets;
    printf ("redis memory over the year: %lld..%lld bytes at the months' ends; after the last "
            "retention time %+lld bytes against the start (%ld tickets in all)\n", lo, hi,
            end - before, o.tickets + o.burst + year);
    s_breakdown (rc);
    //  What each closed ticket leaves behind: the growth over the year
    //  (the fixed part, per bucket, was there after the first tickets).
    printf ("redis bytes per closed ticket: %lld (growth over the year's %ld tickets, all out "
            "of Redis)\n", (end - after) / (year + o.burst), year + o.burst);
    printf ("steps failed: %ld\n", failed);

    free (tickets);
    free (burst);
    free (month);
    hl_store_destroy (&store);
    hl_pii_destroy (&pii);
    event_base_free (base);
    PQfinish (pg);
    redisFree (rc);
    hl_secret_free (&password);
    return failed || shown != o.tickets ? 1 : 0;
}
