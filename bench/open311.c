/*  bench/open311: load on hotline-open311 over HTTP/1.1 keep-alive.
 *
 *  CONNECTIONS threads, each with one connection, send requests back to
 *  back (a closed loop) until TOTAL are answered, and report requests/s
 *  and the latency percentiles of each kind:
 *
 *    post   POST requests.json, each with its own description (so each is
 *           a new ticket: the idempotency key derives from the body)
 *    one    GET requests/ID.json of tickets the posts made
 *    list   GET requests.json?service_code=...&status=open (the newest
 *           tickets of one service, up to the spec's 1,000), on at most 4
 *           connections (the gateway prepares 8 lists at once, no more)
 *
 *  Usage: open311 --port P --key FILE [--connections N] [--total N]
 *                 [--lists N] [--service CODE]
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int port;
    char key[160];
    const char *service;
    int connections;
    long total;
    long lists;
} s_opts_t;

typedef enum { S_POST, S_ONE, S_LIST } s_kind_t;

typedef struct {
    const s_opts_t *o;
    s_kind_t kind;
    int id;                      //  thread number
    long from, to;               //  request numbers [from, to)
    double *lat_us;              //  per request
    char (*tickets)[32];         //  posts: the ticket of each; one: read
    long failed;
} s_worker_t;

static double
s_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int
s_connect (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}

//  Send REQ and read one response into BUF; its status, or -1.
static int
s_exchange (int fd, const char *req, size_t len, char *buf, size_t cap)
{
    for (size_t sent = 0; sent < len;) {
        ssize_t n = send (fd, req + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        sent += (size_t) n;
    }
    size_t have = 0;
    char *end = NULL;
    while (!(end = memmem (buf, have, "\r\n\r\n", 4))) {
        ssize_t n = recv (fd, buf + have, cap - 1 - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t) n;
    }
    buf[have] = 0;
    const char *cl = strstr (buf, "Content-Length: ");
    size_t body = cl ? (size_t) atol (cl + 16) : 0;
    size_t want = (size_t) (end + 4 - buf) + body;
    if (want >= cap)
        return -1;
    while (have < want) {
        ssize_t n = recv (fd, buf + have, want - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t) n;
    }
    buf[have] = 0;
    return atoi (buf + 9);
}

static size_t
s_request (const s_worker_t *w, long i, char *out, size_t cap)
{
    const s_opts_t *o = w->o;
    if (w->kind == S_ONE)
        return (size_t) snprintf (out, cap, "GET /open311/v2/requests/%s.json HTTP/1.1\r\n"
                                  "Host: b\r\n\r\n", w->tickets[i]);
    if (w->kind == S_LIST)
        return (size_t) snprintf (out, cap, "GET /open311/v2/requests.json?service_code=%s"
                                  "&status=open HTTP/1.1\r\nHost: b\r\n\r\n", o->service);
    char body[1024];
    int n = snprintf (body, sizeof body, "api_key=%s&service_code=%s&address_string="
                      "%%E6%%B1%%9F%%E5%%9F%%8E%%E5%%8C%%BA%%E4%%B8%%9C%%E9%%A3%%8E%%E8%%B7%%AF"
                      "%ld%%E5%%8F%%B7&phone=138%08ld&description=%%E8%%B7%%AF%%E7%%81%%AF"
                      "%%E4%%B8%%8D%%E4%%BA%%AE+%ld-%d&attribute%%5Barea%%5D=441702",
                      o->key, o->service, i % 200, i % 100000000, i, getpid ());
    return (size_t) snprintf (out, cap, "POST /open311/v2/requests.json HTTP/1.1\r\nHost: b\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\n"
                              "Content-Length: %d\r\n\r\n%s", n, body);
}

static void *
s_work (void *arg)
{
    s_worker_t *w = arg;
    int fd = s_connect (w->o->port);
    static __thread char buf[1 << 20];
    char req[2048];
    for (long i = w->from; i < w->to; i++) {
        size_t len = s_request (w, i, req, sizeof req);
        double t0 = s_now_us ();
        int status = fd < 0 ? -1 : s_exchange (fd, req, len, buf, sizeof buf);
        w->lat_us[i] = s_now_us () - t0;
        if (status != 200) {
            w->failed++;
            if (fd >= 0)
                close (fd);
            fd = s_connect (w->o->port);
            continue;
        }
        const char *id = strstr (buf, "\"service_request_id\":\"");
        if (w->kind == S_POST && id)
            snprintf (w->tickets[i], sizeof w->tickets[i], "%.16s", id + 22);
    }
    if (fd >= 0)
        close (fd);
    return NULL;
}

static int
s_cmp_ticket (const void *a, const void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

//  How many different tickets the posts made (each post is a new request).
static long
s_distinct (char (*tickets)[32], long total)
{
    char (*sorted)[32] = malloc ((size_t) total * sizeof *sorted);
    memcpy (sorted, tickets, (size_t) total * sizeof *sorted);
    qsort (sorted, (size_t) total, sizeof *sorted, s_cmp_ticket);
    long n = 0;
    for (long i = 0; i < total; i++)
        n += sorted[i][0] && (i == 0 || strcmp (sorted[i], sorted[i - 1]) != 0);
    free (sorted);
    return n;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

//  Run TOTAL requests of KIND over the connections; print one line.
static void
s_run (const s_opts_t *all, s_kind_t kind, long total, char (*tickets)[32], const char *name)
{
    s_opts_t narrow = *all;
    if (kind == S_LIST && narrow.connections > 4)
        narrow.connections = 4;
    const s_opts_t *o = &narrow;
    double *lat = calloc ((size_t) total, sizeof *lat);
    s_worker_t *w = calloc ((size_t) o->connections, sizeof *w);
    pthread_t *th = calloc ((size_t) o->connections, sizeof *th);
    double t0 = s_now_us ();
    for (int c = 0; c < o->connections; c++) {
        w[c] = (s_worker_t) { o, kind, c, total * c / o->connections,
                              total * (c + 1) / o->connections, lat, tickets, 0 };
        pthread_create (&th[c], NULL, s_work, &w[c]);
    }
    long failed = 0;
    for (int c = 0; c < o->connections; c++) {
        pthread_join (th[c], NULL);
        failed += w[c].failed;
    }
    double secs = (s_now_us () - t0) / 1e6;
    qsort (lat, (size_t) total, sizeof *lat, s_cmp);
    printf ("%-5s %7ld requests in %6.2f s: %8.0f/s  p50 %7.2f ms  p99 %7.2f ms  failed %ld\n",
            name, total, secs, (double) (total - failed) / secs, lat[total / 2] / 1000,
            lat[(long) ((double) total * 0.99)] / 1000, failed);
    fflush (stdout);
    free (lat);
    free (w);
    free (th);
}

int
main (int argc, char **argv)
{
    s_opts_t o = { .service = "CG-LIGHT", .connections = 8, .total = 20000, .lists = 200 };
    const char *key_file = NULL;
    static const struct option longopts[] = {
        { "port", 1, NULL, 'p' }, { "key", 1, NULL, 'k' }, { "connections", 1, NULL, 'c' },
        { "total", 1, NULL, 't' }, { "lists", 1, NULL, 'l' }, { "service", 1, NULL, 's' },
        { NULL, 0, NULL, 0 }
    };
    int opt;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1)
        switch (opt) {
            case 'p': o.port = atoi (optarg); break;
            case 'k': key_file = optarg; break;
            case 'c': o.connections = atoi (optarg); break;
            case 't': o.total = atol (optarg); break;
            case 'l': o.lists = atol (optarg); break;
            case 's': o.service = optarg; break;
            default: return 2;
        }
    FILE *f = key_file ? fopen (key_file, "r") : NULL;
    if (!o.port || !f || !fgets (o.key, sizeof o.key, f) || o.connections < 1 || o.total < 1) {
        fprintf (stderr, "usage: open311 --port P --key FILE [--connections N] [--total N] "
                 "[--lists N] [--service CODE]\n");
        return 2;
    }
    fclose (f);
    o.key[strcspn (o.key, "\r\n")] = 0;
    char (*tickets)[32] = calloc ((size_t) o.total, sizeof *tickets);
    s_run (&o, S_POST, o.total, tickets, "post");
    printf ("      %ld different tickets made\n", s_distinct (tickets, o.total));
    s_run (&o, S_ONE, o.total, tickets, "one");
    if (o.lists > 0)
        s_run (&o, S_LIST, o.lists, tickets, "list");
    free (tickets);
    return 0;
}
