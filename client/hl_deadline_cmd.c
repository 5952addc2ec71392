/*  hl_deadline_cmd: "hotline deadline". See hl_deadline_cmd.h. */
#include "hl_deadline_cmd.h"
#include "hl_buf.h"
#include "hl_calendar.h"
#include "hl_sla_conf.h"
#include "hl_sla_policy.h"

#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *received;
    const char *working_days;
    const char *profile;                //  NULL: an ordinary ticket's
    const char *policy_path;
    const char *calendar_dir;
} s_args_t;

//  Every failure goes through here: one message, exit status 1.
static int s_fail (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static int
s_fail (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    fprintf (stderr, "hotline deadline: ");
    vfprintf (stderr, fmt, ap);
    fprintf (stderr, "\n");
    va_end (ap);
    return 1;
}

static int
s_parse_args (int argc, char **argv, s_args_t *a)
{
    static const struct option longopts[] = {
        { "received", 1, 0, 'r' }, { "working-days", 1, 0, 'n' }, { "profile", 1, 0, 'p' },
        { "sla", 1, 0, 's' }, { "calendar-dir", 1, 0, 'c' }, { 0, 0, 0, 0 }
    };
    *a = (s_args_t) { .policy_path = HL_SLA_CONF_DEFAULT_POLICY,
                      .calendar_dir = HL_SLA_CONF_DEFAULT_CALENDAR_DIR };
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        const char **slot = opt == 'r' ? &a->received : opt == 'n' ? &a->working_days
                          : opt == 'p' ? &a->profile : opt == 's' ? &a->policy_path
                          : opt == 'c' ? &a->calendar_dir : NULL;
        if (!slot)
            return s_fail ("unknown or incomplete option %s; usage: hotline deadline "
                           "--received \"YYYY-MM-DD HH:MM\" --working-days N [--profile P] "
                           "[--sla FILE] [--calendar-dir DIR] [--json]", argv[optind - 1]);
        *slot = optarg;
    }
    if (optind < argc)
        return s_fail ("unexpected argument '%s'", argv[optind]);
    if (!a->received || !a->working_days)
        return s_fail ("--received and --working-days are required");
    return 0;
}

//  N in 1..HL_SLA_AMOUNT_MAX, all digits; -1 otherwise.
static int
s_working_days (const char *text)
{
    char *end;
    long n = strtol (text, &end, 10);
    bool digits = text[0] >= '0' && text[0] <= '9' && !*end;
    return digits && n >= 1 && n <= HL_SLA_AMOUNT_MAX ? (int) n : -1;
}

//  T as ISO 8601 in Beijing time with its offset: 2027-01-12T18:00:00+08:00.
static char *
s_iso (int64_t t, char *buf, size_t buflen)
{
    char local[32];
    hl_calendar_format (t, local, sizeof local);
    local[10] = 'T';
    snprintf (buf, buflen, "%s+08:00", local);
    return buf;
}

static void
s_print (const s_args_t *a, const hl_sla_rule_t *rule, int64_t received, int n,
         const hl_sla_deadline_t *d, int64_t until, bool json)
{
    char due[40], from[40], end[40];
    s_iso (d->due_ms, due, sizeof due);
    s_iso (received, from, sizeof from);
    hl_calendar_format (until, end, sizeof end);
    end[10] = 0;
    bool provisional = (d->flags & HL_CALENDAR_PROVISIONAL) != 0;
    const char *day1 = rule->day1 == HL_CALENDAR_DAY1_NEXT ? "next" : "receipt";
    if (json) {
        hl_buf_t b = HL_BUF_INIT;
        hl_buf_puts (&b, "{");
        hl_json_kv_str (&b, "due", due, strlen (due), 1);
        hl_json_kv_int (&b, "due_ms", d->due_ms, 0);
        hl_json_kv_bool (&b, "provisional", provisional, 0);
        hl_json_kv_str (&b, "received", from, strlen (from), 0);
        hl_json_kv_int (&b, "working_days", n, 0);
        hl_json_kv_str (&b, "profile", rule->profile, strlen (rule->profile), 0);
        hl_json_kv_str (&b, "day1", day1, strlen (day1), 0);
        hl_json_kv_str (&b, "provisional_from", end, strlen (end), 0);
        hl_buf_puts (&b, "}\n");
        fputs (b.data, stdout);
        hl_buf_free (&b);
        return;
    }
    char when[32];
    hl_calendar_format (d->due_ms, when, sizeof when);
    when[16] = 0;
    printf ("%s  (%d working days, profile %s, day 1 %s)\n", when, n, rule->profile, day1);
    if (provisional)
        printf ("provisional: the calendar files in %s cover the days before %s; from then "
                "on statutory holidays are assumed, no make-up workdays\n", a->calendar_dir, end);
}

int
hl_deadline_cmd (int argc, char **argv, bool json)
{
    s_args_t a;
    if (s_parse_args (argc, argv, &a) != 0)
        return 1;
    int64_t received;
    if (hl_calendar_parse_local (a.received, &received) != 0)
        return s_fail ("--received '%s': expected \"YYYY-MM-DD HH:MM\" (Beijing time)",
                       a.received);
    int n = s_working_days (a.working_days);
    if (n < 0)
        return s_fail ("--working-days '%s': expected a whole number from 1 to %d",
                       a.working_days, HL_SLA_AMOUNT_MAX);
    char err[1024];
    hl_calendar_t *calendar = hl_calendar_new ();
    hl_sla_policy_t *policy = hl_sla_policy_new ();
    hl_sla_rule_t rule;
    int rc = 1;
    if (hl_calendar_load_dir (calendar, a.calendar_dir, err, sizeof err) != 0
     || hl_sla_policy_load (policy, a.policy_path, err, sizeof err) != 0)
        s_fail ("%s", err);
    else
    if (hl_sla_policy_working_days_rule (policy, a.profile, n, &rule) != 0)
        s_fail ("no profile '%s' in %s", a.profile, a.policy_path);
    else {
        hl_sla_deadline_t d;
        hl_sla_rule_compute (&rule, calendar, received, NULL, 0, &d);
        s_print (&a, &rule, received, n, &d, hl_calendar_loaded_until (calendar, received), json);
        rc = 0;
    }
    hl_sla_policy_destroy (&policy);
    hl_calendar_destroy (&calendar);
    return rc;
}
