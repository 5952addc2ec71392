/*  Fuzz target: kb/hl_article, a knowledge-base article (header between
 *  "---" lines, then the answer text), parsed from memory.
 */
#include "hl_fuzz.h"
#include "hl_article.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err[256] = "";
    hl_article_t *article = hl_article_parse ("fuzz.md", (const char *) data, size, err,
                                              sizeof err);
    if (article) {
        const hl_kb_doc_t *doc = hl_article_doc (article);
        HL_FUZZ_ASSERT (doc->id && *doc->id && doc->title && doc->unit && doc->body);
        for (size_t i = 0; i < doc->categories_size; i++)
            HL_FUZZ_ASSERT (doc->categories[i]);
        for (size_t i = 0; i < doc->tags_size; i++)
            HL_FUZZ_ASSERT (doc->tags[i]);
        HL_FUZZ_ASSERT (!doc->valid_until || doc->valid_from <= doc->valid_until);
        const hl_synonyms_t *syn = hl_article_synonyms (article);
        for (size_t i = 0; i < hl_synonyms_size (syn); i++) {
            size_t n;
            const char *const *words = hl_synonyms_group (syn, i, &n);
            for (size_t j = 0; j < n; j++)
                HL_FUZZ_ASSERT (words[j]);
        }
        hl_article_destroy (&article);
    }
    else
        HL_FUZZ_ASSERT (strncmp (err, "fuzz.md:", 8) == 0);
    //  The date fields' parser on the raw bytes.
    char *text = hl_fuzz_cstr (data, size);
    int64_t seconds;
    hl_article_parse_time (text, size & 1, &seconds);
    free (text);
    return 0;
}
