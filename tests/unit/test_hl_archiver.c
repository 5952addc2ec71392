/*  Unit test of hl_archiver against a real Redis and a real PostgreSQL:
 *  offered tickets are in the archive, with their history, once each
 *  (a ticket offered twice in a batch is read once, a replay writes
 *  nothing new), a ticket Redis does not hold counts as archived, a
 *  PostgreSQL stopped under a batch answers -1 (to be offered again), an
 *  archive that is not ready refuses offers, and destroying answers what
 *  waits. */
#include "hl_archiver.h"
#include "hl_proc.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testpg.h"
#include "hl_wire.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct event_base *base;
    int answers, archived, failed;
    char tickets[3][HL_STORE_TICKET_MAX];
    int taken;
} s_ctx_t;

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    HL_CHECK (res->outcome == HL_STORE_NEW);
    snprintf (ctx->tickets[ctx->taken++], HL_STORE_TICKET_MAX, "%s", res->ticket);
}

static void
s_on_done (int status, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->answers++;
    ctx->archived += status == 0;
    ctx->failed += status != 0;
}

//  Runs the loop until COND holds or 20 s have passed.
#define S_UNTIL(ctx, cond) do { \
    long long until_ = hl_proc_now_ms () + 20000; \
    while (!(cond) && hl_proc_now_ms () < until_) \
        event_base_loop ((ctx)->base, EVLOOP_ONCE | EVLOOP_NONBLOCK); \
} while (0)

static void
s_intake (s_ctx_t *ctx, hl_store_t *store, const char *rid, const char *state)
{
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = c.has_request_type = c.has_request_id = c.has_content = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c.request_id = hl_wire_bytes (rid);
    c.content = hl_wire_bytes ("路灯不亮");
    c.has_caller_phone = 1;
    c.caller_phone = hl_wire_bytes ("13800138000");
    hl_store_disposition_t d = { .state = state, .unit = "rsj", .assist = "", .note = "" };
    int before = ctx->taken;
    HL_CHECK (hl_store_intake (store, &c, "agent:a1", 0, &d, s_on_intake, ctx) == 0);
    S_UNTIL (ctx, ctx->taken > before);
}

static long
s_count (hl_testpg_t *pg, const char *sql)
{
    char *v = hl_testpg_value (pg, sql);
    long n = v ? atol (v) : -1;
    free (v);
    return n;
}

static void
test_archive (void)
{
    int port;
    char address[32], err[256];
    pid_t pid = hl_testenv_bare_redis (&port, address);
    hl_testpg_t *pg = hl_testpg_new ("archiver");
    HL_CHECK (pid > 0 && pg && hl_testpg_start (pg) == 0);
    if (pid <= 0 || !pg)
        return;
    s_ctx_t ctx = { .base = event_base_new () };
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = address;
    hl_store_t *store = hl_store_new (ctx.base, &so, err, sizeof err);
    hl_archive_opts_t ao;
    hl_archive_opts_default (&ao);
    ao.dsn = hl_testpg_dsn (pg);
    ao.password = hl_testpg_password (pg);
    ao.timeout_ms = 1000;
    ao.statement_timeout_ms = 500;
    hl_archive_t *archive = hl_archive_new (ctx.base, &ao, err, sizeof err);
    HL_CHECK (store && archive);
    hl_archiver_opts_t o;
    hl_archiver_opts_default (&o);
    hl_archiver_t *archiver = hl_archiver_new (ctx.base, store, archive, NULL, &o);

    //  Not ready yet: refused, no callback.
    HL_CHECK (hl_archiver_offer (archiver, "YJ202612040000001", s_on_done, &ctx) == -1);
    S_UNTIL (&ctx, hl_store_is_ready (store) && hl_archive_ready (archive));
    HL_CHECK (hl_store_is_ready (store) && hl_archive_ready (archive));
    s_intake (&ctx, store, "arch-1", "dispatched");
    s_intake (&ctx, store, "arch-2", "to_dispatch");
    s_intake (&ctx, store, "arch-3", "dispatched");
    HL_CHECK (ctx.taken == 3);

    //  Three tickets, one offered twice, one Redis does not hold: all archived.
    for (int i = 0; i < 3; i++)
        HL_CHECK (hl_archiver_offer (archiver, ctx.tickets[i], s_on_done, &ctx) == 0);
    HL_CHECK (hl_archiver_offer (archiver, ctx.tickets[0], s_on_done, &ctx) == 0);
    HL_CHECK (hl_archiver_offer (archiver, "YJ202612040000999", s_on_done, &ctx) == 0);
    S_UNTIL (&ctx, ctx.answers == 5);
    HL_CHECK (ctx.archived == 5 && ctx.failed == 0);
    HL_CHECK (s_count (pg, "SELECT count(*) FROM tickets") == 3);
    HL_CHECK (s_count (pg, "SELECT count(*) FROM history") == 5);     //  2 + 1 + 2 entries
    char sql[256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM tickets WHERE number = '%s' AND "
              "state = 'dispatched' AND unit = 'rsj' AND version = 2 AND dispatched_at IS NOT "
              "NULL AND content = '路灯不亮' AND caller_hash IS NULL", ctx.tickets[0]);
    HL_CHECK (s_count (pg, sql) == 1);

    //  A replay changes nothing.
    HL_CHECK (hl_archiver_offer (archiver, ctx.tickets[1], s_on_done, &ctx) == 0);
    S_UNTIL (&ctx, ctx.answers == 6);
    HL_CHECK (ctx.archived == 6);
    HL_CHECK (s_count (pg, "SELECT count(*) FROM history") == 5);
    hl_archiver_stats_t st;
    hl_archiver_stats (archiver, &st);
    HL_CHECK (st.archived == 6 && st.failed == 0 && st.batches == 2 && st.waiting == 0);

    //  PostgreSQL stopped under a gathering batch: answered -1; then, the
    //  archive not ready, offers are refused; back, the ticket is archived.
    HL_CHECK (hl_archiver_offer (archiver, ctx.tickets[2], s_on_done, &ctx) == 0);
    hl_testpg_stop (pg);
    S_UNTIL (&ctx, ctx.answers == 7);
    HL_CHECK (ctx.failed == 1);
    S_UNTIL (&ctx, !hl_archive_ready (archive));
    HL_CHECK (hl_archiver_offer (archiver, ctx.tickets[2], s_on_done, &ctx) == -1);
    HL_CHECK (hl_testpg_start (pg) == 0);
    S_UNTIL (&ctx, hl_archive_ready (archive));
    HL_CHECK (hl_archiver_offer (archiver, ctx.tickets[2], s_on_done, &ctx) == 0);
    S_UNTIL (&ctx, ctx.answers == 8);
    HL_CHECK (ctx.archived == 7);

    //  Destroyed with an offer waiting: it is answered -1.
    S_UNTIL (&ctx, hl_archive_ready (archive));
    if (hl_archiver_offer (archiver, ctx.tickets[2], s_on_done, &ctx) == 0) {
        hl_archiver_destroy (&archiver);
        HL_CHECK (ctx.answers == 9 && ctx.failed == 2);
    }
    hl_archiver_destroy (&archiver);
    HL_CHECK (archiver == NULL);
    hl_archive_destroy (&archive);
    hl_store_destroy (&store);
    event_base_free (ctx.base);
    hl_testpg_destroy (&pg);
    hl_proc_stop (pid, SIGTERM);
}

static const hl_test_case_t s_cases[] = {
    { "archive", test_archive }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
