/*  hl_dashticket: the dashboard's ticket view and lists. See
 *  hl_dashticket.h. */
#include "hl_dashticket.h"
#include "hl_privacy.h"
#include "hl_text.h"
#include "hl_view.h"
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_READER "supervisor:dashboard"     //  whom hl_privacy masks the caller for

static void
s_reply_json (hl_httpd_req_t *req, hl_buf_t *json)
{
    hl_httpd_reply (req, 200, "application/json", json->data, json->len);
    hl_buf_free (json);
}

static void
s_on_view (const Hotline__TicketView *view, const char *error, void *arg)
{
    hl_httpd_req_t *req = arg;
    if (!view) {
        if (error)
            hl_httpd_reply_error (req, 503, "unavailable", error);
        else
            hl_httpd_reply_error (req, 404, "not_found", "number: no such ticket");
        return;
    }
    Hotline__TicketView copy = *view;
    Hotline__Complaint complaint;
    char masked[HL_PRIVACY_MASKED_MAX];
    if (view->complaint) {
        complaint = *view->complaint;
        copy.complaint = &complaint;
    }
    if (hl_privacy_for_reader (&copy, S_READER, 0, masked) != 0) {
        hl_httpd_reply_error (req, 404, "not_found", "number: no such ticket");
        return;
    }
    hl_buf_t json = HL_BUF_INIT;
    hl_view_json (&json, &copy);
    s_reply_json (req, &json);
}

void
hl_dashticket_show (hl_tickets_t *tickets, hl_httpd_req_t *req)
{
    char number[HL_STORE_TICKET_MAX];
    if (hl_httpd_req_param (req, "number", number, sizeof number) != 1
        || !hl_text_is_code (number, strlen (number), sizeof number - 1)) {
        hl_httpd_reply_error (req, 400, "bad_value", "number: a ticket number is required");
        return;
    }
    if (hl_tickets_get (tickets, number, s_on_view, req) != 0)
        hl_httpd_reply_error (req, 503, "unavailable", "the ticket store is not reachable");
}

static void
s_on_list (Hotline__TicketSummary **items, size_t n, int archive_unavailable, const char *error,
           void *arg)
{
    hl_httpd_req_t *req = arg;
    if (error) {
        hl_httpd_reply_error (req, 503, "unavailable", error);
        return;
    }
    hl_buf_t json = HL_BUF_INIT;
    hl_buf_puts (&json, "{");
    hl_json_kv_bool (&json, "archive_unavailable", archive_unavailable, 1);
    hl_json_key (&json, "tickets", 0);
    hl_buf_puts (&json, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            hl_buf_puts (&json, ",");
        hl_view_summary_json (&json, items[i]);
    }
    hl_buf_puts (&json, "]}");
    s_reply_json (req, &json);
}

//  The list REQ asks for: INDEX and KEY, or -1 (answered 400).
static int
s_list_key (hl_httpd_req_t *req, const char **index, char *key, size_t keylen)
{
    if (hl_httpd_req_param (req, "unit", key, keylen) == 1 && *key) {
        *index = "unit";
        if (hl_text_is_code (key, strlen (key), keylen - 1))
            return 0;
        hl_httpd_reply_error (req, 400, "bad_value", "unit: not a unit code");
        return -1;
    }
    if (hl_httpd_req_param (req, "state", key, keylen) == 1 && *key) {
        *index = "state";
        if (hl_wire_state_parse (key))
            return 0;
        hl_httpd_reply_error (req, 400, "bad_value", "state: unknown value");
        return -1;
    }
    hl_httpd_reply_error (req, 400, "bad_value", "unit or state: list by one of them");
    return -1;
}

void
hl_dashticket_list (hl_tickets_t *tickets, hl_httpd_req_t *req, unsigned limit)
{
    char key[HL_STORE_UNIT_MAX];
    const char *index = NULL;
    if (s_list_key (req, &index, key, sizeof key) != 0)
        return;
    if (hl_tickets_list (tickets, index, key, "", limit, s_on_list, req) != 0)
        hl_httpd_reply_error (req, 503, "unavailable", "the ticket store is not reachable");
}
