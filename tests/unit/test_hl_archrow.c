/*  Unit test of hl_archrow on hand-made views: every column of the ticket
 *  row, the moments taken from the history, the history rows, the caller
 *  sealed and hashed (never in the clear), and a view without a number
 *  refused. */
#include "hl_archrow.h"
#include "hl_test.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_T0 1764806400000LL     //  2025-12-04T00:00:00Z

static Hotline__HistoryEntry *
s_entry (Hotline__HistoryEntry *e, int64_t at, const char *action, int from, int to)
{
    hotline__history_entry__init (e);
    e->has_at_ms = 1;
    e->at_ms = (uint64_t) at;
    e->has_actor = 1;
    e->actor = hl_wire_bytes ("unit:rsj/w1");
    e->has_action = 1;
    e->action = hl_wire_bytes (action);
    e->has_from_state = e->has_to_state = 1;
    e->from_state = from;
    e->to_state = to;
    e->has_note = 1;
    e->note = hl_wire_bytes (strcmp (action, "reply") == 0 ? "已修复\"路灯\"" : "");
    return e;
}

static int
s_has (const hl_buf_t *b, const char *text)
{
    int found = b->data && strstr (b->data, text) != NULL;
    if (!found)
        fprintf (stderr, "missing %s in %s\n", text, b->data ? b->data : "(empty)");
    return found;
}

static void
test_closed_ticket (void)
{
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = c.has_request_type = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c.has_category = c.has_area = c.has_content = c.has_caller_phone = c.has_caller_name = 1;
    c.category = hl_wire_bytes ("HB.03");
    c.area = hl_wire_bytes ("441702");
    c.content = hl_wire_bytes ("路灯不亮");
    c.caller_phone = hl_wire_bytes ("13800138000");
    c.caller_name = hl_wire_bytes ("张三");
    Hotline__HistoryEntry e[7], *h[7];
    h[0] = s_entry (&e[0], S_T0, "intake", 0, HOTLINE__STATE__STATE_TO_DISPATCH);
    h[1] = s_entry (&e[1], S_T0, "dispatch", HOTLINE__STATE__STATE_TO_DISPATCH,
                    HOTLINE__STATE__STATE_DISPATCHED);
    h[2] = s_entry (&e[2], S_T0 + 60000, "sign", HOTLINE__STATE__STATE_DISPATCHED,
                    HOTLINE__STATE__STATE_SIGNED);
    h[3] = s_entry (&e[3], S_T0 + 120000, "remind", HOTLINE__STATE__STATE_SIGNED,
                    HOTLINE__STATE__STATE_SIGNED);
    h[4] = s_entry (&e[4], S_T0 + 180000, "reply", HOTLINE__STATE__STATE_SIGNED,
                    HOTLINE__STATE__STATE_REPLIED);
    h[5] = s_entry (&e[5], S_T0 + 240000, "visit", HOTLINE__STATE__STATE_REPLIED,
                    HOTLINE__STATE__STATE_VISITED);
    h[6] = s_entry (&e[6], S_T0 + 300123, "close", HOTLINE__STATE__STATE_VISITED,
                    HOTLINE__STATE__STATE_CLOSED);
    Hotline__Deadline d = HOTLINE__DEADLINE__INIT, *dl[] = { &d };
    d.milestone = "reply";
    d.has_due_ms = 1;
    d.due_ms = S_T0 + 86400000;
    ProtobufCBinaryData assist[] = { hl_wire_bytes ("ybj"), hl_wire_bytes ("zjj") };
    Hotline__TicketView v = HOTLINE__TICKET_VIEW__INIT;
    v.ticket = "YJ202512040700042";
    v.has_state = v.has_created_ms = v.has_unit = 1;
    v.state = HOTLINE__STATE__STATE_CLOSED;
    v.created_ms = S_T0;
    v.complaint = &c;
    v.unit = hl_wire_bytes ("rsj");
    v.n_assist = 2;
    v.assist = assist;
    v.n_history = 7;
    v.history = h;
    v.n_deadlines = 1;
    v.deadlines = dl;
    v.has_satisfaction = v.has_resolved = 1;
    v.satisfaction = HOTLINE__SATISFACTION__BASICALLY_SATISFIED;
    v.resolved = 1;
    v.has_reopen_count = 1;
    v.reopen_count = 1;

    char err[128];
    setenv ("HOTLINE_PII_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
            1);
    hl_pii_t *pii = hl_pii_new ("", err, sizeof err);
    HL_CHECK (pii && hl_pii_sealing (pii));
    hl_buf_t t = HL_BUF_INIT, hist = HL_BUF_INIT;
    HL_CHECK (hl_archrow_append (&v, pii, &t, &hist) == 0);
    HL_CHECK (t.data[0] == '{' && t.data[t.len - 1] == '}');
    HL_CHECK (s_has (&t, "\"number\":\"YJ202512040700042\""));
    HL_CHECK (s_has (&t, "\"created_at\":\"2025-12-04T00:00:00.000Z\""));
    HL_CHECK (s_has (&t, "\"version\":7"));
    HL_CHECK (s_has (&t, "\"state\":\"closed\""));
    HL_CHECK (s_has (&t, "\"type\":\"投诉\""));
    HL_CHECK (s_has (&t, "\"channel\":\"phone\""));
    HL_CHECK (s_has (&t, "\"category\":\"HB.03\""));
    HL_CHECK (s_has (&t, "\"area\":\"441702\""));
    HL_CHECK (s_has (&t, "\"unit\":\"rsj\""));
    HL_CHECK (s_has (&t, "\"assist_units\":[\"ybj\",\"zjj\"]"));
    HL_CHECK (s_has (&t, "\"dispatched_at\":\"2025-12-04T00:00:00.000Z\""));
    HL_CHECK (s_has (&t, "\"sign_met\":\"2025-12-04T00:01:00.000Z\""));
    HL_CHECK (s_has (&t, "\"contact_met\":\"2025-12-04T00:03:00.000Z\""));
    HL_CHECK (s_has (&t, "\"reply_met\":\"2025-12-04T00:03:00.000Z\""));
    HL_CHECK (s_has (&t, "\"reply_due\":\"2025-12-05T00:00:00.000Z\""));
    HL_CHECK (s_has (&t, "\"sign_due\":null"));
    HL_CHECK (s_has (&t, "\"visit_met\":\"2025-12-04T00:04:00.000Z\""));
    HL_CHECK (s_has (&t, "\"closed_at\":\"2025-12-04T00:05:00.123Z\""));
    HL_CHECK (s_has (&t, "\"satisfaction\":\"basically_satisfied\""));
    HL_CHECK (s_has (&t, "\"resolved\":true"));
    HL_CHECK (s_has (&t, "\"reopen_count\":1"));
    HL_CHECK (s_has (&t, "\"caller_hash\":\"\\\\x"));
    HL_CHECK (s_has (&t, "\"caller_phone_enc\":\"\\\\x"));
    HL_CHECK (s_has (&t, "\"caller_name_enc\":\"\\\\x"));
    HL_CHECK (strstr (t.data, "13800138000") == NULL && strstr (t.data, "张三") == NULL);
    //  The hash is the caller index Redis uses, as hex.
    char index[HL_PII_INDEX_MAX], hex[2 * HL_PII_INDEX_MAX + 16] = "\"caller_hash\":\"\\\\x";
    hl_pii_index (pii, "13800138000", index);
    for (size_t i = 0; index[i]; i++)
        snprintf (hex + strlen (hex), 3, "%02x", (unsigned char) index[i]);
    HL_CHECK (s_has (&t, hex));

    HL_CHECK (s_has (&hist, "{\"number\":\"YJ202512040700042\""));
    HL_CHECK (s_has (&hist, "\"seq\":1,"));
    HL_CHECK (s_has (&hist, "\"seq\":7,\"at\":\"2025-12-04T00:05:00.123Z\""));
    HL_CHECK (s_has (&hist, "\"action\":\"sign\",\"from_state\":\"dispatched\","
                            "\"to_state\":\"signed\""));
    HL_CHECK (s_has (&hist, "\"note\":\"已修复\\\"路灯\\\"\""));
    HL_CHECK (s_has (&hist, "},{"));

    //  A second ticket goes after a comma; a view without a number is refused.
    size_t before = t.len;
    HL_CHECK (hl_archrow_append (&v, NULL, &t, &hist) == 0);
    HL_CHECK (t.data[before] == ',' && strstr (t.data + before, "caller_") == NULL);
    v.ticket = "";
    HL_CHECK (hl_archrow_append (&v, pii, &t, &hist) == -1);
    hl_buf_free (&t);
    hl_buf_free (&hist);
    hl_pii_destroy (&pii);
}

static void
test_open_ticket (void)
{
    Hotline__HistoryEntry e[2], *h[2];
    h[0] = s_entry (&e[0], S_T0, "intake", 0, HOTLINE__STATE__STATE_DISPATCHED);
    h[1] = s_entry (&e[1], S_T0 + 1000, "sign", HOTLINE__STATE__STATE_DISPATCHED,
                    HOTLINE__STATE__STATE_SIGNED);
    Hotline__TicketView v = HOTLINE__TICKET_VIEW__INIT;
    v.ticket = "YJ202512040700043";
    v.has_state = v.has_created_ms = 1;
    v.state = HOTLINE__STATE__STATE_SIGNED;
    v.created_ms = S_T0;
    v.n_history = 2;
    v.history = h;
    hl_buf_t t = HL_BUF_INIT, hist = HL_BUF_INIT;
    HL_CHECK (hl_archrow_append (&v, NULL, &t, &hist) == 0);
    HL_CHECK (s_has (&t, "\"closed_at\":null"));
    HL_CHECK (s_has (&t, "\"unit\":null"));
    HL_CHECK (s_has (&t, "\"satisfaction\":null"));
    HL_CHECK (s_has (&t, "\"resolved\":null"));
    HL_CHECK (s_has (&t, "\"assist_units\":[]"));
    hl_buf_free (&t);
    hl_buf_free (&hist);
}

static const hl_test_case_t s_cases[] = {
    { "closed_ticket", test_closed_ticket }, { "open_ticket", test_open_ticket }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
