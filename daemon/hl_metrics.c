/*  hl_metrics: Prometheus counters and histograms. See hl_metrics.h. */
#include "hl_metrics.h"
#include "hl_lifecycle.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CHANNELS 7                 //  0 = unknown, then the Channel enum
#define S_ACTIONS (HL_LIFECYCLE_ACTIONS + 1)    //  0, then the Action enum (1..N)
#define S_LEVELS 3
#define S_OUTBOX_GROUPS 8            //  room for the outbox's consumer groups

static const double s_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                   0.25, 0.5, 1, 2.5, 5 };
#define S_BUCKETS (sizeof s_bounds / sizeof s_bounds[0])

typedef struct {
    uint64_t bucket[S_BUCKETS];  //  observations <= bound (not cumulative here)
    uint64_t count;
    double sum;
} s_histogram_t;

struct hl_metrics {
    uint64_t intake[S_CHANNELS][2];    //  [channel][accepted]
    uint64_t transitions[S_ACTIONS];
    uint64_t fired[S_LEVELS];
    s_histogram_t ack;
    s_histogram_t lag;
    struct {
        char group[16];
        s_histogram_t lag;
        uint64_t backlog;
    } outbox[S_OUTBOX_GROUPS];
    size_t outbox_groups;
    hl_deadline_t *deadline;           //  for the calendar gauges; may be NULL
    uint64_t provisional;
};

static const char *s_levels[] = { "warn", "overdue", "escalate" };

hl_metrics_t *
hl_metrics_new (void)
{
    hl_metrics_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    return self;
}

void
hl_metrics_destroy (hl_metrics_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

static void
s_observe (s_histogram_t *h, double v)
{
    for (size_t i = 0; i < S_BUCKETS; i++)
        if (v <= s_bounds[i]) {
            h->bucket[i]++;
            break;
        }
    h->count++;
    h->sum += v;
}

void
hl_metrics_intake (hl_metrics_t *self, int channel, int accepted, double seconds)
{
    self->intake[channel > 0 && channel < S_CHANNELS ? channel : 0][accepted ? 1 : 0]++;
    if (accepted)
        s_observe (&self->ack, seconds);
}

void
hl_metrics_transition (hl_metrics_t *self, int action)
{
    if (action > 0 && action < S_ACTIONS)
        self->transitions[action]++;
}

void
hl_metrics_timer (hl_metrics_t *self, const char *level, double lag_seconds)
{
    for (int i = 0; i < S_LEVELS; i++)
        if (strcmp (level, s_levels[i]) == 0)
            self->fired[i]++;
    s_observe (&self->lag, lag_seconds < 0 ? 0 : lag_seconds);
}

void
hl_metrics_family (hl_buf_t *out, const char *name, const char *type, const char *help)
{
    hl_buf_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
hl_metrics_sample (hl_buf_t *out, const char *name, const char *label, const char *value,
                   double sample)
{
    if (label)
        hl_buf_printf (out, "%s{%s=\"%s\"} %.17g\n", name, label, value, sample);
    else
        hl_buf_printf (out, "%s %.17g\n", name, sample);
}

//  The samples of histogram H; LABEL ("group=\"idx\"") may be "".
static void
s_render_buckets (hl_buf_t *out, const char *name, const char *label, const s_histogram_t *h)
{
    const char *sep = *label ? "," : "";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < S_BUCKETS; i++) {
        cumulative += h->bucket[i];
        hl_buf_printf (out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, label, sep, s_bounds[i],
                       (unsigned long long) cumulative);
    }
    hl_buf_printf (out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, label, sep,
                   (unsigned long long) h->count);
    if (*label)
        hl_buf_printf (out, "%s_sum{%s} %.9f\n%s_count{%s} %llu\n", name, label, h->sum, name,
                       label, (unsigned long long) h->count);
    else
        hl_buf_printf (out, "%s_sum %.9f\n%s_count %llu\n", name, h->sum, name,
                       (unsigned long long) h->count);
}

static void
s_render_histogram (hl_buf_t *out, const char *name, const char *help, const s_histogram_t *h)
{
    hl_metrics_family (out, name, "histogram", help);
    s_render_buckets (out, name, "", h);
}

//  The figures of the outbox's group GROUP, made at its first mention;
//  -1 past S_OUTBOX_GROUPS groups.
static int
s_outbox_slot (hl_metrics_t *self, const char *group)
{
    for (size_t i = 0; i < self->outbox_groups; i++)
        if (strcmp (self->outbox[i].group, group) == 0)
            return (int) i;
    if (self->outbox_groups == S_OUTBOX_GROUPS)
        return -1;
    snprintf (self->outbox[self->outbox_groups].group, sizeof self->outbox[0].group, "%s",
              group);
    return (int) self->outbox_groups++;
}

void
hl_metrics_outbox_lag (hl_metrics_t *self, const char *group, double seconds)
{
    int i = s_outbox_slot (self, group);
    if (i >= 0)
        s_observe (&self->outbox[i].lag, seconds < 0 ? 0 : seconds);
}

void
hl_metrics_outbox_backlog (hl_metrics_t *self, const char *group, uint64_t entries)
{
    int i = s_outbox_slot (self, group);
    if (i >= 0)
        self->outbox[i].backlog = entries;
}

static void
s_render_outbox (hl_metrics_t *self, hl_buf_t *out)
{
    if (self->outbox_groups == 0)
        return;
    hl_metrics_family (out, "hotline_outbox_backlog", "gauge",
                       "Outbox entries of the buckets this instance holds not yet applied "
                       "(read and not acknowledged, or not read), by consumer group.");
    for (size_t i = 0; i < self->outbox_groups; i++)
        hl_metrics_sample (out, "hotline_outbox_backlog", "group", self->outbox[i].group,
                           (double) self->outbox[i].backlog);
    hl_metrics_family (out, "hotline_outbox_lag_seconds", "histogram",
                       "Time from a step's outbox entry to its apply, by consumer group.");
    for (size_t i = 0; i < self->outbox_groups; i++) {
        char label[40];
        snprintf (label, sizeof label, "group=\"%s\"", self->outbox[i].group);
        s_render_buckets (out, "hotline_outbox_lag_seconds", label, &self->outbox[i].lag);
    }
}

void
hl_metrics_set_deadline (hl_metrics_t *self, hl_deadline_t *deadline)
{
    self->deadline = deadline;
}

void
hl_metrics_provisional (hl_metrics_t *self, uint64_t count)
{
    self->provisional = count;
}

uint64_t
hl_metrics_provisional_count (const hl_metrics_t *self)
{
    return self->provisional;
}

static void
s_render_calendar (hl_metrics_t *self, hl_buf_t *out)
{
    if (!self->deadline)
        return;
    hl_metrics_family (out, "hotline_calendar_left_seconds", "gauge",
                       "Time from today's midnight until the loaded calendar files end "
                       "(whole days; 0 if this year has none).");
    hl_metrics_sample (out, "hotline_calendar_left_seconds", NULL, NULL,
                       (double) hl_deadline_calendar_days_left (self->deadline) * 86400);
    hl_metrics_family (out, "hotline_sla_provisional_deadlines", "gauge",
                       "Running deadlines past the loaded calendar files, at the last recompute.");
    hl_metrics_sample (out, "hotline_sla_provisional_deadlines", NULL, NULL,
                       (double) self->provisional);
}

void
hl_metrics_render (hl_metrics_t *self, hl_buf_t *out)
{
    hl_metrics_family (out, "hotline_intake_total", "counter",
                       "Complaints answered at intake, by channel and outcome.");
    for (int c = 0; c < S_CHANNELS; c++)
        for (int a = 0; a < 2; a++)
            hl_buf_printf (out, "hotline_intake_total{channel=\"%s\",outcome=\"%s\"} %llu\n",
                           hl_wire_channel_name (c) ? hl_wire_channel_name (c) : "unknown",
                           a ? "accepted" : "refused",
                           (unsigned long long) self->intake[c][a]);
    s_render_histogram (out, "hotline_ack_latency_seconds",
                        "Time from receiving a complaint to acknowledging it.", &self->ack);
    hl_metrics_family (out, "hotline_transitions_total", "counter",
                       "Transitions applied, by action.");
    for (int a = 1; a < S_ACTIONS; a++)
        if (hl_wire_action_name (a))
            hl_metrics_sample (out, "hotline_transitions_total", "action",
                               hl_wire_action_name (a), (double) self->transitions[a]);
    hl_metrics_family (out, "hotline_timers_fired_total", "counter",
                       "SLA reminders fired by this instance, by level.");
    for (int i = 0; i < S_LEVELS; i++)
        hl_metrics_sample (out, "hotline_timers_fired_total", "level", s_levels[i],
                           (double) self->fired[i]);
    s_render_histogram (out, "hotline_timer_lag_seconds",
                        "Delay from an SLA moment to its reminder firing.", &self->lag);
    s_render_outbox (self, out);
    s_render_calendar (self, out);
}
