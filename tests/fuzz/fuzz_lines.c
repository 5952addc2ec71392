/*  Fuzz target: workers/hl_lines, the non-blocking line reader, fed
 *  through a pipe in chunks the input chooses and checked against the
 *  plain rule: every LF-terminated piece (and a last unterminated one) is
 *  one line, without a trailing CR, cut to the cap and marked too long
 *  when it is longer.
 *
 *  Input: byte 0 = line cap (1..64), byte 1 = chunk size (1..256), rest =
 *  the stream.
 */
#include "hl_fuzz.h"
#include "hl_lines.h"

#include <unistd.h>

#define S_STREAM_MAX 32768      //  below a pipe's capacity: writes never block

typedef struct {
    const uint8_t *stream;
    size_t size, at;            //  the expected next line starts at AT
    size_t max_line;
    size_t lines;
} s_model_t;

static void
s_check_line (s_model_t *m, const char *line, size_t len, int too_long)
{
    HL_FUZZ_ASSERT (m->at < m->size);
    const uint8_t *p = m->stream + m->at;
    const uint8_t *lf = memchr (p, '\n', m->size - m->at);
    size_t piece = lf ? (size_t) (lf - p) : m->size - m->at;
    HL_FUZZ_ASSERT (too_long == (piece > m->max_line));
    size_t want = too_long ? m->max_line : piece;
    if (!too_long && want > 0 && p[want - 1] == '\r')
        want--;
    HL_FUZZ_ASSERT (len == want && memcmp (line, p, len) == 0 && line[len] == 0);
    m->at += piece + (lf != NULL);
    m->lines++;
}

static void
s_drain (hl_lines_t *lines, s_model_t *m)
{
    const char *line;
    size_t len;
    int too_long;
    while (hl_lines_next (lines, &line, &len, &too_long) == 1)
        s_check_line (m, line, len, too_long);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 2 || size - 2 > S_STREAM_MAX)
        return 0;
    s_model_t m = { .stream = data + 2, .size = size - 2, .max_line = data[0] % 64 + 1 };
    size_t chunk = data[1] + 1u;
    int fds[2];
    if (pipe (fds) != 0)
        abort ();
    hl_lines_t *lines = hl_lines_new (fds[0], m.max_line);
    for (size_t sent = 0; sent < m.size; sent += chunk) {
        size_t n = m.size - sent < chunk ? m.size - sent : chunk;
        HL_FUZZ_ASSERT (write (fds[1], m.stream + sent, n) == (ssize_t) n);
        HL_FUZZ_ASSERT (hl_lines_read (lines) == 1);
        s_drain (lines, &m);
    }
    close (fds[1]);
    while (hl_lines_read (lines) == 1)
        ;
    s_drain (lines, &m);
    HL_FUZZ_ASSERT (m.at == m.size);
    HL_FUZZ_ASSERT (hl_lines_count (lines) == m.lines);
    hl_lines_destroy (&lines);
    close (fds[0]);
    return 0;
}
