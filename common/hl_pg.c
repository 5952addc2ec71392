/*  hl_pg: self-healing asynchronous PostgreSQL connection. See hl_pg.h. */
#include "hl_pg.h"
#include "hl_backoff.h"
#include "hl_log.h"
#include "hl_redis.h"       //  hl_monotonic_us

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    S_DOWN,          //  no connection; reconnect timer armed
    S_CONNECTING,    //  PQconnectPoll in progress
    S_UP             //  accepting queries
} s_state_t;

//  A query accepted and not yet answered. Answers come in the order the
//  queries were sent, so the waiters form a FIFO ring; those on the wire
//  are always its first n_sent entries.
typedef struct {
    hl_pg_result_fn *fn;     //  NULL for internal queries
    void *arg;
    char *block;             //  owns params and sql
    char **params;
    const char *sql;
    int nparams;
    int script;
    int64_t sent_us;         //  0 until sent
} s_waiter_t;

struct hl_pg {
    struct event_base *base;
    hl_pg_opts_t opts;
    char *conninfo, *password, *appname;
    hl_pg_state_fn *state_fn;
    void *state_arg;

    PGconn *conn;
    s_state_t state;
    int pipeline;                //  the connection is in pipeline mode now
    int64_t connect_started_us;
    int64_t last_traffic_us;
    int64_t last_rtt_us;
    hl_backoff_t backoff;        //  the pace of reconnecting
    hl_log_limit_t down_log;     //  a server down for long fails every retry

    s_waiter_t *ring;
    size_t head, count, cap, n_sent;
    PGresult *last, *error;      //  the head query's results so far

    struct event *io_read;       //  persistent, while up
    struct event *io_write;      //  one-shot, while output is pending
    struct event *poll_ev;       //  one-shot, while connecting
    struct event *watchdog;      //  periodic: timeouts and idle probe
    struct event *reconnect;     //  one-shot: backoff expiry
};

static void s_pump (hl_pg_t *self);

void
hl_pg_opts_default (hl_pg_opts_t *opts)
{
    memset (opts, 0, sizeof *opts);
    opts->conninfo = "";
    opts->application_name = "hotline";
    opts->timeout_ms = 5000;
    opts->statement_timeout_ms = 3000;
    opts->backoff_min_ms = 100;
    opts->backoff_max_ms = 5000;
    opts->ping_idle_ms = 5000;
}

int
hl_pg_error_is (const char *err, const char *code)
{
    return err && strncmp (err, code, 5) == 0 && err[5] == ':';
}

static char *
s_strdup (const char *s)
{
    char *copy = strdup (s ? s : "");
    if (!copy)
        abort ();
    return copy;
}

//  A host name would make PQconnectStart resolve it with a blocking DNS
//  lookup on the loop thread: only unix socket directories and numeric
//  addresses are accepted (a name may go with hostaddr=).
static int
s_host_ok (const char *hosts)
{
    char copy[512];
    snprintf (copy, sizeof copy, "%s", hosts);
    char *save = NULL;
    for (char *h = strtok_r (copy, ",", &save); h; h = strtok_r (NULL, ",", &save)) {
        unsigned char buf[16];
        if (h[0] != '/' && h[0] != '@' && inet_pton (AF_INET, h, buf) != 1
            && inet_pton (AF_INET6, h, buf) != 1)
            return 0;
    }
    return 1;
}

//  The connection string must parse, carry no password (it is not a secret
//  store: hotlined.conf and flags are readable) and need no DNS lookup.
static int
s_check_conninfo (const char *conninfo, char *err, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse (conninfo, &perr);
    if (!opts) {
        snprintf (err, errlen, "bad connection string: %s", perr ? perr : "out of memory");
        PQfreemem (perr);
        return -1;
    }
    const char *host = NULL, *hostaddr = NULL;
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (strcmp (o->keyword, "password") == 0) {
            snprintf (err, errlen, "the connection string holds a password: give it in a "
                                   "0600 file or the environment instead");
            rc = -1;
        }
        if (strcmp (o->keyword, "host") == 0)
            host = o->val;
        if (strcmp (o->keyword, "hostaddr") == 0)
            hostaddr = o->val;
    }
    if (rc == 0 && host && !hostaddr && !s_host_ok (host)) {
        snprintf (err, errlen, "host '%s' is a name: resolving it would block; give a "
                               "socket directory, a numeric address or hostaddr=", host);
        rc = -1;
    }
    PQconninfoFree (opts);
    return rc;
}

static void
s_push (hl_pg_t *self, s_waiter_t w)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 64;
        s_waiter_t *ring = malloc (cap * sizeof *ring);
        if (!ring)
            abort ();
        for (size_t i = 0; i < self->count; i++)
            ring[i] = self->ring[(self->head + i) % self->cap];
        free (self->ring);
        self->ring = ring;
        self->head = 0;
        self->cap = cap;
    }
    self->ring[(self->head + self->count) % self->cap] = w;
    self->count++;
}

static s_waiter_t
s_pop (hl_pg_t *self)
{
    assert (self->count > 0);
    s_waiter_t w = self->ring[self->head];
    self->head = (self->head + 1) % self->cap;
    self->count--;
    if (self->n_sent > 0)
        self->n_sent--;
    return w;
}

//  Answers one waiter (exactly once) and frees its copies.
static void
s_answer (hl_pg_t *self, s_waiter_t *w, const PGresult *result, const char *err)
{
    if (w->fn)
        w->fn (self, result, err, w->arg);
    else
    if (err)
        hl_warning ("postgres: internal query failed: %s", err);
    free (w->block);
}

static void
s_fail_all (hl_pg_t *self, const char *err)
{
    while (self->count > 0) {
        s_waiter_t w = s_pop (self);
        s_answer (self, &w, NULL, err);
    }
}

static void
s_clear_results (hl_pg_t *self)
{
    PQclear (self->last);
    PQclear (self->error);
    self->last = self->error = NULL;
}

static void
s_free_event (struct event **ev_p)
{
    if (*ev_p)
        event_free (*ev_p);
    *ev_p = NULL;
}

static void
s_schedule_reconnect (hl_pg_t *self)
{
    struct timeval tv;
    hl_backoff_next (&self->backoff, &tv);
    evtimer_add (self->reconnect, &tv);
}

//  The connection is gone or given up on: every waiting callback fires with
//  "CODE: WHY", then the owner hears "down" once (if it had heard "up"),
//  and a reconnect is scheduled.
static void
s_went_down (hl_pg_t *self, const char *code, const char *why)
{
    int was_up = self->state == S_UP;
    char err[300];              //  WHY may be libpq's message: copied before PQfinish
    snprintf (err, sizeof err, "%s: %s", code, why);
    s_free_event (&self->io_read);
    s_free_event (&self->io_write);
    s_free_event (&self->poll_ev);
    if (self->conn)
        PQfinish (self->conn);
    self->conn = NULL;
    self->pipeline = 0;
    self->state = S_DOWN;
    s_clear_results (self);
    size_t n = strlen (err);   //  one line: libpq's messages span several
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
        err[--n] = 0;
    for (char *c = err; *c; c++)
        *c = *c == '\n' || *c == '\t' ? ' ' : *c;
    if (was_up)
        hl_warning ("postgres: connection lost: %s", err);
    else
        hl_log_limited (&self->down_log, 60000, HL_LOG_WARNING, "postgres: connect failed: %s",
                        err);
    s_schedule_reconnect (self);
    s_fail_all (self, err);
    if (was_up && self->state_fn)
        self->state_fn (self, 0, self->state_arg);
}

//  PQflush in non-blocking mode: what the socket did not take is sent
//  when it becomes writable. -1 if the connection broke (already handled).
static int
s_flush (hl_pg_t *self)
{
    int rc = PQflush (self->conn);
    if (rc == 1)
        event_add (self->io_write, NULL);
    else
    if (rc < 0) {
        s_went_down (self, "08006", PQerrorMessage (self->conn));
        return -1;
    }
    return 0;
}

//  The head query's results are complete: its callback fires.
static void
s_complete_head (hl_pg_t *self)
{
    s_waiter_t w = s_pop (self);
    int64_t now = hl_monotonic_us ();
    self->last_rtt_us = now - w.sent_us;
    self->last_traffic_us = now;
    PGresult *last = self->last, *error = self->error;
    self->last = self->error = NULL;
    if (error) {
        char err[512];
        const char *code = PQresultErrorField (error, PG_DIAG_SQLSTATE);
        const char *msg = PQresultErrorField (error, PG_DIAG_MESSAGE_PRIMARY);
        snprintf (err, sizeof err, "%s: %s", code ? code : "XX000",
                  msg ? msg : PQresultErrorMessage (error));
        s_answer (self, &w, NULL, err);
    }
    else
    if (last)
        s_answer (self, &w, last, NULL);
    else
        s_answer (self, &w, NULL, "XX000: no result");
    PQclear (last);
    PQclear (error);
}

//  Keeps the head query's last result and its first error.
static void
s_collect (hl_pg_t *self, PGresult *r)
{
    ExecStatusType st = PQresultStatus (r);
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
        //  COPY is not spoken here: end it so the connection stays usable.
        if (st != PGRES_COPY_OUT)
            PQputCopyEnd (self->conn, "COPY is not supported by hl_pg");
        PQclear (r);
        return;
    }
    if (st == PGRES_FATAL_ERROR || st == PGRES_PIPELINE_ABORTED) {
        if (!self->error)
            self->error = r;
        else
            PQclear (r);
        return;
    }
    PQclear (self->last);
    self->last = r;
}

//  Reads every result that has fully arrived. Without pipeline mode a
//  query's results end with NULL; in pipeline mode with the sync point
//  sent after it (a NULL then only separates the query from its sync).
static void
s_drain (hl_pg_t *self)
{
    int nulls = 0;
    while (self->state == S_UP && self->n_sent > 0 && !PQisBusy (self->conn)) {
        PGresult *r = PQgetResult (self->conn);
        if (!r) {
            if (!self->pipeline)
                s_complete_head (self);
            else
            if (++nulls > 1)
                break;
            continue;
        }
        nulls = 0;
        if (self->pipeline && PQresultStatus (r) == PGRES_PIPELINE_SYNC) {
            PQclear (r);
            s_complete_head (self);
        }
        else
            s_collect (self, r);
    }
}

static void
s_on_read (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_pg_t *self = arg;
    if (!PQconsumeInput (self->conn)) {
        s_went_down (self, "08006", PQerrorMessage (self->conn));
        return;
    }
    s_drain (self);
    if (self->state == S_UP && s_flush (self) == 0)
        s_pump (self);
}

static void
s_on_write (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_flush (arg);
}

//  Switches the connection into or out of pipeline mode for the next
//  query W. 0 when W may be sent now.
static int
s_mode_for (hl_pg_t *self, const s_waiter_t *w)
{
    int want = self->opts.pipeline && !w->script;
    if (want == self->pipeline)
        return want || self->n_sent == 0 ? 0 : -1;
    if (self->n_sent > 0)
        return -1;              //  a mode changes only on an idle connection
    if (want ? !PQenterPipelineMode (self->conn) : !PQexitPipelineMode (self->conn))
        return -1;
    self->pipeline = want;
    return 0;
}

//  Sends what may go on the wire now.
static void
s_pump (hl_pg_t *self)
{
    int sent = 0;
    while (self->state == S_UP && self->n_sent < self->count) {
        s_waiter_t *w = &self->ring[(self->head + self->n_sent) % self->cap];
        if (s_mode_for (self, w) != 0)
            break;
        int ok = w->script ? PQsendQuery (self->conn, w->sql)
                           : PQsendQueryParams (self->conn, w->sql, w->nparams, NULL,
                                                (const char *const *) w->params, NULL, NULL, 0);
        if (ok && self->pipeline)
            ok = PQpipelineSync (self->conn);
        if (!ok) {
            s_went_down (self, "08006", PQerrorMessage (self->conn));
            return;
        }
        w->sent_us = hl_monotonic_us ();
        self->n_sent++;
        sent = 1;
    }
    if (sent)
        s_flush (self);
}

//  Copies SQL and parameters into one block owned by the waiter: the
//  parameter pointers, their texts, then the SQL.
static s_waiter_t
s_waiter (const char *sql, int nparams, const char *const *params, hl_pg_result_fn *fn,
          void *arg)
{
    size_t size = strlen (sql) + 1 + (size_t) nparams * sizeof (char *);
    for (int i = 0; i < nparams; i++)
        size += params[i] ? strlen (params[i]) + 1 : 0;
    s_waiter_t w = { .fn = fn, .arg = arg, .nparams = nparams };
    w.block = malloc (size);
    if (!w.block)
        abort ();
    w.params = (char **) w.block;
    char *p = w.block + (size_t) nparams * sizeof (char *);
    for (int i = 0; i < nparams; i++) {
        w.params[i] = params[i] ? strcpy (p, params[i]) : NULL;
        p += params[i] ? strlen (params[i]) + 1 : 0;
    }
    w.sql = strcpy (p, sql);
    return w;
}

static int
s_enqueue (hl_pg_t *self, s_waiter_t w)
{
    if (self->state != S_UP) {
        free (w.block);
        return -1;
    }
    s_push (self, w);
    s_pump (self);
    return 0;
}

int
hl_pg_query (hl_pg_t *self, const char *sql, int nparams, const char *const *params,
             hl_pg_result_fn *fn, void *arg)
{
    assert (self && sql && nparams >= 0 && (nparams == 0 || params));
    if (self->state != S_UP)
        return -1;
    return s_enqueue (self, s_waiter (sql, nparams, params, fn, arg));
}

int
hl_pg_script (hl_pg_t *self, const char *sql, hl_pg_result_fn *fn, void *arg)
{
    assert (self && sql);
    if (self->state != S_UP)
        return -1;
    s_waiter_t w = s_waiter (sql, 0, NULL, fn, arg);
    w.script = 1;
    return s_enqueue (self, w);
}

static void s_on_poll (evutil_socket_t fd, short what, void *arg);

static void
s_poll_wait (hl_pg_t *self, short what)
{
    s_free_event (&self->poll_ev);
    self->poll_ev = event_new (self->base, PQsocket (self->conn), what, s_on_poll, self);
    if (!self->poll_ev)
        abort ();
    event_add (self->poll_ev, NULL);
}

//  The connection is made: from now on the socket is watched for answers,
//  and the server is told the statement timeout before any owner's query.
static void
s_opened (hl_pg_t *self)
{
    s_free_event (&self->poll_ev);
    PQsetnonblocking (self->conn, 1);
    int fd = PQsocket (self->conn);
    self->io_read = event_new (self->base, fd, EV_READ | EV_PERSIST, s_on_read, self);
    self->io_write = event_new (self->base, fd, EV_WRITE, s_on_write, self);
    if (!self->io_read || !self->io_write)
        abort ();
    event_add (self->io_read, NULL);
    self->state = S_UP;
    hl_backoff_reset (&self->backoff);
    self->last_traffic_us = hl_monotonic_us ();
    hl_info ("postgres: connected (server %d, backend %d)", PQserverVersion (self->conn),
             PQbackendPID (self->conn));
    char set[64];
    snprintf (set, sizeof set, "SET statement_timeout = %d", self->opts.statement_timeout_ms);
    hl_pg_query (self, set, 0, NULL, NULL, NULL);
    if (self->state == S_UP && self->state_fn)
        self->state_fn (self, 1, self->state_arg);
}

static void
s_on_poll (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_pg_t *self = arg;
    switch (PQconnectPoll (self->conn)) {
        case PGRES_POLLING_READING:
            s_poll_wait (self, EV_READ);
            break;
        case PGRES_POLLING_WRITING:
            s_poll_wait (self, EV_WRITE);
            break;
        case PGRES_POLLING_OK:
            s_opened (self);
            break;
        default:
            s_went_down (self, "08001", PQerrorMessage (self->conn));
    }
}

//  The server's notices (e.g. "already exists, skipping") go to the debug
//  log, not to stderr.
static void
s_on_notice (void *arg, const char *message)
{
    (void) arg;
    hl_debug ("postgres: %.*s", (int) strcspn (message, "\n"), message);
}

static void
s_connect (hl_pg_t *self)
{
    assert (self->state == S_DOWN && !self->conn);
    const char *keys[4] = { "dbname", "application_name" }, *vals[4] = { self->conninfo,
                                                                          self->appname };
    if (self->password) {
        keys[2] = "password";
        vals[2] = self->password;
    }
    self->conn = PQconnectStartParams (keys, vals, 1);
    if (!self->conn)
        abort ();
    PQsetNoticeProcessor (self->conn, s_on_notice, NULL);
    self->state = S_CONNECTING;
    self->connect_started_us = hl_monotonic_us ();
    if (PQstatus (self->conn) == CONNECTION_BAD || PQsocket (self->conn) < 0) {
        s_went_down (self, "08001", PQerrorMessage (self->conn));
        return;
    }
    s_poll_wait (self, EV_WRITE);
}

static void
s_on_reconnect (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_connect (arg);
}

static void
s_on_watchdog (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_pg_t *self = arg;
    int64_t now = hl_monotonic_us ();
    int64_t limit = (int64_t) self->opts.timeout_ms * 1000;
    if (self->state == S_CONNECTING && now - self->connect_started_us > limit)
        s_went_down (self, "08001", "connect timed out");
    else
    if (self->state == S_UP && self->n_sent > 0
        && now - self->ring[self->head].sent_us > limit) {
        char why[64];
        snprintf (why, sizeof why, "no answer within %d ms", self->opts.timeout_ms);
        s_went_down (self, "57014", why);
    }
    else
    if (self->state == S_UP && self->n_sent == 0 && self->count > 0)
        s_pump (self);          //  a mode change libpq refused earlier: try again
    else
    if (self->state == S_UP && self->count == 0 && self->opts.ping_idle_ms > 0
        && now - self->last_traffic_us > (int64_t) self->opts.ping_idle_ms * 1000)
        hl_pg_query (self, "SELECT 1", 0, NULL, NULL, NULL);
}

hl_pg_t *
hl_pg_new (struct event_base *base, const hl_pg_opts_t *opts, hl_pg_state_fn *state_fn,
           void *arg, char *err, size_t errlen)
{
    assert (base && opts && opts->conninfo);
    assert (opts->timeout_ms > 0 && opts->backoff_min_ms > 0);
    if (s_check_conninfo (opts->conninfo, err, errlen) != 0)
        return NULL;
    hl_pg_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->opts = *opts;
    self->conninfo = s_strdup (opts->conninfo);
    self->password = opts->password ? s_strdup (opts->password) : NULL;
    self->appname = s_strdup (opts->application_name ? opts->application_name : "hotline");
    self->opts.conninfo = self->opts.password = self->opts.application_name = NULL;
    self->state_fn = state_fn;
    self->state_arg = arg;
    hl_backoff_init (&self->backoff, opts->backoff_min_ms, opts->backoff_max_ms);
    self->watchdog = event_new (base, -1, EV_PERSIST, s_on_watchdog, self);
    self->reconnect = evtimer_new (base, s_on_reconnect, self);
    if (!self->watchdog || !self->reconnect)
        abort ();
    struct timeval tick;
    hl_backoff_watchdog_tick (opts->timeout_ms, &tick);
    event_add (self->watchdog, &tick);
    s_connect (self);
    return self;
}

void
hl_pg_destroy (hl_pg_t **self_p)
{
    assert (self_p);
    hl_pg_t *self = *self_p;
    if (!self)
        return;
    self->state_fn = NULL;
    self->state = S_DOWN;
    s_fail_all (self, "08006: connection closed");
    s_clear_results (self);
    s_free_event (&self->io_read);
    s_free_event (&self->io_write);
    s_free_event (&self->poll_ev);
    if (self->conn)
        PQfinish (self->conn);
    if (self->password)
        memset (self->password, 0, strlen (self->password));
    free (self->password);
    free (self->conninfo);
    free (self->appname);
    event_free (self->watchdog);
    event_free (self->reconnect);
    free (self->ring);
    free (self);
    *self_p = NULL;
}

int
hl_pg_is_up (const hl_pg_t *self)
{
    return self->state == S_UP;
}

size_t
hl_pg_pending (const hl_pg_t *self)
{
    return self->count;
}

int
hl_pg_backend_pid (const hl_pg_t *self)
{
    return self->state == S_UP ? PQbackendPID (self->conn) : 0;
}

int64_t
hl_pg_last_rtt_us (const hl_pg_t *self)
{
    return self->last_rtt_us;
}
