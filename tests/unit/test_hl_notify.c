/*  Unit test of hl_notify: the datagrams a service manager would read,
 *  received on a socket the test binds (a path, and an abstract name). */
#include "hl_notify.h"
#include "hl_test.h"

#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

//  A datagram socket bound to NAME ('@' for the abstract namespace), as
//  systemd binds its notification socket.
static int
s_bind (const char *name)
{
    int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t len = strlen (name);
    memcpy (addr.sun_path, name, len);
    if (name[0] == '@')
        addr.sun_path[0] = 0;
    socklen_t addrlen = (socklen_t) (offsetof (struct sockaddr_un, sun_path) + len);
    HL_CHECK (bind (fd, (struct sockaddr *) &addr, addrlen) == 0);
    struct timeval tv = { 2, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

//  The next datagram, as a string ("" if none came within 2 s).
static const char *
s_recv (int fd)
{
    static char buf[512];
    ssize_t n = recv (fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

static void
s_clear_env (void)
{
    unsetenv ("NOTIFY_SOCKET");
    unsetenv ("WATCHDOG_USEC");
    unsetenv ("WATCHDOG_PID");
}

static void
test_path (void)
{
    s_clear_env ();
    char dir[] = "/tmp/hl-notify-XXXXXX", path[64];
    HL_CHECK (mkdtemp (dir) != NULL);
    snprintf (path, sizeof path, "%s/notify", dir);
    int fd = s_bind (path);
    setenv ("NOTIFY_SOCKET", path, 1);
    struct event_base *base = event_base_new ();
    hl_notify_t *n = hl_notify_new (base);
    HL_CHECK (hl_notify_watchdog_usec (n) == 0);
    HL_CHECK (hl_notify_send (n, "READY=1") == 0);
    HL_CHECK_STR (s_recv (fd), "READY=1");
    //  A status is one line, whatever it is given.
    HL_CHECK (hl_notify_status (n, "store %s\n%d in flight", "up", 3) == 0);
    HL_CHECK_STR (s_recv (fd), "STATUS=store up 3 in flight");
    HL_CHECK (hl_notify_reloading (n) == 0);
    HL_CHECK (strncmp (s_recv (fd), "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
    hl_notify_destroy (&n);
    HL_CHECK (n == NULL);
    event_base_free (base);
    close (fd);
    unlink (path);
    rmdir (dir);
}

static void
test_abstract (void)
{
    s_clear_env ();
    char name[64];
    snprintf (name, sizeof name, "@hl-notify-test-%d", (int) getpid ());
    int fd = s_bind (name);
    setenv ("NOTIFY_SOCKET", name, 1);
    struct event_base *base = event_base_new ();
    hl_notify_t *n = hl_notify_new (base);
    HL_CHECK (hl_notify_send (n, "STOPPING=1") == 0);
    HL_CHECK_STR (s_recv (fd), "STOPPING=1");
    hl_notify_destroy (&n);
    event_base_free (base);
    close (fd);
}

//  The watchdog pings come from the loop, at half the interval asked for.
static void
test_watchdog (void)
{
    s_clear_env ();
    char name[64], pid[16];
    snprintf (name, sizeof name, "@hl-notify-wd-%d", (int) getpid ());
    snprintf (pid, sizeof pid, "%d", (int) getpid ());
    int fd = s_bind (name);
    setenv ("NOTIFY_SOCKET", name, 1);
    setenv ("WATCHDOG_USEC", "200000", 1);
    setenv ("WATCHDOG_PID", pid, 1);
    struct event_base *base = event_base_new ();
    hl_notify_t *n = hl_notify_new (base);
    HL_CHECK (hl_notify_watchdog_usec (n) == 200000);
    struct timeval run = { 0, 350 * 1000 };
    event_base_loopexit (base, &run);
    event_base_dispatch (base);
    //  ~100 ms apart: three pings in 350 ms (two at the least, on a busy
    //  machine), none before the loop ran.
    HL_CHECK_STR (s_recv (fd), "WATCHDOG=1");
    HL_CHECK_STR (s_recv (fd), "WATCHDOG=1");
    hl_notify_destroy (&n);
    //  A watchdog meant for another process of the service: not ours.
    setenv ("WATCHDOG_PID", "1", 1);
    n = hl_notify_new (base);
    HL_CHECK (hl_notify_watchdog_usec (n) == 0);
    hl_notify_destroy (&n);
    event_base_free (base);
    close (fd);
}

//  Without a service manager every call does nothing and succeeds; a
//  socket name that is neither a path nor abstract is ignored.
static void
test_no_manager (void)
{
    s_clear_env ();
    struct event_base *base = event_base_new ();
    hl_notify_t *n = hl_notify_new (base);
    HL_CHECK (hl_notify_send (n, "READY=1") == 0);
    HL_CHECK (hl_notify_status (n, "idle") == 0);
    hl_notify_destroy (&n);
    setenv ("NOTIFY_SOCKET", "relative/path", 1);
    setenv ("WATCHDOG_USEC", "1000", 1);
    n = hl_notify_new (base);
    HL_CHECK (hl_notify_send (n, "READY=1") == 0);
    HL_CHECK (hl_notify_watchdog_usec (n) == 0);
    hl_notify_destroy (&n);
    //  Nobody bound to the name: the send fails, the caller goes on.
    setenv ("NOTIFY_SOCKET", "/nonexistent/hl-notify", 1);
    n = hl_notify_new (base);
    HL_CHECK (hl_notify_send (n, "READY=1") == -1);
    hl_notify_destroy (&n);
    event_base_free (base);
    s_clear_env ();
}

static const hl_test_case_t s_cases[] = {
    { "path", test_path }, { "abstract", test_abstract }, { "watchdog", test_watchdog },
    { "no_manager", test_no_manager }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
