/*  Fuzz target: workers/hl_jsonl, the action lines a department's program
 *  prints to hotline-worker, and every accessor on what it accepted.
 */
#include "hl_fuzz.h"
#include "hl_jsonl.h"
#include "hl_text.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char err[256] = "";
    hl_jsonl_t *obj = hl_jsonl_parse ((const char *) data, size, err, sizeof err);
    if (!obj) {
        HL_FUZZ_ASSERT (*err);
        return 0;
    }
    size_t n = hl_jsonl_size (obj);
    HL_FUZZ_ASSERT (n <= HL_JSONL_MAX_MEMBERS);
    for (size_t i = 0; i < n; i++) {
        const char *key = hl_jsonl_key (obj, i);
        HL_FUZZ_ASSERT (key && strlen (key) <= HL_JSONL_MAX_KEY);
        hl_jsonl_type_t type = hl_jsonl_type (obj, key);
        HL_FUZZ_ASSERT (type != HL_JSONL_NONE);
        const char *s = hl_jsonl_string (obj, key);
        HL_FUZZ_ASSERT ((s != NULL) == (type == HL_JSONL_STRING));
        if (s)
            HL_FUZZ_ASSERT (hl_text_check (s, strlen (s), HL_TEXT_MULTILINE, NULL) == HL_TEXT_OK);
        int64_t iv;
        double dv;
        int bv;
        HL_FUZZ_ASSERT ((hl_jsonl_number (obj, key, &dv) == 0) == (type == HL_JSONL_NUMBER));
        HL_FUZZ_ASSERT ((hl_jsonl_bool (obj, key, &bv) == 0) == (type == HL_JSONL_BOOL));
        if (hl_jsonl_int (obj, key, &iv) == 0)
            HL_FUZZ_ASSERT (type == HL_JSONL_NUMBER);
        for (size_t j = 0; j < i; j++)
            HL_FUZZ_ASSERT (strcmp (hl_jsonl_key (obj, j), key) != 0);
    }
    //  A key longer than any a parsed object may hold is never found.
    char too_long[HL_JSONL_MAX_KEY + 2];
    memset (too_long, 'k', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = 0;
    HL_FUZZ_ASSERT (hl_jsonl_type (obj, too_long) == HL_JSONL_NONE);
    hl_jsonl_destroy (&obj);
    return 0;
}
