/*  Unit test of hl_config: hotlined settings from file and flags. */
#include "hl_config.h"
#include "hl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_defaults_and_flags (void)
{
    hl_config_t cfg;
    char err[256];
    hl_config_defaults (&cfg);
    char *argv[] = { "hotlined", "--redis-timeout-ms", "500", "--endpoint", "ipc:///tmp/x.ipc",
                     "--city_prefix", "GZ", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 7, argv, err, sizeof err) == 0);
    HL_CHECK (cfg.redis_timeout_ms == 500);
    HL_CHECK (cfg.n_endpoints == 1);
    HL_CHECK_STR (cfg.endpoints[0], "ipc:///tmp/x.ipc");
    HL_CHECK_STR (cfg.city_prefix, "GZ");
    HL_CHECK (cfg.tz_offset_min == 480);

    hl_config_defaults (&cfg);
    char *none[] = { "hotlined", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 1, none, err, sizeof err) == 0);
    HL_CHECK (cfg.n_endpoints == 1);
    HL_CHECK_STR (cfg.endpoints[0], "tcp://127.0.0.1:7101");
}

static void
test_file (void)
{
    char path[] = "/tmp/hl-config-XXXXXX";
    int fd = mkstemp (path);
    FILE *f = fdopen (fd, "w");
    fprintf (f, "# test\nendpoint = tcp://127.0.0.1:1\nendpoint = tcp://127.0.0.1:2\n"
                "max_inflight = 7\n");
    fclose (f);
    hl_config_t cfg;
    char err[256];
    hl_config_defaults (&cfg);
    char *argv[] = { "hotlined", "--config", path, "--max-inflight", "9", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 5, argv, err, sizeof err) == 0);
    HL_CHECK (cfg.n_endpoints == 2 && cfg.max_inflight == 9);
    //  Flag endpoints replace the file's.
    hl_config_defaults (&cfg);
    char *argv2[] = { "hotlined", "--config", path, "--endpoint", "tcp://127.0.0.1:3", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 5, argv2, err, sizeof err) == 0);
    HL_CHECK (cfg.n_endpoints == 1);
    remove (path);
}

static void
test_errors (void)
{
    hl_config_t cfg;
    char err[256];
    hl_config_defaults (&cfg);
    char *a1[] = { "hotlined", "--no-such-key", "1", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, a1, err, sizeof err) == -1);
    HL_CHECK (strstr (err, "unknown setting 'no_such_key'") != NULL);
    char *a2[] = { "hotlined", "--max-inflight", "0", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, a2, err, sizeof err) == -1);
    char *a3[] = { "hotlined", "--endpoint", "udp://x", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, a3, err, sizeof err) == -1);
    char *a4[] = { "hotlined", "--city-prefix", "yj", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, a4, err, sizeof err) == -1);
    char *a5[] = { "hotlined", "--log-level", "loud", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, a5, err, sizeof err) == -1);
    char *a6[] = { "hotlined", "stray", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 2, a6, err, sizeof err) == -1);
    char *a7[] = { "hotlined", "--config", "/nonexistent.conf", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, a7, err, sizeof err) == -1);
    char *a8[] = { "hotlined", "--help", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 2, a8, err, sizeof err) == 1);
}

//  A key file without its list (or the reverse) would leave an endpoint
//  open while the operator believes it closed: refused at start.
static void
test_key_pairs (void)
{
    hl_config_t cfg;
    char err[256];
    const char *pairs[2][2] = { { "--worker-key-file", "--worker-keys" },
                                { "--intake-key-file", "--intake-keys" } };
    for (int i = 0; i < 2; i++) {
        for (int half = 0; half < 2; half++) {
            hl_config_defaults (&cfg);
            char *argv[] = { "hotlined", (char *) pairs[i][half], "/etc/x", NULL };
            HL_CHECK (hl_config_from_args (&cfg, 3, argv, err, sizeof err) == -1);
            HL_CHECK (strstr (err, "go together") != NULL);
        }
        hl_config_defaults (&cfg);
        char *both[] = { "hotlined", (char *) pairs[i][0], "/etc/a", (char *) pairs[i][1],
                         "/etc/b", NULL };
        HL_CHECK (hl_config_from_args (&cfg, 5, both, err, sizeof err) == 0);
    }
    HL_CHECK_STR (cfg.intake_key_file, "/etc/a");
    HL_CHECK_STR (cfg.intake_keys, "/etc/b");
}

//  The lifecycle limits: defaults, and the forms the Function reads.
static void
test_lifecycle_limits (void)
{
    hl_config_t cfg;
    char err[256];
    hl_config_defaults (&cfg);
    HL_CHECK (cfg.reopen_max == 2 && cfg.return_max == 2 && cfg.return_window_wd == 1
              && cfg.visit_tries == 3);
    HL_CHECK_STR (cfg.extension_limits, "*:2:10");
    HL_CHECK_STR (cfg.reply_clock_start, "sign");
    char *ok[] = { "hotlined", "--extension-limits", "complaint:1:5, 投诉:1:5", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, ok, err, sizeof err) == -1);   //  the same type twice
    HL_CHECK (strstr (err, "named once") != NULL);
    const char *bad[] = { "complaint:1", "nosuch:1:2", "*:1:61", "*:21:5", "*:1:2:3" };
    for (int i = 0; i < 5; i++) {
        hl_config_defaults (&cfg);
        char *argv[] = { "hotlined", "--extension-limits", (char *) bad[i], NULL };
        HL_CHECK (hl_config_from_args (&cfg, 3, argv, err, sizeof err) == -1);
        HL_CHECK (strstr (err, "extension_limits") != NULL);
    }
    hl_config_defaults (&cfg);
    char *good[] = { "hotlined", "--extension-limits", "inquiry:0:0, 投诉:1:5,*:2:10",
                     "--reply-clock-start", "dispatch", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 5, good, err, sizeof err) == 0);
    HL_CHECK_STR (cfg.extension_limits, "inquiry:0:0,complaint:1:5,*:2:10");
    char *clock[] = { "hotlined", "--reply-clock-start", "receipt", NULL };
    HL_CHECK (hl_config_from_args (&cfg, 3, clock, err, sizeof err) == -1);
    HL_CHECK (strstr (err, "reply_clock_start") != NULL);
}

static const hl_test_case_t s_cases[] = {
    { "defaults_and_flags", test_defaults_and_flags }, { "file", test_file },
    { "errors", test_errors }, { "key_pairs", test_key_pairs },
    { "lifecycle_limits", test_lifecycle_limits }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
