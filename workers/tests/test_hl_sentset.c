/*  Unit test of hl_sentset: ids recorded survive a reopen, from id lines
 *  and from whole JSON records; a last line cut by a crash is not a
 *  message sent and is cut off. */
#include "hl_sentset.h"
#include "hl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char s_path[64];

static void
s_scratch (void)
{
    snprintf (s_path, sizeof s_path, "/tmp/hl-sentset-XXXXXX");
    int fd = mkstemp (s_path);
    HL_CHECK (fd >= 0);
    close (fd);
}

static void
test_ids (void)
{
    s_scratch ();
    char err[256];
    hl_sentset_t *set = hl_sentset_open (s_path, err, sizeof err);
    HL_CHECK (set && hl_sentset_size (set) == 0);
    HL_CHECK (!hl_sentset_has (set, "YJ1.1-0"));
    HL_CHECK (hl_sentset_add (set, "YJ1.1-0", NULL) == 0);
    HL_CHECK (hl_sentset_add (set, "YJ2.2-0", "{\"id\":\"YJ2.2-0\",\"text\":\"受理\"}") == 0);
    HL_CHECK (hl_sentset_has (set, "YJ1.1-0") && hl_sentset_has (set, "YJ2.2-0"));
    hl_sentset_destroy (&set);
    HL_CHECK (set == NULL);
    set = hl_sentset_open (s_path, err, sizeof err);
    HL_CHECK (set && hl_sentset_size (set) == 2);
    HL_CHECK (hl_sentset_has (set, "YJ1.1-0") && hl_sentset_has (set, "YJ2.2-0"));
    HL_CHECK (!hl_sentset_has (set, "YJ3.3-0"));
    hl_sentset_destroy (&set);
    unlink (s_path);
}

static void
test_cut_line (void)
{
    s_scratch ();
    FILE *f = fopen (s_path, "w");
    fputs ("{\"id\":\"A.1-0\"}\n{\"id\":\"B.2-0\",\"te", f);
    fclose (f);
    char err[256];
    hl_sentset_t *set = hl_sentset_open (s_path, err, sizeof err);
    HL_CHECK (set && hl_sentset_has (set, "A.1-0") && !hl_sentset_has (set, "B.2-0"));
    HL_CHECK (hl_sentset_add (set, "B.2-0", "{\"id\":\"B.2-0\"}") == 0);
    hl_sentset_destroy (&set);
    f = fopen (s_path, "r");
    char text[128] = "";
    size_t n = fread (text, 1, sizeof text - 1, f);
    fclose (f);
    text[n] = 0;
    HL_CHECK_STR (text, "{\"id\":\"A.1-0\"}\n{\"id\":\"B.2-0\"}\n");
    unlink (s_path);
}

static void
test_unwritable (void)
{
    char err[256] = "";
    HL_CHECK (hl_sentset_open ("/nonexistent/dir/sent", err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "/nonexistent/dir/sent"));
}

static const hl_test_case_t s_cases[] = {
    { "ids", test_ids }, { "cut_line", test_cut_line }, { "unwritable", test_unwritable },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
