/*  Unit test of hl_schema and of the archive's SQL against a real
 *  PostgreSQL: migrations applied once and in order (also by two links at
 *  once), a newer schema refused, idempotent upserts, month partitions
 *  made ahead and on demand, and the monthly 三率 report on a fixture
 *  computed by hand.
 */
#include "hl_pg.h"
#include "hl_schema.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testpg.h"

#include <event2/event.h>
#include <stdlib.h>

typedef struct {
    int done;
    int version;
    char err[300];
} s_apply_t;

static void
s_on_applied (int version, const char *err, void *arg)
{
    s_apply_t *a = arg;
    a->done++;
    a->version = version;
    snprintf (a->err, sizeof a->err, "%s", err ? err : "");
}

static void
s_run (struct event_base *base, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
}

static hl_pg_t *
s_link (struct event_base *base, hl_testpg_t *pg)
{
    hl_pg_opts_t o;
    hl_pg_opts_default (&o);
    o.conninfo = hl_testpg_dsn (pg);
    o.password = hl_testpg_password (pg);
    char err[256];
    hl_pg_t *c = hl_pg_new (base, &o, NULL, NULL, err, sizeof err);
    for (int i = 0; i < 500 && c && !hl_pg_is_up (c); i++)
        s_run (base, 10);
    HL_CHECK (c && hl_pg_is_up (c));
    return c;
}

//  Applies the schema on N links at once; every run must report.
static void
s_apply (hl_testpg_t *pg, int n, s_apply_t *out)
{
    struct event_base *base = event_base_new ();
    hl_pg_t *links[4];
    for (int i = 0; i < n; i++)
        links[i] = s_link (base, pg);
    for (int i = 0; i < n; i++)
        HL_CHECK (hl_schema_apply (links[i], s_on_applied, &out[i]) == 0);
    long long t0 = hl_testenv_now_ms ();
    int done = 0;
    while (done < n && hl_testenv_now_ms () - t0 < 20000) {
        s_run (base, 20);
        done = 0;
        for (int i = 0; i < n; i++)
            done += out[i].done;
    }
    for (int i = 0; i < n; i++) {
        HL_CHECK (out[i].done == 1);
        hl_pg_destroy (&links[i]);
    }
    event_base_free (base);
}

static void
s_check_value (hl_testpg_t *pg, const char *sql, const char *want)
{
    char *got = hl_testpg_value (pg, sql);
    if (!got || strcmp (got, want) != 0) {
        fprintf (stderr, "%s\n  got '%s', want '%s'\n", sql, got ? got : "(null)", want);
        hl_test_failures++;
    }
    free (got);
}

static hl_testpg_t *
s_archive (const char *name)
{
    hl_testpg_t *pg = hl_testpg_new (name);
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    s_apply_t a = { 0 };
    s_apply (pg, 1, &a);
    HL_CHECK (a.version == hl_schema_latest () && !*a.err);
    return pg;
}

static void
test_apply (void)
{
    HL_CHECK (hl_schema_latest () == hl_schema_migration_count && hl_schema_latest () >= 2);
    for (int i = 0; i < hl_schema_migration_count; i++)
        HL_CHECK (hl_schema_migrations[i].version == i + 1);
    hl_testpg_t *pg = s_archive ("schema-apply");
    s_check_value (pg, "SELECT string_agg(version || ':' || name, ',' ORDER BY version) "
                       "FROM schema_version", "1:init,2:reports,3:report_periods");
    //  Again: nothing to do, nothing recorded twice.
    s_apply_t a = { 0 };
    s_apply (pg, 1, &a);
    HL_CHECK (a.version == hl_schema_latest () && !*a.err);
    s_check_value (pg, "SELECT count(*) FROM schema_version", "3");
    s_check_value (pg, "SELECT count(*) FROM pg_class WHERE relname IN ('tickets', 'history')"
                       " AND relkind = 'p'", "2");
    hl_testpg_destroy (&pg);
}

//  Two instances starting together: each migration applied once.
static void
test_concurrent (void)
{
    hl_testpg_t *pg = hl_testpg_new ("schema-concurrent");
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    s_apply_t a[3] = { { 0 } };
    s_apply (pg, 3, a);
    for (int i = 0; i < 3; i++)
        HL_CHECK (a[i].version == hl_schema_latest () && !*a[i].err);
    s_check_value (pg, "SELECT count(*) FROM schema_version", "3");
    hl_testpg_destroy (&pg);
}

//  A schema from a newer program: refused, with a clear message.
static void
test_refused_newer (void)
{
    hl_testpg_t *pg = s_archive ("schema-newer");
    char *ok = hl_testpg_value (pg, "INSERT INTO schema_version (version, name) "
                                    "VALUES (99, 'future') RETURNING version");
    HL_CHECK (ok && strcmp (ok, "99") == 0);
    free (ok);
    s_apply_t a = { 0 };
    s_apply (pg, 1, &a);
    HL_CHECK (a.version == 99 && hl_pg_error_is (a.err, "HL001"));
    HL_CHECK (strstr (a.err, "newer") && strstr (a.err, "version 99"));
    s_check_value (pg, "SELECT count(*) FROM schema_version", "4");
    hl_testpg_destroy (&pg);
}

#define S_T1 "{\"number\":\"YJ20261103000001\",\"created_at\":\"2026-11-03T01:00:00Z\"," \
             "\"state\":\"closed\",\"unit\":\"rsj\",\"caller_hash\":\"\\\\x0102\","

//  Replays write nothing, an older version never overwrites a newer one,
//  history entries are written once.
static void
test_upsert_idempotent (void)
{
    hl_testpg_t *pg = s_archive ("schema-upsert");
    s_check_value (pg, "SELECT hl_put_tickets('[" S_T1 "\"version\":5,\"satisfaction\":"
                       "\"satisfied\",\"assist_units\":[\"gjj\"]}]')", "1");
    s_check_value (pg, "SELECT hl_put_tickets('[" S_T1 "\"version\":5}]')", "0");
    s_check_value (pg, "SELECT hl_put_tickets('[" S_T1 "\"version\":3,\"state\":\"replied\"}]')",
                   "0");
    s_check_value (pg, "SELECT state || ' ' || satisfaction || ' ' || assist_units::text || ' '"
                       " || encode(caller_hash, 'hex') FROM tickets",
                   "closed satisfied {gjj} 0102");
    s_check_value (pg, "SELECT hl_put_tickets('[" S_T1 "\"version\":7,\"reopen_count\":1}]')",
                   "1");
    s_check_value (pg, "SELECT version || ' ' || reopen_count || ' ' || count(*) OVER () "
                       "FROM tickets", "7 1 1");
    const char *history = "SELECT hl_put_history('["
        "{\"number\":\"YJ20261103000001\",\"created_at\":\"2026-11-03T01:00:00Z\",\"seq\":1,"
        "\"at\":\"2026-11-03T01:00:00Z\",\"actor\":\"agent:a1\",\"action\":\"intake\","
        "\"to_state\":\"dispatched\"},"
        "{\"number\":\"YJ20261103000001\",\"created_at\":\"2026-11-03T01:00:00Z\",\"seq\":2,"
        "\"at\":\"2026-11-03T02:00:00Z\",\"actor\":\"unit:rsj/w1\",\"action\":\"sign\","
        "\"from_state\":\"dispatched\",\"to_state\":\"signed\",\"note\":\"签收\"}]')";
    s_check_value (pg, history, "2");
    s_check_value (pg, history, "0");
    s_check_value (pg, "SELECT string_agg(action, ',' ORDER BY seq) FROM history", "intake,sign");
    hl_testpg_destroy (&pg);
}

//  Partitions: months ahead by hl_ensure_months (idempotent), and a
//  missing month made on demand by a write that needs it.
static void
test_partitions (void)
{
    hl_testpg_t *pg = s_archive ("schema-partitions");
    const char *count = "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        " WHERE i.inhparent = 'tickets'::regclass";
    s_check_value (pg, count, "0");
    s_check_value (pg, "SELECT hl_ensure_months('2026-11-20', 3)::text", "");
    s_check_value (pg, "SELECT hl_ensure_months('2026-12-01', 2)::text", "");
    s_check_value (pg, count, "3");
    s_check_value (pg, "SELECT to_regclass('history_2027_01') IS NOT NULL", "t");
    s_check_value (pg, "SELECT hl_put_tickets('[{\"number\":\"YJ20190507000001\","
                       "\"created_at\":\"2019-05-07T01:00:00Z\",\"version\":2,"
                       "\"state\":\"closed\"}]')", "1");
    s_check_value (pg, count, "4");
    s_check_value (pg, "SELECT tableoid::regclass::text FROM tickets", "tickets_2019_05");
    hl_testpg_destroy (&pg);
}

//  Beijing-time November 2026; the expected figures are worked out in the
//  comments (docs/archive.md defines them).
static const char *s_fixture =
    "SELECT hl_put_tickets('["
    //  rsj: on time, satisfied, resolved, closed
    "{\"number\":\"T1\",\"created_at\":\"2026-11-02T10:00:00+08\",\"version\":9,"
    "\"state\":\"closed\",\"unit\":\"rsj\",\"dispatched_at\":\"2026-11-02T10:00:00+08\","
    "\"contact_due\":\"2026-11-03T10:00:00+08\",\"contact_met\":\"2026-11-02T15:00:00+08\","
    "\"satisfaction\":\"satisfied\",\"resolved\":true,\"closed_at\":\"2026-11-06T10:00:00+08\"},"
    //  rsj: late contact, basically satisfied, not resolved, reopened once, closed
    "{\"number\":\"T2\",\"created_at\":\"2026-11-10T09:00:00+08\",\"version\":14,"
    "\"state\":\"closed\",\"unit\":\"rsj\",\"dispatched_at\":\"2026-11-10T09:00:00+08\","
    "\"contact_due\":\"2026-11-11T09:00:00+08\",\"contact_met\":\"2026-11-12T09:00:00+08\","
    "\"satisfaction\":\"basically_satisfied\",\"resolved\":false,\"reopen_count\":1,"
    "\"closed_at\":\"2026-11-25T09:00:00+08\"},"
    //  rsj: dispatched, no contact yet
    "{\"number\":\"T3\",\"created_at\":\"2026-11-20T09:00:00+08\",\"version\":2,"
    "\"state\":\"dispatched\",\"unit\":\"rsj\",\"dispatched_at\":\"2026-11-20T09:00:00+08\","
    "\"contact_due\":\"2026-11-21T09:00:00+08\"},"
    //  gjj: the last half hour of November in Beijing, on time, unsatisfied
    "{\"number\":\"T4\",\"created_at\":\"2026-11-30T23:30:00+08\",\"version\":8,"
    "\"state\":\"visited\",\"unit\":\"gjj\",\"dispatched_at\":\"2026-11-30T23:30:00+08\","
    "\"contact_due\":\"2026-12-01T23:30:00+08\",\"contact_met\":\"2026-12-01T10:00:00+08\","
    "\"satisfaction\":\"unsatisfied\",\"resolved\":false},"
    //  gjj: December in Beijing (still November in UTC): not counted
    "{\"number\":\"T5\",\"created_at\":\"2026-12-01T00:30:00+08\",\"version\":3,"
    "\"state\":\"signed\",\"unit\":\"gjj\",\"dispatched_at\":\"2026-12-01T00:30:00+08\"},"
    //  gjj: November in Beijing (October in UTC), contacted without a deadline
    "{\"number\":\"T6\",\"created_at\":\"2026-11-01T00:10:00+08\",\"version\":4,"
    "\"state\":\"in_progress\",\"unit\":\"gjj\",\"dispatched_at\":\"2026-11-01T00:10:00+08\","
    "\"contact_met\":\"2026-11-02T09:00:00+08\"},"
    //  answered directly: no unit, never dispatched
    "{\"number\":\"T7\",\"created_at\":\"2026-11-05T09:00:00+08\",\"version\":2,"
    "\"state\":\"answered_directly\",\"closed_at\":\"2026-11-05T09:05:00+08\"}"
    "]')";

//  unit: tickets dispatched responded rated resolved satisfied reopened
//  closed | 响应率 解决率 满意率
static const char *s_expected =
    "-|1|0|0|0|0|0|0|1|||\n"
    "gjj|2|2|2|1|0|0|0|0|1.0000|0.0000|0.0000\n"
    "rsj|3|3|1|2|1|2|1|2|0.3333|0.5000|1.0000\n"
    "*|6|5|3|3|1|2|1|3|0.6000|0.3333|0.6667\n";

static void
test_report_month (void)
{
    hl_testpg_t *pg = s_archive ("schema-report");
    s_check_value (pg, s_fixture, "7");
    s_check_value (pg, "SELECT string_agg(concat_ws('|', unit, tickets, dispatched, "
                       "responded_on_time, rated, resolved, satisfied, reopened, closed, "
                       "coalesce(response_rate::text, ''), coalesce(resolution_rate::text, ''), "
                       "coalesce(satisfaction_rate::text, '')) || E'\\n', '') "
                       "FROM hl_report_month('2026-11')", s_expected);
    //  Another month, another time zone: T5 is the only December ticket
    //  in Beijing; in UTC, December has none of them.
    s_check_value (pg, "SELECT string_agg(unit || ':' || tickets, ',') "
                       "FROM hl_report_month('2026-12')", "gjj:1,*:1");
    s_check_value (pg, "SELECT string_agg(unit || ':' || tickets, ',') "
                       "FROM hl_report_month('2026-12', 0)", "*:0");
    hl_testpg_destroy (&pg);
}

//  Any period, grouped by unit, area or category, with the 考核 score:
//  the year holds the month's tickets and December's T5; the score weighs
//  the rates a group has (30/35/35 by default, or as given).
static void
test_report_periods (void)
{
    hl_testpg_t *pg = s_archive ("schema-periods");
    s_check_value (pg, s_fixture, "7");
    s_check_value (pg, "SELECT string_agg(concat_ws('|', grp, tickets, "
                       "coalesce(score::text, '')), ',') "
                       "FROM hl_report('2026-11-01', '2026-12-01')",
                   "-|1|,gjj|2|30.00,rsj|3|62.50,*|6|53.00");
    s_check_value (pg, "SELECT string_agg(grp || ':' || tickets, ',') "
                       "FROM hl_report('2026-01-01', '2027-01-01')", "-:1,gjj:3,rsj:3,*:7");
    s_check_value (pg, "SELECT string_agg(grp || ':' || tickets, ',') "
                       "FROM hl_report('2026-11-01', '2026-12-01', 'area')", "-:6,*:6");
    s_check_value (pg, "SELECT string_agg(grp || ':' || score, ',') "
                       "FROM hl_report('2026-11-01', '2026-12-01', 'unit', 480, '{1,0,0}')",
                   "gjj:100.00,rsj:33.33,*:60.00");
    //  Bad input: a clear refusal, nothing computed.
    char *v = hl_testpg_value (pg, "SELECT count(*) FROM hl_report('2026-11-01', '2026-12-01', "
                                   "'street')");
    HL_CHECK (v == NULL);
    v = hl_testpg_value (pg, "SELECT count(*) FROM hl_report('2026-11-01', '2026-12-01', 'unit', "
                             "480, '{0,0,0}')");
    HL_CHECK (v == NULL);
    hl_testpg_destroy (&pg);
}

int
main (int argc, char **argv)
{
    hl_test_case_t cases[] = {
        { "apply", test_apply },
        { "concurrent", test_concurrent },
        { "refused_newer", test_refused_newer },
        { "upsert_idempotent", test_upsert_idempotent },
        { "partitions", test_partitions },
        { "report_month", test_report_month },
        { "report_periods", test_report_periods },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
