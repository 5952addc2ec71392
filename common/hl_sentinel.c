/*  hl_sentinel: the Redis primary's address from Sentinel. See hl_sentinel.h. */
#include "hl_sentinel.h"
#include "hl_log.h"

#include <assert.h>
#include <ctype.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ADDRESS_MAX 64

//  One sentinel: a connection for questions (hl_redis: timeouts,
//  reconnect, AUTH) and one subscribed to +switch-master.
typedef struct {
    hl_sentinel_t *owner;
    char address[S_ADDRESS_MAX];
    char host[S_ADDRESS_MAX];
    int port;
    hl_redis_t *ask;
    int asking;                  //  a question in flight on ASK
    redisAsyncContext *sub;      //  NULL until (re)subscribed
} s_node_t;

struct hl_sentinel {
    struct event_base *base;
    hl_sentinel_opts_t opts;
    char master_name[128];
    char *user, *password;
    s_node_t nodes[HL_SENTINEL_MAX];
    size_t n_nodes;
    char primary[S_ADDRESS_MAX]; //  "" while unknown
    int stale;                   //  a connection found it is not the primary
    uint64_t switches;
    unsigned ticks;
    hl_redis_t **followers;      //  connections that use the locator
    size_t n_followers, cap_followers;
    hl_redis_locator_t locator;
    struct event *tick;          //  periodic: ask, resubscribe
    hl_log_limit_t bad_log;      //  a sentinel's bad answer repeats every tick
};

//  Ask every so many ticks even when the primary is known: a
//  +switch-master missed while resubscribing is caught this way.
#define S_CHECK_TICKS 25

void
hl_sentinel_opts_default (hl_sentinel_opts_t *opts)
{
    memset (opts, 0, sizeof *opts);
    opts->master_name = "hotline";
    opts->timeout_ms = 1000;
    opts->poll_ms = 200;
}

//  --------------------------------------------------------------------
//  Parsing

//  True if TEXT (LEN bytes) can be an IP address as sentinels announce it.
static int
s_is_ip (const char *text, size_t len)
{
    if (len == 0 || len >= 46)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit ((unsigned char) text[i]) && text[i] != '.' && text[i] != ':')
            return 0;
    return 1;
}

//  True if TEXT (LEN bytes) is a port number, 1..65535.
static int
s_is_port (const char *text, size_t len)
{
    if (len == 0 || len > 5)
        return 0;
    long port = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit ((unsigned char) text[i]))
            return 0;
        port = port * 10 + (text[i] - '0');
    }
    return port >= 1 && port <= 65535;
}

//  "ip:port" from the two parts, checked.
static int
s_join (const char *ip, size_t iplen, const char *port, size_t portlen, char *address,
        size_t len, char *err, size_t errlen)
{
    if (!s_is_ip (ip, iplen) || !s_is_port (port, portlen)) {
        snprintf (err, errlen, "not an ip and a port: '%.*s' '%.*s'", (int) (iplen > 64 ? 64 : iplen),
                  ip, (int) (portlen > 16 ? 16 : portlen), port);
        return -1;
    }
    if ((size_t) snprintf (address, len, "%.*s:%.*s", (int) iplen, ip, (int) portlen, port) >= len) {
        snprintf (err, errlen, "address too long");
        return -1;
    }
    return 0;
}

int
hl_sentinel_parse_master (const redisReply *reply, const char *master_name, char *address,
                          size_t len, char *err, size_t errlen)
{
    if (!reply) {
        snprintf (err, errlen, "no answer");
        return -1;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        snprintf (err, errlen, "sentinel error: %s", reply->str);
        return -1;
    }
    if (reply->type == REDIS_REPLY_NIL) {
        snprintf (err, errlen, "the sentinel monitors no master named '%s'", master_name);
        return -1;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_STRING) {
        snprintf (err, errlen, "expected [ip, port], got a reply of type %d", reply->type);
        return -1;
    }
    const redisReply *ip = reply->element[0], *port = reply->element[1];
    return s_join (ip->str, ip->len, port->str, port->len, address, len, err, errlen);
}

int
hl_sentinel_parse_switch (const char *payload, const char *master_name, char *address,
                          size_t len, char *err, size_t errlen)
{
    const char *word[6];
    size_t wlen[6], n = 0;
    for (const char *p = payload; *p && n < 6; ) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        word[n] = p;
        while (*p && *p != ' ')
            p++;
        wlen[n] = (size_t) (p - word[n]);
        n++;
    }
    if (n != 5) {
        snprintf (err, errlen, "+switch-master: expected 5 words, got '%.80s'", payload);
        return -1;
    }
    if (wlen[0] != strlen (master_name) || memcmp (word[0], master_name, wlen[0]) != 0)
        return 0;
    if (s_join (word[3], wlen[3], word[4], wlen[4], address, len, err, errlen) != 0)
        return -1;
    return 1;
}

//  --------------------------------------------------------------------
//  Following the primary

//  A sentinel named ADDRESS as the primary: make it ours, and move every
//  connection there (those already there stay).
static void
s_adopt (hl_sentinel_t *self, const char *address, const char *source)
{
    if (strcmp (address, self->primary) != 0) {
        if (*self->primary)
            hl_notice ("redis primary '%s' is now %s (was %s), from %s", self->master_name,
                       address, self->primary, source);
        else
            hl_info ("redis primary '%s' is %s, from %s", self->master_name, address, source);
        snprintf (self->primary, sizeof self->primary, "%s", address);
        self->switches++;
    }
    self->stale = 0;
    for (size_t i = 0; i < self->n_followers; i++)
        hl_redis_relocate (self->followers[i]);
}

static void
s_on_master (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_node_t *node = arg;
    hl_sentinel_t *self = node->owner;
    node->asking = 0;
    if (!reply)
        return;                 //  the connection is gone; it asks again when back
    char address[S_ADDRESS_MAX], err[160];
    if (hl_sentinel_parse_master (reply, self->master_name, address, sizeof address,
                                  err, sizeof err) != 0) {
        hl_log_limited (&self->bad_log, 10000, HL_LOG_WARNING, "sentinel %s: %s",
                        node->address, err);
        return;
    }
    s_adopt (self, address, node->address);
}

static void
s_ask (s_node_t *node)
{
    if (node->asking || !hl_redis_is_up (node->ask))
        return;
    const char *argv[] = { "SENTINEL", "get-master-addr-by-name", node->owner->master_name };
    if (hl_redis_command (node->ask, 3, argv, NULL, s_on_master, node) == 0)
        node->asking = 1;
}

static void
s_ask_all (hl_sentinel_t *self)
{
    for (size_t i = 0; i < self->n_nodes; i++)
        s_ask (&self->nodes[i]);
}

//  Every reply on the subscribed connection: the subscription's
//  confirmation (then ask: a switch may have happened while unsubscribed),
//  and the announcements.
static void
s_on_message (redisAsyncContext *ac, void *r, void *privdata)
{
    (void) ac;
    s_node_t *node = privdata;
    redisReply *reply = r;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3
        || reply->element[0]->type != REDIS_REPLY_STRING)
        return;
    if (strcmp (reply->element[0]->str, "subscribe") == 0) {
        s_ask (node);
        return;
    }
    if (strcmp (reply->element[0]->str, "message") != 0
        || reply->element[2]->type != REDIS_REPLY_STRING)
        return;
    hl_sentinel_t *self = node->owner;
    char address[S_ADDRESS_MAX], err[160];
    int rc = hl_sentinel_parse_switch (reply->element[2]->str, self->master_name, address,
                                       sizeof address, err, sizeof err);
    if (rc < 0)
        hl_log_limited (&self->bad_log, 10000, HL_LOG_WARNING, "sentinel %s: %s",
                        node->address, err);
    else
    if (rc > 0)
        s_adopt (self, address, node->address);
}

static void
s_on_sub_connect (const redisAsyncContext *ac, int status)
{
    s_node_t *node = ac->data;
    if (status != REDIS_OK && node->sub == ac)
        node->sub = NULL;       //  hiredis frees it; the tick tries again
}

static void
s_on_sub_disconnect (const redisAsyncContext *ac, int status)
{
    (void) status;
    s_node_t *node = ac->data;
    if (node->sub == ac)
        node->sub = NULL;
}

//  Opens the subscribed connection (AUTH first when the sentinels have
//  users). Failures are retried at the next tick.
static void
s_subscribe (s_node_t *node)
{
    hl_sentinel_t *self = node->owner;
    redisAsyncContext *ac = redisAsyncConnect (node->host, node->port);
    if (!ac)
        abort ();
    if (ac->err) {
        redisAsyncFree (ac);
        return;
    }
    ac->data = node;
    redisLibeventAttach (ac, self->base);
    redisAsyncSetConnectCallback (ac, s_on_sub_connect);
    redisAsyncSetDisconnectCallback (ac, s_on_sub_disconnect);
    if (self->user) {
        const char *argv[] = { "AUTH", self->user, self->password };
        redisAsyncCommandArgv (ac, NULL, NULL, 3, argv, NULL);
    }
    redisAsyncCommand (ac, s_on_message, node, "SUBSCRIBE +switch-master");
    node->sub = ac;
}

//  The question connection's state: a sentinel back up is asked at once;
//  one gone loses its subscription too (it is remade with the next tick).
static void
s_on_ask_state (hl_redis_t *redis, int up, void *arg)
{
    (void) redis;
    s_node_t *node = arg;
    if (up) {
        s_ask (node);
        return;
    }
    node->asking = 0;
    if (node->sub) {
        redisAsyncContext *ac = node->sub;
        node->sub = NULL;
        redisAsyncFree (ac);
    }
}

static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_sentinel_t *self = arg;
    self->ticks++;
    int check = !*self->primary || self->stale || self->ticks % S_CHECK_TICKS == 0;
    for (size_t i = 0; i < self->n_nodes; i++) {
        s_node_t *node = &self->nodes[i];
        if (!node->sub && hl_redis_is_up (node->ask))
            s_subscribe (node);
        if (check)
            s_ask (node);
    }
}

//  --------------------------------------------------------------------
//  The locator hl_redis connections use

static int
s_locate (void *arg, char *address, size_t len)
{
    return hl_sentinel_primary (arg, address, len);
}

static void
s_stale (void *arg, const char *address, const char *why)
{
    hl_sentinel_t *self = arg;
    if (strcmp (address, self->primary) != 0 || self->stale)
        return;
    hl_info ("redis %s is not serving as the primary (%s): asking the sentinels", address, why);
    self->stale = 1;
    s_ask_all (self);
}

static void
s_follow (void *arg, hl_redis_t *redis, int on)
{
    hl_sentinel_t *self = arg;
    if (on) {
        if (self->n_followers == self->cap_followers) {
            self->cap_followers = self->cap_followers ? self->cap_followers * 2 : 8;
            self->followers = realloc (self->followers,
                                       self->cap_followers * sizeof *self->followers);
            if (!self->followers)
                abort ();
        }
        self->followers[self->n_followers++] = redis;
        return;
    }
    for (size_t i = 0; i < self->n_followers; i++)
        if (self->followers[i] == redis) {
            self->followers[i] = self->followers[--self->n_followers];
            return;
        }
}

//  --------------------------------------------------------------------

//  Splits the comma-separated list into nodes; -1 with ERR if malformed.
static int
s_parse_list (hl_sentinel_t *self, const char *list, char *err, size_t errlen)
{
    const char *p = list;
    while (*p) {
        const char *end = strchr (p, ',');
        size_t n = end ? (size_t) (end - p) : strlen (p);
        while (n > 0 && *p == ' ')
            p++, n--;
        while (n > 0 && p[n - 1] == ' ')
            n--;
        const char *colon = n ? memrchr (p, ':', n) : NULL;
        if (self->n_nodes == HL_SENTINEL_MAX) {
            snprintf (err, errlen, "redis_sentinels: at most %d sentinels", HL_SENTINEL_MAX);
            return -1;
        }
        s_node_t *node = &self->nodes[self->n_nodes];
        char scratch[S_ADDRESS_MAX];
        if (!colon || s_join (p, (size_t) (colon - p), colon + 1, n - (size_t) (colon - p) - 1,
                              node->address, sizeof node->address, scratch, sizeof scratch) != 0) {
            snprintf (err, errlen, "redis_sentinels: '%.*s' is not ip:port", (int) (n > 64 ? 64 : n), p);
            return -1;
        }
        snprintf (node->host, sizeof node->host, "%.*s", (int) (colon - p), p);
        node->port = atoi (colon + 1);
        node->owner = self;
        self->n_nodes++;
        p = end ? end + 1 : p + n;
    }
    if (self->n_nodes == 0) {
        snprintf (err, errlen, "redis_sentinels: no sentinel given");
        return -1;
    }
    return 0;
}

//  The name goes into commands and is compared with announcements' words.
static int
s_name_ok (const char *name)
{
    if (!name || !*name || strlen (name) >= 128)
        return 0;
    for (const char *p = name; *p; p++)
        if (!isgraph ((unsigned char) *p))
            return 0;
    return 1;
}

hl_sentinel_t *
hl_sentinel_new (struct event_base *base, const hl_sentinel_opts_t *opts, char *err,
                 size_t errlen)
{
    assert (base && opts && opts->timeout_ms > 0 && opts->poll_ms > 0);
    if (!s_name_ok (opts->master_name)) {
        snprintf (err, errlen, "redis_master_name: a word without spaces is needed");
        return NULL;
    }
    hl_sentinel_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->opts = *opts;
    snprintf (self->master_name, sizeof self->master_name, "%s", opts->master_name);
    if (s_parse_list (self, opts->sentinels ? opts->sentinels : "", err, errlen) != 0) {
        free (self);
        return NULL;
    }
    if (opts->user && *opts->user) {
        self->user = strdup (opts->user);
        self->password = strdup (opts->password ? opts->password : "");
        if (!self->user || !self->password)
            abort ();
    }
    self->opts.sentinels = self->opts.master_name = self->opts.user = self->opts.password = NULL;
    self->locator = (hl_redis_locator_t) { s_locate, s_stale, s_follow, self };
    for (size_t i = 0; i < self->n_nodes; i++) {
        hl_redis_opts_t ro;
        hl_redis_opts_default (&ro);
        ro.address = self->nodes[i].address;
        ro.timeout_ms = opts->timeout_ms;
        ro.backoff_max_ms = opts->timeout_ms;
        ro.user = self->user;
        ro.password = self->password;
        self->nodes[i].ask = hl_redis_new (base, &ro, s_on_ask_state, &self->nodes[i],
                                           err, errlen);
        assert (self->nodes[i].ask);     //  the address was checked above
    }
    self->tick = event_new (base, -1, EV_PERSIST, s_on_tick, self);
    if (!self->tick)
        abort ();
    struct timeval tv = { opts->poll_ms / 1000, (opts->poll_ms % 1000) * 1000 };
    event_add (self->tick, &tv);
    return self;
}

static void
s_free (hl_sentinel_t *self)
{
    for (size_t i = 0; i < self->n_nodes; i++) {
        s_node_t *node = &self->nodes[i];
        hl_redis_destroy (&node->ask);
        if (node->sub) {
            redisAsyncContext *ac = node->sub;
            node->sub = NULL;
            redisAsyncFree (ac);
        }
    }
    if (self->tick)
        event_free (self->tick);
    if (self->password)
        memset (self->password, 0, strlen (self->password));
    free (self->password);
    free (self->user);
    free (self->followers);
    free (self);
}

void
hl_sentinel_destroy (hl_sentinel_t **self_p)
{
    assert (self_p);
    if (!*self_p)
        return;
    //  Connections still following would call into freed memory.
    assert ((*self_p)->n_followers == 0);
    s_free (*self_p);
    *self_p = NULL;
}

const hl_redis_locator_t *
hl_sentinel_locator (hl_sentinel_t *self)
{
    return &self->locator;
}

int
hl_sentinel_primary (const hl_sentinel_t *self, char *address, size_t len)
{
    if (!*self->primary || self->stale)
        return -1;
    snprintf (address, len, "%s", self->primary);
    return 0;
}

uint64_t
hl_sentinel_switches (const hl_sentinel_t *self)
{
    return self->switches;
}
