/*  Fuzz target: core/hl_codes, the category and area catalogue
 *  (codes.conf), and lookups of every code it loaded.
 */
#include "hl_fuzz.h"
#include "hl_codes.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = hl_fuzz_cstr (data, size);
    char err[256] = "";
    hl_codes_t *codes = hl_codes_parse ("codes.conf", text, err, sizeof err);
    if (codes) {
        for (int kind = HL_CODES_CATEGORY; kind <= HL_CODES_AREA; kind++) {
            size_t n = hl_codes_count (codes, kind);
            for (size_t i = 0; i < n; i++) {
                const char *code = hl_codes_code_at (codes, kind, i);
                const char *name = hl_codes_name_at (codes, kind, i);
                HL_FUZZ_ASSERT (code && name && strlen (code) <= HL_CODE_MAX);
                HL_FUZZ_ASSERT (hl_codes_lookup (codes, kind, code, strlen (code)) == name);
                if (i > 0)
                    HL_FUZZ_ASSERT (strcmp (hl_codes_code_at (codes, kind, i - 1), code) < 0);
            }
        }
        hl_codes_lookup (codes, HL_CODES_AREA, (const char *) data, size);
        hl_codes_destroy (&codes);
    }
    else
        HL_FUZZ_ASSERT (*err);
    free (text);
    return 0;
}
