/*  Unit test of hl_snippet: knowledge-base snippets as a terminal shows
 *  them (highlights, Markdown, entities, line breaks). */
#include "hl_snippet.h"
#include "hl_test.h"

#include <string.h>

//  True if SNIPPET renders as EXPECTED with highlights as [ and ].
static int
s_renders (const char *snippet, const char *expected)
{
    hl_buf_t out = HL_BUF_INIT;
    hl_snippet_render (snippet, strlen (snippet), "[", "]", &out);
    int ok = strcmp (out.data, expected) == 0;
    if (!ok)
        fprintf (stderr, "'%s' rendered '%s', expected '%s'\n", snippet, out.data, expected);
    hl_buf_free (&out);
    return ok;
}

static void
test_highlights (void)
{
    HL_CHECK (s_renders ("", ""));
    HL_CHECK (s_renders ("新领的<b>社保卡</b>要先<b>激活</b>", "新领的[社保卡]要先[激活]"));
    HL_CHECK (s_renders ("- **<b>社保</b>功能**：在粤省事", "- [社保]功能：在粤省事"));
    hl_buf_t out = HL_BUF_INIT;
    hl_snippet_render ("<b>医保</b>码", strlen ("<b>医保</b>码"), "\033[1m", "\033[22m", &out);
    HL_CHECK (strcmp (out.data, "\033[1m医保\033[22m码") == 0);
    hl_snippet_render ("<b>医保</b>码", strlen ("<b>医保</b>码"), "", "", &out);
    HL_CHECK (strcmp (out.data, "医保码") == 0);
    hl_buf_free (&out);
}

static void
test_markdown (void)
{
    HL_CHECK (s_renders ("## 怎么办\n\n带身份证办理", "怎么办 带身份证办理"));
    HL_CHECK (s_renders ("...。\n\n**怎么交**：\n- 微信缴费", "...。 怎么交： - 微信缴费"));
    HL_CHECK (s_renders ("> 注意：__本人__办理", "注意：本人办理"));
    HL_CHECK (s_renders ("拨打 `12345` 热线", "拨打 12345 热线"));
    HL_CHECK (s_renders ("见[办事指南](https://example.org/a)。", "见办事指南。"));
    HL_CHECK (s_renders ("见[<b>公积金</b>指南](https://x/y)", "见[公积金]指南"));
    HL_CHECK (s_renders ("[未完的链接](https://exa...", "[未完的链接](https://exa..."));
    HL_CHECK (s_renders ("C# 和 #3 不是标题", "C# 和 #3 不是标题"));
    HL_CHECK (s_renders ("3*4 = 12\r\n", "3*4 = 12 "));
}

static void
test_entities (void)
{
    HL_CHECK (s_renders ("A &amp; B &lt;br&gt; &quot;x&quot; it&#39;s", "A & B <br> \"x\" it's"));
    HL_CHECK (s_renders ("&unknown; &", "&unknown; &"));
}

static const hl_test_case_t s_cases[] = {
    { "highlights", test_highlights },
    { "markdown", test_markdown },
    { "entities", test_entities },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
