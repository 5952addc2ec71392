/*  hl_store_dash: the store's reads for the dashboards. See
 *  hl_store_dash.h; the Functions are in hotline.lua. */
#include "hl_store_dash.h"
#include "hl_store_int.h"
#include "hl_lifecycle.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  One read on its way: its callback, and what the buckets answered so far.
typedef struct {
    void (*fn) (void);
    void *arg;
    void (*each) (void);         //  units: each counter
    hl_store_at_risk_t at_risk;
    hl_store_due_t *due;
    size_t n_due, limit;
    long long *minutes;
    size_t n_minutes;
} s_read_t;

static s_read_t *
s_read_new (void (*fn) (void), void *arg)
{
    s_read_t *r = calloc (1, sizeof *r);
    if (!r)
        abort ();
    r->fn = fn;
    r->arg = arg;
    return r;
}

static void
s_read_free (s_read_t *r)
{
    free (r->due);
    free (r->minutes);
    free (r);
}

static const char *
s_str (const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING ? r->str : "";
}

static long long
s_int (const redisReply *r)
{
    if (!r)
        return 0;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    return r->type == REDIS_REPLY_STRING ? atoll (r->str) : 0;
}

//  ---------------------------------------------------------------------
//  Open tickets

static void
s_on_open (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_read_t *r = arg;
    hl_store_counts_fn *fn = (hl_store_counts_fn *) r->fn;
    long long counts[HL_LIFECYCLE_OPEN] = { 0 };
    size_t n = 0;
    int ok = reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1
             && reply->element[0]->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; ok && i < HL_LIFECYCLE_OPEN && i < reply->element[0]->elements; i++)
        counts[n++] = s_int (reply->element[0]->element[i]);
    fn (ok, counts, n, r->arg);
    s_read_free (r);
}

int
hl_store_dash_open (hl_store_t *self, hl_store_counts_fn *fn, void *arg)
{
    assert (self && fn);
    s_read_t *r = s_read_new ((void (*) (void)) fn, arg);
    if (hl_store_fcall_read (self, "hl_dash_summary", NULL, 0, NULL, NULL, s_on_open, r) != 0) {
        s_read_free (r);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Deadlines at risk and the day's intake, summed over the buckets

static void
s_on_at_risk (int bucket, const redisReply *reply, void *arg)
{
    (void) bucket;
    s_read_t *r = arg;
    if (reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < 3 && i < reply->elements; i++)
        r->at_risk.level[i] += s_int (reply->element[i]);
    const redisReply *intake = reply->elements > 3 ? reply->element[3] : NULL;
    for (size_t i = 0; intake && intake->type == REDIS_REPLY_ARRAY && i < HL_STORE_CHANNELS
                       && i < intake->elements; i++)
        r->at_risk.intake[i] += s_int (intake->element[i]);
}

static void
s_on_at_risk_done (int failed, void *arg)
{
    s_read_t *r = arg;
    ((hl_store_at_risk_fn *) r->fn) (!failed, &r->at_risk, r->arg);
    s_read_free (r);
}

int
hl_store_dash_at_risk (hl_store_t *self, const char *day, hl_store_at_risk_fn *fn, void *arg)
{
    assert (self && day && fn);
    s_read_t *r = s_read_new ((void (*) (void)) fn, arg);
    const char *argv[] = { "day", day };
    if (hl_store_fcall_buckets (self, "hl_sla_counts", "sla:warned", 2, argv, s_on_at_risk,
                                s_on_at_risk_done, r) != 0) {
        s_read_free (r);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Deadlines, merged from every bucket

//  The most urgent first: by the list's order, as one list would have it.
static int
s_due_cmp (const void *a, const void *b)
{
    const hl_store_due_t *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    int c = strcmp (x->ticket, y->ticket);
    return c ? c : strcmp (x->milestone, y->milestone);
}

//  Keeps the LIMIT most urgent rows.
static void
s_due_trim (s_read_t *r)
{
    if (r->n_due > 1)
        qsort (r->due, r->n_due, sizeof *r->due, s_due_cmp);
    if (r->n_due > r->limit)
        r->n_due = r->limit;
}

//  One bucket's rows: {ticket, milestone, status, due_ms, unit, rank}.
static void
s_on_due (int bucket, const redisReply *reply, void *arg)
{
    (void) bucket;
    s_read_t *r = arg;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        return;
    hl_store_due_t *due = realloc (r->due, (r->n_due + reply->elements) * sizeof *due);
    if (!due)
        abort ();
    r->due = due;
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *row = reply->element[i];
        if (row->type != REDIS_REPLY_ARRAY || row->elements < 6)
            continue;
        hl_store_due_t *d = &r->due[r->n_due++];
        snprintf (d->ticket, sizeof d->ticket, "%s", s_str (row->element[0]));
        snprintf (d->milestone, sizeof d->milestone, "%s", s_str (row->element[1]));
        snprintf (d->status, sizeof d->status, "%s", s_str (row->element[2]));
        snprintf (d->unit, sizeof d->unit, "%s", s_str (row->element[4]));
        d->due = s_int (row->element[3]);
        d->rank = s_int (row->element[5]);
    }
    if (r->n_due > 2 * r->limit)
        s_due_trim (r);
}

static void
s_on_due_done (int failed, void *arg)
{
    s_read_t *r = arg;
    s_due_trim (r);
    ((hl_store_due_fn *) r->fn) (!failed, r->due, r->n_due, r->arg);
    s_read_free (r);
}

int
hl_store_dash_deadlines (hl_store_t *self, int overdue, size_t limit, hl_store_due_fn *fn,
                         void *arg)
{
    assert (self && fn && limit > 0);
    s_read_t *r = s_read_new ((void (*) (void)) fn, arg);
    r->limit = limit;
    char number[24];
    snprintf (number, sizeof number, "%zu", limit);
    const char *argv[] = { "limit", number };
    if (hl_store_fcall_buckets (self, "hl_dash_deadlines", overdue ? "sla:overdue" : "sla:warned",
                                2, argv, s_on_due, s_on_due_done, r) != 0) {
        s_read_free (r);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Intake per minute, summed over the buckets

#define S_ROW (1 + HL_STORE_CHANNELS)

//  One bucket's minutes, {minute_start_ms, counts by channel} each, oldest
//  first: every bucket answers the same minutes.
static void
s_on_minutes (int bucket, const redisReply *reply, void *arg)
{
    (void) bucket;
    s_read_t *r = arg;
    if (reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < reply->elements && i < r->n_minutes; i++) {
        const redisReply *row = reply->element[i];
        if (row->type != REDIS_REPLY_ARRAY || row->elements < S_ROW)
            continue;
        long long *sum = &r->minutes[i * S_ROW];
        sum[0] = s_int (row->element[0]);
        for (int c = 0; c < HL_STORE_CHANNELS; c++)
            sum[c + 1] += s_int (row->element[c + 1]);
    }
}

static void
s_on_minutes_done (int failed, void *arg)
{
    s_read_t *r = arg;
    ((hl_store_minutes_fn *) r->fn) (!failed, r->minutes, r->n_minutes, r->arg);
    s_read_free (r);
}

int
hl_store_dash_minutes (hl_store_t *self, const char *now_ms, int minutes,
                       hl_store_minutes_fn *fn, void *arg)
{
    assert (self && now_ms && fn && minutes > 0);
    s_read_t *r = s_read_new ((void (*) (void)) fn, arg);
    r->n_minutes = (size_t) minutes;
    r->minutes = calloc ((size_t) minutes * S_ROW, sizeof *r->minutes);
    if (!r->minutes)
        abort ();
    char number[16];
    snprintf (number, sizeof number, "%d", minutes);
    const char *argv[] = { "now_ms", now_ms, "minutes", number };
    if (hl_store_fcall_buckets (self, "hl_dash_intake", "mi", 4, argv, s_on_minutes,
                                s_on_minutes_done, r) != 0) {
        s_read_free (r);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Unit counters of some days

static void
s_on_units (int bucket, const redisReply *reply, void *arg)
{
    (void) bucket;
    s_read_t *r = arg;
    hl_store_counter_fn *each = (hl_store_counter_fn *) r->each;
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements; i += 2)
        each (s_str (reply->element[i]), s_int (reply->element[i + 1]), r->arg);
}

static void
s_on_units_done (int failed, void *arg)
{
    s_read_t *r = arg;
    ((hl_store_read_done_fn *) r->fn) (!failed, r->arg);
    s_read_free (r);
}

int
hl_store_dash_units (hl_store_t *self, const char *days, hl_store_counter_fn *each,
                     hl_store_read_done_fn *done, void *arg)
{
    assert (self && days && each && done);
    s_read_t *r = s_read_new ((void (*) (void)) done, arg);
    r->each = (void (*) (void)) each;
    const char *argv[] = { "days", days };
    if (hl_store_fcall_buckets (self, "hl_dash_units", "m", 2, argv, s_on_units, s_on_units_done,
                                r) != 0) {
        s_read_free (r);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Hotspot alerts

static void
s_on_hotspots (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_read_t *r = arg;
    hl_store_texts_fn *fn = (hl_store_texts_fn *) r->fn;
    int ok = reply && reply->type == REDIS_REPLY_ARRAY;
    size_t n = ok ? reply->elements : 0;
    const char **texts = calloc (n + 1, sizeof *texts);
    if (!texts)
        abort ();
    for (size_t i = 0; i < n; i++)
        texts[i] = s_str (reply->element[i]);
    fn (ok, texts, n, r->arg);
    free (texts);
    s_read_free (r);
}

int
hl_store_dash_hotspots (hl_store_t *self, int limit, hl_store_texts_fn *fn, void *arg)
{
    assert (self && fn && limit > 0);
    s_read_t *r = s_read_new ((void (*) (void)) fn, arg);
    char number[16];
    snprintf (number, sizeof number, "%d", limit);
    const char *argv[] = { "limit", number };
    if (hl_store_fcall_read (self, "hl_dash_hotspots", HL_STORE_HOTSPOTS_KEY, 2, argv, NULL,
                             s_on_hotspots, r) != 0) {
        s_read_free (r);
        return -1;
    }
    return 0;
}
