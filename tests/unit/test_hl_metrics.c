/*  Unit test of hl_metrics: counters and histograms in the Prometheus
 *  text format. (promtool checks a live /metrics in tests/test_metrics.c.) */
#include "hl_metrics.h"
#include "hl_test.h"
#include "hotline.pb-c.h"

#include <string.h>

static int
s_has (const hl_buf_t *b, const char *line)
{
    int ok = strstr (b->data, line) != NULL;
    if (!ok)
        fprintf (stderr, "missing: %s\n", line);
    return ok;
}

static void
test_render (void)
{
    hl_metrics_t *m = hl_metrics_new ();
    hl_metrics_intake (m, HOTLINE__CHANNEL__CHANNEL_PHONE, 1, 0.0004);
    hl_metrics_intake (m, HOTLINE__CHANNEL__CHANNEL_PHONE, 1, 0.003);
    hl_metrics_intake (m, HOTLINE__CHANNEL__CHANNEL_WEB, 0, 0.5);    //  refused: no latency
    hl_metrics_intake (m, 99, 1, 30);                               //  beyond every bucket
    hl_metrics_transition (m, HOTLINE__ACTION__ACTION_SIGN);
    hl_metrics_transition (m, HOTLINE__ACTION__ACTION_SIGN);
    hl_metrics_transition (m, 999);                                 //  ignored
    hl_metrics_timer (m, "warn", 0.002);
    hl_metrics_timer (m, "escalate", -1);                           //  early counts as 0
    hl_metrics_timer (m, "bogus", 0.1);                             //  no level, still a lag
    hl_buf_t b = HL_BUF_INIT;
    hl_metrics_render (m, &b);

    HL_CHECK (s_has (&b, "# HELP hotline_intake_total "));
    HL_CHECK (s_has (&b, "# TYPE hotline_intake_total counter\n"));
    HL_CHECK (s_has (&b, "hotline_intake_total{channel=\"phone\",outcome=\"accepted\"} 2\n"));
    HL_CHECK (s_has (&b, "hotline_intake_total{channel=\"web\",outcome=\"refused\"} 1\n"));
    HL_CHECK (s_has (&b, "hotline_intake_total{channel=\"unknown\",outcome=\"accepted\"} 1\n"));
    //  Buckets are cumulative; +Inf and _count hold every observation.
    HL_CHECK (s_has (&b, "# TYPE hotline_ack_latency_seconds histogram\n"));
    HL_CHECK (s_has (&b, "hotline_ack_latency_seconds_bucket{le=\"0.0005\"} 1\n"));
    HL_CHECK (s_has (&b, "hotline_ack_latency_seconds_bucket{le=\"0.005\"} 2\n"));
    HL_CHECK (s_has (&b, "hotline_ack_latency_seconds_bucket{le=\"+Inf\"} 3\n"));
    HL_CHECK (s_has (&b, "hotline_ack_latency_seconds_count 3\n"));
    HL_CHECK (s_has (&b, "hotline_ack_latency_seconds_sum 30.003400000\n"));
    HL_CHECK (s_has (&b, "hotline_transitions_total{action=\"sign\"} 2\n"));
    HL_CHECK (s_has (&b, "hotline_transitions_total{action=\"dispatch\"} 0\n"));
    HL_CHECK (s_has (&b, "hotline_timers_fired_total{level=\"warn\"} 1\n"));
    HL_CHECK (s_has (&b, "hotline_timers_fired_total{level=\"overdue\"} 0\n"));
    HL_CHECK (s_has (&b, "hotline_timers_fired_total{level=\"escalate\"} 1\n"));
    HL_CHECK (s_has (&b, "hotline_timer_lag_seconds_count 3\n"));
    HL_CHECK (s_has (&b, "hotline_timer_lag_seconds_bucket{le=\"0.0005\"} 1\n"));
    hl_buf_free (&b);

    hl_metrics_sample (&b, "hotline_open_tickets", NULL, NULL, 42);
    hl_metrics_sample (&b, "hotline_unit_backlog", "unit", "rsj", 7);
    HL_CHECK (s_has (&b, "hotline_open_tickets 42\nhotline_unit_backlog{unit=\"rsj\"} 7\n"));
    hl_buf_free (&b);
    hl_metrics_destroy (&m);
    HL_CHECK (m == NULL);
}

static const hl_test_case_t s_cases[] = {
    { "render", test_render },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
