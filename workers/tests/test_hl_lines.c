/*  Unit test of hl_lines: complete lines from a pipe, never blocking,
 *  over-long lines capped and reported, a last line without LF kept. */
#include "hl_lines.h"
#include "hl_test.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  The next line as "text" or "text+" (too long), "" if none waits.
static const char *
s_next (hl_lines_t *lines)
{
    static char out[64];
    const char *line;
    size_t len;
    int too_long;
    if (hl_lines_next (lines, &line, &len, &too_long) != 1)
        return "";
    HL_CHECK (strlen (line) == len);
    snprintf (out, sizeof out, "%s%s", line, too_long ? "+" : "");
    return out;
}

static void
test_lines (void)
{
    int fds[2];
    HL_CHECK (pipe (fds) == 0);
    hl_lines_t *lines = hl_lines_new (fds[0], 8);
    HL_CHECK (lines != NULL);

    //  Nothing written: a read returns at once, no line.
    HL_CHECK (hl_lines_read (lines) == 1);
    HL_CHECK_STR (s_next (lines), "");

    //  Lines in pieces; CR LF ends a line too.
    HL_CHECK (write (fds[1], "sig", 3) == 3);
    HL_CHECK (hl_lines_read (lines) == 1);
    HL_CHECK_STR (s_next (lines), "");
    HL_CHECK (write (fds[1], "n\nreply\r\n\n", 10) == 10);
    HL_CHECK (hl_lines_read (lines) == 1);
    HL_CHECK_STR (s_next (lines), "sign");
    HL_CHECK_STR (s_next (lines), "reply");
    HL_CHECK_STR (s_next (lines), "");          //  the empty line
    HL_CHECK (hl_lines_count (lines) == 3);
    HL_CHECK_STR (s_next (lines), "");

    //  An over-long line: its first 8 bytes, marked; the rest skipped,
    //  even when it arrives later.
    HL_CHECK (write (fds[1], "0123456789abc", 13) == 13);
    HL_CHECK (hl_lines_read (lines) == 1);
    HL_CHECK (write (fds[1], "defgh\nnext\n", 11) == 11);
    HL_CHECK (hl_lines_read (lines) == 1);
    HL_CHECK_STR (s_next (lines), "01234567+");
    HL_CHECK_STR (s_next (lines), "next");

    //  At end of file the last line counts without its LF.
    HL_CHECK (write (fds[1], "last", 4) == 4);
    close (fds[1]);
    HL_CHECK (hl_lines_read (lines) == 0);
    HL_CHECK_STR (s_next (lines), "last");
    HL_CHECK_STR (s_next (lines), "");
    HL_CHECK (hl_lines_count (lines) == 6);

    //  The descriptor stays open (this class does not own it) and
    //  blocking again after destroy.
    hl_lines_destroy (&lines);
    HL_CHECK (lines == NULL);
    hl_lines_destroy (&lines);
    HL_CHECK (fcntl (fds[0], F_GETFD) != -1);
    HL_CHECK ((fcntl (fds[0], F_GETFL) & O_NONBLOCK) == 0);
    close (fds[0]);
}

static const hl_test_case_t s_cases[] = {
    { "lines", test_lines },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
