/*  hl_lines: lines from a file descriptor, without ever blocking.
 *
 *  hotline-worker reads two streams that must never stall the worker
 *  session: the action lines a department's program prints, and the
 *  commands staff type. This class reads what a non-blocking descriptor
 *  has, hands out complete lines, and caps their length so that a program
 *  printing without end cannot exhaust memory: the rest of an over-long
 *  line is skipped and the line is reported as too long.
 */
#ifndef HL_LINES_H_INCLUDED
#define HL_LINES_H_INCLUDED

#include <stddef.h>

typedef struct hl_lines hl_lines_t;

//  Read lines from FD (made non-blocking until destroyed; not closed by
//  this class), each at most MAX_LINE bytes.
hl_lines_t *hl_lines_new (int fd, size_t max_line);
void hl_lines_destroy (hl_lines_t **self_p);

//  Read what FD has now. Returns 1 while it stays open, 0 at end of file,
//  -1 on a read error (errno set).
int hl_lines_read (hl_lines_t *self);

//  The next complete line, without its LF (and CR before it). Returns 1
//  with *LINE (NUL-terminated, valid until the next call) and *LEN set,
//  0 if no complete line is waiting. At end of file a last unterminated
//  line counts as complete. *TOO_LONG is set if the line was longer than
//  the cap (*LINE then holds its first MAX_LINE bytes).
int hl_lines_next (hl_lines_t *self, const char **line, size_t *len, int *too_long);

//  Lines handed out so far (the number of the last one, from 1).
size_t hl_lines_count (const hl_lines_t *self);

#endif
