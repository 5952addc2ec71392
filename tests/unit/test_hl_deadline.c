/*  Unit test of hl_deadline: the daemon's view of the SLA policy and the
 *  working calendar (the shipped deploy/etc files), its manual clock, and
 *  reloads that either replace both files or change nothing. The policy
 *  and the calendar themselves are tested in sla/. */
#include "hl_deadline.h"
#include "hl_test.h"
#include "hotline.pb-c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_MIN 60000LL
#define S_HOUR (60 * S_MIN)

//  Beijing time as Unix milliseconds.
static int64_t
s_at (int y, int mo, int d, int h, int mi)
{
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                     .tm_min = mi };
    return ((int64_t) timegm (&tm) - 8 * 3600) * 1000;
}

static const char *
s_policy (void)
{
    return getenv ("HL_SLA") ? getenv ("HL_SLA") : "deploy/etc/sla.conf";
}

static const char *
s_calendar (void)
{
    return getenv ("HL_CALENDAR") ? getenv ("HL_CALENDAR") : "deploy/etc/calendar";
}

static hl_deadline_facts_t
s_facts (int type, int urgent, int enterprise, const char *tag)
{
    hl_deadline_facts_t f = { .request_type = type, .urgent = urgent, .enterprise = enterprise };
    snprintf (f.tag, sizeof f.tag, "%s", tag);
    return f;
}

//  A deadline object on the shipped files, its manual clock at START.
static hl_deadline_t *
s_deadline_at (int64_t start)
{
    char err[256];
    hl_deadline_t *d = hl_deadline_new (s_policy (), s_calendar (), start, err, sizeof err);
    HL_CHECK (d != NULL);
    return d;
}

static void
test_clock_and_names (void)
{
    char err[256];
    int64_t start = s_at (2026, 11, 25, 10, 0);
    hl_deadline_t *d = s_deadline_at (start);
    if (!d)
        return;
    HL_CHECK (hl_deadline_clock_is_manual (d));
    HL_CHECK (hl_deadline_now (d) == start);
    hl_deadline_clock_set (d, start + S_HOUR);
    HL_CHECK (hl_deadline_now (d) == start + S_HOUR);
    const char *names[] = { "sign", "contact", "reply", "visit" };
    for (int i = 0; i < 4; i++) {
        HL_CHECK (hl_deadline_milestone_parse (names[i]) == i);
        HL_CHECK_STR (hl_deadline_milestone_name (i), names[i]);
    }
    HL_CHECK (hl_deadline_milestone_parse ("close") == -1);

    hl_deadline_facts_t f = s_facts (HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, 0, "");
    HL_CHECK_STR (hl_deadline_profile (d, &f), "guangdong");
    f.enterprise = 1;
    HL_CHECK_STR (hl_deadline_profile (d, &f), "enterprise");
    f = s_facts (HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, 1, "utility-outage");
    HL_CHECK_STR (hl_deadline_profile (d, &f), "urgent-outage");
    f.urgent = 1;
    HL_CHECK_STR (hl_deadline_profile (d, &f), "urgent");
    hl_deadline_destroy (&d);
    HL_CHECK (d == NULL);

    //  Without a start, the real clock.
    d = hl_deadline_new (s_policy (), s_calendar (), 0, err, sizeof err);
    HL_CHECK (d && !hl_deadline_clock_is_manual (d));
    hl_deadline_destroy (&d);
    HL_CHECK (hl_deadline_new ("/nonexistent/sla.conf", s_calendar (), 0, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "/nonexistent/sla.conf") != NULL);
}

//  Urgent matters run 7x24 in clock time: 2 hours to reply, reminded at
//  half time, escalated an hour after; a pause moves all three.
static void
test_clock_time (void)
{
    int64_t start = s_at (2026, 11, 28, 23, 0);           //  a Saturday night
    hl_deadline_t *d = s_deadline_at (start);
    if (!d)
        return;
    hl_deadline_facts_t f = s_facts (HOTLINE__REQUEST_TYPE__REQUEST_HELP, 1, 0, "");
    hl_sla_deadline_t out;
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 0, &out) == 0);
    HL_CHECK (out.due_ms == start + 2 * S_HOUR);
    HL_CHECK (out.warn_ms == start + S_HOUR);
    HL_CHECK (out.escalate_ms == start + 3 * S_HOUR);
    HL_CHECK (!(out.flags & HL_SLA_WORKING));
    HL_CHECK (hl_deadline_left (d, &out, start + 30 * S_MIN) == 90 * S_MIN);

    char pauses[96];
    snprintf (pauses, sizeof pauses, "%lld-%lld", (long long) (start + 10 * S_MIN),
              (long long) (start + 40 * S_MIN));
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, pauses, 0, &out) == 0);
    HL_CHECK (out.due_ms == start + 2 * S_HOUR + 30 * S_MIN);
    HL_CHECK (out.paused_ms == 30 * S_MIN);
    //  A pause still open stops the clock: no deadline while it lasts.
    snprintf (pauses, sizeof pauses, "%lld-", (long long) (start + 10 * S_MIN));
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, pauses, 0, &out) == 0);
    HL_CHECK (out.flags & HL_SLA_PAUSED);
    hl_deadline_destroy (&d);
}

//  The Guangdong default counts working days, day 1 the day after
//  receipt: an inquiry taken on a Wednesday is due at the end of Friday's
//  office hours; an approved extension adds working days after that.
static void
test_working_time (void)
{
    int64_t start = s_at (2026, 11, 25, 10, 0);           //  Wednesday
    hl_deadline_t *d = s_deadline_at (start);
    if (!d)
        return;
    hl_deadline_facts_t f = s_facts (HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, 0, "");
    hl_sla_deadline_t plain, extended;
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 0, &plain) == 0);
    HL_CHECK (plain.flags & HL_SLA_WORKING);
    HL_CHECK (plain.due_ms == s_at (2026, 11, 27, 18, 0));
    HL_CHECK (plain.warn_ms < plain.due_ms && plain.due_ms < plain.escalate_ms);
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 3, &extended) == 0);
    HL_CHECK (extended.due_ms == s_at (2026, 12, 2, 18, 0));     //  Mon, Tue, Wed
    HL_CHECK (extended.warn_ms - plain.warn_ms == extended.due_ms - plain.due_ms);
    //  Extensions are for the reply only.
    hl_sla_deadline_t sign, sign_ext;
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_SIGN, start, "", 0, &sign) == 0);
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_SIGN, start, "", 3, &sign_ext) == 0);
    HL_CHECK (sign.due_ms == sign_ext.due_ms);
    //  Thanks need no answer.
    f.request_type = HOTLINE__REQUEST_TYPE__REQUEST_THANKS;
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 0, &plain) == 0);
    HL_CHECK ((plain.flags & HL_SLA_NO_LIMIT) && plain.due_ms == HL_SLA_NEVER);
    hl_deadline_destroy (&d);
}

//  With the shipped files (2025, 2026): 37 days of calendar are left on
//  2026-11-25 (to the end of December), none in 2027; a limit reaching
//  into 2027 is provisional (and skips 元旦), an earlier one is not.
static void
test_calendar_left (void)
{
    int64_t start = s_at (2026, 11, 25, 10, 0);
    hl_deadline_t *d = s_deadline_at (start);
    if (!d)
        return;
    HL_CHECK (hl_deadline_calendar_days_left (d) == 37);
    hl_deadline_clock_set (d, s_at (2026, 12, 31, 23, 59));
    HL_CHECK (hl_deadline_calendar_days_left (d) == 1);
    hl_deadline_clock_set (d, s_at (2027, 1, 5, 9, 0));
    HL_CHECK (hl_deadline_calendar_days_left (d) == 0);
    hl_deadline_facts_t f = s_facts (HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, 0, "");
    hl_sla_deadline_t out;
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 0, &out) == 0);
    HL_CHECK (!(out.flags & HL_CALENDAR_PROVISIONAL));
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_SIGN, s_at (2026, 12, 31, 10, 0), "", 0, &out) == 0);
    HL_CHECK ((out.flags & HL_CALENDAR_PROVISIONAL) && out.due_ms == s_at (2027, 1, 4, 18, 0));
    //  An extension that runs into 2027 makes the reply provisional too.
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 15, &out) == 0);
    HL_CHECK (out.flags & HL_CALENDAR_PROVISIONAL);
    hl_deadline_destroy (&d);
}

//  A reload replaces the policy and the calendar together, or nothing.
static void
test_reload (void)
{
    char path[] = "/tmp/hl-deadline-XXXXXX", err[256], cmd[600];
    close (mkstemp (path));
    snprintf (cmd, sizeof cmd, "cp '%s' '%s'", s_policy (), path);
    HL_CHECK (system (cmd) == 0);
    int64_t start = s_at (2026, 11, 28, 23, 0);
    hl_deadline_t *d = hl_deadline_new (path, s_calendar (), start, err, sizeof err);
    HL_CHECK (d != NULL);
    if (!d)
        return;
    uint64_t generation = hl_deadline_generation (d);
    hl_deadline_facts_t f = s_facts (HOTLINE__REQUEST_TYPE__REQUEST_HELP, 1, 0, "");
    hl_sla_deadline_t out;

    FILE *fp = fopen (path, "a");
    fputs ("profile broken\n    reply  *  soon\n", fp);
    fclose (fp);
    HL_CHECK (hl_deadline_reload (d, err, sizeof err) == -1);
    HL_CHECK (strstr (err, path) != NULL);
    HL_CHECK (hl_deadline_generation (d) == generation);
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 0, &out) == 0);
    HL_CHECK (out.due_ms == start + 2 * S_HOUR);

    //  Urgent replies now in 1 hour: in force after the reload.
    snprintf (cmd, sizeof cmd, "sed -e 's/^    reply     \\*                       2h$/"
              "    reply     *                       1h/' '%s' > '%s'", s_policy (), path);
    HL_CHECK (system (cmd) == 0);
    HL_CHECK (hl_deadline_reload (d, err, sizeof err) == 0);
    HL_CHECK (hl_deadline_generation (d) == generation + 1);
    HL_CHECK (hl_deadline_compute (d, &f, HL_SLA_REPLY, start, "", 0, &out) == 0);
    HL_CHECK (out.due_ms == start + S_HOUR);
    hl_deadline_destroy (&d);
    unlink (path);
}

static const hl_test_case_t s_cases[] = {
    { "clock_and_names", test_clock_and_names },
    { "clock_time", test_clock_time },
    { "working_time", test_working_time },
    { "reload", test_reload },
    { "calendar_left", test_calendar_left },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
