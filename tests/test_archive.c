/*  Black-box tests of hotlined with the PostgreSQL archive: the schema is
 *  applied at start, PostgreSQL down or frozen never stops intake, a
 *  newer schema is refused with a clear message, a connection string with
 *  a password is refused at start, `hotline report` reads the month's
 *  三率 from the schema hotlined applied, and `hotline show` finds a
 *  ticket that is only in the archive.
 */
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testpg.h"
#include "hl_proc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_TOKEN "test-supervisor-token-0123456789"

static int
s_log_has (hl_testenv_t *env, const char *text)
{
    FILE *f = fopen (hl_testenv_daemon_log (env), "r");
    if (!f)
        return 0;
    char line[2048];
    int found = 0;
    while (!found && fgets (line, sizeof line, f))
        found = strstr (line, text) != NULL;
    fclose (f);
    return found;
}

//  Waits up to MS for TEXT in the daemon's log.
static int
s_wait_log (hl_testenv_t *env, const char *text, int ms)
{
    long long t0 = hl_testenv_now_ms ();
    while (!s_log_has (env, text)) {
        if (hl_testenv_now_ms () - t0 >= ms)
            return 0;
        usleep (50 * 1000);
    }
    return 1;
}

//  Waits up to MS for `hotline status --json` to say TEXT.
static int
s_status_has (hl_testenv_t *env, const char *text, int ms)
{
    const char *status[] = { "--json", "status", NULL };
    long long t0 = hl_testenv_now_ms ();
    do {
        char *out = NULL;
        int ok = hl_testenv_client (env, status, &out) == 0 && out && strstr (out, text);
        free (out);
        if (ok)
            return 1;
        usleep (100 * 1000);
    } while (hl_testenv_now_ms () - t0 < ms);
    return 0;
}

//  Waits up to MS for SQL's value to be WANT.
static int
s_wait_value (hl_testpg_t *pg, const char *sql, const char *want, int ms)
{
    long long t0 = hl_testenv_now_ms ();
    do {
        char *got = hl_testpg_value (pg, sql);
        int ok = got && strcmp (got, want) == 0;
        free (got);
        if (ok)
            return 1;
        usleep (100 * 1000);
    } while (hl_testenv_now_ms () - t0 < ms);
    return 0;
}

static int
s_submit (hl_testenv_t *env)
{
    const char *submit[] = { "submit", "--channel", "web", "--type", "建议", "--category",
                             "JT.01", "--area", "441702", "--phone", "13600000000",
                             "--content", "建议增加10路公交晚班车", NULL };
    char *out = NULL;
    int rc = hl_testenv_client (env, submit, &out);
    int ok = rc == 0 && out && strncmp (out, "YJ", 2) == 0;
    free (out);
    return ok;
}

//  hotlined (again) on the test's Redis, with PG as its archive.
static int
s_daemon_restart (hl_testenv_t *env, hl_testpg_t *pg)
{
    const char *args[] = { "--archive-dsn", hl_testpg_dsn (pg), "--archive-password-file",
                           hl_testpg_password_file (pg), "--archive-timeout-ms", "500", NULL };
    return hl_testenv_daemon_start (env, args);
}

//  Redis, then hotlined with PG as its archive.
static int
s_daemon (hl_testenv_t *env, hl_testpg_t *pg)
{
    return hl_testenv_redis_start (env) == 0 && s_daemon_restart (env, pg) == 0 ? 0 : -1;
}

static const char *s_version = "SELECT coalesce(max(version), 0) FROM schema_version";
static const char *s_this_month = "SELECT to_regclass('tickets' || to_char(now() AT TIME ZONE "
                                  "'UTC', '_YYYY_MM')) IS NOT NULL";

static void
test_daemon_migrates (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-migrates");
    hl_testenv_t *env = hl_testenv_new ("archive-migrates");
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0 && s_daemon (env, pg) == 0);
    HL_CHECK (s_wait_value (pg, s_version, "3", 10000));
    HL_CHECK (s_wait_value (pg, s_this_month, "t", 5000));
    HL_CHECK (s_wait_log (env, "archive: ready (schema version 3)", 5000));
    HL_CHECK (s_submit (env));
    //  The password never shows in the log.
    HL_CHECK (!s_log_has (env, hl_testpg_password (pg)));

    //  hotline report reads the schema hotlined applied: two rsj tickets
    //  of November (Beijing), one responded on time and satisfied.
    char *n = hl_testpg_value (pg, "SELECT hl_put_tickets('["
        "{\"number\":\"A1\",\"created_at\":\"2026-11-02T10:00:00+08\",\"version\":5,"
        "\"state\":\"closed\",\"unit\":\"rsj\",\"dispatched_at\":\"2026-11-02T10:00:00+08\","
        "\"contact_met\":\"2026-11-02T11:00:00+08\",\"satisfaction\":\"satisfied\","
        "\"resolved\":true},"
        "{\"number\":\"A2\",\"created_at\":\"2026-11-03T10:00:00+08\",\"version\":2,"
        "\"state\":\"dispatched\",\"unit\":\"rsj\","
        "\"dispatched_at\":\"2026-11-03T10:00:00+08\"}]')");
    HL_CHECK (n && strcmp (n, "2") == 0);
    free (n);
    const char *report[] = { "report", "--month", "2026-11", "--csv", "--dsn", hl_testpg_dsn (pg),
                             "--password-file", hl_testpg_password_file (pg), NULL };
    char *csv = NULL;
    HL_CHECK (hl_testenv_client (env, report, &csv) == 0);
    HL_CHECK_STR (csv, "unit,tickets,dispatched,responded_on_time,rated,resolved,satisfied,"
                       "reopened,closed,response_rate,resolution_rate,satisfaction_rate,score\n"
                       "rsj,2,2,1,1,1,1,0,0,0.5000,1.0000,1.0000,85.00\n"
                       "*,2,2,1,1,1,1,0,0,0.5000,1.0000,1.0000,85.00\n");
    free (csv);
    //  The year, by area, with other weights, as JSON.
    const char *year[] = { "--json", "report", "--year", "2026", "--by", "area", "--weights",
                           "1,0,0", "--dsn", hl_testpg_dsn (pg), "--password-file",
                           hl_testpg_password_file (pg), NULL };
    char *json = NULL;
    HL_CHECK (hl_testenv_client (env, year, &json) == 0);
    HL_CHECK (json && strstr (json, "{\"period\":\"2026\",\"from\":\"2026-01-01\","
                                    "\"to\":\"2027-01-01\",\"by\":\"area\",\"rows\":[")
              && strstr (json, "{\"area\":\"*\",\"tickets\":") && strstr (json, "\"score\":"));
    free (json);
    const char *badby[] = { "report", "--year", "2026", "--by", "street", "--dsn",
                            hl_testpg_dsn (pg), NULL };
    HL_CHECK (hl_testenv_client (env, badby, NULL) == 1);
    const char *badw[] = { "report", "--year", "2026", "--weights", "0,0,0", "--dsn",
                           hl_testpg_dsn (pg), NULL };
    HL_CHECK (hl_testenv_client (env, badw, NULL) == 1);
    const char *bad[] = { "report", "--month", "2026-13", "--dsn", hl_testpg_dsn (pg), NULL };
    HL_CHECK (hl_testenv_client (env, bad, NULL) == 1);
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
}

//  A ticket Redis no longer holds is shown from the archive, with its
//  history; one neither has is "not found"; the store's own tickets are
//  shown as before.
static void
test_read_through (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-read");
    hl_testenv_t *env = hl_testenv_new ("archive-read");
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0 && s_daemon (env, pg) == 0);
    HL_CHECK (s_wait_value (pg, s_this_month, "t", 10000));
    char *n = hl_testpg_value (pg, "SELECT hl_put_tickets('["
        "{\"number\":\"YJ202611020700001\",\"created_at\":\"2026-11-02T10:00:00+08\","
        "\"version\":2,\"state\":\"closed\",\"type\":\"投诉\",\"unit\":\"rsj\","
        "\"category\":\"HB.03\",\"area\":\"441702\",\"channel\":\"web\","
        "\"content\":\"楼道灯坏了三个月\",\"satisfaction\":\"satisfied\"}]') + "
        "hl_put_history('["
        "{\"number\":\"YJ202611020700001\",\"created_at\":\"2026-11-02T10:00:00+08\","
        "\"seq\":1,\"at\":\"2026-11-02T10:00:00+08\",\"actor\":\"agent:a1\","
        "\"action\":\"intake\",\"to_state\":\"dispatched\"},"
        "{\"number\":\"YJ202611020700001\",\"created_at\":\"2026-11-02T10:00:00+08\","
        "\"seq\":2,\"at\":\"2026-11-05T09:00:00+08\",\"actor\":\"dispatcher:d1\","
        "\"action\":\"close\",\"from_state\":\"visited\",\"to_state\":\"closed\","
        "\"note\":\"已回访\"}]')");
    HL_CHECK (n && strcmp (n, "3") == 0);
    free (n);
    const char *show[] = { "show", "YJ202611020700001", NULL };
    char *out = NULL;
    HL_CHECK (hl_testenv_client (env, show, &out) == 0);
    HL_CHECK (out && strstr (out, "楼道灯坏了三个月") && strstr (out, "rsj")
              && strstr (out, "已回访"));
    free (out);
    const char *missing[] = { "show", "YJ202611020700002", NULL };
    HL_CHECK (hl_testenv_client (env, missing, NULL) != 0);
    HL_CHECK (s_submit (env));
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
}

//  The dashboard's report of a past period comes from the archive; a bad
//  period is a 400 with its reason; without PostgreSQL, a 503.
static void
test_dashboard_report (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-dash");
    hl_testenv_t *env = hl_testenv_new ("archive-dash");
    int port = hl_proc_free_port ();
    char http[64], path[128];
    snprintf (http, sizeof http, "127.0.0.1:%d", port);
    setenv ("HOTLINE_HTTP_TOKEN", S_TOKEN, 1);
    const char *args[] = { "--archive-dsn", hl_testpg_dsn (pg), "--archive-password-file",
                           hl_testpg_password_file (pg), "--archive-timeout-ms", "500",
                           "--http-endpoint", http, NULL };
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0 && hl_testenv_redis_start (env) == 0
              && hl_testenv_daemon_start (env, args) == 0);
    HL_CHECK (s_wait_log (env, "archive: ready", 10000));
    char *n = hl_testpg_value (pg, "SELECT hl_put_tickets('["
        "{\"number\":\"A1\",\"created_at\":\"2026-11-02T10:00:00+08\",\"version\":5,"
        "\"state\":\"closed\",\"unit\":\"rsj\",\"area\":\"441702\","
        "\"dispatched_at\":\"2026-11-02T10:00:00+08\",\"satisfaction\":\"satisfied\","
        "\"resolved\":true}]')");
    HL_CHECK (n && strcmp (n, "1") == 0);
    free (n);
    int status = 0;
    snprintf (path, sizeof path, "/api/report?month=2026-11&by=area");
    char *body = hl_testenv_http_get (port, path, S_TOKEN, &status);
    HL_CHECK (status == 200 && body && strstr (body, "\"by\":\"area\"")
              && strstr (body, "{\"area\":\"441702\",\"tickets\":1,"));
    free (body);
    body = hl_testenv_http_get (port, "/api/report?month=2026-13", S_TOKEN, &status);
    HL_CHECK (status == 400 && body && strstr (body, "bad_value") && strstr (body, "period"));
    free (body);
    body = hl_testenv_http_get (port, "/api/report?year=2026", NULL, &status);
    HL_CHECK (status == 401);
    free (body);
    body = NULL;
    hl_testpg_stop (pg);
    long long t0 = hl_testenv_now_ms ();
    do {
        free (body);
        body = hl_testenv_http_get (port, "/api/report?year=2026", S_TOKEN, &status);
    } while (status != 503 && hl_testenv_now_ms () - t0 < 10000);
    HL_CHECK (status == 503 && body && strstr (body, "unavailable"));
    free (body);
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
}

//  Every ticket reaches the archive from the outboxes, with its whole
//  history, as it changes; with PostgreSQL stopped intake goes on and the
//  tickets wait in the outbox; back, they are archived, each once. A
//  restarted hotlined archives nothing twice.
static void
test_archiver (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-live");
    hl_testenv_t *env = hl_testenv_new ("archive-live");
    //  Callers' details sealed at rest (hl_pii), in Redis and in the archive.
    setenv ("HOTLINE_PII_KEY", "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", 1);
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0 && s_daemon (env, pg) == 0);
    HL_CHECK (s_wait_log (env, "archive: ready", 10000));
    for (int i = 0; i < 3; i++)
        HL_CHECK (s_submit (env));
    HL_CHECK (s_wait_value (pg, "SELECT count(*) FROM tickets", "3", 15000));
    //  Each row is its ticket as Redis has it: every history entry there.
    HL_CHECK (s_wait_value (pg, "SELECT count(*) FROM tickets t WHERE t.version = "
                                "(SELECT count(*) FROM history h WHERE h.number = t.number)",
                            "3", 15000));
    HL_CHECK (s_wait_value (pg, "SELECT count(DISTINCT caller_hash) FROM tickets", "1", 5000));
    //  The number is nowhere in the archive, neither as digits nor as its
    //  bytes in hex: only sealed, and its keyed hash.
    HL_CHECK (s_wait_value (pg, "SELECT count(*) FROM tickets t WHERE t::text LIKE '%13600000000%' "
                                "OR t::text LIKE '%3133363030303030303030%' "
                                "OR caller_phone_enc IS NULL", "0", 1000));

    hl_testpg_stop (pg);
    HL_CHECK (s_submit (env) && s_submit (env));
    HL_CHECK (hl_testpg_start (pg) == 0);
    HL_CHECK (s_wait_value (pg, "SELECT count(*) FROM tickets", "5", 30000));

    //  A restart: the outbox's arch entries were acknowledged, nothing is
    //  written again (the rows keep their archived_at).
    char *before = hl_testpg_value (pg, "SELECT max(archived_at) FROM tickets");
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 20000) == 0);
    HL_CHECK (s_daemon_restart (env, pg) == 0);
    HL_CHECK (s_wait_log (env, "archive: ready", 10000));
    HL_CHECK (s_submit (env));
    HL_CHECK (s_wait_value (pg, "SELECT count(*) FROM tickets", "6", 15000));
    char sql[160];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM tickets WHERE archived_at <= '%s'",
              before ? before : "");
    HL_CHECK (s_wait_value (pg, sql, "5", 1000));
    free (before);
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
    unsetenv ("HOTLINE_PII_KEY");
}

//  A batch cut short: hotlined killed (SIGKILL) while it archives a burst,
//  then PostgreSQL killed the same way under the next one. After both come
//  back every ticket is archived once, with its whole history: the
//  entries of the batch that died were still pending (acknowledged only
//  after a commit) and the upserts make their second writing harmless.
static void
test_killed_mid_batch (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-killed");
    hl_testenv_t *env = hl_testenv_new ("archive-killed");
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0 && s_daemon (env, pg) == 0);
    HL_CHECK (s_wait_log (env, "archive: ready", 10000));
    int made = 0;
    for (int i = 0; i < 30; i++)
        made += s_submit (env);
    hl_testenv_daemon_signal (env, SIGKILL);
    hl_testenv_daemon_wait (env, 10000);
    HL_CHECK (s_daemon_restart (env, pg) == 0);
    for (int i = 0; i < 30; i++) {
        made += s_submit (env);
        if (i == 10) {
            HL_CHECK (kill (hl_testpg_pid (pg), SIGKILL) == 0);
            hl_testpg_stop (pg);
        }
    }
    HL_CHECK (made == 60);
    //  Its backends notice the postmaster's death and leave; then it starts
    //  with crash recovery.
    int started = -1;
    for (int tries = 0; tries < 50 && started != 0; tries++) {
        usleep (200 * 1000);
        started = hl_testpg_start (pg);
    }
    HL_CHECK (started == 0);
    HL_CHECK (s_wait_value (pg, "SELECT count(DISTINCT number) FROM tickets", "60", 60000));
    HL_CHECK (s_wait_value (pg, "SELECT count(*) FROM tickets t WHERE t.version = "
                                "(SELECT count(*) FROM history h WHERE h.number = t.number)",
                            "60", 30000));
    HL_CHECK (s_wait_value (pg, "SELECT count(*) FROM tickets", "60", 1000));
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
}

//  PostgreSQL not there at start, then frozen: intake goes on throughout,
//  and the schema is applied once it comes.
static void
test_daemon_pg_down (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-down");
    hl_testenv_t *env = hl_testenv_new ("archive-down");
    HL_CHECK (pg && env && s_daemon (env, pg) == 0);
    HL_CHECK (s_submit (env));
    //  Before PostgreSQL ever came: the archive is unavailable, and what it
    //  waits for shows in hotline status as the arch group's backlog.
    HL_CHECK (s_status_has (env, "\"archive\":\"unavailable\"", 5000));
    HL_CHECK (s_status_has (env, "\"arch\":{\"backlog\":1,", 10000));
    HL_CHECK (hl_testpg_start (pg) == 0);
    HL_CHECK (s_wait_value (pg, s_version, "3", 15000));
    HL_CHECK (s_status_has (env, "\"archive\":\"ready\"", 10000));
    HL_CHECK (s_status_has (env, "\"arch\":{\"backlog\":0,", 10000));
    hl_testpg_pause (pg, 1);
    HL_CHECK (s_submit (env));
    usleep (1200 * 1000);                //  past the archive's watchdog
    HL_CHECK (s_submit (env));
    hl_testpg_pause (pg, 0);
    HL_CHECK (s_log_has (env, "postgres: connection lost") || s_log_has (env, "connect failed"));
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
}

static void
test_daemon_newer_schema (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-newer");
    hl_testenv_t *env = hl_testenv_new ("archive-newer");
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0);
    char *v = hl_testpg_value (pg, "CREATE TABLE schema_version (version integer PRIMARY KEY, "
                                   "name text NOT NULL, applied_at timestamptz NOT NULL "
                                   "DEFAULT now()); INSERT INTO schema_version VALUES "
                                   "(7, 'future') RETURNING version");
    HL_CHECK (v && strcmp (v, "7") == 0);
    free (v);
    HL_CHECK (s_daemon (env, pg) == 0);
    long long t0 = hl_testenv_now_ms ();
    while (!s_log_has (env, "newer than this program knows") && hl_testenv_now_ms () - t0 < 10000)
        usleep (100 * 1000);
    HL_CHECK (s_log_has (env, "the archive's schema is version 7, newer than this program knows"));
    HL_CHECK (s_submit (env));
    char *tickets = hl_testpg_value (pg, "SELECT to_regclass('tickets') IS NULL");
    HL_CHECK (tickets && strcmp (tickets, "t") == 0);
    free (tickets);
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
}

//  A password in the connection string is refused at start.
static void
test_dsn_password (void)
{
    hl_testenv_t *env = hl_testenv_new ("archive-dsn");
    HL_CHECK (env && hl_testenv_redis_start (env) == 0);
    const char *args[] = { "--archive-dsn", "host=/tmp dbname=hotline password=x", NULL };
    HL_CHECK (hl_testenv_daemon_spawn (env, args) > 0);
    HL_CHECK (hl_testenv_daemon_wait (env, 10000) == 1);
    HL_CHECK (s_log_has (env, "holds a password"));
    hl_testenv_destroy (&env);
}

int
main (int argc, char **argv)
{
    hl_test_case_t cases[] = {
        { "daemon_migrates", test_daemon_migrates },
        { "daemon_pg_down", test_daemon_pg_down },
        { "daemon_newer_schema", test_daemon_newer_schema },
        { "dsn_password", test_dsn_password },
        { "read_through", test_read_through },
        { "dashboard_report", test_dashboard_report },
        { "archiver", test_archiver },
        { "killed_mid_batch", test_killed_mid_batch },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
