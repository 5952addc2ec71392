/*  bench/failover: the load, the kills and the checks of bench/run-failover.
 *
 *      failover --endpoints tcp://127.0.0.1:7101,tcp://127.0.0.1:7111 \
 *               --sentinels 127.0.0.1:26379,... --total 100000 --rate 5000 \
 *               --kill-redis-at 6 --kill-daemon-at 12 --daemon-pidfile FILE \
 *               --run-id failover-1
 *
 *  Sends TOTAL complaints at RATE/s, spread over the hotlined instances at
 *  ENDPOINTS (bench/hl_load, one load per instance, each request keeping
 *  its request id across resends). KILL_REDIS_AT seconds in, the Redis
 *  primary the sentinels name is killed (SIGKILL, its PID from INFO
 *  server); KILL_DAEMON_AT seconds in, the hotlined of DAEMON_PIDFILE
 *  (the last endpoint's; bench/run-failover starts it again, as a service
 *  manager would). Once
 *  every request is acknowledged, the promoted primary is checked:
 *
 *    acked lost         acknowledged, but no such ticket, or no history
 *    duplicates         tickets of this run beyond those acknowledged
 *    numbers reissued   a number acknowledged for two requests, or naming
 *                       another request than the one it was acknowledged for
 *    stranded           a ticket missing from its state's index once the
 *                       outboxes have drained (up to 120 s)
 *
 *  and the time without any acknowledgement after each kill (the stall)
 *  and the p99 ack latency before the first kill and after the last (from
 *  requests due 5 s after it). Exits 1 if any count is not 0.
 */
#include "hl_bucket.h"
#include "hl_load.h"
#include "hl_redis.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_LOADS_MAX 4

typedef struct {
    hl_load_opts_t opts;
    hl_load_result_t result;
    char run_id[64];
} s_load_t;

typedef struct {
    long lost, duplicates, reissued, stranded;
    int64_t lost_first_us, lost_last_us;    //  when the lost ones were acked
} s_faults_t;

//  Counts request I of LOAD as acknowledged and lost, and widens the span
//  of their acknowledgement times (what ack = local can lose is a tail).
static void
s_lost (s_faults_t *f, const s_load_t *load, long i)
{
    int64_t at = load->result.acked_us[i];
    if (!f->lost || at < f->lost_first_us)
        f->lost_first_us = at;
    if (!f->lost || at > f->lost_last_us)
        f->lost_last_us = at;
    f->lost++;
}

static redisContext *
s_connect (const char *address)
{
    char host[64];
    snprintf (host, sizeof host, "%s", address);
    char *colon = strrchr (host, ':');
    if (!colon)
        return NULL;
    *colon = 0;
    struct timeval tv = { 2, 0 };
    redisContext *rc = redisConnectWithTimeout (host, atoi (colon + 1), tv);
    if (!rc || rc->err) {
        if (rc)
            redisFree (rc);
        return NULL;
    }
    redisSetTimeout (rc, tv);
    return rc;
}

//  The primary as the first answering sentinel of LIST names it.
static int
s_primary (const char *list, char *address, size_t len)
{
    char copy[512];
    snprintf (copy, sizeof copy, "%s", list);
    for (char *save = NULL, *s = strtok_r (copy, ",", &save); s; s = strtok_r (NULL, ",", &save)) {
        redisContext *rc = s_connect (s);
        redisReply *r = rc ? redisCommand (rc, "SENTINEL get-master-addr-by-name hotline") : NULL;
        int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2;
        if (ok)
            snprintf (address, len, "%s:%s", r->element[0]->str, r->element[1]->str);
        if (r)
            freeReplyObject (r);
        if (rc)
            redisFree (rc);
        if (ok)
            return 0;
    }
    return -1;
}

//  SIGKILL the primary (its process id from INFO server: it runs here).
static int
s_kill_primary (const char *sentinels, char *address, size_t len)
{
    if (s_primary (sentinels, address, len) != 0)
        return -1;
    redisContext *rc = s_connect (address);
    redisReply *r = rc ? redisCommand (rc, "INFO server") : NULL;
    const char *at = r && r->type == REDIS_REPLY_STRING ? strstr (r->str, "process_id:") : NULL;
    pid_t pid = at ? (pid_t) atol (at + 11) : 0;
    if (r)
        freeReplyObject (r);
    if (rc)
        redisFree (rc);
    return pid > 0 ? kill (pid, SIGKILL) : -1;
}

static int
s_kill_daemon (const char *pidfile)
{
    FILE *f = fopen (pidfile, "r");
    long pid = 0;
    if (!f)
        return -1;
    if (fscanf (f, "%ld", &pid) != 1)
        pid = 0;
    fclose (f);
    return pid > 0 ? kill ((pid_t) pid, SIGKILL) : -1;
}

static int
s_cmp_str (const void *a, const void *b)
{
    return strcmp (a, b);
}

static int
s_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  Acknowledged tickets on the primary RC: each present with its request,
//  history and index entry.
static void
s_check_acked (redisContext *rc, const s_load_t *load, s_faults_t *f)
{
    long n = load->opts.total;
    for (long i = 0; i < n; i++) {
        const char *t = load->result.tickets[i];
        if (!*t)
            continue;           //  never acknowledged (counted apart)
        char tk[HL_BUCKET_KEY_MAX], mk[HL_BUCKET_KEY_MAX];
        hl_bucket_ticket_key (tk, sizeof tk, t, "t");
        hl_bucket_ticket_key (mk, sizeof mk, t, "merged");
        redisAppendCommand (rc, "HMGET %s request_id state", tk);
        //  The history, as the store decodes it: {fields, history, merged}.
        redisAppendCommand (rc, "FCALL_RO hl_ticket_get 2 %s %s", tk, mk);
    }
    char (*states)[32] = calloc ((size_t) n, 32);
    for (long i = 0; i < n; i++) {
        if (!*load->result.tickets[i])
            continue;
        redisReply *h = NULL, *got = NULL;
        char want[96];
        snprintf (want, sizeof want, "%s-%ld", load->run_id, i);
        if (redisGetReply (rc, (void **) &h) != REDIS_OK || redisGetReply (rc, (void **) &got) != REDIS_OK
            || !h || h->type != REDIS_REPLY_ARRAY || h->element[0]->type != REDIS_REPLY_STRING)
            s_lost (f, load, i);
        else
        if (strcmp (h->element[0]->str, want) != 0)
            f->reissued++;
        else
        if (!got || got->type != REDIS_REPLY_ARRAY || got->elements != 3
            || got->element[1]->type != REDIS_REPLY_ARRAY || got->element[1]->elements < 1)
            s_lost (f, load, i);
        else
        if (h->element[1]->type == REDIS_REPLY_STRING)
            snprintf (states[i], 32, "%s", h->element[1]->str);
        if (h)
            freeReplyObject (h);
        if (got)
            freeReplyObject (got);
    }
    for (long i = 0; i < n; i++)
        if (*states[i])
            redisAppendCommand (rc, "ZSCORE " HL_INDEX_PREFIX "state:%s %s", states[i], load->result.tickets[i]);
    for (long i = 0; i < n; i++) {
        if (!*states[i])
            continue;
        redisReply *r = NULL;
        if (redisGetReply (rc, (void **) &r) != REDIS_OK || !r || r->type == REDIS_REPLY_NIL)
            f->stranded++;
        if (r)
            freeReplyObject (r);
    }
    free (states);
}

//  Numbers acknowledged for two requests, across every load.
static long
s_shared_numbers (const s_load_t *loads, int n_loads)
{
    long total = 0;
    for (int k = 0; k < n_loads; k++)
        total += loads[k].opts.total;
    char (*all)[48] = malloc ((size_t) total * 48);
    long n = 0;
    for (int k = 0; k < n_loads; k++)
        for (long i = 0; i < loads[k].opts.total; i++)
            if (*loads[k].result.tickets[i])
                memcpy (all[n++], loads[k].result.tickets[i], 48);
    qsort (all, (size_t) n, 48, s_cmp_str);
    long shared = 0;
    for (long i = 1; i < n; i++)
        shared += strcmp (all[i], all[i - 1]) == 0;
    free (all);
    return shared;
}

//  Tickets of this run (request ids under RUN_ID) in Redis: every one not
//  acknowledged is a duplicate of an acknowledged request.
static long
s_run_tickets (redisContext *rc, const char *run_id)
{
    long found = 0;
    char cursor[32] = "0";
    size_t prefix = strlen (run_id);
    do {
        redisReply *r = redisCommand (rc, "SCAN %s MATCH " HL_KEY_PREFIX "{*}:t:* COUNT 2000",
                                      cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            if (r)
                freeReplyObject (r);
            return -1;
        }
        snprintf (cursor, sizeof cursor, "%s", r->element[0]->str);
        redisReply *keys = r->element[1];
        for (size_t i = 0; i < keys->elements; i++)
            redisAppendCommand (rc, "HGET %s request_id", keys->element[i]->str);
        for (size_t i = 0; i < keys->elements; i++) {
            redisReply *id = NULL;
            if (redisGetReply (rc, (void **) &id) == REDIS_OK && id && id->type == REDIS_REPLY_STRING
                && strncmp (id->str, run_id, prefix) == 0 && id->str[prefix] == '-')
                found++;
            if (id)
                freeReplyObject (id);
        }
        freeReplyObject (r);
    } while (strcmp (cursor, "0") != 0);
    return found;
}

//  The longest time without an acknowledgement from FROM_US on (ms).
static double
s_stall_ms (const s_load_t *loads, int n_loads, int64_t from_us, int64_t until_us)
{
    size_t n = 0, cap = 0;
    for (int k = 0; k < n_loads; k++)
        cap += (size_t) loads[k].opts.total;
    int64_t *at = malloc ((cap + 1) * sizeof *at);
    at[n++] = from_us;
    for (int k = 0; k < n_loads; k++)
        for (long i = 0; i < loads[k].opts.total; i++) {
            int64_t t = loads[k].result.acked_us[i];
            if (t > from_us && t < until_us)
                at[n++] = t;
        }
    qsort (at, n, sizeof *at, s_cmp_i64);
    int64_t worst = 0;
    for (size_t i = 1; i < n; i++)
        worst = at[i] - at[i - 1] > worst ? at[i] - at[i - 1] : worst;
    free (at);
    return (double) worst / 1000;
}

//  The P99 ack latency (ms) of requests due in [FROM_US, UNTIL_US).
static double
s_p99_ms (const s_load_t *loads, int n_loads, int64_t from_us, int64_t until_us)
{
    size_t n = 0, cap = 1;
    for (int k = 0; k < n_loads; k++)
        cap += (size_t) loads[k].opts.total;
    double *lat = malloc (cap * sizeof *lat);
    for (int k = 0; k < n_loads; k++)
        for (long i = 0; i < loads[k].opts.total; i++) {
            int64_t due = loads[k].result.due_us[i], acked = loads[k].result.acked_us[i];
            if (acked && due >= from_us && due < until_us)
                lat[n++] = (double) (acked - due) / 1000;
        }
    double p99 = 0;
    if (n) {
        qsort (lat, n, sizeof *lat, s_cmp_double);
        p99 = lat[(size_t) ((double) (n - 1) * 0.99)];
    }
    free (lat);
    return p99;
}

static void
s_usage (void)
{
    fprintf (stderr, "usage: failover --endpoints E1,E2 --sentinels LIST [--total N] [--rate R]\n"
                     "       [--kill-redis-at S] [--kill-daemon-at S --daemon-pidfile FILE]\n"
                     "       [--run-id ID]\n");
    exit (2);
}

int
main (int argc, char **argv)
{
    const char *endpoints = NULL, *sentinels = NULL, *pidfile = NULL, *run_id = "failover";
    long total = 50000;
    double rate = 5000, kill_redis_at = 5, kill_daemon_at = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp (argv[i], "--endpoints")) endpoints = argv[i + 1];
        else if (!strcmp (argv[i], "--sentinels")) sentinels = argv[i + 1];
        else if (!strcmp (argv[i], "--total")) total = atol (argv[i + 1]);
        else if (!strcmp (argv[i], "--rate")) rate = atof (argv[i + 1]);
        else if (!strcmp (argv[i], "--kill-redis-at")) kill_redis_at = atof (argv[i + 1]);
        else if (!strcmp (argv[i], "--kill-daemon-at")) kill_daemon_at = atof (argv[i + 1]);
        else if (!strcmp (argv[i], "--daemon-pidfile")) pidfile = argv[i + 1];
        else if (!strcmp (argv[i], "--run-id")) run_id = argv[i + 1];
        else s_usage ();
    }
    if (!endpoints || !sentinels || total < 1 || rate <= 0 || (kill_daemon_at > 0 && !pidfile))
        s_usage ();
    s_load_t loads[S_LOADS_MAX];
    hl_load_thread_t *threads[S_LOADS_MAX];
    char list[512];
    snprintf (list, sizeof list, "%s", endpoints);
    int n_loads = 0;
    for (char *save = NULL, *e = strtok_r (list, ",", &save); e && n_loads < S_LOADS_MAX;
         e = strtok_r (NULL, ",", &save))
        n_loads++;
    snprintf (list, sizeof list, "%s", endpoints);
    char *save = NULL, *e = strtok_r (list, ",", &save);
    int64_t start_us = hl_monotonic_us ();
    for (int k = 0; k < n_loads; k++, e = strtok_r (NULL, ",", &save)) {
        s_load_t *l = &loads[k];
        memset (l, 0, sizeof *l);
        snprintf (l->run_id, sizeof l->run_id, "%s-%d", run_id, k);
        hl_load_opts_default (&l->opts);
        l->opts.endpoint = e;
        l->opts.clients = 4;
        l->opts.window = 32;
        l->opts.total = total / n_loads;
        l->opts.rate = rate / n_loads;
        l->opts.resend_ms = 1000;
        l->opts.deadline_ms = (int) (total / rate * 1000) + 120000;
        l->opts.run_id = l->run_id;
        threads[k] = hl_load_start (&l->opts, &l->result);
    }
    char old[64] = "";
    usleep ((useconds_t) (kill_redis_at * 1e6));
    int64_t redis_killed_us = hl_monotonic_us ();
    if (s_kill_primary (sentinels, old, sizeof old) != 0)
        fprintf (stderr, "failover: could not kill the primary\n");
    int64_t daemon_killed_us = 0;
    if (kill_daemon_at > kill_redis_at) {
        usleep ((useconds_t) ((kill_daemon_at - kill_redis_at) * 1e6));
        daemon_killed_us = hl_monotonic_us ();
        if (s_kill_daemon (pidfile) != 0)
            fprintf (stderr, "failover: could not kill the hotlined of %s\n", pidfile);
    }
    for (int k = 0; k < n_loads; k++)
        hl_load_join (&threads[k]);
    int64_t end_us = hl_monotonic_us ();

    char primary[64] = "";
    redisContext *rc = NULL;
    for (int i = 0; i < 100 && !rc; i++) {
        if (s_primary (sentinels, primary, sizeof primary) == 0 && strcmp (primary, old) != 0)
            rc = s_connect (primary);
        if (!rc)
            usleep (100 * 1000);
    }
    if (!rc) {
        fprintf (stderr, "failover: no new primary to check\n");
        return 1;
    }
    //  "Stranded" means missing from the state index the outbox keeps: a
    //  backlog still being applied is not that, so let the outboxes drain.
    long long left = hl_load_outbox_settle (primary, 120000);
    if (left != 0)
        printf ("outboxes not drained after 120 s: %lld entries left\n", left);
    s_faults_t f = { 0 };
    long acked = 0, resends = 0, refused = 0;
    for (int k = 0; k < n_loads; k++) {
        s_check_acked (rc, &loads[k], &f);
        acked += loads[k].result.acked;
        resends += loads[k].result.resends;
        refused += loads[k].result.refused;
        long mine = s_run_tickets (rc, loads[k].run_id);
        f.duplicates += mine > loads[k].result.acked ? mine - loads[k].result.acked : 0;
    }
    long unanswered = (total / n_loads) * n_loads - acked;
    f.reissued += s_shared_numbers (loads, n_loads);
    int64_t last_kill_us = daemon_killed_us ? daemon_killed_us : redis_killed_us;
    printf ("primary %s killed at %.1f s, now %s\n", old, (redis_killed_us - start_us) / 1e6, primary);
    printf ("acked %ld of %ld (%ld refused for good, %ld never answered, %ld resends) over %.1f s "
            "through %d instances\n", acked, (total / n_loads) * n_loads, refused, unanswered,
            resends, (end_us - start_us) / 1e6, n_loads);
    if (f.lost)
        printf ("the lost were acknowledged from %.3f s to %.3f s after the primary's kill\n",
                (f.lost_first_us - redis_killed_us) / 1e6, (f.lost_last_us - redis_killed_us) / 1e6);
    printf ("acked lost %ld\nduplicates %ld\nnumbers reissued %ld\nstranded %ld\n", f.lost,
            f.duplicates, f.reissued, f.stranded);
    printf ("stall after the primary's kill: %.0f ms without an ack\n",
            s_stall_ms (loads, n_loads, redis_killed_us,
                        daemon_killed_us ? daemon_killed_us : end_us));
    if (daemon_killed_us)
        printf ("stall after hotlined's kill: %.0f ms without an ack from its clients\n",
                s_stall_ms (&loads[n_loads - 1], 1, daemon_killed_us, end_us));
    printf ("p99 ack before the kill %.1f ms, after (due 5 s after the last kill) %.1f ms\n",
            s_p99_ms (loads, n_loads, start_us, redis_killed_us),
            s_p99_ms (loads, n_loads, last_kill_us + 5000000, end_us));
    redisFree (rc);
    for (int k = 0; k < n_loads; k++)
        hl_load_result_free (&loads[k].result);
    return f.lost || f.duplicates || f.reissued || f.stranded || unanswered ? 1 : 0;
}
