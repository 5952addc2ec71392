/*  Unit test of hl_archread against a real PostgreSQL: a ticket written
 *  by hl_archrow reads back as the same view (state, unit, assisting
 *  units, complaint, caller opened with the key, deadlines, rating, the
 *  history in order); a number the archive lacks is "not there" without
 *  an error; a string that is no ticket number is refused. Lists by
 *  caller (keyed hash), unit and state. */
#include "hl_archread.h"
#include "hl_archrow.h"
#include "hl_proc.h"
#include "hl_test.h"
#include "hl_testpg.h"
#include "hl_testview.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


typedef struct {
    int answers, found;
    char got[1024];
} s_ctx_t;

static const char *
s_name (int state)
{
    const char *name = hl_wire_state_name (state);
    return name ? name : "-";
}

static void
s_on_view (const Hotline__TicketView *v, const char *error, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->answers++;
    ctx->found = v != NULL;
    if (!v) {
        snprintf (ctx->got, sizeof ctx->got, "%s", error ? error : "none");
        return;
    }
    const Hotline__Complaint *c = v->complaint;
    int n = snprintf (ctx->got, sizeof ctx->got, "%s %lld %s %.*s/%zu:%.*s %s %.*s %.*s %.*s "
                      "phone=%.*s name=%.*s sat=%s res=%d reopen=%u",
                      v->ticket, (long long) v->created_ms, hl_wire_state_name (v->state),
                      (int) v->unit.len, v->unit.data, v->n_assist,
                      v->n_assist ? (int) v->assist[1].len : 0,
                      v->n_assist ? (char *) v->assist[1].data : "",
                      hl_wire_request_type_name (c->request_type), (int) c->category.len,
                      c->category.data, (int) c->area.len, c->area.data, (int) c->content.len,
                      c->content.data, (int) c->caller_phone.len, c->caller_phone.data,
                      (int) c->caller_name.len, c->caller_name.data,
                      hl_wire_satisfaction_name (v->satisfaction), v->resolved, v->reopen_count);
    for (size_t i = 0; i < v->n_deadlines && n > 0 && (size_t) n < sizeof ctx->got; i++)
        n += snprintf (ctx->got + n, sizeof ctx->got - (size_t) n, " %s:%lld:%s",
                       v->deadlines[i]->milestone, (long long) v->deadlines[i]->due_ms,
                       v->deadlines[i]->status);
    for (size_t i = 0; i < v->n_history && n > 0 && (size_t) n < sizeof ctx->got; i++)
        n += snprintf (ctx->got + n, sizeof ctx->got - (size_t) n, " |%lld %.*s %s>%s %.*s",
                       (long long) v->history[i]->at_ms, (int) v->history[i]->action.len,
                       v->history[i]->action.data, s_name (v->history[i]->from_state),
                       s_name (v->history[i]->to_state),
                       (int) v->history[i]->note.len, v->history[i]->note.data);
}

//  Writes the rows of V into the archive PG (through SQL, as the archiver does).
static void
s_archive (hl_testpg_t *pg, const Hotline__TicketView *v, const hl_pii_t *pii)
{
    hl_buf_t t = HL_BUF_INIT, h = HL_BUF_INIT, sql = HL_BUF_INIT;
    HL_CHECK (hl_archrow_append (v, pii, &t, &h) == 0);
    hl_buf_printf (&sql, "SELECT hl_put_tickets('[%s]') + hl_put_history('[%s]')", t.data, h.data);
    char *n = hl_testpg_value (pg, sql.data);
    HL_CHECK (n && atoi (n) == 1 + (int) v->n_history);
    free (n);
    hl_buf_free (&t);
    hl_buf_free (&h);
    hl_buf_free (&sql);
}

static void
s_wait (struct event_base *base, int (*cond) (void *), void *arg)
{
    long long until = hl_proc_now_ms () + 20000;
    while (!cond (arg) && hl_proc_now_ms () < until)
        event_base_loop (base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static int
s_ready (void *arg)
{
    return hl_archive_ready (arg);
}

static int
s_answered (void *arg)
{
    return ((s_ctx_t *) arg)->answers > 0;
}

//  A private PostgreSQL, the archive's link to it on a loop, and a store key.
typedef struct {
    hl_testpg_t *pg;
    struct event_base *base;
    hl_archive_t *archive;
    hl_pii_t *pii;
} s_env_t;

static int
s_env_new (s_env_t *e, const char *name)
{
    *e = (s_env_t) { hl_testpg_new (name), event_base_new (), NULL, NULL };
    HL_CHECK (e->pg && hl_testpg_start (e->pg) == 0);
    if (!e->pg)
        return -1;
    char err[256];
    hl_archive_opts_t ao;
    hl_archive_opts_default (&ao);
    ao.dsn = hl_testpg_dsn (e->pg);
    ao.password = hl_testpg_password (e->pg);
    e->archive = hl_archive_new (e->base, &ao, err, sizeof err);
    setenv ("HOTLINE_PII_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            1);
    e->pii = hl_pii_new ("", err, sizeof err);
    HL_CHECK (e->archive && e->pii);
    return 0;
}

static void
s_env_destroy (s_env_t *e)
{
    hl_pii_destroy (&e->pii);
    hl_archive_destroy (&e->archive);
    event_base_free (e->base);
    hl_testpg_destroy (&e->pg);
}

static void
test_read_back (void)
{
    s_env_t e;
    if (s_env_new (&e, "archread") != 0)
        return;
    s_ctx_t ctx = { 0 };
    HL_CHECK (hl_archread_ticket (e.archive, e.pii, "YJ202512040700042", s_on_view, &ctx) == -1);
    s_wait (e.base, s_ready, e.archive);
    HL_CHECK (hl_archive_ready (e.archive));

    hl_testview_t tv;
    hl_testview_closed (&tv);
    Hotline__TicketView v = tv.view;
    s_archive (e.pg, &v, e.pii);

    HL_CHECK (hl_archread_ticket (e.archive, e.pii, "YJ202512040700042", s_on_view, &ctx) == 0);
    s_wait (e.base, s_answered, &ctx);
    HL_CHECK (ctx.found);
    const char *want =
        "YJ202512040700042 1764806400000 closed rsj/2:zjj complaint HB.03 441702 路灯不亮 "
        "phone=13800138000 name=张三 sat=basically_satisfied res=1 reopen=1 "
        "sign:0:met contact:0:met reply:1764892800000:met visit:0:met "
        "|1764806400000 intake ->to_dispatch  "
        "|1764806400000 dispatch to_dispatch>dispatched  "
        "|1764806460000 sign dispatched>signed  "
        "|1764806520000 remind signed>signed  "
        "|1764806580000 reply signed>replied 已修复\"路灯\" "
        "|1764806640000 visit replied>visited  "
        "|1764806700123 close visited>closed ";
    if (strcmp (ctx.got, want) != 0)
        fprintf (stderr, "got  %s\nwant %s\n", ctx.got, want);
    HL_CHECK (strcmp (ctx.got, want) == 0);

    //  Not archived: no view, no error. No ticket number: refused.
    ctx = (s_ctx_t) { 0 };
    HL_CHECK (hl_archread_ticket (e.archive, e.pii, "YJ202512040700043", s_on_view, &ctx) == 0);
    s_wait (e.base, s_answered, &ctx);
    HL_CHECK (!ctx.found && strcmp (ctx.got, "none") == 0);
    HL_CHECK (hl_archread_ticket (e.archive, e.pii, "YJ20251399", s_on_view, &ctx) == -1);
    HL_CHECK (hl_archread_ticket (e.archive, e.pii, "hello", s_on_view, &ctx) == -1);

    s_env_destroy (&e);
}

typedef struct {
    int answers;
    char got[512];
} s_list_ctx_t;

static void
s_on_list (Hotline__TicketSummary **items, size_t n, const char *error, void *arg)
{
    s_list_ctx_t *ctx = arg;
    ctx->answers++;
    int used = snprintf (ctx->got, sizeof ctx->got, "%s", error ? error : "");
    for (size_t i = 0; i < n && used >= 0 && (size_t) used < sizeof ctx->got; i++) {
        const Hotline__TicketSummary *t = items[i];
        used += snprintf (ctx->got + used, sizeof ctx->got - (size_t) used,
                          "%s %lld %s %s %.*s %.*s %.*s %.*s|", t->ticket,
                          (long long) t->created_ms, s_name (t->state),
                          hl_wire_request_type_name (t->request_type), (int) t->category.len,
                          t->category.data, (int) t->area.len, t->area.data, (int) t->unit.len,
                          t->unit.data, (int) t->excerpt.len, t->excerpt.data);
    }
}

static int
s_listed (void *arg)
{
    return ((s_list_ctx_t *) arg)->answers > 0;
}

//  The list of INDEX/KEY in STATE, as text.
static void
s_list (struct event_base *base, hl_archive_t *archive, const char *index, const char *key,
        const char *state, unsigned limit, s_list_ctx_t *ctx)
{
    *ctx = (s_list_ctx_t) { 0 };
    HL_CHECK (hl_archread_list (archive, index, key, state, limit, s_on_list, ctx) == 0);
    s_wait (base, s_listed, ctx);
    HL_CHECK (ctx->answers == 1);
}

//  Archived tickets listed by caller (keyed hash), unit and state, newest
//  first, as the summaries Redis's lists give; an unknown index refused.
static void
test_lists (void)
{
    s_env_t e;
    if (s_env_new (&e, "archread-list") != 0)
        return;
    s_list_ctx_t ctx;
    HL_CHECK (hl_archread_list (e.archive, "unit", "rsj", "", 10, s_on_list, &ctx) == -1);
    s_wait (e.base, s_ready, e.archive);

    //  Two tickets of the caller, a minute apart (the newer one open).
    hl_testview_t tv;
    hl_testview_closed (&tv);
    Hotline__TicketView v = tv.view;
    s_archive (e.pg, &v, e.pii);
    v.ticket = "YJ202512040700043";
    v.created_ms += 60000;
    v.state = HOTLINE__STATE__STATE_DISPATCHED;
    s_archive (e.pg, &v, e.pii);

    char hash[HL_PII_INDEX_MAX];
    hl_pii_index (e.pii, "13800138000", hash);
    const char *both = "YJ202512040700043 1764806460000 dispatched complaint HB.03 441702 rsj "
                       "路灯不亮|YJ202512040700042 1764806400000 closed complaint HB.03 441702 "
                       "rsj 路灯不亮|";
    s_list (e.base, e.archive, "caller", hash, "", 10, &ctx);
    HL_CHECK_STR (ctx.got, both);
    s_list (e.base, e.archive, "unit", "rsj", "", 10, &ctx);
    HL_CHECK_STR (ctx.got, both);
    s_list (e.base, e.archive, "caller", hash, "closed", 10, &ctx);
    HL_CHECK_STR (ctx.got, strchr (both, '|') + 1);
    s_list (e.base, e.archive, "state", "dispatched", "", 10, &ctx);
    HL_CHECK (strncmp (ctx.got, both, (size_t) (strchr (both, '|') - both + 1)) == 0
              && strlen (ctx.got) == (size_t) (strchr (both, '|') - both + 1));
    s_list (e.base, e.archive, "unit", "rsj", "dispatched", 10, &ctx);
    HL_CHECK (strncmp (ctx.got, both, (size_t) (strchr (both, '|') - both + 1)) == 0
              && strlen (ctx.got) == (size_t) (strchr (both, '|') - both + 1));
    s_list (e.base, e.archive, "caller", hash, "", 1, &ctx);
    HL_CHECK (strlen (ctx.got) == (size_t) (strchr (both, '|') - both + 1));
    //  The number itself finds nothing: only its keyed hash does.
    s_list (e.base, e.archive, "caller", "13800138000", "", 10, &ctx);
    HL_CHECK_STR (ctx.got, "");
    HL_CHECK (hl_archread_list (e.archive, "area", "441702", "", 10, s_on_list, &ctx) == -1);

    s_env_destroy (&e);
}

static const hl_test_case_t s_cases[] = {
    { "read_back", test_read_back }, { "lists", test_lists }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
