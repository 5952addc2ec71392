/*  hl_timers: firing SLA reminders. See hl_timers.h. */
#include "hl_timers.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FIRE_BATCH 1000        //  reminders popped per call
#define S_TICK_MS 100            //  safety tick for moments armed elsewhere
#define S_SCAN_BATCH 200
#define S_DAY_S (24 * 3600)      //  the calendar check and recompute, daily
#define S_CALENDAR_WARN_DAYS 60  //  warn when the calendar files end this soon


struct hl_timers {
    struct event_base *base;
    hl_store_t *store;
    hl_deadline_t *deadline;
    hl_feed_t *feed;             //  where fired reminders are announced
    hl_metrics_t *metrics;
    struct event *tick;          //  persistent safety tick
    struct event *at;            //  one-shot at the earliest known moment
    int firing;                  //  a fire call is in flight
    int again;                   //  fire once more when it returns
    int64_t next_due;            //  earliest known moment, or 0
    uint64_t fired;
    int scan_state;              //  recompute job: index into hl_lifecycle_clocked, -1 idle
    long scan_next;
    uint64_t scan_provisional;   //  provisional deadlines the job met so far
    struct event *daily;         //  persistent: calendar check and recompute
};

//  ---------------------------------------------------------------------
//  Arming

static void
s_facts (const hl_store_sla_t *sla, hl_deadline_facts_t *facts)
{
    memset (facts, 0, sizeof *facts);
    facts->request_type = sla->request_type;
    facts->urgent = sla->urgent;
    facts->enterprise = sla->enterprise;
    snprintf (facts->tag, sizeof facts->tag, "%s", sla->tag);
}

static void
s_moment (char out[24], int64_t ms)
{
    if (ms > 0 && ms != HL_SLA_NEVER)
        snprintf (out, 24, "%lld", (long long) ms);
    else
        out[0] = 0;
}

static void
s_on_armed (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    (void) arg;
    if (!reply || reply->type == REDIS_REPLY_ERROR)
        hl_warning ("arming deadlines failed: %s (the recompute on reconnect re-arms them)",
                    reply ? reply->str : "no answer");
}

//  Arms SLA's clocks for TICKET; returns how many of their deadlines are
//  provisional (they reach past the loaded calendar files).
static uint64_t
s_arm (hl_timers_t *self, const char *ticket, const hl_store_sla_t *sla)
{
    uint64_t provisional = 0;
    if (sla->n_arm == 0)
        return 0;
    hl_deadline_facts_t facts;
    s_facts (sla, &facts);
    char gen[24], reset[2] = { sla->reset ? '1' : '0', 0 };
    char moments[4][3][24], clocks[4][320];      //  (room the compiler can prove)
    const char *argv[6 + 4 * 2];
    int argc = 0;
    snprintf (gen, sizeof gen, "%llu", (unsigned long long) hl_deadline_generation (self->deadline));
    argv[argc++] = "ticket";
    argv[argc++] = ticket;
    argv[argc++] = "gen";
    argv[argc++] = gen;
    argv[argc++] = "reset";
    argv[argc++] = reset;
    for (int i = 0; i < sla->n_arm; i++) {
        hl_sla_deadline_t d;
        if (hl_deadline_compute (self->deadline, &facts, sla->arm[i], sla->start_ms[i],
                                 sla->pauses, sla->extension_days, &d) != 0)
            continue;
        provisional += (d.flags & HL_CALENDAR_PROVISIONAL) != 0;
        s_moment (moments[i][0], d.warn_ms);
        s_moment (moments[i][1], d.due_ms);
        s_moment (moments[i][2], d.escalate_ms);
        //  Each clock as <milestone> = "start,warn,due,escalate" (hl_sla_arm).
        snprintf (clocks[i], sizeof clocks[i], "%lld,%s,%s,%s", (long long) sla->start_ms[i],
                  moments[i][0], moments[i][1], moments[i][2]);
        argv[argc++] = hl_deadline_milestone_name (sla->arm[i]);
        argv[argc++] = clocks[i];
        if (d.warn_ms != HL_SLA_NEVER && (self->next_due == 0 || d.warn_ms < self->next_due))
            hl_timers_kick (self);
    }
    if (argc > 6)
        hl_store_fcall_ticket (self->store, "hl_sla_arm", ticket, argc, argv, s_on_armed, self);
    return provisional;
}

void
hl_timers_arm (hl_timers_t *self, const char *ticket, const hl_store_sla_t *sla)
{
    s_arm (self, ticket, sla);
}

//  ---------------------------------------------------------------------
//  Firing

static void s_fire (hl_timers_t *self);

//  Announces one fired reminder (a row of hl_timer_fire's answer).
static void
s_publish (hl_timers_t *self, const redisReply *row, int64_t now)
{
    if (row->type != REDIS_REPLY_ARRAY || row->elements < 5)
        return;
    Hotline__Event ev = HOTLINE__EVENT__INIT;
    ev.kind = "timer";
    ev.ticket = row->element[0]->str;
    ev.milestone = row->element[1]->str;
    ev.level = row->element[2]->str;
    ev.has_at_ms = 1;
    ev.at_ms = (uint64_t) now;
    ev.has_due_ms = 1;
    ev.due_ms = strtoull (row->element[3]->str, NULL, 10);
    ev.unit = row->element[4]->str;
    hl_feed_publish (self->feed, &ev);
    hl_metrics_timer (self->metrics, ev.level, (double) (now - (int64_t) ev.due_ms) / 1000.0);
}

static void
s_schedule (hl_timers_t *self, int64_t due)
{
    self->next_due = due;
    if (due <= 0)
        return;
    int64_t wait = due - hl_deadline_now (self->deadline);
    if (wait < 0)
        wait = 0;
    if (wait > S_TICK_MS)
        return;                  //  the safety tick comes first anyway
    struct timeval tv = { (time_t) (wait / 1000), (suseconds_t) ((wait % 1000) * 1000) };
    evtimer_add (self->at, &tv);
}

static void
s_on_fired (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    hl_timers_t *self = arg;
    self->firing = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1)
        return;
    int64_t now = hl_deadline_now (self->deadline);
    for (size_t i = 1; i < reply->elements; i++) {
        const redisReply *row = reply->element[i];
        if (row->type == REDIS_REPLY_ARRAY && row->elements >= 5)
            hl_info ("deadline: %s %s %s (due %s)", row->element[0]->str,
                     row->element[1]->str, row->element[2]->str, row->element[3]->str);
        s_publish (self, row, now);
        self->fired++;
    }
    const redisReply *next = reply->element[0];
    int64_t due = next->type == REDIS_REPLY_STRING && next->len ? strtoll (next->str, NULL, 10) : 0;
    //  A full batch means more may be due already.
    if (reply->elements - 1 >= S_FIRE_BATCH || self->again || (due && due <= now)) {
        self->again = 0;
        s_fire (self);
        return;
    }
    s_schedule (self, due);
}

static void
s_fire (hl_timers_t *self)
{
    if (self->firing) {
        self->again = 1;
        return;
    }
    char now[24], limit[16];
    snprintf (now, sizeof now, "%lld", (long long) hl_deadline_now (self->deadline));
    snprintf (limit, sizeof limit, "%d", S_FIRE_BATCH);
    const char *argv[] = { "now_ms", now, "limit", limit };
    if (hl_store_fcall (self->store, "hl_timer_fire", 4, argv, NULL, s_on_fired, self) == 0)
        self->firing = 1;
}

static void
s_on_time (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_fire (arg);
}

void
hl_timers_kick (hl_timers_t *self)
{
    event_active (self->at, EV_TIMEOUT, 0);
}

//  ---------------------------------------------------------------------
//  Recomputing every open ticket's deadlines

static void s_scan_more (hl_timers_t *self);

//  The State Council publishes next year's holidays each autumn; until its
//  file is loaded, deadlines reaching into that year are guesses. Said at
//  start, after every recompute (reload, reconnect) and daily.
static void
s_calendar_check (hl_timers_t *self)
{
    int64_t days = hl_deadline_calendar_days_left (self->deadline);
    if (days < S_CALENDAR_WARN_DAYS)
        hl_warning ("calendar: the loaded calendar files end in %lld days; deadlines past "
                    "them are provisional (statutory holidays only) until the next year's "
                    "file is added to the calendar directory and hotlined reloaded (SIGHUP)",
                    (long long) days);
}

//  Daily: recount what is provisional (and check the calendar at its end).
static void
s_on_daily (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_timers_recompute (arg);
}

static void
s_on_scan (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    hl_timers_t *self = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || reply->element[0]->type != REDIS_REPLY_INTEGER) {
        self->scan_state = -1;
        return;
    }
    for (size_t i = 1; i < reply->elements; i++) {
        const redisReply *row = reply->element[i];
        hl_store_sla_t sla;
        if (row->type != REDIS_REPLY_ARRAY || row->elements < 1
            || hl_store_sla_parse (row, 1, &sla) != 0)
            continue;
        self->scan_provisional += s_arm (self, row->element[0]->str, &sla);
    }
    self->scan_next = (long) reply->element[0]->integer;
    if (self->scan_next == 0 && ++self->scan_state == HL_LIFECYCLE_CLOCKED) {
        self->scan_state = -1;
        hl_metrics_provisional (self->metrics, self->scan_provisional);
        hl_info ("deadlines of open tickets recomputed (%llu provisional)",
                 (unsigned long long) self->scan_provisional);
        s_calendar_check (self);
        return;
    }
    s_scan_more (self);
}

static void
s_scan_more (hl_timers_t *self)
{
    char start[24], count[16];
    snprintf (start, sizeof start, "%ld", self->scan_next);
    snprintf (count, sizeof count, "%d", S_SCAN_BATCH);
    const char *argv[] = { "state", hl_lifecycle_clocked[self->scan_state]->code,
                           "start", start, "count", count };
    if (hl_store_fcall (self->store, "hl_sla_scan", 6, argv, NULL, s_on_scan, self) != 0)
        self->scan_state = -1;
}

void
hl_timers_recompute (hl_timers_t *self)
{
    if (self->scan_state >= 0)
        return;                  //  one job at a time; it reads the newest rules
    self->scan_state = 0;
    self->scan_next = 0;
    self->scan_provisional = 0;
    s_scan_more (self);
}

//  ---------------------------------------------------------------------
//  Life cycle

hl_timers_t *
hl_timers_new (struct event_base *base, hl_store_t *store, hl_deadline_t *deadline,
               hl_feed_t *feed, hl_metrics_t *metrics)
{
    hl_timers_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->store = store;
    self->deadline = deadline;
    self->feed = feed;
    self->metrics = metrics;
    self->scan_state = -1;
    self->tick = event_new (base, -1, EV_PERSIST, s_on_time, self);
    self->at = evtimer_new (base, s_on_time, self);
    struct timeval tv = { 0, S_TICK_MS * 1000 };
    event_add (self->tick, &tv);
    self->daily = event_new (base, -1, EV_PERSIST, s_on_daily, self);
    struct timeval day = { S_DAY_S, 0 };
    event_add (self->daily, &day);
    hl_metrics_set_deadline (metrics, deadline);
    s_calendar_check (self);
    return self;
}

void
hl_timers_destroy (hl_timers_t **self_p)
{
    assert (self_p);
    hl_timers_t *self = *self_p;
    if (!self)
        return;
    event_free (self->tick);
    event_free (self->at);
    event_free (self->daily);
    free (self);
    *self_p = NULL;
}

uint64_t
hl_timers_fired (const hl_timers_t *self)
{
    return self->fired;
}
