/*  hl_life: tickets through their whole life in the store. See hl_life.h. */
#include "hl_life.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *s_units[] = { "rsj", "ybj", "zjj", "cgj", "sthj", "gaj" };
static const char *s_content = "小区楼下夜间施工噪音扰民，已经持续两周，每晚十点后仍在施工，"
                               "请相关部门尽快核实处理。";

typedef struct {
    struct event_base *base;
    hl_store_t *store;
    const char *run;             //  request id prefix of this drive
    char (*tickets)[HL_STORE_TICKET_MAX];
    unsigned char *stage;        //  per ticket: steps done
    unsigned char *busy;         //  per ticket: a step on its way
    long total;
    long done;                   //  tickets closed (or given up)
    long failed;
    double rate;                 //  steps a second; 0: as fast as they go
    long issued;
    double started;
    int closed_at_intake;        //  the burst: one step, closed at intake
    struct event *tick;
    int64_t day_ms;
    hl_life_intake_fn *on_intake;
    void *arg;
} s_drive_t;

typedef struct {
    s_drive_t *d;
    long i;
} s_op_t;

double
hl_life_now (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (double) tv.tv_sec + (double) tv.tv_usec / 1e6;
}

static int
s_steps (const s_drive_t *d)
{
    return d->closed_at_intake ? 1 : HL_LIFE_STEPS;
}

static void
s_step_done (s_drive_t *d, long i, int ok)
{
    d->busy[i] = 0;
    if (ok)
        d->stage[i]++;
    else
        d->failed++;
    if (!ok || d->stage[i] == s_steps (d))
        if (++d->done == d->total)
            event_base_loopbreak (d->base);
}

static void
s_on_intake (const hl_store_result_t *res, void *arg)
{
    s_op_t *op = arg;
    if (res->outcome == HL_STORE_NEW) {
        snprintf (op->d->tickets[op->i], HL_STORE_TICKET_MAX, "%s", res->ticket);
        if (op->d->on_intake && !op->d->closed_at_intake)
            op->d->on_intake (res->ticket, s_units[op->i % 6], op->d->arg);
    }
    s_step_done (op->d, op->i, res->outcome == HL_STORE_NEW);
    free (op);
}

static void
s_on_step (const hl_store_transition_result_t *res, void *arg)
{
    s_op_t *op = arg;
    s_step_done (op->d, op->i, res->outcome == HL_STORE_NEW);
    free (op);
}

static int
s_intake (s_drive_t *d, long i, s_op_t *op)
{
    char rid[48], phone[16];
    snprintf (rid, sizeof rid, "%s-%ld", d->run, i);
    snprintf (phone, sizeof phone, "139%08ld", i % 100000000);
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = c.has_request_type = c.has_request_id = c.has_caller_phone = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c.request_id = hl_wire_bytes (rid);
    c.caller_phone = hl_wire_bytes (phone);
    c.has_category = c.has_area = c.has_content = 1;
    c.category = hl_wire_bytes ("HB.03");
    c.area = hl_wire_bytes ("441702");
    c.content = hl_wire_bytes (s_content);
    hl_store_disposition_t disp = {
        .state = "dispatched", .unit = s_units[i % 6], .assist = "", .note = "HB.03",
        .sign_warn_ms = d->day_ms, .sign_due_ms = d->day_ms + 3600000,
        .sign_escalate_ms = d->day_ms + 7200000, .sla_generation = 1
    };
    if (d->closed_at_intake)
        disp = (hl_store_disposition_t) { .state = "answered_directly", .unit = "",
                                          .assist = "", .note = "已答复" };
    return hl_store_intake (d->store, &c, "agent:a1", 0, &disp, s_on_intake, op);
}

//  Step STAGE (1..4) of ticket I: sign and reply by its unit, the visit
//  and the close by an agent; the deadlines a step starts go with it.
static int
s_transition (s_drive_t *d, long i, int stage, s_op_t *op)
{
    static const Hotline__Action actions[] = {
        0, HOTLINE__ACTION__ACTION_SIGN, HOTLINE__ACTION__ACTION_REPLY,
        HOTLINE__ACTION__ACTION_VISIT, HOTLINE__ACTION__ACTION_CLOSE
    };
    char actor[64], rid[64];
    if (stage <= 2)
        snprintf (actor, sizeof actor, "unit:%s/w1", s_units[i % 6]);
    else
        snprintf (actor, sizeof actor, "agent:a1");
    snprintf (rid, sizeof rid, "%s-%ld-%d", d->run, i, stage);
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = t.has_action = 1;
    t.ticket = hl_wire_bytes (d->tickets[i]);
    t.action = actions[stage];
    if (stage == 2) {
        t.has_note = 1;
        t.note = hl_wire_bytes ("经核实，已责令施工单位夜间停工，并将加强巡查。");
    }
    if (stage == 3) {
        t.has_satisfaction = t.has_resolved = 1;
        t.satisfaction = HOTLINE__SATISFACTION__SATISFIED;
        t.resolved = 1;
    }
    int64_t at = d->day_ms;
    hl_store_premade_t pre = { .n = 2, .milestone = { 1, 2 }, .warn = { at, at },
                               .due = { at + 3600000, at + 3600000 },
                               .escalate = { at + 7200000, at + 7200000 }, .generation = 1 };
    if (stage == 2)
        pre = (hl_store_premade_t) { .n = 1, .milestone = { 3 }, .warn = { at },
                                     .due = { at + 3600000 }, .escalate = { at + 7200000 },
                                     .generation = 1 };
    return hl_store_transition (d->store, &t, actor, rid, strlen (rid), 0,
                                stage <= 2 ? &pre : NULL, s_on_step, op);
}

//  The next step of ticket I, if its last one has answered.
static int
s_issue (s_drive_t *d, long i)
{
    if (d->busy[i] || d->stage[i] >= s_steps (d) || (d->stage[i] && !d->tickets[i][0]))
        return 0;
    s_op_t *op = malloc (sizeof *op);
    if (!op)
        abort ();
    *op = (s_op_t) { d, i };
    d->busy[i] = 1;
    int rc = d->stage[i] == 0 ? s_intake (d, i, op) : s_transition (d, i, d->stage[i], op);
    if (rc != 0) {
        free (op);
        s_step_done (d, i, 0);
    }
    d->issued++;
    return 1;
}

//  Steps go out in waves of 100 tickets: each wave's intakes, then its
//  signs, ... (a ticket's step waits for the answer to its last one), so
//  at any moment about a fifth of the steps in flight are each kind.
static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_drive_t *d = arg;
    long budget = d->rate > 0 ? (long) ((hl_life_now () - d->started) * d->rate) - d->issued : 2000;
    if (hl_store_pending (d->store) > 20000)
        return;
    for (long i = 0; i < d->total && budget > 0; i++)
        budget -= s_issue (d, i);
}

long
hl_life_drive (struct event_base *base, hl_store_t *store, const char *run, long n, double rate,
               int closed_at_intake, char (*tickets)[HL_STORE_TICKET_MAX],
               hl_life_intake_fn *on_intake, void *arg)
{
    s_drive_t d = { .base = base, .store = store, .run = run, .tickets = tickets, .total = n,
                    .rate = rate, .started = hl_life_now (), .closed_at_intake = closed_at_intake,
                    .day_ms = (int64_t) time (NULL) * 1000 + 86400000, .on_intake = on_intake,
                    .arg = arg };
    d.stage = calloc ((size_t) n, 1);
    d.busy = calloc ((size_t) n, 1);
    if (!d.stage || !d.busy)
        abort ();
    d.tick = event_new (base, -1, EV_PERSIST, s_on_tick, &d);
    struct timeval tv = { 0, 5000 };
    event_add (d.tick, &tv);
    event_base_dispatch (base);
    event_free (d.tick);
    free (d.stage);
    free (d.busy);
    return d.failed;
}

