/*  bench/chaos: the load and the invariant check of bench/run-chaos.
 *
 *      chaos --endpoint tcp://127.0.0.1:7101 --redis 127.0.0.1:6390 \
 *            --total 20000 --rate 100 --deadline 300 --run-id chaos-1
 *
 *  Sends TOTAL complaints at RATE/s through hl_load (each request keeps its
 *  request id across resends) while bench/run-chaos kills and stops
 *  hotlined, Redis and the workers; waits up to DEADLINE seconds for every
 *  request to be acknowledged; then checks in Redis that each acknowledged
 *  request has exactly one ticket, holding that request, in a state of the
 *  lifecycle, with its history starting at intake, and that Redis holds no
 *  ticket of this run that nobody was told about. Prints the counts; exits
 *  1 if an invariant does not hold.
 *
 *      chaos --redis ADDR --arm-timers N --from S --to S
 *      chaos --redis ADDR --check-timers N --deadline S
 *
 *  SLA reminders under the same chaos. --arm-timers puts N reminders
 *  ("overdue" of "reply"), falling due evenly from S to S seconds from now,
 *  straight into Redis the way hl_sla_arm leaves them (as bench/timers
 *  does: a minimal ticket hash each, ticket i in bucket i % 64, prefix
 *  TMR), before the signals start. --check-timers, after them, waits up to
 *  DEADLINE seconds for every one to leave its bucket's timers, then counts
 *  in each ticket's history the entries hl_timer_fire wrote (system:sla;
 *  its outbox entry, whence the live event, is appended in the same atomic
 *  call): each reminder must have fired exactly once. Prints missed and duplicate
 *  firings and the lag (fired - due); exits 1 if one missed or repeated.
 */
#include "hl_bucket.h"
#include "hl_lifecycle.h"
#include "hl_load.h"
#include "hl_wire.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  The key of KIND of TICKET (hl_bucket), in one of four buffers used in turn.
static const char *
s_key (const char *ticket, const char *kind)
{
    static char keys[4][HL_BUCKET_KEY_MAX];
    static unsigned next;
    char *key = keys[next++ % 4];
    hl_bucket_ticket_key (key, HL_BUCKET_KEY_MAX, ticket, kind);
    return key;
}

typedef struct {
    long missing;        //  acked, but no such ticket
    long wrong_request;  //  the ticket holds another request
    long bad_state;      //  not a state of the lifecycle
    long no_history;     //  no history, or it does not start at intake
    long shared;         //  two requests acked with one ticket
    long stray;          //  tickets of this run in Redis beyond those acked
    long no_number;      //  acked without a ticket number
} s_faults_t;

//  Redis may be down (killed last): keep trying for a while.
static redisContext *
s_connect (const char *addr)
{
    char host[256];
    snprintf (host, sizeof host, "%s", addr);
    char *colon = strrchr (host, ':');
    if (!colon)
        return NULL;
    *colon = 0;
    for (int i = 0; i < 300; i++) {
        redisContext *rc = redisConnect (host, atoi (colon + 1));
        if (rc && !rc->err) {
            redisReply *r = redisCommand (rc, "PING");
            int ok = r && r->type == REDIS_REPLY_STATUS;
            if (r)
                freeReplyObject (r);
            if (ok)
                return rc;
        }
        if (rc)
            redisFree (rc);
        usleep (100 * 1000);
    }
    return NULL;
}

static redisReply *
s_get_reply (redisContext *rc)
{
    redisReply *r = NULL;
    if (redisGetReply (rc, (void **) &r) != REDIS_OK)
        return NULL;
    return r;
}

static int
s_compare (const void *a, const void *b)
{
    return strcmp (a, b);
}

//  Per acknowledged request: its ticket's request id, state and first
//  history entry, pipelined.
//  Whether the ticket H (hl_ticket_get's answer) has a history that begins
//  with its intake: {fields, {{at, actor, action, ...}, ...}, merged}.
static int
s_first_is_intake (const redisReply *h)
{
    if (!h || h->type != REDIS_REPLY_ARRAY || h->elements != 3
        || h->element[1]->type != REDIS_REPLY_ARRAY || h->element[1]->elements == 0)
        return 0;
    const redisReply *e = h->element[1]->element[0];
    return e->type == REDIS_REPLY_ARRAY && e->elements == 6
           && e->element[2]->type == REDIS_REPLY_STRING && strcmp (e->element[2]->str, "intake") == 0;
}

static void
s_check_tickets (redisContext *rc, const hl_load_opts_t *opts, const hl_load_result_t *res,
                 s_faults_t *f)
{
    for (long i = 0; i < res->total; i++) {
        if (!*res->tickets[i])
            continue;
        redisAppendCommand (rc, "HMGET %s request_id state", s_key (res->tickets[i], "t"));
        redisAppendCommand (rc, "FCALL_RO hl_ticket_get 2 %s %s", s_key (res->tickets[i], "t"),
                            s_key (res->tickets[i], "merged"));       //  history decoded
    }
    for (long i = 0; i < res->total; i++) {
        if (!*res->tickets[i]) {
            f->no_number++;
            continue;
        }
        char want[64];
        snprintf (want, sizeof want, "%s-%ld", opts->run_id, i);
        redisReply *t = s_get_reply (rc), *h = s_get_reply (rc);
        if (!t || t->type != REDIS_REPLY_ARRAY || t->elements != 2
            || t->element[0]->type != REDIS_REPLY_STRING)
            f->missing++;
        else {
            f->wrong_request += strcmp (t->element[0]->str, want) != 0;
            f->bad_state += t->element[1]->type != REDIS_REPLY_STRING
                            || !hl_wire_state_parse (t->element[1]->str);
            f->no_history += !s_first_is_intake (h);
        }
        if (t)
            freeReplyObject (t);
        if (h)
            freeReplyObject (h);
    }
}

//  Tickets in all state indexes, against those acknowledged (the stack is
//  this run's alone). One transaction: the workers are still moving
//  tickets from one index to the next.
static long
s_tickets_stored (redisContext *rc)
{
    redisAppendCommand (rc, "MULTI");
    int n_states = 0;
    for (int s = 1; hl_wire_state_name (s); s++, n_states++)
        redisAppendCommand (rc, "ZCARD " HL_INDEX_PREFIX "state:%s", hl_wire_state_name (s));
    redisAppendCommand (rc, "EXEC");
    for (int i = 0; i <= n_states; i++) {
        redisReply *r = s_get_reply (rc);          //  OK, then QUEUED each
        if (r)
            freeReplyObject (r);
    }
    redisReply *r = s_get_reply (rc);
    long n = 0;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_INTEGER)
            n += (long) r->element[i]->integer;
    if (r)
        freeReplyObject (r);
    return n;
}

//  Which state indexes hold TICKET, and its history's actions.
static void
s_show_ticket (redisContext *rc, const char *ticket)
{
    printf ("    in:");
    for (int s = 1; hl_wire_state_name (s); s++) {
        redisReply *r = redisCommand (rc, "ZSCORE " HL_INDEX_PREFIX "state:%s %s", hl_wire_state_name (s), ticket);
        if (r && r->type == REDIS_REPLY_STRING)
            printf (" %s", hl_wire_state_name (s));
        if (r)
            freeReplyObject (r);
    }
    printf ("\n");
    redisReply *h = redisCommand (rc, "FCALL_RO hl_ticket_get 2 %s %s", s_key (ticket, "t"),
                                  s_key (ticket, "merged"));
    const redisReply *list = h && h->type == REDIS_REPLY_ARRAY && h->elements == 3
                             ? h->element[1] : NULL;
    for (size_t i = 0; list && list->type == REDIS_REPLY_ARRAY && i < list->elements; i++) {
        const redisReply *e = list->element[i];
        for (size_t k = 0; e->type == REDIS_REPLY_ARRAY && k < e->elements; k++)
            printf ("%s%s", k ? " | " : "    ", e->element[k]->type == REDIS_REPLY_STRING
                                                  ? e->element[k]->str : "");
        printf ("\n");
    }
    if (h)
        freeReplyObject (h);
}

//  Names up to 5 tickets of the state indexes that no acknowledgement
//  named, or that two indexes hold, with the ticket's own state.
static void
s_show_stray (redisContext *rc, const hl_load_result_t *res)
{
    int shown = 0;
    for (int s = 1; hl_wire_state_name (s) && shown < 5; s++) {
        redisReply *r = redisCommand (rc, "ZRANGE " HL_INDEX_PREFIX "state:%s 0 -1", hl_wire_state_name (s));
        for (size_t j = 0; r && r->type == REDIS_REPLY_ARRAY && j < r->elements && shown < 5;
             j++) {
            const char *ticket = r->element[j]->str;
            long acked = 0;
            for (long i = 0; i < res->total; i++)
                acked += strcmp (res->tickets[i], ticket) == 0;
            redisReply *st = redisCommand (rc, "HMGET %s state request_id", s_key (ticket, "t"));
            const char *state = st && st->type == REDIS_REPLY_ARRAY && st->element[0]->str
                              ? st->element[0]->str : "(none)";
            if (acked != 1 || strcmp (state, hl_wire_state_name (s)) != 0) {
                printf ("  stray: %s in " HL_INDEX_PREFIX "state:%s, state %s, request %s, acked %ld times\n",
                        ticket, hl_wire_state_name (s), state,
                        st && st->type == REDIS_REPLY_ARRAY && st->element[1]->str
                        ? st->element[1]->str : "(none)", acked);
                shown++;
                s_show_ticket (rc, ticket);
            }
            if (st)
                freeReplyObject (st);
        }
        if (r)
            freeReplyObject (r);
    }
}

static long
s_shared (const hl_load_result_t *res)
{
    char (*sorted)[48] = malloc ((size_t) res->total * sizeof *sorted);
    if (!sorted)
        abort ();
    long n = 0, shared = 0;
    for (long i = 0; i < res->total; i++)
        if (*res->tickets[i])
            memcpy (sorted[n++], res->tickets[i], sizeof sorted[0]);
    qsort (sorted, (size_t) n, sizeof sorted[0], s_compare);
    for (long i = 1; i < n; i++)
        shared += strcmp (sorted[i - 1], sorted[i]) == 0;
    free (sorted);
    return shared;
}

//  ---------------------------------------------------------------------
//  SLA reminders under chaos

#define S_TIMER_PREFIX "TMR"

//  Reminder I's ticket number and the reminder as the bucket holds it.
static void
s_timer_names (long i, char ticket[48], char member[80])
{
    char tag[8];
    hl_bucket_name ((int) (i % HL_TICKET_BUCKETS), tag);
    snprintf (ticket, 48, S_TIMER_PREFIX "20261204%s%06ld", tag, i / HL_TICKET_BUCKETS);
    snprintf (member, 80, "%s|reply|overdue", ticket);
}

static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
s_arm_timers (redisContext *rc, long count, double from_s, double to_s)
{
    long long first = s_now_ms () + (long long) (from_s * 1000);
    double step = count > 1 ? (to_s - from_s) * 1000.0 / (double) (count - 1) : 0;
    for (long i = 0; i < count; i++) {
        char ticket[48], member[80], timers[HL_BUCKET_KEY_MAX];
        s_timer_names (i, ticket, member);
        hl_bucket_own_key (timers, sizeof timers, (int) (i % HL_TICKET_BUCKETS), "timers");
        redisAppendCommand (rc, "HSET %s state in_progress unit rsj %s %s", s_key (ticket, "t"),
                            hl_lifecycle_stored_name ("sla:reply"), "0,warned,1,,,,");
        redisAppendCommand (rc, "ZADD %s %lld %s", timers, first + (long long) (step * (double) i),
                            member);
    }
    long failed = 0;
    for (long i = 0; i < 2 * count; i++) {
        redisReply *r = s_get_reply (rc);
        failed += !r || r->type == REDIS_REPLY_ERROR;
        if (r)
            freeReplyObject (r);
    }
    printf ("timers: %ld reminders armed, due from %.0f s to %.0f s from now%s\n", count, from_s,
            to_s, failed ? " (SOME FAILED)" : "");
    return failed ? 1 : 0;
}

//  Reminders of this run still waiting in the buckets.
static long
s_timers_waiting (redisContext *rc, long count)
{
    for (long i = 0; i < count; i++) {
        char ticket[48], member[80], timers[HL_BUCKET_KEY_MAX];
        s_timer_names (i, ticket, member);
        hl_bucket_own_key (timers, sizeof timers, (int) (i % HL_TICKET_BUCKETS), "timers");
        redisAppendCommand (rc, "ZSCORE %s %s", timers, member);
    }
    long waiting = 0;
    for (long i = 0; i < count; i++) {
        redisReply *r = s_get_reply (rc);
        waiting += !r || r->type != REDIS_REPLY_NIL;
        if (r)
            freeReplyObject (r);
    }
    return waiting;
}

//  Firings of reminder I in its ticket's history: how many, and the lag of
//  the first (its entry's moment minus the due moment in its note).
static int
s_fired_in (const char *history, long long *lag_ms)
{
    int n = 0;
    for (const char *p = history; (p = strstr (p, "\x1fsystem:sla\x1f")) != NULL; p++) {
        const char *line = p;
        while (line > history && line[-1] != '\n')
            line--;
        const char *due = strchr (p, '\n');
        const char *space = due ? due : p + strlen (p);
        while (space > p && space[-1] != ' ')
            space--;
        if (n++ == 0)
            *lag_ms = atoll (line) - atoll (space);
    }
    return n;
}

static int
s_compare_ll (const void *a, const void *b)
{
    long long x = *(const long long *) a, y = *(const long long *) b;
    return (x > y) - (x < y);
}

//  The history entries of a ticket hash (HGETALL answer H: its fields
//  "h:<i>", layout 3), one a line, in order (caller frees).
static char *
s_history_text (const redisReply *h)
{
    size_t n = h && h->type == REDIS_REPLY_ARRAY ? h->elements / 2 : 0;
    const char **entries = calloc (n + 1, sizeof *entries);
    size_t len = 1;
    if (!entries)
        abort ();
    for (size_t i = 0; i < n; i++) {
        const redisReply *k = h->element[2 * i], *v = h->element[2 * i + 1];
        long at = k->type == REDIS_REPLY_STRING && !strncmp (k->str, "h:", 2) && k->str[2] != 'n'
                  ? atol (k->str + 2) : 0;
        if (at >= 1 && (size_t) at <= n && v->type == REDIS_REPLY_STRING) {
            entries[at - 1] = v->str;
            len += v->len + 1;
        }
    }
    char *text = calloc (len, 1);
    if (!text)
        abort ();
    for (size_t i = 0; i < n; i++)
        if (entries[i]) {
            strcat (text, entries[i]);
            strcat (text, "\n");
        }
    free (entries);
    return text;
}

//  Where reminders still wait: up to 8 such buckets with their lease's
//  holder and time left, and the live instances the registry knows.
static void
s_show_waiting (redisContext *rc, long count)
{
    int shown = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS && shown < 8; b++) {
        char timers[HL_BUCKET_KEY_MAX], lease[HL_BUCKET_KEY_MAX];
        hl_bucket_own_key (timers, sizeof timers, b, "timers");
        hl_bucket_own_key (lease, sizeof lease, b, "lease");
        redisReply *n = redisCommand (rc, "ZCOUNT %s -inf +inf", timers);
        redisReply *h = redisCommand (rc, "GET %s", lease);
        redisReply *t = redisCommand (rc, "PTTL %s", lease);
        if (n && n->type == REDIS_REPLY_INTEGER && n->integer > 0 && count > 0) {
            printf ("  bucket %d: %lld waiting, lease %s (%lld ms left)\n", b, n->integer,
                    h && h->type == REDIS_REPLY_STRING ? h->str : "(none)",
                    t && t->type == REDIS_REPLY_INTEGER ? t->integer : -1);
            shown++;
        }
        freeReplyObject (n);
        freeReplyObject (h);
        freeReplyObject (t);
    }
    redisReply *r = redisCommand (rc, "ZRANGE hl:instances 0 -1 WITHSCORES");
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
        printf ("  instance %s until %s\n", r->element[i]->str, r->element[i + 1]->str);
    freeReplyObject (r);
}

static int
s_check_timers (redisContext *rc, long count, int deadline_s)
{
    long long until = s_now_ms () + deadline_s * 1000LL;
    long waiting;
    while ((waiting = s_timers_waiting (rc, count)) > 0 && s_now_ms () < until)
        usleep (200 * 1000);
    for (long i = 0; i < count; i++) {
        char ticket[48], member[80];
        s_timer_names (i, ticket, member);
        redisAppendCommand (rc, "HGETALL %s", s_key (ticket, "t"));
    }
    long once = 0, missed = 0, repeated = 0, extra = 0, n_lags = 0;
    long long *lags = calloc ((size_t) count + 1, sizeof *lags);
    if (!lags)
        abort ();
    for (long i = 0; i < count; i++) {
        redisReply *h = s_get_reply (rc);
        char *history = s_history_text (h);
        int n = s_fired_in (history, &lags[n_lags]);
        free (history);
        once += n == 1;
        missed += n == 0;
        repeated += n > 1;
        extra += n > 1 ? n - 1 : 0;
        n_lags += n > 0;
        if (h)
            freeReplyObject (h);
    }
    qsort (lags, (size_t) n_lags, sizeof *lags, s_compare_ll);
    printf ("timers: %ld reminders due, %ld still waiting; history: fired once %ld, missed %ld, "
            "fired twice or more %ld (%ld extra firings)\n", count, waiting, once, missed,
            repeated, extra);
    printf ("timers: lag (fired - due) p50 %lld ms, p99 %lld ms, max %lld ms\n",
            n_lags ? lags[n_lags / 2] : 0, n_lags ? lags[(long) ((double) n_lags * 0.99)] : 0,
            n_lags ? lags[n_lags - 1] : 0);
    int broken = missed || repeated;
    if (waiting)
        s_show_waiting (rc, count);
    printf ("%s\n", broken ? "TIMER INVARIANT BROKEN" : "every due reminder fired once");
    free (lags);
    return broken ? 1 : 0;
}

//  The timer phases: arm before the chaos, check after it.
static int
s_timers_main (const char *redis, long arm, long check, double from_s, double to_s, int deadline_s)
{
    redisContext *rc = s_connect (redis);
    if (!rc) {
        fprintf (stderr, "chaos: Redis at %s did not come back\n", redis);
        return 2;
    }
    int rc_out = arm ? s_arm_timers (rc, arm, from_s, to_s)
                     : s_check_timers (rc, check, deadline_s);
    redisFree (rc);
    return rc_out;
}

int
main (int argc, char **argv)
{
    hl_load_opts_t opts;
    hl_load_opts_default (&opts);
    opts.clients = 4;
    opts.window = 16;
    opts.resend_ms = 1000;
    const char *redis = "127.0.0.1:6379";
    long arm_timers = 0, check_timers = 0;
    double from_s = 5, to_s = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp (argv[i], "--endpoint"))
            opts.endpoint = argv[i + 1];
        else if (!strcmp (argv[i], "--redis"))
            redis = argv[i + 1];
        else if (!strcmp (argv[i], "--total"))
            opts.total = atol (argv[i + 1]);
        else if (!strcmp (argv[i], "--rate"))
            opts.rate = atof (argv[i + 1]);
        else if (!strcmp (argv[i], "--deadline"))
            opts.deadline_ms = atoi (argv[i + 1]) * 1000;
        else if (!strcmp (argv[i], "--run-id"))
            opts.run_id = argv[i + 1];
        else if (!strcmp (argv[i], "--arm-timers"))
            arm_timers = atol (argv[i + 1]);
        else if (!strcmp (argv[i], "--check-timers"))
            check_timers = atol (argv[i + 1]);
        else if (!strcmp (argv[i], "--from"))
            from_s = atof (argv[i + 1]);
        else if (!strcmp (argv[i], "--to"))
            to_s = atof (argv[i + 1]);
        else {
            fprintf (stderr, "chaos: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (arm_timers > 0 || check_timers > 0)
        return s_timers_main (redis, arm_timers, check_timers, from_s, to_s,
                              opts.deadline_ms / 1000);
    hl_load_result_t res;
    if (hl_load_run (&opts, &res) != 0) {
        fprintf (stderr, "chaos: cannot set up the load\n");
        return 2;
    }
    redisContext *rc = s_connect (redis);
    if (!rc) {
        fprintf (stderr, "chaos: Redis at %s did not come back\n", redis);
        return 2;
    }
    s_faults_t f = { 0 };
    s_check_tickets (rc, &opts, &res, &f);
    f.no_number -= opts.total - res.acked;     //  not acked: no number expected
    f.shared = s_shared (&res);
    long stored = s_tickets_stored (rc);
    f.stray = stored > res.acked ? stored - res.acked : 0;
    printf ("requests %ld: acked %ld, refused %ld, unanswered %ld, resends %ld, replays %ld "
            "in %.0f s\n", opts.total, res.acked, res.refused,
            opts.total - res.acked - res.refused, res.resends, res.duplicates, res.elapsed_s);
    printf ("tickets in Redis %ld; missing %ld, wrong request %ld, bad state %ld, "
            "no history %ld, shared %ld, stray %ld, acked without number %ld\n", stored, f.missing,
            f.wrong_request, f.bad_state, f.no_history, f.shared, f.stray, f.no_number);
    if (f.stray)
        s_show_stray (rc, &res);
    long faults = f.no_number + f.missing + f.wrong_request + f.bad_state + f.no_history + f.shared + f.stray
                + res.refused + (opts.total - res.acked - res.refused);
    printf ("%s\n", faults ? "INVARIANTS BROKEN" : "invariants hold");
    redisFree (rc);
    hl_load_result_free (&res);
    return faults ? 1 : 0;
}
