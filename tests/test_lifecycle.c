/*  The state x action matrix, driven by the lifecycle table itself
 *  (core/lifecycle.json), against a real redis-server running the real
 *  Function library through the daemon's own store (hl_store): every
 *  action from every state is taken and must be allowed or refused as the
 *  table says, with the refusal code every entry point answers with; an
 *  allowed one must lead to the table's state, write one history entry and
 *  move the counters the table names, a refused one must change nothing.
 *  Each ticket reaches its state through real transitions from intake
 *  (the shortest way in the table), so a new state or action is covered
 *  without touching this file.
 */
#include "hl_lifecycle.h"
#include "hl_store.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_wire.h"

#include <ctype.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    hl_testenv_t *env;
    struct event_base *base;
    struct event *tick;          //  wakes the loop so waits can time out
    hl_store_t *store;
    redisContext *redis;         //  for assertions
    int seq;                     //  request ids
    int path_action[HL_LIFECYCLE_STATES];   //  the way to each state: the
    int path_prev[HL_LIFECYCLE_STATES];     //  last action, the state before,
    int path_branch[HL_LIFECYCLE_STATES];   //  whether it takes the action's branch
} s_world_t;

static s_world_t s;

//  --------------------------------------------------------------------
//  Waiting for the store

typedef struct {
    int done;
    hl_store_result_t intake;
    hl_store_transition_result_t transition;
} s_wait_t;

static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd, (void) what, (void) arg;
}

static int
s_wait (const int *done)
{
    time_t until = time (NULL) + 10;
    while (!*done && time (NULL) < until)
        event_base_loop (s.base, EVLOOP_ONCE);
    return *done ? 0 : -1;
}

static void
s_on_ready (void *arg)
{
    *(int *) arg = 1;
}

static void
s_on_intake (const hl_store_result_t *result, void *arg)
{
    s_wait_t *w = arg;
    w->intake = *result;
    w->done = 1;
}

static void
s_on_transition (const hl_store_transition_result_t *result, void *arg)
{
    s_wait_t *w = arg;
    w->transition = *result;
    w->done = 1;
}

//  --------------------------------------------------------------------
//  Redis, read directly

//  The ticket's history as the store decodes it (hl_ticket_get): a list of
//  entries {at, actor, action, from, to, note}; NULL if there is none.
static redisReply *
s_history (const char *ticket)
{
    redisReply *r = redisCommand (s.redis, "FCALL_RO hl_ticket_get 2 %s %s",
                                  hl_testenv_tkey (ticket, "t"),
                                  hl_testenv_tkey (ticket, "merged"));
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 3
        && r->element[1]->type == REDIS_REPLY_ARRAY)
        return r;
    freeReplyObject (r);
    return NULL;
}

static long long
s_llen (const char *ticket)
{
    redisReply *r = s_history (ticket);
    long long n = r ? (long long) r->element[1]->elements : -1;
    freeReplyObject (r);
    return n;
}

//  The ticket's FIELD into OUT ("" if none).
static void
s_field (const char *ticket, const char *field, char *out, size_t len)
{
    redisReply *r = redisCommand (s.redis, "HGET %s %s", hl_testenv_tkey (ticket, "t"), field);
    snprintf (out, len, "%s", r && r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject (r);
}

//  Every counter, summed over buckets, units and days. PRESENT: whether it exists
//  at all (a sum may move by 0). The tickets taken are left out: they move
//  with the intake of the other ticket an action may need (a parent).
static void
s_counters (long long sums[HL_LIFECYCLE_COUNTERS], int present[HL_LIFECYCLE_COUNTERS])
{
    memset (sums, 0, sizeof (long long) * HL_LIFECYCLE_COUNTERS);
    memset (present, 0, sizeof (int) * HL_LIFECYCLE_COUNTERS);
    redisReply *keys = redisCommand (s.redis, "KEYS hl:{*}:m:*");
    for (size_t k = 0; keys && k < keys->elements; k++) {
        redisReply *all = redisCommand (s.redis, "HGETALL %s", keys->element[k]->str);
        for (size_t i = 0; all && i + 1 < all->elements; i += 2) {
            const char *bar = strchr (all->element[i]->str, '|');
            int c = bar ? hl_lifecycle_counter_named (bar + 1) : -1;
            if (c >= 0 && strcmp (bar + 1, "taken") != 0) {
                sums[c] += atoll (all->element[i + 1]->str);
                present[c] = 1;
            }
        }
        freeReplyObject (all);
    }
    freeReplyObject (keys);
}

//  --------------------------------------------------------------------
//  Tickets and actions through hl_store

static int
s_intake (char ticket[HL_STORE_TICKET_MAX])
{
    char rid[32];
    snprintf (rid, sizeof rid, "matrix-%d", ++s.seq);
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c.has_request_id = 1;
    c.request_id = hl_wire_bytes (rid);
    c.has_request_type = 1;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_HELP;
    c.has_content = 1;
    c.content = hl_wire_bytes ("小区路灯不亮");
    hl_store_disposition_t d = { .state = "to_dispatch", .unit = "", .assist = "",
                                 .note = "held for a dispatcher" };
    s_wait_t w = { 0 };
    if (hl_store_intake (s.store, &c, "agent:a1", 0, &d, s_on_intake, &w) != 0 || s_wait (&w.done)
        || w.intake.outcome != HL_STORE_NEW) {
        fprintf (stderr, "intake failed: %s\n", w.intake.error);
        return -1;
    }
    snprintf (ticket, HL_STORE_TICKET_MAX, "%s", w.intake.ticket);
    return 0;
}

//  Sets the Transition field NAME to VALUE as its type wants (an enum
//  value by its lifecycle name: "wrong_area" is RETURN_REASON_WRONG_AREA).
static int
s_set (Hotline__Transition *t, const char *name, const char *value)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name (&hotline__transition__descriptor, name);
    if (!f || f->label == PROTOBUF_C_LABEL_REPEATED) {
        fprintf (stderr, "no way to fill the parameter %s\n", name);
        return -1;
    }
    void *member = (char *) t + f->offset;
    *(protobuf_c_boolean *) ((char *) t + f->quantifier_offset) = 1;
    if (f->type == PROTOBUF_C_TYPE_BYTES) {
        *(ProtobufCBinaryData *) member = hl_wire_bytes (value);
    } else if (f->type == PROTOBUF_C_TYPE_UINT32) {
        *(uint32_t *) member = (uint32_t) strtoul (value, NULL, 10);
    } else if (f->type == PROTOBUF_C_TYPE_BOOL) {
        *(protobuf_c_boolean *) member = value[0] == '1';
    } else if (f->type == PROTOBUF_C_TYPE_ENUM) {
        //  A value is named NAME or PREFIX_NAME, where the enum's first is
        //  PREFIX_UNSPECIFIED.
        const ProtobufCEnumDescriptor *e = f->descriptor;
        char wanted[96];
        size_t n = strlen (e->values[0].name) - strlen ("UNSPECIFIED");
        snprintf (wanted, sizeof wanted, "%.*s%s", (int) n, e->values[0].name, value);
        for (size_t i = n; wanted[i]; i++)
            wanted[i] = (char) toupper ((unsigned char) wanted[i]);
        for (unsigned i = 0; i < e->n_values; i++)
            if (strcmp (e->values[i].name, wanted) == 0
                || strcmp (e->values[i].name, wanted + n) == 0) {
                *(int *) member = e->values[i].value;
                return 0;
            }
        fprintf (stderr, "%s: no value %s\n", name, value);
        return -1;
    } else {
        fprintf (stderr, "%s: a type this test cannot fill\n", name);
        return -1;
    }
    return 0;
}

//  The values given for the parameters: the first example that differs
//  from what the ticket has (so a reassign names another unit); a fresh
//  open ticket where one is needed.
typedef struct {
    char text[HL_LIFECYCLE_LIST][HL_STORE_TICKET_MAX];
} s_values_t;

//  BRANCH: give the action's branch field its branch value.
static int
s_params (Hotline__Transition *t, const hl_lifecycle_action_t *a, const char *ticket,
          s_values_t *v, int branch)
{
    for (int i = 0; a->needs[i]; i++) {
        const hl_lifecycle_field_t *f = hl_lifecycle_field_named (a->needs[i]);
        if (!f)
            return -1;
        if (f->ticket) {
            if (s_intake (v->text[i]) != 0)
                return -1;
        } else {
            char have[64];
            s_field (ticket, f->code, have, sizeof have);
            const char *pick = f->examples[0];
            for (int e = 0; f->examples[e]; e++)
                if (strcmp (f->examples[e], have) != 0) {
                    pick = f->examples[e];
                    break;
                }
            if (!pick) {
                fprintf (stderr, "field %s: no example in the table\n", f->code);
                return -1;
            }
            if (branch && a->branch_field && strcmp (a->branch_field, f->code) == 0)
                pick = a->branch_value;
            snprintf (v->text[i], sizeof v->text[i], "%s", pick);
        }
        if (s_set (t, f->code, v->text[i]) != 0)
            return -1;
    }
    return 0;
}

//  Who takes A on TICKET: a staff member of the role, or the ticket's lead
//  unit (unit:rsj when it has none, and the unit is then refused).
static void
s_actor (const hl_lifecycle_action_t *a, const char *ticket, char *out, size_t len)
{
    char unit[64];
    s_field (ticket, "unit", unit, sizeof unit);
    if (strcmp (a->who, "agent") == 0)
        snprintf (out, len, "agent:a1");
    else if (strcmp (a->who, "dispatcher") == 0
             || (strcmp (a->who, "lead_or_dispatcher") == 0 && !*unit))
        snprintf (out, len, "dispatcher:d1");
    else
        snprintf (out, len, "unit:%s/w1", *unit ? unit : "rsj");
}

//  Takes A (its branch if BRANCH) as request RID (NULL: a new one).
static hl_store_transition_result_t
s_act_as (const char *ticket, const hl_lifecycle_action_t *a, int branch, const char *rid)
{
    hl_store_transition_result_t failed = { .outcome = HL_STORE_FAILED };
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (ticket);
    t.has_action = 1;
    t.action = a->wire;
    s_values_t values;
    if (s_params (&t, a, ticket, &values, branch) != 0)
        return failed;
    char actor[96], fresh[32];
    s_actor (a, ticket, actor, sizeof actor);
    snprintf (fresh, sizeof fresh, "act-%d", ++s.seq);
    rid = rid ? rid : fresh;
    s_wait_t w = { 0 };
    if (hl_store_transition (s.store, &t, actor, rid, strlen (rid), 0, NULL, s_on_transition, &w)
        || s_wait (&w.done))
        return failed;
    return w.transition;
}

static hl_store_transition_result_t
s_act_branch (const char *ticket, const hl_lifecycle_action_t *a, int branch)
{
    return s_act_as (ticket, a, branch, NULL);
}

static hl_store_transition_result_t
s_act (const char *ticket, const hl_lifecycle_action_t *a)
{
    return s_act_branch (ticket, a, 0);
}

//  Takes A (its branch if BRANCH), which must succeed (on the way to a
//  state).
static int
s_do_branch (const char *ticket, const hl_lifecycle_action_t *a, int branch)
{
    hl_store_transition_result_t r = s_act_branch (ticket, a, branch);
    if (r.outcome != HL_STORE_NEW) {
        fprintf (stderr, "%s on %s: outcome %d, %s\n", a->code, ticket, (int) r.outcome, r.error);
        return -1;
    }
    return 0;
}

static int
s_do (const char *ticket, const hl_lifecycle_action_t *a)
{
    return s_do_branch (ticket, a, 0);
}

//  --------------------------------------------------------------------
//  The way to each state

static int
s_index (const hl_lifecycle_state_t *state)
{
    return (int) (state - hl_lifecycle_states);
}

//  Breadth first from to_dispatch (intake held for a dispatcher) over the
//  actions that change the state, and their branches.
static void
s_plan (void)
{
    int queue[HL_LIFECYCLE_STATES], head = 0, tail = 0;
    int start = s_index (hl_lifecycle_state (HL_STATE_TO_DISPATCH));
    for (int i = 0; i < HL_LIFECYCLE_STATES; i++)
        s.path_prev[i] = -2;     //  unreached
    s.path_prev[start] = -1;
    queue[tail++] = start;
    while (head < tail) {
        int from = queue[head++];
        for (int e = 0; e < 2 * HL_LIFECYCLE_ACTIONS; e++) {
            const hl_lifecycle_action_t *act = &hl_lifecycle_actions[e / 2];
            int branch = e % 2;
            int to = branch ? (act->branch_field ? act->branch_to : HL_LIFECYCLE_SAME) : act->to;
            if (to == HL_LIFECYCLE_SAME || s.path_prev[to] != -2
                || !hl_lifecycle_allows (act, &hl_lifecycle_states[from]))
                continue;
            s.path_prev[to] = from;
            s.path_action[to] = e / 2;
            s.path_branch[to] = branch;
            queue[tail++] = to;
        }
    }
}

//  A new ticket in state STATE (an index), through intake and the way
//  planned. 0 or -1.
static int
s_reach (int state, char ticket[HL_STORE_TICKET_MAX])
{
    int way[HL_LIFECYCLE_STATES], n = 0;
    for (int at = state; s.path_prev[at] >= 0; at = s.path_prev[at])
        way[n++] = at;
    if (s.path_prev[state] == -2 || s_intake (ticket) != 0)
        return -1;
    while (n > 0) {
        int at = way[--n];
        if (s_do_branch (ticket, &hl_lifecycle_actions[s.path_action[at]], s.path_branch[at]))
            return -1;
    }
    return 0;
}

//  Makes the ticket's condition C true by the action the table names.
static int
s_make (const char *ticket, const char *condition)
{
    const hl_lifecycle_condition_t *c = hl_lifecycle_condition_named (condition);
    return c ? s_do (ticket, hl_lifecycle_action_named (c->set_by)) : -1;
}

//  --------------------------------------------------------------------
//  One cell

typedef struct {
    long long history;
    char state[32];
    long long sums[HL_LIFECYCLE_COUNTERS];
    int present[HL_LIFECYCLE_COUNTERS];
} s_snapshot_t;

static void
s_snap (const char *ticket, s_snapshot_t *snap)
{
    snap->history = s_llen (ticket);
    s_field (ticket, "state", snap->state, sizeof snap->state);
    s_counters (snap->sums, snap->present);
}

static int
s_listed (const char *const *list, const char *code)
{
    for (int i = 0; list[i]; i++)
        if (strcmp (list[i], code) == 0)
            return 1;
    return 0;
}

//  The refusal an action from a state the table forbids gets: forbidden
//  when nobody of the action's role can act on the ticket (a unit action
//  on a ticket without a lead unit), else invalid_transition.
static int
s_refusal (const hl_lifecycle_action_t *a, const char *ticket)
{
    char unit[64];
    s_field (ticket, "unit", unit, sizeof unit);
    int unit_role = strcmp (a->who, "lead") == 0 || strcmp (a->who, "unit") == 0;
    return unit_role && !*unit ? HOTLINE__ERROR_CODE__ERROR_FORBIDDEN
                               : HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION;
}

static void
s_expect_unchanged (const char *where, const char *ticket, const s_snapshot_t *before)
{
    s_snapshot_t after;
    s_snap (ticket, &after);
    if (after.history != before->history || strcmp (after.state, before->state) != 0
        || memcmp (after.sums, before->sums, sizeof after.sums) != 0) {
        fprintf (stderr, "%s: a refused action changed the ticket or the counters\n", where);
        hl_test_failures++;
    }
}

static void
s_expect_done (const char *where, const char *ticket, const hl_lifecycle_action_t *a,
               const hl_lifecycle_state_t *from, const hl_store_transition_result_t *r,
               const s_snapshot_t *before)
{
    const hl_lifecycle_state_t *to = hl_lifecycle_after (a, from);
    s_snapshot_t after;
    s_snap (ticket, &after);
    if (r->outcome != HL_STORE_NEW || r->from != from->wire || r->to != to->wire
        || strcmp (after.state, to->code) != 0) {
        fprintf (stderr, "%s: outcome %d code %d (%s), %s -> %s; expected %s\n", where,
                 (int) r->outcome, (int) r->code, r->error, hl_wire_state_name (r->from),
                 after.state, to->code);
        hl_test_failures++;
        return;
    }
    //  One history entry of this action, from -> to (more for a merge: the
    //  parent gets its own).
    char entry[1024] = "", want[160];
    redisReply *h = s_history (ticket);
    size_t n = h ? h->element[1]->elements : 0;
    if (n > 0 && h->element[1]->element[n - 1]->elements == 6) {      //  the last entry
        redisReply **e = h->element[1]->element[n - 1]->element;
        snprintf (entry, sizeof entry, "|%s|%s|%s|%s|%s|", e[0]->str, e[1]->str, e[2]->str,
                  e[3]->str, e[4]->str);
    }
    freeReplyObject (h);
    //  Its parts: at, actor, action, from, to (then the note).
    snprintf (want, sizeof want, "|%s|%s|%s|", a->code, from->code, to->code);
    if (after.history != before->history + 1 || !strstr (entry, want)) {
        fprintf (stderr, "%s: history %lld -> %lld, last entry %s\n", where, before->history,
                 after.history, entry);
        hl_test_failures++;
    }
    //  The counters the table says it always moves moved (a count by one);
    //  nothing else moved but those it may move. An appeal granted takes
    //  back whatever the ticket counted.
    int appeal = a->wire == HL_ACTION_GRANT_APPEAL;
    for (int c = 0; c < HL_LIFECYCLE_COUNTERS; c++) {
        const hl_lifecycle_counter_t *k = &hl_lifecycle_counters[c];
        long long delta = after.sums[c] - before->sums[c];
        int always = s_listed (a->counts, k->code);
        int maybe = s_listed (a->may_count, k->code) || (appeal && delta < 0);
        int moved = delta != 0 || (after.present[c] && !before->present[c]);
        if ((always && (k->sum ? !after.present[c] : delta != 1)) || (moved && !always && !maybe)) {
            fprintf (stderr, "%s: counter %s moved by %lld\n", where, k->code, delta);
            hl_test_failures++;
        }
    }
}

//  Action A from state STATE (an index): allowed or refused as the table
//  says; then each condition it requires, unmet, refuses it too.
static void
s_cell (int state, const hl_lifecycle_action_t *a)
{
    const hl_lifecycle_state_t *from = &hl_lifecycle_states[state];
    int allowed = hl_lifecycle_allows (a, from);
    char where[96], ticket[HL_STORE_TICKET_MAX];
    snprintf (where, sizeof where, "%s from %s", a->code, from->code);
    if (s_reach (state, ticket) != 0) {
        fprintf (stderr, "%s: cannot reach the state\n", where);
        hl_test_failures++;
        return;
    }
    for (int i = 0; allowed && a->requires[i].code; i++)
        if (a->requires[i].value && s_make (ticket, a->requires[i].code) != 0)
            hl_test_failures++;
    s_snapshot_t before;
    s_snap (ticket, &before);
    int refusal = s_refusal (a, ticket);
    hl_store_transition_result_t r = s_act (ticket, a);
    if (allowed) {
        s_expect_done (where, ticket, a, from, &r, &before);
    } else {
        if (r.outcome != HL_STORE_REFUSED || (int) r.code != refusal) {
            fprintf (stderr, "%s: outcome %d code %s (%s); expected %s\n", where,
                     (int) r.outcome, hl_wire_error_name (r.code), r.error,
                     hl_wire_error_name (refusal));
            hl_test_failures++;
        }
        s_expect_unchanged (where, ticket, &before);
    }
    for (int i = 0; allowed && a->requires[i].code; i++) {
        snprintf (where, sizeof where, "%s from %s, %s %s", a->code, from->code,
                  a->requires[i].value ? "not" : "already", a->requires[i].code);
        if (s_reach (state, ticket) != 0
            || (!a->requires[i].value && s_make (ticket, a->requires[i].code) != 0)) {
            hl_test_failures++;
            continue;
        }
        s_snap (ticket, &before);
        r = s_act (ticket, a);
        if (r.outcome != HL_STORE_REFUSED || r.code != HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION) {
            fprintf (stderr, "%s: outcome %d code %d; expected invalid_transition\n", where,
                     (int) r.outcome, (int) r.code);
            hl_test_failures++;
        }
        s_expect_unchanged (where, ticket, &before);
    }
}

//  --------------------------------------------------------------------

static int
s_setup (void)
{
    s.env = hl_testenv_new ("lifecycle");
    if (!s.env || hl_testenv_redis_start (s.env) != 0)
        return -1;
    s.redis = hl_testenv_redis (s.env);
    s.base = event_base_new ();
    s.tick = event_new (s.base, -1, EV_PERSIST, s_on_tick, NULL);
    struct timeval tv = { 0, 20000 };
    event_add (s.tick, &tv);
    hl_store_opts_t o;
    hl_store_opts_default (&o);
    o.idempotency_ttl_s = 600;
    o.redis.address = hl_testenv_redis_address (s.env);
    char err[256];
    s.store = hl_store_new (s.base, &o, err, sizeof err);
    if (!s.store) {
        fprintf (stderr, "store: %s\n", err);
        return -1;
    }
    int ready = 0;
    hl_store_set_ready_fn (s.store, s_on_ready, &ready);
    if (!hl_store_is_ready (s.store) && s_wait (&ready) != 0)
        return -1;
    s_plan ();
    return 0;
}

static void
s_teardown (void)
{
    hl_store_destroy (&s.store);
    if (s.tick)
        event_free (s.tick);
    if (s.base)
        event_base_free (s.base);
    hl_testenv_destroy (&s.env);
}

//  Every state is reachable from intake, so every cell can be tried.
static void
test_reachable (void)
{
    for (int i = 0; i < HL_LIFECYCLE_STATES; i++) {
        if (s.path_prev[i] == -2 && !hl_lifecycle_states[i].intake) {
            fprintf (stderr, "state %s: no way to it\n", hl_lifecycle_states[i].code);
            hl_test_failures++;
        }
    }
}

//  A resend of one of a ticket's last four actions (a lost answer) is
//  answered as the first time and not applied again; older results are
//  not kept (hotline.lua's ACT_KEEP), so the store's memory per ticket
//  stays bounded.
static void
test_resends (void)
{
    char ticket[HL_STORE_TICKET_MAX];
    const hl_lifecycle_action_t *progress = hl_lifecycle_action_named ("progress");
    HL_CHECK (progress && s_reach (s_index (hl_lifecycle_state_named ("in_progress")), ticket) == 0);
    hl_store_transition_result_t first = s_act_as (ticket, progress, 0, "resend-0");
    HL_CHECK (first.outcome == HL_STORE_NEW);
    long long entries = s_llen (ticket);
    hl_store_transition_result_t again = s_act_as (ticket, progress, 0, "resend-0");
    HL_CHECK (again.outcome == HL_STORE_DUP && again.from == first.from && again.to == first.to
              && again.at_ms == first.at_ms && s_llen (ticket) == entries);
    char rid[32];
    for (int i = 1; i <= 4; i++) {
        snprintf (rid, sizeof rid, "resend-%d", i);
        HL_CHECK (s_act_as (ticket, progress, 0, rid).outcome == HL_STORE_NEW);
    }
    HL_CHECK (s_act_as (ticket, progress, 0, "resend-1").outcome == HL_STORE_DUP);
    HL_CHECK (s_act_as (ticket, progress, 0, "resend-4").outcome == HL_STORE_DUP);
    //  The fifth action back is forgotten: taken as a new one.
    HL_CHECK (s_act_as (ticket, progress, 0, "resend-0").outcome == HL_STORE_NEW);
    HL_CHECK (s_llen (ticket) == entries + 5);
    //  A result kept by store layout 5 spells out what layout 7 reads from
    //  the action's history entry: it is answered the same.
    redisReply *r = redisCommand (s.redis, "HSET %s a:3 %s", hl_testenv_tkey (ticket, "t"),
                                  "old-7|signed|in_progress|1764460900000|rsj|");
    freeReplyObject (r);
    hl_store_transition_result_t old = s_act_as (ticket, progress, 0, "old-7");
    HL_CHECK (old.outcome == HL_STORE_DUP && old.at_ms == 1764460900000LL
              && old.from == hl_lifecycle_state_named ("signed")->wire
              && old.to == hl_lifecycle_state_named ("in_progress")->wire);
    HL_CHECK (s_llen (ticket) == entries + 5);
}

static void
test_matrix (void)
{
    int cells = 0;
    for (int st = 0; st < HL_LIFECYCLE_STATES; st++)
        for (int a = 0; a < HL_LIFECYCLE_ACTIONS; a++, cells++)
            s_cell (st, &hl_lifecycle_actions[a]);
    printf ("%d states x %d actions: %d cells\n", HL_LIFECYCLE_STATES, HL_LIFECYCLE_ACTIONS, cells);
}

int
main (int argc, char **argv)
{
    static const hl_test_case_t cases[] = {
        { "reachable", test_reachable },
        { "matrix", test_matrix },
        { "resends", test_resends },
        { NULL, NULL }
    };
    if (s_setup () != 0) {
        fprintf (stderr, "cannot start redis-server and the store\n");
        s_teardown ();
        return 1;
    }
    int rc = hl_test_main (cases, argc, argv);
    s_teardown ();
    return rc;
}
