/*  Unit test of hl_jsonl: the strict one-object-per-line JSON reader. */
#include "hl_jsonl.h"
#include "hl_test.h"

#include <stdlib.h>

//  Parses LINE and returns the object, or NULL (with the message in ERR).
static hl_jsonl_t *
s_parse (const char *line, char *err, size_t errlen)
{
    return hl_jsonl_parse (line, strlen (line), err, errlen);
}

//  True if LINE is refused with a message containing WANT.
static int
s_refused (const char *line, const char *want)
{
    char err[256] = "";
    hl_jsonl_t *obj = s_parse (line, err, sizeof err);
    if (obj) {
        hl_jsonl_destroy (&obj);
        fprintf (stderr, "accepted: %s\n", line);
        return 0;
    }
    if (!strstr (err, want)) {
        fprintf (stderr, "for %s: message '%s' lacks '%s'\n", line, err, want);
        return 0;
    }
    return 1;
}

static void
test_actions (void)
{
    char err[256];
    hl_jsonl_t *obj = s_parse ("{\"action\":\"sign\"}", err, sizeof err);
    HL_CHECK (obj != NULL);
    HL_CHECK (hl_jsonl_size (obj) == 1);
    HL_CHECK_STR (hl_jsonl_key (obj, 0), "action");
    HL_CHECK (hl_jsonl_key (obj, 1) == NULL);
    HL_CHECK_STR (hl_jsonl_string (obj, "action"), "sign");
    HL_CHECK (hl_jsonl_type (obj, "note") == HL_JSONL_NONE);
    hl_jsonl_destroy (&obj);
    HL_CHECK (obj == NULL);

    obj = s_parse ("  { \"action\" : \"extension\", \"days\" : 5 ,\"note\":\"需要协调供水公司\","
                   "\"urgent\":true, \"ratio\": -1.5e2 }\r", err, sizeof err);
    HL_CHECK (obj != NULL);
    HL_CHECK (hl_jsonl_size (obj) == 5);
    int64_t days = 0;
    HL_CHECK (hl_jsonl_int (obj, "days", &days) == 0 && days == 5);
    HL_CHECK_STR (hl_jsonl_string (obj, "note"), "需要协调供水公司");
    int flag = 0;
    HL_CHECK (hl_jsonl_bool (obj, "urgent", &flag) == 0 && flag == 1);
    double ratio = 0;
    HL_CHECK (hl_jsonl_number (obj, "ratio", &ratio) == 0 && ratio == -150.0);
    HL_CHECK (hl_jsonl_int (obj, "ratio", &days) == -1);        //  not written as an integer
    HL_CHECK (hl_jsonl_string (obj, "days") == NULL);           //  wrong type
    HL_CHECK (hl_jsonl_bool (obj, "days", &flag) == -1);
    HL_CHECK (hl_jsonl_type (obj, "urgent") == HL_JSONL_BOOL);
    HL_CHECK (hl_jsonl_type (obj, "days") == HL_JSONL_NUMBER);
    hl_jsonl_destroy (&obj);

    obj = s_parse ("{}", err, sizeof err);
    HL_CHECK (obj && hl_jsonl_size (obj) == 0);
    hl_jsonl_destroy (&obj);
    obj = s_parse ("{\"a\":false,\"b\":0,\"c\":-0,\"d\":\"\"}", err, sizeof err);
    HL_CHECK (obj && hl_jsonl_bool (obj, "a", &flag) == 0 && flag == 0);
    HL_CHECK (obj && hl_jsonl_int (obj, "c", &days) == 0 && days == 0);
    HL_CHECK_STR (obj ? hl_jsonl_string (obj, "d") : NULL, "");
    hl_jsonl_destroy (&obj);
}

static void
test_escapes (void)
{
    char err[256];
    hl_jsonl_t *obj = s_parse ("{\"note\":\"a\\\"b\\\\c\\/d\\n\\te\\r\\u4f60\\u597D\\ud83d\\ude00\"}",
                               err, sizeof err);
    HL_CHECK (obj != NULL);
    HL_CHECK_STR (obj ? hl_jsonl_string (obj, "note") : NULL, "a\"b\\c/d\n\te\r你好😀");
    hl_jsonl_destroy (&obj);
    //  Escaped keys are keys like any other.
    obj = s_parse ("{\"\\u0061ction\":\"sign\"}", err, sizeof err);
    HL_CHECK_STR (obj ? hl_jsonl_string (obj, "action") : NULL, "sign");
    hl_jsonl_destroy (&obj);

    HL_CHECK (s_refused ("{\"n\":\"a\\u0000b\"}", "control character"));
    HL_CHECK (s_refused ("{\"n\":\"\\b\"}", "control character"));
    HL_CHECK (s_refused ("{\"n\":\"\\u001b[31m\"}", "control character"));
    HL_CHECK (s_refused ("{\"n\":\"\\ud83d\"}", "surrogate"));
    HL_CHECK (s_refused ("{\"n\":\"\\ud83dx\"}", "surrogate"));
    HL_CHECK (s_refused ("{\"n\":\"\\ude00\"}", "lone low surrogate"));
    HL_CHECK (s_refused ("{\"n\":\"\\ud83d\\u0041\"}", "surrogate"));
    HL_CHECK (s_refused ("{\"n\":\"\\u12\"}", "four hex digits"));
    HL_CHECK (s_refused ("{\"n\":\"\\u12G4\"}", "four hex digits"));
    HL_CHECK (s_refused ("{\"n\":\"\\x41\"}", "unknown escape"));
    HL_CHECK (s_refused ("{\"n\":\"a\tb\"}", "raw control character"));
    HL_CHECK (s_refused ("{\"n\":\"abc", "unterminated"));
    HL_CHECK (s_refused ("{\"n\":\"abc\\", "unterminated"));
}

static void
test_utf8 (void)
{
    HL_CHECK (s_refused ("{\"n\":\"\xC3\x28\"}", "not valid UTF-8"));
    HL_CHECK (s_refused ("{\"n\":\"\xC0\xAF\"}", "not valid UTF-8"));           //  overlong
    HL_CHECK (s_refused ("{\"n\":\"\xED\xA0\x80\"}", "not valid UTF-8"));       //  surrogate
    HL_CHECK (s_refused ("{\"n\":\"\xF4\x90\x80\x80\"}", "not valid UTF-8"));   //  > U+10FFFF
    HL_CHECK (s_refused ("{\"n\":\"\xE5\x99\"}", "not valid UTF-8"));           //  truncated
    HL_CHECK (s_refused ("{\"\xFF\":1}", "not valid UTF-8"));
    HL_CHECK (s_refused ("{\"n\":\"\xC2\x85\"}", "control character"));         //  C1 NEL
}

static void
test_structure (void)
{
    HL_CHECK (s_refused ("", "expected '{'"));
    HL_CHECK (s_refused ("   ", "expected '{'"));
    HL_CHECK (s_refused ("[1]", "expected '{'"));
    HL_CHECK (s_refused ("\"sign\"", "expected '{'"));
    HL_CHECK (s_refused ("{", "end of the line"));
    HL_CHECK (s_refused ("{\"a\":1", "expected ',' or '}'"));
    HL_CHECK (s_refused ("{\"a\":1,}", "a string"));
    HL_CHECK (s_refused ("{\"a\" 1}", "expected ':'"));
    HL_CHECK (s_refused ("{\"a\":}", "expected a string, a number"));
    HL_CHECK (s_refused ("{a:1}", "expected a string"));
    HL_CHECK (s_refused ("{'a':1}", "expected a string"));
    HL_CHECK (s_refused ("{\"a\":{\"b\":1}}", "nested"));
    HL_CHECK (s_refused ("{\"a\":[1]}", "nested"));
    HL_CHECK (s_refused ("{\"a\":null}", "null is not accepted"));
    HL_CHECK (s_refused ("{\"a\":1,\"a\":2}", "duplicate key \"a\""));
    HL_CHECK (s_refused ("{\"a\":1} {\"b\":2}", "text after the object"));
    HL_CHECK (s_refused ("{\"a\":1}x", "text after the object"));
    HL_CHECK (s_refused ("{\"a\":True}", "expected a string, a number"));
    HL_CHECK (s_refused ("{\"a\":truex}", "expected ',' or '}'"));
    HL_CHECK (s_refused ("{\"\":1}", "key must be"));
    //  Where: the offset of the problem is named.
    HL_CHECK (s_refused ("{\"a\":1,\"a\":2}", "at byte 8"));
}

static void
test_numbers (void)
{
    char err[256];
    const char *bad[] = { "01", "1.", ".5", "+1", "-", "1e", "1e+", "NaN", "Infinity", "0x10",
                          "1.5.2", "--1", NULL };
    for (int i = 0; bad[i]; i++) {
        char line[64];
        snprintf (line, sizeof line, "{\"n\":%s}", bad[i]);
        hl_jsonl_t *obj = s_parse (line, err, sizeof err);
        if (obj)
            fprintf (stderr, "accepted number %s\n", bad[i]);
        HL_CHECK (obj == NULL);
        hl_jsonl_destroy (&obj);
    }
    HL_CHECK (s_refused ("{\"n\":1e999}", "out of range"));
    hl_jsonl_t *obj = s_parse ("{\"a\":9223372036854775807,\"b\":9223372036854775808,"
                               "\"c\":1E3,\"d\":0.25,\"e\":-12}", err, sizeof err);
    HL_CHECK (obj != NULL);
    int64_t v = 0;
    double d = 0;
    HL_CHECK (hl_jsonl_int (obj, "a", &v) == 0 && v == INT64_MAX);
    HL_CHECK (hl_jsonl_int (obj, "b", &v) == -1);                //  beyond int64_t
    HL_CHECK (hl_jsonl_number (obj, "b", &d) == 0 && d > 9.2e18);
    HL_CHECK (hl_jsonl_number (obj, "c", &d) == 0 && d == 1000.0);
    HL_CHECK (hl_jsonl_int (obj, "c", &v) == -1);
    HL_CHECK (hl_jsonl_number (obj, "d", &d) == 0 && d == 0.25);
    HL_CHECK (hl_jsonl_int (obj, "e", &v) == 0 && v == -12);
    HL_CHECK (hl_jsonl_int (obj, "missing", &v) == -1);
    hl_jsonl_destroy (&obj);
}

static void
test_limits (void)
{
    //  HL_JSONL_MAX_MEMBERS members are fine, one more is not.
    char line[4096];
    size_t at = (size_t) snprintf (line, sizeof line, "{");
    for (int i = 0; i < HL_JSONL_MAX_MEMBERS; i++)
        at += (size_t) snprintf (line + at, sizeof line - at, "%s\"k%d\":%d", i ? "," : "", i, i);
    snprintf (line + at, sizeof line - at, "}");
    char err[256];
    hl_jsonl_t *obj = s_parse (line, err, sizeof err);
    HL_CHECK (obj && hl_jsonl_size (obj) == HL_JSONL_MAX_MEMBERS);
    hl_jsonl_destroy (&obj);
    snprintf (line + at, sizeof line - at, ",\"extra\":1}");
    HL_CHECK (s_refused (line, "more than"));

    //  Keys are short.
    char key[HL_JSONL_MAX_KEY + 2];
    memset (key, 'k', sizeof key - 1);
    key[sizeof key - 1] = 0;
    snprintf (line, sizeof line, "{\"%s\":1}", key);
    HL_CHECK (s_refused (line, "key must be"));
    key[HL_JSONL_MAX_KEY] = 0;
    snprintf (line, sizeof line, "{\"%s\":1}", key);
    obj = s_parse (line, err, sizeof err);
    HL_CHECK (obj != NULL);
    hl_jsonl_destroy (&obj);

    //  Lines are capped; a note close to the cap is fine.
    size_t big = HL_JSONL_MAX_LINE + 1;
    char *huge = malloc (big + 1);
    HL_CHECK (huge != NULL);
    memset (huge, ' ', big);
    memcpy (huge, "{\"note\":\"", 9);
    memset (huge + 9, 'x', big - 20);
    memcpy (huge + big - 11, "\"}", 2);
    huge[big] = 0;
    HL_CHECK (hl_jsonl_parse (huge, big, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "longer than") != NULL);
    obj = hl_jsonl_parse (huge, big - 1, err, sizeof err);
    HL_CHECK (obj != NULL);
    HL_CHECK (obj && strlen (hl_jsonl_string (obj, "note")) == big - 20);
    hl_jsonl_destroy (&obj);
    free (huge);

    //  A NULL error buffer is allowed.
    HL_CHECK (hl_jsonl_parse ("x", 1, NULL, 0) == NULL);
    //  Embedded NUL in the line is refused, not treated as an end.
    HL_CHECK (hl_jsonl_parse ("{\"a\":1}\0x", 9, err, sizeof err) == NULL);
}

static const hl_test_case_t s_cases[] = {
    { "actions", test_actions }, { "escapes", test_escapes }, { "utf8", test_utf8 },
    { "structure", test_structure }, { "numbers", test_numbers }, { "limits", test_limits },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
