/*  Unit test of hl_tui_edit: a Han character is one unit for the cursor
 *  and the deletion keys; the field's limit, its control keys and its
 *  trimmed UTF-8 text. (Drawing is tested in the agent's terminal test.) */
#include "hl_test.h"
#include "hl_tui_edit.h"

#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

//  The field's text as UTF-8 (trimmed), in a static buffer.
static const char *
s_text (const hl_tui_edit_t *e)
{
    static char out[256];
    char *t = hl_tui_edit_utf8 (e);
    snprintf (out, sizeof out, "%s", t);
    free (t);
    return out;
}

static void
s_type (hl_tui_edit_t *e, const wchar_t *keys)
{
    for (; *keys; keys++)
        hl_tui_edit_key (e, 0, (wint_t) *keys);
}

static void
test_one_line (void)
{
    hl_tui_edit_t *e = hl_tui_edit_new (10, 0);
    HL_CHECK (hl_tui_edit_empty (e));
    s_type (e, L"路灯坏");
    HL_CHECK_STR (s_text (e), "路灯坏");
    //  Left twice, Backspace: removes 路 — one character, whatever its bytes.
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_LEFT) == HL_TUI_EDIT_MOVED);
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_LEFT) == HL_TUI_EDIT_MOVED);
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_BACKSPACE) == HL_TUI_EDIT_CHANGED);
    HL_CHECK_STR (s_text (e), "灯坏");
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_BACKSPACE) == HL_TUI_EDIT_MOVED);   //  at the start
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_DC) == HL_TUI_EDIT_CHANGED);
    HL_CHECK_STR (s_text (e), "坏");
    //  Ctrl-E, then type; DEL (0x7F) is Backspace.
    HL_CHECK (hl_tui_edit_key (e, 0, 0x05) == HL_TUI_EDIT_MOVED);
    s_type (e, L"了!");
    HL_CHECK (hl_tui_edit_key (e, 0, 0x7F) == HL_TUI_EDIT_CHANGED);
    HL_CHECK_STR (s_text (e), "坏了");
    //  Enter and other controls are not for a one-line field.
    HL_CHECK (hl_tui_edit_key (e, 0, L'\n') == HL_TUI_EDIT_IGNORED);
    HL_CHECK (hl_tui_edit_key (e, 0, 0x02) == HL_TUI_EDIT_IGNORED);
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_UP) == HL_TUI_EDIT_IGNORED);
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_F (5)) == HL_TUI_EDIT_IGNORED);
    //  The limit: ten characters, the rest refused.
    s_type (e, L"0123456789");
    size_t n;
    hl_tui_edit_text (e, &n);
    HL_CHECK (n == 10);
    HL_CHECK_STR (s_text (e), "坏了01234567");
    //  Ctrl-U clears; blanks around the text are trimmed on the way out.
    HL_CHECK (hl_tui_edit_key (e, 0, 0x15) == HL_TUI_EDIT_CHANGED);
    HL_CHECK (hl_tui_edit_empty (e));
    HL_CHECK (hl_tui_edit_key (e, 0, 0x15) == HL_TUI_EDIT_MOVED);
    s_type (e, L"  东风路  ");
    HL_CHECK_STR (s_text (e), "东风路");
    hl_tui_edit_set (e, "阳江市 江城区");
    HL_CHECK_STR (s_text (e), "阳江市 江城区");
    hl_tui_edit_set (e, NULL);
    HL_CHECK (hl_tui_edit_empty (e));
    hl_tui_edit_destroy (&e);
    HL_CHECK (e == NULL);
}

static void
test_multiline (void)
{
    hl_tui_edit_t *e = hl_tui_edit_new (100, 1);
    s_type (e, L"第一行");
    HL_CHECK (hl_tui_edit_key (e, 0, L'\r') == HL_TUI_EDIT_CHANGED);
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_ENTER) == HL_TUI_EDIT_CHANGED);
    s_type (e, L"第三行");
    HL_CHECK_STR (s_text (e), "第一行\n\n第三行");
    //  Paste: inserted at the cursor, as one change.
    HL_CHECK (hl_tui_edit_key (e, 1, KEY_HOME) == HL_TUI_EDIT_MOVED);
    HL_CHECK (hl_tui_edit_insert (e, L">> ", 3) == HL_TUI_EDIT_CHANGED);
    HL_CHECK_STR (s_text (e), ">> 第一行\n\n第三行");
    hl_tui_edit_clear (e);
    HL_CHECK (hl_tui_edit_empty (e));
    hl_tui_edit_destroy (&e);
}

static const hl_test_case_t s_cases[] = {
    { "one_line", test_one_line },
    { "multiline", test_multiline },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    if (!setlocale (LC_ALL, "C.UTF-8")) {
        fprintf (stderr, "no C.UTF-8 locale\n");
        return 1;
    }
    return hl_test_main (s_cases, argc, argv);
}
