/*  hl_proc: starting the servers of a test, the one way.
 *
 *  Every server the tests run (redis-server standalone, replica or
 *  cluster node, postgres, hotlined) speaks the service manager's
 *  readiness protocol (sd_notify): started with $NOTIFY_SOCKET it sends
 *  READY=1 once it serves (Redis after loading its data, or a replica
 *  after its first sync; postgres once it accepts connections; hotlined
 *  once its store is up). So a start waits on that message, or on the
 *  process exiting, never on time and never by probing a port.
 *
 *  Ports: in the arguments, "@PORT0@" .. "@PORT7@" stand for free
 *  loopback ports. A port can be taken between picking it and the bind;
 *  the server then exits before it is ready, and the start is retried on
 *  new ports. The C harnesses (hl_testenv, hl_testcluster, hl_testpg) and
 *  the shell tests (through hl-start) all start servers here.
 */
#ifndef HL_PROC_H_INCLUDED
#define HL_PROC_H_INCLUDED

#include <sys/types.h>

#define HL_PROC_PORTS 8

typedef struct {
    const char *log;        //  stdout and stderr appended here (NULL: inherited)
    int timeout_ms;         //  for READY=1 (0: 30 s)
    int outlive;            //  1: the server outlives the caller (hl-start);
                            //  0: it dies with the caller (PR_SET_PDEATHSIG)
    const char *user;       //  run as this user when started as root (postgres)
    int repick;             //  1: on an exit before ready, new ports and retry
} hl_proc_opts_t;

//  Start ARGV as a server and wait for READY=1. PORTS (in and out): the
//  ports "@PORTn@" stand for; 0 entries are picked here. Returns the pid,
//  or -1 (the reason on stderr) if it exited or did not get ready in time
//  (then it is killed).
pid_t hl_proc_start (const char *const *argv, int ports[HL_PROC_PORTS],
                     const hl_proc_opts_t *opts);

//  fork + exec ARGV (PATH searched) as OPTS say (log, outlive, user), not
//  waiting for anything; with PIPE_FD, stdout to a pipe whose read end is
//  stored there. The pid, or -1.
pid_t hl_proc_spawn (const char *const *argv, const hl_proc_opts_t *opts, int *pipe_fd);

//  Wait up to TIMEOUT_MS for the child PID to exit: its exit status, or
//  128 + signal; -1 if it is still running.
int hl_proc_wait (pid_t pid, int timeout_ms);

//  Stop the child PID with SIG (thawing it first) and reap it.
void hl_proc_stop (pid_t pid, int sig);

//  Milliseconds on a monotonic clock.
long long hl_proc_now_ms (void);

//  A free TCP port on 127.0.0.1, below the kernel's ephemeral range (the
//  tests' many outgoing connections take their local ports from that
//  range), not handed out before by this process.
int hl_proc_free_port (void);

#endif
