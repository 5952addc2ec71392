/*  Fuzz target: common/hl_httphead, the request head the dashboard (and
 *  any hl_httpd service) reads from the network, and the query-string
 *  decoder its handlers use.
 */
#include "hl_fuzz.h"
#include "hl_httphead.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    size_t end = hl_httphead_end (text, size);
    HL_FUZZ_ASSERT (end <= size);
    hl_httphead_t head;
    char err[160] = "";
    int rc = hl_httphead_parse (&head, text, end ? end : size, 256, err, sizeof err);
    HL_FUZZ_ASSERT (rc == 0 || (rc >= 400 && rc <= 505 && *err));
    if (rc == 0) {
        HL_FUZZ_ASSERT (head.path[0] == '/' && head.content_length >= 0);
        HL_FUZZ_ASSERT (head.n_fields <= HL_HTTPHEAD_HEADERS_MAX);
        char value[64];
        int got = hl_http_query_get (head.query, "token", value, sizeof value);
        HL_FUZZ_ASSERT (got >= -1 && got <= 1);
        if (got == 1)
            HL_FUZZ_ASSERT (strlen (value) < sizeof value);
    }
    hl_httphead_free (&head);
    return 0;
}
