/*  hl_store_sched: the store's calls for the scheduling subsystems. See
 *  hl_store_sched.h; the Functions are in hotline.lua. */
#include "hl_store_sched.h"
#include "hl_store_int.h"
#include "hl_bucket.h"
#include "hl_deadline.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_REGISTRY HL_KEY_PREFIX "instances"
#define S_HOLDERS_MAX 256        //  live instances read from the registry
#define S_FIRED_MAX 1024         //  reminders decoded from one answer
#define S_CLOCKED_MAX 512        //  tickets decoded from one scan batch

//  A callback and its argument, carried through one Redis call.
typedef struct {
    void (*fn) (void);
    void *arg;
} s_call_t;

static s_call_t *
s_call_new (void (*fn) (void), void *arg)
{
    s_call_t *call = malloc (sizeof *call);
    if (!call)
        abort ();
    *call = (s_call_t) { fn, arg };
    return call;
}

//  Why REPLY is no usable answer: Redis's refusal, or NULL if none came
//  (lost or timed out: the store reports that itself, once, not per call).
static const char *
s_error (const redisReply *reply)
{
    if (!reply)
        return NULL;
    return reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected answer";
}

static void
s_digits (char out[24], int64_t n)
{
    snprintf (out, 24, "%lld", (long long) n);
}

//  A moment as hl_sla_arm takes it: digits, or "" for none.
static void
s_moment (char out[24], int64_t ms)
{
    if (ms > 0 && ms != HL_SLA_NEVER)
        s_digits (out, ms);
    else
        out[0] = 0;
}

static int64_t
s_str_int (const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING && r->len ? strtoll (r->str, NULL, 10) : 0;
}

static const char *
s_str (const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? r->str : "";
}

//  ---------------------------------------------------------------------
//  SLA clocks

static void
s_on_armed (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_armed_fn *fn = (hl_store_armed_fn *) call->fn;
    int ok = reply && reply->type == REDIS_REPLY_INTEGER;
    if (fn)
        fn (ok ? (int) reply->integer : -1, ok ? NULL : s_error (reply), call->arg);
    free (call);
}

int
hl_store_sla_arm (hl_store_t *self, const char *ticket, uint64_t generation, int reset,
                  const hl_store_clock_t *clocks, int n, hl_store_armed_fn *fn, void *arg)
{
    assert (self && ticket && n >= 0 && n <= 4);
    char gen[24], start[4][24], warn[4][24], due[4][24], esc[4][24], clock[4][100];
    const char *argv[6 + 4 * 2];
    int argc = 0;
    s_digits (gen, (int64_t) generation);
    argv[argc++] = "ticket";
    argv[argc++] = ticket;
    argv[argc++] = "gen";
    argv[argc++] = gen;
    argv[argc++] = "reset";
    argv[argc++] = reset ? "1" : "0";
    for (int i = 0; i < n; i++) {
        const hl_store_clock_t *c = &clocks[i];
        s_digits (start[i], c->start_ms);
        s_moment (warn[i], c->warn_ms);
        s_moment (due[i], c->due_ms);
        s_moment (esc[i], c->escalate_ms);
        //  Each clock as <milestone> = "start,warn,due,escalate".
        snprintf (clock[i], sizeof clock[i], "%s,%s,%s,%s", start[i], warn[i], due[i], esc[i]);
        argv[argc++] = hl_deadline_milestone_name (c->milestone);
        argv[argc++] = clock[i];
    }
    s_call_t *call = s_call_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall_ticket (self, "hl_sla_arm", ticket, argc, argv, s_on_armed, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

//  One row {ticket, milestone, level, due_ms, unit} of hl_timer_fire.
static int
s_fired_row (const redisReply *row, hl_store_fired_t *out)
{
    if (row->type != REDIS_REPLY_ARRAY || row->elements < 5)
        return -1;
    for (size_t i = 0; i < 5; i++)
        if (row->element[i]->type != REDIS_REPLY_STRING)
            return -1;
    *out = (hl_store_fired_t) { .ticket = row->element[0]->str,
                                .milestone = row->element[1]->str,
                                .level = row->element[2]->str,
                                .due_ms = s_str_int (row->element[3]),
                                .unit = row->element[4]->str };
    return 0;
}

static void
s_on_fired (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_fired_fn *fn = (hl_store_fired_fn *) call->fn;
    void *fn_arg = call->arg;
    free (call);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) {
        fn (NULL, -1, 0, s_error (reply), fn_arg);
        return;
    }
    size_t rows = reply->elements - 1;
    hl_store_fired_t *fired = calloc (rows ? rows : 1, sizeof *fired);
    if (!fired)
        abort ();
    int n = 0;
    for (size_t i = 1; i < reply->elements; i++)
        if (s_fired_row (reply->element[i], &fired[n]) == 0)
            n++;
    fn (fired, n, s_str_int (reply->element[0]), NULL, fn_arg);
    free (fired);
}

int
hl_store_timer_fire (hl_store_t *self, int bucket, int64_t now_ms, int limit,
                     hl_store_fired_fn *fn, void *arg)
{
    assert (self && fn && limit > 0 && limit <= S_FIRED_MAX);
    char now[24], lim[24];
    s_digits (now, now_ms);
    s_digits (lim, limit);
    const char *argv[] = { "now_ms", now, "limit", lim };
    s_call_t *call = s_call_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall_bucket (self, "hl_timer_fire", bucket, "timers", 4, argv, s_on_fired,
                               call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

static void
s_on_scan (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_clocked_fn *fn = (hl_store_clocked_fn *) call->fn;
    void *fn_arg = call->arg;
    free (call);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || reply->element[0]->type != REDIS_REPLY_INTEGER) {
        fn (NULL, -1, 0, fn_arg);
        return;
    }
    size_t rows = reply->elements - 1;
    hl_store_clocked_t *out = calloc (rows ? rows : 1, sizeof *out);
    if (!out)
        abort ();
    int n = 0;
    for (size_t i = 1; i < reply->elements; i++) {
        const redisReply *row = reply->element[i];
        if (row->type != REDIS_REPLY_ARRAY || row->elements < 1
            || row->element[0]->type != REDIS_REPLY_STRING
            || hl_store_sla_parse (row, 1, &out[n].sla) != 0)
            continue;
        out[n++].ticket = row->element[0]->str;
    }
    fn (out, n, (long) reply->element[0]->integer, fn_arg);
    free (out);
}

//  A scan batch on a cluster: the index page read, then each ticket's row
//  asked on its own master; answered once every row came.
typedef struct {
    hl_store_t *store;
    hl_store_clocked_fn *fn;
    void *arg;
    long start, next;
    int count;
    size_t waiting;              //  rows not yet answered (+1 while asking)
    int failed;
    int n;
    hl_store_clocked_t rows[S_CLOCKED_MAX];
    char tickets[S_CLOCKED_MAX][HL_STORE_TICKET_MAX];
} s_scan_t;

static void
s_scan_settle (s_scan_t *scan)
{
    if (--scan->waiting > 0)
        return;
    if (scan->failed)
        scan->fn (NULL, -1, 0, scan->arg);
    else
        scan->fn (scan->rows, scan->n, scan->next, scan->arg);
    free (scan);
}

//  {0, row} or {0}: the row kept.
static void
s_on_scan_row (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_scan_t *scan = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        scan->failed = 1;
    else
    if (reply->elements > 1) {
        const redisReply *row = reply->element[1];
        hl_store_clocked_t *out = &scan->rows[scan->n];
        if (row->type == REDIS_REPLY_ARRAY && row->elements > 0
            && row->element[0]->type == REDIS_REPLY_STRING
            && row->element[0]->len < HL_STORE_TICKET_MAX
            && hl_store_sla_parse (row, 1, &out->sla) == 0) {
            snprintf (scan->tickets[scan->n], HL_STORE_TICKET_MAX, "%s", row->element[0]->str);
            out->ticket = scan->tickets[scan->n++];
        }
    }
    s_scan_settle (scan);
}

//  The index page: each ticket's row asked on its own master.
static void
s_on_scan_page (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_scan_t *scan = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        scan->failed = 1;
        s_scan_settle (scan);
        return;
    }
    scan->next = reply->elements < (size_t) scan->count ? 0
               : scan->start + (long) reply->elements;
    for (size_t i = 0; i < reply->elements; i++) {
        const char *ticket = reply->element[i]->str;
        const char *argv[] = { "ticket", ticket };
        if (reply->element[i]->type != REDIS_REPLY_STRING
            || hl_store_fcall_ticket (scan->store, "hl_sla_scan", ticket, 2, argv,
                                      s_on_scan_row, scan) != 0)
            scan->failed = 1;
        else
            scan->waiting++;
    }
    s_scan_settle (scan);
}

//  On a cluster one Function call may touch the keys of its own slot only,
//  and a page of the index names tickets of every bucket: two steps.
static int
s_sla_scan_cluster (hl_store_t *self, const char *state, long start, int count,
                    hl_store_clocked_fn *fn, void *arg)
{
    s_scan_t *scan = calloc (1, sizeof *scan);
    if (!scan)
        abort ();
    *scan = (s_scan_t) { .store = self, .fn = fn, .arg = arg, .start = start, .count = count,
                         .waiting = 1 };
    char key[HL_BUCKET_KEY_MAX + 64], from[24], to[24];
    snprintf (key, sizeof key, "%sstate:%s", HL_INDEX_PREFIX, state);
    s_digits (from, start);
    s_digits (to, start + count - 1);
    const char *argv[] = { "ZRANGE", key, from, to };
    if (hl_store_command (self, key, 4, argv, s_on_scan_page, scan) != 0) {
        free (scan);
        return -1;
    }
    return 0;
}

int
hl_store_sla_scan (hl_store_t *self, const char *state, long start, int count,
                   hl_store_clocked_fn *fn, void *arg)
{
    assert (self && state && fn && count > 0 && count <= S_CLOCKED_MAX);
    if (!hl_store_standalone (self))
        return s_sla_scan_cluster (self, state, start, count, fn, arg);
    char from[24], cnt[24];
    s_digits (from, start);
    s_digits (cnt, count);
    const char *argv[] = { "state", state, "start", from, "count", cnt };
    s_call_t *call = s_call_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall (self, "hl_sla_scan", 6, argv, NULL, s_on_scan, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Bucket leases

static void
s_on_lease (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_lease_fn *fn = (hl_store_lease_fn *) call->fn;
    //  Any answer but 1 (0, or a refusal) means the lease is not ours.
    int yes = !reply ? -1 : reply->type == REDIS_REPLY_INTEGER && reply->integer == 1;
    fn (yes, call->arg);
    free (call);
}

int
hl_store_lease (hl_store_t *self, int bucket, const char *holder, int ttl_ms,
                hl_store_lease_op_t op, hl_store_lease_fn *fn, void *arg)
{
    assert (self && holder && fn);
    char ttl[24];
    s_digits (ttl, ttl_ms);
    const char *argv[] = { "holder", holder, "ttl_ms", ttl,
                           "op", op == HL_STORE_LEASE_RELEASE ? "release" : "take" };
    s_call_t *call = s_call_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall_bucket (self, "hl_lease", bucket, "lease", 6, argv, s_on_lease, call)
        != 0) {
        free (call);
        return -1;
    }
    return 0;
}

static void
s_on_beat (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_beat_fn *fn = (hl_store_beat_fn *) call->fn;
    void *fn_arg = call->arg;
    free (call);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_INTEGER
        || reply->element[1]->type != REDIS_REPLY_ARRAY) {
        fn (-1, -1, NULL, 0, s_error (reply), fn_arg);
        return;
    }
    const redisReply *live = reply->element[1];
    const char *holders[S_HOLDERS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < live->elements && n < S_HOLDERS_MAX; i++)
        if (live->element[i]->type == REDIS_REPLY_STRING)
            holders[n++] = s_str (live->element[i]);
    fn (0, reply->element[0]->integer, holders, n, NULL, fn_arg);
}

int
hl_store_lease_beat (hl_store_t *self, const char *holder, int ttl_ms, int leave,
                     hl_store_beat_fn *fn, void *arg)
{
    assert (self && holder && fn);
    char ttl[24];
    s_digits (ttl, ttl_ms);
    const char *argv[] = { "holder", holder, "ttl_ms", ttl, "leave", "1" };
    s_call_t *call = s_call_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall_key (self, "hl_lease_beat", S_REGISTRY, leave ? 6 : 4, argv, s_on_beat,
                            call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Hotspots

int
hl_store_hotspot_record (hl_store_t *self, const char *alert)
{
    assert (self && alert);
    const char *argv[] = { "alert", alert };
    return hl_store_fcall_key (self, "hl_hotspot_record", HL_STORE_HOTSPOTS_KEY, 2, argv, NULL,
                               NULL);
}

//  ---------------------------------------------------------------------
//  Retention

static void
s_on_kept (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_kept_fn *fn = (hl_store_kept_fn *) call->fn;
    void *fn_arg = call->arg;
    free (call);
    if (reply && reply->type == REDIS_REPLY_STRING)
        fn (0, strcmp (reply->str, "due") == 0, 0, NULL, fn_arg);
    else
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
        && reply->element[0]->type == REDIS_REPLY_INTEGER
        && reply->element[1]->type == REDIS_REPLY_INTEGER)
        fn (0, (int) reply->element[0]->integer, (int) reply->element[1]->integer, NULL, fn_arg);
    else
        fn (-1, 0, 0, s_error (reply), fn_arg);
}

int
hl_store_archived (hl_store_t *self, const char *ticket, int n, const char *caller_index,
                   hl_store_kept_fn *fn, void *arg)
{
    assert (self && ticket && caller_index && fn && n >= 0);
    char count[24];
    s_digits (count, n);
    const char *argv[] = { "ticket", ticket, "n", count, "ci", caller_index };
    s_call_t *call = s_call_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall_ticket (self, "hl_archived", ticket, 6, argv, s_on_kept, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

int
hl_store_retire (hl_store_t *self, int bucket, int64_t now_ms, int64_t keep_ms, int limit,
                 hl_store_kept_fn *fn, void *arg)
{
    assert (self && fn && keep_ms >= 0 && limit > 0);
    char now[24] = "", keep[24], lim[24];
    if (now_ms > 0)
        s_digits (now, now_ms);
    s_digits (keep, keep_ms);
    s_digits (lim, limit);
    const char *argv[] = { "now_ms", now, "keep_ms", keep, "limit", lim };
    s_call_t *call = s_call_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall_bucket (self, "hl_retire", bucket, "retire", 6, argv, s_on_kept,
                               call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}
