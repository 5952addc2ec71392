/*  hl_smsgw: the SMS gateway's line protocol. See hl_smsgw.h. */
#include "hl_smsgw.h"

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

//  Longest answer line.
#define S_LINE_MAX 512

struct hl_smsgw {
    char host[256];
    char port[16];
    int timeout_ms;
    int fd;                      //  -1: not connected
};

hl_smsgw_t *
hl_smsgw_new (const char *address, int timeout_ms, char *err, size_t errlen)
{
    assert (address && timeout_ms > 0);
    const char *colon = strrchr (address, ':');
    if (!colon || colon == address || !colon[1] || strlen (colon + 1) >= 16
        || (size_t) (colon - address) >= 256) {
        snprintf (err, errlen, "%s: not host:port", address);
        return NULL;
    }
    hl_smsgw_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    snprintf (self->host, sizeof self->host, "%.*s", (int) (colon - address), address);
    snprintf (self->port, sizeof self->port, "%s", colon + 1);
    self->timeout_ms = timeout_ms;
    self->fd = -1;
    return self;
}

void
hl_smsgw_destroy (hl_smsgw_t **self_p)
{
    assert (self_p);
    hl_smsgw_t *self = *self_p;
    if (!self)
        return;
    if (self->fd >= 0)
        close (self->fd);
    free (self);
    *self_p = NULL;
}

static void
s_close (hl_smsgw_t *self)
{
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
}

//  A connection, with every read and write bounded by timeout_ms.
static int
s_connect (hl_smsgw_t *self, char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int rc = getaddrinfo (self->host, self->port, &hints, &ai);
    if (rc != 0) {
        snprintf (err, errlen, "%s:%s: %s", self->host, self->port, gai_strerror (rc));
        return -1;
    }
    struct timeval tv = { self->timeout_ms / 1000, (self->timeout_ms % 1000) * 1000 };
    for (struct addrinfo *a = ai; a && self->fd < 0; a = a->ai_next) {
        int fd = socket (a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect (fd, a->ai_addr, a->ai_addrlen) == 0)
            self->fd = fd;
        else
            close (fd);
    }
    freeaddrinfo (ai);
    if (self->fd < 0)
        snprintf (err, errlen, "the SMS gateway %s:%s: %s", self->host, self->port,
                  strerror (errno));
    return self->fd < 0 ? -1 : 0;
}

//  One answer line into LINE (without its LF): 0, or -1.
static int
s_read_line (hl_smsgw_t *self, char line[S_LINE_MAX])
{
    size_t len = 0;
    for (;;) {
        char c;
        ssize_t n = recv (self->fd, &c, 1, 0);
        if (n <= 0 || len + 1 >= S_LINE_MAX)
            return -1;
        if (c == '\n') {
            line[len] = 0;
            return 0;
        }
        line[len++] = c;
    }
}

static int
s_send_all (int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send (fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

int
hl_smsgw_submit (hl_smsgw_t *self, const char *id, const char *record, char *err,
                 size_t errlen)
{
    assert (self && id && record);
    if (self->fd < 0 && s_connect (self, err, errlen) != 0)
        return -1;
    size_t len = strlen (id) + strlen (record) + 16;
    char *cmd = malloc (len);
    if (!cmd)
        abort ();
    int n = snprintf (cmd, len, "SUBMIT %s %s\n", id, record);
    char line[S_LINE_MAX];
    errno = 0;
    int rc = s_send_all (self->fd, cmd, (size_t) n) == 0 ? s_read_line (self, line) : -1;
    free (cmd);
    if (rc != 0) {
        snprintf (err, errlen, "the SMS gateway did not answer: %s",
                  errno ? strerror (errno) : "closed");
        s_close (self);
        return -1;
    }
    size_t id_len = strlen (id);
    if (strncmp (line, "ACK ", 4) == 0 && strcmp (line + 4, id) == 0)
        return 0;
    if (strncmp (line, "NACK ", 5) == 0 && strncmp (line + 5, id, id_len) == 0)
        snprintf (err, errlen, "the SMS gateway refused it:%s", line + 5 + id_len);
    else {
        snprintf (err, errlen, "the SMS gateway answered out of turn: %.100s", line);
        s_close (self);          //  out of step: start over
    }
    return -1;
}
