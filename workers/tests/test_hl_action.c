/*  Unit test of hl_action: a department's action from a JSON line or from
 *  its parts, with every malformed form refused in words a department's
 *  programmer can act on. (Applying actions is tested against a broker in
 *  test_hotline_worker.c.) */
#include "hl_action.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>

#define TICKET "YJ20261127000001"

//  Reads LINE; 1 if it is accepted as KIND.
static int
s_accepted (const char *line, hl_action_kind_t kind, hl_action_t *out)
{
    char err[256] = "";
    int rc = hl_action_from_json (out, line, strlen (line), TICKET, err, sizeof err);
    if (rc != 0 || out->kind != kind)
        fprintf (stderr, "for %s: %s\n", line, rc ? err : "another kind");
    return rc == 0 && out->kind == kind;
}

//  Reads LINE; 1 if it is refused with a message holding WANT.
static int
s_refused (const char *line, const char *want)
{
    hl_action_t a = HL_ACTION_INIT;
    char err[256] = "";
    int rc = hl_action_from_json (&a, line, strlen (line), TICKET, err, sizeof err);
    int ok = rc == -1 && strstr (err, want) != NULL && a.kind == HL_ACTION_NONE && !a.note;
    if (!ok)
        fprintf (stderr, "for %s: wanted '%s', got %s\n", line, want, rc ? err : "accepted");
    hl_action_clear (&a);
    return ok;
}

static void
test_json (void)
{
    hl_action_t a = HL_ACTION_INIT;
    HL_CHECK (s_accepted ("{\"action\":\"sign\"}", HL_ACTION_SIGN, &a));
    HL_CHECK (a.note == NULL && hl_action_settles (&a));
    HL_CHECK (s_accepted ("{\"action\":\"return\",\"reason\":\"wrong_area\",\"note\":\"属地不符\","
                          "\"ticket\":\"" TICKET "\"}", HL_ACTION_RETURN, &a));
    HL_CHECK_STR (a.reason, "wrong_area");
    HL_CHECK_STR (a.note, "属地不符");
    HL_CHECK (hl_action_settles (&a));
    HL_CHECK (s_accepted ("{\"action\":\"progress\",\"note\":\"已联系市民\"}", HL_ACTION_PROGRESS, &a));
    HL_CHECK (!hl_action_settles (&a));
    HL_CHECK (s_accepted ("{\"action\":\"request_extension\",\"days\":5,\"note\":\"需检测\"}",
                          HL_ACTION_EXTENSION, &a));
    HL_CHECK (a.days == 5);
    HL_CHECK (s_accepted ("{\"action\":\"extension\",\"days\":60,\"note\":\"x\"}",
                          HL_ACTION_EXTENSION, &a));
    HL_CHECK (s_accepted ("{\"action\":\"reply\",\"note\":\"已修复路灯\"}", HL_ACTION_REPLY, &a));
    HL_CHECK_STR (hl_action_name (a.kind), "reply");
    hl_action_clear (&a);
    HL_CHECK (a.kind == HL_ACTION_NONE && a.note == NULL);

    HL_CHECK (s_refused ("sign", "not a JSON object"));
    HL_CHECK (s_refused ("{\"note\":\"x\"}", "\"action\" (a string) is missing"));
    HL_CHECK (s_refused ("{\"action\":\"close\"}", "unknown action \"close\""));
    HL_CHECK (s_refused ("{\"action\":\"sign\",\"note\":\"x\"}",
                         "\"note\" does not belong in a sign action"));
    HL_CHECK (s_refused ("{\"action\":\"reply\",\"days\":3,\"note\":\"x\"}",
                         "\"days\" does not belong in a reply action"));
    HL_CHECK (s_refused ("{\"action\":\"reply\",\"note\":5}", "\"note\" must be a string"));
    HL_CHECK (s_refused ("{\"action\":\"reply\"}", "reply needs a note"));
    HL_CHECK (s_refused ("{\"action\":\"reply\",\"note\":\"\"}", "reply needs a note"));
    HL_CHECK (s_refused ("{\"action\":\"return\",\"note\":\"x\"}", "return needs a reason"));
    HL_CHECK (s_refused ("{\"action\":\"return\",\"reason\":\"lazy\",\"note\":\"x\"}",
                         "return needs a reason"));
    HL_CHECK (s_refused ("{\"action\":\"extension\",\"days\":61,\"note\":\"x\"}", "1 to 60"));
    HL_CHECK (s_refused ("{\"action\":\"extension\",\"days\":2.5,\"note\":\"x\"}", "1 to 60"));
    HL_CHECK (s_refused ("{\"action\":\"extension\",\"days\":\"5\",\"note\":\"x\"}",
                         "\"days\" must be a whole number"));
    HL_CHECK (s_refused ("{\"action\":\"extension\",\"note\":\"x\"}", "extension needs days"));
    HL_CHECK (s_refused ("{\"action\":\"sign\",\"ticket\":\"YJ20261127000002\"}",
                         "\"ticket\" is YJ20261127000002, but this program handles " TICKET));
}

static void
test_parts (void)
{
    char err[256];
    hl_action_t a = HL_ACTION_INIT;
    HL_CHECK (hl_action_parse_kind ("sign") == HL_ACTION_SIGN);
    HL_CHECK (hl_action_parse_kind ("request_extension") == HL_ACTION_EXTENSION);
    HL_CHECK (hl_action_parse_kind ("extension") == HL_ACTION_EXTENSION);
    HL_CHECK (hl_action_parse_kind ("merge") == HL_ACTION_NONE);
    HL_CHECK (hl_action_parse_kind (NULL) == HL_ACTION_NONE);
    HL_CHECK (hl_action_set (&a, HL_ACTION_RETURN, "not_our_duty", 0, "非本单位职责", err,
                             sizeof err) == 0);
    HL_CHECK_STR (a.reason, "not_our_duty");
    //  Setting again replaces (and frees) the old note.
    HL_CHECK (hl_action_set (&a, HL_ACTION_EXTENSION, NULL, 10, "等待检测结果", err,
                             sizeof err) == 0);
    HL_CHECK (a.days == 10 && *a.reason == 0);
    HL_CHECK (hl_action_set (&a, HL_ACTION_NONE, NULL, 0, "x", err, sizeof err) == -1);
    HL_CHECK (strstr (err, "unknown action") != NULL && a.note == NULL);
    HL_CHECK (hl_action_set (&a, HL_ACTION_EXTENSION, NULL, 0, "x", err, sizeof err) == -1);
    HL_CHECK (hl_action_set (&a, HL_ACTION_PROGRESS, NULL, 0, NULL, err, sizeof err) == -1);
    HL_CHECK (strstr (err, "progress needs a note") != NULL);
    hl_action_clear (&a);
}

static const hl_test_case_t s_cases[] = {
    { "json", test_json },
    { "parts", test_parts },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
