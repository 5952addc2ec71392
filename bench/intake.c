/*  bench/intake: intake throughput and acknowledgement latency, with the
 *  Redis ceiling measured in the same run.
 *
 *      intake --endpoint tcp://127.0.0.1:7101 --redis 127.0.0.1:6390 \
 *             [--clients 8] [--window 32] [--total 100000] [--rate 0] [--batch B]
 *
 *  1. Ceiling: the hl_intake Redis Function called directly, through the
 *     same store code hotlined uses (same arguments, prepared as hotlined
 *     prepares them: the same dispatch catalogue, clock and SLA policy;
 *     same pipelining depth clients x window), no ZeroMQ and no daemon.
 *  2. Through hotlined: CLIENTS DEALER sockets, WINDOW requests in flight
 *     each, as fast as possible or at RATE requests/s offered. As fast as
 *     possible, new requests leave once B slots are free (default a quarter
 *     of the depth; 1: one per answer), which keeps the generator's own
 *     system calls, paid on the same cores, low.
 *  Prints tickets/s, ack latency p50/p99/p999 and the ratio of 2 to 1;
 *  with --commandstats also Redis's commands per ticket in each phase.
 *  bench/run-intake starts a private Redis and hotlined and calls this.
 *  On a Redis Cluster --redis names its nodes, comma-separated: the
 *  ceiling's store then sends each complaint to its bucket's master, one
 *  pipelined connection per master, all at once (the ceiling summed over
 *  the masters), and --cpu-pids lists every redis-server.
 */
#include "hl_load.h"
#include "hl_intake.h"
#include "hl_store.h"
#include "hl_wire.h"

#include <event2/event.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    struct event_base *base;
    hl_store_t *store;
    hl_catalogue_t *catalogue;
    hl_deadline_t *deadline;     //  the SLA policy hotlined's run uses
    long total, sent, done, failed;
    int depth;
    char run_id[64];
    int64_t *sent_us;
    double *latency_us;
    size_t n_latency;
    int64_t start_us;
} s_ceiling_t;

static void s_ceiling_send (s_ceiling_t *c);

//  The run in progress; the store's callback argument carries the request
//  index, so the run itself is reached through here.
static s_ceiling_t *s_current;

static void
s_ceiling_stored (const hl_store_result_t *res, void *arg)
{
    long i = (long) (intptr_t) arg;
    s_ceiling_t *c = s_current;
    if (res->outcome == HL_STORE_NEW || res->outcome == HL_STORE_DUP)
        c->latency_us[c->n_latency++] = (double) (hl_monotonic_us () - c->sent_us[i]);
    else
        c->failed++;
    if (++c->done == c->total)
        event_base_loopbreak (c->base);
    else
        s_ceiling_send (c);
}

//  Sends request c->sent: decoded from the very bytes a client would send,
//  so the store receives exactly what it receives inside hotlined.
static void
s_ceiling_send (s_ceiling_t *c)
{
    if (c->sent >= c->total)
        return;
    long i = c->sent++;
    uint8_t frame[8192];
    size_t len = hl_load_pack_request (c->run_id, i, frame, sizeof frame);
    Hotline__Envelope *env = hotline__envelope__unpack (NULL, len, frame);
    hl_store_disposition_t disposition;
    hl_intake_route_t route;
    hl_intake_prepare (c->catalogue, 1, c->deadline, env->complaint, &disposition, &route);
    c->sent_us[i] = hl_monotonic_us ();
    if (hl_store_intake (c->store, env->complaint, "intake:bench", 0, &disposition,
                         s_ceiling_stored, (void *) (intptr_t) i) != 0) {
        c->failed++;
        c->done++;
    }
    hotline__envelope__free_unpacked (env, NULL);
}

static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_ceiling_t *c = arg;
    if (c->start_us == 0 && hl_store_is_ready (c->store)) {
        c->start_us = hl_monotonic_us ();
        for (int k = 0; k < c->depth; k++)
            s_ceiling_send (c);
    }
}

static int
s_compare (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
s_pct (const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t) (p / 100.0 * (double) (n - 1) + 0.5);
    return v[k];
}

//  The ceiling's complaints are prepared as hotlined prepares them
//  (hl_intake_prepare): the same dispatch catalogue and SLA policy, so the
//  Function is given the same moment and sign deadline, and keeps the same
//  reminders and counters, as through hotlined.
static double
s_run_ceiling (const char *redis, const char *dispatch, const char *sla, const char *calendar,
               long total, int depth, double *p50, double *p99, double *p999)
{
    static s_ceiling_t c;
    memset (&c, 0, sizeof c);
    s_current = &c;
    c.base = event_base_new ();
    c.total = total;
    c.depth = depth;
    snprintf (c.run_id, sizeof c.run_id, "ceil%lld", (long long) time (NULL));
    c.sent_us = calloc ((size_t) total, sizeof *c.sent_us);
    c.latency_us = calloc ((size_t) total, sizeof *c.latency_us);
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = redis;
    so.redis.timeout_ms = 10000;
    so.city_prefix = "BC";
    so.tz_offset_min = 480;
    so.idempotency_ttl_s = 3600;
    char err[256];
    c.catalogue = hl_catalogue_load (dispatch, err, sizeof err);
    if (!c.catalogue) {
        fprintf (stderr, "intake: %s\n", err);
        exit (1);
    }
    c.deadline = hl_deadline_new (sla, calendar, 0, err, sizeof err);
    c.store = c.deadline ? hl_store_new (c.base, &so, err, sizeof err) : NULL;
    if (!c.store) {
        fprintf (stderr, "intake: %s\n", err);
        exit (1);
    }
    struct event *tick = event_new (c.base, -1, EV_PERSIST, s_on_tick, &c);
    struct timeval tv = { 0, 10000 };
    event_add (tick, &tv);
    event_base_dispatch (c.base);
    double elapsed = (double) (hl_monotonic_us () - c.start_us) / 1e6;
    qsort (c.latency_us, c.n_latency, sizeof (double), s_compare);
    *p50 = s_pct (c.latency_us, c.n_latency, 50);
    *p99 = s_pct (c.latency_us, c.n_latency, 99);
    *p999 = s_pct (c.latency_us, c.n_latency, 99.9);
    if (c.failed)
        fprintf (stderr, "intake: ceiling run: %ld failures\n", c.failed);
    event_free (tick);
    hl_store_destroy (&c.store);
    hl_catalogue_destroy (&c.catalogue);
    hl_deadline_destroy (&c.deadline);
    event_base_free (c.base);
    free (c.sent_us);
    free (c.latency_us);
    return (double) c.n_latency / elapsed;
}

//  Agents searching the knowledge base at RATE/s while the intake run goes
//  on (a second thread with its own socket), to see what searches cost
//  intake.
typedef struct {
    const char *endpoint;
    double rate;
    volatile int stop;
    long sent, answered;
} s_searches_t;

static void *
s_searches_thread (void *arg)
{
    s_searches_t *s = arg;
    static const char *queries[] = { "公积金怎么提取", "孩子上小学要什么材料", "楼上装修太吵了",
                                     "社保断缴怎么补缴", "停水了什么时候来水", "营业执照怎么办" };
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect (dealer, s->endpoint);
    int64_t next = hl_monotonic_us ();
    while (!s->stop) {
        if (hl_monotonic_us () >= next) {
            Hotline__KbQuery q = HOTLINE__KB_QUERY__INIT;
            q.has_query = 1;
            q.query = hl_wire_bytes (queries[s->sent % 6]);
            Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
            env.has_version = 1;
            env.version = HL_WIRE_VERSION;
            env.body_case = HOTLINE__ENVELOPE__BODY_KB_QUERY;
            env.kb_query = &q;
            uint8_t buf[512];
            size_t len = hotline__envelope__pack (&env, buf);
            zmq_send (dealer, buf, len, ZMQ_DONTWAIT);
            s->sent++;
            next += (int64_t) (1e6 / s->rate);
        }
        zmq_pollitem_t item = { dealer, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 1) > 0) {
            zmq_msg_t msg;
            zmq_msg_init (&msg);
            while (zmq_msg_recv (&msg, dealer, ZMQ_DONTWAIT) >= 0)
                s->answered++;
            zmq_msg_close (&msg);
        }
    }
    zmq_close (dealer);
    zmq_ctx_term (ctx);
    return NULL;
}

//  Supervisors' screens polling the dashboard at RATE requests/s (summary,
//  the per-unit table and /metrics in turn) while the intake run goes on.
typedef struct {
    char host[64];
    int port;
    const char *token;
    double rate;
    volatile int stop;
    long sent, ok;
} s_pollers_t;

static int
s_http_get (const s_pollers_t *p, const char *path)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) p->port) };
    inet_pton (AF_INET, p->host, &addr.sin_addr);
    struct timeval tv = { 2, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int ok = 0;
    if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0) {
        char req[512];
        int n = snprintf (req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
                          "Authorization: Bearer %s\r\nConnection: close\r\n\r\n",
                          path, p->host, p->token);
        if (write (fd, req, (size_t) n) == n) {
            char buf[16384];
            ssize_t got, total = 0;
            while ((got = read (fd, buf, sizeof buf)) > 0)
                if (total == 0 && got > 12)
                    ok = strncmp (buf + 9, "200", 3) == 0, total += got;
        }
    }
    close (fd);
    return ok;
}

static void *
s_pollers_thread (void *arg)
{
    s_pollers_t *p = arg;
    static const char *paths[] = { "/api/summary", "/api/units", "/metrics",
                                   "/api/deadlines?level=overdue", "/api/intake?minutes=60" };
    int64_t next = hl_monotonic_us ();
    while (!p->stop) {
        int64_t now = hl_monotonic_us ();
        if (now < next) {
            usleep ((useconds_t) (next - now > 2000 ? 2000 : next - now));
            continue;
        }
        p->ok += s_http_get (p, paths[p->sent % 5]);
        p->sent++;
        next += (int64_t) (1e6 / p->rate);
    }
    return NULL;
}

//  The machine's load average over the last minute, printed beside each
//  phase's figures: the rates on a shared machine follow it.
static double
s_loadavg (void)
{
    double one = -1;
    FILE *f = fopen ("/proc/loadavg", "r");
    if (f) {
        if (fscanf (f, "%lf", &one) != 1)
            one = -1;
        fclose (f);
    }
    return one;
}

static double
s_now_s (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

//  CPU time (user + system, µs) of the processes a run uses: this one (its
//  threads included) and the servers in PIDS (Redis, hotlined), read from
//  /proc. On a shared machine throughput follows the share of the cores
//  the run gets; the CPU each ticket costs does not, or far less, so the
//  ratio of the two runs' CPU per ticket is the figure to trust when the
//  machine is busy.
//  On a Redis Cluster every redis-server is counted (masters and their
//  replicas: a replica's copy of each write is part of what a ticket
//  costs), each and summed.
#define S_CPU_PIDS 8
typedef struct {
    int n;
    int pid[S_CPU_PIDS];         //  the Redis processes, then hotlined
    double us[S_CPU_PIDS + 1];   //  per pid, then this process
} s_cpu_t;

static double
s_proc_cpu_us (int pid)
{
    char path[64], buf[1024];
    snprintf (path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    size_t len = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[len] = 0;
    const char *p = strrchr (buf, ')');
    unsigned long long ut = 0, st = 0;
    //  After the name: state and 10 fields, then utime and stime (ticks).
    if (!p || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double) (ut + st) * 1e6 / (double) sysconf (_SC_CLK_TCK);
}

static void
s_cpu_read (s_cpu_t *c)
{
    for (int i = 0; i < c->n; i++)
        c->us[i] = s_proc_cpu_us (c->pid[i]);
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    c->us[c->n] = (double) ru.ru_utime.tv_sec * 1e6 + (double) ru.ru_utime.tv_usec
                + (double) ru.ru_stime.tv_sec * 1e6 + (double) ru.ru_stime.tv_usec;
}

//  Prints the CPU per ticket between A and B for TICKETS: the Redis
//  processes' sum (and each, if several), hotlined's and the load
//  generator's; returns the total.
static double
s_cpu_print (const char *what, const s_cpu_t *a, const s_cpu_t *b, long tickets)
{
    double per[S_CPU_PIDS + 1], redis = 0, total = 0;
    for (int i = 0; i <= a->n; i++) {
        per[i] = (b->us[i] - a->us[i]) / (double) tickets;
        total += per[i];
        if (i < a->n - 1)
            redis += per[i];
    }
    printf ("cpu per ticket, %s: redis %.1f µs", what, redis);
    if (a->n > 2) {
        printf (" (");
        for (int i = 0; i < a->n - 1; i++)
            printf ("%s%.1f", i ? " + " : "", per[i]);
        printf (")");
    }
    printf (", hotlined %.1f µs, load %.1f µs; total %.1f µs\n", per[a->n - 1], per[a->n],
            total);
    return total;
}

//  Redis's own work of a phase, command by command (INFO commandstats
//  of the first node of REDIS, reset before the phase): what hotlined
//  makes Redis do besides the Function, load-free (the calls per ticket)
//  and the time of each call (inflated on a busy machine).
static void
s_cmdstats (const char *redis, const char *what, long tickets)
{
    char host[200];
    int port = 0;
    if (sscanf (redis, "%199[^:,]:%d", host, &port) != 2)
        return;
    redisContext *rc = redisConnect (host, port);
    redisReply *r = rc && !rc->err ? redisCommand (rc, "INFO commandstats") : NULL;
    if (what && r && r->type == REDIS_REPLY_STRING && tickets > 0) {
        printf ("redis commands per ticket, %s:", what);
        for (const char *at = strstr (r->str, "cmdstat_"); at; at = strstr (at + 1, "cmdstat_")) {
            char name[64];
            double calls = 0, usec = 0;
            if (sscanf (at, "cmdstat_%63[^:]:calls=%lf,usec=%lf", name, &calls, &usec) == 3
                && (calls / (double) tickets >= 0.005 || usec / (double) tickets >= 0.05))
                printf (" %s %.3f (%.1f µs)", name, calls / (double) tickets,
                        usec / (double) tickets);
        }
        printf ("\n");
    }
    freeReplyObject (r);
    freeReplyObject (rc && !rc->err ? redisCommand (rc, "CONFIG RESETSTAT") : NULL);
    if (rc)
        redisFree (rc);
}

//  "PID [PID ...]" (at most S_CPU_PIDS) into C: the Redis processes, then
//  hotlined.
static void
s_cpu_pids (s_cpu_t *c, const char *list)
{
    char *end;
    for (const char *p = list; *p && c->n < S_CPU_PIDS; p = end) {
        long pid = strtol (p, &end, 10);
        if (end == p)
            break;
        c->pid[c->n++] = (int) pid;
    }
}

int
main (int argc, char **argv)
{
    hl_load_opts_t o;
    hl_load_opts_default (&o);
    const char *redis = "127.0.0.1:6390";
    const char *dispatch = "deploy/etc/dispatch.conf";
    const char *sla = "deploy/etc/sla.conf", *calendar = "deploy/etc/calendar";
    int skip_ceiling = 0;
    int cmdstats = 0;
    int batch = -1;              //  -1: a quarter of the depth
    double searches = 0;
    s_cpu_t cpu0 = { 0 }, cpu1, cpu2, cpu3;
    s_pollers_t pollers = { .token = getenv ("HOTLINE_TOKEN") };  //  never on the command line
    if (!pollers.token)
        pollers.token = "";
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp (argv[i], "--endpoint")) o.endpoint = v, i++;
        else if (!strcmp (argv[i], "--redis")) redis = v, i++;
        else if (!strcmp (argv[i], "--dispatch")) dispatch = v, i++;
        else if (!strcmp (argv[i], "--sla")) sla = v, i++;
        else if (!strcmp (argv[i], "--calendar-dir")) calendar = v, i++;
        else if (!strcmp (argv[i], "--clients")) o.clients = atoi (v), i++;
        else if (!strcmp (argv[i], "--window")) o.window = atoi (v), i++;
        else if (!strcmp (argv[i], "--total")) o.total = atol (v), i++;
        else if (!strcmp (argv[i], "--rate")) o.rate = atof (v), i++;
        else if (!strcmp (argv[i], "--batch")) batch = atoi (v), i++;
        else if (!strcmp (argv[i], "--no-ceiling")) skip_ceiling = 1;
        else if (!strcmp (argv[i], "--commandstats")) cmdstats = 1;
        else if (!strcmp (argv[i], "--searches")) searches = atof (v), i++;
        else if (!strcmp (argv[i], "--poll")) {
            sscanf (v, "%63[^:]:%d", pollers.host, &pollers.port);
            i++;
        }
        else if (!strcmp (argv[i], "--poll-rate")) pollers.rate = atof (v), i++;
        else if (!strcmp (argv[i], "--cpu-pids")) s_cpu_pids (&cpu0, v), i++;
        else {
            fprintf (stderr, "usage: intake --endpoint E --redis ADDR [--clients M] "
                     "[--window W] [--total N] [--rate R] [--batch B] [--no-ceiling] "
                     "[--searches S] [--dispatch F] [--sla F] [--calendar-dir D] "
                     "[--commandstats] [--cpu-pids \"REDIS... HOTLINED\"]\n");
            return 1;
        }
    }
    if (o.clients <= 0 || o.window <= 0 || o.total <= 0) {
        fprintf (stderr, "intake: clients, window and total must be positive\n");
        return 1;
    }
    char run_id[64], err[600];
    snprintf (run_id, sizeof run_id, "bench%lld", (long long) time (NULL));
    o.run_id = run_id;
    hl_curve_client_t keys;
    int curve = hl_curve_client_from_env (&keys, err, sizeof err);
    if (curve < 0) {
        fprintf (stderr, "intake: %s\n", err);
        return 1;
    }
    o.keys = curve ? &keys : NULL;
    int depth = o.clients * o.window;
    o.batch = batch >= 0 ? batch : depth / 4;
    o.preencode = 1;             //  (the encoding is not the daemon's cost)
    double c50 = 0, c99 = 0, c999 = 0, ceiling = 0;
    cpu1 = cpu2 = cpu3 = cpu0;
    if (cmdstats)
        s_cmdstats (redis, NULL, 0);
    if (!skip_ceiling) {
        s_cpu_read (&cpu0);
        ceiling = s_run_ceiling (redis, dispatch, sla, calendar, o.total, depth, &c50, &c99,
                                 &c999);
        printf ("ceiling  (Redis Function direct, depth %d): %8.0f tickets/s  "
                "p50 %.2f ms  p99 %.2f ms  p999 %.2f ms  (load average %.2f)\n", depth, ceiling,
                c50 / 1000, c99 / 1000, c999 / 1000, s_loadavg ());
        //  The effects of the ceiling's steps (hotlined's outbox groups)
        //  are the ceiling's: waited for and counted, not left for the
        //  next run to pay.
        double t0 = s_now_s ();
        long long left = hl_load_outbox_settle (redis, 60000);
        s_cpu_read (&cpu1);
        printf ("outbox after the ceiling: %lld entries left, %.0f ms waited\n", left,
                (s_now_s () - t0) * 1000);
        if (cmdstats)
            s_cmdstats (redis, "ceiling", o.total);
    }
    s_searches_t agents = { .endpoint = o.endpoint, .rate = searches };
    pthread_t agents_thread;
    if (searches > 0)
        pthread_create (&agents_thread, NULL, s_searches_thread, &agents);
    pthread_t pollers_thread;
    if (pollers.rate > 0)
        pthread_create (&pollers_thread, NULL, s_pollers_thread, &pollers);
    hl_load_result_t r;
    s_cpu_read (&cpu2);
    int run = hl_load_run (&o, &r);
    double load = s_loadavg ();
    double t0 = s_now_s ();
    long long left = hl_load_outbox_settle (redis, 60000);
    s_cpu_read (&cpu3);
    printf ("outbox after hotlined's run: %lld entries left, %.0f ms waited\n", left,
            (s_now_s () - t0) * 1000);
    if (cmdstats)
        s_cmdstats (redis, "hotlined", r.acked);
    if (pollers.rate > 0) {
        pollers.stop = 1;
        pthread_join (pollers_thread, NULL);
        printf ("dashboard %.0f requests/s offered meanwhile: %ld sent, %ld answered 200\n",
                pollers.rate, pollers.sent, pollers.ok);
    }
    if (searches > 0) {
        agents.stop = 1;
        pthread_join (agents_thread, NULL);
        printf ("searches %.0f/s offered meanwhile: %ld sent, %ld answered\n", searches,
                agents.sent, agents.answered);
    }
    if (run != 0) {
        fprintf (stderr, "intake: cannot set up clients\n");
        return 1;
    }
    double rate = (double) r.acked / r.elapsed_s;
    printf ("hotlined (%d clients x %d in flight%s): %8.0f tickets/s  p50 %.2f ms  "
            "p99 %.2f ms  p999 %.2f ms  (%ld acked, %ld refused, %ld resent; "
            "load average %.2f)\n",
            o.clients, o.window, o.rate > 0 ? ", fixed rate" : "", rate,
            hl_load_percentile (&r, 50) / 1000, hl_load_percentile (&r, 99) / 1000,
            hl_load_percentile (&r, 99.9) / 1000, r.acked, r.refused, r.resends, load);
    if (o.rate > 0)
        printf ("offered  %.0f tickets/s\n", o.rate);
    if (!skip_ceiling)
        printf ("ratio    %.2f (hotlined / ceiling)\n", rate / ceiling);
    if (cpu0.n > 0 && r.acked > 0) {
        double hot = s_cpu_print ("hotlined", &cpu2, &cpu3, r.acked);
        if (!skip_ceiling) {
            double top = s_cpu_print ("ceiling", &cpu0, &cpu1, o.total);
            printf ("ratio by cpu %.2f (ceiling's cpu per ticket / hotlined's)\n", top / hot);
        }
    }
    int ok = r.acked == o.total;
    hl_load_result_free (&r);
    return ok ? 0 : 1;
}
