/*  Fuzz target: core/hl_view, tickets as the clients show them. A frame
 *  from hotlined (a ticket view, a delivery to a worker, a list) is
 *  unpacked and rendered as JSON (what a department's program reads) and
 *  as text; the JSON must be valid UTF-8 text whatever the frame held.
 */
#include "hl_fuzz.h"
#include "hl_text.h"
#include "hl_view.h"
#include "hl_wire.h"

static FILE *s_null;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    s_null = fopen ("/dev/null", "w");
    if (!s_null)
        abort ();
    return 0;
}

static void
s_json_ok (const hl_buf_t *out)
{
    HL_FUZZ_ASSERT (hl_text_check (out->data, out->len, HL_TEXT_MULTILINE, NULL) == HL_TEXT_OK);
}

static void
s_view (const Hotline__TicketView *view)
{
    hl_buf_t out = HL_BUF_INIT;
    hl_view_json (&out, view);
    s_json_ok (&out);
    hl_buf_free (&out);
    hl_view_print (s_null, view);
}

static void
s_summaries (Hotline__TicketSummary **items, size_t n)
{
    hl_buf_t out = HL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        hl_buf_reset (&out);
        hl_view_summary_json (&out, items[i]);
        s_json_ok (&out);
    }
    hl_buf_free (&out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    Hotline__ErrorCode code;
    Hotline__Envelope *env = hl_wire_unpack (data, size, HL_WIRE_MAX_MESSAGE, &code);
    if (!env)
        return 0;
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW)
        s_view (env->ticket_view);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_DELIVERY && env->delivery->ticket)
        s_view (env->delivery->ticket);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST)
        s_summaries (env->ticket_list->tickets, env->ticket_list->n_tickets);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_SIMILAR_RESULTS)
        s_summaries (env->similar_results->tickets, env->similar_results->n_tickets);
    hl_wire_free (&env);
    return 0;
}
