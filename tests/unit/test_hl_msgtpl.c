/*  Unit test of hl_msgtpl: the shipped templates load and render; every
 *  kind of bad file is refused with its line and a clear reason. */
#include "hl_msgtpl.h"
#include "hl_test.h"

#include <stdlib.h>

static void
test_shipped (void)
{
    char err[256] = "";
    hl_msgtpl_t *tpl = hl_msgtpl_load (getenv ("HL_MESSAGES"), err, sizeof err);
    HL_CHECK (tpl);
    if (!tpl) {
        fprintf (stderr, "%s\n", err);
        return;
    }
    hl_buf_t out = HL_BUF_INIT;
    hl_msgtpl_vars_t vars = { "YJ2026120400001", "已清理。", "https://x/visit#YJ.abc" };
    hl_msgtpl_render (tpl, HL_MSGTPL_REPLY, &vars, &out);
    HL_CHECK (strstr (out.data, "YJ2026120400001") && strstr (out.data, "已清理。")
              && strstr (out.data, "https://x/visit#YJ.abc") && !strchr (out.data, '{'));
    hl_buf_free (&out);
    HL_CHECK_STR (hl_msgtpl_event_name (HL_MSGTPL_VISIT), "visit");
    hl_msgtpl_destroy (&tpl);
    HL_CHECK (tpl == NULL);
}

static void
test_render (void)
{
    char err[256];
    hl_msgtpl_t *tpl = hl_msgtpl_parse ("t", "acceptance 受理{ticket}。\n"
                                        "reply {ticket}:{reply}|{link}\nvisit {link}\n",
                                        err, sizeof err);
    HL_CHECK (tpl);
    hl_buf_t out = HL_BUF_INIT;
    hl_msgtpl_vars_t vars = { "A1", NULL, NULL };
    hl_msgtpl_render (tpl, HL_MSGTPL_ACCEPTANCE, &vars, &out);
    HL_CHECK_STR (out.data, "受理A1。");
    hl_buf_reset (&out);
    hl_msgtpl_render (tpl, HL_MSGTPL_REPLY, &vars, &out);
    HL_CHECK_STR (out.data, "A1:|");
    hl_buf_free (&out);
    hl_msgtpl_destroy (&tpl);
}

//  TEXT is refused, with WORDS in the message.
static void
s_refused (const char *text, const char *words)
{
    char err[256] = "";
    hl_msgtpl_t *tpl = hl_msgtpl_parse ("messages.conf", text, err, sizeof err);
    HL_CHECK (tpl == NULL);
    if (!strstr (err, words)) {
        fprintf (stderr, "'%s' lacks '%s'\n", err, words);
        hl_test_failures++;
    }
    hl_msgtpl_destroy (&tpl);
}

static void
test_malformed (void)
{
    //  The acceptance line (or more lines before the others), and what the
    //  refusal says.
    static const struct {
        const char *first, *words;
    } cases[] = {
        { "acceptance 工单{ticket", "messages.conf:1: acceptance: a brace not closed" },
        { "acceptance 工单{tikcet}", "messages.conf:1: acceptance: {tikcet} is not a placeholder" },
        { "acceptance {link}", "{link} is not a placeholder of this event" },
        { "acceptance a}b", "a brace not closed or not opened" },
        { "# c\nacceptance x\nacceptance y", "messages.conf:3: acceptance: given twice" },
        { "accept x", "messages.conf:1: accept: not an event" },
        { "acceptance", "acceptance: the text is empty" },
        { "acceptance \xe5\xb7", "not UTF-8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf (text, sizeof text, "%s\nreply {reply}\nvisit {link}\n", cases[i].first);
        s_refused (text, cases[i].words);
    }
    s_refused ("acceptance x\nvisit {link}\n", "messages.conf: no template for reply");
}

static void
test_missing_file (void)
{
    char err[256] = "";
    HL_CHECK (hl_msgtpl_load ("/nonexistent/messages.conf", err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "/nonexistent/messages.conf"));
}

static const hl_test_case_t s_cases[] = {
    { "shipped", test_shipped }, { "render", test_render }, { "malformed", test_malformed },
    { "missing_file", test_missing_file }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
