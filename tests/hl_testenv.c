/*  hl_testenv: real processes for black-box tests. See hl_testenv.h. */
#include "hl_testenv.h"
#include "hl_client.h"
#include "hl_wire.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct hl_testenv {
    char dir[256];
    int redis_port;
    int intake_port;
    int worker_port;
    char redis_address[64];
    char endpoint[64];
    char worker_endpoint[64];
    char events_endpoint[64];
    char log[300];
    pid_t redis_pid;
    pid_t replica_pid;          //  a replica of the private Redis, or 0
    pid_t daemon_pid;
    redisContext *redis;
    hl_curve_client_t keys;     //  CURVE on the intake: the test's own keys
    int curve;
};

long long
hl_testenv_now_ms (void)
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

//  A port below the kernel's ephemeral range: the many outgoing
//  connections of the tests (clients, workers, Redis links) take their
//  local ports from that range, and one of them could take a port handed
//  out here before hotlined or Redis binds it.
int
hl_testenv_free_port (void)
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
        seed = (unsigned) getpid () ^ (unsigned) hl_testenv_now_ms ();
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

void
hl_testenv_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

//  fork + exec with stdout and stderr to LOG; or, when PIPE_FD is not
//  NULL, stdout to a pipe read by the caller and stderr to LOG. The child
//  dies with the test process.
pid_t
hl_testenv_spawn (const char *const *argv, const char *log, int *pipe_fd)
{
    int fds[2] = { -1, -1 };
    if (pipe_fd && pipe (fds) != 0)
        return -1;
    pid_t pid = fork ();
    if (pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        int err = log ? open (log, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
        int out = pipe_fd ? fds[1] : err;
        if (out >= 0)
            dup2 (out, 1);
        if (err >= 0)
            dup2 (err, 2);
        if (pipe_fd)
            close (fds[0]);
        execvp (argv[0], (char *const *) argv);
        _exit (127);
    }
    if (pipe_fd) {
        close (fds[1]);
        *pipe_fd = fds[0];
    }
    return pid;
}

hl_testenv_t *
hl_testenv_new (const char *name)
{
    hl_testenv_t *self = calloc (1, sizeof *self);
    assert (self);
    const char *base = getenv ("HL_TEST_TMPDIR") ? getenv ("HL_TEST_TMPDIR") : "/tmp";
    snprintf (self->dir, sizeof self->dir, "%s/hl-%s-XXXXXX", base, name);
    if (!mkdtemp (self->dir)) {
        free (self);
        return NULL;
    }
    self->redis_port = hl_testenv_free_port ();
    self->intake_port = hl_testenv_free_port ();
    self->worker_port = hl_testenv_free_port ();
    snprintf (self->worker_endpoint, sizeof self->worker_endpoint, "tcp://127.0.0.1:%d",
              self->worker_port);
    snprintf (self->events_endpoint, sizeof self->events_endpoint, "tcp://127.0.0.1:%d",
              hl_testenv_free_port ());
    snprintf (self->redis_address, sizeof self->redis_address, "127.0.0.1:%d", self->redis_port);
    snprintf (self->endpoint, sizeof self->endpoint, "tcp://127.0.0.1:%d", self->intake_port);
    snprintf (self->log, sizeof self->log, "%s/hotlined.log", self->dir);
    signal (SIGPIPE, SIG_IGN);
    return self;
}

static void
s_reap (pid_t *pid, int sig)
{
    if (*pid > 0) {
        kill (*pid, SIGCONT);
        kill (*pid, sig);
        waitpid (*pid, NULL, 0);
    }
    *pid = 0;
}

void
hl_testenv_destroy (hl_testenv_t **self_p)
{
    hl_testenv_t *self = *self_p;
    if (!self)
        return;
    s_reap (&self->daemon_pid, SIGKILL);
    if (self->redis)
        redisFree (self->redis);
    s_reap (&self->redis_pid, SIGKILL);
    if (self->replica_pid > 0)
        kill (self->replica_pid, SIGCONT);
    s_reap (&self->replica_pid, SIGKILL);
    char cmd[300];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", self->dir);
    if (!getenv ("HL_TEST_KEEP") && system (cmd) != 0)
        fprintf (stderr, "testenv: could not remove %s\n", self->dir);
    free (self);
    *self_p = NULL;
}

int
hl_testenv_redis_ping (int port)
{
    struct timeval tv = { 0, 200000 };
    redisContext *c = redisConnectWithTimeout ("127.0.0.1", port, tv);
    int ok = 0;
    if (c && !c->err) {
        redisSetTimeout (c, tv);
        redisReply *r = redisCommand (c, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS;
        if (r)
            freeReplyObject (r);
    }
    if (c)
        redisFree (c);
    return ok;
}

int
hl_testenv_redis_start (hl_testenv_t *self)
{
    char port[16], log[300];
    snprintf (port, sizeof port, "%d", self->redis_port);
    snprintf (log, sizeof log, "%s/redis.log", self->dir);
    const char *argv[] = { "redis-server", "--port", port, "--bind", "127.0.0.1",
                           "--dir", self->dir, "--appendonly", "yes",
                           "--appendfsync", "everysec", "--save", "",
                           "--logfile", log, NULL };
    self->redis_pid = hl_testenv_spawn (argv, log, NULL);
    for (int i = 0; i < 100; i++) {
        if (hl_testenv_redis_ping (self->redis_port))
            return 0;
        hl_testenv_sleep_ms (50);
    }
    fprintf (stderr, "testenv: redis-server did not start on port %d\n", self->redis_port);
    return -1;
}

void
hl_testenv_redis_stop (hl_testenv_t *self)
{
    if (self->redis) {
        redisFree (self->redis);
        self->redis = NULL;
    }
    s_reap (&self->redis_pid, SIGTERM);
}

int
hl_testenv_replica_start (hl_testenv_t *self)
{
    char port[16], master[16], dir[300], log[300];
    int replica_port = hl_testenv_free_port ();
    snprintf (port, sizeof port, "%d", replica_port);
    snprintf (master, sizeof master, "%d", self->redis_port);
    snprintf (dir, sizeof dir, "%s/replica", self->dir);
    snprintf (log, sizeof log, "%s/replica.log", self->dir);
    mkdir (dir, 0700);
    //  The first sync would otherwise wait 5 s for more replicas to join.
    redisReply *c = redisCommand (hl_testenv_redis (self), "CONFIG SET repl-diskless-sync-delay 0");
    if (c)
        freeReplyObject (c);
    const char *argv[] = { "redis-server", "--port", port, "--bind", "127.0.0.1",
                           "--dir", dir, "--appendonly", "yes", "--save", "",
                           "--replicaof", "127.0.0.1", master, "--logfile", log, NULL };
    self->replica_pid = hl_testenv_spawn (argv, log, NULL);
    //  Ready once the primary counts it as a replica in sync, and the
    //  replica acknowledges a write (it may still be loading the first sync
    //  or rewriting its own AOF after "online").
    for (int i = 0; i < 100; i++) {
        redisReply *r = redisCommand (hl_testenv_redis (self), "INFO replication");
        int up = r && r->type == REDIS_REPLY_STRING && strstr (r->str, "state=online");
        if (r)
            freeReplyObject (r);
        if (up) {
            r = redisCommand (hl_testenv_redis (self), "SET hl:testenv:replica 1");
            if (r)
                freeReplyObject (r);
            r = redisCommand (hl_testenv_redis (self), "WAIT 1 10000");
            int acked = r && r->type == REDIS_REPLY_INTEGER && r->integer >= 1;
            if (r)
                freeReplyObject (r);
            if (acked)
                return 0;
        }
        hl_testenv_sleep_ms (50);
    }
    fprintf (stderr, "testenv: the replica did not connect (log %s)\n", log);
    return -1;
}

void
hl_testenv_replica_pause (hl_testenv_t *self, int paused)
{
    if (self->replica_pid > 0)
        kill (self->replica_pid, paused ? SIGSTOP : SIGCONT);
}

void
hl_testenv_redis_pause (hl_testenv_t *self, int paused)
{
    if (self->redis_pid > 0)
        kill (self->redis_pid, paused ? SIGSTOP : SIGCONT);
}

pid_t
hl_testenv_daemon_spawn (hl_testenv_t *self, const char *const *args)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = getenv ("HL_HOTLINED") ? getenv ("HL_HOTLINED") : "hotlined";
    argv[n++] = "--endpoint";
    argv[n++] = self->endpoint;
    argv[n++] = "--redis";
    argv[n++] = self->redis_address;
    argv[n++] = "--codes";
    argv[n++] = getenv ("HL_CODES") ? getenv ("HL_CODES") : "deploy/etc/codes.conf";
    argv[n++] = "--dispatch";
    argv[n++] = getenv ("HL_DISPATCH") ? getenv ("HL_DISPATCH") : "deploy/etc/dispatch.conf";
    argv[n++] = "--worker-endpoint";
    argv[n++] = self->worker_endpoint;
    argv[n++] = "--sla";
    argv[n++] = getenv ("HL_SLA") ? getenv ("HL_SLA") : "deploy/etc/sla.conf";
    argv[n++] = "--calendar-dir";
    argv[n++] = getenv ("HL_CALENDAR") ? getenv ("HL_CALENDAR") : "deploy/etc/calendar";
    argv[n++] = "--events-endpoint";
    argv[n++] = self->events_endpoint;
    argv[n++] = "--log-level";
    argv[n++] = "debug";
    for (int i = 0; args && args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    self->daemon_pid = hl_testenv_spawn (argv, self->log, NULL);
    return self->daemon_pid;
}

//  Ready means: answers a status query and reports the store up.
static int
s_daemon_ready (hl_testenv_t *self)
{
    hl_client_t *client = hl_client_new_keyed (self->endpoint, self->curve ? &self->keys : NULL);
    Hotline__StatusQuery q = HOTLINE__STATUS_QUERY__INIT;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT, *reply = NULL;
    env.body_case = HOTLINE__ENVELOPE__BODY_STATUS_QUERY;
    env.status_query = &q;
    char err[256];
    int ready = hl_client_request (client, &env, &reply, 300, 300, err, sizeof err) == 0
             && reply->body_case == HOTLINE__ENVELOPE__BODY_STATUS && reply->status->store_up;
    hl_wire_free (&reply);
    hl_client_destroy (&client);
    return ready;
}

void
hl_testenv_set_keys (hl_testenv_t *self, const hl_curve_client_t *keys)
{
    self->curve = keys != NULL;
    if (keys)
        self->keys = *keys;
}

int
hl_testenv_daemon_start (hl_testenv_t *self, const char *const *args)
{
    if (hl_testenv_daemon_spawn (self, args) < 0)
        return -1;
    for (int i = 0; i < 50; i++) {
        if (s_daemon_ready (self))
            return 0;
        int status;
        if (waitpid (self->daemon_pid, &status, WNOHANG) == self->daemon_pid) {
            fprintf (stderr, "testenv: hotlined exited at start (log %s):\n", self->log);
            char cmd[400];
            snprintf (cmd, sizeof cmd, "tail -n 5 '%s' >&2", self->log);
            if (system (cmd) != 0)
                fprintf (stderr, "testenv: no log\n");
            self->daemon_pid = 0;
            return -1;
        }
    }
    fprintf (stderr, "testenv: hotlined not ready (log %s)\n", self->log);
    return -1;
}

void
hl_testenv_daemon_signal (hl_testenv_t *self, int sig)
{
    if (self->daemon_pid > 0)
        kill (self->daemon_pid, sig);
}

int
hl_testenv_daemon_wait (hl_testenv_t *self, int timeout_ms)
{
    long long until = hl_testenv_now_ms () + timeout_ms;
    while (self->daemon_pid > 0) {
        int status;
        pid_t r = waitpid (self->daemon_pid, &status, WNOHANG);
        if (r == self->daemon_pid) {
            self->daemon_pid = 0;
            return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        }
        if (hl_testenv_now_ms () > until) {
            s_reap (&self->daemon_pid, SIGKILL);
            return -1;
        }
        hl_testenv_sleep_ms (10);
    }
    return -1;
}

const char *
hl_testenv_endpoint (const hl_testenv_t *self)
{
    return self->endpoint;
}

void
hl_testenv_share_redis (hl_testenv_t *self, const hl_testenv_t *other)
{
    self->redis_port = other->redis_port;
    snprintf (self->redis_address, sizeof self->redis_address, "%s", other->redis_address);
}

const char *
hl_testenv_events_endpoint (const hl_testenv_t *self)
{
    return self->events_endpoint;
}

const char *
hl_testenv_worker_endpoint (const hl_testenv_t *self)
{
    return self->worker_endpoint;
}

const char *
hl_testenv_redis_address (const hl_testenv_t *self)
{
    return self->redis_address;
}

const char *
hl_testenv_daemon_log (const hl_testenv_t *self)
{
    return self->log;
}

const char *
hl_testenv_dir (const hl_testenv_t *self)
{
    return self->dir;
}

redisContext *
hl_testenv_redis (hl_testenv_t *self)
{
    if (!self->redis) {
        struct timeval tv = { 2, 0 };
        self->redis = redisConnectWithTimeout ("127.0.0.1", self->redis_port, tv);
        if (self->redis)
            redisSetTimeout (self->redis, tv);
    }
    return self->redis;
}

int
hl_testenv_client (hl_testenv_t *self, const char *const *args, char **out)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = getenv ("HL_HOTLINE") ? getenv ("HL_HOTLINE") : "hotline";
    argv[n++] = "--endpoint";
    argv[n++] = self->endpoint;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    int fd;
    char errlog[300];
    snprintf (errlog, sizeof errlog, "%s/client.err", self->dir);
    unlink (errlog);
    pid_t pid = hl_testenv_spawn (argv, errlog, &fd);
    char *buf = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&buf, &size);
    char chunk[4096];
    ssize_t got;
    while ((got = read (fd, chunk, sizeof chunk)) > 0)
        fwrite (chunk, 1, (size_t) got, mem);
    close (fd);
    fclose (mem);
    int status;
    waitpid (pid, &status, 0);
    if (out)
        *out = buf;
    else
        free (buf);
    return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

Hotline__Envelope *
hl_testenv_request (hl_testenv_t *self, Hotline__Envelope *req)
{
    hl_client_t *client = hl_client_new_keyed (self->endpoint, self->curve ? &self->keys : NULL);
    Hotline__Envelope *reply = NULL;
    char err[256];
    if (hl_client_request (client, req, &reply, 5000, 1000, err, sizeof err) != 0)
        fprintf (stderr, "request: %s\n", err);
    hl_client_destroy (&client);
    return reply;
}

Hotline__Envelope *
hl_testenv_show (hl_testenv_t *self, const char *ticket)
{
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (ticket);
    Hotline__Envelope req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    req.ticket_query = &q;
    return hl_testenv_request (self, &req);
}

int
hl_testenv_done_to (Hotline__Envelope *reply, int to)
{
    int ok = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE
          && (int) reply->transition_done->to_state == to;
    if (!ok)
        fprintf (stderr, "expected -> %s, got %s\n", hl_wire_state_name (to),
                 reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
                 ? reply->nack->message : "no transition");
    hl_wire_free (&reply);
    return ok;
}

void
hl_testenv_complaint (Hotline__Complaint *c, int channel, int type, const char *category,
                      const char *area, const char *content, char rid[33])
{
    hl_client_new_request_id (rid);
    hotline__complaint__init (c);
    c->has_channel = c->has_request_type = c->has_category = c->has_area = 1;
    c->channel = channel;
    c->request_type = type;
    c->category = hl_wire_bytes (category);
    c->area = hl_wire_bytes (area);
    c->has_caller_phone = c->has_content = c->has_request_id = 1;
    c->caller_phone = hl_wire_bytes ("13800138000");
    c->content = hl_wire_bytes (content);
    c->request_id = hl_wire_bytes (rid);
}

void
hl_testenv_file (hl_testenv_t *self, Hotline__Complaint *c, char out[48])
{
    Hotline__Envelope req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    req.complaint = c;
    Hotline__Envelope *ack = hl_testenv_request (self, &req);
    out[0] = 0;
    if (ack && ack->body_case == HOTLINE__ENVELOPE__BODY_ACK)
        snprintf (out, 48, "%s", ack->ack->ticket);
    hl_wire_free (&ack);
}

long long
hl_testenv_beijing_ms (int y, int mo, int d, int h, int mi)
{
    //  Days from the civil date (proleptic Gregorian), then UTC+8.
    y -= mo <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097LL + doe - 719468;
    return ((days * 24 + h - 8) * 60 + mi) * 60000LL;
}

int
hl_testenv_set_clock (hl_testenv_t *self, long long now_ms)
{
    Hotline__ClockSet c = HOTLINE__CLOCK_SET__INIT;
    c.has_now_ms = 1;
    c.now_ms = (uint64_t) now_ms;
    Hotline__Envelope req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_CLOCK_SET;
    req.clock_set = &c;
    Hotline__Envelope *r = hl_testenv_request (self, &req);
    int ok = r && r->body_case == HOTLINE__ENVELOPE__BODY_STATUS;
    hl_wire_free (&r);
    hl_testenv_sleep_ms (300);            //  let the reminders due by then fire
    return ok ? 0 : -1;
}
