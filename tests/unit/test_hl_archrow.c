/*  Unit test of hl_archrow on hand-made views: every column of the ticket
 *  row, the moments taken from the history, the history rows, the caller
 *  sealed and hashed (never in the clear), and a view without a number
 *  refused. */
#include "hl_archrow.h"
#include "hl_test.h"
#include "hl_testview.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
    hl_testview_t tv;
    hl_testview_closed (&tv);
    Hotline__TicketView v = tv.view;
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
    hl_testview_t tv;
    hl_testview_closed (&tv);
    Hotline__TicketView v = tv.view;     //  only as far as it was signed
    v.state = HOTLINE__STATE__STATE_SIGNED;
    v.n_history = 3;
    v.has_unit = v.has_satisfaction = v.has_resolved = 0;
    v.n_assist = 0;
    hl_buf_t t = HL_BUF_INIT, hist = HL_BUF_INIT;
    HL_CHECK (hl_archrow_append (&v, NULL, &t, &hist) == 0);
    HL_CHECK (s_has (&t, "\"closed_at\":null"));
    HL_CHECK (s_has (&t, "\"unit\":null"));
    HL_CHECK (s_has (&t, "\"satisfaction\":null"));
    HL_CHECK (s_has (&t, "\"resolved\":null"));
    HL_CHECK (s_has (&t, "\"assist_units\":[]"));
    HL_CHECK (s_has (&t, "\"version\":3"));
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
