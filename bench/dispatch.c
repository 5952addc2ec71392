/*  bench/dispatch: delivery to department workers.
 *
 *      dispatch --endpoint E --worker-endpoint W --redis ADDR \
 *               [--workers 100] [--credit 20] [--total 20000] [--rate 5000] [--seconds 10]
 *               [--windows 3] [--sign now|later]
 *
 *  1. Throughput: TOTAL tickets are taken in with no worker connected,
 *     then WORKERS workers (spread over every unit of the catalogue) drain
 *     the backlog, each signing what it receives: deliveries/s.
 *  2. Ceiling: the Redis work a delivery costs (the ticket read and the
 *     sign transition with the deadlines it arms), driven directly through
 *     the store at the same depth (workers x credit), no ZeroMQ, no
 *     daemon. Ratio of 1 to 2.
 *  3. Latency: with the workers connected, RATE tickets/s offered for
 *     SECONDS, WINDOWS times; time from a request being due at intake to
 *     its delivery at a worker, p50/p99/p999 per window, and the median
 *     window's p99; and from its ack to its delivery, p50/p99.
 *  With --total 0, only 3.
 *  With --sign later the workers of 3 take their deliveries and sign
 *  none during a window; after it (not timed) they sign all they took,
 *  and the next window starts once every sign was answered: a department
 *  system that takes tickets in at the peak and signs them later, holding
 *  up to CREDIT unsigned each (the most one held is printed: at CREDIT,
 *  deliveries waited for credit and the window says so). The ack-to-worker
 *  time is then the delivery alone, without the signing's CPU on the same
 *  machine (signing is measured by bench/run-life).
 *  With ENDPOINT one hotlined instance's intake and W another's worker
 *  socket (bench/run-dispatch with INSTANCES 2), every delivery crosses
 *  from one instance to the other through the unit's stream.
 *  bench/run-dispatch starts a private Redis and hotlined and calls this.
 */
#include "hl_catalogue.h"
#include "hl_load.h"
#include "hl_rawworker.h"
#include "hl_store.h"
#include "hl_table.h"
#include "hl_wire.h"

#include <event2/event.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

typedef struct {
    void *ctx;                 //  one ZeroMQ context (one I/O thread) for all
    hl_rawworker_t **w;
    int epoll;                 //  every worker's ZMQ_FD, by worker index
    int64_t swept_us;          //  last time every worker was looked at
    int64_t beat_us;           //  last time every worker sent a heartbeat
    int n, credit;
    long lead, signed_ok;
    int later;                 //  --sign later: deliveries kept in HELD, signed after
    char (**held)[48];         //  per worker: tickets taken, not yet signed
    size_t *n_held, *cap_held;
    size_t most_held;          //  the most one worker held in this window
    long signs_sent, answered; //  the signs sent after a window, their answers
    hl_table_t *arrived;       //  phase 3: ticket -> int64_t when delivered
    const char *run_id;
    long total;
} s_pool_t;

static int
s_compare (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
s_pct (const double *v, size_t n, double p)
{
    return n ? v[(size_t) (p / 100.0 * (double) (n - 1) + 0.5)] : 0;
}

//  Connects N workers spread round-robin over the catalogue's units, all
//  in one context: like N department machines to hotlined (N connections,
//  N identities), without N I/O threads competing for this machine's cores.
static int
s_pool_up (s_pool_t *pool, const char *endpoint, const hl_catalogue_t *cat, int n, int credit)
{
    pool->ctx = zmq_ctx_new ();
    pool->w = calloc ((size_t) n, sizeof *pool->w);
    pool->held = calloc ((size_t) n, sizeof *pool->held);
    pool->n_held = calloc ((size_t) n, sizeof *pool->n_held);
    pool->cap_held = calloc ((size_t) n, sizeof *pool->cap_held);
    if (!pool->w || !pool->held || !pool->n_held || !pool->cap_held)
        abort ();
    pool->epoll = epoll_create1 (EPOLL_CLOEXEC);
    pool->n = n;
    pool->credit = credit;
    for (int i = 0; i < n; i++) {
        const char *unit = hl_catalogue_unit_code_at (cat, (size_t) i % hl_catalogue_unit_count (cat));
        char name[16];
        snprintf (name, sizeof name, "b%d", i);
        pool->w[i] = hl_rawworker_new_in (pool->ctx, endpoint, unit, (unsigned) credit, name);
        if (!pool->w[i])
            return -1;
        int fd;
        size_t len = sizeof fd;
        zmq_getsockopt (hl_rawworker_socket (pool->w[i]), ZMQ_FD, &fd, &len);
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t) i };
        epoll_ctl (pool->epoll, EPOLL_CTL_ADD, fd, &ev);
    }
    return 0;
}

static void
s_free_value (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    free (value);
}

//  Worker K keeps TICKET to sign after the window (--sign later).
static void
s_pool_keep (s_pool_t *pool, int k, const char *ticket)
{
    if (pool->n_held[k] == pool->cap_held[k]) {
        pool->cap_held[k] = pool->cap_held[k] ? pool->cap_held[k] * 2 : 64;
        pool->held[k] = realloc (pool->held[k], pool->cap_held[k] * sizeof *pool->held[k]);
        if (!pool->held[k])
            abort ();
    }
    snprintf (pool->held[k][pool->n_held[k]++], sizeof pool->held[k][0], "%s", ticket);
    if (pool->n_held[k] > pool->most_held)
        pool->most_held = pool->n_held[k];
}

//  Takes everything worker K has received: deliveries are signed now or
//  kept for later (and, in the latency phase, timed); answers are counted.
//  Reading until nothing is left also covers what a sign sent meanwhile
//  may have hidden: ZMQ_FD only says that something changed.
static long s_tag;

static void
s_pool_drain (s_pool_t *pool, int k)
{
    Hotline__Envelope *m;
    while ((m = hl_rawworker_next_any (pool->w[k], 0)) != NULL) {
        if (m->body_case == HOTLINE__ENVELOPE__BODY_DELIVERY
            && m->delivery->role == HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD) {
            pool->lead++;
            //  (a delivery carries the ticket as stored, not the request
            //  id: the ticket number ties it to its request, after the run)
            const char *t = m->delivery->ticket->ticket;
            if (pool->arrived && t && !hl_table_get (pool->arrived, t, strlen (t))) {
                int64_t *at = malloc (sizeof *at);
                if (!at)
                    abort ();
                *at = hl_monotonic_us ();
                hl_table_set (pool->arrived, t, strlen (t), at);
            }
            if (pool->later && t)
                s_pool_keep (pool, k, t);
            else
                hl_rawworker_send_action (pool->w[k], m->delivery->ticket->ticket,
                                          HOTLINE__ACTION__ACTION_SIGN, NULL, ++s_tag);
        }
        else
        if (m->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE) {
            pool->signed_ok++;
            pool->answered++;
        }
        else
        if (m->body_case == HOTLINE__ENVELOPE__BODY_NACK)
            pool->answered++;
        hotline__envelope__free_unpacked (m, NULL);
    }
}

//  Waits up to TIMEOUT_MS and serves the workers whose socket signalled;
//  every 20 ms all of them, in case a signal was taken by a send. Workers
//  that sign later send nothing while they take deliveries, and hotlined
//  sends no heartbeat to a worker it is sending deliveries to: like
//  libhotline-worker (a heartbeat when this side was quiet for an
//  interval), they heartbeat every half interval (hotlined's default
//  1,000 ms), or hotlined takes them for dead after three intervals.
static void
s_pool_poll (s_pool_t *pool, int timeout_ms)
{
    struct epoll_event ev[128];
    int n = epoll_wait (pool->epoll, ev, 128, timeout_ms);
    for (int e = 0; e < n; e++)
        s_pool_drain (pool, (int) ev[e].data.u32);
    int64_t now = hl_monotonic_us ();
    if (now - pool->swept_us > 20000) {
        pool->swept_us = now;
        for (int k = 0; k < pool->n; k++)
            s_pool_drain (pool, k);
    }
    if (pool->later && now - pool->beat_us > 500000) {
        pool->beat_us = now;
        for (int k = 0; k < pool->n; k++)
            hl_rawworker_heartbeat (pool->w[k]);
    }
}

//  --sign later, after a window: every worker signs what it took, and
//  this waits (up to 300 s) until each sign was answered. The signs per
//  second are printed; they are not part of any latency figure.
static void
s_pool_sign_held (s_pool_t *pool)
{
    int64_t t0 = hl_monotonic_us ();
    pool->answered = pool->signs_sent = 0;
    for (int k = 0; k < pool->n; k++) {
        for (size_t i = 0; i < pool->n_held[k]; i++)
            hl_rawworker_send_action (pool->w[k], pool->held[k][i], HOTLINE__ACTION__ACTION_SIGN,
                                      NULL, ++s_tag);
        pool->signs_sent += (long) pool->n_held[k];
        pool->n_held[k] = 0;
        s_pool_poll (pool, 0);           //  answers and heartbeats meanwhile
    }
    while (pool->answered < pool->signs_sent && hl_monotonic_us () - t0 < 300 * 1000000LL)
        s_pool_poll (pool, 10);
    double s = (double) (hl_monotonic_us () - t0) / 1e6;
    printf ("            then (not timed) %ld signs of what was taken: %ld answered in %.1f s\n",
            pool->signs_sent, pool->answered, s);
    fflush (stdout);
}

static void
s_pool_down (s_pool_t *pool)
{
    for (int i = 0; i < pool->n; i++) {
        hl_rawworker_destroy (&pool->w[i]);
        if (pool->held)
            free (pool->held[i]);
    }
    free (pool->held);
    free (pool->n_held);
    free (pool->cap_held);
    free (pool->w);
    if (pool->epoll >= 0)
        close (pool->epoll);
    if (pool->ctx)
        zmq_ctx_term (pool->ctx);
}

//  --------------------------------------------------------------------
//  The Redis ceiling: read + sign per ticket, through the store.

typedef struct {
    struct event_base *base;
    hl_store_t *store;
    char (*tickets)[48];
    long total, next, done;
    int depth;
    char unit_actor[64];
} s_ceiling_t;

static void s_ceiling_next (s_ceiling_t *c);

static void
s_ceiling_signed (const hl_store_transition_result_t *res, void *arg)
{
    (void) res;
    s_ceiling_t *c = arg;
    if (++c->done == c->total)
        event_base_loopbreak (c->base);
    else
        s_ceiling_next (c);
}

typedef struct {
    s_ceiling_t *c;
    long i;
} s_ceiling_call_t;

static void
s_ceiling_read (const Hotline__TicketView *view, const char *error, void *arg)
{
    s_ceiling_call_t *call = arg;
    s_ceiling_t *c = call->c;
    char actor[64], rid[32];
    snprintf (actor, sizeof actor, "unit:%.*s/ceiling", view && view->has_unit ? (int) view->unit.len : 1,
              view && view->has_unit ? (const char *) view->unit.data : "x");
    snprintf (rid, sizeof rid, "ceiling-%ld", call->i);
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (c->tickets[call->i]);
    t.has_action = 1;
    t.action = HOTLINE__ACTION__ACTION_SIGN;
    free (call);
    //  The contact and reply deadlines hotlined computes before a sign and
    //  arms in the same step (their values do not matter here).
    int64_t day = (int64_t) time (NULL) * 1000 + 86400000;
    hl_store_premade_t pre = { .n = 2, .milestone = { 1, 2 }, .warn = { day, day },
                               .due = { day + 3600000, day + 3600000 },
                               .escalate = { day + 7200000, day + 7200000 }, .generation = 1 };
    if (error || hl_store_transition (c->store, &t, actor, rid, strlen (rid), 0, &pre,
                                      s_ceiling_signed, c) != 0)
        s_ceiling_signed (NULL, c);
}

static void
s_ceiling_next (s_ceiling_t *c)
{
    if (c->next >= c->total)
        return;
    s_ceiling_call_t *call = malloc (sizeof *call);
    call->c = c;
    call->i = c->next++;
    if (hl_store_ticket_brief (c->store, c->tickets[call->i], s_ceiling_read, call) != 0) {
        free (call);
        s_ceiling_signed (NULL, c);
    }
}

static void
s_ceiling_start (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_ceiling_t *c = arg;
    if (!hl_store_is_ready (c->store)) {
        struct timeval tv = { 0, 10000 };
        event_base_once (c->base, -1, EV_TIMEOUT, s_ceiling_start, c, &tv);
        return;
    }
    for (int k = 0; k < c->depth; k++)
        s_ceiling_next (c);
}

static double
s_run_ceiling (const char *redis, char (*tickets)[48], long total, int depth)
{
    s_ceiling_t c = { .base = event_base_new (), .tickets = tickets, .total = total,
                      .depth = depth };
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = redis;
    so.redis.timeout_ms = 10000;
    so.city_prefix = "BD";
    so.tz_offset_min = 480;
    so.idempotency_ttl_s = 3600;
    char err[256];
    c.store = hl_store_new (c.base, &so, err, sizeof err);
    if (!c.store)
        return 0;
    struct timeval tv = { 0, 0 };
    event_base_once (c.base, -1, EV_TIMEOUT, s_ceiling_start, &c, &tv);
    int64_t t0 = hl_monotonic_us ();
    event_base_dispatch (c.base);
    double rate = (double) total / ((double) (hl_monotonic_us () - t0) / 1e6);
    hl_store_destroy (&c.store);
    event_base_free (c.base);
    return rate;
}

//  --------------------------------------------------------------------

typedef struct {
    hl_load_opts_t opts;
    hl_load_result_t result;
    volatile int done;
} s_load_t;

static void *
s_load_thread (void *arg)
{
    s_load_t *load = arg;
    hl_load_run (&load->opts, &load->result);
    load->done = 1;
    return NULL;
}

static int
s_backlog (const char *endpoint, const char *run_id, long total, hl_load_result_t *r)
{
    hl_load_opts_t o;
    hl_load_opts_default (&o);
    o.endpoint = endpoint;
    o.total = total;
    o.run_id = run_id;
    return hl_load_run (&o, r) == 0 && r->acked == total ? 0 : -1;
}

//  One latency window: RATE tickets/s offered for SECONDS with the
//  workers of POOL signing what they get; prints and returns the p99 (ms)
//  from a request being due at intake to its delivery at a worker.
static double
s_latency_window (s_pool_t *pool, const char *endpoint, double rate, int seconds, int window)
{
    char run[64];
    s_load_t load;
    hl_load_opts_default (&load.opts);
    snprintf (run, sizeof run, "lat%lld-%d", (long long) time (NULL), window);
    load.opts.endpoint = endpoint;
    load.opts.total = (long) (rate * seconds);
    load.opts.rate = rate;
    load.opts.run_id = run;
    load.done = 0;
    pool->run_id = run;
    pool->total = load.opts.total;
    pool->arrived = hl_table_new ();
    pool->lead = 0;
    pool->most_held = 0;
    int64_t t0 = hl_monotonic_us ();
    pthread_t thread;
    pthread_create (&thread, NULL, s_load_thread, &load);
    while (!load.done || (pool->lead < pool->total && hl_monotonic_us () - t0 < 300 * 1000000LL))
        s_pool_poll (pool, 1);
    pthread_join (thread, NULL);
    double *lat = calloc ((size_t) pool->total, sizeof *lat);
    double *after_ack = calloc ((size_t) pool->total, sizeof *after_ack);
    size_t n = 0, n_ack = 0;
    for (long i = 0; i < pool->total; i++) {
        const char *t = load.result.tickets[i];
        const int64_t *at = *t ? hl_table_get (pool->arrived, t, strlen (t)) : NULL;
        if (at && load.result.due_us[i])
            lat[n++] = (double) (*at - load.result.due_us[i]);
        //  (a delivery may overtake its ack on the way to the caller)
        if (at && load.result.acked_us[i])
            after_ack[n_ack++] = (double) (*at - load.result.acked_us[i]);
    }
    qsort (lat, n, sizeof *lat, s_compare);
    qsort (after_ack, n_ack, sizeof *after_ack, s_compare);
    double p99 = s_pct (lat, n, 99) / 1000;
    printf ("latency     window %d, %.0f tickets/s offered for %d s: intake-to-worker p50 %.2f ms  "
            "p99 %.2f ms  p999 %.2f ms  (%zu of %ld delivered); intake alone (due to ack) "
            "p99 %.2f ms\n", window, rate, seconds, s_pct (lat, n, 50) / 1000, p99,
            s_pct (lat, n, 99.9) / 1000, n, pool->total,
            hl_load_percentile (&load.result, 99) / 1000);
    printf ("            ack to worker p50 %.2f ms  p99 %.2f ms\n", s_pct (after_ack, n_ack, 50) / 1000,
            s_pct (after_ack, n_ack, 99) / 1000);
    if (pool->later)
        printf ("            signed later: the most one worker held %zu of its credit %d%s\n",
                pool->most_held, pool->credit,
                (int) pool->most_held >= pool->credit ? " (CREDIT-BOUND: deliveries waited for credit)"
                                                      : "");
    fflush (stdout);
    if (pool->later)
        s_pool_sign_held (pool);
    free (after_ack);
    free (lat);
    hl_table_foreach (pool->arrived, s_free_value, NULL);
    hl_table_destroy (&pool->arrived);
    hl_load_result_free (&load.result);
    return p99;
}

//  1. Throughput: a backlog of TOTAL drained by WORKERS workers with
//  CREDIT each (POOL), and 2. its ceiling; 0, or -1 if it could not run.
static int
s_throughput (s_pool_t *pool, const char *endpoint, const char *wendpoint, const char *redis,
              const hl_catalogue_t *cat, int workers, int credit, long total)
{
    char run[64];
    hl_load_result_t r;
    snprintf (run, sizeof run, "drain%lld", (long long) time (NULL));
    if (s_backlog (endpoint, run, total, &r) != 0) {
        fprintf (stderr, "dispatch: backlog intake failed\n");
        return -1;
    }
    hl_load_result_free (&r);
    pool->run_id = run;
    int64_t t0 = hl_monotonic_us ();
    if (s_pool_up (pool, wendpoint, cat, workers, credit) != 0) {
        fprintf (stderr, "dispatch: workers could not connect\n");
        return -1;
    }
    while (pool->lead < total && hl_monotonic_us () - t0 < 120 * 1000000LL)
        s_pool_poll (pool, 10);
    double drain = (double) pool->lead / ((double) (hl_monotonic_us () - t0) / 1e6);
    while (pool->signed_ok < pool->lead && hl_monotonic_us () - t0 < 130 * 1000000LL)
        s_pool_poll (pool, 10);
    printf ("throughput  %d workers x credit %d: %ld deliveries in backlog, %.0f deliveries/s "
            "(each signed: %ld)\n", workers, credit, total, drain, pool->signed_ok);
    s_pool_down (pool);
    //  2. Ceiling: a second backlog, read and signed directly while no
    //  worker is connected.
    snprintf (run, sizeof run, "ceil%lld", (long long) time (NULL));
    if (s_backlog (endpoint, run, total, &r) != 0) {
        fprintf (stderr, "dispatch: backlog intake failed\n");
        return -1;
    }
    double ceiling = s_run_ceiling (redis, r.tickets, total, workers * credit);
    hl_load_result_free (&r);
    printf ("ceiling     ticket read + sign transition, Redis direct, depth %d: %.0f/s\n",
            workers * credit, ceiling);
    printf ("ratio       %.2f (deliveries / ceiling)\n", drain / ceiling);
    fflush (stdout);
    return 0;
}

int
main (int argc, char **argv)
{
    const char *endpoint = "tcp://127.0.0.1:7101", *wendpoint = "tcp://127.0.0.1:7102";
    const char *redis = "127.0.0.1:6390", *dispatch = "deploy/etc/dispatch.conf";
    int workers = 100, credit = 20, seconds = 10, windows = 3, later = 0;
    long total = 20000;
    double rate = 5000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp (k, "--endpoint")) endpoint = v;
        else if (!strcmp (k, "--worker-endpoint")) wendpoint = v;
        else if (!strcmp (k, "--redis")) redis = v;
        else if (!strcmp (k, "--dispatch")) dispatch = v;
        else if (!strcmp (k, "--workers")) workers = atoi (v);
        else if (!strcmp (k, "--credit")) credit = atoi (v);
        else if (!strcmp (k, "--total")) total = atol (v);
        else if (!strcmp (k, "--rate")) rate = atof (v);
        else if (!strcmp (k, "--seconds")) seconds = atoi (v);
        else if (!strcmp (k, "--windows")) windows = atoi (v);
        else if (!strcmp (k, "--sign") && (!strcmp (v, "now") || !strcmp (v, "later")))
            later = !strcmp (v, "later");
        else {
            fprintf (stderr, "dispatch: unknown option %s\n", k);
            return 1;
        }
    }
    char err[256];
    hl_catalogue_t *cat = hl_catalogue_load (dispatch, err, sizeof err);
    if (!cat) {
        fprintf (stderr, "dispatch: %s\n", err);
        return 1;
    }
    s_pool_t pool = { 0 };
    if (total > 0 && s_throughput (&pool, endpoint, wendpoint, redis, cat, workers, credit,
                                   total) != 0)
        return 1;
    //  The queue still lists the second backlog; reconnecting lets it
    //  find those tickets signed and drop them before the latency run.
    memset (&pool, 0, sizeof pool);
    pool.later = later;
    if (s_pool_up (&pool, wendpoint, cat, workers, credit) != 0) {
        fprintf (stderr, "dispatch: workers could not connect\n");
        return 1;
    }
    for (int64_t until = hl_monotonic_us () + 1000000; hl_monotonic_us () < until;)
        s_pool_poll (&pool, 10);
    //  3. Latency at a fixed rate, in WINDOWS windows: on a shared machine
    //  one window can fall on a noisy neighbour's burst, so each is shown
    //  and the median window is the figure.
    double p99[16];
    windows = windows < 1 ? 1 : windows > 16 ? 16 : windows;
    for (int w = 0; w < windows; w++)
        p99[w] = s_latency_window (&pool, endpoint, rate, seconds, w + 1);
    qsort (p99, (size_t) windows, sizeof *p99, s_compare);
    printf ("latency     median of %d windows: p99 %.2f ms (lowest %.2f, highest %.2f)\n", windows,
            windows % 2 ? p99[windows / 2] : (p99[windows / 2 - 1] + p99[windows / 2]) / 2,
            p99[0], p99[windows - 1]);
    s_pool_down (&pool);
    hl_catalogue_destroy (&cat);
    return 0;
}
