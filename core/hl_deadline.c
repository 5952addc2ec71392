/*  hl_deadline: SLA arithmetic for hotlined. See hl_deadline.h. */
#include "hl_deadline.h"
#include "hl_clock.h"
#include "hotline.pb-c.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PAUSES_MAX 32

struct hl_deadline {
    char policy_path[512];
    char calendar_dir[512];
    hl_sla_policy_t *policy;
    hl_calendar_t *calendar;
    hl_clock_t *clock;
    uint64_t generation;
};

static const char *s_milestones[] = { "sign", "contact", "reply", "visit" };

//  hotline's request types and the policy's share their order but not
//  their numbering: the wire's start at 1.
static hl_sla_type_t
s_type (int request_type)
{
    int t = request_type - HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY;
    return t >= 0 && t < HL_SLA_TYPES ? (hl_sla_type_t) t : HL_SLA_OTHER;
}

static int
s_load (hl_deadline_t *self, hl_sla_policy_t **policy, hl_calendar_t **calendar,
        char *err, size_t errlen)
{
    *policy = hl_sla_policy_new ();
    *calendar = hl_calendar_new ();
    if (hl_sla_policy_load (*policy, self->policy_path, err, errlen) == 0
        && hl_calendar_load_dir (*calendar, self->calendar_dir, err, errlen) == 0)
        return 0;
    hl_sla_policy_destroy (policy);
    hl_calendar_destroy (calendar);
    return -1;
}

hl_deadline_t *
hl_deadline_new (const char *policy, const char *calendar_dir, int64_t clock_start_ms,
                 char *err, size_t errlen)
{
    hl_deadline_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    snprintf (self->policy_path, sizeof self->policy_path, "%s", policy);
    snprintf (self->calendar_dir, sizeof self->calendar_dir, "%s", calendar_dir);
    if (s_load (self, &self->policy, &self->calendar, err, errlen) != 0) {
        free (self);
        return NULL;
    }
    self->clock = clock_start_ms > 0 ? hl_clock_new_manual (clock_start_ms) : hl_clock_new_real ();
    self->generation = 1;
    return self;
}

void
hl_deadline_destroy (hl_deadline_t **self_p)
{
    assert (self_p);
    hl_deadline_t *self = *self_p;
    if (!self)
        return;
    hl_sla_policy_destroy (&self->policy);
    hl_calendar_destroy (&self->calendar);
    hl_clock_destroy (&self->clock);
    free (self);
    *self_p = NULL;
}

int
hl_deadline_reload (hl_deadline_t *self, char *err, size_t errlen)
{
    hl_sla_policy_t *policy;
    hl_calendar_t *calendar;
    if (s_load (self, &policy, &calendar, err, errlen) != 0)
        return -1;
    hl_sla_policy_destroy (&self->policy);
    hl_calendar_destroy (&self->calendar);
    self->policy = policy;
    self->calendar = calendar;
    self->generation++;
    return 0;
}

uint64_t
hl_deadline_generation (const hl_deadline_t *self)
{
    return self->generation;
}

int64_t
hl_deadline_now (hl_deadline_t *self)
{
    return hl_clock_now_ms (self->clock);
}

int
hl_deadline_clock_is_manual (hl_deadline_t *self)
{
    return hl_clock_is_manual (self->clock);
}

void
hl_deadline_clock_set (hl_deadline_t *self, int64_t now_ms)
{
    if (hl_clock_is_manual (self->clock))
        hl_clock_set_ms (self->clock, now_ms);
}

int
hl_deadline_milestone_parse (const char *name)
{
    for (int i = 0; i < HL_SLA_MILESTONES; i++)
        if (strcmp (s_milestones[i], name) == 0)
            return i;
    return -1;
}

const char *
hl_deadline_milestone_name (int milestone)
{
    return milestone >= 0 && milestone < HL_SLA_MILESTONES ? s_milestones[milestone] : NULL;
}

//  Parses "from-to,from-,..." into PAUSES; returns the count. Malformed
//  parts are skipped: the text is written by hotline's own Function.
static size_t
s_pauses (const char *text, hl_sla_pause_t *pauses, size_t max)
{
    size_t n = 0;
    const char *p = text ? text : "";
    while (*p && n < max) {
        char *end;
        long long from = strtoll (p, &end, 10);
        if (*end != '-')
            break;
        p = end + 1;
        long long to = strtoll (p, &end, 10);
        pauses[n].from_ms = from;
        pauses[n].to_ms = end == p ? HL_SLA_OPEN : to;
        n++;
        p = *end == ',' ? end + 1 : end;
        if (*end != ',')
            break;
    }
    return n;
}

static void
s_sla_ticket (const hl_deadline_facts_t *facts, hl_sla_ticket_t *t)
{
    t->type = s_type (facts->request_type);
    t->urgent = facts->urgent;
    t->enterprise = facts->enterprise;
    t->tag = facts->tag[0] ? facts->tag : NULL;
}

int
hl_deadline_compute (hl_deadline_t *self, const hl_deadline_facts_t *facts, int milestone,
                     int64_t start_ms, const char *pauses_text, int extension_days,
                     hl_sla_deadline_t *out)
{
    assert (milestone >= 0 && milestone < HL_SLA_MILESTONES);
    hl_sla_ticket_t t;
    s_sla_ticket (facts, &t);
    hl_sla_pause_t pauses[S_PAUSES_MAX];
    size_t n = s_pauses (pauses_text, pauses, S_PAUSES_MAX);
    if (hl_sla_policy_deadline (self->policy, self->calendar, &t, (hl_sla_milestone_t) milestone,
                                start_ms, pauses, n, out) != 0)
        return -1;
    //  An approved extension (延期) lengthens the reply limit by working
    //  days counted from the old deadline; reminders move with it.
    if (milestone == HL_SLA_REPLY && extension_days > 0 && out->due_ms != HL_SLA_NEVER) {
        int64_t due = hl_calendar_add_working_days (self->calendar, out->due_ms, extension_days,
                                                    HL_CALENDAR_DAY1_NEXT, &out->flags);
        int64_t shift = due - out->due_ms;
        out->due_ms = due;
        if (out->warn_ms != HL_SLA_NEVER)
            out->warn_ms += shift;
        if (out->escalate_ms != HL_SLA_NEVER)
            out->escalate_ms += shift;
    }
    return 0;
}

int64_t
hl_deadline_left (hl_deadline_t *self, const hl_sla_deadline_t *deadline, int64_t now_ms)
{
    return hl_sla_time_left (deadline, self->calendar, now_ms);
}

int64_t
hl_deadline_calendar_days_left (hl_deadline_t *self)
{
    int64_t now = hl_clock_now_ms (self->clock);
    int64_t end = hl_calendar_loaded_until (self->calendar, now);
    return (end - hl_calendar_midnight (now)) / (24 * INT64_C (3600000));
}

const char *
hl_deadline_profile (hl_deadline_t *self, const hl_deadline_facts_t *facts)
{
    hl_sla_ticket_t t;
    s_sla_ticket (facts, &t);
    const char *name = hl_sla_policy_profile (self->policy, &t);
    return name ? name : "";
}
