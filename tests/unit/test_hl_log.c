/*  Unit test of hl_log: levels and phone masking. */
#include "hl_log.h"
#include "hl_test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void
test_mask (void)
{
    char out[32];
    HL_CHECK_STR (hl_log_mask_phone ("13800138000", 11, out, sizeof out), "138****8000");
    HL_CHECK_STR (hl_log_mask_phone ("12345", 5, out, sizeof out), "*****");
    HL_CHECK_STR (hl_log_mask_phone ("13800138000", 11, out, 5), "138*");
}

static void
test_levels (void)
{
    HL_CHECK (hl_log_level_parse ("warning") == HL_LOG_WARNING);
    HL_CHECK (hl_log_level_parse ("DEBUG") == HL_LOG_DEBUG);
    HL_CHECK (hl_log_level_parse ("chatty") == -1);
    hl_log_set_level (HL_LOG_ERROR);
    HL_CHECK (!hl_log_enabled (HL_LOG_WARNING) && hl_log_enabled (HL_LOG_ERROR));
    hl_log_set_level (HL_LOG_INFO);
}

//  With stderr on the journal (its $JOURNAL_STREAM), lines carry their
//  priority and nothing the journal adds itself.
static void
test_journal (void)
{
    int fds[2];
    HL_CHECK (pipe (fds) == 0);
    int saved = dup (2);
    dup2 (fds[1], 2);
    struct stat st;
    fstat (2, &st);
    char stream[64];
    snprintf (stream, sizeof stream, "%llu:%llu", (unsigned long long) st.st_dev,
              (unsigned long long) st.st_ino);
    setenv ("JOURNAL_STREAM", stream, 1);
    hl_log_set_ident ("test");
    hl_log_set_level (HL_LOG_INFO);
    hl_warning ("disk %d%% full", 91);
    hl_info ("hello");
    //  Another stream (stderr redirected elsewhere): the usual lines.
    setenv ("JOURNAL_STREAM", "1:2", 1);
    hl_log_set_ident ("test");
    hl_error ("plain");
    fflush (stderr);
    dup2 (saved, 2);
    close (saved);
    close (fds[1]);
    char buf[512] = "";
    ssize_t n = read (fds[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    close (fds[0]);
    HL_CHECK (strncmp (buf, "<4>disk 91% full\n<6>hello\n", 26) == 0);
    HL_CHECK (strstr (buf, " test error: plain\n") != NULL);
    unsetenv ("JOURNAL_STREAM");
    hl_log_set_ident ("test");
}

//  A program's --log-level and --log-file: a bad level or an unwritable
//  file refused.
static void
test_setup (void)
{
    HL_CHECK (hl_log_setup ("test", "chatty", NULL) == -1);
    HL_CHECK (hl_log_setup ("test", NULL, "/nonexistent/dir/log") == -1);
    HL_CHECK (hl_log_setup ("test", "error", NULL) == 0);
    HL_CHECK (!hl_log_enabled (HL_LOG_WARNING));
    HL_CHECK (hl_log_setup ("test", "info", NULL) == 0 && hl_log_enabled (HL_LOG_INFO));
}

static const hl_test_case_t s_cases[] = {
    { "mask", test_mask }, { "levels", test_levels }, { "journal", test_journal },
    { "setup", test_setup },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
