/*  hl_testview: a ticket view made by hand. See hl_testview.h. */
#include "hl_testview.h"
#include "hl_wire.h"

#include <string.h>

static void
s_entry (hl_testview_t *tv, int i, int64_t after_ms, const char *action, int from, int to)
{
    Hotline__HistoryEntry *e = &tv->entry[i];
    hotline__history_entry__init (e);
    e->has_at_ms = e->has_actor = e->has_action = e->has_note = 1;
    e->at_ms = (uint64_t) (HL_TESTVIEW_T0 + after_ms);
    e->actor = hl_wire_bytes ("unit:rsj/w1");
    e->action = hl_wire_bytes (action);
    e->has_from_state = e->has_to_state = 1;
    e->from_state = from;
    e->to_state = to;
    e->note = hl_wire_bytes (strcmp (action, "reply") == 0 ? "已修复\"路灯\"" : "");
    tv->history[i] = e;
}

void
hl_testview_closed (hl_testview_t *tv)
{
    memset (tv, 0, sizeof *tv);
    Hotline__Complaint *c = &tv->complaint;
    hotline__complaint__init (c);
    c->has_channel = c->has_request_type = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c->has_category = c->has_area = c->has_content = c->has_caller_phone = c->has_caller_name = 1;
    c->category = hl_wire_bytes ("HB.03");
    c->area = hl_wire_bytes ("441702");
    c->content = hl_wire_bytes ("路灯不亮");
    c->caller_phone = hl_wire_bytes ("13800138000");
    c->caller_name = hl_wire_bytes ("张三");
    s_entry (tv, 0, 0, "intake", 0, HOTLINE__STATE__STATE_TO_DISPATCH);
    s_entry (tv, 1, 0, "dispatch", HOTLINE__STATE__STATE_TO_DISPATCH,
             HOTLINE__STATE__STATE_DISPATCHED);
    s_entry (tv, 2, 60000, "sign", HOTLINE__STATE__STATE_DISPATCHED,
             HOTLINE__STATE__STATE_SIGNED);
    s_entry (tv, 3, 120000, "remind", HOTLINE__STATE__STATE_SIGNED, HOTLINE__STATE__STATE_SIGNED);
    s_entry (tv, 4, 180000, "reply", HOTLINE__STATE__STATE_SIGNED, HOTLINE__STATE__STATE_REPLIED);
    s_entry (tv, 5, 240000, "visit", HOTLINE__STATE__STATE_REPLIED,
             HOTLINE__STATE__STATE_VISITED);
    s_entry (tv, 6, 300123, "close", HOTLINE__STATE__STATE_VISITED,
             HOTLINE__STATE__STATE_CLOSED);
    hotline__deadline__init (&tv->deadline);
    tv->deadline.milestone = "reply";
    tv->deadline.has_due_ms = 1;
    tv->deadline.due_ms = HL_TESTVIEW_T0 + 86400000;
    tv->deadlines[0] = &tv->deadline;
    tv->assist[0] = hl_wire_bytes ("ybj");
    tv->assist[1] = hl_wire_bytes ("zjj");
    Hotline__TicketView *v = &tv->view;
    hotline__ticket_view__init (v);
    v->ticket = "YJ202512040700042";
    v->has_state = v->has_created_ms = v->has_unit = 1;
    v->state = HOTLINE__STATE__STATE_CLOSED;
    v->created_ms = HL_TESTVIEW_T0;
    v->complaint = c;
    v->unit = hl_wire_bytes ("rsj");
    v->n_assist = 2;
    v->assist = tv->assist;
    v->n_history = HL_TESTVIEW_ENTRIES;
    v->history = tv->history;
    v->n_deadlines = 1;
    v->deadlines = tv->deadlines;
    v->has_satisfaction = v->has_resolved = v->has_reopen_count = 1;
    v->satisfaction = HOTLINE__SATISFACTION__BASICALLY_SATISFIED;
    v->resolved = 1;
    v->reopen_count = 1;
}
