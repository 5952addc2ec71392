/*  Unit test of hl_unitq, the per-unit worker streams, against a real
 *  redis-server: entries pushed reach the consumer that wants them, no
 *  more than it wants; done entries leave the stream; a dead consumer's
 *  entries are taken over after the idle time; an entry answered for
 *  elsewhere is reported gone to its holder; the recovery check adds only
 *  what is missing; bad unit codes are refused.
 */
#include "hl_unitq.h"
#include "hl_proc.h"
#include "hl_test.h"
#include "hl_testenv.h"

#include <stdio.h>
#include <string.h>

#define UNIT "u1"

typedef struct {
    int n;
    char ticket[16][HL_STORE_TICKET_MAX];
    char id[16][HL_UNITQ_ID_MAX];
    int lead[16], claimed[16];
    int gone;
    char gone_ticket[HL_STORE_TICKET_MAX];
} s_got_t;

static void
s_on_entry (const char *unit, const char *id, const char *ticket, int lead, int claimed,
            void *arg)
{
    s_got_t *g = arg;
    HL_CHECK_STR (unit, UNIT);
    if (g->n < 16) {
        snprintf (g->ticket[g->n], HL_STORE_TICKET_MAX, "%s", ticket);
        snprintf (g->id[g->n], HL_UNITQ_ID_MAX, "%s", id);
        g->lead[g->n] = lead;
        g->claimed[g->n] = claimed;
    }
    g->n++;
}

static void
s_on_gone (const char *unit, const char *id, const char *ticket, void *arg)
{
    (void) unit;
    (void) id;
    s_got_t *g = arg;
    g->gone++;
    snprintf (g->gone_ticket, sizeof g->gone_ticket, "%s", ticket);
}

static void
s_on_pushed (int ok, void *arg)
{
    *(int *) arg += ok;
}

//  Runs the loop until *COUNTER reaches WANT or MS pass; 1 if it did.
static int
s_until (struct event_base *base, const int *counter, int want, int ms)
{
    long long until = hl_proc_now_ms () + ms;
    while (*counter < want && hl_proc_now_ms () < until) {
        struct timeval tick = { 0, 10 * 1000 };
        event_base_loopexit (base, &tick);
        event_base_dispatch (base);
    }
    return *counter >= want;
}

static void
s_spin (struct event_base *base, int ms)
{
    int never = 0;
    s_until (base, &never, 1, ms);
}

static hl_unitq_t *
s_consumer (struct event_base *base, hl_store_t *store, const char *name, s_got_t *got)
{
    hl_unitq_opts_t o = { s_on_gone, name, 200, 300 };
    char err[256];
    hl_unitq_t *q = hl_unitq_new (base, store, &o, s_on_entry, got, err, sizeof err);
    HL_CHECK (q != NULL);
    return q;
}

static void
test_key (void)
{
    char key[HL_UNITQ_KEY_MAX];
    HL_CHECK (hl_unitq_key (key, sizeof key, "jcq.cgj") == 14);
    HL_CHECK_STR (key, "hl:q:{jcq.cgj}");
    char small[8];
    HL_CHECK (hl_unitq_key (small, sizeof small, "jcq.cgj") == -1);
}

//  A real redis-server NAME, a loop (*BASE_P) and a store on it
//  (*STORE_P, connecting); NULL if Redis did not start.
static hl_testenv_t *
s_env_up (const char *name, struct event_base **base_p, hl_store_t **store_p)
{
    hl_testenv_t *env = hl_testenv_new (name);
    HL_CHECK (env && hl_testenv_redis_start (env) == 0);
    if (!env)
        return NULL;
    char err[256];
    *base_p = event_base_new ();
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = hl_testenv_redis_address (env);
    *store_p = hl_store_new (*base_p, &so, err, sizeof err);
    HL_CHECK (*store_p != NULL);
    return env;
}

static void
test_streams (void)
{
    struct event_base *base;
    hl_store_t *store;
    hl_testenv_t *env = s_env_up ("unitq", &base, &store);
    if (!env)
        return;
    int pushed = 0;
    //  Not ready: refused, no callback.
    HL_CHECK (hl_unitq_push (store, UNIT, "T0", "lead", 1, s_on_pushed, &pushed) == -1);
    long long until = hl_proc_now_ms () + 10000;
    while (!hl_store_is_ready (store) && hl_proc_now_ms () < until)
        s_spin (base, 10);
    HL_CHECK (hl_store_is_ready (store));
    //  T1..T3 from outbox entries of bucket 7 (T2 also for u2 to assist),
    //  in one read's worth; then T1 and T2 again from the same entries and
    //  T3 from an earlier one (a batch applied again after its consumer
    //  died): queued once each, and u2 once.
    hl_unitq_item_t first[] = {
        { UNIT, "T1", "lead", 1000, 7, "100-1" },
        { UNIT, "T2", "lead", 1001, 7, "100-2" },
        { "u2", "T2", "assist", 1001, 7, "100-2" },
        { UNIT, "T3", "lead", 1002, 7, "101-0" },
    };
    hl_unitq_item_t again[] = {
        { UNIT, "T1", "lead", 1000, 7, "100-1" },
        { "u2", "T2", "assist", 1001, 7, "100-2" },
        { UNIT, "T2", "lead", 1001, 7, "100-2" },
        { UNIT, "T3", "lead", 1002, 7, "100-9" },
    };
    HL_CHECK (hl_unitq_push_from (store, NULL, first, 4, s_on_pushed, &pushed) == 0);
    HL_CHECK (s_until (base, &pushed, 1, 3000));
    HL_CHECK (hl_unitq_push_from (store, NULL, again, 4, s_on_pushed, &pushed) == 0);
    HL_CHECK (hl_unitq_push (store, UNIT, "T4", "assist", 1003, s_on_pushed, &pushed) == 0);
    HL_CHECK (s_until (base, &pushed, 3, 3000));
    redisContext *rc0 = hl_testenv_redis (env);
    redisReply *len2 = rc0 ? redisCommand (rc0, "XLEN hl:q:{u2}") : NULL;
    HL_CHECK (len2 && len2->type == REDIS_REPLY_INTEGER && len2->integer == 1);
    freeReplyObject (len2);
    redisContext *rc = hl_testenv_redis (env);
    redisReply *len = rc ? redisCommand (rc, "XLEN hl:q:{%s}", UNIT) : NULL;
    HL_CHECK (len && len->type == REDIS_REPLY_INTEGER && len->integer == 4);
    freeReplyObject (len);
    //  Rows without their column names, or short of a column: refused
    //  with a reason, nothing queued.
    const char *bad[][3] = {
        { "FCALL hl_unitq_push 2 hl:q:{%s} hl:q:{%s}:o 1 3 1-0 T9 lead 1", "columns", "" },
        { "FCALL hl_unitq_push 2 hl:q:{%s} hl:q:{%s}:o columns %s 1 3 1-0 T9 lead", "whole rows",
          "unit bucket entry ticket role at" },
        { "FCALL hl_unitq_push 2 hl:q:{%s} hl:q:{%s}:o columns %s 1 3 1-0 T9 lead", "no column at",
          "unit bucket entry ticket role" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        redisReply *r = rc ? redisCommand (rc, bad[i][0], UNIT, UNIT, bad[i][2]) : NULL;
        HL_CHECK (r && r->type == REDIS_REPLY_ERROR && strstr (r->str, bad[i][1]));
        if (r)
            freeReplyObject (r);
    }
    len = rc ? redisCommand (rc, "XLEN hl:q:{%s}", UNIT) : NULL;
    HL_CHECK (len && len->type == REDIS_REPLY_INTEGER && len->integer == 4);
    freeReplyObject (len);

    //  c1 wants 2: it gets the first two, and no more.
    s_got_t g1 = { 0 }, g2 = { 0 }, g3 = { 0 };
    hl_unitq_t *q1 = s_consumer (base, store, "c1", &g1);
    hl_unitq_want (q1, UNIT, 2);
    HL_CHECK (s_until (base, &g1.n, 2, 3000));
    s_spin (base, 300);
    HL_CHECK (g1.n == 2);
    HL_CHECK_STR (g1.ticket[0], "T1");
    HL_CHECK_STR (g1.ticket[1], "T2");
    HL_CHECK (g1.lead[0] && !g1.claimed[0]);
    //  c2 (another instance) gets the rest, the assist notice as such.
    hl_unitq_t *q2 = s_consumer (base, store, "c2", &g2);
    hl_unitq_want (q2, UNIT, 5);
    HL_CHECK (s_until (base, &g2.n, 2, 3000));
    HL_CHECK_STR (g2.ticket[0], "T3");
    HL_CHECK_STR (g2.ticket[1], "T4");
    HL_CHECK (g2.lead[0] && !g2.lead[1]);
    hl_unitq_done (q2, UNIT, g2.id[1]);
    hl_unitq_done (q1, UNIT, g1.id[0]);
    s_spin (base, 100);                  //  (acknowledged before c1 goes)
    //  c1 dies holding T2: c2 takes it once it has been idle 300 ms.
    hl_unitq_destroy (&q1);
    long long t0 = hl_proc_now_ms ();
    HL_CHECK (s_until (base, &g2.n, 3, 3000));
    HL_CHECK_STR (g2.ticket[2], "T2");
    HL_CHECK (g2.claimed[2]);
    HL_CHECK (hl_proc_now_ms () - t0 >= 250);
    //  T3 answered for by c3: c2 hears it is gone at its next reset.
    hl_unitq_t *q3 = s_consumer (base, store, "c3", &g3);
    s_spin (base, 200);                  //  connected
    hl_unitq_answered (q3, UNIT, "T3");
    HL_CHECK (s_until (base, &g2.gone, 1, 3000));
    HL_CHECK_STR (g2.gone_ticket, "T3");
    //  The recovery check: T2 is there, T9 is added (once).
    hl_unitq_ensure (q3, UNIT, "T2", 2000);
    hl_unitq_ensure (q3, UNIT, "T9", 2000);
    hl_unitq_ensure (q3, UNIT, "T9", 2000);
    s_spin (base, 200);
    hl_unitq_ensure_end (q3);
    HL_CHECK (s_until (base, &g2.n, 4, 3000));
    HL_CHECK_STR (g2.ticket[3], "T9");
    s_spin (base, 300);
    HL_CHECK (g2.n == 4 && g2.gone == 1);

    hl_unitq_destroy (&q3);
    hl_unitq_destroy (&q2);
    hl_store_destroy (&store);
    event_base_free (base);
    hl_testenv_destroy (&env);
}

//  A read's worth after a reconnect: 600 items of three units, taken
//  in turn, through the store (a call per unit, 128 items at most) and
//  on one connection (calls of 128 items, each grouped by unit): each
//  unit's stream gets its 200 entries once, in the order given.
static void
test_push_many (void)
{
    struct event_base *base;
    hl_store_t *store;
    hl_testenv_t *env = s_env_up ("unitq-many", &base, &store);
    if (!env)
        return;
    char err[256];
    hl_redis_opts_t ro;
    hl_redis_opts_default (&ro);
    ro.address = hl_testenv_redis_address (env);
    hl_redis_t *redis = hl_redis_new (base, &ro, NULL, NULL, err, sizeof err);
    HL_CHECK (store && redis);
    long long until = hl_proc_now_ms () + 10000;
    while (!(hl_store_is_ready (store) && hl_redis_is_up (redis)) && hl_proc_now_ms () < until)
        s_spin (base, 10);
    enum { N = 600 };
    static hl_unitq_item_t items[N];
    static char tickets[N][16], entries[N][24];
    static const char *units[] = { "g0", "g1", "g2" };
    int pushed = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < N; i++) {
            snprintf (tickets[i], sizeof tickets[i], "P%d-%03d", pass, i);
            snprintf (entries[i], sizeof entries[i], "%d-%d", 500 + pass, i);
            items[i] = (hl_unitq_item_t) { units[i % 3], tickets[i], "lead", 1000 + i, 3,
                                           entries[i] };
        }
        HL_CHECK (hl_unitq_push_from (store, pass ? redis : NULL, items, N, s_on_pushed,
                                      &pushed) == 0);
        HL_CHECK (s_until (base, &pushed, pass + 1, 5000));
    }
    redisContext *rc = hl_testenv_redis (env);
    for (int u = 0; u < 3 && rc; u++) {
        redisReply *r = redisCommand (rc, "XRANGE hl:q:{%s} - +", units[u]);
        HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 * N / 3);
        for (size_t k = 0; r && r->type == REDIS_REPLY_ARRAY && k < r->elements; k++) {
            const redisReply *f = r->element[k]->element[1];
            char want[32];
            snprintf (want, sizeof want, "P%d-%03d", (int) k / (N / 3), (int) (k % (N / 3)) * 3 + u);
            HL_CHECK (f->elements >= 2 && strcmp (f->element[1]->str, want) == 0);
        }
        if (r)
            freeReplyObject (r);
    }
    hl_redis_destroy (&redis);
    hl_store_destroy (&store);
    event_base_free (base);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "key", test_key },
    { "streams", test_streams },
    { "push_many", test_push_many },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
