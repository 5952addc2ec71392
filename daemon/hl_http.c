/*  hl_http: the supervisor dashboard server. See hl_http.h. */
#include "hl_http.h"
#include "hl_dashreport.h"
#include "hl_dashticket.h"
#include "hl_store_dash.h"
#include "hl_httpd.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_secret.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_SSE_MAX 64             //  live streams at once
#define S_KEEPALIVE_S 15

static const char *s_channels[] = { "phone", "web", "app", "enterprise", "sms", "mailbox" };

//  A request waiting for Redis. If its client leaves meanwhile, the
//  answer is dropped by hl_httpd.
typedef struct {
    struct hl_http *http;
    hl_httpd_req_t *req;
    int kind;                    //  what to render
    char from[12], to[12];       //  units: the period
    char now[24];                //  summary, metrics: the moment asked about
    hl_store_at_risk_t at_risk;  //  summary, metrics: deadlines at risk, today's intake
    long long open[HL_LIFECYCLE_OPEN];   //  summary, metrics: open tickets by state
    size_t n_open;
    struct s_units_sum *units;   //  units: the counters summed so far
} s_pending_t;

struct hl_http {
    hl_httpd_t *httpd;
    hl_http_parts_t parts;
    char *token;
    int weights[HL_LIFECYCLE_RATES];     //  the 考核 score's (score_weights)
    hl_httpd_req_t *sse[S_SSE_MAX];
    size_t n_sse;
    struct event *keepalive;
};

enum { S_SUMMARY, S_INTAKE, S_DEADLINES, S_UNITS, S_UNITS_CSV, S_HOTSPOTS, S_METRICS };

//  ---------------------------------------------------------------------
//  Replies

static void
s_reply_buf (hl_httpd_req_t *req, const char *type, hl_buf_t *b)
{
    hl_httpd_reply (req, 200, type, b->data ? b->data : "", b->len);
}

static s_pending_t *
s_pending_new (hl_http_t *self, hl_httpd_req_t *req, int kind)
{
    s_pending_t *p = calloc (1, sizeof *p);
    if (!p)
        abort ();
    p->http = self;
    p->req = req;
    p->kind = kind;
    return p;
}

//  ---------------------------------------------------------------------
//  Figures (read by hl_store_dash)

static void
s_summary_json (hl_http_t *self, const s_pending_t *p, hl_buf_t *b)
{
    hl_buf_printf (b, "{\"now_ms\":%lld,\"open\":{", (long long) hl_deadline_now (self->parts.deadline));
    const long long *at_risk = p->at_risk.level;
    long long total = 0;
    for (size_t i = 0; i < p->n_open; i++)
        hl_buf_printf (b, "%s\"%s\":%lld", i ? "," : "", hl_lifecycle_open[i]->code, p->open[i]);
    hl_buf_puts (b, "},\"intake_today\":{");
    for (size_t i = 0; i < HL_STORE_CHANNELS; i++) {
        total += p->at_risk.intake[i];
        hl_buf_printf (b, "%s\"%s\":%lld", i ? "," : "", s_channels[i], p->at_risk.intake[i]);
    }
    hl_buf_printf (b, "},\"intake_today_total\":%lld,\"workers\":%zu,\"queued\":%zu,"
                   "\"warned\":%lld,\"overdue\":%lld,\"escalated\":%lld,\"provisional\":%llu}",
                   total, hl_broker_worker_count (self->parts.broker),
                   hl_broker_queued (self->parts.broker), at_risk[0], at_risk[1], at_risk[2],
                   (unsigned long long) hl_metrics_provisional_count (self->parts.metrics));
}

//  The minutes summed over the buckets: per minute its start, then the
//  counts by channel.
static void
s_intake_json (const long long *rows, size_t n, hl_buf_t *b)
{
    hl_buf_puts (b, "{\"minutes\":[");
    for (size_t i = 0; i < n; i++) {
        const long long *row = &rows[i * (1 + HL_STORE_CHANNELS)];
        hl_buf_printf (b, "%s{\"t\":%lld", i ? "," : "", row[0]);
        for (int c = 0; c < HL_STORE_CHANNELS; c++)
            hl_buf_printf (b, ",\"%s\":%lld", s_channels[c], row[c + 1]);
        hl_buf_puts (b, "}");
    }
    hl_buf_puts (b, "]}");
}

static void
s_deadlines_json (hl_http_t *self, const hl_store_due_t *rows, size_t n, hl_buf_t *b,
                  const char *want)
{
    int64_t now = hl_deadline_now (self->parts.deadline);
    //  A deadline past the loaded calendar files was computed on the
    //  statutory holidays alone: provisional (docs/sla.md).
    int64_t calendar_end = now + hl_deadline_calendar_days_left (self->parts.deadline) * 86400000;
    int first = 1;
    hl_buf_puts (b, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        const hl_store_due_t *row = &rows[i];
        const char *level = strcmp (row->status, "warned") == 0 ? "warned"
                          : strcmp (row->status, "escalated") == 0 ? "escalated" : "overdue";
        if (*want && strcmp (want, level) != 0)
            continue;
        const char *name = hl_catalogue_unit_name (self->parts.catalogue, row->unit,
                                                   strlen (row->unit));
        hl_buf_puts (b, first ? "{" : ",{");
        first = 0;
        hl_json_kv_str (b, "ticket", row->ticket, strlen (row->ticket), 1);
        hl_json_kv_str (b, "unit", row->unit, strlen (row->unit), 0);
        hl_json_kv_str (b, "unit_name", name ? name : "", strlen (name ? name : ""), 0);
        hl_json_kv_str (b, "milestone", row->milestone, strlen (row->milestone), 0);
        hl_json_kv_str (b, "level", level, strlen (level), 0);
        hl_json_kv_int (b, "due_ms", row->due, 0);
        hl_json_kv_int (b, "over_ms", now - row->due, 0);
        hl_json_kv_bool (b, "provisional", row->due > calendar_end, 0);
        hl_buf_puts (b, "}");
    }
    hl_buf_puts (b, "]}");
}

//  ---------------------------------------------------------------------
//  The per-unit table

//  The counters and rates are the lifecycle table's (docs/metrics.md).
#define S_COUNTERS HL_LIFECYCLE_COUNTERS

typedef struct {
    char unit[48];
    long long v[S_COUNTERS];
} s_row_t;

static s_row_t *
s_row (s_row_t *rows, size_t *n, size_t max, const char *unit)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp (rows[i].unit, unit) == 0)
            return &rows[i];
    if (*n == max)
        return NULL;
    memset (&rows[*n], 0, sizeof rows[*n]);
    snprintf (rows[*n].unit, sizeof rows[*n].unit, "%s", unit);
    return &rows[(*n)++];
}

#define S_UNITS_MAX 256

//  The per-unit table summed over the buckets' answers; TOTAL is the sum
//  over units (the "*" unit's own counters added once).
struct s_units_sum {
    s_row_t rows[S_UNITS_MAX];
    size_t n;
    s_row_t total;
};

static struct s_units_sum *
s_units_sum_new (void)
{
    struct s_units_sum *sum = calloc (1, sizeof *sum);
    if (!sum)
        abort ();
    snprintf (sum->total.unit, sizeof sum->total.unit, "*");
    return sum;
}

//  Folds one bucket's counter KEY ("<unit>|<counter>") of value V into SUM.
static void
s_rows_add (struct s_units_sum *sum, const char *key, long long v)
{
    const char *bar = strchr (key, '|');
    if (!bar)
        return;
    char unit[48];
    snprintf (unit, sizeof unit, "%.*s", (int) (bar - key), key);
    for (int c = 0; c < S_COUNTERS; c++)
        if (strcmp (bar + 1, hl_lifecycle_counters[c].code) == 0) {
            sum->total.v[c] += v;
            s_row_t *row = strcmp (unit, "*") ? s_row (sum->rows, &sum->n, S_UNITS_MAX, unit)
                                              : NULL;
            if (row)
                row->v[c] += v;
        }
}

//  A rate's numerator: the sum of its counters in V.
static long long
s_rate_num (const hl_lifecycle_rate_t *rate, const long long *v)
{
    return v[rate->num[0]] + (rate->num[1] >= 0 ? v[rate->num[1]] : 0);
}

static void
s_rate (hl_buf_t *b, const char *name, long long num, long long den)
{
    if (den > 0)
        hl_buf_printf (b, ",\"%s\":%.6f", name, (double) num / (double) den);
    else
        hl_buf_printf (b, ",\"%s\":null", name);
}

//  The formulas of docs/metrics.md.
static void
s_row_json (hl_http_t *self, hl_buf_t *b, const s_row_t *row)
{
    const long long *v = row->v;
    const char *name = hl_catalogue_unit_name (self->parts.catalogue, row->unit, strlen (row->unit));
    hl_buf_puts (b, "{");
    hl_json_kv_str (b, "unit", row->unit, strlen (row->unit), 1);
    hl_json_kv_str (b, "name", name ? name : "", strlen (name ? name : ""), 0);
    for (int c = 0; c < S_COUNTERS; c++)
        hl_buf_printf (b, ",\"%s\":%lld", hl_lifecycle_counters[c].code, v[c]);
    for (int i = 0; i < HL_LIFECYCLE_RATES; i++)
        s_rate (b, hl_lifecycle_rates[i].code, s_rate_num (&hl_lifecycle_rates[i], v),
                v[hl_lifecycle_rates[i].den]);
    long long replied = v[HL_COUNTER_REPLIED];
    if (replied > 0)
        hl_buf_printf (b, ",\"avg_handling_hours\":%.3f",
                       (double) v[HL_COUNTER_HANDLING_MS_SUM] / (double) replied / 3.6e6);
    else
        hl_buf_puts (b, ",\"avg_handling_hours\":null");
    double score = hl_lifecycle_score (v, self->weights);
    if (score >= 0)
        hl_buf_printf (b, ",\"score\":%.2f", score);
    else
        hl_buf_puts (b, ",\"score\":null");
    hl_buf_puts (b, "}");
}

static void
s_units_json (hl_http_t *self, const s_pending_t *p, hl_buf_t *b)
{
    const struct s_units_sum *sum = p->units;
    hl_buf_printf (b, "{\"from\":\"%s\",\"to\":\"%s\",\"units\":[", p->from, p->to);
    for (size_t i = 0; i < sum->n; i++) {
        if (i)
            hl_buf_puts (b, ",");
        s_row_json (self, b, &sum->rows[i]);
    }
    hl_buf_puts (b, "],\"total\":");
    s_row_json (self, b, &sum->total);
    hl_buf_puts (b, "}");
}

static void
s_csv_rate (hl_buf_t *b, long long num, long long den)
{
    if (den > 0)
        hl_buf_printf (b, ",%.4f", (double) num / (double) den);
    else
        hl_buf_puts (b, ",");
}

static void
s_units_csv (hl_http_t *self, const s_pending_t *p, hl_buf_t *b)
{
    const struct s_units_sum *sum = p->units;
    size_t n = sum->n;
    hl_buf_puts (b, "\xEF\xBB\xBFunit,name");
    for (int c = 0; c < S_COUNTERS; c++)
        hl_buf_printf (b, ",%s", hl_lifecycle_counters[c].code);
    for (int i = 0; i < HL_LIFECYCLE_RATES; i++)
        hl_buf_printf (b, ",%s", hl_lifecycle_rates[i].code);
    hl_buf_puts (b, "\r\n");
    for (size_t i = 0; i <= n; i++) {
        const s_row_t *row = i < n ? &sum->rows[i] : &sum->total;
        const long long *v = row->v;
        const char *name = hl_catalogue_unit_name (self->parts.catalogue, row->unit,
                                                   strlen (row->unit));
        hl_buf_printf (b, "%s,%s", row->unit, i < n ? (name ? name : "") : "合计");
        for (int c = 0; c < S_COUNTERS; c++)
            hl_buf_printf (b, ",%lld", v[c]);
        for (int k = 0; k < HL_LIFECYCLE_RATES; k++)
            s_csv_rate (b, s_rate_num (&hl_lifecycle_rates[k], v), v[hl_lifecycle_rates[k].den]);
        hl_buf_puts (b, "\r\n");
    }
}

//  ---------------------------------------------------------------------
//  Prometheus

static void
s_unit_queued (const char *unit, size_t queued, size_t workers, void *arg)
{
    (void) workers;
    hl_buf_printf (arg, "hotline_queue_depth{unit=\"%s\"} %zu\n", unit, queued);
}

static void
s_unit_workers (const char *unit, size_t queued, size_t workers, void *arg)
{
    (void) queued;
    hl_buf_printf (arg, "hotline_workers_connected{unit=\"%s\"} %zu\n", unit, workers);
}

//  The dashboard server's own limits at work.
static void
s_http_metrics (hl_http_t *self, hl_buf_t *b)
{
    hl_httpd_stats_t st;
    hl_httpd_stats (self->httpd, &st);
    hl_metrics_family (b, "hotline_http_connections", "gauge",
                       "Open dashboard connections, and of them live event streams.");
    hl_metrics_sample (b, "hotline_http_connections", "kind", "all", (double) st.open);
    hl_metrics_sample (b, "hotline_http_connections", "kind", "stream", (double) st.streams);
    hl_metrics_family (b, "hotline_http_refused_total", "counter",
                       "Dashboard connections and requests refused, by reason.");
    hl_metrics_sample (b, "hotline_http_refused_total", "reason", "connection_limit",
                       (double) st.refused);
    hl_metrics_sample (b, "hotline_http_refused_total", "reason", "timeout",
                       (double) st.timed_out);
    hl_metrics_sample (b, "hotline_http_refused_total", "reason", "bad_request",
                       (double) st.bad_requests);
    hl_metrics_sample (b, "hotline_http_refused_total", "reason", "slow_reader",
                       (double) st.slow_dropped);
}

//  One unit's rates (those with a denominator), or (SCORE) its score, as samples.
static void
s_unit_rates (hl_http_t *self, const s_row_t *row, int score, hl_buf_t *b)
{
    const long long *v = row->v;
    if (score) {
        double value = hl_lifecycle_score (v, self->weights);
        if (value >= 0)
            hl_buf_printf (b, "hotline_unit_score{unit=\"%s\"} %.2f\n", row->unit, value);
        return;
    }
    for (int i = 0; i < HL_LIFECYCLE_RATES; i++) {
        const hl_lifecycle_rate_t *rate = &hl_lifecycle_rates[i];
        if (v[rate->den] > 0)
            hl_buf_printf (b, "hotline_unit_rate{unit=\"%s\",rate=\"%s\"} %.6f\n", row->unit,
                           rate->code, (double) s_rate_num (rate, v) / (double) v[rate->den]);
    }
}

//  The rates of docs/metrics.md per unit (and "*", the hotline) over the
//  month so far (Beijing days), then the 考核 scores.
static void
s_rates_metrics (hl_http_t *self, const struct s_units_sum *units, hl_buf_t *b)
{
    hl_metrics_family (b, "hotline_unit_rate", "gauge",
                       "Rates per ticket of the month so far, by unit and rate (docs/metrics.md).");
    for (int score = 0; score < 2; score++) {
        if (score)
            hl_metrics_family (b, "hotline_unit_score", "gauge",
                               "Assessment score of the month so far, by unit (score_weights).");
        for (size_t i = 0; i < units->n; i++)
            s_unit_rates (self, &units->rows[i], score, b);
        s_unit_rates (self, &units->total, score, b);
    }
}

static void
s_metrics_text (hl_http_t *self, const s_pending_t *p, hl_buf_t *b)
{
    hl_metrics_render (self->parts.metrics, b);
    hl_metrics_family (b, "hotline_redis_rtt_seconds", "gauge",
                       "Round trip of the latest Redis reply.");
    hl_buf_printf (b, "hotline_redis_rtt_seconds %.6f\n",
                   (double) hl_store_rtt_us (self->parts.store) / 1e6);
    hl_metrics_family (b, "hotline_queue_depth", "gauge", "Tickets waiting for a worker, by unit.");
    hl_broker_foreach_unit (self->parts.broker, s_unit_queued, b);
    hl_metrics_family (b, "hotline_workers_connected", "gauge", "Connected workers, by unit.");
    hl_broker_foreach_unit (self->parts.broker, s_unit_workers, b);
    hl_metrics_family (b, "hotline_open_tickets", "gauge", "Open tickets, by state.");
    for (size_t i = 0; i < p->n_open; i++)
        hl_metrics_sample (b, "hotline_open_tickets", "state", hl_lifecycle_open[i]->code,
                           (double) p->open[i]);
    hl_metrics_family (b, "hotline_deadlines", "gauge",
                       "Deadlines at risk (warned) and past (overdue, escalated).");
    static const char *levels[] = { "warned", "overdue", "escalated" };
    for (int i = 0; i < 3; i++)
        hl_metrics_sample (b, "hotline_deadlines", "level", levels[i],
                           (double) p->at_risk.level[i]);
    if (p->units)
        s_rates_metrics (self, p->units, b);
    s_http_metrics (self, b);
}

//  ---------------------------------------------------------------------
//  Requests

static void
s_pending_free (s_pending_t *p)
{
    free (p->units);
    free (p);
}

static void
s_unanswered (s_pending_t *p, const char *message)
{
    hl_httpd_reply_error (p->req, 503, "store_unavailable", message);
    s_pending_free (p);
}

//  Answers P with what was gathered for it.
static void
s_render (s_pending_t *p)
{
    hl_http_t *self = p->http;
    hl_httpd_req_t *req = p->req;
    hl_buf_t b = HL_BUF_INIT;
    const char *type = "application/json; charset=utf-8";
    switch (p->kind) {
        case S_SUMMARY: s_summary_json (self, p, &b); break;
        case S_UNITS: s_units_json (self, p, &b); break;
        case S_UNITS_CSV:
            s_units_csv (self, p, &b);
            type = "text/csv; charset=utf-8";
            hl_httpd_add_header (req, "Content-Disposition",
                                 "attachment; filename=\"hotline-units.csv\"");
            break;
        case S_METRICS:
            s_metrics_text (self, p, &b);
            type = "text/plain; version=0.0.4; charset=utf-8";
            break;
    }
    s_reply_buf (req, type, &b);
    hl_buf_free (&b);
    s_pending_free (p);
}

//  True if every bucket answered; else P is answered with an error (and freed).
static int
s_every_bucket (s_pending_t *p, int ok)
{
    if (!ok)
        s_unanswered (p, "the ticket store did not answer for every bucket");
    return ok;
}

//  Beijing day "YYYYMMDD" of T ms.
static void
s_day (int64_t t, char out[12])
{
    time_t s = (time_t) (t / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r (&s, &tm);
    strftime (out, 12, "%Y%m%d", &tm);
}

//  The open tickets, the last of the summary's figures.
static void
s_on_open (int ok, const long long *counts, size_t n, void *arg)
{
    s_pending_t *p = arg;
    if (!ok) {
        s_unanswered (p, "the ticket store did not answer");
        return;
    }
    memcpy (p->open, counts, n * sizeof *counts);
    p->n_open = n;
    s_render (p);
}

static void
s_ask_open (s_pending_t *p)
{
    if (hl_store_dash_open (p->http->parts.store, s_on_open, p) != 0)
        s_unanswered (p, "the ticket store is not reachable");
}

static void
s_on_month_done (int ok, void *arg)
{
    s_pending_t *p = arg;
    if (s_every_bucket (p, ok))
        s_ask_open (p);
}

static void s_ask_units (s_pending_t *p, time_t a, time_t z, hl_store_read_done_fn *done);

//  Deadlines at risk are kept per bucket: summed over the buckets first,
//  then the summary's other figures are read; /metrics also has the units'
//  rates of the month so far, read before the open tickets.
static void
s_on_at_risk (int ok, const hl_store_at_risk_t *sum, void *arg)
{
    s_pending_t *p = arg;
    if (!s_every_bucket (p, ok))
        return;
    p->at_risk = *sum;
    if (p->kind != S_METRICS) {
        s_ask_open (p);
        return;
    }
    time_t today = (time_t) (hl_deadline_now (p->http->parts.deadline) / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r (&today, &tm);
    today -= today % 86400;
    s_ask_units (p, today - (time_t) (tm.tm_mday - 1) * 86400, today, s_on_month_done);
}

static void
s_ask_summary (hl_http_t *self, hl_httpd_req_t *req, int kind, const char *now)
{
    s_pending_t *p = s_pending_new (self, req, kind);
    snprintf (p->now, sizeof p->now, "%s", now);
    char day[12];
    s_day (hl_deadline_now (self->parts.deadline), day);
    if (hl_store_dash_at_risk (self->parts.store, day, s_on_at_risk, p) != 0)
        s_unanswered (p, "the ticket store is not reachable");
}

//  The deadlines of a list (warned or overdue), merged from every bucket.
static void
s_on_due (int ok, const hl_store_due_t *rows, size_t n, void *arg)
{
    s_pending_t *p = arg;
    if (!s_every_bucket (p, ok))
        return;
    char level[16];
    if (hl_httpd_req_param (p->req, "level", level, sizeof level) != 1 || !strcmp (level, "warned"))
        level[0] = '\0';
    hl_buf_t b = HL_BUF_INIT;
    s_deadlines_json (p->http, rows, n, &b, level);
    s_reply_buf (p->req, "application/json; charset=utf-8", &b);
    hl_buf_free (&b);
    s_pending_free (p);
}

static void
s_ask_deadlines (hl_http_t *self, hl_httpd_req_t *req, int overdue, int limit)
{
    s_pending_t *p = s_pending_new (self, req, S_DEADLINES);
    if (hl_store_dash_deadlines (self->parts.store, overdue, (size_t) limit, s_on_due, p) != 0)
        s_unanswered (p, "the ticket store is not reachable");
}

//  A figure summed over the buckets is answered once every bucket has.
static void
s_on_summed (int ok, void *arg)
{
    s_pending_t *p = arg;
    if (s_every_bucket (p, ok))
        s_render (p);
}

static void
s_on_counter (const char *key, long long value, void *arg)
{
    s_pending_t *p = arg;
    s_rows_add (p->units, key, value);
}

static void
s_on_minutes (int ok, const long long *rows, size_t n, void *arg)
{
    s_pending_t *p = arg;
    if (!s_every_bucket (p, ok))
        return;
    hl_buf_t b = HL_BUF_INIT;
    s_intake_json (rows, n, &b);
    s_reply_buf (p->req, "application/json; charset=utf-8", &b);
    hl_buf_free (&b);
    s_pending_free (p);
}

//  Intake per minute over the last MINUTES, summed over the buckets.
static void
s_ask_intake (hl_http_t *self, hl_httpd_req_t *req, const char *now, int minutes)
{
    s_pending_t *p = s_pending_new (self, req, S_INTAKE);
    if (hl_store_dash_minutes (self->parts.store, now, minutes, s_on_minutes, p) != 0)
        s_unanswered (p, "the ticket store is not reachable");
}

static void
s_on_hotspots (int ok, const char *const *texts, size_t n, void *arg)
{
    s_pending_t *p = arg;
    if (!ok) {
        s_unanswered (p, "the ticket store did not answer");
        return;
    }
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_puts (&b, "{\"items\":[");
    for (size_t i = 0; i < n; i++)
        hl_buf_printf (&b, "%s%s", i ? "," : "", texts[i]);
    hl_buf_puts (&b, "]}");
    s_reply_buf (p->req, "application/json; charset=utf-8", &b);
    hl_buf_free (&b);
    s_pending_free (p);
}

static void
s_ask_hotspots (hl_http_t *self, hl_httpd_req_t *req, int limit)
{
    s_pending_t *p = s_pending_new (self, req, S_HOTSPOTS);
    if (hl_store_dash_hotspots (self->parts.store, limit, s_on_hotspots, p) != 0)
        s_unanswered (p, "the ticket store is not reachable");
}

static int
s_parse_day (const char *text, time_t *out)
{
    struct tm tm = { 0 };
    if (!text || strlen (text) != 8 || !strptime (text, "%Y%m%d", &tm))
        return -1;
    *out = timegm (&tm);
    return 0;
}

//  A query parameter, or DEFAULT when it is absent or unreadable.
static const char *
s_param (hl_httpd_req_t *req, const char *key, char *out, size_t outlen, const char *dflt)
{
    return hl_httpd_req_param (req, key, out, outlen) == 1 ? out : dflt;
}

//  Asks every bucket for the counters of the days A..Z (midnights, UTC
//  seconds), summed into P->units; DONE once all have answered.
static void
s_ask_units (s_pending_t *p, time_t a, time_t z, hl_store_read_done_fn *done)
{
    //  The days as one named argument, "yyyymmdd,yyyymmdd,...".
    int n = (int) ((z - a) / 86400) + 1;
    hl_buf_t days = HL_BUF_INIT;
    for (int i = 0; i < n; i++) {
        time_t t = a + (time_t) i * 86400;
        struct tm tm;
        char day[12];
        gmtime_r (&t, &tm);
        strftime (day, sizeof day, "%Y%m%d", &tm);
        hl_buf_printf (&days, "%s%s", i ? "," : "", day);
    }
    snprintf (p->from, sizeof p->from, "%.8s", days.data);
    snprintf (p->to, sizeof p->to, "%.8s", days.data + days.len - 8);
    p->units = s_units_sum_new ();
    if (hl_store_dash_units (p->http->parts.store, days.data, s_on_counter, done, p) != 0)
        s_unanswered (p, "the ticket store is not reachable");
    hl_buf_free (&days);
}

static void
s_units (hl_http_t *self, hl_httpd_req_t *req, int csv)
{
    char today[12], fbuf[16], tbuf[16];
    s_day (hl_deadline_now (self->parts.deadline), today);
    const char *from = s_param (req, "from", fbuf, sizeof fbuf, today);
    const char *to = s_param (req, "to", tbuf, sizeof tbuf, today);
    time_t a, z;
    if (s_parse_day (from, &a) != 0 || s_parse_day (to, &z) != 0
        || z < a || (z - a) / 86400 > 366) {
        hl_httpd_reply_error (req, 400, "bad_value", "from and to are days YYYYMMDD, at most 367 apart");
        return;
    }
    s_pending_t *p = s_pending_new (self, req, csv ? S_UNITS_CSV : S_UNITS);
    s_ask_units (p, a, z, s_on_summed);
}

static int
s_authorised (hl_http_t *self, hl_httpd_req_t *req)
{
    const char *auth = hl_httpd_req_header (req, "Authorization");
    if (auth && strncmp (auth, "Bearer ", 7) == 0)
        return hl_secret_equal (self->token, auth + 7);
    char token[512];
    return hl_httpd_req_param (req, "token", token, sizeof token) == 1
        && hl_secret_equal (self->token, token);
}

//  ---------------------------------------------------------------------
//  Live events

static void
s_stream_forget (hl_http_t *self, size_t i)
{
    hl_httpd_stream_end (self->sse[i]);
    self->sse[i] = self->sse[--self->n_sse];
}

//  A stream's client left on its own.
static void
s_on_stream_gone (hl_httpd_req_t *req, void *arg)
{
    hl_http_t *self = arg;
    for (size_t i = 0; i < self->n_sse; i++)
        if (self->sse[i] == req) {
            s_stream_forget (self, i);
            return;
        }
}

static void
s_stream (hl_http_t *self, hl_httpd_req_t *req)
{
    if (self->n_sse == S_SSE_MAX) {
        hl_httpd_reply_error (req, 503, "busy", "too many live streams; retry shortly");
        return;
    }
    static const char hello[] = "retry: 2000\n: hotline live events\n\n";
    if (hl_httpd_stream_begin (req, 200, "text/event-stream") != 0
        || hl_httpd_stream_write (req, hello, sizeof hello - 1) != 0) {
        hl_httpd_stream_end (req);
        return;
    }
    hl_httpd_req_set_gone_fn (req, s_on_stream_gone, self);
    self->sse[self->n_sse++] = req;
}

//  A client that does not keep up is dropped by hl_httpd (its backlog is
//  bounded); it reconnects and reloads the figures.
static void
s_send_all (hl_http_t *self, const char *text, size_t len)
{
    for (size_t i = 0; i < self->n_sse;)
        if (hl_httpd_stream_write (self->sse[i], text, len) != 0)
            s_stream_forget (self, i);
        else
            i++;
}

void
hl_http_event (const char *kind, const char *json, size_t len, void *arg)
{
    hl_http_t *self = arg;
    if (!self || self->n_sse == 0)
        return;
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_printf (&b, "event: %s\ndata: %.*s\n\n", kind, (int) len, json);
    s_send_all (self, b.data, b.len);
    hl_buf_free (&b);
}

static void
s_on_keepalive (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_send_all (arg, ": keepalive\n\n", 13);
}

//  ---------------------------------------------------------------------
//  Routes

static int
s_limit (hl_httpd_req_t *req, int dflt, int max)
{
    char text[16];
    int n = hl_httpd_req_param (req, "limit", text, sizeof text) == 1 ? atoi (text) : 0;
    return n > 0 && n <= max ? n : dflt;
}

static void
s_on_request (hl_httpd_req_t *req, void *arg)
{
    hl_http_t *self = arg;
    const char *path = hl_httpd_req_path (req);
    char now[24], text[16];
    snprintf (now, sizeof now, "%lld", (long long) hl_deadline_now (self->parts.deadline));
    if (strcmp (hl_httpd_req_method (req), "GET") != 0)
        hl_httpd_reply_error (req, 405, "unsupported", "only GET is served");
    else
    if (strcmp (path, "/favicon.ico") == 0)
        hl_httpd_reply (req, 204, "text/plain", "", 0);     //  browsers ask unprompted
    else
    if (!s_authorised (self, req))
        hl_httpd_reply_error (req, 401, "unauthorized", "a valid supervisor token is required");
    else
    if (strcmp (path, "/") == 0)
        hl_httpd_reply (req, 200, "text/html; charset=utf-8", hl_http_dashboard,
                        hl_http_dashboard_len);
    else
    if (strcmp (path, "/api/summary") == 0 || strcmp (path, "/metrics") == 0)
        s_ask_summary (self, req, path[1] == 'a' ? S_SUMMARY : S_METRICS, now);
    else
    if (strcmp (path, "/api/intake") == 0) {
        int minutes = hl_httpd_req_param (req, "minutes", text, sizeof text) == 1 ? atoi (text) : 60;
        s_ask_intake (self, req, now, minutes < 1 ? 1 : minutes > 1440 ? 1440 : minutes);
    }
    else
    if (strcmp (path, "/api/deadlines") == 0) {
        const char *level = s_param (req, "level", text, sizeof text, "");
        s_ask_deadlines (self, req, strcmp (level, "warned") != 0, s_limit (req, 100, 1000));
    }
    else
    if (strcmp (path, "/api/units") == 0 || strcmp (path, "/api/units.csv") == 0)
        s_units (self, req, path[10] == '.');
    else
    if (strcmp (path, "/api/hotspots") == 0)
        s_ask_hotspots (self, req, s_limit (req, 20, 100));
    else
    if (strcmp (path, "/api/report") == 0)
        hl_dashreport_serve (self->parts.archive, req, self->parts.tz_offset_min);
    else
    if (strcmp (path, "/api/ticket") == 0 && self->parts.tickets)
        hl_dashticket_show (self->parts.tickets, req);
    else
    if (strcmp (path, "/api/tickets") == 0 && self->parts.tickets)
        hl_dashticket_list (self->parts.tickets, req, (unsigned) s_limit (req, 50, 500));
    else
    if (strcmp (path, "/events") == 0)
        s_stream (self, req);
    else
        hl_httpd_reply_error (req, 404, "not_found", "no such page");
}

//  ---------------------------------------------------------------------
//  Life cycle

hl_http_t *
hl_http_new (struct event_base *base, const hl_config_t *cfg, const hl_http_parts_t *parts,
             char *err, size_t errlen)
{
    err[0] = 0;
    if (!*cfg->http_endpoint)
        return NULL;
    char why[256];
    char *token = hl_secret_load (cfg->http_token_file, "HOTLINE_HTTP_TOKEN", why, sizeof why);
    if (!token) {
        snprintf (err, errlen, "supervisor token (http_token_file): %s", why);
        return NULL;
    }
    if (strlen (token) < 16) {
        snprintf (err, errlen, "supervisor token: at least 16 characters are needed");
        hl_secret_free (&token);
        return NULL;
    }
    hl_http_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->parts = *parts;
    self->token = token;
    if (hl_lifecycle_weights (cfg->score_weights, self->weights, err, errlen) != 0) {
        hl_secret_free (&self->token);
        free (self);
        return NULL;
    }
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    opts.name = "dashboard";
    opts.address = cfg->http_endpoint;
    opts.max_connections = (int) cfg->http_max_connections;
    opts.head_timeout_ms = (int) cfg->http_head_timeout_ms;
    opts.write_timeout_ms = (int) cfg->http_write_timeout_ms;
    opts.max_backlog_bytes = (size_t) cfg->http_stream_backlog_kb * 1024;
    opts.max_body_bytes = 0;    //  GET only
    self->httpd = hl_httpd_new (base, &opts, s_on_request, self, err, errlen);
    if (!self->httpd) {
        hl_secret_free (&self->token);
        free (self);
        return NULL;
    }
    self->keepalive = event_new (base, -1, EV_PERSIST, s_on_keepalive, self);
    struct timeval tv = { S_KEEPALIVE_S, 0 };
    event_add (self->keepalive, &tv);
    return self;
}

//  The store goes first (hotlined's teardown), so every Redis answer a
//  request waited for has been given by now.
void
hl_http_destroy (hl_http_t **self_p)
{
    assert (self_p);
    hl_http_t *self = *self_p;
    if (!self)
        return;
    event_free (self->keepalive);
    while (self->n_sse)
        s_stream_forget (self, 0);
    hl_httpd_destroy (&self->httpd);
    hl_secret_free (&self->token);
    free (self);
    *self_p = NULL;
}

void
hl_http_set_catalogue (hl_http_t *self, const hl_catalogue_t *catalogue)
{
    if (self)
        self->parts.catalogue = catalogue;
}
