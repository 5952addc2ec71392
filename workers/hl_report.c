/*  hl_report: hotline-worker's output. See hl_report.h. */
#include "hl_report.h"
#include "hl_buf.h"
#include "hl_log.h"
#include "hl_view.h"
#include "hl_wire.h"

#include <stdio.h>
#include <string.h>

#define S_EXCERPT_CHARS 40

//  Prints B as one line on stdout, at once (scripts read as it happens).
static void
s_emit (hl_buf_t *b)
{
    fprintf (stdout, "%s\n", b->data ? b->data : "");
    fflush (stdout);
    hl_buf_free (b);
}

static void
s_kv (hl_buf_t *b, const char *key, const char *value, int first)
{
    hl_json_kv_str (b, key, value, strlen (value), first);
}

//  The message part of WORKER's last error ("code: message" -> "message").
static const char *
s_message (const hl_worker_t *worker)
{
    const char *code = hl_worker_error_code (worker), *all = hl_worker_error (worker);
    size_t n = strlen (code);
    return strncmp (all, code, n) == 0 && strncmp (all + n, ": ", 2) == 0 ? all + n + 2 : all;
}

//  Appends the first MAX_CHARS characters of UTF-8 TEXT on one line (line
//  breaks become spaces), with "…" if cut.
static void
s_excerpt (hl_buf_t *b, const char *text, size_t max_chars)
{
    size_t chars = 0;
    const char *p = text;
    for (; *p && chars < max_chars; chars++) {
        size_t n = 1;
        while ((p[n] & 0xC0) == 0x80)
            n++;
        if (*p == '\n' || *p == '\r' || *p == '\t')
            hl_buf_puts (b, " ");
        else
            hl_buf_append (b, p, n);
        p += n;
    }
    if (*p)
        hl_buf_puts (b, "…");
}

void
hl_report_session (int json, hl_worker_t *worker, const char *endpoint)
{
    hl_buf_t b = HL_BUF_INIT;
    if (json) {
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "connected", 1);
        s_kv (&b, "unit", hl_worker_unit (worker), 0);
        s_kv (&b, "unit_name", hl_worker_unit_name (worker), 0);
        hl_json_kv_int (&b, "session", hl_worker_sessions (worker), 0);
        hl_json_kv_int (&b, "heartbeat_ms", hl_worker_heartbeat_ms (worker), 0);
        hl_json_kv_bool (&b, "callback_allowed", hl_worker_callback_allowed (worker), 0);
        hl_buf_puts (&b, "}");
    }
    else
        hl_buf_printf (&b, "%s to %s as unit %s (%s)%s",
                       hl_worker_sessions (worker) > 1 ? "reconnected" : "connected", endpoint,
                       hl_worker_unit (worker), hl_worker_unit_name (worker),
                       hl_worker_callback_allowed (worker) ? ", callers' numbers shown" : "");
    s_emit (&b);
}

void
hl_report_delivery (int json, hl_worker_ticket_t *t)
{
    hl_buf_t b = HL_BUF_INIT;
    const char *role = hl_worker_ticket_role (t) == HL_WORKER_ASSIST ? "assist" : "lead";
    if (json) {
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "delivery", 1);
        s_kv (&b, "ticket", hl_worker_ticket_number (t), 0);
        s_kv (&b, "role", role, 0);
        hl_json_kv_bool (&b, "redelivery", hl_worker_ticket_redelivery (t), 0);
        s_kv (&b, "state", hl_worker_ticket_state (t), 0);
        s_kv (&b, "request_type", hl_worker_ticket_request_type (t), 0);
        s_kv (&b, "category", hl_worker_ticket_category (t), 0);
        s_kv (&b, "area", hl_worker_ticket_area (t), 0);
        hl_buf_puts (&b, "}");
    }
    else {
        const char *label = hl_wire_request_type_label (
            hl_wire_request_type_parse (hl_worker_ticket_request_type (t)));
        hl_buf_printf (&b, "%s delivered: %s (%s), %s, %s %s%s: ", hl_worker_ticket_number (t),
                       role, hl_worker_ticket_role (t) == HL_WORKER_ASSIST ? "协办" : "主办",
                       label ? label : "?", hl_worker_ticket_category (t),
                       hl_worker_ticket_area (t),
                       hl_worker_ticket_redelivery (t) ? ", redelivered" : "");
        s_excerpt (&b, hl_worker_ticket_content (t), S_EXCERPT_CHARS);
    }
    s_emit (&b);
}

void
hl_report_action (int json, const char *ticket, const char *action, int rc, hl_worker_t *worker)
{
    hl_buf_t b = HL_BUF_INIT;
    const hl_worker_done_t *d = hl_worker_done (worker);
    if (json) {
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "action", 1);
        s_kv (&b, "ticket", ticket, 0);
        s_kv (&b, "action", action, 0);
        hl_json_kv_bool (&b, "ok", rc == 0, 0);
        if (rc == 0) {
            s_kv (&b, "from", d->from, 0);
            s_kv (&b, "to", d->to, 0);
            hl_json_kv_bool (&b, "duplicate", d->duplicate, 0);
        }
        else {
            hl_json_key (&b, "error", 0);
            hl_buf_puts (&b, "{");
            s_kv (&b, "code", hl_worker_error_code (worker), 1);
            s_kv (&b, "message", s_message (worker), 0);
            hl_buf_puts (&b, "}");
        }
        hl_buf_puts (&b, "}");
    }
    else
    if (rc == 0)
        hl_buf_printf (&b, "%s %s: ok (%s -> %s)%s", ticket, action, d->from, d->to,
                       d->duplicate ? ", applied before" : "");
    else
        hl_buf_printf (&b, "%s %s: %s (%s): %s", ticket, action,
                       rc == HL_WORKER_EREFUSED ? "refused" : "failed",
                       hl_worker_error_code (worker), s_message (worker));
    if (rc != 0)
        hl_warning ("%s %s: %s", ticket, action, hl_worker_error (worker));
    s_emit (&b);
}

void
hl_report_bad_line (int json, const char *ticket, size_t line_no, const char *why)
{
    hl_buf_t b = HL_BUF_INIT;
    if (json) {
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "bad_line", 1);
        if (ticket)
            s_kv (&b, "ticket", ticket, 0);
        hl_json_kv_int (&b, "line", (int64_t) line_no, 0);
        s_kv (&b, "error", why, 0);
        hl_buf_puts (&b, "}");
        s_emit (&b);
    }
    else
    if (ticket)
        hl_buf_printf (&b, "%s line %zu: ignored: %s", ticket, line_no, why);
    else
        hl_buf_printf (&b, "%s", why);
    if (ticket)
        hl_warning ("%s: line %zu of the program's output ignored: %s", ticket, line_no, why);
    if (!json)
        s_emit (&b);
}

void
hl_report_run (int json, const char *ticket, const hl_report_run_t *run)
{
    hl_buf_t b = HL_BUF_INIT;
    if (json) {
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "exec", 1);
        s_kv (&b, "ticket", ticket, 0);
        hl_json_kv_int (&b, "status", run->status, 0);
        hl_json_kv_int (&b, "actions", run->actions, 0);
        hl_json_kv_int (&b, "failed", run->failed, 0);
        hl_json_kv_int (&b, "bad_lines", run->bad_lines, 0);
        hl_json_kv_bool (&b, "settled", run->settled, 0);
        hl_json_kv_bool (&b, "timed_out", run->timed_out, 0);
        hl_buf_puts (&b, "}");
    }
    else {
        hl_buf_printf (&b, "%s exec: ", ticket);
        if (run->status < 0)
            hl_buf_puts (&b, "could not start");
        else
        if (run->status > 128)
            hl_buf_printf (&b, "killed by signal %d", run->status - 128);
        else
            hl_buf_printf (&b, "exit %d", run->status);
        hl_buf_printf (&b, "%s, %d action%s, %d refused, %d bad line%s", run->timed_out
                       ? " (timed out)" : "", run->actions, run->actions == 1 ? "" : "s",
                       run->failed, run->bad_lines, run->bad_lines == 1 ? "" : "s");
    }
    s_emit (&b);
}

void
hl_report_list (int json, hl_worker_list_t *list)
{
    hl_buf_t b = HL_BUF_INIT;
    if (json) {
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "list", 1);
        hl_json_key (&b, "tickets", 0);
        hl_buf_puts (&b, hl_worker_list_json (list));
        hl_buf_puts (&b, "}");
        s_emit (&b);
        return;
    }
    size_t n = hl_worker_list_size (list);
    for (size_t i = 0; i < n; i++) {
        const hl_worker_summary_t *s = hl_worker_list_item (list, i);
        const char *state = hl_wire_state_label (hl_wire_state_parse (s->state));
        const char *type = hl_wire_request_type_label (hl_wire_request_type_parse (s->request_type));
        char when[32];
        hl_view_time (s->created_ms, when, sizeof when);
        hl_buf_printf (&b, "%s  %s  %s  %s  %s %s  ", s->ticket, when, state ? state : s->state,
                       type ? type : "?", s->category, s->area);
        s_excerpt (&b, s->excerpt, S_EXCERPT_CHARS);
        if (i + 1 < n)
            hl_buf_puts (&b, "\n");
    }
    if (n == 0)
        hl_buf_puts (&b, "(no open tickets)");
    s_emit (&b);
}

void
hl_report_ticket (int json, hl_worker_ticket_t *ticket)
{
    if (json) {
        hl_buf_t b = HL_BUF_INIT;
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "ticket", 1);
        hl_json_key (&b, "ticket", 0);
        hl_buf_puts (&b, hl_worker_ticket_json (ticket));
        hl_buf_puts (&b, "}");
        s_emit (&b);
    }
    else {
        hl_view_print (stdout, hl_worker_ticket_view (ticket));
        fflush (stdout);
    }
}

void
hl_report_error (int json, int rc, hl_worker_t *worker, const char *code, const char *message)
{
    if (worker) {
        code = hl_worker_error_code (worker);
        message = s_message (worker);
    }
    hl_buf_t b = HL_BUF_INIT;
    if (json) {
        hl_buf_puts (&b, "{");
        s_kv (&b, "event", "error", 1);
        s_kv (&b, "code", code, 0);
        s_kv (&b, "message", message, 0);
        hl_buf_puts (&b, "}");
        s_emit (&b);
    }
    else
        hl_buf_free (&b);
    hl_error ("%s%s%s: %s", rc ? hl_worker_strerror (rc) : "", rc ? ", " : "", code, message);
}
