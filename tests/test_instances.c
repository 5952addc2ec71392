/*  Two hotlined instances on one Redis: the per-unit worker streams
 *  (daemon/hl_unitq) give a worker connected to either instance every
 *  ticket of its unit, a killed instance's tickets go to the other one's
 *  workers, and a store with dispatched tickets but no stream entries
 *  (an upgraded center) has them queued at start.
 */
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_rawworker.h"
#include "hl_wire.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef Hotline__Envelope env_t;

#define UNIT "gjj"                   //  GJ.* in deploy/etc/dispatch.conf
#define STREAM "hl:q:{" UNIT "}"
#define CLAIM_MS 1000

static const char *s_args[] = { "--worker-claim-ms", "1000", NULL };

//  A complaint the catalogue dispatches to UNIT, filed through ENV.
static void
s_submit (hl_testenv_t *env, char out[48])
{
    Hotline__Complaint c;
    char rid[33];
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_PHONE,
                          HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, "GJ.01", "441704",
                          "公积金提取咨询", rid);
    hl_testenv_file (env, &c, out);
    HL_CHECK (*out);
}

//  Instance A with Redis, and instance B on the same Redis.
static int
s_pair_up (const char *name, hl_testenv_t **a, hl_testenv_t **b)
{
    char bname[64];
    snprintf (bname, sizeof bname, "%s-b", name);
    *a = hl_testenv_new (name);
    *b = hl_testenv_new (bname);
    if (*a && *b && hl_testenv_redis_start (*a) == 0) {
        hl_testenv_share_redis (*b, *a);
        if (hl_testenv_daemon_start (*a, s_args) == 0 && hl_testenv_daemon_start (*b, s_args) == 0)
            return 0;
    }
    HL_CHECK (!"two instances up");
    hl_testenv_destroy (b);
    hl_testenv_destroy (a);
    return -1;
}

//  The next delivery's ticket into OUT (its role must be lead); 0, or -1
//  if none came within TIMEOUT_MS.
static int
s_next (hl_rawworker_t *w, int timeout_ms, char out[48])
{
    env_t *d = w ? hl_rawworker_next (w, timeout_ms) : NULL;
    if (!d)
        return -1;
    HL_CHECK (d->delivery->role == HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD);
    snprintf (out, 48, "%s", d->delivery->ticket->ticket);
    hl_wire_free (&d);
    return 0;
}

static int
s_index (char t[][48], int n, const char *ticket)
{
    for (int i = 0; i < n; i++)
        if (strcmp (t[i], ticket) == 0)
            return i;
    return -1;
}

//  Takes W's deliveries, each within TIMEOUT_MS, until N came or none
//  comes; each must be one of T[0..N) and come once (else counted in
//  *BAD). How many came.
static int
s_collect (hl_rawworker_t *w, char t[][48], int n, int timeout_ms, int *bad)
{
    int seen[64] = { 0 }, got_n = 0;
    assert (n <= 64);
    char got[48];
    while (got_n < n && s_next (w, timeout_ms, got) == 0) {
        int i = s_index (t, n, got);
        *bad += i < 0 || seen[i]++ > 0;
        got_n++;
    }
    return got_n;
}

static long long
s_xlen (hl_testenv_t *env)
{
    redisReply *r = redisCommand (hl_testenv_redis (env), "XLEN %s", STREAM);
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject (r);
    return n;
}

//  Waits up to MS for the unit's stream to hold WANT entries.
static int
s_xlen_becomes (hl_testenv_t *env, long long want, int ms)
{
    long long until = hl_testenv_now_ms () + ms;
    while (s_xlen (env) != want && hl_testenv_now_ms () < until)
        hl_testenv_sleep_ms (20);
    return s_xlen (env) == want;
}

//  Waits up to MS for the unit's group to count WANT entries no instance
//  has read (its lag: what the dashboard shows as queued for the unit).
static int
s_lag_becomes (hl_testenv_t *env, long long want, int ms)
{
    long long until = hl_testenv_now_ms () + ms;
    do {
        redisReply *r = redisCommand (hl_testenv_redis (env), "XINFO GROUPS %s", STREAM);
        long long lag = -1;
        for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
            for (size_t k = 0; k + 1 < r->element[i]->elements; k += 2)
                if (strcmp (r->element[i]->element[k]->str, "lag") == 0)
                    lag = r->element[i]->element[k + 1]->integer;
        if (r)
            freeReplyObject (r);
        if (lag == want)
            return 1;
        hl_testenv_sleep_ms (100);
    } while (hl_testenv_now_ms () < until);
    return 0;
}

//  A worker on A gets every ticket submitted through B, each within a
//  bounded wait; with a worker on each instance, each ticket goes to one
//  of them, once; signed, the stream is empty again.
static void
test_two_instances (void)
{
    hl_testenv_t *a, *b;
    if (s_pair_up ("inst2", &a, &b) != 0)
        return;
    enum { N = 20 };
    char t[N][48];
    hl_rawworker_t *wa = hl_rawworker_new (hl_testenv_worker_endpoint (a), UNIT, 2 * N, "wa");
    HL_CHECK (wa != NULL);
    long long worst = 0;
    for (int i = 0; i < N; i++) {
        long long t0 = hl_testenv_now_ms ();
        s_submit (b, t[i]);
        char got[48];
        HL_CHECK (s_next (wa, 3000, got) == 0);
        HL_CHECK (strcmp (got, t[i]) == 0);
        long long took = hl_testenv_now_ms () - t0;
        worst = took > worst ? took : worst;
    }
    printf ("submitted through B, delivered by A: slowest %lld ms (submit to delivery)\n", worst);
    //  A worker of the same unit on B too: tickets through A go to either.
    hl_rawworker_t *wb = hl_rawworker_new (hl_testenv_worker_endpoint (b), UNIT, 2 * N, "wb");
    HL_CHECK (wb != NULL);
    char u[N][48];
    for (int i = 0; i < N; i++)
        s_submit (i % 2 ? a : b, u[i]);
    int by_a = 0, by_b = 0, dup = 0, unknown = 0;
    int seen_u[N] = { 0 };
    for (int k = 0; k < 2 * N; k++) {
        char got[48];
        int from_a = s_next (wa, 200, got) == 0;
        if (!from_a && s_next (wb, 200, got) != 0)
            continue;
        int i = s_index (u, N, got);
        unknown += i < 0;
        dup += i >= 0 && seen_u[i]++ > 0;
        by_a += from_a;
        by_b += !from_a;
    }
    printf ("with a worker on each: %d by A's, %d by B's, %d twice\n", by_a, by_b, dup);
    HL_CHECK (by_a + by_b == N && dup == 0 && unknown == 0);
    //  Each signs what it got; every ticket signed once, the stream empties.
    int signed_ok = 0;
    for (int i = 0; i < N; i++) {
        signed_ok += hl_testenv_done_to (hl_rawworker_act (wa, t[i], HOTLINE__ACTION__ACTION_SIGN,
                                                           NULL), HOTLINE__STATE__STATE_SIGNED);
        //  Either worker may sign a ticket of its unit.
        signed_ok += hl_testenv_done_to (hl_rawworker_act (i % 2 ? wa : wb, u[i],
                                                           HOTLINE__ACTION__ACTION_SIGN, NULL),
                                         HOTLINE__STATE__STATE_SIGNED);
    }
    HL_CHECK (signed_ok == 2 * N);
    HL_CHECK (s_xlen_becomes (a, 0, 3000));
    hl_rawworker_destroy (&wb);
    hl_rawworker_destroy (&wa);
    hl_testenv_destroy (&b);
    hl_testenv_destroy (&a);
}

//  SIGKILL the instance whose worker holds delivered, unsigned tickets:
//  a worker on the other instance gets them once the dead consumer's
//  entries have been idle worker_claim_ms, and none is signed twice.
static void
test_instance_killed (void)
{
    hl_testenv_t *a, *b;
    if (s_pair_up ("instkill", &a, &b) != 0)
        return;
    enum { N = 8 };
    char t[N][48];
    hl_rawworker_t *wa = hl_rawworker_new (hl_testenv_worker_endpoint (a), UNIT, N, "wa");
    HL_CHECK (wa != NULL);
    for (int i = 0; i < N; i++)
        s_submit (b, t[i]);
    int held = 0;
    for (char got[48]; held < N && s_next (wa, 3000, got) == 0; )
        held++;
    HL_CHECK (held == N);
    HL_CHECK (hl_testenv_done_to (hl_rawworker_act (wa, t[0], HOTLINE__ACTION__ACTION_SIGN, NULL),
                                  HOTLINE__STATE__STATE_SIGNED));
    hl_testenv_daemon_signal (a, SIGKILL);
    hl_testenv_daemon_wait (a, 5000);
    long long killed = hl_testenv_now_ms ();
    hl_rawworker_destroy (&wa);
    hl_rawworker_t *wb = hl_rawworker_new (hl_testenv_worker_endpoint (b), UNIT, N, "wb");
    HL_CHECK (wb != NULL);
    int bad = 0;                         //  t[0] (signed) must not come again
    int got_n = s_collect (wb, t + 1, N - 1, 4 * CLAIM_MS, &bad);
    long long took = hl_testenv_now_ms () - killed;
    printf ("instance killed: %d of %d unsigned tickets at the other instance %lld ms later "
            "(worker_claim_ms %d)\n", got_n, N - 1, took, CLAIM_MS);
    HL_CHECK (got_n == N - 1 && bad == 0);
    char got[48];
    HL_CHECK (s_next (wb, 500, got) != 0);   //  nothing more, t[0] least of all
    int signed_ok = 0;
    for (int i = 1; i < N; i++)
        signed_ok += hl_testenv_done_to (hl_rawworker_act (wb, t[i], HOTLINE__ACTION__ACTION_SIGN,
                                                           NULL), HOTLINE__STATE__STATE_SIGNED);
    HL_CHECK (signed_ok == N - 1);
    //  Signing again is refused: the ticket is signed once.
    env_t *again = hl_rawworker_act (wb, t[0], HOTLINE__ACTION__ACTION_SIGN, NULL);
    HL_CHECK (again && again->body_case == HOTLINE__ENVELOPE__BODY_NACK);
    hl_wire_free (&again);
    HL_CHECK (s_xlen_becomes (b, 0, 3000));
    hl_rawworker_destroy (&wb);
    hl_testenv_destroy (&b);
    hl_testenv_destroy (&a);
}

//  A store with dispatched tickets and no stream (a center upgraded from
//  the in-memory queue, or a stream deleted by hand): the scan at start queues each once, however many instances
//  start.
static void
test_upgraded_store (void)
{
    hl_testenv_t *a, *b;
    if (s_pair_up ("instupg", &a, &b) != 0)
        return;
    enum { N = 6 };
    char t[N][48];
    for (int i = 0; i < N; i++)
        s_submit (a, t[i]);
    HL_CHECK (s_xlen_becomes (a, N, 3000));
    //  The scan at start reads the dispatched list, which the outbox keeps:
    //  an upgraded store has it whole.
    HL_CHECK (hl_testenv_outbox_drained (a, 5000) == 0);
    hl_testenv_daemon_signal (a, SIGKILL);
    hl_testenv_daemon_signal (b, SIGKILL);
    hl_testenv_daemon_wait (a, 5000);
    hl_testenv_daemon_wait (b, 5000);
    redisReply *r = redisCommand (hl_testenv_redis (a), "DEL %s", STREAM);
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    if (r)
        freeReplyObject (r);
    HL_CHECK (hl_testenv_daemon_start (a, s_args) == 0);
    HL_CHECK (s_xlen_becomes (a, N, 3000));
    HL_CHECK (hl_testenv_daemon_start (b, s_args) == 0);
    hl_testenv_sleep_ms (500);
    HL_CHECK (s_xlen (a) == N);          //  B's scan found them all there
    HL_CHECK (s_lag_becomes (b, N, 2000));   //  counted as waiting, before any worker
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (b), UNIT, N, "w");
    int bad = 0;
    HL_CHECK (s_collect (w, t, N, 1500, &bad) == N && bad == 0);
    char got[48];
    HL_CHECK (s_next (w, 500, got) != 0);    //  each once
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&b);
    hl_testenv_destroy (&a);
}

//  The outbox's q group pushes each dispatched ticket into its unit's
//  stream. The stream's key is made unusable (a string) so that no push
//  can be applied; tickets are acknowledged to their callers through A,
//  and A is killed (SIGKILL) at once. With the key usable again, B, which
//  started before any of them (its start-up scan of dispatched tickets
//  is long over), applies the pushes: its own buckets' on its retry, A's
//  once it has taken their leases and claimed what A read. A worker on B
//  gets every ticket, once; the stream holds one entry each.
static void
test_killed_before_push (void)
{
    hl_testenv_t *a, *b;
    if (s_pair_up ("instpush", &a, &b) != 0)
        return;
    redisContext *rc = hl_testenv_redis (a);
    redisReply *r = redisCommand (rc, "SET %s blocked", STREAM);
    HL_CHECK (r && r->type == REDIS_REPLY_STATUS);
    freeReplyObject (r);
    enum { N = 12 };
    char t[N][48];
    for (int i = 0; i < N; i++)
        s_submit (a, t[i]);
    hl_testenv_daemon_signal (a, SIGKILL);
    hl_testenv_daemon_wait (a, 5000);
    long long killed = hl_testenv_now_ms ();
    r = redisCommand (rc, "DEL %s", STREAM);
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    freeReplyObject (r);
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (b), UNIT, N, "w");
    HL_CHECK (w != NULL);
    int bad = 0;
    //  A's leases run out after timer_lease_ms (10 s by default).
    int got_n = s_collect (w, t, N, 20000, &bad);
    printf ("killed before the pushes: %d of %d tickets at the other instance %lld ms later\n",
            got_n, N, hl_testenv_now_ms () - killed);
    HL_CHECK (got_n == N && bad == 0);
    char got[48];
    HL_CHECK (s_next (w, 500, got) != 0);    //  each once
    HL_CHECK (s_xlen (b) == N);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&b);
    hl_testenv_destroy (&a);
}

static const hl_test_case_t s_cases[] = {
    { "two_instances", test_two_instances },
    { "instance_killed", test_instance_killed },
    { "upgraded_store", test_upgraded_store },
    { "killed_before_push", test_killed_before_push },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
