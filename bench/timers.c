/*  bench/timers: SLA reminders at volume.
 *
 *      timers --redis ADDR --events tcp://127.0.0.1:7103 --phase PHASE [--count N]
 *
 *  Phases (bench/run-timers runs them in order around hotlined restarts):
 *    memory      ZADD COUNT (default 1,000,000) reminders into a scratch key
 *                shaped like a bucket's hl:{NN}:timers; Redis memory per
 *                reminder.
 *    lag         arm reminders falling due at RATE/s (default 5,000) for 10 s
 *                from 2 s ahead, subscribe to hotlined's events, and report
 *                the firing lag (fired at - due) p50/p99/p999.
 *    fill        arm COUNT (default 100,000) reminders already overdue,
 *                while hotlined is stopped.
 *    drain       wait for hotlined (just started) to fire them all; time.
 *  Reminders are armed straight into Redis (with a minimal ticket hash each,
 *  as hl_timer_fire reads the ticket's state), the way hl_sla_arm leaves
 *  them: ticket i is in bucket i % 64 (its number names it), its reminder
 *  in that bucket's hl:{NN}:timers, so the buckets fill evenly and one
 *  hotlined, holding every bucket's lease, fires them all.
 */
#include "hl_bucket.h"
#include "hl_lifecycle.h"
#include "hl_redis.h"
#include "hotline.pb-c.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <zmq.h>

static long long
s_now_ms (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (long long) tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static redisContext *
s_connect (const char *addr)
{
    char host[128];
    int port = 6379;
    const char *colon = strrchr (addr, ':');
    snprintf (host, sizeof host, "%.*s", (int) (colon - addr), addr);
    port = atoi (colon + 1);
    redisContext *c = redisConnect (host, port);
    if (!c || c->err) {
        fprintf (stderr, "timers: cannot connect to %s\n", addr);
        exit (1);
    }
    return c;
}

static long long
s_used_memory (redisContext *c)
{
    redisReply *r = redisCommand (c, "INFO memory");
    const char *p = r && r->str ? strstr (r->str, "used_memory:") : NULL;
    long long v = p ? atoll (p + 12) : 0;
    freeReplyObject (r);
    return v;
}

static void
s_drain_replies (redisContext *c, long n)
{
    for (long i = 0; i < n; i++) {
        redisReply *r;
        if (redisGetReply (c, (void **) &r) == REDIS_OK)
            freeReplyObject (r);
    }
}

//  Arms COUNT reminders (one per ticket, level "overdue" of "reply") due at
//  FIRST + i * STEP_MS, each with a minimal ticket in bucket i % 64; or,
//  with SCRATCH, only the reminders, all in that one key.
static void
s_arm (redisContext *c, const char *prefix, long count, long long first_ms, double step_ms,
       const char *scratch)
{
    const long batch = 1000;
    for (long i = 0; i < count; i += batch) {
        long n = count - i < batch ? count - i : batch;
        for (long k = 0; k < n; k++) {
            long serial = i + k;
            int bucket = (int) (serial % HL_TICKET_BUCKETS);
            char tag[8], ticket[48], member[80], timers[HL_BUCKET_KEY_MAX], key[HL_BUCKET_KEY_MAX];
            hl_bucket_name (bucket, tag);
            snprintf (ticket, sizeof ticket, "%s20261127%s%06ld", prefix, tag,
                      serial / HL_TICKET_BUCKETS);
            snprintf (member, sizeof member, "%s|reply|overdue", ticket);
            long long due = first_ms + (long long) ((double) serial * step_ms);
            hl_bucket_own_key (timers, sizeof timers, bucket, "timers");
            redisAppendCommand (c, "ZADD %s %lld %s", scratch ? scratch : timers, due, member);
            if (!scratch) {
                hl_bucket_ticket_key (key, sizeof key, ticket, "t");
                //  A reply clock already warned (layout 3: one field a clock,
                //  "start,status,fired,warn,due,esc,met"), as hl_timer_fire
                //  needs it to fire the overdue reminder.
                redisAppendCommand (c, "HSET %s state in_progress unit rsj %s %s", key,
                                    hl_lifecycle_stored_name ("sla:reply"), "0,warned,1,,,,");
            }
        }
        s_drain_replies (c, scratch ? n : 2 * n);
    }
}

//  Reminders waiting in every bucket.
static long long
s_waiting (redisContext *c)
{
    long long n = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_own_key (key, sizeof key, b, "timers");
        redisReply *r = redisCommand (c, "ZCARD %s", key);
        n += r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        freeReplyObject (r);
    }
    return n;
}

static int
s_compare (const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;
    return (x > y) - (x < y);
}

static void
s_phase_memory (redisContext *c, long count)
{
    redisReply *r = redisCommand (c, "DEL bench:timers");
    freeReplyObject (r);
    long long before = s_used_memory (c);
    long long t0 = s_now_ms ();
    s_arm (c, "YJ", count, s_now_ms () + 86400000LL, 1.0, "bench:timers");
    long long took = s_now_ms () - t0;
    long long after = s_used_memory (c);
    printf ("memory      %ld reminders armed in %.1f s: %.1f MB, %.0f bytes per reminder\n",
            count, took / 1000.0, (after - before) / 1e6, (double) (after - before) / count);
    r = redisCommand (c, "DEL bench:timers");
    freeReplyObject (r);
}

static void
s_phase_lag (redisContext *c, const char *events, double rate)
{
    const int seconds = 10;
    long count = (long) (rate * seconds);
    void *ctx = zmq_ctx_new ();
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "timer", 5);
    int hwm = 0;
    zmq_setsockopt (sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_connect (sub, events);
    long long first = s_now_ms () + 3000;
    s_arm (c, "LAG", count, first, 1000.0 / rate, NULL);
    long long *lag = calloc ((size_t) count, sizeof *lag);
    long got = 0;
    long long until = first + seconds * 1000 + 5000;
    while (got < count && s_now_ms () < until) {
        zmq_pollitem_t item = { sub, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 100) <= 0)
            continue;
        char topic[16];
        zmq_msg_t msg;
        while (zmq_recv (sub, topic, sizeof topic, ZMQ_DONTWAIT) >= 0) {
            zmq_msg_init (&msg);
            zmq_msg_recv (&msg, sub, 0);
            Hotline__Event *ev = hotline__event__unpack (NULL, zmq_msg_size (&msg),
                                                         zmq_msg_data (&msg));
            zmq_msg_close (&msg);
            if (ev && ev->ticket && strncmp (ev->ticket, "LAG", 3) == 0)
                lag[got++] = (long long) ev->at_ms - (long long) ev->due_ms;
            if (ev)
                hotline__event__free_unpacked (ev, NULL);
        }
    }
    qsort (lag, (size_t) got, sizeof *lag, s_compare);
    printf ("lag         %.0f reminders/s falling due for %d s: %ld fired, lag p50 %lld ms  "
            "p99 %lld ms  p999 %lld ms  max %lld ms\n", rate, seconds, got,
            got ? lag[got / 2] : 0, got ? lag[(long) (got * 0.99)] : 0,
            got ? lag[(long) (got * 0.999)] : 0, got ? lag[got - 1] : 0);
    free (lag);
    zmq_close (sub);
    zmq_ctx_term (ctx);
}

static void
s_phase_fill (redisContext *c, long count)
{
    s_arm (c, "CATCH", count, s_now_ms () - 600000, 0.001, NULL);
    printf ("fill        %ld overdue reminders armed while hotlined is down\n", count);
}

static void
s_phase_drain (redisContext *c, long count)
{
    long long t0 = s_now_ms ();
    long long left = count;
    while (left > 0 && s_now_ms () - t0 < 120000) {
        left = s_waiting (c);
        struct timeval tv = { 0, 20000 };
        select (0, NULL, NULL, NULL, &tv);
    }
    printf ("catch-up    %ld overdue reminders fired %.2f s after hotlined started%s\n", count,
            (s_now_ms () - t0) / 1000.0, left > 0 ? " (NOT ALL)" : "");
}

int
main (int argc, char **argv)
{
    const char *redis = "127.0.0.1:6390", *events = "tcp://127.0.0.1:7103", *phase = "";
    long count = 0;
    double rate = 5000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp (argv[i], "--redis")) redis = argv[i + 1];
        else if (!strcmp (argv[i], "--events")) events = argv[i + 1];
        else if (!strcmp (argv[i], "--phase")) phase = argv[i + 1];
        else if (!strcmp (argv[i], "--count")) count = atol (argv[i + 1]);
        else if (!strcmp (argv[i], "--rate")) rate = atof (argv[i + 1]);
    }
    redisContext *c = s_connect (redis);
    if (!strcmp (phase, "memory"))
        s_phase_memory (c, count ? count : 1000000);
    else
    if (!strcmp (phase, "lag"))
        s_phase_lag (c, events, rate);
    else
    if (!strcmp (phase, "fill"))
        s_phase_fill (c, count ? count : 100000);
    else
    if (!strcmp (phase, "drain"))
        s_phase_drain (c, count ? count : 100000);
    else {
        fprintf (stderr, "usage: timers --redis ADDR --events EP --phase memory|lag|fill|drain "
                 "[--count N] [--rate R]\n");
        return 1;
    }
    redisFree (c);
    return 0;
}
