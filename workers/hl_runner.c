/*  hl_runner: a department's program on one ticket. See hl_runner.h. */
#include "hl_runner.h"
#include "hl_action.h"
#include "hl_buf.h"
#include "hl_jsonl.h"
#include "hl_lines.h"
#include "hl_log.h"
#include "hl_redis.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define S_SLICE_MS 100               //  how often time limits are looked at
#define S_MAX_ENV 4096

//  One running program.
typedef struct {
    const hl_runner_opts_t *opts;
    hl_worker_t *worker;
    hl_worker_ticket_t *ticket;
    const char *number;
    hl_report_run_t *run;
    pid_t pid;
    int in_fd;                       //  its stdin, -1 once all is written
    int out_fd;                      //  its stdout, -1 at end of file
    const char *input;               //  the ticket JSON and a line break
    size_t input_len, written;
    hl_lines_t *lines;
    int64_t deadline_us;
    int64_t kill_at_us;
    int term_sent, kill_sent;
} s_child_t;

//  ---------------------------------------------------------------------
//  Starting

//  Sets ENTRY ("NAME=value") in ENV (N entries, room for one more),
//  replacing an inherited NAME.
static void
s_setenv (char **env, size_t *n, char *entry)
{
    size_t len = (size_t) (strchr (entry, '=') - entry) + 1;
    for (size_t i = 0; i < *n; i++)
        if (strncmp (env[i], entry, len) == 0) {
            env[i] = entry;
            return;
        }
    env[(*n)++] = entry;
}

//  The program's environment: ours plus the HOTLINE_* variables, whose
//  strings are stored in ADDED[S_ADDED] (free them after the fork). Built
//  before fork, since the child of a threaded process may only call
//  async-signal-safe functions.
#define S_ADDED 7
static char **
s_environment (hl_worker_t *worker, hl_worker_ticket_t *t, char *added[S_ADDED])
{
    size_t n = 0;
    while (environ[n] && n < S_MAX_ENV)
        n++;
    char **env = calloc (n + S_ADDED + 1, sizeof *env);
    if (!env)
        abort ();
    memcpy (env, environ, n * sizeof *env);
    const char *role = hl_worker_ticket_role (t) == HL_WORKER_ASSIST ? "assist" : "lead";
    const char *names[S_ADDED] = {
        "HOTLINE_TICKET", "HOTLINE_ROLE", "HOTLINE_REDELIVERY", "HOTLINE_UNIT",
        "HOTLINE_REQUEST_TYPE", "HOTLINE_CATEGORY", "HOTLINE_AREA"
    };
    const char *values[S_ADDED] = {
        hl_worker_ticket_number (t), role, hl_worker_ticket_redelivery (t) ? "1" : "0",
        hl_worker_unit (worker), hl_worker_ticket_request_type (t),
        hl_worker_ticket_category (t), hl_worker_ticket_area (t)
    };
    for (size_t i = 0; i < S_ADDED; i++) {
        hl_buf_t entry = HL_BUF_INIT;
        hl_buf_printf (&entry, "%s=%s", names[i], values[i]);
        added[i] = entry.data;       //  the buffer's storage becomes the string
        s_setenv (env, &n, added[i]);
    }
    return env;
}

//  Starts the program with pipes on its stdin and stdout, in its own
//  process group (so a time limit reaches whatever it started). 0 or -1.
static int
s_spawn (s_child_t *c)
{
    int in[2], out[2];
    if (pipe2 (in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2 (out, O_CLOEXEC) != 0) {
        close (in[0]);
        close (in[1]);
        return -1;
    }
    char *added[S_ADDED];
    char **env = s_environment (c->worker, c->ticket, added);
    c->pid = fork ();
    if (c->pid == 0) {
        setpgid (0, 0);
        signal (SIGPIPE, SIG_DFL);
        if (dup2 (in[0], STDIN_FILENO) < 0 || dup2 (out[1], STDOUT_FILENO) < 0)
            _exit (127);
        execve ("/bin/sh", (char *[]) { "sh", "-c", (char *) c->opts->cmd, NULL }, env);
        _exit (127);
    }
    for (size_t i = 0; i < S_ADDED; i++)
        free (added[i]);
    free (env);
    close (in[0]);
    close (out[1]);
    if (c->pid < 0) {
        close (in[1]);
        close (out[0]);
        return -1;
    }
    setpgid (c->pid, c->pid);        //  also here: whichever runs first
    c->in_fd = in[1];
    c->out_fd = out[0];
    fcntl (c->in_fd, F_SETFL, fcntl (c->in_fd, F_GETFL) | O_NONBLOCK);
    c->lines = hl_lines_new (c->out_fd, HL_JSONL_MAX_LINE);
    return 0;
}

//  ---------------------------------------------------------------------
//  Running

//  Sends the program SIGTERM when its time is up or the worker must stop,
//  and SIGKILL if it is still there after the grace period.
static void
s_watchdog (s_child_t *c)
{
    int64_t now = hl_monotonic_us ();
    int stop = c->opts->stop && *c->opts->stop;
    if (!c->term_sent && (stop || now > c->deadline_us)) {
        if (now > c->deadline_us) {
            c->run->timed_out = 1;
            hl_warning ("%s: the program ran longer than %d s: stopping it", c->number,
                        c->opts->timeout_ms / 1000);
        }
        kill (-c->pid, SIGTERM);
        c->term_sent = 1;
        c->kill_at_us = now + (int64_t) c->opts->grace_ms * 1000;
    }
    else
    if (c->term_sent && !c->kill_sent && now > c->kill_at_us) {
        kill (-c->pid, SIGKILL);
        c->kill_sent = 1;
    }
}

//  Writes what the program's stdin takes of the ticket JSON; closes it
//  when all is written or the program closed its end.
static void
s_feed (s_child_t *c)
{
    while (c->written < c->input_len) {
        ssize_t n = write (c->in_fd, c->input + c->written, c->input_len - c->written);
        if (n > 0)
            c->written += (size_t) n;
        else
        if (n < 0 && errno == EINTR)
            continue;
        else
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        else
            break;                   //  EPIPE: it does not want the ticket
    }
    close (c->in_fd);
    c->in_fd = -1;
}

//  True if LINE holds nothing but blanks.
static int
s_blank (const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    return 1;
}

//  Applies one line the program printed, or reports why it cannot.
static void
s_on_line (s_child_t *c, const char *line, size_t len, int too_long)
{
    char err[300];
    hl_action_t action = HL_ACTION_INIT;
    size_t line_no = hl_lines_count (c->lines);
    if (!too_long && s_blank (line, len))
        return;
    if (too_long) {
        snprintf (err, sizeof err, "line longer than %d bytes", HL_JSONL_MAX_LINE);
        c->run->bad_lines++;
        hl_report_bad_line (c->opts->json, c->number, line_no, err);
        return;
    }
    if (hl_action_from_json (&action, line, len, c->number, err, sizeof err) != 0) {
        c->run->bad_lines++;
        hl_report_bad_line (c->opts->json, c->number, line_no, err);
        return;
    }
    int rc = hl_action_apply (&action, c->worker, c->number);
    c->run->actions++;
    if (rc != 0)
        c->run->failed++;
    else
    if (hl_action_settles (&action))
        c->run->settled = 1;
    hl_report_action (c->opts->json, c->number, hl_action_name (action.kind), rc, c->worker);
    hl_action_clear (&action);
}

//  Reads what the program printed and applies every complete line.
static void
s_drain (s_child_t *c)
{
    int rc = hl_lines_read (c->lines);
    const char *line;
    size_t len;
    int too_long;
    while (hl_lines_next (c->lines, &line, &len, &too_long))
        s_on_line (c, line, len, too_long);
    if (rc <= 0) {
        close (c->out_fd);
        c->out_fd = -1;
    }
}

//  Serves the program's pipes until it closed its stdout.
static void
s_pump (s_child_t *c)
{
    while (c->out_fd >= 0) {
        struct pollfd fds[2];
        size_t n = 0;
        fds[n++] = (struct pollfd) { c->out_fd, POLLIN, 0 };
        if (c->in_fd >= 0)
            fds[n++] = (struct pollfd) { c->in_fd, POLLOUT, 0 };
        s_watchdog (c);
        int rc = hl_worker_poll (c->worker, fds, n, S_SLICE_MS);
        if (rc < 0 && rc != HL_WORKER_EINTR) {
            hl_error ("%s: %s", c->number, hl_worker_error (c->worker));
            usleep (S_SLICE_MS * 1000);
        }
        if (rc <= 0)
            continue;
        if (n > 1 && fds[1].revents)
            s_feed (c);
        if (fds[0].revents)
            s_drain (c);
    }
    if (c->in_fd >= 0) {
        close (c->in_fd);
        c->in_fd = -1;
    }
}

//  Waits for the program to end (it closed its stdout, so it usually has),
//  keeping the session alive and the time limit in force.
static int
s_reap (s_child_t *c)
{
    int status;
    for (;;) {
        pid_t r = waitpid (c->pid, &status, WNOHANG);
        if (r == c->pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        s_watchdog (c);
        hl_worker_poll (c->worker, NULL, 0, 20);
    }
    return WIFEXITED (status) ? WEXITSTATUS (status)
         : WIFSIGNALED (status) ? 128 + WTERMSIG (status) : -1;
}

int
hl_runner_run (const hl_runner_opts_t *opts, hl_worker_t *worker, hl_worker_ticket_t *ticket,
               hl_report_run_t *run)
{
    assert (opts && opts->cmd && worker && ticket && run);
    *run = (hl_report_run_t) { 0 };
    hl_buf_t input = HL_BUF_INIT;
    hl_buf_puts (&input, hl_worker_ticket_json (ticket));
    hl_buf_puts (&input, "\n");
    s_child_t c = {
        .opts = opts, .worker = worker, .ticket = ticket,
        .number = hl_worker_ticket_number (ticket), .run = run, .in_fd = -1, .out_fd = -1,
        .input = input.data, .input_len = input.len,
        .deadline_us = hl_monotonic_us () + (int64_t) opts->timeout_ms * 1000
    };
    int rc = 0;
    if (s_spawn (&c) != 0) {
        hl_error ("%s: cannot start the program: %s", c.number, strerror (errno));
        run->status = -1;
        rc = -1;
    }
    else {
        s_pump (&c);
        run->status = s_reap (&c);
    }
    hl_lines_destroy (&c.lines);
    hl_buf_free (&input);
    return rc;
}
