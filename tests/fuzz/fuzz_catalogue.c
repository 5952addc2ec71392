/*  Fuzz target: core/hl_catalogue, the dispatch catalogue
 *  (dispatch.conf), then routes for every unit code as category and area
 *  and for the fixed codes of the shipped files.
 */
#include "hl_fuzz.h"
#include "hl_catalogue.h"

static void
s_check_route (const hl_catalogue_t *cat, const char *category, const char *area)
{
    hl_route_t route;
    if (hl_catalogue_route (cat, category, area, &route) != 0)
        return;
    HL_FUZZ_ASSERT (route.lead && route.rule);
    HL_FUZZ_ASSERT (hl_catalogue_unit_name (cat, route.lead, strlen (route.lead)));
    HL_FUZZ_ASSERT (route.n_assist >= 0 && route.n_assist <= HL_CATALOGUE_ASSIST_MAX);
    for (int i = 0; i < route.n_assist; i++)
        HL_FUZZ_ASSERT (hl_catalogue_unit_name (cat, route.assist[i], strlen (route.assist[i])));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = hl_fuzz_cstr (data, size);
    char err[256] = "";
    hl_catalogue_t *cat = hl_catalogue_parse ("dispatch.conf", text, err, sizeof err);
    if (cat) {
        static const char *codes[] = { "SB.01", "SB", "JT.03", "441702", "441704", "*", "" };
        size_t n_codes = sizeof codes / sizeof codes[0];
        for (size_t i = 0; i < n_codes; i++)
            for (size_t j = 0; j < n_codes; j++)
                s_check_route (cat, codes[i], codes[j]);
        size_t units = hl_catalogue_unit_count (cat);
        for (size_t i = 0; i < units; i++) {
            const char *code = hl_catalogue_unit_code_at (cat, i);
            HL_FUZZ_ASSERT (code && hl_catalogue_unit_name (cat, code, strlen (code)));
            hl_catalogue_unit_callback (cat, code, strlen (code));
            s_check_route (cat, code, code);
        }
        hl_catalogue_destroy (&cat);
    }
    else
        HL_FUZZ_ASSERT (*err);
    free (text);
    return 0;
}
