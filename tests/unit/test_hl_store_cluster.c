/*  Unit test of hl_store on a real local Redis Cluster (3 masters + 3
 *  replicas, hl_testcluster): the function library on every master, each
 *  call routed to its bucket's master (intake, reads, timers, the
 *  dashboard's reads per bucket, a plain stream command), acknowledgement
 *  after WAIT on the master that took the write (ack = replicated), and a
 *  master SIGKILLed: intake in its buckets is refused with a clear code
 *  while the other buckets go on, and goes on by itself once its replica
 *  has taken over; every acknowledged ticket is there once.
 */
#include "hl_store.h"
#include "hl_store_dash.h"
#include "hl_store_sched.h"
#include "hl_bucket.h"
#include "hl_lifecycle.h"
#include "hl_proc.h"
#include "hl_rslot.h"
#include "hl_test.h"
#include "hl_testcluster.h"
#include "hl_testenv.h"
#include "hl_teststore.h"
#include "hl_wire.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define S_NOW 1765000000000LL    //  2025-12-06 13:46:40 in Beijing
#define S_DAY "20251206"
#define S_MAX_TICKETS 2000

typedef struct {
    struct event_base *base;
    int calls, ok, outcome;
    char ticket[HL_STORE_TICKET_MAX];
    hl_store_at_risk_t at_risk;
    int fired;
    size_t n;
    long next;
    char first[64];
} s_ctx_t;

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->outcome = res->outcome;
    snprintf (ctx->ticket, sizeof ctx->ticket, "%s", res->ticket);
}

static void
s_on_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_ctx_t *ctx = arg;
    (void) error;
    ctx->calls++;
    ctx->ok = view != NULL;
}

static void
s_on_at_risk (int ok, const hl_store_at_risk_t *sum, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->ok = ok;
    ctx->at_risk = *sum;
}

static void
s_on_fired (const hl_store_fired_t *fired, int n, int64_t next, const char *error, void *arg)
{
    (void) fired;
    (void) next;
    (void) error;
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->ok = n >= 0;
    ctx->fired += n > 0 ? n : 0;
}

static void
s_on_command (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->ok = reply && reply->type == REDIS_REPLY_STRING;
}

static void
s_on_int (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->ok = reply && reply->type == REDIS_REPLY_INTEGER;
}

static void
s_on_list (Hotline__TicketSummary **items, size_t n, const char *error, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->ok = error == NULL;
    ctx->n = n;
    snprintf (ctx->first, sizeof ctx->first, "%s", n ? items[0]->ticket : "");
    for (size_t i = 0; i < n; i++)
        HL_CHECK (items[i]->has_state && items[i]->state == HOTLINE__STATE__STATE_DISPATCHED
                  && items[i]->unit.len == 3);
}

static void
s_on_scan (long next, const char **tickets, const char **units, const char **assists,
           size_t n, void *arg)
{
    (void) assists;
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->next = next;
    ctx->n = n;
    snprintf (ctx->first, sizeof ctx->first, "%s", n ? tickets[0] : "");
    for (size_t i = 0; i < n; i++)
        HL_CHECK (strcmp (units[i], "rsj") == 0);
}

//  (NEXT: the count of dispatched tickets.)
static void
s_on_open (int ok, const long long *counts, size_t n, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->ok = ok;
    ctx->n = n;
    ctx->next = -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp (hl_lifecycle_open[i]->code, "dispatched") == 0)
            ctx->next = (long) counts[i];
}

static void
s_on_texts (int ok, const char *const *texts, size_t n, void *arg)
{
    s_ctx_t *ctx = arg;
    ctx->calls++;
    ctx->ok = ok;
    ctx->n = n;
    snprintf (ctx->first, sizeof ctx->first, "%s", n ? texts[0] : "");
}

//  Runs the loop until the call that returned RC has answered.
static int
s_wait (s_ctx_t *ctx, int rc)
{
    return hl_teststore_wait (ctx->base, &ctx->calls, rc);
}

//  A request id whose ticket lands in BUCKET (the store chooses the bucket
//  from the channel and the request id).
static void
s_rid_for (int bucket, int serial, char rid[40])
{
    for (int i = 0;; i++) {
        snprintf (rid, 40, "sc-%d-%d", serial, i);
        if (hl_bucket_of_request ("web", rid, strlen (rid)) == bucket)
            return;
    }
}

//  Files a complaint under RID: the outcome, or -1 if the store refused
//  to send it (then OUT is "").
static int
s_intake (s_ctx_t *ctx, hl_store_t *store, const char *rid, char out[HL_STORE_TICKET_MAX])
{
    Hotline__Complaint c;
    hl_store_disposition_t d;
    hl_teststore_complaint (&c, &d, rid, S_NOW);
    out[0] = 0;
    if (s_wait (ctx, hl_store_intake (store, &c, "agent:a1", S_NOW, &d, s_on_intake, ctx)) != 0)
        return -1;
    snprintf (out, HL_STORE_TICKET_MAX, "%s", ctx->ticket);
    return ctx->outcome;
}

//  The cluster node serving BUCKET now.
static int
s_bucket_node (hl_testcluster_t *tc, int bucket)
{
    char key[HL_BUCKET_KEY_MAX];
    int len = hl_bucket_own_key (key, sizeof key, bucket, "seq");
    return hl_testcluster_master_of (tc, hl_rslot_keyslot (key, (size_t) len));
}

static hl_store_t *
s_store (struct event_base *base, hl_testcluster_t *tc, int ack_replicas, int timeout_ms)
{
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = hl_testcluster_seeds (tc);
    so.redis.timeout_ms = timeout_ms;
    so.redis.backoff_max_ms = 100;
    so.ack_replicas = ack_replicas;
    char err[256];
    hl_store_t *store = hl_store_new (base, &so, err, sizeof err);
    HL_CHECK (store != NULL);
    long long until = hl_proc_now_ms () + 20000;
    while (store && !hl_store_is_ready (store) && hl_proc_now_ms () < until)
        event_base_loop (base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    HL_CHECK (store && hl_store_is_ready (store));
    return store;
}

//  Every call of the store on the cluster, and the library on each master.
static void
test_routing (void)
{
    hl_testcluster_t *tc = hl_testcluster_new ("store-cluster", 2000);
    HL_CHECK (tc != NULL);
    if (!tc)
        return;
    s_ctx_t ctx = { .base = event_base_new () };
    hl_store_t *store = s_store (ctx.base, tc, 0, 2000);
    int masters = 0;
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++) {
        if (hl_testcluster_first_slot (tc, i) < 0)
            continue;
        masters++;
        redisReply *r = redisCommand (hl_testcluster_redis (tc, i), "FUNCTION LIST LIBRARYNAME hotline");
        HL_CHECK (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1);
        if (r)
            freeReplyObject (r);
    }
    HL_CHECK (masters == 3);

    //  One ticket per bucket: each on its bucket's master, readable there.
    int per_node[HL_TESTCLUSTER_NODES] = { 0 };
    char tickets[HL_TICKET_BUCKETS][HL_STORE_TICKET_MAX];
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        char rid[40];
        s_rid_for (b, b, rid);
        HL_CHECK (s_intake (&ctx, store, rid, tickets[b]) == HL_STORE_NEW);
        HL_CHECK (hl_bucket_of_ticket (tickets[b], strlen (tickets[b])) == b);
        int node = s_bucket_node (tc, b);
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_ticket_key (key, sizeof key, tickets[b], "t");
        redisReply *r = node < 0 ? NULL
            : redisCommand (hl_testcluster_redis (tc, node), "EXISTS %s", key);
        HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
        if (r)
            freeReplyObject (r);
        per_node[node < 0 ? 0 : node]++;
        HL_CHECK (s_wait (&ctx, hl_store_ticket_get (store, tickets[b], s_on_view, &ctx)) == 0);
        HL_CHECK (ctx.ok);
    }
    int used = 0;
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        used += per_node[i] > 0;
    HL_CHECK (used == 3);

    //  The same request again: the same ticket (its idempotency record beside it).
    char rid[40], again[HL_STORE_TICKET_MAX];
    s_rid_for (7, 7, rid);
    HL_CHECK (s_intake (&ctx, store, rid, again) == HL_STORE_DUP);
    HL_CHECK_STR (again, tickets[7]);

    //  Reads summed over the buckets, on whichever master each is.
    HL_CHECK (s_wait (&ctx, hl_store_dash_at_risk (store, S_DAY, s_on_at_risk, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.at_risk.intake[1] == HL_TICKET_BUCKETS);
    //  Timers fire per bucket, on its master.
    ctx.fired = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        HL_CHECK (s_wait (&ctx, hl_store_timer_fire (store, b, S_NOW + 1500, 10, s_on_fired,
                                                     &ctx)) == 0 && ctx.ok);
    HL_CHECK (ctx.fired == HL_TICKET_BUCKETS);
    //  A plain command, routed by its key.
    const char *xadd[] = { "XADD", "hl:q:{rsj}", "*", "t", tickets[0] };
    HL_CHECK (s_wait (&ctx, hl_store_command (store, "hl:q:{rsj}", 5, xadd, s_on_command, &ctx))
              == 0 && ctx.ok);

    //  Lists: the index under its own tag, each ticket read on its master.
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        char score[16];
        snprintf (score, sizeof score, "%d", b);
        const char *zadd[] = { "ZADD", HL_INDEX_PREFIX "state:dispatched", score, tickets[b] };
        HL_CHECK (s_wait (&ctx, hl_store_command (store, zadd[1], 4, zadd, s_on_int, &ctx)) == 0
                  && ctx.ok);
    }
    HL_CHECK (s_wait (&ctx, hl_store_ticket_list (store, "state", "dispatched", "dispatched", 10,
                                                  s_on_list, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == 10 && strcmp (ctx.first, tickets[HL_TICKET_BUCKETS - 1]) == 0);
    HL_CHECK (s_wait (&ctx, hl_store_ticket_list (store, "state", "dispatched", "closed", 10,
                                                  s_on_list, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == 0);
    HL_CHECK (s_wait (&ctx, hl_store_dispatched_scan (store, 0, 40, s_on_scan, &ctx)) == 0);
    HL_CHECK (ctx.n == 40 && ctx.next == 40 && strcmp (ctx.first, tickets[0]) == 0);
    HL_CHECK (s_wait (&ctx, hl_store_dispatched_scan (store, 40, 40, s_on_scan, &ctx)) == 0);
    HL_CHECK (ctx.n == HL_TICKET_BUCKETS - 40 && ctx.next == 0);
    //  The open lists' counts (the index tag's master) and the hotspot
    //  alerts (their own key's).
    HL_CHECK (s_wait (&ctx, hl_store_dash_open (store, s_on_open, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == HL_LIFECYCLE_OPEN && ctx.next == HL_TICKET_BUCKETS);
    HL_CHECK (hl_store_hotspot_record (store, "{\"area\":\"441702\"}") == 0);
    HL_CHECK (s_wait (&ctx, hl_store_dash_hotspots (store, 10, s_on_texts, &ctx)) == 0);
    HL_CHECK (ctx.ok && ctx.n == 1 && strcmp (ctx.first, "{\"area\":\"441702\"}") == 0);
    hl_store_destroy (&store);

    //  ack = replicated: each intake confirmed by WAIT on its own master.
    store = s_store (ctx.base, tc, 1, 2000);
    for (int b = 0; b < 6; b++) {
        char t[HL_STORE_TICKET_MAX];
        s_rid_for (b * 10, 1000 + b, rid);
        HL_CHECK (s_intake (&ctx, store, rid, t) == HL_STORE_NEW);
    }
    hl_store_destroy (&store);
    event_base_free (ctx.base);
    hl_testcluster_destroy (&tc);
}

//  A master killed: its buckets refuse intake (not run, or not confirmed)
//  while the others go on; after the failover they take intake again by
//  themselves; every acknowledged ticket is there once.
static void
test_master_killed (void)
{
    hl_testcluster_t *tc = hl_testcluster_new ("store-cluster-kill", 1000);
    HL_CHECK (tc != NULL);
    if (!tc)
        return;
    s_ctx_t ctx = { .base = event_base_new () };
    hl_store_t *store = s_store (ctx.base, tc, 0, 500);
    int victim = s_bucket_node (tc, 0);
    HL_CHECK (victim >= 0);
    unsigned char on_victim[HL_TICKET_BUCKETS];
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        on_victim[b] = s_bucket_node (tc, b) == victim;
    static char acked[S_MAX_TICKETS][HL_STORE_TICKET_MAX];
    int n_acked = 0, other_ok = 0, other_failed = 0, refused = 0, ok_after = 0;
    hl_testcluster_signal (tc, victim, SIGKILL);
    long long t0 = hl_proc_now_ms ();
    for (int serial = 0; ok_after < 20 && hl_proc_now_ms () - t0 < 30000; serial++) {
        int bucket = serial % HL_TICKET_BUCKETS;
        //  The other masters' buckets take intake at full speed: once the
        //  list is nearly full only the victim's are tried, until its
        //  replica is promoted and they take intake again (the room left
        //  is for those).
        if (!on_victim[bucket] && n_acked >= S_MAX_TICKETS - 64)
            continue;
        char rid[40], t[HL_STORE_TICKET_MAX];
        s_rid_for (bucket, 5000 + serial, rid);
        int outcome = s_intake (&ctx, store, rid, t);
        HL_CHECK (outcome == HL_STORE_NEW || outcome == -1 || outcome == HL_STORE_UNAVAILABLE
                  || outcome == HL_STORE_LOST);
        if (outcome == HL_STORE_NEW && n_acked < S_MAX_TICKETS)
            snprintf (acked[n_acked++], HL_STORE_TICKET_MAX, "%s", t);
        //  A refusal comes at once: back off as a client does, so the loop
        //  does not take the cores the failover needs.
        if (outcome != HL_STORE_NEW)
            usleep (5 * 1000);
        if (on_victim[bucket]) {
            refused += outcome != HL_STORE_NEW;
            ok_after += outcome == HL_STORE_NEW && refused > 0;
        }
        else
        if (refused > 0 && ok_after == 0) {
            //  While the victim's buckets are refused, the others go on.
            other_ok += outcome == HL_STORE_NEW;
            other_failed += outcome != HL_STORE_NEW;
        }
    }
    printf ("  acked %d; while the master was away: other buckets ok %d failed %d; "
            "its buckets refused %d, then ok %d\n", n_acked, other_ok, other_failed, refused,
            ok_after);
    HL_CHECK (refused > 0 && ok_after >= 20);
    HL_CHECK (other_ok > 0 && other_failed == 0);
    int now_master = s_bucket_node (tc, 0);
    HL_CHECK (now_master >= 0 && now_master != victim);
    //  Every acknowledged ticket is there, once (ticket numbers unique).
    for (int i = 0; i < n_acked; i++) {
        HL_CHECK (s_wait (&ctx, hl_store_ticket_get (store, acked[i], s_on_view, &ctx)) == 0);
        HL_CHECK (ctx.ok);
        for (int j = 0; j < i; j++)
            HL_CHECK (strcmp (acked[i], acked[j]) != 0);
    }
    hl_store_destroy (&store);
    event_base_free (ctx.base);
    hl_testcluster_destroy (&tc);
}

//  A bucket's slot moved to another master by hand while intake goes on in
//  that bucket (ASK while it migrates, MOVED after): every acknowledged
//  ticket is there once and no ticket number is issued twice.
//  The intake Function declares the day's sequence with the request's
//  idempotency record: while the slot migrates a request whose record is
//  new is answered TRYAGAIN (one declared key here, one not yet there) and
//  refused as retryable, never numbered from a fresh sequence on the
//  importing master (which, undeclared, numbered from 1 again: 20 of 90
//  numbers twice).
static void
test_reshard_bucket (void)
{
    hl_testcluster_t *tc = hl_testcluster_new ("store-cluster-reshard", 3000);
    HL_CHECK (tc != NULL);
    if (!tc)
        return;
    s_ctx_t ctx = { .base = event_base_new () };
    hl_store_t *store = s_store (ctx.base, tc, 0, 2000);
    const int bucket = 5;
    char key[HL_BUCKET_KEY_MAX];
    int len = hl_bucket_own_key (key, sizeof key, bucket, "seq");
    int slot = hl_rslot_keyslot (key, (size_t) len);
    int src = hl_testcluster_master_of (tc, slot), dst = -1;
    for (int i = 0; i < HL_TESTCLUSTER_NODES && dst < 0; i++)
        if (i != src && hl_testcluster_first_slot (tc, i) >= 0)
            dst = i;
    char src_id[64], dst_id[64];
    HL_CHECK (src >= 0 && dst >= 0 && hl_testcluster_node_id (tc, src, src_id, 64) == 0
              && hl_testcluster_node_id (tc, dst, dst_id, 64) == 0);
    static char acked[100][HL_STORE_TICKET_MAX];
    int n_acked = 0, refused = 0, phase = 0;
    for (int serial = 0; serial < 90; serial++) {
        if (serial == 20) {
            HL_CHECK (hl_testcluster_setslot (tc, dst, slot, "IMPORTING", src_id) == 0);
            HL_CHECK (hl_testcluster_setslot (tc, src, slot, "MIGRATING", dst_id) == 0);
            phase = 1;
        }
        //  One key at a time, so that the slot's keys are split for a while.
        if (phase == 1 && hl_testcluster_migrate (tc, src, dst, slot, 1) == 0) {
            for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
                if (hl_testcluster_first_slot (tc, i) >= 0)
                    HL_CHECK (hl_testcluster_setslot (tc, i, slot, "NODE", dst_id) == 0);
            phase = 2;
        }
        char rid[40], t[HL_STORE_TICKET_MAX];
        s_rid_for (bucket, 9000 + serial, rid);
        int outcome = s_intake (&ctx, store, rid, t);
        if (outcome == HL_STORE_NEW)
            snprintf (acked[n_acked++], HL_STORE_TICKET_MAX, "%s", t);
        else
            refused++;
    }
    int twice = 0;
    for (int i = 0; i < n_acked; i++)
        for (int j = 0; j < i; j++)
            twice += strcmp (acked[i], acked[j]) == 0;
    printf ("  acked %d, refused %d, numbers issued twice %d, slot moved: %s\n", n_acked,
            refused, twice, phase == 2 ? "yes" : "no");
    HL_CHECK (twice == 0);
    HL_CHECK (phase == 2 && hl_testcluster_master_of (tc, slot) == dst);
    for (int i = 0; twice == 0 && phase == 2 && i < n_acked; i++) {
        HL_CHECK (s_wait (&ctx, hl_store_ticket_get (store, acked[i], s_on_view, &ctx)) == 0);
        HL_CHECK (ctx.ok);
    }
    hl_store_destroy (&store);
    event_base_free (ctx.base);
    hl_testcluster_destroy (&tc);
}

static const hl_test_case_t s_cases[] = {
    { "routing", test_routing }, { "master_killed", test_master_killed },
    { "reshard_bucket", test_reshard_bucket }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
