/*  Unit test of hl_pg against a real PostgreSQL: results and errors, with
 *  and without pipeline mode, the server's statement timeout, the
 *  watchdog on a frozen backend and a frozen postmaster, and reconnection
 *  after a restart. Every callback must fire exactly once.
 */
#include "hl_pg.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testpg.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>

typedef struct {
    struct event_base *base;
    int ups, downs;
    int results, errors;
    char last_value[64];
    char last_err[256];
} s_probe_t;

static void
s_on_state (hl_pg_t *pg, int up, void *arg)
{
    (void) pg;
    s_probe_t *p = arg;
    if (up)
        p->ups++;
    else
        p->downs++;
}

static void
s_on_result (hl_pg_t *pg, const PGresult *res, const char *err, void *arg)
{
    (void) pg;
    s_probe_t *p = arg;
    HL_CHECK ((res == NULL) != (err == NULL));
    if (res) {
        p->results++;
        snprintf (p->last_value, sizeof p->last_value, "%s",
                  PQntuples (res) > 0 ? PQgetvalue (res, 0, 0) : "");
    }
    else {
        p->errors++;
        snprintf (p->last_err, sizeof p->last_err, "%s", err);
    }
}

//  Sends a script from inside a callback (in pipeline mode: while the
//  results are being read, right after the sync point).
static void
s_then_script (hl_pg_t *pg, const PGresult *res, const char *err, void *arg)
{
    s_on_result (pg, res, err, arg);
    HL_CHECK (hl_pg_script (pg, "SELECT 'chained'", s_on_result, arg) == 0);
}

static void
s_run (struct event_base *base, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
}

//  Runs the loop until *COUNTER reaches WANT or MS pass.
static void
s_until (s_probe_t *p, const int *counter, int want, int ms)
{
    long long t0 = hl_testenv_now_ms ();
    while (*counter < want && hl_testenv_now_ms () - t0 < ms)
        s_run (p->base, 10);
}

static hl_pg_t *
s_connect (hl_testpg_t *pg, s_probe_t *p, int pipeline, int timeout_ms)
{
    hl_pg_opts_t o;
    hl_pg_opts_default (&o);
    o.conninfo = hl_testpg_dsn (pg);
    o.password = hl_testpg_password (pg);
    o.timeout_ms = timeout_ms;
    o.statement_timeout_ms = 300;
    o.backoff_min_ms = 20;
    o.backoff_max_ms = 100;
    o.pipeline = pipeline;
    char err[256];
    hl_pg_t *c = hl_pg_new (p->base, &o, s_on_state, p, err, sizeof err);
    HL_CHECK (c != NULL);
    s_until (p, &p->ups, 1, 5000);
    HL_CHECK (c && hl_pg_is_up (c));
    return c;
}

static void
s_roundtrips (int pipeline)
{
    hl_testpg_t *pg = hl_testpg_new ("pg-roundtrip");
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    s_probe_t p = { .base = event_base_new () };
    hl_pg_t *c = s_connect (pg, &p, pipeline, 2000);

    const char *args[] = { "40", "2" };
    HL_CHECK (hl_pg_query (c, "SELECT $1::int + $2::int", 2, args, s_on_result, &p) == 0);
    s_until (&p, &p.results, 1, 2000);
    HL_CHECK_STR (p.last_value, "42");

    //  A NULL parameter is SQL NULL; texts go through untouched.
    const char *nul[] = { NULL, "工单 'quoted' \\ text" };
    HL_CHECK (hl_pg_query (c, "SELECT coalesce($1, $2)", 2, nul, s_on_result, &p) == 0);
    s_until (&p, &p.results, 2, 2000);
    HL_CHECK_STR (p.last_value, "工单 'quoted' \\ text");

    //  Many queries at once; an error spoils only its own query.
    for (int i = 0; i < 200; i++) {
        const char *sql = i == 100 ? "SELECT 1/0" : "SELECT 1";
        HL_CHECK (hl_pg_query (c, sql, 0, NULL, s_on_result, &p) == 0);
    }
    HL_CHECK (hl_pg_pending (c) == 200);
    s_until (&p, &p.results, 2 + 199, 5000);
    HL_CHECK (p.results == 201 && p.errors == 1);
    HL_CHECK (hl_pg_error_is (p.last_err, "22012"));

    //  A script: several statements, its last result; in pipeline mode
    //  it waits for the queries before it and the ones after wait for it.
    HL_CHECK (hl_pg_query (c, "SELECT 1", 0, NULL, s_on_result, &p) == 0);
    HL_CHECK (hl_pg_script (c, "CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (7), (8);"
                               "SELECT sum(x) FROM t", s_on_result, &p) == 0);
    HL_CHECK (hl_pg_query (c, "SELECT count(*) FROM t", 0, NULL, s_on_result, &p) == 0);
    s_until (&p, &p.results, 204, 3000);
    HL_CHECK (p.results == 204);
    HL_CHECK_STR (p.last_value, "2");
    HL_CHECK (hl_pg_script (c, "SELECT 1; SELECT nonsense", s_on_result, &p) == 0);
    s_until (&p, &p.errors, 2, 2000);
    HL_CHECK (hl_pg_error_is (p.last_err, "42703"));
    HL_CHECK (hl_pg_last_rtt_us (c) > 0);
    HL_CHECK (hl_pg_query (c, "SELECT 1", 0, NULL, s_then_script, &p) == 0);
    s_until (&p, &p.results, 206, 2000);
    HL_CHECK (p.results == 206);
    HL_CHECK_STR (p.last_value, "chained");

    //  Destroying with queries in flight answers them with an error.
    HL_CHECK (hl_pg_query (c, "SELECT pg_sleep(0.2)", 0, NULL, s_on_result, &p) == 0);
    hl_pg_destroy (&c);
    HL_CHECK (c == NULL && p.errors == 3);
    HL_CHECK (hl_pg_error_is (p.last_err, "08006"));
    event_base_free (p.base);
    hl_testpg_destroy (&pg);
}

static void
test_roundtrip (void)
{
    s_roundtrips (0);
}

static void
test_pipeline (void)
{
    s_roundtrips (1);
}

//  The server cancels a long statement (57014); the connection stays.
static void
test_statement_timeout (void)
{
    hl_testpg_t *pg = hl_testpg_new ("pg-stmt-timeout");
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    s_probe_t p = { .base = event_base_new () };
    hl_pg_t *c = s_connect (pg, &p, 0, 5000);
    int backend = hl_pg_backend_pid (c);
    HL_CHECK (hl_pg_query (c, "SELECT pg_sleep(3)", 0, NULL, s_on_result, &p) == 0);
    long long t0 = hl_testenv_now_ms ();
    s_until (&p, &p.errors, 1, 5000);
    HL_CHECK (hl_pg_error_is (p.last_err, "57014"));
    HL_CHECK (hl_testenv_now_ms () - t0 < 2500);
    HL_CHECK (hl_pg_is_up (c) && hl_pg_backend_pid (c) == backend && p.downs == 0);
    hl_pg_destroy (&c);
    event_base_free (p.base);
    hl_testpg_destroy (&pg);
}

//  A frozen backend: the query is answered with an error within the
//  watchdog's timeout, the link is dropped and rebuilt (a new backend),
//  and queries offered while down are refused (their callbacks never fire).
static void
test_frozen_backend (void)
{
    hl_testpg_t *pg = hl_testpg_new ("pg-frozen-backend");
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    s_probe_t p = { .base = event_base_new () };
    hl_pg_t *c = s_connect (pg, &p, 1, 400);
    int backend = hl_pg_backend_pid (c);
    HL_CHECK (backend > 0 && kill (backend, SIGSTOP) == 0);
    for (int i = 0; i < 5; i++)
        HL_CHECK (hl_pg_query (c, "SELECT 1", 0, NULL, s_on_result, &p) == 0);
    long long t0 = hl_testenv_now_ms ();
    s_until (&p, &p.errors, 5, 3000);
    HL_CHECK (p.errors == 5 && p.results == 0 && p.downs == 1);
    HL_CHECK (hl_pg_error_is (p.last_err, "57014"));
    HL_CHECK (hl_testenv_now_ms () - t0 < 2000);
    HL_CHECK (!hl_pg_is_up (c) || hl_pg_backend_pid (c) != backend);
    HL_CHECK (hl_pg_is_up (c) || hl_pg_query (c, "SELECT 1", 0, NULL, s_on_result, &p) == -1);
    s_until (&p, &p.ups, 2, 3000);
    HL_CHECK (hl_pg_is_up (c) && hl_pg_backend_pid (c) != backend);
    kill (backend, SIGCONT);
    HL_CHECK (hl_pg_query (c, "SELECT 5", 0, NULL, s_on_result, &p) == 0);
    s_until (&p, &p.results, 1, 2000);
    HL_CHECK_STR (p.last_value, "5");
    HL_CHECK (p.errors == 5);
    hl_pg_destroy (&c);
    event_base_free (p.base);
    hl_testpg_destroy (&pg);
}

//  A frozen postmaster accepts no connection: connecting times out and is
//  retried, and succeeds once it thaws.
static void
test_frozen_server (void)
{
    hl_testpg_t *pg = hl_testpg_new ("pg-frozen-server");
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    hl_testpg_pause (pg, 1);
    s_probe_t p = { .base = event_base_new () };
    hl_pg_opts_t o;
    hl_pg_opts_default (&o);
    o.conninfo = hl_testpg_dsn (pg);
    o.password = hl_testpg_password (pg);
    o.timeout_ms = 300;
    o.backoff_min_ms = o.backoff_max_ms = 50;
    char err[256];
    hl_pg_t *c = hl_pg_new (p.base, &o, s_on_state, &p, err, sizeof err);
    s_run (p.base, 1000);
    HL_CHECK (c && !hl_pg_is_up (c) && p.ups == 0);
    hl_testpg_pause (pg, 0);
    s_until (&p, &p.ups, 1, 5000);
    HL_CHECK (hl_pg_is_up (c));
    hl_pg_destroy (&c);
    event_base_free (p.base);
    hl_testpg_destroy (&pg);
}

static void
test_restart (void)
{
    hl_testpg_t *pg = hl_testpg_new ("pg-restart");
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    s_probe_t p = { .base = event_base_new () };
    hl_pg_t *c = s_connect (pg, &p, 0, 2000);
    hl_testpg_stop (pg);
    s_until (&p, &p.downs, 1, 3000);
    HL_CHECK (p.downs == 1 && !hl_pg_is_up (c));
    HL_CHECK (hl_pg_query (c, "SELECT 1", 0, NULL, s_on_result, &p) == -1);
    s_run (p.base, 300);                     //  several failed attempts
    HL_CHECK (hl_testpg_start (pg) == 0);
    s_until (&p, &p.ups, 2, 5000);
    HL_CHECK (hl_pg_is_up (c) && p.ups == 2);
    HL_CHECK (hl_pg_query (c, "SELECT 3", 0, NULL, s_on_result, &p) == 0);
    s_until (&p, &p.results, 1, 2000);
    HL_CHECK_STR (p.last_value, "3");
    HL_CHECK (p.errors == 0);
    hl_pg_destroy (&c);
    event_base_free (p.base);
    hl_testpg_destroy (&pg);
}

//  Connection strings that would leak a secret or block the loop.
static void
test_refused_conninfo (void)
{
    struct event_base *base = event_base_new ();
    hl_pg_opts_t o;
    hl_pg_opts_default (&o);
    char err[256];
    o.conninfo = "host=/tmp dbname=hotline password=secret";
    HL_CHECK (hl_pg_new (base, &o, NULL, NULL, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "password") != NULL);
    o.conninfo = "host=db.example.org dbname=hotline";
    HL_CHECK (hl_pg_new (base, &o, NULL, NULL, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "block") != NULL);
    o.conninfo = "host=db.example.org hostaddr=127.0.0.1 port=1 dbname=hotline";
    hl_pg_t *c = hl_pg_new (base, &o, NULL, NULL, err, sizeof err);
    HL_CHECK (c != NULL);
    hl_pg_destroy (&c);
    o.conninfo = "host='unterminated";
    HL_CHECK (hl_pg_new (base, &o, NULL, NULL, err, sizeof err) == NULL);
    event_base_free (base);
}

int
main (int argc, char **argv)
{
    hl_test_case_t cases[] = {
        { "roundtrip", test_roundtrip },
        { "pipeline", test_pipeline },
        { "statement_timeout", test_statement_timeout },
        { "frozen_backend", test_frozen_backend },
        { "frozen_server", test_frozen_server },
        { "restart", test_restart },
        { "refused_conninfo", test_refused_conninfo },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
