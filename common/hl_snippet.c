/*  hl_snippet: snippets for terminals. See hl_snippet.h. */
#include "hl_snippet.h"

#include <assert.h>
#include <string.h>

//  What a mark at P stands for: its length in the input and the text it
//  becomes (NULL: nothing).
typedef struct {
    const char *mark;
    const char *becomes;
} s_mark_t;

static const s_mark_t s_entities[] = {
    { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" }, { "&#39;", "'" },
    { "&#x27;", "'" }, { "**", NULL }, { "__", NULL }, { "`", NULL }
};
#define S_ENTITIES (sizeof s_entities / sizeof s_entities[0])

static int
s_at (const char *p, const char *end, const char *mark)
{
    size_t n = strlen (mark);
    return (size_t) (end - p) >= n && memcmp (p, mark, n) == 0;
}

//  At the start of a line: skip "#"s before a space (a heading) and "> "
//  (a quote); returns where the text begins.
static const char *
s_line_start (const char *p, const char *end)
{
    const char *q = p;
    while (q < end && *q == '#')
        q++;
    if (q > p && q < end && *q == ' ')
        return q + 1;
    if (s_at (p, end, "> "))
        return p + 2;
    return p;
}

//  At '[': if "[text](url)" follows on this line, where its "](" is.
static const char *
s_link_middle (const char *p, const char *end)
{
    for (const char *q = p + 1; q < end && *q != '\n' && *q != '['; q++)
        if (s_at (q, end, "](")) {
            for (const char *r = q + 2; r < end && *r != '\n' && *r != ' '; r++)
                if (*r == ')')
                    return q;
            return NULL;
        }
    return NULL;
}

void
hl_snippet_render (const void *data, size_t len, const char *bold, const char *plain,
                   hl_buf_t *out)
{
    assert (out && bold && plain);
    const char *p = data, *end = p + len, *link = NULL;
    hl_buf_reset (out);
    hl_buf_append (out, "", 0);
    int line_start = 1, spaced = 0;
    while (p < end) {
        if (*p == '\n' || *p == '\r') {
            if (!spaced)
                hl_buf_append (out, " ", 1);
            spaced = line_start = 1;
            p++;
            continue;
        }
        if (line_start)
            p = s_line_start (p, end);
        line_start = spaced = 0;
        if (p >= end)
            break;
        if (p == link) {                        //  "](url)": the url goes
            p = (const char *) memchr (p, ')', (size_t) (end - p)) + 1;
            link = NULL;
            continue;
        }
        if (*p == '[' && !link && (link = s_link_middle (p, end))) {
            p++;
            continue;
        }
        if (s_at (p, end, "<b>") || s_at (p, end, "</b>")) {
            hl_buf_puts (out, p[1] == '/' ? plain : bold);
            p += p[1] == '/' ? 4 : 3;
            continue;
        }
        size_t i = 0;
        while (i < S_ENTITIES && !s_at (p, end, s_entities[i].mark))
            i++;
        if (i < S_ENTITIES) {
            if (s_entities[i].becomes)
                hl_buf_puts (out, s_entities[i].becomes);
            p += strlen (s_entities[i].mark);
            continue;
        }
        hl_buf_append (out, p++, 1);
    }
}
