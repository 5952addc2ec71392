/*  Fuzz target: daemon/hl_zap's key lists (worker and staff public keys,
 *  "<name> <Z85 key>" lines), loaded from memory into one handler; the
 *  keys of a refused list must stay as they were.
 */
#include "hl_fuzz.h"
#include "hl_log.h"
#include "hl_zap.h"

#include <event2/event.h>
#include <zmq.h>

static hl_zap_t *s_zap;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    hl_log_set_level (HL_LOG_ERROR);
    char err[256];
    s_zap = hl_zap_new (event_base_new (), zmq_ctx_new (), err, sizeof err);
    if (!s_zap) {
        fprintf (stderr, "%s\n", err);
        abort ();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = hl_fuzz_cstr (data, size);
    static const char *domains[] = { HL_ZAP_WORKERS, HL_ZAP_STAFF };
    for (size_t i = 0; i < 2; i++) {
        char err[512] = "";
        size_t before = hl_zap_count (s_zap, domains[i]);
        if (hl_zap_load_text (s_zap, domains[i], "keys", text, err, sizeof err) != 0)
            HL_FUZZ_ASSERT (*err && hl_zap_count (s_zap, domains[i]) == before);
    }
    //  The staff names' rule on the raw text.
    hl_zap_staff_name (text);
    free (text);
    return 0;
}
