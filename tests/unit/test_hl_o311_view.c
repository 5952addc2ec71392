/*  Unit test of hl_o311_view: states as open/closed, what is published,
 *  and a ticket as a request object. */
#include "hl_o311_view.h"
#include "hl_test.h"
#include "hl_wire.h"

#include <stdlib.h>
#include <time.h>

//  Every state of the protocol is either open or closed.
static void
test_status (void)
{
    for (int s = 1; hl_wire_state_name (s); s++)
        HL_CHECK (hl_o311_view_status (s) != NULL);
    HL_CHECK_STR (hl_o311_view_status (HOTLINE__STATE__STATE_DISPATCHED), "open");
    HL_CHECK_STR (hl_o311_view_status (HOTLINE__STATE__STATE_REPLIED), "open");
    HL_CHECK_STR (hl_o311_view_status (HOTLINE__STATE__STATE_CLOSED), "closed");
    HL_CHECK_STR (hl_o311_view_status (HOTLINE__STATE__STATE_MERGED), "closed");
    HL_CHECK (hl_o311_view_status (0) == NULL && hl_o311_view_status (999) == NULL);
}

typedef struct {
    Hotline__TicketView t;
    Hotline__Complaint c;
    Hotline__GeoPoint loc;
    Hotline__HistoryEntry h, *hp[1];
    Hotline__Deadline d, *dp[1];
} s_ticket_t;

static void
s_ticket (s_ticket_t *x, int channel, const char *content)
{
    hotline__ticket_view__init (&x->t);
    hotline__complaint__init (&x->c);
    hotline__geo_point__init (&x->loc);
    hotline__history_entry__init (&x->h);
    hotline__deadline__init (&x->d);
    x->t.ticket = "YJ20261204000001";
    x->t.state = HOTLINE__STATE__STATE_MERGED;
    x->t.parent = hl_wire_bytes ("YJ20261203000009");
    x->t.created_ms = 1796342400000;
    x->t.unit = hl_wire_bytes ("zjj");
    x->t.complaint = &x->c;
    x->c.channel = (Hotline__Channel) channel;
    x->c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    x->c.category = hl_wire_bytes ("ZJ.03");
    x->c.content = hl_wire_bytes (content);
    x->c.has_address = 1;
    x->c.address = hl_wire_bytes ("东风路 & 新华路");
    x->loc.has_lat = x->loc.has_lon = 1;
    x->loc.lat = 21.86;
    x->loc.lon = 111.98;
    x->c.location = &x->loc;
    x->h.at_ms = 1796342460000;
    x->hp[0] = &x->h;
    x->t.history = x->hp;
    x->t.n_history = 1;
    x->d.milestone = "reply";
    x->d.due_ms = 1797206400000;
    x->dp[0] = &x->d;
    x->t.deadlines = x->dp;
    x->t.n_deadlines = 1;
}

static hl_o311_services_t *
s_services (hl_codes_t **codes)
{
    char err[256];
    *codes = hl_codes_parse ("codes", "[area]\n441700 市本级\n[category]\nZJ.03 施工扰民\n",
                             err, sizeof err);
    return hl_o311_services_parse ("f", "[service N]\nname = 夜间施工噪音\ntype = 投诉\n"
                                   "category = ZJ.03\n", *codes, err, sizeof err);
}

static void
test_published (void)
{
    hl_codes_t *codes;
    hl_o311_services_t *sv = s_services (&codes);
    s_ticket_t x;
    s_ticket (&x, HOTLINE__CHANNEL__CHANNEL_APP, "吵");
    HL_CHECK (hl_o311_view_service (&x.t, sv) == hl_o311_services_find (sv, "N"));
    x.c.confidential = 1;
    HL_CHECK (hl_o311_view_service (&x.t, sv) == NULL);
    x.c.confidential = 0;
    x.c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_REPORT;
    HL_CHECK (hl_o311_view_service (&x.t, sv) == NULL);
    x.c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_HELP;
    HL_CHECK (hl_o311_view_service (&x.t, sv) == NULL);
    hl_o311_services_destroy (&sv);
    hl_codes_destroy (&codes);
}

static void
test_request (void)
{
    setenv ("TZ", "Asia/Shanghai", 1);
    tzset ();
    hl_codes_t *codes;
    hl_o311_services_t *sv = s_services (&codes);
    s_ticket_t x;
    s_ticket (&x, HOTLINE__CHANNEL__CHANNEL_WEB, "吵\n图片：https://x.org/a.jpg");
    hl_o311_doc_t *doc = hl_o311_doc_new (0);
    hl_o311_view_request (doc, &x.t, hl_o311_services_find (sv, "N"), NULL);
    const char *json = hl_o311_doc_data (doc, NULL);
    HL_CHECK (strstr (json, "\"service_request_id\":\"YJ20261204000001\",\"status\":\"closed\","
                      "\"status_notes\":\"已并单：与工单 YJ20261203000009 合并办理\"") != NULL);
    HL_CHECK (strstr (json, "\"description\":\"吵\"") != NULL);
    HL_CHECK (strstr (json, "\"media_url\":\"https://x.org/a.jpg\"") != NULL);
    HL_CHECK (strstr (json, "\"agency_responsible\":\"zjj\"") != NULL);
    HL_CHECK (strstr (json, "\"requested_datetime\":\"2026-12-04T08:00:00+08:00\","
                      "\"updated_datetime\":\"2026-12-04T08:01:00+08:00\","
                      "\"expected_datetime\":\"2026-12-14T08:00:00+08:00\"") != NULL);
    HL_CHECK (strstr (json, "\"lat\":21.8600000,\"long\":111.9800000") != NULL);
    hl_o311_doc_destroy (&doc);
    //  A phone ticket's content is an agent's note: not published.
    s_ticket (&x, HOTLINE__CHANNEL__CHANNEL_PHONE, "来电人张三说");
    doc = hl_o311_doc_new (1);
    hl_o311_view_request (doc, &x.t, hl_o311_services_find (sv, "N"), NULL);
    const char *xml = hl_o311_doc_data (doc, NULL);
    HL_CHECK (strstr (xml, "<description></description>") != NULL);
    HL_CHECK (strstr (xml, "张三") == NULL);
    HL_CHECK (strstr (xml, "<address>东风路 &amp; 新华路</address>") != NULL);
    hl_o311_doc_destroy (&doc);
    hl_o311_services_destroy (&sv);
    hl_codes_destroy (&codes);
}

static const hl_test_case_t s_cases[] = {
    { "status", test_status }, { "published", test_published }, { "request", test_request },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
