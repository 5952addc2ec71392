/*  hl_tui_app: the agent's terminal. See hl_tui_app.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_app.h"
#include "hl_catalogue.h"
#include "hl_codes.h"
#include "hl_tui_action.h"
#include "hl_tui_caller.h"
#include "hl_tui_cti.h"
#include "hl_tui_edit.h"
#include "hl_tui_form.h"
#include "hl_tui_kb.h"
#include "hl_tui_link.h"
#include "hl_tui_lookup.h"
#include "hl_tui_pager.h"
#include "hl_tui_picker.h"
#include "hl_tui_screen.h"
#include "hl_tui_similar.h"
#include "hl_tui_text.h"
#include "hl_tui_visit.h"
#include "hl_wire.h"

#include <assert.h>
#include <curses.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>
#include <zmq.h>

#define S_HEARTBEAT_US 1000000      //  status question every second
#define S_AWAY_US 2500000           //  no answer for this long: hotlined is away
#define S_SIDE_MIN_COLS 72          //  narrower: no side panels
#define S_HISTORY_ROWS 4            //  caller's warning line and 3 tickets
#define S_SIMILAR_ROWS 7            //  header and 3 tickets of 2 rows

typedef enum { S_CALL, S_LOOKUP, S_VISIT } s_screen_t;
typedef enum { S_FOCUS_FORM, S_FOCUS_KB, S_FOCUS_SIMILAR } s_focus_t;

//  What an open picker, dialog or pager is for.
typedef enum {
    S_OP_NONE = 0,
    S_OP_PICK_TYPE, S_OP_PICK_CATEGORY, S_OP_PICK_AREA,
    S_OP_TRANSFER, S_OP_OUT_OF_SCOPE,
    S_OP_ANSWER_NOTE,               //  prompt: the answer given
    S_OP_ARTICLE,                   //  pager: a knowledge-base article
    S_OP_HELP,                      //  pager: the keys
    S_OP_CONFIRM_NEW, S_OP_CONFIRM_QUIT, S_OP_CONFIRM_MERGE
} s_op_t;

struct hl_tui_app {
    hl_tui_app_opts_t opts;
    char actor[80];
    hl_codes_t *codes;
    hl_catalogue_t *catalogue;      //  may be NULL: no unit preview
    hl_tui_link_t *link;
    hl_tui_action_t *action;
    hl_tui_form_t *form;
    hl_tui_caller_t *caller;
    hl_tui_cti_t *cti;              //  incoming calls (NULL: none)
    hl_tui_call_t ringing;          //  a call that came while a form was being filled
    int has_ringing;
    char call_ref[64];              //  the current call's id in the phone system
    hl_tui_kb_t *kb;
    hl_tui_similar_t *similar;
    hl_tui_lookup_t *lookup;
    hl_tui_visit_t *visit;
    hl_tui_query_t *status;         //  heartbeat
    hl_tui_picker_t *pickers[S_OP_OUT_OF_SCOPE + 1];
    hl_tui_pager_t *pager;
    hl_tui_edit_t *prompt;
    hl_tui_query_t *queries[16];    //  every query, for the loop
    size_t n_queries;

    s_screen_t screen;
    s_focus_t focus;
    s_op_t op;
    char confirm[200];              //  the question of a confirm dialog
    char merge_parent[40];

    int64_t started_us;
    int64_t last_seen_us;           //  last answer from hotlined
    int64_t next_beat_us;
    int online;                     //  -1 not known yet
    int key_refused;                //  hotlined does not list our CURVE key
    int store_up;
    char message[400];
    hl_tui_style_t message_style;
    int quit;
    int dirty;                      //  redraw needed

    FILE *trace;
    unsigned long keys;             //  command keys read (F-keys, Tab, Enter, digits, ...)
    unsigned long chars;            //  characters typed into text (the caller's words, searches)
    unsigned long flow_keys;        //  both at the start of the current flow
    unsigned long flow_chars;
    unsigned long flow_trips;
    int64_t flow_start_us;
    unsigned long kb_answers_shown;
};

//  ---------------------------------------------------------------------
//  Construction

//  A picker over catalogue KIND of the codes file.
static hl_tui_picker_t *
s_codes_picker (const hl_codes_t *codes, hl_codes_kind_t kind, const char *title)
{
    hl_tui_picker_t *p = hl_tui_picker_new (title, 0);
    for (size_t i = 0; i < hl_codes_count (codes, kind); i++)
        hl_tui_picker_add (p, hl_codes_code_at (codes, kind, i), hl_codes_name_at (codes, kind, i));
    return p;
}

//  The fixed pickers: request types, emergency numbers, refusal reasons.
static void
s_fixed_pickers (hl_tui_app_t *self)
{
    hl_tui_picker_t *p = hl_tui_picker_new ("诉求类型", 0);
    for (int t = 1; hl_wire_request_type_label (t); t++) {
        char code[16];
        snprintf (code, sizeof code, "%d", t);
        hl_tui_picker_add (p, code, hl_wire_request_type_label (t));
    }
    hl_tui_picker_digits (p, 1);
    self->pickers[S_OP_PICK_TYPE] = p;

    p = hl_tui_picker_new ("紧急转接", 0);
    hl_tui_picker_add (p, "110", "公安 (治安、刑事警情)");
    hl_tui_picker_add (p, "119", "消防 (火警、抢险救援)");
    hl_tui_picker_add (p, "120", "医疗急救");
    hl_tui_picker_add (p, "122", "交通事故");
    hl_tui_picker_digits (p, 1);
    self->pickers[S_OP_TRANSFER] = p;

    p = hl_tui_picker_new ("不予受理的理由 (可直接输入其他理由)", 1);
    hl_tui_picker_add (p, "诉讼", "已进入或应通过诉讼程序解决的事项");
    hl_tui_picker_add (p, "仲裁", "应通过仲裁解决的事项");
    hl_tui_picker_add (p, "复议", "应通过行政复议解决的事项");
    hl_tui_picker_add (p, "信访", "应通过信访渠道反映的事项");
    hl_tui_picker_add (p, "党纪", "涉及党纪政纪的检举控告");
    hl_tui_picker_add (p, "涉密", "涉及国家秘密、商业秘密的事项");
    hl_tui_picker_digits (p, 1);
    self->pickers[S_OP_OUT_OF_SCOPE] = p;
}

static void
s_add_query (hl_tui_app_t *self, hl_tui_query_t *q)
{
    assert (self->n_queries < sizeof self->queries / sizeof self->queries[0]);
    self->queries[self->n_queries++] = q;
}

hl_tui_app_t *
hl_tui_app_new (const hl_tui_app_opts_t *opts, char *err, size_t errlen)
{
    hl_tui_app_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->opts = *opts;
    snprintf (self->actor, sizeof self->actor, "agent:%s", opts->agent);
    self->codes = hl_codes_load (opts->codes, err, errlen);
    self->link = hl_tui_link_new (opts->endpoint, opts->keys);
    self->action = hl_tui_action_new (opts->endpoint, opts->keys, opts->timeout_ms);
    if (!self->codes || !self->link || !self->action) {
        if (self->codes)
            snprintf (err, errlen, "bad endpoint '%s'", opts->endpoint);
        hl_tui_app_destroy (&self);
        return NULL;
    }
    char ignored[256];
    if (opts->dispatch)
        self->catalogue = hl_catalogue_load (opts->dispatch, ignored, sizeof ignored);
    if (opts->cti && *opts->cti) {
        self->cti = hl_tui_cti_new (opts->cti, opts->agent, err, errlen);
        if (!self->cti) {
            hl_tui_app_destroy (&self);
            return NULL;
        }
    }
    snprintf (self->call_ref, sizeof self->call_ref, "%s", opts->call_ref ? opts->call_ref : "");
    self->form = hl_tui_form_new ();
    self->caller = hl_tui_caller_new (self->link);
    self->kb = hl_tui_kb_new (self->link, opts->debounce_ms);
    self->similar = hl_tui_similar_new (self->link, opts->debounce_ms);
    self->lookup = hl_tui_lookup_new (self->link);
    self->visit = hl_tui_visit_new (self->link);
    self->status = hl_tui_query_new (self->link, "st", HOTLINE__ENVELOPE__BODY_STATUS, 0);
    self->pickers[S_OP_PICK_CATEGORY] = s_codes_picker (self->codes, HL_CODES_CATEGORY, "分类");
    self->pickers[S_OP_PICK_AREA] = s_codes_picker (self->codes, HL_CODES_AREA, "区域");
    s_fixed_pickers (self);
    self->pager = hl_tui_pager_new ();
    self->prompt = hl_tui_edit_new (1000, 1);
    s_add_query (self, hl_tui_caller_query (self->caller));
    s_add_query (self, hl_tui_kb_query (self->kb));
    s_add_query (self, hl_tui_similar_query (self->similar));
    for (int i = 0; i < HL_TUI_LOOKUP_QUERIES; i++)
        s_add_query (self, hl_tui_lookup_query (self->lookup, i));
    for (int i = 0; i < HL_TUI_VISIT_QUERIES; i++)
        s_add_query (self, hl_tui_visit_query (self->visit, i));
    s_add_query (self, self->status);
    self->online = -1;
    self->store_up = 1;
    if (opts->trace) {
        self->trace = fopen (opts->trace, "a");
        if (self->trace)
            setvbuf (self->trace, NULL, _IOLBF, 0);
    }
    return self;
}

void
hl_tui_app_destroy (hl_tui_app_t **self_p)
{
    assert (self_p);
    hl_tui_app_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < sizeof self->pickers / sizeof self->pickers[0]; i++)
        hl_tui_picker_destroy (&self->pickers[i]);
    hl_tui_query_destroy (&self->status);
    hl_tui_visit_destroy (&self->visit);
    hl_tui_lookup_destroy (&self->lookup);
    hl_tui_similar_destroy (&self->similar);
    hl_tui_kb_destroy (&self->kb);
    hl_tui_caller_destroy (&self->caller);
    hl_tui_cti_destroy (&self->cti);
    hl_tui_form_destroy (&self->form);
    hl_tui_pager_destroy (&self->pager);
    hl_tui_edit_destroy (&self->prompt);
    hl_tui_action_destroy (&self->action);
    hl_tui_link_destroy (&self->link);
    hl_catalogue_destroy (&self->catalogue);
    hl_codes_destroy (&self->codes);
    if (self->trace)
        fclose (self->trace);
    free (self);
    *self_p = NULL;
}

//  ---------------------------------------------------------------------
//  Messages and figures

static void
s_say (hl_tui_app_t *self, hl_tui_style_t style, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  The message line under the screen.
static void
s_say (hl_tui_app_t *self, hl_tui_style_t style, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (self->message, sizeof self->message, fmt, ap);
    va_end (ap);
    self->message_style = style;
    self->dirty = 1;
    if (self->trace)
        fprintf (self->trace, "message %s\n", self->message);
}

//  Round trips to hotlined so far, besides the heartbeat.
static unsigned long
s_round_trips (const hl_tui_app_t *self)
{
    unsigned long n = hl_tui_action_round_trips (self->action);
    for (size_t i = 0; i < self->n_queries; i++)
        if (self->queries[i] != self->status)
            n += hl_tui_query_answers (self->queries[i]);
    return n;
}

//  A flow (a call, a visit) starts: count its keys and round trips.
static void
s_flow_start (hl_tui_app_t *self)
{
    self->flow_keys = self->keys;
    self->flow_chars = self->chars;
    self->flow_trips = s_round_trips (self);
    self->flow_start_us = hl_tui_link_now_us ();
}

//  A flow ended with TICKET: record its figures.
static void
s_flow_end (hl_tui_app_t *self, const char *flow, const char *ticket)
{
    if (self->trace)
        fprintf (self->trace, "flow %s ticket=%s keys=%lu chars=%lu round_trips=%lu ms=%.0f\n",
                 flow, ticket, self->keys - self->flow_keys, self->chars - self->flow_chars,
                 s_round_trips (self) - self->flow_trips,
                 (double) (hl_tui_link_now_us () - self->flow_start_us) / 1000.0);
    s_flow_start (self);
}

//  ---------------------------------------------------------------------
//  Writing tickets

static void s_render (hl_tui_app_t *self);

//  Tell the agent how a write went; for a refusal, put the focus on the
//  field at fault. Returns 0 if stored.
static int
s_report (hl_tui_app_t *self, const hl_tui_result_t *res, const char *what)
{
    if (res->outcome == HL_TUI_DONE)
        return 0;
    if (res->outcome == HL_TUI_UNREACHABLE) {
        self->online = 0;
        s_say (self, HL_TUI_WARN, "%s未获确认: hotlined 无应答。表单保留，恢复后重按即可 "
               "(不会重复)", what);
        return -1;
    }
    if (strcmp (res->code, "conflict") == 0) {
        s_say (self, HL_TUI_WARN, "%s被拒绝: 此表单先前已以不同内容提交过。请按 F5 查询该来电的"
               "工单核对，F10 开始新表单", what);
        return -1;
    }
    int field = hl_tui_form_field_of (res->field);
    if (field >= 0 && self->screen == S_CALL) {
        hl_tui_form_set_focus (self->form, (hl_tui_field_t) field);
        self->focus = S_FOCUS_FORM;
    }
    s_say (self, HL_TUI_WARN, "%s被拒绝 (%s): %s", what, res->code, res->message);
    return -1;
}

//  Draws "提交中…" before a write that may take a while.
static void
s_busy (hl_tui_app_t *self, const char *what)
{
    s_say (self, HL_TUI_DIM, "%s提交中…", what);
    s_render (self);
}

//  After a stored ticket (STORED, or NULL for a new call): a fresh form for
//  the same caller, whose history is read again until it shows the new
//  ticket (the caller's list trails the store by the outbox's lag).
static void
s_next_form (hl_tui_app_t *self, const char *stored)
{
    int64_t now = hl_tui_link_now_us ();
    hl_tui_form_reset (self->form, 1);
    hl_tui_kb_input (self->kb, "", now);
    hl_tui_similar_input (self->similar, "", "", "", now);
    hl_tui_caller_refresh (self->caller, now);
    if (stored)
        hl_tui_caller_expect (self->caller, stored);
    self->focus = S_FOCUS_FORM;
}

//  The name of unit CODE from the catalogue, or the code itself.
static const char *
s_unit_name (const hl_tui_app_t *self, const char *code)
{
    const char *name = self->catalogue
                     ? hl_catalogue_unit_name (self->catalogue, code, strlen (code)) : NULL;
    return name ? name : code;
}

//  Submit the form with DISPOSITION (and its note, article or number).
//  Returns the result; *RES->ticket is set when stored.
static int
s_submit (hl_tui_app_t *self, Hotline__Disposition disposition, const char *note,
          const char *article, unsigned transfer_to, hl_tui_result_t *res)
{
    char msg[200];
    if (hl_tui_form_check (self->form, msg, sizeof msg) != 0) {
        self->focus = S_FOCUS_FORM;
        s_say (self, HL_TUI_WARN, "%s", msg);
        return -1;
    }
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    hl_tui_form_complaint (self->form, &c, self->opts.agent);
    if (*self->call_ref) {
        c.has_channel_ref = 1;
        c.channel_ref = hl_wire_bytes (self->call_ref);
    }
    c.has_disposition = 1;
    c.disposition = disposition;
    if (note && *note) {
        c.has_note = 1;
        c.note = hl_wire_bytes (note);
    }
    if (article && *article) {
        c.has_article = 1;
        c.article = hl_wire_bytes (article);
    }
    if (transfer_to) {
        c.has_transfer_to = 1;
        c.transfer_to = transfer_to;
    }
    s_busy (self, "工单");
    hl_tui_action_submit (self->action, &c, hl_tui_form_rid (self->form), res);
    if (res->outcome == HL_TUI_DONE)
        self->last_seen_us = hl_tui_link_now_us ();
    return s_report (self, res, "工单");
}

//  F2: to dispatch through the catalogue; the unit comes from the ticket.
static void
s_do_dispatch (hl_tui_app_t *self)
{
    hl_tui_result_t res;
    if (s_submit (self, HOTLINE__DISPOSITION__DISPOSITION_DISPATCH, NULL, NULL, 0, &res) != 0)
        return;
    hl_tui_action_unit (self->action, res.ticket, &res);
    s_say (self, HL_TUI_OK, "工单 %s 已受理%s: %s%s%s", res.ticket, res.duplicate ? " (重复提交，未新建)" : "",
           hl_wire_state_label (res.state) ? hl_wire_state_label (res.state) : "",
           *res.unit ? " → " : "", *res.unit ? s_unit_name (self, res.unit) : "");
    s_flow_end (self, "dispatch", res.ticket);
    s_next_form (self, res.ticket);
}

//  F4 confirmed: answered directly with the selected article and NOTE.
static void
s_do_answer (hl_tui_app_t *self, const char *note)
{
    const Hotline__KbHit *hit = hl_tui_kb_selected (self->kb);
    char article[128] = "";
    if (hit)
        snprintf (article, sizeof article, "%.*s", (int) hit->id.len, hit->id.data);
    hl_tui_result_t res;
    if (s_submit (self, HOTLINE__DISPOSITION__DISPOSITION_ANSWERED_DIRECTLY, note, article, 0,
                  &res) != 0)
        return;
    s_say (self, HL_TUI_OK, "工单 %s 已直接答复并办结%s%s", res.ticket, *article ? "，知识 " : "",
           article);
    s_flow_end (self, "answered_directly", res.ticket);
    s_next_form (self, res.ticket);
}

//  F7 chosen: emergency transfer to NUMBER.
static void
s_do_transfer (hl_tui_app_t *self, const char *number)
{
    hl_tui_result_t res;
    if (s_submit (self, HOTLINE__DISPOSITION__DISPOSITION_TRANSFERRED, NULL, NULL,
                  (unsigned) atoi (number), &res) != 0)
        return;
    s_say (self, HL_TUI_OK, "工单 %s 已记录紧急转接 %s", res.ticket, number);
    s_flow_end (self, "transferred", res.ticket);
    s_next_form (self, res.ticket);
}

//  F8 chosen: out of scope with REASON told to the caller.
static void
s_do_out_of_scope (hl_tui_app_t *self, const char *reason)
{
    hl_tui_result_t res;
    if (s_submit (self, HOTLINE__DISPOSITION__DISPOSITION_OUT_OF_SCOPE, reason, NULL, 0,
                  &res) != 0)
        return;
    s_say (self, HL_TUI_OK, "工单 %s 不予受理: %s", res.ticket, reason);
    s_flow_end (self, "out_of_scope", res.ticket);
    s_next_form (self, res.ticket);
}

//  Merge confirmed: the form is stored on hold, then merged into PARENT.
//  Both steps have request ids derived from the form's, so repeating the
//  whole after a failure repeats neither.
static void
s_do_merge (hl_tui_app_t *self, const char *parent)
{
    hl_tui_result_t res;
    if (s_submit (self, HOTLINE__DISPOSITION__DISPOSITION_HOLD, NULL, NULL, 0, &res) != 0)
        return;
    char rid[80], ticket[40];
    snprintf (rid, sizeof rid, "%s-m-%s", hl_tui_form_rid (self->form), parent);
    snprintf (ticket, sizeof ticket, "%s", res.ticket);
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (ticket);
    t.has_action = 1;
    t.action = HOTLINE__ACTION__ACTION_MERGE;
    t.has_actor = 1;
    t.actor = hl_wire_bytes (self->actor);
    t.has_parent = 1;
    t.parent = hl_wire_bytes (parent);
    s_busy (self, "并单");
    hl_tui_action_transition (self->action, &t, rid, &res);
    if (s_report (self, &res, "并单") != 0)
        return;
    s_say (self, HL_TUI_OK, "工单 %s 已并入 %s", ticket, parent);
    s_flow_end (self, "merge", ticket);
    s_next_form (self, ticket);
}

//  Enter on the visit screen with a complete verdict.
static void
s_do_visit (hl_tui_app_t *self)
{
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    const char *rid;
    if (hl_tui_visit_transition (self->visit, &t, &rid) != 0)
        return;
    t.has_actor = 1;
    t.actor = hl_wire_bytes (self->actor);
    char ticket[40];
    snprintf (ticket, sizeof ticket, "%.*s", (int) t.ticket.len, t.ticket.data);
    s_busy (self, "回访");
    hl_tui_result_t res;
    hl_tui_action_transition (self->action, &t, rid, &res);
    if (s_report (self, &res, "回访") != 0)
        return;
    s_say (self, HL_TUI_OK, "工单 %s 回访已记录: %s%s", ticket,
           hl_wire_state_label (res.state) ? hl_wire_state_label (res.state) : "",
           res.state == HOTLINE__STATE__STATE_REVIEWING ? " (不满意，待派单员甄别)" : "");
    s_flow_end (self, "visit", ticket);
    hl_tui_visit_done (self->visit, hl_tui_link_now_us ());
}

//  A call rang here: a fresh form with its number, and the caller's
//  history asked for at once.
static void
s_take_call (hl_tui_app_t *self, const hl_tui_call_t *call)
{
    self->has_ringing = 0;
    snprintf (self->call_ref, sizeof self->call_ref, "%s", call->call_id);
    hl_tui_form_set_phone (self->form, call->caller);
    s_next_form (self, NULL);
    hl_tui_caller_lookup (self->caller, hl_tui_form_phone (self->form), hl_tui_link_now_us ());
    s_flow_start (self);
    s_say (self, HL_TUI_DIM, "来电 %s%s%s", call->caller, *call->line ? "  线路 " : "", call->line);
}

//  The phone system says a call rings here. An empty form takes it at
//  once; a form being filled stays as it is, and F10 takes the call.
static void
s_on_calls (hl_tui_app_t *self)
{
    hl_tui_call_t call;
    while (self->cti && hl_tui_cti_next (self->cti, &call)) {
        if (!hl_tui_form_dirty (self->form) && self->screen == S_CALL)
            s_take_call (self, &call);
        else {
            self->ringing = call;
            self->has_ringing = 1;
            s_say (self, HL_TUI_WARN, "新来电 %s：保存或放弃当前工单后按 F10 接起", call.caller);
        }
    }
}

//  F10: a new call, everything cleared, the caller's number too (or the
//  number of the call that rang meanwhile).
static void
s_new_call (hl_tui_app_t *self)
{
    if (self->has_ringing) {
        hl_tui_form_reset (self->form, 0);
        s_take_call (self, &self->ringing);
        return;
    }
    self->call_ref[0] = '\0';
    hl_tui_form_reset (self->form, 0);
    hl_tui_caller_lookup (self->caller, "", hl_tui_link_now_us ());
    s_next_form (self, NULL);
    s_flow_start (self);
    s_say (self, HL_TUI_DIM, "新来电: 请输入来电号码");
}

//  ---------------------------------------------------------------------
//  Dialogs

static void
s_open_picker (hl_tui_app_t *self, s_op_t op, wchar_t first)
{
    hl_tui_picker_open (self->pickers[op], first);
    self->op = op;
}

static void
s_open_confirm (hl_tui_app_t *self, s_op_t op, const char *question)
{
    snprintf (self->confirm, sizeof self->confirm, "%s", question);
    self->op = op;
}

//  F4: the answer note, prefilled from the selected article.
static void
s_open_answer (hl_tui_app_t *self)
{
    const Hotline__KbHit *hit = hl_tui_kb_selected (self->kb);
    char note[400];
    if (hit)
        snprintf (note, sizeof note, "已按知识库《%.*s》答复来电人", (int) hit->title.len,
                  hit->title.data);
    else
        snprintf (note, sizeof note, "已当场答复来电人");
    hl_tui_edit_set (self->prompt, note);
    self->op = S_OP_ANSWER_NOTE;
}

//  Enter on a knowledge-base suggestion: the article in full.
static void
s_open_article (hl_tui_app_t *self)
{
    if (!hl_tui_kb_selected (self->kb))
        return;
    hl_buf_t text = HL_BUF_INIT;
    hl_tui_kb_article (self->kb, &text);
    hl_tui_pager_set (self->pager, "知识库", text.data, "F4 直接答复  ↑↓ 翻阅  Esc 返回");
    hl_buf_free (&text);
    self->op = S_OP_ARTICLE;
}

static void
s_open_help (hl_tui_app_t *self)
{
    hl_tui_pager_set (self->pager, "按键",
        "来电受理\n"
        "  Tab / Shift-Tab   下一项 / 上一项 (回车同 Tab；内容框内回车换行)\n"
        "  类型              1-7 直接选定: 1咨询 2求助 3投诉 4举报 5建议 6感谢 7其他\n"
        "  分类、区域        直接输入代码或名称的一部分，回车选定\n"
        "  空格              勾选 保密 / 匿名 / 企业\n"
        "  F2                提交，按派单目录派单\n"
        "  F3                知识库: ↑↓ 选择，回车看全文\n"
        "  F4                用所选知识直接答复并办结\n"
        "  F7                紧急转接 110/119/120/122\n"
        "  F8                不予受理 (选择或输入理由)\n"
        "  F9                相似工单: 回车并入所选工单 (并单)\n"
        "  F10               新来电 (清空表单)\n"
        "  Ctrl-Q            退出\n"
        "\n"
        "其他画面\n"
        "  F5                查询: 工单号或来电号码\n"
        "  F6                回访: ↑↓ 选工单, y/n 是否解决, 1/2/3 满意度, 回车提交\n"
        "  Esc               返回来电受理\n"
        "\n"
        "没有 F 键的终端: Alt+数字 等同 F 键 (Alt+0 为 F10)。\n"
        "hotlined 中断时顶部显示红色横幅，表单内容全部保留；恢复后按原键重新提交，\n"
        "同一表单始终使用同一请求号，不会生成第二张工单。\n",
        "↑↓ 翻阅  Esc 返回");
    self->op = S_OP_HELP;
}

//  A picker was answered: apply the choice.
static void
s_picked (hl_tui_app_t *self, s_op_t op)
{
    hl_tui_picker_t *p = self->pickers[op];
    int i = hl_tui_picker_chosen (p);
    const char *code = i >= 0 ? hl_tui_picker_code (p, (size_t) i) : NULL;
    const char *name = i >= 0 ? hl_tui_picker_name (p, (size_t) i) : NULL;
    int64_t now = hl_tui_link_now_us ();
    static const hl_tui_field_t fields[] = { [S_OP_PICK_TYPE] = HL_TUI_F_TYPE,
                                             [S_OP_PICK_CATEGORY] = HL_TUI_F_CATEGORY,
                                             [S_OP_PICK_AREA] = HL_TUI_F_AREA };
    switch (op) {
        case S_OP_PICK_TYPE:
        case S_OP_PICK_CATEGORY:
        case S_OP_PICK_AREA:
            hl_tui_form_pick (self->form, fields[op], code, name);
            hl_tui_similar_input (self->similar, hl_tui_form_content (self->form),
                                  hl_tui_form_code (self->form, HL_TUI_F_AREA),
                                  hl_tui_form_code (self->form, HL_TUI_F_CATEGORY), now);
            break;
        case S_OP_TRANSFER:
            s_do_transfer (self, code);
            break;
        case S_OP_OUT_OF_SCOPE: {
            char *typed = i < 0 ? hl_tui_picker_text (p) : NULL;
            char reason[300];
            snprintf (reason, sizeof reason, "%s", typed ? typed : name);
            free (typed);
            s_do_out_of_scope (self, reason);
            break;
        }
        default:
            break;
    }
}

//  Keys while a picker, dialog or pager is open.
static void
s_op_key (hl_tui_app_t *self, int is_key, wint_t ch)
{
    s_op_t op = self->op;
    int enter = (is_key && ch == KEY_ENTER) || (!is_key && (ch == L'\r' || ch == L'\n'));
    int esc = !is_key && ch == 0x1B;
    if (op <= S_OP_OUT_OF_SCOPE) {
        int rc = hl_tui_picker_key (self->pickers[op], is_key, ch);
        if (rc != HL_TUI_PICKER_OPEN)
            self->op = S_OP_NONE;
        if (rc == HL_TUI_PICKER_CHOSEN)
            s_picked (self, op);
        return;
    }
    if (op == S_OP_ANSWER_NOTE) {
        if (esc)
            self->op = S_OP_NONE;
        else if (enter) {
            self->op = S_OP_NONE;
            char *note = hl_tui_edit_utf8 (self->prompt);
            s_do_answer (self, note);
            free (note);
        }
        else
            hl_tui_edit_key (self->prompt, is_key, ch);
        return;
    }
    if (op == S_OP_ARTICLE || op == S_OP_HELP) {
        if (esc)
            self->op = S_OP_NONE;
        else if (op == S_OP_ARTICLE && is_key && ch == KEY_F (4))
            s_open_answer (self);
        else
            hl_tui_pager_key (self->pager, is_key, ch);
        return;
    }
    //  A yes/no question.
    if (!is_key && (ch == L'y' || ch == L'Y' || enter)) {
        self->op = S_OP_NONE;
        if (op == S_OP_CONFIRM_QUIT)
            self->quit = 1;
        else if (op == S_OP_CONFIRM_NEW)
            s_new_call (self);
        else if (op == S_OP_CONFIRM_MERGE)
            s_do_merge (self, self->merge_parent);
    }
    else if (esc || (!is_key && (ch == L'n' || ch == L'N')))
        self->op = S_OP_NONE;
}

//  ---------------------------------------------------------------------
//  Keys

//  The caller's words, area or category changed: ask the panels again.
static void
s_form_changed (hl_tui_app_t *self, int events)
{
    int64_t now = hl_tui_link_now_us ();
    if (events & HL_TUI_FORM_PHONE)
        hl_tui_caller_lookup (self->caller, hl_tui_form_phone (self->form), now);
    if (events & HL_TUI_FORM_CONTENT)
        hl_tui_kb_input (self->kb, hl_tui_form_content (self->form), now);
    if (events & (HL_TUI_FORM_CONTENT | HL_TUI_FORM_CODES))
        hl_tui_similar_input (self->similar, hl_tui_form_content (self->form),
                              hl_tui_form_code (self->form, HL_TUI_F_AREA),
                              hl_tui_form_code (self->form, HL_TUI_F_CATEGORY), now);
}

//  Keys for the form, or for the panel that has the focus.
static void
s_call_key (hl_tui_app_t *self, int is_key, wint_t ch)
{
    int enter = (is_key && ch == KEY_ENTER) || (!is_key && (ch == L'\r' || ch == L'\n'));
    if (self->focus == S_FOCUS_KB) {
        if (!is_key && ch == 0x1B)
            self->focus = S_FOCUS_FORM;
        else if (enter)
            s_open_article (self);
        else if (!hl_tui_kb_key (self->kb, is_key, ch) && !is_key && ch >= 0x20) {
            self->focus = S_FOCUS_FORM;             //  typing goes back to the form
            s_call_key (self, is_key, ch);
        }
        return;
    }
    if (self->focus == S_FOCUS_SIMILAR) {
        if (!is_key && ch == 0x1B)
            self->focus = S_FOCUS_FORM;
        else if (enter && hl_tui_similar_selected (self->similar)) {
            snprintf (self->merge_parent, sizeof self->merge_parent, "%s",
                      hl_tui_similar_selected (self->similar));
            char q[200];
            snprintf (q, sizeof q, "将本诉求并入工单 %s ? (y 确认 / n 取消)", self->merge_parent);
            s_open_confirm (self, S_OP_CONFIRM_MERGE, q);
        }
        else
            hl_tui_similar_key (self->similar, is_key, ch);
        return;
    }
    wchar_t first = 0;
    int events = hl_tui_form_key (self->form, is_key, ch, &first);
    if (events & HL_TUI_FORM_PICK) {
        hl_tui_field_t f = hl_tui_form_focus (self->form);
        s_open_picker (self, f == HL_TUI_F_TYPE ? S_OP_PICK_TYPE
                           : f == HL_TUI_F_CATEGORY ? S_OP_PICK_CATEGORY : S_OP_PICK_AREA, first);
    }
    s_form_changed (self, events);
}

//  Switch to SCREEN.
static void
s_show (hl_tui_app_t *self, s_screen_t screen)
{
    int64_t now = hl_tui_link_now_us ();
    self->screen = screen;
    if (screen == S_LOOKUP) {
        const char *phone = hl_tui_caller_phone (self->caller);
        hl_tui_lookup_open (self->lookup, phone, now);
    }
    else if (screen == S_VISIT) {
        hl_tui_visit_open (self->visit, now);
        s_flow_start (self);
    }
}

//  Function keys that work everywhere; 1 if KEY was one.
static int
s_global_key (hl_tui_app_t *self, int is_key, wint_t ch)
{
    if (!is_key && ch == 0x11) {            //  Ctrl-Q
        if (hl_tui_form_dirty (self->form))
            s_open_confirm (self, S_OP_CONFIRM_QUIT, "表单尚未提交，确认退出? (y 退出 / n 取消)");
        else
            self->quit = 1;
        return 1;
    }
    if (!is_key)
        return 0;
    switch (ch) {
        case KEY_F (1): s_open_help (self); return 1;
        case KEY_F (5): s_show (self, S_LOOKUP); return 1;
        case KEY_F (6): s_show (self, S_VISIT); return 1;
        default: break;
    }
    if (self->screen != S_CALL)
        return 0;
    switch (ch) {
        case KEY_F (2): s_do_dispatch (self); return 1;
        case KEY_F (3):
            self->focus = self->focus == S_FOCUS_KB ? S_FOCUS_FORM : S_FOCUS_KB;
            return 1;
        case KEY_F (4): s_open_answer (self); return 1;
        case KEY_F (7): s_open_picker (self, S_OP_TRANSFER, 0); return 1;
        case KEY_F (8): s_open_picker (self, S_OP_OUT_OF_SCOPE, 0); return 1;
        case KEY_F (9):
            if (hl_tui_similar_count (self->similar) > 0)
                self->focus = self->focus == S_FOCUS_SIMILAR ? S_FOCUS_FORM : S_FOCUS_SIMILAR;
            else
                s_say (self, HL_TUI_DIM, "没有可并单的相似工单");
            return 1;
        case KEY_F (10):
            if (hl_tui_form_dirty (self->form))
                s_open_confirm (self, S_OP_CONFIRM_NEW, "放弃当前表单，开始新来电? (y 确认 / n 取消)");
            else
                s_new_call (self);
            return 1;
        default:
            return 0;
    }
}

//  True if KEY is a character typed as text (the caller's words, a
//  number, a search) rather than a key spent on the program; the figures
//  count the two apart.
static int
s_typing (const hl_tui_app_t *self, int is_key, wint_t ch)
{
    if (is_key || ch < 0x20 || ch == 0x7F)
        return 0;
    if (self->op == S_OP_ANSWER_NOTE)
        return 1;
    if (self->op != S_OP_NONE)              //  a picker's search; digits choose
        return self->op <= S_OP_OUT_OF_SCOPE && !iswdigit (ch);
    if (self->screen == S_LOOKUP)
        return 1;
    if (self->screen == S_CALL && self->focus == S_FOCUS_FORM)
        return hl_tui_form_typing (self->form) || !iswdigit (ch);
    return 0;
}

//  One key, wherever it belongs.
static void
s_key (hl_tui_app_t *self, int is_key, wint_t ch)
{
    self->dirty = 1;
    if (is_key && ch == KEY_RESIZE)
        return;                             //  the next frame has the new size
    if (s_typing (self, is_key, ch))
        self->chars++;
    else
        self->keys++;
    if (self->op != S_OP_NONE) {
        s_op_key (self, is_key, ch);
        return;
    }
    if (s_global_key (self, is_key, ch))
        return;
    int64_t now = hl_tui_link_now_us ();
    if (self->screen == S_LOOKUP) {
        if (hl_tui_lookup_key (self->lookup, is_key, ch, now) == HL_TUI_LOOKUP_LEAVE)
            self->screen = S_CALL;
    }
    else if (self->screen == S_VISIT) {
        int rc = hl_tui_visit_key (self->visit, is_key, ch, now);
        if (rc == HL_TUI_VISIT_LEAVE)
            self->screen = S_CALL;
        else if (rc == HL_TUI_VISIT_SUBMIT)
            s_do_visit (self);
        else if (rc == HL_TUI_VISIT_INCOMPLETE)
            s_say (self, HL_TUI_WARN, "请先记录是否解决 (y/n) 和满意度 (1/2/3)");
    }
    else
        s_call_key (self, is_key, ch);
}

//  Reads every key waiting. Escape followed at once by a digit is Alt+digit,
//  taken as the F-key of that number (Alt+0: F10) for terminals without
//  function keys.
static void
s_read_keys (hl_tui_app_t *self)
{
    wint_t ch;
    int rc;
    while ((rc = get_wch (&ch)) != ERR) {
        int is_key = rc == KEY_CODE_YES;
        if (!is_key && ch == 0x1B) {
            wint_t next;
            int rc2 = get_wch (&next);
            if (rc2 == OK && next >= L'0' && next <= L'9') {
                s_key (self, 1, KEY_F (next == L'0' ? 10 : (int) (next - L'0')));
                continue;
            }
            if (rc2 == KEY_CODE_YES)
                ungetch ((int) next);
            else if (rc2 == OK)
                unget_wch ((wchar_t) next);
        }
        s_key (self, is_key, ch);
    }
}

//  ---------------------------------------------------------------------
//  hotlined: questions out, answers in, heartbeat

//  Sends whatever question is due.
static void
s_poll_queries (hl_tui_app_t *self, int64_t now)
{
    hl_tui_caller_poll (self->caller, now);
    hl_tui_kb_poll (self->kb, now);
    hl_tui_similar_poll (self->similar, now);
    while (hl_tui_lookup_poll (self->lookup, now))
        ;
    while (hl_tui_visit_poll (self->visit, now))
        ;
    if (now >= self->next_beat_us) {
        self->next_beat_us = now + S_HEARTBEAT_US;
        Hotline__StatusQuery q = HOTLINE__STATUS_QUERY__INIT;
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        env.body_case = HOTLINE__ENVELOPE__BODY_STATUS_QUERY;
        env.status_query = &q;
        hl_tui_query_send (self->status, &env, now);
    }
}

//  hotlined came back: everything shown may be stale, ask again.
static void
s_back_online (hl_tui_app_t *self, int64_t now)
{
    hl_tui_caller_refresh (self->caller, now);
    s_form_changed (self, HL_TUI_FORM_CONTENT);
    if (self->screen == S_VISIT)
        hl_tui_visit_open (self->visit, now);
    if (self->online == 0)
        s_say (self, HL_TUI_OK, "hotlined 已恢复连接，未提交的表单可重新提交");
}

//  Whether hotlined answered lately; banner changes redraw.
static void
s_check_online (hl_tui_app_t *self, int64_t now)
{
    int online = self->last_seen_us && now - self->last_seen_us < S_AWAY_US;
    if (!online && self->online == -1 && now < S_AWAY_US + self->started_us)
        return;                             //  still connecting
    if (online && self->online != 1)
        s_back_online (self, now);
    if (online != self->online)
        self->dirty = 1;
    self->online = online;
}

//  Takes every answer that arrived and gives it to its query.
static void
s_read_answers (hl_tui_app_t *self, int64_t now)
{
    Hotline__Envelope *reply;
    while ((reply = hl_tui_link_recv (self->link)) != NULL) {
        self->last_seen_us = now;
        self->dirty = 1;
        size_t i = 0;
        while (i < self->n_queries && !hl_tui_query_offer (self->queries[i], reply, now))
            i++;
        if (i == self->n_queries)
            hl_wire_free (&reply);
    }
    const Hotline__Envelope *st = hl_tui_query_answer (self->status);
    int store_up = !st || st->status->store_up;
    if (store_up != self->store_up)
        self->dirty = 1;
    self->store_up = store_up;
}

//  Microseconds until something needs doing (at most 500 ms).
static long
s_wait_ms (hl_tui_app_t *self, int64_t now)
{
    int64_t wake = self->next_beat_us;
    for (size_t i = 0; i < self->n_queries; i++) {
        int64_t w = hl_tui_query_wake (self->queries[i]);
        if (w && w < wake)
            wake = w;
    }
    int64_t ms = (wake - now) / 1000;
    return ms < 0 ? 0 : ms > 500 ? 500 : (long) ms;
}

//  ---------------------------------------------------------------------
//  Drawing

//  "F2派单 F3知识库 ..." for what has the focus.
static const char *
s_keys_line (const hl_tui_app_t *self)
{
    if (self->op == S_OP_ANSWER_NOTE)
        return "回车 提交直接答复  Esc 取消";
    if (self->screen == S_LOOKUP)
        return "工单号/来电号码 回车查询  ↑↓选择 回车打开  Esc返回  F6回访  F1帮助";
    if (self->screen == S_VISIT)
        return "↑↓选择  y/n是否解决  1满意 2基本满意 3不满意  回车提交  Esc返回";
    if (self->focus == S_FOCUS_KB)
        return "↑↓选择  回车看全文  F4直接答复  Esc返回表单";
    if (self->focus == S_FOCUS_SIMILAR)
        return "↑↓选择  回车并入所选工单  Esc返回表单";
    return "F2派单 F3知识库 F4直答 F7转接 F8不受理 F9并单 F5查询 F6回访 F10新来电 ^Q退出";
}

static void
s_draw_title (hl_tui_app_t *self, int cols)
{
    static const char *names[] = { "来电受理", "查询", "回访" };
    char left[120], right[120];
    snprintf (left, sizeof left, " 12345 热线坐席 │ %s │ F1 帮助", names[self->screen]);
    snprintf (right, sizeof right, "%s %s ", self->actor,
              self->key_refused ? "[密钥未登记]"
              : self->online == 1 ? (self->store_up ? "[在线]" : "[工单库不可用]")
              : self->online == 0 ? "[离线]" : "[连接中]");
    hl_tui_screen_fill (0, 0, cols, HL_TUI_TITLE);
    hl_tui_screen_str (0, 0, cols, left, HL_TUI_TITLE);
    int w = hl_tui_text_width_utf8 (right, strlen (right));
    hl_tui_screen_str (0, cols - w > 0 ? cols - w : 0, cols, right, HL_TUI_TITLE);
}

//  True when the banner is up: hotlined away or its store down.
static int
s_banner_up (const hl_tui_app_t *self)
{
    return self->key_refused || self->online == 0 || (self->online == 1 && !self->store_up);
}

static void
s_draw_banner (hl_tui_app_t *self, int y, int cols)
{
    hl_tui_screen_fill (y, 0, cols, HL_TUI_BANNER);
    hl_tui_screen_str (y, 1, cols - 1, self->key_refused
        ? "hotlined 不接受本坐席的密钥 — 请运维在 intake_keys 中登记 (HOTLINE_KEY_FILE 的公钥)"
        : self->online == 0
        ? "hotlined 连接中断 — 已录入内容全部保留，恢复后可重新提交 (不会重复建单)"
        : "工单库暂不可用 — 已录入内容全部保留，稍后重新提交 (不会重复建单)", HL_TUI_BANNER);
}

//  The disposition line: where F2 would send the ticket.
static void
s_draw_disposition (hl_tui_app_t *self, int y, int x, int w)
{
    const char *cat = hl_tui_form_code (self->form, HL_TUI_F_CATEGORY);
    const char *area = hl_tui_form_code (self->form, HL_TUI_F_AREA);
    char line[200];
    hl_route_t route;
    if (self->catalogue && *cat && *area
        && hl_catalogue_route (self->catalogue, cat, area, &route) == 0)
        snprintf (line, sizeof line, "处置 F2 派单 → %s (%s)", s_unit_name (self, route.lead),
                  route.lead);
    else
        snprintf (line, sizeof line, "处置 F2 派单 (按派单目录)");
    hl_tui_screen_str (y, x, w, line, HL_TUI_DIM);
}

static void
s_draw_call (hl_tui_app_t *self, hl_tui_rect_t body)
{
    int side = body.w >= S_SIDE_MIN_COLS;
    int form_w = side ? (body.w * 58) / 100 : body.w;
    if (side && form_w < 46)
        form_w = 46;
    hl_tui_rect_t form = { body.y, body.x, body.h, form_w };
    hl_tui_rect_t history = { body.y + 1, body.x, S_HISTORY_ROWS, form_w };
    hl_tui_caller_draw (self->caller, history, 0, 0);
    s_draw_disposition (self, body.y + body.h - 1, body.x, form_w);
    if (side) {
        int sx = form_w + 1, sw = body.w - form_w - 1;
        for (int y = body.y; y < body.y + body.h; y++)
            mvaddch (y, form_w, ACS_VLINE);
        int sim_h = body.h / 3 > S_SIMILAR_ROWS ? S_SIMILAR_ROWS : body.h / 3;
        hl_tui_rect_t kb = { body.y, sx, body.h - sim_h, sw };
        hl_tui_rect_t sim = { body.y + body.h - sim_h, sx, sim_h, sw };
        hl_tui_kb_draw (self->kb, kb, self->focus == S_FOCUS_KB);
        hl_tui_similar_draw (self->similar, sim, self->focus == S_FOCUS_SIMILAR);
    }
    //  The form last: its focused field places the cursor.
    hl_tui_form_draw (self->form, form, S_HISTORY_ROWS);
    if (!side && self->focus == S_FOCUS_KB)
        hl_tui_kb_draw (self->kb, body, 1);
}

//  Whatever is open over the screen.
static void
s_draw_op (hl_tui_app_t *self)
{
    if (self->op == S_OP_NONE)
        return;
    if (self->op <= S_OP_OUT_OF_SCOPE) {
        hl_tui_picker_draw (self->pickers[self->op]);
        return;
    }
    if (self->op == S_OP_ARTICLE || self->op == S_OP_HELP) {
        hl_tui_rect_t r = hl_tui_screen_centre (hl_tui_screen_rows () - 2,
                                                hl_tui_screen_cols () - 2);
        hl_tui_pager_draw (self->pager, r);
        return;
    }
    if (self->op == S_OP_ANSWER_NOTE) {
        hl_tui_rect_t r = hl_tui_screen_centre (8, 70);
        hl_tui_screen_box (r, "直接答复: 答复内容 (回车提交)");
        hl_tui_rect_t field = { r.y + 1, r.x + 2, r.h - 2, r.w - 4 };
        hl_tui_edit_draw (self->prompt, field, 1);
        return;
    }
    hl_tui_rect_t r = hl_tui_screen_centre (5, 64);
    hl_tui_screen_box (r, "确认");
    hl_tui_screen_str (r.y + 2, r.x + 2, r.w - 4, self->confirm, HL_TUI_NORMAL);
}

static void
s_render (hl_tui_app_t *self)
{
    int rows = hl_tui_screen_rows (), cols = hl_tui_screen_cols ();
    hl_tui_screen_begin ();
    if (rows < 16 || cols < 50) {
        hl_tui_screen_str (0, 0, cols, "终端太小: 至少 50×16 (建议 80×24)", HL_TUI_WARN);
        hl_tui_screen_end_frame ();
        self->dirty = 0;
        return;
    }
    s_draw_title (self, cols);
    int top = 1;
    if (s_banner_up (self))
        s_draw_banner (self, top++, cols);
    hl_tui_rect_t body = { top, 0, rows - 2 - top, cols };
    if (self->screen == S_CALL)
        s_draw_call (self, body);
    else if (self->screen == S_LOOKUP)
        hl_tui_lookup_draw (self->lookup, body);
    else
        hl_tui_visit_draw (self->visit, body);
    hl_tui_screen_str (rows - 2, 0, cols, self->message, self->message_style);
    hl_tui_screen_fill (rows - 1, 0, cols, HL_TUI_KEYS);
    hl_tui_screen_str (rows - 1, 0, cols, s_keys_line (self), HL_TUI_KEYS);
    s_draw_op (self);
    hl_tui_screen_end_frame ();
    self->dirty = 0;
}

//  Records the keystroke-to-screen time of knowledge-base answers just
//  drawn.
static void
s_trace_kb (hl_tui_app_t *self, int64_t drawn_us, int64_t arrived_us)
{
    hl_tui_query_t *q = hl_tui_kb_query (self->kb);
    unsigned long answers = hl_tui_query_answers (q);
    if (answers == self->kb_answers_shown)
        return;
    self->kb_answers_shown = answers;
    if (self->trace && hl_tui_query_state (q) == HL_TUI_QUERY_READY)
        fprintf (self->trace, "kb keystroke_to_screen_ms=%.2f rtt_ms=%.2f hits=%d\n",
                 (double) (hl_tui_query_input_us (q) + drawn_us - arrived_us) / 1000.0,
                 (double) hl_tui_query_rtt_us (q) / 1000.0, hl_tui_kb_count (self->kb));
}

//  ---------------------------------------------------------------------
//  The loop

int
hl_tui_app_run (hl_tui_app_t *self)
{
    if (hl_tui_screen_start () != 0)
        return -1;
    if (self->opts.caller && *self->opts.caller) {
        hl_tui_form_set_phone (self->form, self->opts.caller);
        hl_tui_form_reset (self->form, 1);
        hl_tui_caller_lookup (self->caller, hl_tui_form_phone (self->form), hl_tui_link_now_us ());
    }
    s_flow_start (self);
    self->started_us = hl_tui_link_now_us ();
    self->dirty = 1;
    while (!self->quit) {
        int64_t now = hl_tui_link_now_us ();
        s_poll_queries (self, now);
        s_check_online (self, now);
        if (self->dirty)
            s_render (self);
        void *watch = hl_tui_link_watch (self->link);
        zmq_pollitem_t items[4] = {
            { NULL, 0, ZMQ_POLLIN, 0 },
            { hl_tui_link_socket (self->link), 0, ZMQ_POLLIN, 0 },
            { self->cti ? hl_tui_cti_socket (self->cti) : NULL, -1, ZMQ_POLLIN, 0 },
            { watch, 0, ZMQ_POLLIN, 0 }
        };
        if (zmq_poll (items, watch ? 4 : 3, s_wait_ms (self, now)) < 0 && errno != EINTR)
            break;
        s_on_calls (self);
        if (watch && (items[3].revents & ZMQ_POLLIN) && !self->key_refused
            && hl_tui_link_refused (self->link)) {
            self->key_refused = 1;
            self->dirty = 1;
        }
        s_read_keys (self);
        int64_t arrived = hl_tui_link_now_us ();
        s_read_answers (self, arrived);
        for (size_t i = 0; i < self->n_queries; i++)
            if (hl_tui_query_tick (self->queries[i], arrived))
                self->dirty = 1;
        if (self->dirty) {
            s_render (self);
            s_trace_kb (self, hl_tui_link_now_us (), arrived);
        }
    }
    hl_tui_screen_end ();
    return 0;
}
