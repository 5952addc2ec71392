/*  hl_proc: starting the servers of a test, the one way. See hl_proc.h. */
#include "hl_proc.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_ARGS_MAX 64
#define S_ARG_LEN 512
#define S_ATTEMPTS 4

long long
hl_proc_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  True if PORT can be bound on loopback now (0: any; its number in *GOT).
static int
s_port_free (int port, int *got)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int ok = bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
          && getsockname (fd, (struct sockaddr *) &addr, &len) == 0;
    close (fd);
    if (ok && got)
        *got = ntohs (addr.sin_port);
    return ok;
}

int
hl_proc_free_port (void)
{
    int low = 32768, high = 60999;
    FILE *f = fopen ("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf (f, "%d %d", &low, &high) != 2)
            low = 32768;
        fclose (f);
    }
    int floor = low > 12000 ? low - 10000 : 1024;
    static unsigned seed;
    static int given[64];           //  handed out by this process, not yet bound maybe
    static size_t n_given;
    if (!seed)
        seed = (unsigned) getpid () ^ (unsigned) hl_proc_now_ms ();
    for (int i = 0; i < 200 && floor < low; i++) {
        int port = floor + (int) (rand_r (&seed) % (unsigned) (low - floor));
        int repeat = 0;
        for (size_t k = 0; k < n_given && k < 64; k++)
            repeat |= given[k] == port;
        if (!repeat && s_port_free (port, NULL)) {
            given[n_given++ % 64] = port;
            return port;
        }
    }
    int port = -1;
    return s_port_free (0, &port) ? port : -1;
}

//  The child's side: its output, its user, its tie to the caller, then
//  exec. Dropping to USER comes before PR_SET_PDEATHSIG, which a change
//  of user would clear.
static void
s_child (const char *const *argv, const hl_proc_opts_t *opts, int *fds, const char *notify)
{
    pid_t parent = getppid ();
    if (notify)
        setenv ("NOTIFY_SOCKET", notify, 1);
    else
        unsetenv ("NOTIFY_SOCKET");
    int log = opts->log ? open (opts->log, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
    int out = fds ? fds[1] : log;
    if (out >= 0)
        dup2 (out, 1);
    if (log >= 0)
        dup2 (log, 2);
    if (fds)
        close (fds[0]);
    if (opts->user && geteuid () == 0) {
        struct passwd *pw = getpwnam (opts->user);
        if (!pw || setgid (pw->pw_gid) != 0 || initgroups (opts->user, pw->pw_gid) != 0
            || setuid (pw->pw_uid) != 0)
            _exit (126);
    }
    if (opts->outlive)
        setsid ();
    else {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        if (getppid () != parent)
            _exit (125);
    }
    execvp (argv[0], (char *const *) argv);
    _exit (127);
}

static pid_t
s_spawn (const char *const *argv, const hl_proc_opts_t *opts, int *pipe_fd, const char *notify)
{
    int fds[2] = { -1, -1 };
    if (pipe_fd && pipe (fds) != 0)
        return -1;
    pid_t pid = fork ();
    if (pid == 0)
        s_child (argv, opts, pipe_fd ? fds : NULL, notify);
    if (pipe_fd) {
        close (fds[1]);
        *pipe_fd = fds[0];
    }
    return pid;
}

pid_t
hl_proc_spawn (const char *const *argv, const hl_proc_opts_t *opts, int *pipe_fd)
{
    hl_proc_opts_t none = { 0 };
    return s_spawn (argv, opts ? opts : &none, pipe_fd, NULL);
}

//  A private datagram socket in the abstract namespace (no file, and any
//  user may send to it: postgres runs as its own user). Its name, as
//  $NOTIFY_SOCKET spells it, in NAME.
static int
s_notify_socket (char *name, size_t namelen)
{
    static unsigned serial;
    int fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int n = snprintf (addr.sun_path + 1, sizeof addr.sun_path - 1, "hl-proc-%d-%u",
                      (int) getpid (), serial++);
    if (bind (fd, (struct sockaddr *) &addr,
              (socklen_t) (offsetof (struct sockaddr_un, sun_path) + 1 + (size_t) n)) != 0) {
        close (fd);
        return -1;
    }
    snprintf (name, namelen, "@%s", addr.sun_path + 1);
    return fd;
}

//  True if a datagram on FD says READY=1 (other lines, STATUS=..., are
//  read and passed over).
static int
s_read_ready (int fd)
{
    char msg[4096];
    ssize_t n;
    while ((n = recv (fd, msg, sizeof msg - 1, 0)) > 0) {
        msg[n] = 0;
        for (char *line = strtok (msg, "\n"); line; line = strtok (NULL, "\n"))
            if (strcmp (line, "READY=1") == 0)
                return 1;
    }
    return 0;
}

//  A descriptor that becomes readable when PID exits; -1 without pidfd.
static int
s_pidfd (pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int) syscall (SYS_pidfd_open, pid, 0);
#else
    (void) pid;
    return -1;
#endif
}

//  Wait for READY=1 on NOTIFY or for PID to exit: 1 ready, 0 exited
//  (reaped, its status in *STATUS), -1 timed out.
static int
s_await (pid_t pid, int notify, int timeout_ms, int *status)
{
    int pidfd = s_pidfd (pid);
    long long until = hl_proc_now_ms () + timeout_ms;
    int rc = -1;
    while (rc == -1) {
        long long left = until - hl_proc_now_ms ();
        if (left <= 0)
            break;
        struct pollfd p[2] = { { .fd = notify, .events = POLLIN },
                               { .fd = pidfd, .events = POLLIN } };
        //  Without pidfd, waitpid is asked at least every 100 ms.
        int slice = pidfd >= 0 ? (int) left : (left < 100 ? (int) left : 100);
        if (poll (p, pidfd >= 0 ? 2 : 1, slice) < 0 && errno != EINTR)
            break;
        if ((p[0].revents & POLLIN) && s_read_ready (notify))
            rc = 1;
        else
        if (waitpid (pid, status, WNOHANG) == pid)
            rc = 0;
    }
    if (pidfd >= 0)
        close (pidfd);
    return rc;
}

//  ARG with every "@PORTn@" replaced by PORTS[n], into OUT.
static void
s_substitute (const char *arg, const int *ports, char *out, size_t outlen)
{
    size_t used = 0;
    while (*arg && used + 1 < outlen) {
        int n;
        if (strncmp (arg, "@PORT", 5) == 0 && arg[5] >= '0' && arg[5] < '0' + HL_PROC_PORTS
            && arg[6] == '@') {
            n = arg[5] - '0';
            used += (size_t) snprintf (out + used, outlen - used, "%d", ports[n]);
            arg += 7;
        }
        else
            out[used++] = *arg++;
    }
    out[used < outlen ? used : outlen - 1] = 0;
}

static int
s_uses_ports (const char *const *argv)
{
    for (int i = 0; argv[i]; i++)
        if (strstr (argv[i], "@PORT"))
            return 1;
    return 0;
}

//  One attempt on PORTS: 1 ready (pid in *PID), 0 exited early, -1 failed.
static int
s_attempt (const char *const *argv, const int *ports, const hl_proc_opts_t *opts, pid_t *pid)
{
    static char args[S_ARGS_MAX][S_ARG_LEN];
    const char *real[S_ARGS_MAX + 1];
    int n = 0;
    for (; argv[n]; n++) {
        assert (n < S_ARGS_MAX);
        s_substitute (argv[n], ports, args[n], S_ARG_LEN);
        real[n] = args[n];
    }
    real[n] = NULL;
    char name[108];
    int notify = s_notify_socket (name, sizeof name);
    if (notify < 0) {
        perror ("hl_proc: notify socket");
        return -1;
    }
    *pid = s_spawn (real, opts, NULL, name);
    int status = 0;
    int rc = *pid < 0 ? -1 : s_await (*pid, notify, opts->timeout_ms ? opts->timeout_ms : 30000,
                                      &status);
    close (notify);
    if (rc == 0)
        fprintf (stderr, "hl_proc: %s exited before it was ready (status %d%s%s)\n", real[0],
                 WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status),
                 opts->log ? ", see " : "", opts->log ? opts->log : "");
    if (rc == -1 && *pid > 0) {
        fprintf (stderr, "hl_proc: %s not ready in time%s%s\n", real[0],
                 opts->log ? ", see " : "", opts->log ? opts->log : "");
        hl_proc_stop (*pid, SIGKILL);
    }
    return rc;
}

pid_t
hl_proc_start (const char *const *argv, int ports[HL_PROC_PORTS], const hl_proc_opts_t *opts)
{
    hl_proc_opts_t none = { 0 };
    opts = opts ? opts : &none;
    int given[HL_PROC_PORTS];
    for (int i = 0; i < HL_PROC_PORTS; i++) {
        given[i] = ports[i];
        if (!ports[i])
            ports[i] = hl_proc_free_port ();
    }
    int retry = s_uses_ports (argv) && opts->repick;
    for (int attempt = 0; attempt < S_ATTEMPTS; attempt++) {
        pid_t pid = -1;
        int rc = s_attempt (argv, ports, opts, &pid);
        if (rc == 1)
            return pid;
        if (rc == -1 || !retry)
            break;
        //  Lost a race for a port (or failed for good: then the next
        //  attempts fail the same way, quickly).
        for (int i = 0; i < HL_PROC_PORTS; i++)
            ports[i] = hl_proc_free_port ();
    }
    memcpy (ports, given, sizeof given);
    return -1;
}

int
hl_proc_wait (pid_t pid, int timeout_ms)
{
    int status = 0;
    int pidfd = s_pidfd (pid);
    if (pidfd >= 0) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        while (poll (&p, 1, timeout_ms) < 0 && errno == EINTR)
            ;
        close (pidfd);
    }
    pid_t r = waitpid (pid, &status, pidfd >= 0 ? WNOHANG : 0);   //  no pidfd: no timeout
    if (r != pid)
        return -1;
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

void
hl_proc_stop (pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    kill (pid, SIGCONT);
    kill (pid, sig);
    waitpid (pid, NULL, 0);
}
