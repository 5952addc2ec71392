/*  hl_testenv: real processes for black-box tests. See hl_testenv.h. */
#include "hl_testenv.h"
#include "hl_bucket.h"
#include "hl_callerix.h"
#include "hl_client.h"
#include "hl_proc.h"
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
    int events_port;
    char redis_address[64];
    char redis_nodes[300];      //  hotlined's redis_nodes file ("": the private Redis)
    char endpoint[64];
    char worker_endpoint[64];
    char events_endpoint[64];
    char log[300];
    pid_t redis_pid;
    pid_t replica_pid;          //  a replica of the private Redis, or 0
    pid_t daemon_pid;
    int redis_started;          //  Redis or hotlined ran before: restarts keep their ports
    int daemon_started;
    redisContext *redis;
    hl_curve_client_t keys;     //  CURVE on the intake: the test's own keys
    int curve;
};

long long
hl_testenv_now_ms (void)
{
    return hl_proc_now_ms ();
}

void
hl_testenv_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

//  The endpoint strings of the ports in use.
static void
s_addresses (hl_testenv_t *self)
{
    snprintf (self->redis_address, sizeof self->redis_address, "127.0.0.1:%d", self->redis_port);
    snprintf (self->endpoint, sizeof self->endpoint, "tcp://127.0.0.1:%d", self->intake_port);
    snprintf (self->worker_endpoint, sizeof self->worker_endpoint, "tcp://127.0.0.1:%d",
              self->worker_port);
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
    self->redis_port = hl_proc_free_port ();
    self->intake_port = hl_proc_free_port ();
    self->worker_port = hl_proc_free_port ();
    self->events_port = hl_proc_free_port ();
    snprintf (self->events_endpoint, sizeof self->events_endpoint, "tcp://127.0.0.1:%d",
              self->events_port);
    s_addresses (self);
    snprintf (self->log, sizeof self->log, "%s/hotlined.log", self->dir);
    signal (SIGPIPE, SIG_IGN);
    return self;
}

void
hl_testenv_destroy (hl_testenv_t **self_p)
{
    hl_testenv_t *self = *self_p;
    if (!self)
        return;
    hl_proc_stop (self->daemon_pid, SIGKILL);
    if (self->redis)
        redisFree (self->redis);
    hl_proc_stop (self->redis_pid, SIGKILL);
    hl_proc_stop (self->replica_pid, SIGKILL);
    char cmd[300];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", self->dir);
    if (!getenv ("HL_TEST_KEEP") && system (cmd) != 0)
        fprintf (stderr, "testenv: could not remove %s\n", self->dir);
    free (self);
    *self_p = NULL;
}

//  Redis is ready (READY=1) once it has loaded its data. Only the first
//  start may move to another port (a lost race for it); a restart keeps
//  the address hotlined knows.
int
hl_testenv_redis_start (hl_testenv_t *self)
{
    char log[300];
    snprintf (log, sizeof log, "%s/redis.log", self->dir);
    const char *argv[] = { "redis-server", "--port", "@PORT0@", "--bind", "127.0.0.1",
                           "--dir", self->dir, "--appendonly", "yes",
                           "--appendfsync", "everysec", "--save", "",
                           "--supervised", "systemd", "--logfile", log, NULL };
    int ports[HL_PROC_PORTS] = { self->redis_port };
    hl_proc_opts_t opts = { .log = log, .repick = !self->redis_started };
    self->redis_pid = hl_proc_start (argv, ports, &opts);
    if (self->redis_pid < 0) {
        self->redis_pid = 0;
        return -1;
    }
    self->redis_started = 1;
    self->redis_port = ports[0];
    s_addresses (self);
    return 0;
}

void
hl_testenv_redis_stop (hl_testenv_t *self)
{
    if (self->redis) {
        redisFree (self->redis);
        self->redis = NULL;
    }
    hl_proc_stop (self->redis_pid, SIGTERM);
    self->redis_pid = 0;
}

//  A replica says READY=1 after its first sync; it is ready for the
//  tests once it acknowledges a write (WAIT), which it may do only after
//  loading that sync and rewriting its own AOF.
int
hl_testenv_replica_start (hl_testenv_t *self)
{
    char master[16], dir[300], log[300];
    snprintf (master, sizeof master, "%d", self->redis_port);
    snprintf (dir, sizeof dir, "%s/replica", self->dir);
    snprintf (log, sizeof log, "%s/replica.log", self->dir);
    mkdir (dir, 0700);
    //  The first sync would otherwise wait 5 s for more replicas to join.
    redisReply *c = redisCommand (hl_testenv_redis (self), "CONFIG SET repl-diskless-sync-delay 0");
    if (c)
        freeReplyObject (c);
    const char *argv[] = { "redis-server", "--port", "@PORT0@", "--bind", "127.0.0.1",
                           "--dir", dir, "--appendonly", "yes", "--save", "",
                           "--replicaof", "127.0.0.1", master, "--supervised", "systemd",
                           "--logfile", log, NULL };
    int ports[HL_PROC_PORTS] = { 0 };
    hl_proc_opts_t opts = { .log = log, .repick = 1 };
    self->replica_pid = hl_proc_start (argv, ports, &opts);
    if (self->replica_pid < 0) {
        self->replica_pid = 0;
        return -1;
    }
    redisReply *r = redisCommand (hl_testenv_redis (self), "SET hl:testenv:replica 1");
    if (r)
        freeReplyObject (r);
    r = redisCommand (hl_testenv_redis (self), "WAIT 1 10000");
    int acked = r && r->type == REDIS_REPLY_INTEGER && r->integer >= 1;
    if (r)
        freeReplyObject (r);
    if (!acked)
        fprintf (stderr, "testenv: the replica did not acknowledge a write (log %s)\n", log);
    return acked ? 0 : -1;
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

//  hotlined's command line: the test's ARGS after the harness's own, with
//  ENDPOINT, WORKER and EVENTS as given (ports or "@PORTn@").
static void
s_daemon_argv (hl_testenv_t *self, const char *const *args, const char *endpoint,
               const char *worker, const char *events, const char **argv)
{
    int n = 0;
    argv[n++] = getenv ("HL_HOTLINED") ? getenv ("HL_HOTLINED") : "hotlined";
    argv[n++] = "--endpoint";
    argv[n++] = endpoint;
    argv[n++] = *self->redis_nodes ? "--redis-nodes" : "--redis";
    argv[n++] = *self->redis_nodes ? self->redis_nodes : self->redis_address;
    argv[n++] = "--codes";
    argv[n++] = getenv ("HL_CODES") ? getenv ("HL_CODES") : "deploy/etc/codes.conf";
    argv[n++] = "--dispatch";
    argv[n++] = getenv ("HL_DISPATCH") ? getenv ("HL_DISPATCH") : "deploy/etc/dispatch.conf";
    argv[n++] = "--worker-endpoint";
    argv[n++] = worker;
    argv[n++] = "--sla";
    argv[n++] = getenv ("HL_SLA") ? getenv ("HL_SLA") : "deploy/etc/sla.conf";
    argv[n++] = "--calendar-dir";
    argv[n++] = getenv ("HL_CALENDAR") ? getenv ("HL_CALENDAR") : "deploy/etc/calendar";
    argv[n++] = "--events-endpoint";
    argv[n++] = events;
    argv[n++] = "--log-level";
    argv[n++] = "debug";
    for (int i = 0; args && args[i] && n < 62; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
}

pid_t
hl_testenv_daemon_spawn (hl_testenv_t *self, const char *const *args)
{
    const char *argv[64];
    s_daemon_argv (self, args, self->endpoint, self->worker_endpoint, self->events_endpoint,
                   argv);
    hl_proc_opts_t opts = { .log = self->log };
    self->daemon_pid = hl_proc_spawn (argv, &opts, NULL);
    return self->daemon_pid;
}

void
hl_testenv_set_keys (hl_testenv_t *self, const hl_curve_client_t *keys)
{
    self->curve = keys != NULL;
    if (keys)
        self->keys = *keys;
}

//  hotlined says READY=1 once its store is up. The first start may move
//  to other ports (a lost race for one); restarts keep the endpoints the
//  test's clients and workers know.
int
hl_testenv_daemon_start (hl_testenv_t *self, const char *const *args)
{
    const char *argv[64];
    s_daemon_argv (self, args, "tcp://127.0.0.1:@PORT0@", "tcp://127.0.0.1:@PORT1@",
                   "tcp://127.0.0.1:@PORT2@", argv);
    int ports[HL_PROC_PORTS] = { self->intake_port, self->worker_port, self->events_port };
    hl_proc_opts_t opts = { .log = self->log, .repick = !self->daemon_started };
    self->daemon_pid = hl_proc_start (argv, ports, &opts);
    if (self->daemon_pid < 0) {
        self->daemon_pid = 0;
        char cmd[400];
        snprintf (cmd, sizeof cmd, "tail -n 5 '%s' >&2", self->log);
        if (system (cmd) != 0)
            fprintf (stderr, "testenv: no log\n");
        return -1;
    }
    self->daemon_started = 1;
    self->intake_port = ports[0];
    self->worker_port = ports[1];
    self->events_port = ports[2];
    s_addresses (self);
    snprintf (self->events_endpoint, sizeof self->events_endpoint, "tcp://127.0.0.1:%d",
              self->events_port);
    return 0;
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
    if (self->daemon_pid <= 0)
        return -1;
    int status = hl_proc_wait (self->daemon_pid, timeout_ms);
    if (status < 0)
        hl_proc_stop (self->daemon_pid, SIGKILL);
    self->daemon_pid = 0;
    return status;
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

int
hl_testenv_use_nodes (hl_testenv_t *self, const char *const *addresses, int n)
{
    snprintf (self->redis_nodes, sizeof self->redis_nodes, "%s/redis-nodes", self->dir);
    FILE *f = fopen (self->redis_nodes, "w");
    if (!f)
        return -1;
    fprintf (f, "# the test's cluster\n");
    for (int i = 0; i < n; i++)
        fprintf (f, "%s\n", addresses[i]);
    return fclose (f);
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
    hl_proc_opts_t opts = { .log = errlog };
    pid_t pid = hl_proc_spawn (argv, &opts, &fd);
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
hl_testenv_staff (hl_testenv_t *self, const char *actor, const char *ticket,
                  Hotline__Action action, const Hotline__Transition *extra)
{
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    if (extra)
        t = *extra;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (ticket);
    t.has_action = 1;
    t.action = action;
    t.has_actor = 1;
    t.actor = hl_wire_bytes (actor);
    Hotline__Envelope req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    req.transition = &t;
    return hl_testenv_request (self, &req);
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

//  Whether BUCKET's outbox is drained: no entry there, or groups that have
//  all read and acknowledged every one (hl_outbox_figures).
static int
s_outbox_drained (redisContext *rc, int bucket)
{
    char key[HL_BUCKET_KEY_MAX];
    hl_bucket_own_key (key, sizeof key, bucket, HL_OUTBOX_KIND);
    redisReply *len = redisCommand (rc, "XLEN %s", key);
    redisReply *f = redisCommand (rc, "FCALL_RO hl_outbox_figures 1 %s", key);
    int drained = len && len->type == REDIS_REPLY_INTEGER && f && f->type == REDIS_REPLY_ARRAY
                  && (f->elements > 0 || len->integer == 0);
    for (size_t i = 0; drained && i + 2 < f->elements + 0; i += 3)
        drained = f->element[i + 1]->integer == 0 && f->element[i + 2]->integer == 0;
    if (len)
        freeReplyObject (len);
    if (f)
        freeReplyObject (f);
    return drained;
}

int
hl_testenv_outbox_drained (hl_testenv_t *self, int timeout_ms)
{
    return hl_testenv_outbox_drained_on (hl_testenv_redis (self), timeout_ms);
}

int
hl_testenv_outbox_drained_on (redisContext *rc, int timeout_ms)
{
    long long until = hl_testenv_now_ms () + timeout_ms;
    int bucket = 0;
    while (bucket < HL_TICKET_BUCKETS) {
        if (s_outbox_drained (rc, bucket))
            bucket++;
        else
        if (hl_testenv_now_ms () > until) {
            if (timeout_ms > 0)
                fprintf (stderr, "testenv: the outbox of bucket %d is not drained\n", bucket);
            return -1;
        }
        else
            hl_testenv_sleep_ms (5);
    }
    return 0;
}

const char *
hl_testenv_tkey (const char *ticket, const char *kind)
{
    static _Thread_local char keys[8][HL_BUCKET_KEY_MAX];
    static _Thread_local unsigned next;
    char *key = keys[next++ % 8];
    hl_bucket_ticket_key (key, HL_BUCKET_KEY_MAX, ticket, kind);
    return key;
}

long long
hl_testenv_caller_listed (redisContext *rc, const char *token, const char *ticket)
{
    char key[HL_CALLERIX_KEY_MAX], max[HL_CALLERIX_MEMBER_MAX], min[HL_CALLERIX_MEMBER_MAX];
    if (hl_callerix_key (key, sizeof key, token) < 0
        || hl_callerix_range (max, min, sizeof max, token, 0, UINT64_MAX) != 0)
        return -1;
    redisReply *r = redisCommand (rc, "ZRANGEBYLEX %s %s %s", key, min, max);
    long long at = -1;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        size_t len;
        const char *t = hl_callerix_ticket (r->element[i]->str, r->element[i]->len, &len);
        if (t && strcmp (t, ticket) == 0)
            at = atoll (strchr (r->element[i]->str, '|') + 1);
    }
    if (r)
        freeReplyObject (r);
    return at;
}

char *
hl_testenv_http_get (int port, const char *path, const char *token, int *status)
{
    char cmd[600];
    snprintf (cmd, sizeof cmd, "curl -s -w '\\n%%{http_code}' %s%s%s 'http://127.0.0.1:%d%s'",
              token ? "-H 'Authorization: Bearer " : "", token ? token : "", token ? "'" : "",
              port, path);
    FILE *p = popen (cmd, "r");
    char *body = NULL;
    size_t size = 0;
    FILE *mem = open_memstream (&body, &size);
    char chunk[4096];
    size_t n;
    while (p && (n = fread (chunk, 1, sizeof chunk, p)) > 0)
        fwrite (chunk, 1, n, mem);
    if (p)
        pclose (p);
    fclose (mem);
    char *last = strrchr (body, '\n');
    *status = last ? atoi (last + 1) : 0;
    if (last)
        *last = 0;
    return body;
}

pid_t
hl_testenv_bare_redis (int *port, char address[32])
{
    const char *argv[] = { "redis-server", "--port", "@PORT0@", "--bind", "127.0.0.1",
                           "--save", "", "--supervised", "systemd", NULL };
    int ports[HL_PROC_PORTS] = { 0 };
    pid_t pid = hl_proc_start (argv, ports, NULL);
    *port = ports[0];
    snprintf (address, 32, "127.0.0.1:%d", ports[0]);
    return pid;
}
