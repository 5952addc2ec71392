/*  hl_sentset: the adaptor's record of sent messages. See hl_sentset.h. */
#include "hl_sentset.h"
#include "hl_jsonl.h"
#include "hl_table.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hl_sentset {
    hl_table_t *ids;             //  id -> (void *) 1
    int fd;
};

//  The id a record line names ("" if none): its "id" member, or the line.
static void
s_remember (hl_sentset_t *self, const char *line, size_t len)
{
    if (len == 0)
        return;
    if (*line != '{') {
        hl_table_set (self->ids, line, len, (void *) 1);
        return;
    }
    char err[128];
    hl_jsonl_t *j = hl_jsonl_parse (line, len, err, sizeof err);
    const char *id = j ? hl_jsonl_string (j, "id") : NULL;
    if (id && *id)
        hl_table_set (self->ids, id, strlen (id), (void *) 1);
    hl_jsonl_destroy (&j);
}

//  Every line of the file read. A last line without its newline (cut by
//  a crash mid-write) is not a message sent: it is cut off, so the next
//  record starts on a line of its own.
static int
s_load (hl_sentset_t *self, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    off_t good = 0;
    while ((n = getline (&line, &cap, f)) > 0) {
        if (line[n - 1] != '\n')
            break;
        line[n - 1] = 0;
        s_remember (self, line, (size_t) n - 1);
        good += n;
    }
    free (line);
    fclose (f);
    if (ftruncate (self->fd, good) != 0) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return -1;
    }
    return 0;
}

hl_sentset_t *
hl_sentset_open (const char *path, char *err, size_t errlen)
{
    assert (path);
    hl_sentset_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->ids = hl_table_new ();
    self->fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (self->fd < 0) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        hl_sentset_destroy (&self);
        return NULL;
    }
    if (s_load (self, path, err, errlen) != 0)
        hl_sentset_destroy (&self);
    return self;
}

void
hl_sentset_destroy (hl_sentset_t **self_p)
{
    assert (self_p);
    hl_sentset_t *self = *self_p;
    if (!self)
        return;
    hl_table_destroy (&self->ids);
    if (self->fd >= 0)
        close (self->fd);
    free (self);
    *self_p = NULL;
}

int
hl_sentset_has (const hl_sentset_t *self, const char *id)
{
    assert (self && id);
    return hl_table_get (self->ids, id, strlen (id)) != NULL;
}

int
hl_sentset_add (hl_sentset_t *self, const char *id, const char *line)
{
    assert (self && id);
    const char *text = line ? line : id;
    size_t len = strlen (text);
    char *buf = malloc (len + 1);
    if (!buf)
        abort ();
    memcpy (buf, text, len);
    buf[len] = '\n';
    ssize_t n = write (self->fd, buf, len + 1);
    free (buf);
    if (n != (ssize_t) len + 1) {
        if (n >= 0)
            errno = EIO;
        return -1;
    }
    if (fdatasync (self->fd) != 0)
        return -1;
    hl_table_set (self->ids, id, strlen (id), (void *) 1);
    return 0;
}

size_t
hl_sentset_size (const hl_sentset_t *self)
{
    assert (self);
    return hl_table_size (self->ids);
}
