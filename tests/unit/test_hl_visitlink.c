/*  Unit test of hl_visitlink: the link of a replied ticket, the token's
 *  check (forged, another ticket's, another reply's, a used link), the key. */
#include "hl_visitlink.h"
#include "hl_test.h"
#include "hl_wire.h"

#include <stdlib.h>
#include <string.h>

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
#define URL "https://12345.example.gov.cn/visit"

static hl_visitlink_t *
s_keyed (const char *hex)
{
    char err[256];
    setenv ("HOTLINE_VISIT_KEY", hex, 1);
    hl_visitlink_t *v = hl_visitlink_new ("", URL, err, sizeof err);
    unsetenv ("HOTLINE_VISIT_KEY");
    HL_CHECK (v && hl_visitlink_enabled (v));
    return v;
}

//  A replied ticket: intake, then a reply at REPLY_MS.
typedef struct {
    Hotline__TicketView view;
    Hotline__HistoryEntry entries[3], *history[3];
} s_ticket_t;

static void
s_ticket (s_ticket_t *t, const char *number, uint64_t reply_ms)
{
    hotline__ticket_view__init (&t->view);
    t->view.ticket = (char *) number;
    t->view.has_state = 1;
    t->view.state = HOTLINE__STATE__STATE_REPLIED;
    const char *actions[] = { "intake", "reply", "progress" };
    uint64_t at[] = { 1000, reply_ms, reply_ms - 500 };
    for (int i = 0; i < 3; i++) {
        hotline__history_entry__init (&t->entries[i]);
        t->entries[i].has_at_ms = t->entries[i].has_action = 1;
        t->entries[i].at_ms = at[i];
        t->entries[i].action = hl_wire_bytes (actions[i]);
        t->history[i] = &t->entries[i];
    }
    t->view.n_history = 3;
    t->view.history = t->history;
}

//  The token part of a link.
static ProtobufCBinaryData
s_token_of (const char *link)
{
    return hl_wire_bytes (strrchr (link, '.') + 1);
}

static void
test_link_and_check (void)
{
    hl_visitlink_t *a = s_keyed (KEY_A), *b = s_keyed (KEY_B);
    s_ticket_t t, other;
    s_ticket (&t, "YJ202612040100001", 5000000);
    s_ticket (&other, "YJ202612040100002", 5000000);
    HL_CHECK (hl_visitlink_reply_ms (&t.view) == 5000000);
    char link[HL_VISITLINK_MAX], link_b[HL_VISITLINK_MAX], link_other[HL_VISITLINK_MAX];
    HL_CHECK (hl_visitlink_link (a, &t.view, link) == 0);
    HL_CHECK (strncmp (link, URL "#YJ202612040100001.", strlen (URL) + 19) == 0);
    HL_CHECK (strlen (strrchr (link, '.') + 1) == 22);
    hl_verdict_t v = { 0 };
    HL_CHECK (hl_visitlink_check (a, &t.view, s_token_of (link), &v) == 0);
    //  Another key, another ticket, a forged or cut token: forbidden.
    HL_CHECK (hl_visitlink_link (b, &t.view, link_b) == 0 && strcmp (link, link_b) != 0);
    HL_CHECK (hl_visitlink_check (a, &t.view, s_token_of (link_b), &v) != 0
              && v.code == HOTLINE__ERROR_CODE__ERROR_FORBIDDEN);
    HL_CHECK (hl_visitlink_link (a, &other.view, link_other) == 0);
    HL_CHECK (hl_visitlink_check (a, &t.view, s_token_of (link_other), &v) != 0
              && v.code == HOTLINE__ERROR_CODE__ERROR_FORBIDDEN);
    HL_CHECK (hl_visitlink_check (a, &t.view, hl_wire_bytes ("AAAAAAAAAAAAAAAAAAAAAA"), &v) != 0);
    char cut[64];
    snprintf (cut, sizeof cut, "%.21s", strrchr (link, '.') + 1);
    HL_CHECK (hl_visitlink_check (a, &t.view, hl_wire_bytes (cut), &v) != 0);
    HL_CHECK (hl_visitlink_check (a, &t.view, hl_wire_bytes (""), &v) != 0);
    //  Visited: no link, and the old one is used.
    t.view.state = HOTLINE__STATE__STATE_VISITED;
    HL_CHECK (hl_visitlink_link (a, &t.view, link_b) != 0);
    HL_CHECK (hl_visitlink_check (a, &t.view, s_token_of (link), &v) != 0
              && v.code == HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION);
    //  A new reply (after 重办): a new link, the old one forbidden.
    t.view.state = HOTLINE__STATE__STATE_REPLIED;
    t.entries[2].action = hl_wire_bytes ("reply");
    t.entries[2].at_ms = 9000000;
    HL_CHECK (hl_visitlink_link (a, &t.view, link_b) == 0 && strcmp (link, link_b) != 0);
    HL_CHECK (hl_visitlink_check (a, &t.view, s_token_of (link), &v) != 0
              && v.code == HOTLINE__ERROR_CODE__ERROR_FORBIDDEN);
    HL_CHECK (hl_visitlink_check (a, &t.view, s_token_of (link_b), &v) == 0);
    hl_visitlink_destroy (&a);
    hl_visitlink_destroy (&b);
    HL_CHECK (a == NULL);
}

static void
test_without_key (void)
{
    char err[256], link[HL_VISITLINK_MAX];
    unsetenv ("HOTLINE_VISIT_KEY");
    hl_visitlink_t *v = hl_visitlink_new ("", URL, err, sizeof err);
    HL_CHECK (v && !hl_visitlink_enabled (v));
    s_ticket_t t;
    s_ticket (&t, "YJ202612040100001", 5000000);
    HL_CHECK (hl_visitlink_link (v, &t.view, link) != 0);
    hl_verdict_t verdict = { 0 };
    HL_CHECK (hl_visitlink_check (v, &t.view, hl_wire_bytes ("x"), &verdict) != 0
              && verdict.code == HOTLINE__ERROR_CODE__ERROR_UNSUPPORTED);
    hl_visitlink_destroy (&v);
    //  A key that is not 64 hex digits is refused at start.
    setenv ("HOTLINE_VISIT_KEY", "abc", 1);
    HL_CHECK (hl_visitlink_new ("", URL, err, sizeof err) == NULL
              && strstr (err, "64 hexadecimal"));
    unsetenv ("HOTLINE_VISIT_KEY");
}

static const hl_test_case_t s_cases[] = {
    { "link_and_check", test_link_and_check }, { "without_key", test_without_key },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
