/*  Unit test of hl_sla_policy: the shipped profiles, deadline and warning
 *  times on the shipped calendar, pauses, recomputation after a calendar
 *  change, and bad policy files.
 */
#include "hl_sla_policy.h"
#include "hl_sla_test.h"

#define HOUR_MS (3600 * INT64_C (1000))
#define MINUTE_MS (60 * INT64_C (1000))

static char s_err[512];

static const char *
s_path (const char *var, const char *fallback)
{
    const char *path = getenv (var);
    return path ? path : fallback;
}

static hl_calendar_t *
s_calendar (void)
{
    hl_calendar_t *cal = hl_calendar_new ();
    if (hl_calendar_load_dir (cal, s_path ("HL_CALENDAR_DIR", "deploy/etc/calendar"),
                              s_err, sizeof s_err)) {
        fprintf (stderr, "calendar: %s\n", s_err);
        exit (1);
    }
    return cal;
}

static hl_sla_policy_t *
s_policy (void)
{
    hl_sla_policy_t *policy = hl_sla_policy_new ();
    if (hl_sla_policy_load (policy, s_path ("HL_SLA_CONF", "deploy/etc/sla.conf"),
                            s_err, sizeof s_err)) {
        fprintf (stderr, "policy: %s\n", s_err);
        exit (1);
    }
    return policy;
}

static hl_sla_ticket_t
s_ticket (hl_sla_type_t type, bool urgent, bool enterprise, const char *tag)
{
    return (hl_sla_ticket_t) { type, urgent, enterprise, tag };
}

static hl_sla_deadline_t
s_due (hl_sla_policy_t *policy, hl_calendar_t *cal, hl_sla_ticket_t ticket,
       hl_sla_milestone_t milestone, const char *start,
       const hl_sla_pause_t *pauses, size_t npauses)
{
    hl_sla_deadline_t deadline;
    int rc = hl_sla_policy_deadline (policy, cal, &ticket, milestone, hl_test_at (start),
                                     pauses, npauses, &deadline);
    CHECK (rc == 0);
    return deadline;
}

static char *
s_limit (hl_sla_policy_t *policy, hl_sla_ticket_t ticket, hl_sla_milestone_t milestone)
{
    static char buf[32];
    hl_sla_rule_t rule;
    CHECK (hl_sla_policy_rule (policy, &ticket, milestone, &rule) == 0);
    return hl_sla_limit_format (rule.limit, buf, sizeof buf);
}

#define CHECK_LIMIT(policy, ticket, milestone, expected) \
    hl_test_report (strcmp (s_limit (policy, ticket, milestone), expected) == 0, \
                    __FILE__, __LINE__, #ticket " " #milestone " = " expected)

static void
s_test_names (void)
{
    CHECK (strcmp (hl_sla_type_name (HL_SLA_COMPLAINT), "complaint") == 0);
    CHECK (strcmp (hl_sla_type_label (HL_SLA_COMPLAINT), "投诉") == 0);
    CHECK_INT (hl_sla_type_parse ("举报"), HL_SLA_REPORT);
    CHECK_INT (hl_sla_type_parse ("thanks"), HL_SLA_THANKS);
    CHECK_INT (hl_sla_type_parse ("Thanks"), -1);
    CHECK_INT (hl_sla_milestone_parse ("回访"), HL_SLA_VISIT);
    CHECK_INT (hl_sla_milestone_parse ("contact"), HL_SLA_CONTACT);
    CHECK (strcmp (hl_sla_milestone_label (HL_SLA_SIGN), "签收") == 0);
    CHECK (strcmp (hl_sla_milestone_name (HL_SLA_REPLY), "reply") == 0);
    static const char *good[] = { "-", "30min", "2h", "7d", "90wmin", "1wh", "15wd", "9999wd" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        hl_sla_limit_t limit;
        char buf[32];
        CHECK (hl_sla_limit_parse (good[i], &limit) == 0);
        hl_test_report (strcmp (hl_sla_limit_format (limit, buf, sizeof buf), good[i]) == 0,
                        __FILE__, __LINE__, good[i]);
    }
    static const char *bad[] = { "", "wd", "0wd", "10000wd", "2w", "2 wd", "-1h", "2WD", "2wdx" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hl_sla_limit_t limit;
        hl_test_report (hl_sla_limit_parse (bad[i], &limit) == -1, __FILE__, __LINE__, bad[i]);
    }
}

//  Which profile a ticket gets, and the limits the shipped file sets.
static void
s_test_profiles (hl_sla_policy_t *policy)
{
    static const struct {
        bool urgent, enterprise;
        const char *tag, *profile;
    } cases[] = {
        { false, false, NULL, "guangdong" },
        { false, true, NULL, "enterprise" },
        { true, false, NULL, "urgent" },
        { true, true, NULL, "urgent" },
        { false, false, "utility-outage", "urgent-outage" },
        { false, true, "utility-outage", "urgent-outage" },
        { true, false, "utility-outage", "urgent" },
        { false, false, "noise", "guangdong" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hl_sla_ticket_t ticket = s_ticket (HL_SLA_HELP, cases[i].urgent,
                                           cases[i].enterprise, cases[i].tag);
        const char *name = hl_sla_policy_profile (policy, &ticket);
        hl_test_report (name && strcmp (name, cases[i].profile) == 0,
                        __FILE__, __LINE__, cases[i].profile);
    }
    hl_sla_ticket_t normal[HL_SLA_TYPES], business[HL_SLA_TYPES];
    for (int t = 0; t < HL_SLA_TYPES; t++) {
        normal[t] = s_ticket ((hl_sla_type_t) t, false, false, NULL);
        business[t] = s_ticket ((hl_sla_type_t) t, false, true, NULL);
    }
    //  Guangdong: 咨询 2, 求助/建议 10, 投诉/举报 15 working days; sign 1.
    CHECK_LIMIT (policy, normal[HL_SLA_INQUIRY], HL_SLA_REPLY, "2wd");
    CHECK_LIMIT (policy, normal[HL_SLA_HELP], HL_SLA_REPLY, "10wd");
    CHECK_LIMIT (policy, normal[HL_SLA_SUGGESTION], HL_SLA_REPLY, "10wd");
    CHECK_LIMIT (policy, normal[HL_SLA_COMPLAINT], HL_SLA_REPLY, "15wd");
    CHECK_LIMIT (policy, normal[HL_SLA_REPORT], HL_SLA_REPLY, "15wd");
    CHECK_LIMIT (policy, normal[HL_SLA_OTHER], HL_SLA_REPLY, "10wd");
    CHECK_LIMIT (policy, normal[HL_SLA_THANKS], HL_SLA_REPLY, "-");
    CHECK_LIMIT (policy, normal[HL_SLA_COMPLAINT], HL_SLA_SIGN, "1wd");
    //  Enterprise: respond in 1 working hour; 1 / 3 / 5 working days.
    CHECK_LIMIT (policy, business[HL_SLA_INQUIRY], HL_SLA_CONTACT, "1wh");
    CHECK_LIMIT (policy, business[HL_SLA_INQUIRY], HL_SLA_REPLY, "1wd");
    CHECK_LIMIT (policy, business[HL_SLA_HELP], HL_SLA_REPLY, "3wd");
    CHECK_LIMIT (policy, business[HL_SLA_COMPLAINT], HL_SLA_REPLY, "5wd");
    //  7x24.
    CHECK_LIMIT (policy, s_ticket (HL_SLA_HELP, true, false, NULL), HL_SLA_REPLY, "2h");
    CHECK_LIMIT (policy, s_ticket (HL_SLA_HELP, false, false, "utility-outage"),
                 HL_SLA_REPLY, "24h");
    hl_sla_rule_t rule;
    hl_sla_ticket_t ticket = normal[HL_SLA_INQUIRY];
    CHECK (hl_sla_policy_rule (policy, &ticket, HL_SLA_REPLY, &rule) == 0);
    CHECK (strcmp (rule.profile, "guangdong") == 0);
    CHECK_INT (rule.day1, HL_CALENDAR_DAY1_NEXT);
    CHECK_INT (rule.warn_pct, 75);
    CHECK_INT (rule.escalate.unit, HL_SLA_WORKING_DAYS);
    CHECK_INT (rule.escalate.amount, 2);
}

//  Deadlines, warnings and escalations on the real calendar.
static void
s_test_deadlines (hl_sla_policy_t *policy, hl_calendar_t *cal)
{
    //  咨询 on a Monday morning: day 1 is Tuesday, due Wednesday at close;
    //  催办 when 75% of the 14 working hours have run.
    hl_sla_ticket_t inquiry = s_ticket (HL_SLA_INQUIRY, false, false, NULL);
    hl_sla_deadline_t d = s_due (policy, cal, inquiry, HL_SLA_REPLY, "2026-03-09 10:00", NULL, 0);
    CHECK_TIME (d.start_ms, "2026-03-10 08:30");
    CHECK_TIME (d.due_ms, "2026-03-11 18:00");
    CHECK_TIME (d.warn_ms, "2026-03-11 12:00");
    CHECK_TIME (d.escalate_ms, "2026-03-13 18:00");
    CHECK_INT (d.flags, HL_SLA_WORKING);
    CHECK_INT (d.paused_ms, 0);
    CHECK_INT (hl_sla_time_left (&d, cal, hl_test_at ("2026-03-11 17:00")), HOUR_MS);
    CHECK_INT (hl_sla_time_left (&d, cal, hl_test_at ("2026-03-12 09:30")), -HOUR_MS);
    //  At receipt the working time left includes the rest of Monday.
    CHECK_INT (hl_sla_time_left (&d, cal, hl_test_at ("2026-03-09 10:00")),
               19 * HOUR_MS + 30 * MINUTE_MS);

    //  投诉 received on the Friday night before 春节 2026: fifteen working
    //  days, starting with the make-up Saturday.
    hl_sla_ticket_t complaint = s_ticket (HL_SLA_COMPLAINT, false, false, NULL);
    d = s_due (policy, cal, complaint, HL_SLA_REPLY, "2026-02-13 21:00", NULL, 0);
    CHECK_TIME (d.start_ms, "2026-02-14 08:30");
    CHECK_TIME (d.due_ms, "2026-03-12 18:00");
    d = s_due (policy, cal, complaint, HL_SLA_SIGN, "2026-02-13 21:00", NULL, 0);
    CHECK_TIME (d.due_ms, "2026-02-14 18:00");

    //  Enterprise 咨询: respond within one working hour, close next day.
    hl_sla_ticket_t business = s_ticket (HL_SLA_INQUIRY, false, true, NULL);
    d = s_due (policy, cal, business, HL_SLA_CONTACT, "2026-03-09 11:30", NULL, 0);
    CHECK_TIME (d.due_ms, "2026-03-09 15:00");
    CHECK_TIME (d.warn_ms, "2026-03-09 14:45");
    d = s_due (policy, cal, business, HL_SLA_REPLY, "2026-03-09 10:00", NULL, 0);
    CHECK_TIME (d.due_ms, "2026-03-10 18:00");
    CHECK_TIME (d.warn_ms, "2026-03-10 16:15");
    CHECK_TIME (d.escalate_ms, "2026-03-11 18:00");

    //  Urgent: clock hours, holidays and nights included.
    hl_sla_ticket_t urgent = s_ticket (HL_SLA_HELP, true, false, NULL);
    d = s_due (policy, cal, urgent, HL_SLA_REPLY, "2026-02-14 23:00", NULL, 0);
    CHECK_TIME (d.start_ms, "2026-02-14 23:00");
    CHECK_TIME (d.warn_ms, "2026-02-15 00:00");
    CHECK_TIME (d.due_ms, "2026-02-15 01:00");
    CHECK_TIME (d.escalate_ms, "2026-02-15 02:00");
    CHECK_INT (d.flags, 0);
    CHECK_INT (hl_sla_time_left (&d, cal, hl_test_at ("2026-02-15 00:30")), 30 * MINUTE_MS);
    d = s_due (policy, cal, urgent, HL_SLA_SIGN, "2026-02-14 23:00", NULL, 0);
    CHECK_TIME (d.due_ms, "2026-02-14 23:30");
    hl_sla_ticket_t outage = s_ticket (HL_SLA_HELP, false, false, "utility-outage");
    d = s_due (policy, cal, outage, HL_SLA_REPLY, "2026-02-15 10:00", NULL, 0);
    CHECK_TIME (d.due_ms, "2026-02-16 10:00");

    //  感谢 needs no reply.
    hl_sla_deadline_t all[HL_SLA_MILESTONES];
    hl_sla_ticket_t thanks = s_ticket (HL_SLA_THANKS, false, false, NULL);
    CHECK (hl_sla_policy_deadlines (policy, cal, &thanks, hl_test_at ("2026-03-09 10:00"), all) == 0);
    CHECK_TIME (all[HL_SLA_SIGN].due_ms, "2026-03-10 18:00");
    CHECK_TIME (all[HL_SLA_CONTACT].due_ms, "2026-03-10 18:00");
    CHECK_INT (all[HL_SLA_REPLY].flags, HL_SLA_NO_LIMIT);
    CHECK_INT (all[HL_SLA_REPLY].due_ms, HL_SLA_NEVER);
    CHECK_INT (all[HL_SLA_REPLY].warn_ms, HL_SLA_NEVER);
    CHECK_INT (all[HL_SLA_VISIT].due_ms, HL_SLA_NEVER);
    CHECK_INT (hl_sla_time_left (&all[HL_SLA_VISIT], cal, 0), HL_SLA_NEVER);
}

//  Pauses stop the clock; the deadline moves by the working time they
//  took. 求助 received Monday 2026-03-09 10:00: ten working days from
//  Tuesday, due Monday 2026-03-23 18:00 (70 working hours).
static void
s_test_pauses (hl_sla_policy_t *policy, hl_calendar_t *cal)
{
    hl_sla_ticket_t help = s_ticket (HL_SLA_HELP, false, false, NULL);
    const char *received = "2026-03-09 10:00";
    hl_sla_deadline_t d = s_due (policy, cal, help, HL_SLA_REPLY, received, NULL, 0);
    CHECK_TIME (d.due_ms, "2026-03-23 18:00");
    CHECK_TIME (d.warn_ms, "2026-03-19 12:00");

    //  Waiting a day for material from the caller: 7 working hours.
    hl_sla_pause_t material = { hl_test_at ("2026-03-11 14:30"), hl_test_at ("2026-03-12 14:30") };
    d = s_due (policy, cal, help, HL_SLA_REPLY, received, &material, 1);
    CHECK_TIME (d.due_ms, "2026-03-24 18:00");
    CHECK_TIME (d.warn_ms, "2026-03-20 12:00");
    CHECK_INT (d.paused_ms, 7 * HOUR_MS);

    //  A pause over the weekend takes no working time.
    hl_sla_pause_t weekend = { hl_test_at ("2026-03-13 18:30"), hl_test_at ("2026-03-16 08:00") };
    d = s_due (policy, cal, help, HL_SLA_REPLY, received, &weekend, 1);
    CHECK_TIME (d.due_ms, "2026-03-23 18:00");
    CHECK_INT (d.paused_ms, 0);

    //  Still paused: no due moment until the clock runs again; a warning
    //  that fell before the pause stays.
    hl_sla_pause_t open = { hl_test_at ("2026-03-12 10:00"), HL_SLA_OPEN };
    d = s_due (policy, cal, help, HL_SLA_REPLY, received, &open, 1);
    CHECK_INT (d.due_ms, HL_SLA_NEVER);
    CHECK_INT (d.warn_ms, HL_SLA_NEVER);
    CHECK_INT (d.escalate_ms, HL_SLA_NEVER);
    CHECK (d.flags & HL_SLA_PAUSED);
    CHECK_INT (hl_sla_time_left (&d, cal, hl_test_at ("2026-03-13 10:00")), HL_SLA_NEVER);
    open.from_ms = hl_test_at ("2026-03-20 09:00");
    d = s_due (policy, cal, help, HL_SLA_REPLY, received, &open, 1);
    CHECK_TIME (d.warn_ms, "2026-03-19 12:00");
    CHECK_INT (d.due_ms, HL_SLA_NEVER);

    //  ... and resumed on Monday: Thursday 10:00 to Monday 10:00 is 14
    //  working hours.
    hl_sla_pause_t resumed = { hl_test_at ("2026-03-12 10:00"), hl_test_at ("2026-03-16 10:00") };
    d = s_due (policy, cal, help, HL_SLA_REPLY, received, &resumed, 1);
    CHECK_TIME (d.due_ms, "2026-03-25 18:00");
    CHECK_TIME (d.escalate_ms, "2026-03-27 18:00");
    CHECK_INT (d.paused_ms, 14 * HOUR_MS);
    CHECK (!(d.flags & HL_SLA_PAUSED));

    //  Overlapping records, out of order (material, then a return review),
    //  stop the clock once: Wed 14:30 to Thu 16:00 is 8.5 working hours.
    //  A pause after the (moved) deadline, one before the clock started
    //  and an inverted one change nothing.
    hl_sla_pause_t several[] = {
        { hl_test_at ("2026-03-25 11:00"), hl_test_at ("2026-03-26 10:00") },
        { hl_test_at ("2026-03-12 09:00"), hl_test_at ("2026-03-12 16:00") },
        { hl_test_at ("2026-03-09 11:00"), hl_test_at ("2026-03-09 12:00") },
        { hl_test_at ("2026-03-11 14:30"), hl_test_at ("2026-03-12 14:30") },
        { hl_test_at ("2026-03-18 10:00"), hl_test_at ("2026-03-17 10:00") },
    };
    d = s_due (policy, cal, help, HL_SLA_REPLY, received, several, 5);
    CHECK_TIME (d.due_ms, "2026-03-25 10:00");
    CHECK_INT (d.paused_ms, 8 * HOUR_MS + 30 * MINUTE_MS);

    //  An approved extension over 春节 2026 (a pause of nine calendar days
    //  holding three working ones) and a pause in clock time.
    hl_sla_ticket_t inquiry = s_ticket (HL_SLA_INQUIRY, false, false, NULL);
    hl_sla_pause_t extension = { hl_test_at ("2026-02-12 08:30"), hl_test_at ("2026-02-24 08:30") };
    d = s_due (policy, cal, inquiry, HL_SLA_REPLY, "2026-02-11 09:00", &extension, 1);
    CHECK_TIME (d.due_ms, "2026-02-25 18:00");
    CHECK_INT (d.paused_ms, 3 * 7 * HOUR_MS);
    hl_sla_ticket_t urgent = s_ticket (HL_SLA_HELP, true, false, NULL);
    hl_sla_pause_t half_hour = { hl_test_at ("2026-02-14 10:30"), hl_test_at ("2026-02-14 11:00") };
    d = s_due (policy, cal, urgent, HL_SLA_REPLY, "2026-02-14 10:00", &half_hour, 1);
    CHECK_TIME (d.due_ms, "2026-02-14 12:30");
    CHECK_TIME (d.warn_ms, "2026-02-14 11:30");
    CHECK_INT (d.paused_ms, 30 * MINUTE_MS);
}

//  A deadline computed before next year's calendar arrived is marked
//  provisional and moves when the file is loaded.
static void
s_test_recompute (hl_sla_policy_t *policy)
{
    hl_calendar_t *cal = hl_calendar_new ();
    char path[512];
    snprintf (path, sizeof path, "%s/2025.conf", s_path ("HL_CALENDAR_DIR", "deploy/etc/calendar"));
    CHECK (hl_calendar_load_file (cal, path, s_err, sizeof s_err) == 0);
    hl_sla_ticket_t complaint = s_ticket (HL_SLA_COMPLAINT, false, false, NULL);
    //  The statutory guess knows 春节 02-16..19 but not the published
    //  02-15..23 and the make-up Saturday 02-14.
    const char *received = "2026-01-30 10:00";
    hl_sla_deadline_t before = s_due (policy, cal, complaint, HL_SLA_REPLY, received, NULL, 0);
    CHECK (before.flags & HL_CALENDAR_PROVISIONAL);
    CHECK_TIME (before.due_ms, "2026-02-26 18:00");

    snprintf (path, sizeof path, "%s/2026.conf", s_path ("HL_CALENDAR_DIR", "deploy/etc/calendar"));
    CHECK (hl_calendar_load_file (cal, path, s_err, sizeof s_err) == 0);
    hl_sla_deadline_t after = s_due (policy, cal, complaint, HL_SLA_REPLY, received, NULL, 0);
    CHECK (!(after.flags & HL_CALENDAR_PROVISIONAL));
    CHECK_TIME (after.due_ms, "2026-02-27 18:00");
    hl_calendar_destroy (&cal);
}

//  "N working days" under a profile's day-1 convention, as hotline
//  deadline asks; provisional past the loaded calendar files.
static void
s_test_working_days_rule (hl_sla_policy_t *policy, hl_calendar_t *cal)
{
    hl_sla_rule_t rule;
    hl_sla_deadline_t d;
    CHECK (hl_sla_policy_working_days_rule (policy, NULL, 2, &rule) == 0);
    CHECK (strcmp (rule.profile, "guangdong") == 0);
    hl_sla_rule_compute (&rule, cal, hl_test_at ("2026-03-09 10:00"), NULL, 0, &d);
    CHECK_TIME (d.due_ms, "2026-03-11 18:00");
    CHECK (d.warn_ms == HL_SLA_NEVER && d.escalate_ms == HL_SLA_NEVER);
    CHECK (!(d.flags & HL_CALENDAR_PROVISIONAL));
    CHECK (hl_sla_policy_working_days_rule (policy, "urgent", 2, &rule) == 0);
    CHECK (strcmp (rule.profile, "urgent") == 0);
    CHECK (hl_sla_policy_working_days_rule (policy, "no-such-profile", 2, &rule) == -1);
    //  Into 2027, which has no file: 元旦 is skipped, and it says so.
    CHECK (hl_sla_policy_working_days_rule (policy, NULL, 10, &rule) == 0);
    hl_sla_rule_compute (&rule, cal, hl_test_at ("2026-12-28 10:00"), NULL, 0, &d);
    CHECK_TIME (d.due_ms, "2027-01-12 18:00");
    CHECK (d.flags & HL_CALENDAR_PROVISIONAL);
    hl_sla_policy_t *empty = hl_sla_policy_new ();
    CHECK (hl_sla_policy_working_days_rule (empty, NULL, 2, &rule) == -1);
    hl_sla_policy_destroy (&empty);
}

//  A small policy to exercise the format: per-line day-1, overrides,
//  calendar days, working minutes.
static void
s_test_custom (hl_calendar_t *cal)
{
    hl_sla_policy_t *policy = hl_sla_policy_new ();
    hl_sla_ticket_t ticket = s_ticket (HL_SLA_OTHER, false, false, NULL);
    hl_sla_rule_t rule;
    hl_sla_deadline_t d;
    CHECK (hl_sla_policy_profile (policy, &ticket) == NULL);
    CHECK (hl_sla_policy_rule (policy, &ticket, HL_SLA_REPLY, &rule) == -1);
    CHECK (hl_sla_policy_deadline (policy, cal, &ticket, HL_SLA_REPLY, 0, NULL, 0, &d) == -1);
    uint64_t generation = hl_sla_policy_generation (policy);
    const char *text =
        "profile beijing   # calendar time\n"
        "  day1 receipt\n"
        "  warn -\n"
        "  escalate 3d\n"
        "  签收 * 90wmin\n"
        "  响应 * 1wd next\n"
        "  答复 * 7d\n"
        "  答复 投诉,complaint 15d next\n"
        "  回访 * -\n"
        "select beijing *\n";
    CHECK (hl_sla_policy_load_string (policy, text, "beijing.conf", s_err, sizeof s_err) == 0);
    CHECK (hl_sla_policy_generation (policy) > generation);
    const char *received = "2026-03-09 10:00";
    d = s_due (policy, cal, ticket, HL_SLA_REPLY, received, NULL, 0);
    CHECK_TIME (d.start_ms, received);
    CHECK_TIME (d.due_ms, "2026-03-16 00:00");
    CHECK_INT (d.warn_ms, HL_SLA_NEVER);
    CHECK_TIME (d.escalate_ms, "2026-03-19 00:00");    //  3 x 24 h after
    ticket.type = HL_SLA_COMPLAINT;
    d = s_due (policy, cal, ticket, HL_SLA_REPLY, received, NULL, 0);
    CHECK_TIME (d.start_ms, "2026-03-10 00:00");
    CHECK_TIME (d.due_ms, "2026-03-25 00:00");
    d = s_due (policy, cal, ticket, HL_SLA_SIGN, "2026-03-09 11:00", NULL, 0);
    CHECK_TIME (d.due_ms, "2026-03-09 15:00");
    d = s_due (policy, cal, ticket, HL_SLA_CONTACT, received, NULL, 0);
    CHECK_TIME (d.due_ms, "2026-03-10 18:00");
    d = s_due (policy, cal, ticket, HL_SLA_VISIT, received, NULL, 0);
    CHECK_INT (d.flags, HL_SLA_NO_LIMIT);
    //  Receipt convention in working days: received in office hours, day
    //  1 is today and the clock starts at receipt, so 75% of the 5.5
    //  working hours left today have run at 16:37:30.
    CHECK (hl_sla_policy_load_string (policy, "profile p\n day1 receipt\n sign * 1wd\n"
                                      " contact * 1wd\n reply * 1wd\n visit * 1wd\nselect p\n",
                                      "p.conf", s_err, sizeof s_err) == 0);
    d = s_due (policy, cal, ticket, HL_SLA_REPLY, received, NULL, 0);
    CHECK_TIME (d.start_ms, received);
    CHECK_TIME (d.due_ms, "2026-03-09 18:00");
    CHECK_TIME (d.warn_ms, "2026-03-09 16:37:30");
    hl_sla_policy_destroy (&policy);
    CHECK (policy == NULL);
    hl_sla_policy_destroy (&policy);
}

//  One bad policy: refused, message names file and line, policy untouched.
static void
s_check_bad (hl_sla_policy_t *policy, const char *text, const char *expect)
{
    uint64_t generation = hl_sla_policy_generation (policy);
    s_err[0] = 0;
    int rc = hl_sla_policy_load_string (policy, text, "sla.conf", s_err, sizeof s_err);
    hl_test_report (rc == -1, __FILE__, __LINE__, expect);
    if (!strstr (s_err, expect))
        fprintf (stderr, "  expected '%s' in '%s'\n", expect, s_err);
    hl_test_report (strstr (s_err, expect) != NULL, __FILE__, __LINE__, expect);
    CHECK (hl_sla_policy_generation (policy) == generation);
}

static void
s_test_bad_files (hl_sla_policy_t *policy)
{
    #define FULL "profile p\n sign * 1wd\n contact * 1wd\n reply * 2wd\n visit * 2wd\n"
    s_check_bad (policy, "", "sla.conf: no profile");
    s_check_bad (policy, FULL, "sla.conf: no select line without conditions");
    s_check_bad (policy, FULL "select p urgency=urgent\n", "sla.conf: no select line without");
    s_check_bad (policy, FULL "select q\n", "sla.conf: select on line 6: unknown profile 'q'");
    s_check_bad (policy, FULL "select p\nselect p enterprise=yes\n",
                 "sla.conf:7: select never reached: line 6");
    s_check_bad (policy, FULL "select p urgency=high\n", "sla.conf:6: bad or repeated condition");
    s_check_bad (policy, FULL "select p urgency=urgent urgency=normal\n",
                 "sla.conf:6: bad or repeated condition 'urgency=normal'");
    s_check_bad (policy, FULL "select p colour=red\n", "sla.conf:6: unknown condition 'colour=red'");
    s_check_bad (policy, FULL "select p tag=a/b\n", "sla.conf:6: bad or repeated condition");
    s_check_bad (policy, FULL "profile p\n", "sla.conf:6: profile 'p' is already defined on line 1");
    s_check_bad (policy, "profile\n", "sla.conf:1: expected 'profile NAME'");
    s_check_bad (policy, "profile a.b\n", "sla.conf:1: expected 'profile NAME'");
    s_check_bad (policy, "sign * 1wd\n", "sla.conf:1: 'sign' outside a profile");
    s_check_bad (policy, FULL "select p\nwarn 50%\n", "sla.conf:7: 'warn' outside a profile");
    s_check_bad (policy, "profile p\n respond * 1wd\n", "sla.conf:2: unknown directive 'respond'");
    s_check_bad (policy, "profile p\n reply * 2w\n", "sla.conf:2: bad limit '2w'");
    s_check_bad (policy, "profile p\n reply * 0wd\n", "sla.conf:2: bad limit '0wd'");
    s_check_bad (policy, "profile p\n reply *\n", "sla.conf:2: expected 'reply TYPES LIMIT");
    s_check_bad (policy, "profile p\n reply * 2wd soon\n", "sla.conf:2: day1 is 'receipt' or 'next'");
    s_check_bad (policy, "profile p\n reply inquiry,gossip 2wd\n",
                 "sla.conf:2: unknown request type 'gossip'");
    s_check_bad (policy, "profile p\n reply , 2wd\n", "sla.conf:2: no request type in ','");
    s_check_bad (policy, "profile p\n warn 0%\n", "sla.conf:2: warn is a share");
    s_check_bad (policy, "profile p\n warn 100%\n", "sla.conf:2: warn is a share");
    s_check_bad (policy, "profile p\n warn 75\n", "sla.conf:2: warn is a share");
    s_check_bad (policy, "profile p\n warn many%\n", "sla.conf:2: warn is a share");
    s_check_bad (policy, "profile p\n warn 50% 60%\n", "sla.conf:2: 'warn' takes one value");
    s_check_bad (policy, "profile p\n day1 today\n", "sla.conf:2: day1 is 'receipt' or 'next'");
    s_check_bad (policy, "profile p\n escalate soon\n", "sla.conf:2: bad limit 'soon'");
    s_check_bad (policy, "profile p\n sign * 1wd\n contact * 1wd\n reply inquiry 2wd\n"
                 " visit * 2wd\nselect p\n",
                 "sla.conf: profile 'p' (line 1) has no reply limit for help");
    CHECK (hl_sla_policy_load (policy, "/nonexistent/sla.conf", s_err, sizeof s_err) == -1);
    CHECK_ERR (s_err, "/nonexistent/sla.conf: ");

    //  Still the shipped policy.
    hl_sla_ticket_t ticket = s_ticket (HL_SLA_HELP, false, true, NULL);
    CHECK (strcmp (hl_sla_policy_profile (policy, &ticket), "enterprise") == 0);
    CHECK_LIMIT (policy, ticket, HL_SLA_REPLY, "3wd");
}

int
main (void)
{
    hl_calendar_t *cal = s_calendar ();
    hl_sla_policy_t *policy = s_policy ();
    s_test_names ();
    s_test_profiles (policy);
    s_test_deadlines (policy, cal);
    s_test_pauses (policy, cal);
    s_test_recompute (policy);
    s_test_working_days_rule (policy, cal);
    s_test_custom (cal);
    s_test_bad_files (policy);
    hl_sla_policy_destroy (&policy);
    hl_calendar_destroy (&cal);
    return hl_test_done ("hl_sla_policy");
}
