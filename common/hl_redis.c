/*  hl_redis: self-healing asynchronous Redis connection. See hl_redis.h. */
#include "hl_redis.h"
#include "hl_backoff.h"
#include "hl_log.h"

#include <assert.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  How much of its reply buffer a connection keeps once the replies in it
//  were read, rather than freeing it and growing it again from empty.
#define S_KEEP_BUF (256 * 1024)

typedef enum {
    S_DOWN,          //  no context; reconnect timer armed
    S_CONNECTING,    //  context exists, TCP/unix connect in progress
    S_OPENING,       //  connected; "up" notification not delivered yet
    S_UP             //  accepting commands
} s_state_t;

//  A command waiting for its reply. Replies come back in the order the
//  commands were sent, so the waiting commands form a FIFO ring.
typedef struct {
    hl_redis_reply_fn *fn;   //  NULL for internal PINGs
    void *arg;
    int64_t sent_us;
} s_waiter_t;

struct hl_redis {
    struct event_base *base;
    hl_redis_opts_t opts;
    char address[256];
    char host[200];
    int port;                    //  0 for a unix socket (path in host)
    char *user, *password;       //  AUTH after connecting, if set
    int auth_refused;            //  the watchdog drops this connection
    hl_log_limit_t auth_log;     //  a refused AUTH repeats at every reconnect
    hl_redis_state_fn *state_fn;
    void *state_arg;

    redisAsyncContext *ac;       //  current context, NULL when S_DOWN
    s_state_t state;
    int64_t connect_started_us;
    int64_t last_traffic_us;
    int64_t last_rtt_us;
    hl_backoff_t backoff;        //  the pace of reconnecting

    s_waiter_t *ring;            //  waiting commands, FIFO
    size_t head, count, cap;

    struct event *watchdog;      //  periodic: timeouts and idle PING
    struct event *reconnect;     //  one-shot: backoff expiry
    struct event *opened;        //  one-shot: deliver "up" from the loop
    const hl_redis_locator_t *locator;  //  where the primary is (NULL: fixed address)
    struct event *relocate;      //  one-shot: follow the locator from the loop
    struct event *flush;         //  one-shot: write this pass's commands at its end
    int stale;                   //  the locator was told this connection is not
                                 //  the primary's; drop it at the next relocate
};

int64_t
hl_monotonic_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
hl_redis_opts_default (hl_redis_opts_t *opts)
{
    memset (opts, 0, sizeof *opts);
    opts->address = "127.0.0.1:6379";
    opts->timeout_ms = 2000;
    opts->backoff_min_ms = 50;
    opts->backoff_max_ms = 2000;
    opts->ping_idle_ms = 1000;
}

static int
s_parse_address (hl_redis_t *self, const char *address)
{
    snprintf (self->address, sizeof self->address, "%s", address);
    if (strncmp (address, "unix:", 5) == 0) {
        if (strlen (address + 5) == 0 || strlen (address + 5) >= sizeof self->host)
            return -1;
        snprintf (self->host, sizeof self->host, "%s", address + 5);
        self->port = 0;
        return 0;
    }
    const char *colon = strrchr (address, ':');
    if (!colon || colon == address || (size_t) (colon - address) >= sizeof self->host)
        return -1;
    char *end;
    long port = strtol (colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        return -1;
    memcpy (self->host, address, (size_t) (colon - address));
    self->host[colon - address] = 0;
    self->port = (int) port;
    return 0;
}

static void
s_push (hl_redis_t *self, hl_redis_reply_fn *fn, void *arg)
{
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 256;
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
    s_waiter_t *w = &self->ring[(self->head + self->count) % self->cap];
    w->fn = fn;
    w->arg = arg;
    w->sent_us = hl_monotonic_us ();
    self->count++;
}

static s_waiter_t
s_pop (hl_redis_t *self)
{
    assert (self->count > 0);
    s_waiter_t w = self->ring[self->head];
    self->head = (self->head + 1) % self->cap;
    self->count--;
    return w;
}

//  Tells the locator, once per connection, that the server connected to
//  is not serving as the primary, and has the connection dropped from the
//  loop (never inside hiredis's callbacks).
static void
s_stale (hl_redis_t *self, const char *why)
{
    if (!self->locator || self->stale)
        return;
    self->stale = 1;
    self->locator->stale (self->locator->arg, self->address, why);
    event_active (self->relocate, EV_TIMEOUT, 0);
}

//  READONLY (a replica now) and LOADING (restarted, reading its files)
//  mean the located server is not the primary to write to.
static int
s_reply_is_stale (const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR
        && (strncmp (reply->str, "READONLY", 8) == 0 || strncmp (reply->str, "LOADING", 7) == 0);
}

//  Every hiredis reply, including the NULLs hiredis delivers when a context
//  dies, passes through here, so the FIFO and the user's callbacks stay in
//  step whatever ended the connection.
static void
s_on_reply (redisAsyncContext *ac, void *reply, void *privdata)
{
    (void) privdata;
    hl_redis_t *self = ac->data;
    s_waiter_t w = s_pop (self);
    int64_t now = hl_monotonic_us ();
    if (reply) {
        self->last_rtt_us = now - w.sent_us;
        self->last_traffic_us = now;
    }
    if (s_reply_is_stale (reply))
        s_stale (self, ((redisReply *) reply)->str);
    if (w.fn)
        w.fn (self, reply, w.arg);
}

static void
s_schedule_reconnect (hl_redis_t *self)
{
    struct timeval tv;
    hl_backoff_next (&self->backoff, &tv);
    evtimer_add (self->reconnect, &tv);
}

//  The connection is gone (or given up on). The owner hears "down" once,
//  and only if it had heard "up".
static void
s_went_down (hl_redis_t *self, const char *why)
{
    int was_up = self->state == S_UP;
    self->ac = NULL;
    self->state = S_DOWN;
    event_del (self->opened);
    if (was_up)
        hl_warning ("redis %s: connection lost: %s", self->address, why);
    else
        hl_debug ("redis %s: connect failed: %s", self->address, why);
    if (*self->address)
        s_stale (self, why);
    s_schedule_reconnect (self);
    if (was_up && self->state_fn)
        self->state_fn (self, 0, self->state_arg);
}

static void
s_on_connect (const redisAsyncContext *ac, int status)
{
    hl_redis_t *self = ac->data;
    if (self->ac != ac)
        return;             //  already given up on by the watchdog
    if (status != REDIS_OK) {
        //  hiredis frees the context after this returns and will not call
        //  the disconnect callback: the reconnect must be scheduled here.
        s_went_down (self, ac->errstr);
        return;
    }
    self->state = S_OPENING;
    self->last_traffic_us = hl_monotonic_us ();
    event_active (self->opened, EV_TIMEOUT, 0);
}

static void
s_on_disconnect (const redisAsyncContext *ac, int status)
{
    hl_redis_t *self = ac->data;
    if (self->ac != ac)
        return;             //  dropped on purpose; already handled
    s_went_down (self, status == REDIS_OK ? "closed" : ac->errstr);
}

//  A refused AUTH (wrong password, user disabled) ends the connection: no
//  command of the owner's may run unauthenticated, and the reconnect
//  backoff paces the retries while an operator fixes the secret.
static void
s_on_auth (hl_redis_t *self, redisReply *reply, void *arg)
{
    (void) arg;
    if (reply && reply->type == REDIS_REPLY_STATUS)
        return;
    hl_log_limited (&self->auth_log, 60000, HL_LOG_ERROR, "redis %s: AUTH as %s refused: %s",
                    self->address, self->user,
                    reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no answer");
    self->auth_refused = reply != NULL;    //  (NULL: the connection is gone anyway)
}

//  Delivered from the loop after a successful connect: only now may the
//  owner send its first commands (e.g. FUNCTION LOAD), ahead of any other
//  but the AUTH, which goes first.
static void
s_on_opened (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_redis_t *self = arg;
    if (self->state != S_OPENING)
        return;
    self->state = S_UP;
    hl_backoff_reset (&self->backoff);
    hl_info ("redis %s: connected", self->address);
    self->auth_refused = 0;
    if (self->user) {
        const char *argv[] = { "AUTH", self->user, self->password };
        hl_redis_command (self, 3, argv, NULL, s_on_auth, NULL);
    }
    if (self->state_fn)
        self->state_fn (self, 1, self->state_arg);
}

//  With a locator, the address to connect to now; -1 while it is unknown.
static int
s_locate (hl_redis_t *self)
{
    self->stale = 0;
    if (!self->locator)
        return 0;
    char address[256];
    if (self->locator->locate (self->locator->arg, address, sizeof address) != 0) {
        self->address[0] = 0;
        return -1;
    }
    if (s_parse_address (self, address) != 0) {
        hl_error ("redis: located address '%s' is not host:port", address);
        self->address[0] = 0;
        return -1;
    }
    return 0;
}

static void
s_connect (hl_redis_t *self)
{
    assert (self->state == S_DOWN && !self->ac);
    if (s_locate (self) != 0) {
        s_went_down (self, "the primary's address is not known yet");
        return;
    }
    redisAsyncContext *ac = self->port ? redisAsyncConnect (self->host, self->port)
                                       : redisAsyncConnectUnix (self->host);
    if (!ac)
        abort ();
    if (ac->err) {
        char why[128];
        snprintf (why, sizeof why, "%s", ac->errstr);
        redisAsyncFree (ac);
        s_went_down (self, why);
        return;
    }
    ac->data = self;
    //  The reply buffer is kept up to this size once read (hiredis frees it
    //  above 16 KB, the default): an outbox group's read brings tens to
    //  hundreds of KB, and the buffer grew again from empty for each one,
    //  by reallocations that made glibc consolidate its free chunks
    //  (perf on hotlined; bench/RESULTS.md, the intake ratio, part 4).
    ac->c.reader->maxbuf = S_KEEP_BUF;
    redisLibeventAttach (ac, self->base);
    redisAsyncSetConnectCallback (ac, s_on_connect);
    redisAsyncSetDisconnectCallback (ac, s_on_disconnect);
    self->ac = ac;
    self->state = S_CONNECTING;
    self->connect_started_us = hl_monotonic_us ();
}

static void
s_on_reconnect (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_connect (arg);
}

//  Gives up on the current context: every waiting callback fires with
//  NULL (inside redisAsyncFree), then a reconnect is scheduled. Called
//  from the watchdog timer, never from inside a hiredis callback.
static void
s_drop (hl_redis_t *self, const char *why)
{
    redisAsyncContext *ac = self->ac;
    assert (ac);
    s_went_down (self, why);
    redisAsyncFree (ac);
}

static void
s_on_watchdog (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_redis_t *self = arg;
    int64_t now = hl_monotonic_us ();
    int64_t limit = (int64_t) self->opts.timeout_ms * 1000;
    if (self->auth_refused && self->state >= S_OPENING) {
        self->auth_refused = 0;
        s_drop (self, "AUTH refused");
    }
    else
    if (self->state == S_CONNECTING && now - self->connect_started_us > limit)
        s_drop (self, "connect timed out");
    else
    if (self->state >= S_OPENING && self->count > 0
        && now - self->ring[self->head].sent_us > limit) {
        char why[64];
        snprintf (why, sizeof why, "no reply within %d ms", self->opts.timeout_ms);
        s_drop (self, why);
    }
    else
    if (self->state == S_UP && self->count == 0
        && now - self->last_traffic_us > (int64_t) self->opts.ping_idle_ms * 1000) {
        const char *argv[] = { "PING" };
        hl_redis_command (self, 1, argv, NULL, NULL, NULL);
    }
}

//  The locator's address moved (or this connection was found stale):
//  connect there now. A stale connection to an unchanged address waits a
//  backoff step, so a server that keeps refusing is not hammered.
static void
s_on_relocate (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_redis_t *self = arg;
    char address[256];
    int moved = self->locator->locate (self->locator->arg, address, sizeof address) == 0
             && strcmp (address, self->address) != 0;
    if (self->state == S_DOWN) {
        if (moved) {
            event_del (self->reconnect);
            s_connect (self);
        }
        return;
    }
    if (!moved && !self->stale)
        return;
    hl_info ("redis %s: %s", self->address,
             moved ? "the primary moved; reconnecting" : "not the primary; reconnecting");
    s_drop (self, moved ? "the primary moved" : "not the primary");
    if (moved) {
        event_del (self->reconnect);
        s_connect (self);
    }
}

void
hl_redis_relocate (hl_redis_t *self)
{
    if (self->locator)
        event_active (self->relocate, EV_TIMEOUT, 0);
}

static void s_on_flush (evutil_socket_t fd, short what, void *arg);

hl_redis_t *
hl_redis_new (struct event_base *base, const hl_redis_opts_t *opts,
              hl_redis_state_fn *state_fn, void *arg, char *err, size_t errlen)
{
    assert (base && opts && (opts->address || opts->locator));
    assert (opts->timeout_ms > 0 && opts->backoff_min_ms > 0);
    hl_redis_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (!opts->locator && s_parse_address (self, opts->address) != 0) {
        snprintf (err, errlen, "bad redis address '%s' (want host:port or unix:/path)",
                  opts->address);
        free (self);
        return NULL;
    }
    self->base = base;
    self->opts = *opts;
    self->opts.address = self->address;
    if (opts->user && *opts->user) {
        self->user = strdup (opts->user);
        self->password = strdup (opts->password ? opts->password : "");
        if (!self->user || !self->password)
            abort ();
    }
    self->opts.user = self->opts.password = NULL;    //  the copies above are used
    self->state_fn = state_fn;
    self->state_arg = arg;
    hl_backoff_init (&self->backoff, opts->backoff_min_ms, opts->backoff_max_ms);
    self->watchdog = event_new (base, -1, EV_PERSIST, s_on_watchdog, self);
    self->reconnect = evtimer_new (base, s_on_reconnect, self);
    self->opened = event_new (base, -1, 0, s_on_opened, self);
    self->relocate = event_new (base, -1, 0, s_on_relocate, self);
    self->flush = event_new (base, -1, 0, s_on_flush, self);
    if (!self->watchdog || !self->reconnect || !self->opened || !self->relocate || !self->flush)
        abort ();
    self->locator = opts->locator;
    self->opts.locator = NULL;
    if (self->locator)
        self->locator->follow (self->locator->arg, self, 1);
    struct timeval tick;
    hl_backoff_watchdog_tick (opts->timeout_ms, &tick);
    event_add (self->watchdog, &tick);
    s_connect (self);
    return self;
}

void
hl_redis_destroy (hl_redis_t **self_p)
{
    assert (self_p);
    hl_redis_t *self = *self_p;
    if (!self)
        return;
    self->state_fn = NULL;
    if (self->locator)
        self->locator->follow (self->locator->arg, self, 0);
    if (self->ac) {
        redisAsyncContext *ac = self->ac;
        self->ac = NULL;
        redisAsyncFree (ac);
    }
    if (self->password)
        memset (self->password, 0, strlen (self->password));
    free (self->password);
    free (self->user);
    event_free (self->watchdog);
    event_free (self->reconnect);
    event_free (self->opened);
    event_free (self->relocate);
    event_free (self->flush);
    free (self->ring);
    free (self);
    *self_p = NULL;
}

//  Why the commands of a pass of the loop are written at its end rather
//  than when the loop next finds the socket writable: the same one write,
//  without a pass of its own, and hiredis's adding and removing of its
//  write event then fall in one pass, which an event base with the epoll
//  changelist (hotlined's) turns into no system call at all. Under load
//  that was two epoll_ctl and an epoll_wait per connection and pass, on
//  the cores Redis needs (bench/RESULTS.md, the intake ratio, part 3).
//  What the write cannot take now stays with hiredis's write event.
static void
s_on_flush (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_redis_t *self = arg;
    if (self->ac && (self->ac->c.flags & REDIS_CONNECTED))
        redisAsyncHandleWrite (self->ac);
}

int
hl_redis_command (hl_redis_t *self, int argc, const char **argv, const size_t *lens,
                  hl_redis_reply_fn *fn, void *arg)
{
    if (self->state != S_UP || !self->ac)       //  (no context: being destroyed)
        return -1;
    if (redisAsyncCommandArgv (self->ac, s_on_reply, NULL, argc, argv, lens) != REDIS_OK)
        return -1;
    s_push (self, fn, arg);
    event_active (self->flush, EV_TIMEOUT, 0);  //  (once a pass: already active is kept)
    return 0;
}

int
hl_redis_is_up (const hl_redis_t *self)
{
    return self->state == S_UP;
}

size_t
hl_redis_pending (const hl_redis_t *self)
{
    return self->count;
}

int64_t
hl_redis_last_rtt_us (const hl_redis_t *self)
{
    return self->last_rtt_us;
}

const char *
hl_redis_address (const hl_redis_t *self)
{
    return self->address;
}
