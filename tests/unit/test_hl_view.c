/*  Unit test of hl_view: the one JSON shape and text layout of a ticket
 *  (what `hotline show` prints and a department's program reads). */
#include "hl_test.h"
#include "hl_view.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  True if TEXT is one valid JSON document (checked by Python's parser,
//  stricter than any substring test).
static int
s_valid_json (const char *text)
{
    FILE *p = popen ("python3 -c 'import json,sys; json.load(sys.stdin)'", "w");
    if (!p)
        return 0;
    fputs (text, p);
    return pclose (p) == 0;
}

//  2026-11-27 09:30:00 Beijing time.
#define S_CREATED 1795743000000ULL

typedef struct {
    Hotline__TicketView view;
    Hotline__Complaint complaint;
    Hotline__HistoryEntry h[2], *hp[2];
    Hotline__Deadline d, *dp[1];
    ProtobufCBinaryData assist[2];
} s_ticket_t;

static void
s_ticket (s_ticket_t *t)
{
    memset (t, 0, sizeof *t);
    hotline__ticket_view__init (&t->view);
    hotline__complaint__init (&t->complaint);
    Hotline__TicketView *v = &t->view;
    v->ticket = "YJ20261127000042";
    v->has_state = 1;
    v->state = HOTLINE__STATE__STATE_SIGNED;
    v->has_created_ms = 1;
    v->created_ms = S_CREATED;
    v->has_unit = 1;
    v->unit = hl_wire_bytes ("cgj");
    t->assist[0] = hl_wire_bytes ("sthjj");
    t->assist[1] = hl_wire_bytes ("jcq");
    v->assist = t->assist;
    v->n_assist = 2;
    v->reopen_count = 1;
    v->extension_days = 5;
    v->extension_pending = 1;
    Hotline__Complaint *c = &t->complaint;
    c->has_channel = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c->has_request_type = 1;
    c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c->has_caller_phone = 1;
    c->caller_phone = hl_wire_bytes ("138****8000");
    c->has_content = 1;
    c->content = hl_wire_bytes ("夜间施工噪音 \"扰民\"\n已持续一周\t\\ 请处理");
    c->has_category = 1;
    c->category = hl_wire_bytes ("CG.03");
    v->complaint = c;
    v->caller_masked = 1;
    for (int i = 0; i < 2; i++) {
        hotline__history_entry__init (&t->h[i]);
        t->hp[i] = &t->h[i];
        t->h[i].has_at_ms = 1;
        t->h[i].at_ms = S_CREATED + (uint64_t) i * 3600000;
        t->h[i].has_from_state = i == 1;
        t->h[i].from_state = HOTLINE__STATE__STATE_DISPATCHED;
        t->h[i].has_to_state = 1;
        t->h[i].to_state = i ? HOTLINE__STATE__STATE_SIGNED : HOTLINE__STATE__STATE_DISPATCHED;
    }
    t->h[0].actor = hl_wire_bytes ("channel:web");
    t->h[0].action = hl_wire_bytes ("intake");
    t->h[1].actor = hl_wire_bytes ("unit:cgj/w1");
    t->h[1].action = hl_wire_bytes ("sign");
    t->h[1].note = hl_wire_bytes ("已签收");
    v->history = t->hp;
    v->n_history = 2;
    hotline__deadline__init (&t->d);
    t->d.milestone = "reply";
    t->d.status = "running";
    t->d.has_due_ms = 1;
    t->d.due_ms = S_CREATED + 86400000ULL * 21;
    t->d.has_left_ms = 1;
    t->d.left_ms = 3600000;
    t->dp[0] = &t->d;
    v->deadlines = t->dp;
    v->n_deadlines = 1;
}

static void
test_time (void)
{
    char out[32];
    hl_view_time (S_CREATED, out, sizeof out);
    HL_CHECK_STR (out, "2026-11-27 09:30:00");
    hl_view_time (0, out, sizeof out);
    HL_CHECK_STR (out, "1970-01-01 08:00:00");
    //  A UTC evening is the next Beijing day.
    hl_view_time (1798758000000ULL, out, sizeof out);     //  2026-12-31 23:00 UTC
    HL_CHECK_STR (out, "2027-01-01 07:00:00");
}

static void
test_json (void)
{
    s_ticket_t t;
    s_ticket (&t);
    hl_buf_t b = HL_BUF_INIT;
    hl_view_json (&b, &t.view);
    HL_CHECK (s_valid_json (b.data));
    HL_CHECK (strncmp (b.data, "{\"ticket\":\"YJ20261127000042\",\"state\":\"signed\"", 44) == 0);
    HL_CHECK (strstr (b.data, "\"assist\":[\"sthjj\",\"jcq\"]") != NULL);
    HL_CHECK (strstr (b.data, "\"reopen_count\":1") != NULL);
    HL_CHECK (strstr (b.data, "\"extension_pending\":true") != NULL);
    HL_CHECK (strstr (b.data, "\"caller_masked\":true") != NULL);
    HL_CHECK (strstr (b.data, "\"channel\":\"web\"") != NULL);
    HL_CHECK (strstr (b.data, "\\\"扰民\\\"\\n已持续一周\\t\\\\ 请处理") != NULL);
    HL_CHECK (strstr (b.data, "\"milestone\":\"reply\",\"status\":\"running\"") != NULL);
    HL_CHECK (strstr (b.data, "\"left_ms\":3600000") != NULL);
    HL_CHECK (strstr (b.data, "\"from\":\"dispatched\",\"to\":\"signed\",\"note\":\"已签收\"") != NULL);

    //  A bare view (a ticket just read, nothing optional) is still one
    //  object with its lists present and empty.
    Hotline__TicketView bare = HOTLINE__TICKET_VIEW__INIT;
    hl_buf_free (&b);
    hl_view_json (&b, &bare);
    HL_CHECK (s_valid_json (b.data));
    HL_CHECK (strstr (b.data, "\"deadlines\":[]") && strstr (b.data, "\"history\":[]"));

    Hotline__TicketSummary s = HOTLINE__TICKET_SUMMARY__INIT;
    s.ticket = "YJ20261127000042";
    s.has_excerpt = 1;
    s.excerpt = hl_wire_bytes ("夜间施工 \"噪音\"");
    hl_buf_free (&b);
    hl_view_summary_json (&b, &s);
    HL_CHECK (s_valid_json (b.data));
    HL_CHECK (strstr (b.data, "\"excerpt\":\"夜间施工 \\\"噪音\\\"\"") != NULL);
    hl_buf_free (&b);
}

static void
test_print (void)
{
    s_ticket_t t;
    s_ticket (&t);
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream (&text, &size);
    hl_view_print (f, &t.view);
    fclose (f);
    HL_CHECK (strstr (text, "工单 YJ20261127000042") != NULL);
    HL_CHECK (strstr (text, "受理于 2026-11-27 09:30:00") != NULL);
    HL_CHECK (strstr (text, "cgj  协办 sthjj, jcq") != NULL);
    HL_CHECK (strstr (text, "重办次数") != NULL);
    HL_CHECK (strstr (text, "5 个工作日 (有待审批的申请)") != NULL);
    HL_CHECK (strstr (text, "2026-11-27 10:30:00  unit:cgj/w1  sign  dispatched -> signed  已签收")
              != NULL);
    free (text);
}

static const hl_test_case_t s_cases[] = {
    { "time", test_time },
    { "json", test_json },
    { "print", test_print },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
