/*  Unit test of hl_transition (and the hl_verdict checks it is made of):
 *  what is refused before Redis is asked, and the answers built from a
 *  stored step. The state machine itself is tested end to end in
 *  tests/test_dispatch.c. */
#include "hl_transition.h"
#include "hl_test.h"
#include "hl_wire.h"

#include <stdio.h>
#include <string.h>

static const char *s_catalogue =
    "[unit]\nrsj 人社 callback\nybj 医保\ncgj 城管\nsthjj 生态环境\nscjgj 市场监管\n"
    "[area]\n[route]\n";

//  A valid dispatch of a ticket to rsj.
static void
s_dispatch (Hotline__Transition *t)
{
    hotline__transition__init (t);
    t->has_ticket = 1;
    t->ticket = hl_wire_bytes ("YJ20261127000001");
    t->has_action = 1;
    t->action = HOTLINE__ACTION__ACTION_DISPATCH;
    t->has_unit = 1;
    t->unit = hl_wire_bytes ("rsj");
    t->has_actor = 1;
    t->actor = hl_wire_bytes ("dispatcher:li");
}

//  Checks T: 1 if the verdict is CODE on FIELD (CODE 0: valid).
static int
s_verdict (const Hotline__Transition *t, const hl_catalogue_t *c, Hotline__ErrorCode code,
           const char *field)
{
    hl_verdict_t v;
    int rc = hl_transition_check (t, c, &v);
    int ok = code == 0 ? rc == 0 && v.code == 0
                       : rc == -1 && v.code == code && v.field && strcmp (v.field, field) == 0
                         && strncmp (v.message, field, strlen (field)) == 0;
    if (!ok)
        fprintf (stderr, "wanted %s on %s, got %d: %s\n", hl_wire_error_name (code),
                 field ? field : "-", rc, v.message);
    return ok;
}

static void
test_check (void)
{
    char err[200];
    hl_catalogue_t *c = hl_catalogue_parse ("test", s_catalogue, err, sizeof err);
    HL_CHECK (c != NULL);
    Hotline__Transition t;
    s_dispatch (&t);
    HL_CHECK (s_verdict (&t, c, 0, NULL));

    //  Ticket, action: required and well formed.
    t.has_ticket = 0;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "ticket"));
    s_dispatch (&t);
    t.ticket = hl_wire_bytes ("YJ 2026");
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "ticket"));
    s_dispatch (&t);
    t.action = 0;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "action"));
    t.action = 999;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "action"));

    //  Text: UTF-8 without control characters; notes may span lines.
    s_dispatch (&t);
    t.has_note = 1;
    t.note = hl_wire_bytes ("已核实，\n转人社局处理");
    HL_CHECK (s_verdict (&t, c, 0, NULL));
    t.note = hl_wire_bytes ("bad \xc3\x28 byte");
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, "note"));
    t.note = hl_wire_bytes ("bell \x07");
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, "note"));
    s_dispatch (&t);
    t.actor = hl_wire_bytes ("dispatcher:li\nagent:x");
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_UTF8, "actor"));
    char long_actor[120];
    memset (long_actor, 'a', sizeof long_actor - 1);
    long_actor[sizeof long_actor - 1] = 0;
    t.actor = hl_wire_bytes (long_actor);
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_FIELD_TOO_LONG, "actor"));

    //  Units: from the catalogue; at most four assisting, none the lead.
    s_dispatch (&t);
    t.unit = hl_wire_bytes ("rsx");
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "unit"));
    s_dispatch (&t);
    ProtobufCBinaryData assist[5] = { hl_wire_bytes ("ybj"), hl_wire_bytes ("cgj"),
                                      hl_wire_bytes ("sthjj"), hl_wire_bytes ("scjgj"),
                                      hl_wire_bytes ("rsj") };
    t.assist = assist;
    t.n_assist = 4;
    HL_CHECK (s_verdict (&t, c, 0, NULL));
    t.n_assist = 5;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "assist"));
    assist[0] = hl_wire_bytes ("rsj");
    t.n_assist = 1;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "assist"));
    assist[0] = hl_wire_bytes ("nobody");
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "assist"));

    //  Values: known reasons and ratings, sane extensions, real
    //  emergency numbers, code-shaped parents and articles.
    s_dispatch (&t);
    t.has_return_reason = 1;
    t.return_reason = HOTLINE__RETURN_REASON__RETURN_WRONG_AREA;
    HL_CHECK (s_verdict (&t, c, 0, NULL));
    t.return_reason = 77;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, "return_reason"));
    s_dispatch (&t);
    t.has_satisfaction = 1;
    t.satisfaction = 0;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD, "satisfaction"));
    s_dispatch (&t);
    t.has_extension_days = 1;
    t.extension_days = 60;
    HL_CHECK (s_verdict (&t, c, 0, NULL));
    t.extension_days = 61;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "extension_days"));
    t.extension_days = 0;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "extension_days"));
    s_dispatch (&t);
    t.has_transfer_to = 1;
    t.transfer_to = 120;
    HL_CHECK (s_verdict (&t, c, 0, NULL));
    t.transfer_to = 114;
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "transfer_to"));
    s_dispatch (&t);
    t.has_parent = 1;
    t.parent = hl_wire_bytes ("YJ2026/1");
    HL_CHECK (s_verdict (&t, c, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "parent"));
    s_dispatch (&t);
    t.has_article = 1;
    t.article = hl_wire_bytes ("kb-sb-001");
    HL_CHECK (s_verdict (&t, c, 0, NULL));
    hl_catalogue_destroy (&c);
}

//  A stored step is answered with TransitionDone (a replay marked as
//  one); a refusal with its code; a lost or failed write with a
//  retryable code.
static void
test_answer (void)
{
    hl_store_transition_result_t r;
    memset (&r, 0, sizeof r);
    r.outcome = HL_STORE_NEW;
    r.from = HOTLINE__STATE__STATE_TO_DISPATCH;
    r.to = HOTLINE__STATE__STATE_DISPATCHED;
    r.at_ms = 1795000000000ULL;
    snprintf (r.unit, sizeof r.unit, "rsj");
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__TransitionDone done;
    Hotline__Nack nack;
    hl_transition_answer (&r, "YJ20261127000001", &env, &done, &nack);
    HL_CHECK (env.body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE);
    HL_CHECK (env.transition_done == &done);
    HL_CHECK_STR (done.ticket, "YJ20261127000001");
    HL_CHECK (done.from_state == HOTLINE__STATE__STATE_TO_DISPATCH);
    HL_CHECK (done.to_state == HOTLINE__STATE__STATE_DISPATCHED);
    HL_CHECK (done.at_ms == 1795000000000ULL && !done.duplicate);
    HL_CHECK_STR (done.unit, "rsj");

    r.outcome = HL_STORE_DUP;
    hl_transition_answer (&r, "YJ20261127000001", &env, &done, &nack);
    HL_CHECK (env.body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE && done.duplicate);

    r.outcome = HL_STORE_REFUSED;
    r.code = HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION;
    snprintf (r.error, sizeof r.error, "sign: the ticket is closed");
    hl_transition_answer (&r, "YJ20261127000001", &env, &done, &nack);
    HL_CHECK (env.body_case == HOTLINE__ENVELOPE__BODY_NACK);
    HL_CHECK (env.nack->code == HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION);
    HL_CHECK (!env.nack->retryable);
    HL_CHECK_STR (env.nack->message, "sign: the ticket is closed");

    r.outcome = HL_STORE_LOST;
    hl_transition_answer (&r, "YJ20261127000001", &env, &done, &nack);
    HL_CHECK (env.nack->code == HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT && env.nack->retryable);
    r.outcome = HL_STORE_FAILED;
    hl_transition_answer (&r, "YJ20261127000001", &env, &done, &nack);
    HL_CHECK (env.nack->code == HOTLINE__ERROR_CODE__ERROR_STORE_FAILED && env.nack->retryable);
}

static const hl_test_case_t s_cases[] = {
    { "check", test_check },
    { "answer", test_answer },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
