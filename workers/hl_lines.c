/*  hl_lines: non-blocking line reader. See hl_lines.h. */
#include "hl_lines.h"
#include "hl_buf.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_CHUNK 4096
#define S_READS 16                   //  reads per call, so one stream cannot starve others

struct hl_lines {
    int fd;
    int flags;                       //  the descriptor's flags before, restored at the end
    size_t max_line;
    hl_buf_t pending;                //  bytes read and not yet handed out, from START
    size_t start;
    hl_buf_t line;                   //  the line last handed out
    int skipping;                    //  dropping the rest of an over-long line
    int eof;
    size_t count;
};

hl_lines_t *
hl_lines_new (int fd, size_t max_line)
{
    assert (fd >= 0 && max_line > 0);
    hl_lines_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->fd = fd;
    self->max_line = max_line;
    //  O_NONBLOCK belongs to the open file, which a terminal shares with
    //  the shell: it is put back as it was in hl_lines_destroy.
    self->flags = fcntl (fd, F_GETFL);
    if (self->flags >= 0)
        fcntl (fd, F_SETFL, self->flags | O_NONBLOCK);
    return self;
}

void
hl_lines_destroy (hl_lines_t **self_p)
{
    assert (self_p);
    hl_lines_t *self = *self_p;
    if (!self)
        return;
    if (self->flags >= 0)
        fcntl (self->fd, F_SETFL, self->flags);
    hl_buf_free (&self->pending);
    hl_buf_free (&self->line);
    free (self);
    *self_p = NULL;
}

//  Keeps CHUNK, unless it belongs to an over-long line being skipped: then
//  only what follows that line's end is kept.
static void
s_take (hl_lines_t *self, const char *chunk, size_t n)
{
    if (self->skipping) {
        const char *lf = memchr (chunk, '\n', n);
        if (!lf)
            return;
        self->skipping = 0;
        n -= (size_t) (lf + 1 - chunk);
        chunk = lf + 1;
    }
    //  Drop what was handed out before growing the buffer.
    if (self->start > 0 && self->start == self->pending.len) {
        self->pending.len = self->start = 0;
    }
    else
    if (self->start > S_CHUNK && self->start > self->pending.len / 2) {
        memmove (self->pending.data, self->pending.data + self->start,
                 self->pending.len - self->start);
        self->pending.len -= self->start;
        self->start = 0;
    }
    hl_buf_append (&self->pending, chunk, n);
}

int
hl_lines_read (hl_lines_t *self)
{
    char chunk[S_CHUNK];
    for (int i = 0; i < S_READS && !self->eof; i++) {
        ssize_t n = read (self->fd, chunk, sizeof chunk);
        if (n > 0)
            s_take (self, chunk, (size_t) n);
        else
        if (n == 0)
            self->eof = 1;
        else
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        else
        if (errno != EINTR)
            return -1;
    }
    return self->eof ? 0 : 1;
}

//  Hands out pending bytes [START, START + LEN) as the next line and moves
//  past SKIP more bytes (the line break).
static int
s_emit (hl_lines_t *self, size_t len, size_t skip, const char **line, size_t *out_len,
        int *too_long)
{
    const char *p = self->pending.data + self->start;
    *too_long = len > self->max_line;
    size_t keep = *too_long ? self->max_line : len;
    if (!*too_long && keep > 0 && p[keep - 1] == '\r')
        keep--;
    hl_buf_reset (&self->line);
    hl_buf_append (&self->line, p, keep);
    self->start += len + skip;
    self->count++;
    *line = self->line.data;
    *out_len = keep;
    return 1;
}

int
hl_lines_next (hl_lines_t *self, const char **line, size_t *len, int *too_long)
{
    size_t avail = self->pending.len - self->start;
    const char *p = self->pending.data ? self->pending.data + self->start : NULL;
    const char *lf = avail ? memchr (p, '\n', avail) : NULL;
    if (lf)
        return s_emit (self, (size_t) (lf - p), 1, line, len, too_long);
    if (avail > self->max_line) {
        //  No end in sight: hand out the start, skip the rest as it comes.
        self->skipping = 1;
        return s_emit (self, avail, 0, line, len, too_long);
    }
    if (self->eof && avail > 0)
        return s_emit (self, avail, 0, line, len, too_long);
    return 0;
}

size_t
hl_lines_count (const hl_lines_t *self)
{
    return self->count;
}
