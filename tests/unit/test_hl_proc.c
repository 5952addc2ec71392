/*  hl_proc: servers started on READY=1, a lost port retried, an early
 *  exit and a silent server reported, exits waited for without sleeping. */
#include "hl_proc.h"
#include "hl_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

//  A socket listening on a free port, as another process taking it
//  between pick and bind would; its port in *PORT.
static int
s_occupy (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    addr.sin_port = htons ((uint16_t) hl_proc_free_port ());
    socklen_t len = sizeof addr;
    HL_CHECK (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0);
    HL_CHECK (listen (fd, 1) == 0);
    getsockname (fd, (struct sockaddr *) &addr, &len);
    *port = ntohs (addr.sin_port);
    return fd;
}

static void
test_redis_ready (void)
{
    const char *argv[] = { "redis-server", "--port", "@PORT0@", "--bind", "127.0.0.1",
                           "--save", "", "--supervised", "systemd", NULL };
    int ports[HL_PROC_PORTS] = { 0 };
    pid_t pid = hl_proc_start (argv, ports, NULL);
    HL_CHECK (pid > 0);
    HL_CHECK (ports[0] > 1024);
    HL_CHECK (hl_proc_wait (pid, 0) == -1);          //  still running
    hl_proc_stop (pid, SIGTERM);
}

//  The port given is taken: the server exits, and is started again on
//  another port.
static void
test_port_taken (void)
{
    int taken;
    int fd = s_occupy (&taken);
    const char *argv[] = { "redis-server", "--port", "@PORT0@", "--bind", "127.0.0.1",
                           "--save", "", "--supervised", "systemd", NULL };
    int ports[HL_PROC_PORTS] = { taken };
    hl_proc_opts_t opts = { .repick = 1, .log = "/dev/null" };
    pid_t pid = hl_proc_start (argv, ports, &opts);
    HL_CHECK (pid > 0);
    HL_CHECK (ports[0] != taken);
    hl_proc_stop (pid, SIGTERM);
    //  Without repick (a restart must keep its address) it fails.
    ports[0] = taken;
    opts.repick = 0;
    HL_CHECK (hl_proc_start (argv, ports, &opts) == -1);
    HL_CHECK (ports[0] == taken);
    close (fd);
}

//  A program that exits at once is reported at once, not at the timeout.
static void
test_exits_early (void)
{
    const char *argv[] = { "false", NULL };
    int ports[HL_PROC_PORTS] = { 0 };
    hl_proc_opts_t opts = { .timeout_ms = 20000 };
    long long t0 = hl_proc_now_ms ();
    HL_CHECK (hl_proc_start (argv, ports, &opts) == -1);
    HL_CHECK (hl_proc_now_ms () - t0 < 10000);
}

//  A program that never says READY=1 is killed at the timeout.
static void
test_never_ready (void)
{
    const char *argv[] = { "tail", "-f", "/dev/null", NULL };
    int ports[HL_PROC_PORTS] = { 0 };
    hl_proc_opts_t opts = { .timeout_ms = 300, .log = "/dev/null" };
    HL_CHECK (hl_proc_start (argv, ports, &opts) == -1);
}

static void
test_wait (void)
{
    const char *argv[] = { "sh", "-c", "exit 3", NULL };
    pid_t pid = hl_proc_spawn (argv, NULL, NULL);
    HL_CHECK (pid > 0);
    HL_CHECK (hl_proc_wait (pid, 10000) == 3);
    const char *idle[] = { "tail", "-f", "/dev/null", NULL };
    int out;
    pid = hl_proc_spawn (idle, NULL, &out);
    HL_CHECK (hl_proc_wait (pid, 50) == -1);
    hl_proc_stop (pid, SIGKILL);
    close (out);
}

int
main (int argc, char **argv)
{
    static const hl_test_case_t cases[] = {
        { "redis_ready", test_redis_ready },
        { "port_taken", test_port_taken },
        { "exits_early", test_exits_early },
        { "never_ready", test_never_ready },
        { "wait", test_wait },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
