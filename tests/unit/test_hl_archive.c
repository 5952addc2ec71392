/*  Unit test of hl_archive against a real PostgreSQL: ready only once the
 *  schema is applied and the months ahead exist; writes refused while
 *  PostgreSQL is down (their callbacks never fire) and accepted again
 *  after it comes back; a replayed batch writes nothing.
 */
#include "hl_archive.h"
#include "hl_schema.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testpg.h"

#include <event2/event.h>
#include <stdlib.h>

typedef struct {
    int answers;
    long written;
    char err[256];
} s_probe_t;

static void
s_on_put (hl_pg_t *pg, const PGresult *res, const char *err, void *arg)
{
    (void) pg;
    s_probe_t *p = arg;
    p->answers++;
    if (res)
        p->written += atol (PQgetvalue (res, 0, 0));
    snprintf (p->err, sizeof p->err, "%s", err ? err : "");
}

static void
s_tick (struct event_base *base)
{
    struct timeval tv = { 0, 10000 };
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
}

//  Runs BASE until the archive's readiness is WANT, or 10 s pass.
static void
s_wait_ready (struct event_base *base, hl_archive_t *a, int want)
{
    long long t0 = hl_testenv_now_ms ();
    while (hl_archive_ready (a) != want && hl_testenv_now_ms () - t0 < 10000)
        s_tick (base);
}

//  Runs BASE until P has N answers, or 5 s pass.
static void
s_wait_answers (struct event_base *base, const s_probe_t *p, int n)
{
    long long t0 = hl_testenv_now_ms ();
    while (p->answers < n && hl_testenv_now_ms () - t0 < 5000)
        s_tick (base);
}

static const char *s_batch =
    "[{\"number\":\"YJ20261103000001\",\"created_at\":\"2026-11-03T01:00:00Z\",\"version\":4,"
    "\"state\":\"closed\",\"unit\":\"rsj\"},"
    "{\"number\":\"YJ20250611000002\",\"created_at\":\"2025-06-11T01:00:00Z\",\"version\":3,"
    "\"state\":\"closed\",\"unit\":\"gjj\"}]";

static void
test_ready_and_write (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archive-class");
    HL_CHECK (pg && hl_testpg_start (pg) == 0);
    struct event_base *base = event_base_new ();
    hl_archive_opts_t o;
    hl_archive_opts_default (&o);
    o.dsn = hl_testpg_dsn (pg);
    o.password = hl_testpg_password (pg);
    o.timeout_ms = 1000;
    char err[256];
    hl_archive_t *a = hl_archive_new (base, &o, err, sizeof err);
    HL_CHECK (a && !hl_archive_ready (a));
    s_probe_t p = { 0 };
    HL_CHECK (hl_archive_put_tickets (a, s_batch, s_on_put, &p) == -1);
    s_wait_ready (base, a, 1);
    HL_CHECK (hl_archive_ready (a) && hl_archive_schema_version (a) == hl_schema_latest ());
    char *ahead = hl_testpg_value (pg, "SELECT count(*) FROM pg_inherits "
                                       "WHERE inhparent = 'tickets'::regclass");
    HL_CHECK (ahead && strcmp (ahead, "3") == 0);
    free (ahead);

    //  June 2025 is not among the months made ahead: the write makes it.
    HL_CHECK (hl_archive_put_tickets (a, s_batch, s_on_put, &p) == 0);
    s_wait_answers (base, &p, 1);
    HL_CHECK (p.answers == 1 && p.written == 2 && !*p.err);
    HL_CHECK (hl_archive_put_tickets (a, s_batch, s_on_put, &p) == 0);
    s_wait_answers (base, &p, 2);
    HL_CHECK (p.answers == 2 && p.written == 2);

    //  Down: refused; back: ready again and writing.
    hl_testpg_stop (pg);
    s_wait_ready (base, a, 0);
    HL_CHECK (!hl_archive_ready (a));
    HL_CHECK (hl_archive_put_history (a, "[]", s_on_put, &p) == -1);
    HL_CHECK (hl_testpg_start (pg) == 0);
    s_wait_ready (base, a, 1);
    HL_CHECK (hl_archive_ready (a));
    const char *entry = "[{\"number\":\"YJ20261103000001\",\"created_at\":\"2026-11-03T01:00:00Z\","
                        "\"seq\":1,\"at\":\"2026-11-03T01:00:00Z\",\"actor\":\"agent:a1\","
                        "\"action\":\"intake\",\"to_state\":\"dispatched\"}]";
    HL_CHECK (hl_archive_put_history (a, entry, s_on_put, &p) == 0);
    s_wait_answers (base, &p, 3);
    HL_CHECK (p.answers == 3 && p.written == 3 && !*p.err);
    hl_archive_destroy (&a);
    HL_CHECK (a == NULL);
    event_base_free (base);
    hl_testpg_destroy (&pg);
}

int
main (int argc, char **argv)
{
    hl_test_case_t cases[] = {
        { "ready_and_write", test_ready_and_write },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
