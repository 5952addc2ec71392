/*  Fuzz target: daemon/hl_config, hotlined.conf from memory, then the
 *  cross-field checks hotlined runs before it starts; and the same bytes,
 *  split at NULs and newlines, as its command line.
 */
#include "hl_fuzz.h"
#include "hl_config.h"

#define S_ARGS_MAX 32

static void
s_check (const hl_config_t *cfg)
{
    HL_FUZZ_ASSERT (cfg->n_endpoints >= 1 && cfg->n_endpoints <= HL_CONFIG_ENDPOINTS_MAX);
    for (int i = 0; i < cfg->n_endpoints; i++)
        HL_FUZZ_ASSERT (strlen (cfg->endpoints[i]) < HL_CONFIG_PATH_MAX);
    HL_FUZZ_ASSERT (strlen (cfg->city_prefix) >= 1 && strlen (cfg->city_prefix) <= 8);
    HL_FUZZ_ASSERT (cfg->max_message_bytes >= 1024);
}

static void
s_command_line (const uint8_t *data, size_t size)
{
    char *copy = hl_fuzz_cstr (data, size);
    char *argv[S_ARGS_MAX + 1] = { "hotlined" };
    int argc = 1;
    for (char *p = copy, *end = copy + size; p < end && argc < S_ARGS_MAX; ) {
        argv[argc++] = p;
        p += strcspn (p, "\n");
        *p++ = 0;
        while (p < end && *p == 0)
            p++;
    }
    //  --config would read a file: the harness parses from memory only.
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--config") == 0)
            argv[i] = "--instance";
    hl_config_t cfg;
    hl_config_defaults (&cfg);
    char err[256] = "";
    if (hl_config_from_args (&cfg, argc, argv, err, sizeof err) == 0)
        s_check (&cfg);
    free (copy);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = hl_fuzz_cstr (data, size);
    hl_config_t cfg;
    hl_config_defaults (&cfg);
    char err[256] = "";
    if (hl_config_load_text (&cfg, "hotlined.conf", text, err, sizeof err) == 0) {
        char *argv[] = { "hotlined", NULL };
        if (hl_config_from_args (&cfg, 1, argv, err, sizeof err) == 0)
            s_check (&cfg);
    }
    else
        HL_FUZZ_ASSERT (strncmp (err, "hotlined.conf:", 14) == 0);
    free (text);
    s_command_line (data, size);
    return 0;
}
