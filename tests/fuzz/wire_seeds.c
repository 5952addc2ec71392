/*  Writes the seed frames of the wire and view fuzz targets: one valid
 *  Envelope of each kind a peer sends, as the unit tests build them.
 *  Run after a change of proto/hotline.proto:
 *      build-fuzz/tests/fuzz/fuzz-wire-seeds tests/fuzz/wire tests/fuzz/view
 */
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_dir;

static void
s_write (const char *name, Hotline__Envelope *env)
{
    env->has_version = 1;
    env->version = HL_WIRE_VERSION;
    env->has_request_id = 1;
    env->request_id = hl_wire_bytes ("r1");
    hl_buf_t buf = HL_BUF_INIT;
    hl_wire_pack (env, &buf);
    char path[512];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen (path, "wb");
    if (!f || fwrite (buf.data, 1, buf.len, f) != buf.len || fclose (f) != 0) {
        perror (path);
        exit (1);
    }
    hl_buf_free (&buf);
}

static void
s_complaint (Hotline__Complaint *c)
{
    hotline__complaint__init (c);
    c->has_channel = 1, c->channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c->has_request_type = 1, c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY;
    c->has_category = 1, c->category = hl_wire_bytes ("SB.01");
    c->has_area = 1, c->area = hl_wire_bytes ("441702");
    c->has_caller_phone = 1, c->caller_phone = hl_wire_bytes ("0662-3388123");
    c->has_content = 1, c->content = hl_wire_bytes ("社保断缴了怎么补缴？");
    c->has_request_id = 1, c->request_id = hl_wire_bytes ("r1");
    c->has_agent = 1, c->agent = hl_wire_bytes ("wang");
}

static void
s_requests (void)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__Complaint c;
    s_complaint (&c);
    env.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env.complaint = &c;
    s_write ("complaint", &env);
    c.has_enterprise = 1, c.enterprise = 1;
    c.has_credit_code = 1, c.credit_code = hl_wire_bytes ("91330100716105852F");
    c.has_enterprise_name = 1, c.enterprise_name = hl_wire_bytes ("阳江市某某有限公司");
    c.has_urgent = 1, c.urgent = 1;
    c.has_tag = 1, c.tag = hl_wire_bytes ("utility-outage");
    Hotline__GeoPoint point = HOTLINE__GEO_POINT__INIT;
    point.has_lat = 1, point.lat = 21.86, point.has_lon = 1, point.lon = 111.98;
    c.location = &point;
    s_write ("complaint-enterprise", &env);
    s_complaint (&c);
    c.has_anonymous = 1, c.anonymous = 1, c.has_caller_phone = 0;
    c.has_disposition = 1, c.disposition = HOTLINE__DISPOSITION__DISPOSITION_TRANSFERRED;
    c.has_transfer_to = 1, c.transfer_to = 119;
    c.has_note = 1, c.note = hl_wire_bytes ("着火了");
    s_write ("complaint-transfer", &env);

    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    ProtobufCBinaryData assist[2] = { hl_wire_bytes ("ybj"), hl_wire_bytes ("cgj") };
    t.has_ticket = 1, t.ticket = hl_wire_bytes ("YJ20261127000001");
    t.has_action = 1, t.action = HOTLINE__ACTION__ACTION_DISPATCH;
    t.has_unit = 1, t.unit = hl_wire_bytes ("rsj");
    t.n_assist = 2, t.assist = assist;
    t.has_actor = 1, t.actor = hl_wire_bytes ("dispatcher:li");
    t.has_note = 1, t.note = hl_wire_bytes ("已核实，\n转人社局处理");
    env = (Hotline__Envelope) HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env.transition = &t;
    s_write ("transition-dispatch", &env);
    t = (Hotline__Transition) HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1, t.ticket = hl_wire_bytes ("YJ20261127000001");
    t.has_action = 1, t.action = HOTLINE__ACTION__ACTION_VISIT;
    t.has_resolved = 1, t.resolved = 1;
    t.has_satisfaction = 1, t.satisfaction = HOTLINE__SATISFACTION__SATISFIED;
    t.has_actor = 1, t.actor = hl_wire_bytes ("agent:wang");
    s_write ("transition-visit", &env);
    t.action = HOTLINE__ACTION__ACTION_REQUEST_EXTENSION;
    t.has_extension_days = 1, t.extension_days = 5;
    s_write ("transition-extension", &env);

    Hotline__TicketListQuery lq = HOTLINE__TICKET_LIST_QUERY__INIT;
    lq.has_caller_phone = 1, lq.caller_phone = hl_wire_bytes ("+86 138-0000-1234");
    lq.has_limit = 1, lq.limit = 20;
    env = (Hotline__Envelope) HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    env.ticket_list_query = &lq;
    s_write ("list-query", &env);

    Hotline__KbQuery kq = HOTLINE__KB_QUERY__INIT;
    kq.has_query = 1, kq.query = hl_wire_bytes ("社保卡怎么激活");
    kq.has_unit = 1, kq.unit = hl_wire_bytes ("rsj");
    env.body_case = HOTLINE__ENVELOPE__BODY_KB_QUERY;
    env.kb_query = &kq;
    s_write ("kb-query", &env);

    Hotline__SimilarQuery sq = HOTLINE__SIMILAR_QUERY__INIT;
    sq.has_text = 1, sq.text = hl_wire_bytes ("路灯不亮");
    sq.has_area = 1, sq.area = hl_wire_bytes ("441702");
    sq.has_days = 1, sq.days = 3;
    env.body_case = HOTLINE__ENVELOPE__BODY_SIMILAR_QUERY;
    env.similar_query = &sq;
    s_write ("similar-query", &env);

    Hotline__WorkerReady wr = HOTLINE__WORKER_READY__INIT;
    wr.has_unit = 1, wr.unit = hl_wire_bytes ("rsj");
    wr.has_credit = 1, wr.credit = 20;
    wr.has_worker = 1, wr.worker = hl_wire_bytes ("rsj-1");
    env.body_case = HOTLINE__ENVELOPE__BODY_WORKER_READY;
    env.worker_ready = &wr;
    s_write ("worker-ready", &env);

    Hotline__TicketQuery tq = HOTLINE__TICKET_QUERY__INIT;
    tq.has_ticket = 1, tq.ticket = hl_wire_bytes ("YJ20261127000001");
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    env.ticket_query = &tq;
    s_write ("ticket-query", &env);
}

static void
s_answers (void)
{
    Hotline__Complaint c;
    s_complaint (&c);
    Hotline__HistoryEntry h = HOTLINE__HISTORY_ENTRY__INIT;
    h.has_at_ms = 1, h.at_ms = 1795000000000;
    h.has_actor = 1, h.actor = hl_wire_bytes ("agent:wang");
    h.has_action = 1, h.action = hl_wire_bytes ("intake");
    h.has_to_state = 1, h.to_state = HOTLINE__STATE__STATE_DISPATCHED;
    h.has_note = 1, h.note = hl_wire_bytes ("派单目录 (SB.*): rsj");
    Hotline__HistoryEntry *history[] = { &h };
    Hotline__Deadline d = HOTLINE__DEADLINE__INIT;
    d.milestone = (char *) "sign";
    d.has_due_ms = 1, d.due_ms = 1795080000000;
    Hotline__Deadline *deadlines[] = { &d };
    Hotline__Pause p = HOTLINE__PAUSE__INIT;
    p.has_from_ms = 1, p.from_ms = 1795001000000;
    Hotline__Pause *pauses[] = { &p };
    Hotline__TicketView v = HOTLINE__TICKET_VIEW__INIT;
    v.ticket = (char *) "YJ20261127000001";
    v.has_state = 1, v.state = HOTLINE__STATE__STATE_DISPATCHED;
    v.has_created_ms = 1, v.created_ms = 1795000000000;
    v.complaint = &c;
    v.n_history = 1, v.history = history;
    v.has_unit = 1, v.unit = hl_wire_bytes ("rsj");
    v.n_deadlines = 1, v.deadlines = deadlines;
    v.n_pauses = 1, v.pauses = pauses;
    v.profile = (char *) "guangdong";
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_VIEW;
    env.ticket_view = &v;
    s_write ("ticket-view", &env);
    Hotline__Delivery del = HOTLINE__DELIVERY__INIT;
    del.ticket = &v;
    del.has_role = 1, del.role = HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD;
    env.body_case = HOTLINE__ENVELOPE__BODY_DELIVERY;
    env.delivery = &del;
    s_write ("delivery", &env);
    Hotline__TicketSummary s = HOTLINE__TICKET_SUMMARY__INIT;
    s.ticket = (char *) "YJ20261127000001";
    s.has_created_ms = 1, s.created_ms = 1795000000000;
    s.has_area = 1, s.area = hl_wire_bytes ("441702");
    s.has_excerpt = 1, s.excerpt = hl_wire_bytes ("社保断缴了怎么补缴？");
    Hotline__TicketSummary *items[] = { &s };
    Hotline__TicketList list = HOTLINE__TICKET_LIST__INIT;
    list.n_tickets = 1, list.tickets = items;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST;
    env.ticket_list = &list;
    s_write ("ticket-list", &env);
}

int
main (int argc, char **argv)
{
    if (argc != 3) {
        fprintf (stderr, "usage: %s WIRE-SEED-DIR VIEW-SEED-DIR\n", argv[0]);
        return 1;
    }
    s_dir = argv[1];
    s_requests ();
    s_dir = argv[2];
    s_answers ();
    return 0;
}
