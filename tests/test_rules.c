/*  Black-box tests of the lifecycle rules a center is audited on: 甄别
 *  after an unsatisfied visit and the cap on 重办 rounds; the outcomes of
 *  回访 (unreachable after N tries, by SMS, the callers of merged tickets);
 *  the limits of 延期 and of 退单; the start of the reply clock and the
 *  date intake promises; 感谢; repeat calls. Every refusal is checked for its code and
 *  for leaving the ticket as it was. Real hotlined on a manual clock (a
 *  Monday, 23 November 2026, 09:00), real Redis, a worker of 人社 (rsj)
 *  on the wire; the limits come from hotlined's flags as from its file.
 */
#include "hl_rawworker.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef Hotline__Envelope env_t;

#define AGENT "agent:1001"
#define DISPATCHER "dispatcher:wang"
#define UNIT NULL                //  the actor of an action the worker takes

typedef struct {
    hl_testenv_t *env;
    hl_rawworker_t *worker;      //  rsj's
} s_world_t;

static s_world_t s;

static void
s_free (env_t **e)
{
    hl_wire_free (e);
}

//  Starts Redis and hotlined with the extra flags ARGS (NULL-terminated,
//  at most 16) and rsj's worker. 0 or -1.
static int
s_up (const char *name, const char *const *args)
{
    char start[24];
    snprintf (start, sizeof start, "%lld", hl_testenv_beijing_ms (2026, 11, 23, 9, 0));
    const char *all[20] = { "--test-clock-ms", start };
    for (int i = 0; args && args[i] && i < 16; i++)
        all[2 + i] = args[i];
    s.env = hl_testenv_new (name);
    if (!s.env || hl_testenv_redis_start (s.env) != 0
        || hl_testenv_daemon_start (s.env, all) != 0) {
        HL_CHECK (!"environment up");
        return -1;
    }
    s.worker = hl_rawworker_new (hl_testenv_worker_endpoint (s.env), "rsj", 16, "w");
    HL_CHECK (s.worker != NULL);
    return s.worker ? 0 : -1;
}

static void
s_down (void)
{
    hl_rawworker_destroy (&s.worker);
    hl_testenv_destroy (&s.env);
}

//  Files a request of TYPE about social security (SB.01: rsj) into T and
//  waits for its delivery to the worker (unless HELD for a dispatcher).
//  The reply date promised into *DUE (if not NULL).
static int
s_file (int type, int held, char t[48], long long *due)
{
    char rid[33];
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_PHONE, type, "SB.01", "441702",
                          "社保卡补办", rid);
    c.has_disposition = held;
    c.disposition = HOTLINE__DISPOSITION__DISPOSITION_HOLD;
    Hotline__Envelope req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    req.complaint = &c;
    env_t *ack = hl_testenv_request (s.env, &req);
    int ok = ack && ack->body_case == HOTLINE__ENVELOPE__BODY_ACK;
    snprintf (t, 48, "%s", ok ? ack->ack->ticket : "");
    if (due)
        *due = ok && ack->ack->has_reply_due_ms ? (long long) ack->ack->reply_due_ms : 0;
    s_free (&ack);
    for (long long until = hl_testenv_now_ms () + 3000; ok && !held;) {
        env_t *d = hl_rawworker_next (s.worker, 200);
        int mine = d && d->delivery->ticket && strcmp (d->delivery->ticket->ticket, t) == 0;
        s_free (&d);
        if (mine)
            break;
        ok = hl_testenv_now_ms () < until;
    }
    HL_CHECK (ok);
    return ok ? 0 : -1;
}

//  ACTION on T with the parameters in P, by WHO (a staff actor, or UNIT:
//  rsj's worker). The answer.
static env_t *
s_act (const char *who, const char *t, Hotline__Action action, Hotline__Transition p)
{
    p.has_ticket = 1;
    p.ticket = hl_wire_bytes (t);
    p.has_action = 1;
    p.action = action;
    if (who) {
        p.has_actor = 1;
        p.actor = hl_wire_bytes (who);
    }
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    req.transition = &p;
    return who ? hl_testenv_request (s.env, &req) : hl_rawworker_call (s.worker, &req);
}

static Hotline__Transition
s_note (const char *note)
{
    Hotline__Transition p = HOTLINE__TRANSITION__INIT;
    p.has_note = note != NULL;
    p.note = hl_wire_bytes (note ? note : "");
    return p;
}

static Hotline__Transition
s_unit (const char *unit)
{
    Hotline__Transition p = HOTLINE__TRANSITION__INIT;
    p.has_unit = 1;
    p.unit = hl_wire_bytes (unit);
    return p;
}

static Hotline__Transition
s_rating (Hotline__Satisfaction how, Hotline__Via via)
{
    Hotline__Transition p = HOTLINE__TRANSITION__INIT;
    p.has_satisfaction = 1;
    p.satisfaction = how;
    p.has_via = via != 0;
    p.via = via;
    return p;
}

static Hotline__Transition
s_days (unsigned days)
{
    Hotline__Transition p = s_note ("需现场核查");
    p.has_extension_days = 1;
    p.extension_days = days;
    return p;
}

static Hotline__Transition
s_return (Hotline__ReturnReason why)
{
    Hotline__Transition p = s_note ("不属于本单位");
    p.has_return_reason = 1;
    p.return_reason = why;
    return p;
}

//  The answer took the ticket to state TO.
static int
s_to (env_t *reply, Hotline__State to)
{
    return hl_testenv_done_to (reply, to);
}

//  The ticket's view (free it).
static env_t *
s_show (const char *t)
{
    env_t *v = hl_testenv_show (s.env, t);
    HL_CHECK (v && v->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW);
    return v && v->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW ? v : NULL;
}

//  What a refusal must leave as it was: the state and the history.
typedef struct {
    int state;
    size_t history;
} s_snap_t;

static s_snap_t
s_snap (const char *t)
{
    env_t *v = s_show (t);
    s_snap_t snap = { v ? (int) v->ticket_view->state : -1, v ? v->ticket_view->n_history : 0 };
    s_free (&v);
    return snap;
}

//  The answer refused with CODE and a message naming WORDS, and the
//  ticket is as it was (BEFORE).
static int
s_refused (env_t *reply, Hotline__ErrorCode code, const char *words, const char *t,
           s_snap_t before)
{
    int ok = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
          && reply->nack->code == code && !reply->nack->retryable
          && reply->nack->message && strstr (reply->nack->message, words);
    if (!ok)
        fprintf (stderr, "expected refusal %s (%s), got %s\n", hl_wire_error_name (code), words,
                 reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
                 ? reply->nack->message : "no refusal");
    s_free (&reply);
    s_snap_t after = s_snap (t);
    if (after.state != before.state || after.history != before.history) {
        fprintf (stderr, "%s: a refusal changed the ticket\n", t);
        ok = 0;
    }
    return ok;
}

//  Files a request of TYPE and takes it to replied through the worker.
static int
s_replied (int type, char t[48])
{
    Hotline__Transition none = HOTLINE__TRANSITION__INIT;
    return s_file (type, 0, t, NULL) == 0
        && s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_SIGN, none), HOTLINE__STATE__STATE_SIGNED)
        && s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_REPLY, s_note ("已补办")),
                 HOTLINE__STATE__STATE_REPLIED);
}

static Hotline__Transition
s_none (void)
{
    Hotline__Transition p = HOTLINE__TRANSITION__INIT;
    return p;
}

//  ---------------------------------------------------------------------

//  An unsatisfied visit goes to 甄别, where only a dispatcher decides: 重办
//  by the same unit or another, at most reopen_max rounds, or 不满意办结
//  with a reason.
static void
test_review (void)
{
    const char *args[] = { "--reopen-max", "1", NULL };
    if (s_up ("review", args) != 0)
        return s_down ();
    char t[48], u[48];
    HL_CHECK (s_replied (HOTLINE__REQUEST_TYPE__REQUEST_HELP, t) == 1);
    HL_CHECK (s_to (s_act (AGENT, t, HOTLINE__ACTION__ACTION_VISIT,
                           s_rating (HOTLINE__SATISFACTION__UNSATISFIED, 0)),
                    HOTLINE__STATE__STATE_REVIEWING));
    s_snap_t before = s_snap (t);
    HL_CHECK (s_refused (s_act (AGENT, t, HOTLINE__ACTION__ACTION_CLOSE, s_none ()),
                         HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION, "reviewing", t, before));
    HL_CHECK (s_refused (s_act (AGENT, t, HOTLINE__ACTION__ACTION_REHANDLE, s_unit ("rsj")),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, "rehandle", t, before));
    //  Round 2, by the same unit.
    HL_CHECK (s_to (s_act (DISPATCHER, t, HOTLINE__ACTION__ACTION_REHANDLE, s_unit ("rsj")),
                    HOTLINE__STATE__STATE_DISPATCHED));
    env_t *d = hl_rawworker_next (s.worker, 3000);
    HL_CHECK (d != NULL);
    s_free (&d);
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_REPLY, s_note ("再次答复")),
                    HOTLINE__STATE__STATE_REPLIED));
    HL_CHECK (s_to (s_act (AGENT, t, HOTLINE__ACTION__ACTION_VISIT,
                           s_rating (HOTLINE__SATISFACTION__UNSATISFIED, 0)),
                    HOTLINE__STATE__STATE_REVIEWING));
    //  reopen_max 1: no third round; closed as unsatisfied, with a reason.
    before = s_snap (t);
    HL_CHECK (s_refused (s_act (DISPATCHER, t, HOTLINE__ACTION__ACTION_REHANDLE, s_unit ("rsj")),
                         HOTLINE__ERROR_CODE__ERROR_LIMIT_REACHED, "reopen_max 1", t, before));
    HL_CHECK (s_refused (s_act (DISPATCHER, t, HOTLINE__ACTION__ACTION_CLOSE_UNSATISFIED,
                                s_none ()),
                         HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "note", t, before));
    HL_CHECK (s_to (s_act (DISPATCHER, t, HOTLINE__ACTION__ACTION_CLOSE_UNSATISFIED,
                           s_note ("诉求超出政策规定，已解释")),
                    HOTLINE__STATE__STATE_CLOSED));
    env_t *v = s_show (t);
    HL_CHECK (v && v->ticket_view->reopen_count == 1 && v->ticket_view->has_close_reason
              && v->ticket_view->close_reason.len == 11
              && memcmp (v->ticket_view->close_reason.data, "unsatisfied", 11) == 0);
    s_free (&v);
    //  Another ticket goes to another unit.
    HL_CHECK (s_replied (HOTLINE__REQUEST_TYPE__REQUEST_HELP, u) == 1);
    HL_CHECK (s_to (s_act (AGENT, u, HOTLINE__ACTION__ACTION_VISIT,
                           s_rating (HOTLINE__SATISFACTION__UNSATISFIED, 0)),
                    HOTLINE__STATE__STATE_REVIEWING));
    env_t *r = s_act (DISPATCHER, u, HOTLINE__ACTION__ACTION_REHANDLE, s_unit ("gjj"));
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE
              && strcmp (r->transition_done->unit, "gjj") == 0);
    s_free (&r);
    s_down ();
}

//  回访 outcomes: rated by SMS; unreachable until the visit_tries-th try
//  closes it as 联系不上; the caller of a merged ticket rated too.
static void
test_visit_outcomes (void)
{
    const char *args[] = { "--visit-tries", "2", NULL };
    if (s_up ("visits", args) != 0)
        return s_down ();
    char t[48], u[48], child[48], parent[48];
    HL_CHECK (s_replied (HOTLINE__REQUEST_TYPE__REQUEST_HELP, t) == 1);
    HL_CHECK (s_to (s_act (AGENT, t, HOTLINE__ACTION__ACTION_VISIT,
                           s_rating (HOTLINE__SATISFACTION__BASICALLY_SATISFIED,
                                     HOTLINE__VIA__VIA_SMS)),
                    HOTLINE__STATE__STATE_VISITED));
    env_t *v = s_show (t);
    HL_CHECK (v && v->ticket_view->visit_via == HOTLINE__VIA__VIA_SMS
              && v->ticket_view->satisfaction == HOTLINE__SATISFACTION__BASICALLY_SATISFIED);
    s_free (&v);

    HL_CHECK (s_replied (HOTLINE__REQUEST_TYPE__REQUEST_HELP, u) == 1);
    HL_CHECK (s_to (s_act (AGENT, u, HOTLINE__ACTION__ACTION_VISIT_UNREACHABLE, s_none ()),
                    HOTLINE__STATE__STATE_REPLIED));
    HL_CHECK (s_to (s_act (AGENT, u, HOTLINE__ACTION__ACTION_VISIT_UNREACHABLE,
                           s_note ("两次无人接听")),
                    HOTLINE__STATE__STATE_CLOSED));
    v = s_show (u);
    HL_CHECK (v && v->ticket_view->visit_attempts == 2 && v->ticket_view->has_close_reason
              && v->ticket_view->close_reason.len == 11
              && memcmp (v->ticket_view->close_reason.data, "unreachable", 11) == 0);
    s_free (&v);

    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_HELP, 1, child, NULL) == 0);
    HL_CHECK (s_replied (HOTLINE__REQUEST_TYPE__REQUEST_HELP, parent) == 1);
    Hotline__Transition join = HOTLINE__TRANSITION__INIT;
    join.has_parent = 1;
    join.parent = hl_wire_bytes (parent);
    HL_CHECK (s_to (s_act (AGENT, child, HOTLINE__ACTION__ACTION_MERGE, join),
                    HOTLINE__STATE__STATE_MERGED));
    HL_CHECK (s_to (s_act (AGENT, child, HOTLINE__ACTION__ACTION_VISIT_MERGED,
                           s_rating (HOTLINE__SATISFACTION__SATISFIED, HOTLINE__VIA__VIA_WEB)),
                    HOTLINE__STATE__STATE_MERGED));
    v = s_show (child);
    HL_CHECK (v && v->ticket_view->satisfaction == HOTLINE__SATISFACTION__SATISFIED
              && v->ticket_view->visit_via == HOTLINE__VIA__VIA_WEB);
    s_free (&v);
    s_down ();
}

//  延期: before the reply deadline only, within the times and working days
//  the request type may have in all; an extension does not outlive its
//  round, and show says what applies.
static void
test_extension_limits (void)
{
    const char *args[] = { "--extension-limits", "complaint:1:5,*:2:10", NULL };
    if (s_up ("extension", args) != 0)
        return s_down ();
    char t[48], late[48];
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, t, NULL) == 0);
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    s_snap_t before = s_snap (t);
    HL_CHECK (s_refused (s_act (UNIT, t, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION, s_days (6)),
                         HOTLINE__ERROR_CODE__ERROR_LIMIT_REACHED, "at most 5", t, before));
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION, s_days (3)),
                    HOTLINE__STATE__STATE_SIGNED));
    HL_CHECK (s_to (s_act (DISPATCHER, t, HOTLINE__ACTION__ACTION_APPROVE_EXTENSION, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    before = s_snap (t);
    HL_CHECK (s_refused (s_act (UNIT, t, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION, s_days (1)),
                         HOTLINE__ERROR_CODE__ERROR_LIMIT_REACHED, "1 times", t, before));
    //  A request still pending lapses with the answer; the next round
    //  starts without the extension.
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_REPLY, s_note ("已处理")),
                    HOTLINE__STATE__STATE_REPLIED));
    HL_CHECK (s_to (s_act (AGENT, t, HOTLINE__ACTION__ACTION_VISIT,
                           s_rating (HOTLINE__SATISFACTION__UNSATISFIED, 0)),
                    HOTLINE__STATE__STATE_REVIEWING));
    HL_CHECK (s_to (s_act (DISPATCHER, t, HOTLINE__ACTION__ACTION_REHANDLE, s_unit ("rsj")),
                    HOTLINE__STATE__STATE_DISPATCHED));
    env_t *v = s_show (t);
    HL_CHECK (v && v->ticket_view->extension_days == 0 && !v->ticket_view->extension_pending);
    s_free (&v);
    env_t *d = hl_rawworker_next (s.worker, 3000);
    s_free (&d);
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION, s_days (5)),
                    HOTLINE__STATE__STATE_SIGNED));
    //  An inquiry's reply is due in 2 working days (Wednesday 18:00): on
    //  Thursday it is too late to ask.
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, late, NULL) == 0);
    HL_CHECK (s_to (s_act (UNIT, late, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    hl_testenv_sleep_ms (200);   //  the reply clock is armed after the sign
    hl_testenv_set_clock (s.env, hl_testenv_beijing_ms (2026, 11, 26, 9, 0));
    before = s_snap (late);
    HL_CHECK (s_refused (s_act (UNIT, late, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION,
                                s_days (1)),
                         HOTLINE__ERROR_CODE__ERROR_TOO_LATE, "2026-11-25 18:00", late, before));
    s_down ();
}

//  退单: before signing or within return_window_wd working days of it, at
//  most return_max times a ticket; every reason kept.
static void
test_return_limits (void)
{
    const char *args[] = { "--return-max", "2", "--return-window-wd", "1", NULL };
    if (s_up ("return", args) != 0)
        return s_down ();
    char t[48], u[48], w[48];
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, t, NULL) == 0);
    Hotline__ReturnReason why[2] = { HOTLINE__RETURN_REASON__RETURN_WRONG_AREA,
                                     HOTLINE__RETURN_REASON__RETURN_NOT_OUR_DUTY };
    for (int i = 0; i < 2; i++) {
        HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_RETURN, s_return (why[i])),
                        HOTLINE__STATE__STATE_RETURNED));
        HL_CHECK (s_to (s_act (DISPATCHER, t, HOTLINE__ACTION__ACTION_REFUSE_RETURN,
                               s_note ("确属人社职责")),
                        HOTLINE__STATE__STATE_DISPATCHED));
        env_t *d = hl_rawworker_next (s.worker, 3000);
        s_free (&d);
    }
    s_snap_t before = s_snap (t);
    HL_CHECK (s_refused (s_act (UNIT, t, HOTLINE__ACTION__ACTION_RETURN,
                                s_return (HOTLINE__RETURN_REASON__RETURN_OTHER)),
                         HOTLINE__ERROR_CODE__ERROR_LIMIT_REACHED, "return_max 2", t, before));
    env_t *v = s_show (t);
    HL_CHECK (v && v->ticket_view->return_count == 2 && v->ticket_view->has_return_reasons
              && v->ticket_view->return_reasons.len == strlen ("wrong_area,not_our_duty")
              && memcmp (v->ticket_view->return_reasons.data, "wrong_area,not_our_duty",
                         v->ticket_view->return_reasons.len) == 0);
    s_free (&v);
    //  Signed Monday 09:00: returnable until Tuesday 18:00, not on Wednesday.
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, u, NULL) == 0);
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, w, NULL) == 0);
    HL_CHECK (s_to (s_act (UNIT, u, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    HL_CHECK (s_to (s_act (UNIT, w, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    hl_testenv_set_clock (s.env, hl_testenv_beijing_ms (2026, 11, 24, 17, 0));
    HL_CHECK (s_to (s_act (UNIT, w, HOTLINE__ACTION__ACTION_RETURN,
                           s_return (HOTLINE__RETURN_REASON__RETURN_OVERLAPPING_DUTIES)),
                    HOTLINE__STATE__STATE_RETURNED));
    hl_testenv_set_clock (s.env, hl_testenv_beijing_ms (2026, 11, 25, 9, 0));
    before = s_snap (u);
    HL_CHECK (s_refused (s_act (UNIT, u, HOTLINE__ACTION__ACTION_RETURN,
                                s_return (HOTLINE__RETURN_REASON__RETURN_WRONG_AREA)),
                         HOTLINE__ERROR_CODE__ERROR_TOO_LATE, "2026-11-24 18:00", u, before));
    s_down ();
}

//  The reply clock counts from the dispatch when the center says so;
//  intake tells the caller the date either way. A 感谢 reaches the unit
//  and closes on sign: no reply or visit is due of it.
static void
test_reply_clock (void)
{
    const char *args[] = { "--reply-clock-start", "dispatch", NULL };
    if (s_up ("reply-clock", args) != 0)
        return s_down ();
    char t[48], thanks[48];
    long long promised = 0, none = -1;
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, t, &promised) == 0);
    //  15 working days from Monday 23 November: Monday 14 December, 18:00.
    long long due = hl_testenv_beijing_ms (2026, 12, 14, 18, 0);
    HL_CHECK (promised == due);
    hl_testenv_set_clock (s.env, hl_testenv_beijing_ms (2026, 11, 25, 9, 0));
    HL_CHECK (s_to (s_act (UNIT, t, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_SIGNED));
    hl_testenv_sleep_ms (300);
    env_t *v = s_show (t);
    int found = 0;
    for (size_t i = 0; v && i < v->ticket_view->n_deadlines; i++) {
        const Hotline__Deadline *dl = v->ticket_view->deadlines[i];
        if (strcmp (dl->milestone, "reply") == 0)
            found = dl->due_ms == (uint64_t) due;
    }
    HL_CHECK (found);
    s_free (&v);
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_THANKS, 0, thanks, &none) == 0);
    HL_CHECK (none == 0);
    HL_CHECK (s_to (s_act (UNIT, thanks, HOTLINE__ACTION__ACTION_SIGN, s_none ()),
                    HOTLINE__STATE__STATE_CLOSED));
    v = s_show (thanks);
    HL_CHECK (v && v->ticket_view->has_close_reason);
    for (size_t i = 0; v && i < v->ticket_view->n_deadlines; i++)
        HL_CHECK (strcmp (v->ticket_view->deadlines[i]->milestone, "reply") != 0
                  && strcmp (v->ticket_view->deadlines[i]->milestone, "visit") != 0);
    s_free (&v);
    s_down ();
}

//  With the clock started at sign (the default), the date promised counts
//  from the latest moment the unit may sign: Tuesday 18:00, then 15
//  working days: Tuesday 15 December, 18:00.
static void
test_promised_reply (void)
{
    if (s_up ("promised", NULL) != 0)
        return s_down ();
    char t[48];
    long long promised = 0;
    HL_CHECK (s_file (HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, t, &promised) == 0);
    HL_CHECK (promised == hl_testenv_beijing_ms (2026, 12, 15, 18, 0));
    s_down ();
}

//  The ticket T names as the one it repeats, within 2 s, into OUT ("" if none).
static void
s_repeat_of (const char *t, char out[48])
{
    out[0] = 0;
    for (int i = 0; i < 20 && !out[0]; i++) {
        env_t *v = s_show (t);
        if (v && v->ticket_view->has_repeat_of)
            snprintf (out, 48, "%.*s", (int) v->ticket_view->repeat_of.len,
                      v->ticket_view->repeat_of.data);
        s_free (&v);
        if (!out[0])
            hl_testenv_sleep_ms (100);
    }
}

//  Files a request from the usual caller in CATEGORY into T.
static void
s_call (const char *category, char t[48])
{
    char rid[33];
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_PHONE, HOTLINE__REQUEST_TYPE__REQUEST_HELP,
                          category, "441702", "又打来问同一件事", rid);
    hl_testenv_file (s.env, &c, t);
    HL_CHECK (*t != 0);
}

//  The same caller on the same matter within repeat_window_h is a repeat
//  call: flagged, naming the earlier ticket; another matter, or later, not.
static void
test_repeat_calls (void)
{
    const char *args[] = { "--repeat-window-h", "24", NULL };
    if (s_up ("repeat", args) != 0)
        return s_down ();
    char first[48], again[48], other[48], later[48], link[48];
    s_call ("SB.01", first);
    s_call ("GJ.01", other);
    hl_testenv_set_clock (s.env, hl_testenv_beijing_ms (2026, 11, 23, 20, 0));
    s_call ("SB.01", again);
    s_repeat_of (again, link);
    HL_CHECK_STR (link, first);
    s_repeat_of (other, link);
    HL_CHECK_STR (link, "");
    hl_testenv_set_clock (s.env, hl_testenv_beijing_ms (2026, 11, 24, 19, 0));
    s_call ("SB.01", later);         //  34 h after the first, 23 h after the second
    s_repeat_of (later, link);
    HL_CHECK_STR (link, again);
    //  By hand, staff may link too; never to itself.
    Hotline__Transition p = HOTLINE__TRANSITION__INIT;
    p.has_repeat_of = 1;
    p.repeat_of = hl_wire_bytes (other);
    s_snap_t before = s_snap (other);
    HL_CHECK (s_refused (s_act (AGENT, other, HOTLINE__ACTION__ACTION_LINK_REPEAT, p),
                         HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "itself", other, before));
    s_down ();
}

static const hl_test_case_t s_cases[] = {
    { "review", test_review },
    { "visit_outcomes", test_visit_outcomes },
    { "extension_limits", test_extension_limits },
    { "return_limits", test_return_limits },
    { "reply_clock", test_reply_clock },
    { "promised_reply", test_promised_reply },
    { "repeat_calls", test_repeat_calls },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
