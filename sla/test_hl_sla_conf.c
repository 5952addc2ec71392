/*  Unit test of hl_sla_conf, the config line reader. */
#include "hl_sla_conf.h"
#include "hl_sla_test.h"

#include <unistd.h>

static char s_err[256];

//  Comments, blank lines, tabs and CR/LF line ends; line numbers count
//  every line.
static void
s_test_lines (void)
{
    hl_sla_conf_t *conf = hl_sla_conf_new_string ("# header\n\nyear 2026\r\n"
                                                  "  holiday\t2026-01-01  元旦 # New Year\n"
                                                  "#\n   \nlast", "t.conf");
    char **word;
    CHECK_INT (hl_sla_conf_line (conf), 0);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 2);
    CHECK (strcmp (word[0], "year") == 0 && strcmp (word[1], "2026") == 0);
    CHECK_INT (hl_sla_conf_line (conf), 3);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 3);
    CHECK (strcmp (word[1], "2026-01-01") == 0 && strcmp (word[2], "元旦") == 0);
    CHECK_INT (hl_sla_conf_line (conf), 4);
    hl_sla_conf_error (conf, s_err, sizeof s_err, "bad %s", "thing");
    CHECK (strcmp (s_err, "t.conf:4: bad thing") == 0);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 1);
    CHECK (strcmp (word[0], "last") == 0);
    CHECK_INT (hl_sla_conf_line (conf), 7);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 0);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 0);
    //  At the end, messages are about the whole file.
    CHECK (hl_sla_conf_error (conf, s_err, sizeof s_err, "incomplete") == -1);
    CHECK (strcmp (s_err, "t.conf: incomplete") == 0);
    CHECK (strcmp (hl_sla_conf_name (conf), "t.conf") == 0);
    hl_sla_conf_destroy (&conf);
    CHECK (conf == NULL);
    hl_sla_conf_destroy (&conf);

    conf = hl_sla_conf_new_string ("", "empty");
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 0);
    hl_sla_conf_destroy (&conf);
}

static void
s_test_limits (void)
{
    char text[3000];
    memset (text, 'x', sizeof text);
    memcpy (text, "ok\n", 3);
    text[3 + HL_SLA_CONF_MAX_LINE] = '\n';          //  line 2: exactly the limit
    memset (text + 4 + HL_SLA_CONF_MAX_LINE, 'y', HL_SLA_CONF_MAX_LINE + 1);
    text[5 + 2 * HL_SLA_CONF_MAX_LINE] = 0;         //  line 3: one byte more
    hl_sla_conf_t *conf = hl_sla_conf_new_string (text, "long.conf");
    char **word;
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 1);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 1);
    CHECK_INT (strlen (word[0]), HL_SLA_CONF_MAX_LINE);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), -1);
    CHECK_ERR (s_err, "long.conf:3: line longer than 1023 bytes");
    hl_sla_conf_destroy (&conf);

    conf = hl_sla_conf_new_string ("a b c d e f g h i j k l m n o p\n"
                                   "a b c d e f g h i j k l m n o p q\n", "words.conf");
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), 16);
    CHECK_INT (hl_sla_conf_next (conf, &word, s_err, sizeof s_err), -1);
    CHECK_ERR (s_err, "words.conf:2: more than 16 words");
    hl_sla_conf_destroy (&conf);
}

static void
s_test_files (void)
{
    CHECK (hl_sla_conf_new_file ("/nonexistent/x.conf", s_err, sizeof s_err) == NULL);
    CHECK_ERR (s_err, "/nonexistent/x.conf: No such file");
    CHECK (hl_sla_conf_new_file ("/nonexistent/x.conf", NULL, 0) == NULL);

    const char *base = getenv ("HL_TEST_TMPDIR");
    char path[512];
    snprintf (path, sizeof path, "%s/hl_sla_conf.%d.conf", base ? base : "/tmp", (int) getpid ());
    FILE *file = fopen (path, "wb");
    CHECK (file != NULL);
    if (!file)
        return;
    fwrite ("year 2026\n", 1, 10, file);
    fclose (file);
    hl_sla_conf_t *conf = hl_sla_conf_new_file (path, s_err, sizeof s_err);
    char **word;
    CHECK (conf && hl_sla_conf_next (conf, &word, s_err, sizeof s_err) == 2);
    hl_sla_conf_destroy (&conf);

    file = fopen (path, "wb");
    fwrite ("year\0 2026\n", 1, 11, file);
    fclose (file);
    CHECK (hl_sla_conf_new_file (path, s_err, sizeof s_err) == NULL);
    CHECK_ERR (s_err, "not a text file");
    unlink (path);
}

int
main (void)
{
    s_test_lines ();
    s_test_limits ();
    s_test_files ();
    return hl_test_done ("hl_sla_conf");
}
