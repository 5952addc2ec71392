/*  Fuzz target: common/hl_conf, the key = value and word-form line format
 *  of hotlined.conf, codes.conf and dispatch.conf, with its int and
 *  boolean helpers applied to every value.
 */
#include "hl_fuzz.h"
#include "hl_conf.h"

static int
s_line (const char *section, const char *key, const char *value, void *arg,
        char *err, size_t errlen)
{
    size_t *lines = arg;
    HL_FUZZ_ASSERT (section && key && value && *key);
    HL_FUZZ_ASSERT (strlen (section) < 64);
    long n;
    int yes;
    if (hl_conf_int (key, value, -1000, 1000, &n, err, errlen) == 0)
        HL_FUZZ_ASSERT (n >= -1000 && n <= 1000);
    if (hl_conf_bool (key, value, &yes, err, errlen) == 0)
        HL_FUZZ_ASSERT (yes == 0 || yes == 1);
    //  Refuse some lines so that the error path (FILE:LINE prefix) runs too.
    if (++*lines % 7 == 0) {
        snprintf (err, errlen, "refused '%s'", key);
        return -1;
    }
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = hl_fuzz_cstr (data, size);
    char err[256] = "";
    size_t lines = 0;
    if (hl_conf_parse_text ("fuzz.conf", text, s_line, &lines, err, sizeof err) != 0)
        HL_FUZZ_ASSERT (strncmp (err, "fuzz.conf:", 10) == 0);
    free (text);
    return 0;
}
