/*  hl_notify: sd_notify's datagrams, written out. See hl_notify.h. */
#include "hl_notify.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct hl_notify {
    struct sockaddr_un addr;
    socklen_t addrlen;           //  0: no service manager listens
    int fd;
    int64_t watchdog_usec;
    struct event *watchdog;      //  sends WATCHDOG=1; NULL without a watchdog
};

//  $NOTIFY_SOCKET as an address: a path, or '@' and an abstract name
//  (its first byte NUL, its length exact). 0, or -1 if unusable.
static int
s_parse_address (hl_notify_t *self, const char *name)
{
    size_t len = strlen (name);
    if (len < 2 || len >= sizeof self->addr.sun_path || (name[0] != '/' && name[0] != '@'))
        return -1;
    self->addr.sun_family = AF_UNIX;
    memcpy (self->addr.sun_path, name, len);
    if (name[0] == '@')
        self->addr.sun_path[0] = 0;
    self->addrlen = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + len);
    return 0;
}

//  $WATCHDOG_USEC, if it is meant for this process: $WATCHDOG_PID, when
//  set, names the one process of the service that must ping.
static int64_t
s_watchdog_usec (void)
{
    const char *usec = getenv ("WATCHDOG_USEC");
    const char *pid = getenv ("WATCHDOG_PID");
    if (!usec || !*usec)
        return 0;
    if (pid && *pid && strtol (pid, NULL, 10) != (long) getpid ())
        return 0;
    long long value = strtoll (usec, NULL, 10);
    return value > 0 ? value : 0;
}

static void
s_on_watchdog (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_notify_send (arg, "WATCHDOG=1");
}

hl_notify_t *
hl_notify_new (struct event_base *base)
{
    assert (base);
    hl_notify_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->fd = -1;
    const char *name = getenv ("NOTIFY_SOCKET");
    if (!name || s_parse_address (self, name) != 0)
        return self;
    self->fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (self->fd < 0) {
        self->addrlen = 0;
        return self;
    }
    self->watchdog_usec = s_watchdog_usec ();
    if (self->watchdog_usec) {
        self->watchdog = event_new (base, -1, EV_PERSIST, s_on_watchdog, self);
        if (!self->watchdog)
            abort ();
        int64_t half = self->watchdog_usec / 2;
        struct timeval tv = { (time_t) (half / 1000000), (suseconds_t) (half % 1000000) };
        event_add (self->watchdog, &tv);
    }
    return self;
}

void
hl_notify_destroy (hl_notify_t **self_p)
{
    assert (self_p);
    hl_notify_t *self = *self_p;
    if (!self)
        return;
    if (self->watchdog)
        event_free (self->watchdog);
    if (self->fd >= 0)
        close (self->fd);
    free (self);
    *self_p = NULL;
}

int
hl_notify_send (hl_notify_t *self, const char *state)
{
    assert (self && state);
    if (!self->addrlen)
        return 0;
    ssize_t n = sendto (self->fd, state, strlen (state), MSG_NOSIGNAL,
                        (struct sockaddr *) &self->addr, self->addrlen);
    return n == (ssize_t) strlen (state) ? 0 : -1;
}

int
hl_notify_status (hl_notify_t *self, const char *fmt, ...)
{
    char line[512] = "STATUS=";
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line + 7, sizeof line - 7, fmt, ap);
    va_end (ap);
    //  One line: a newline would start another assignment.
    for (char *p = line; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return hl_notify_send (self, line);
}

int
hl_notify_reloading (hl_notify_t *self)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    char msg[80];
    snprintf (msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%lld",
              (long long) ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    return hl_notify_send (self, msg);
}

int64_t
hl_notify_watchdog_usec (const hl_notify_t *self)
{
    return self->watchdog_usec;
}
