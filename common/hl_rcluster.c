/*  hl_rcluster: Redis Cluster over hiredis 0.14. See hl_rcluster.h. */
#include "hl_rcluster.h"
#include "hl_log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_TICK_MS 250               //  sweep idle nodes, look at the map again
#define S_STALE_REFRESH_MS 1000     //  re-read the map this often while a master is down
#define S_BACKOFF_MIN_MS 10
#define S_BACKOFF_MAX_MS 200

typedef struct s_node s_node_t;
typedef struct s_cmd s_cmd_t;

//  One server we hold a connection to: a master of the map, a seed, or a
//  node a redirection named.
struct s_node {
    hl_rcluster_t *cluster;
    hl_redis_t *redis;
    char address[HL_RSLOT_ADDR_MAX];
    char host[HL_RSLOT_ADDR_MAX];    //  for redirections that leave the host out
    int master;                      //  serves slots in the current map
    int seed;                        //  configured: kept even when not a master
    int announced;                   //  node_fn told "up" for this connection
    s_node_t *next;
};

//  An hl_rcluster_all in progress.
typedef struct {
    hl_rcluster_each_fn *each;
    hl_rcluster_done_fn *done;
    void *arg;
    int outstanding, ok, failed;
} s_all_t;

//  A command from submission to its one callback. Its arguments are
//  copied so that it can be sent again.
struct s_cmd {
    hl_rcluster_t *cluster;
    int slot;                        //  routing slot; -1 with a fixed target
    int fixed;                       //  always TARGET (a part of hl_rcluster_all)
    char target[HL_RSLOT_ADDR_MAX];  //  fixed target, or the ASK target once
    int asking;
    int redirects;
    int sent;                        //  waiting for a reply (else parked)
    int backoff_ms;
    int expire_code;                 //  the answer if retry time runs out parked
    int64_t deadline_us;
    struct event *timer;             //  parked: the next attempt
    hl_rcluster_reply_fn *fn;
    void *arg;
    s_all_t *all;
    int argc;
    const char **argv;
    size_t *lens;
    s_cmd_t *prev, *next;            //  the cluster's live commands
};

struct hl_rcluster {
    struct event_base *base;
    hl_rcluster_opts_t opts;
    s_node_t *nodes;
    s_node_t *slots[HL_RSLOT_COUNT];     //  master per slot, NULL if none
    hl_rslot_map_t *scratch;             //  parsing space for CLUSTER SLOTS
    int ready;                           //  a map is known
    int standalone;
    int closing;
    int warned_noperm;                   //  said once that CLUSTER SLOTS is refused
    int refreshing;                      //  a CLUSTER SLOTS is in flight
    int refresh_again;                   //  another was asked for meanwhile
    int64_t last_refresh_us;
    struct event *tick;
    struct event *refresh_timer;
    s_cmd_t *cmds;
    size_t n_cmds;
    hl_rcluster_node_fn *node_fn;
    void *node_arg;
    hl_rcluster_stats_t stats;
};

static void s_refresh (hl_rcluster_t *self);
static void s_on_node_state (hl_redis_t *redis, int up, void *arg);

void
hl_rcluster_opts_default (hl_rcluster_opts_t *opts)
{
    memset (opts, 0, sizeof *opts);
    hl_redis_opts_default (&opts->node);
    opts->seeds = opts->node.address;
    opts->retry_ms = opts->node.timeout_ms;
    opts->max_redirects = 5;
    opts->refresh_min_ms = 100;
}

const char *
hl_rcluster_code_name (int code)
{
    switch (code) {
        case HL_RCLUSTER_OK: return "ok";
        case HL_RCLUSTER_LOST: return "lost";
        case HL_RCLUSTER_UNAVAILABLE: return "unavailable";
        case HL_RCLUSTER_CLUSTERDOWN: return "cluster_down";
        case HL_RCLUSTER_REDIRECTS: return "redirects";
        case HL_RCLUSTER_STOPPED: return "stopped";
        default: return "unknown";
    }
}

//  --------------------------------------------------------------------
//  Nodes.

static s_node_t *
s_node_find (hl_rcluster_t *self, const char *address)
{
    for (s_node_t *n = self->nodes; n; n = n->next)
        if (strcmp (n->address, address) == 0)
            return n;
    return NULL;
}

//  The node at ADDRESS, connecting to it if it is new; NULL if the
//  address is not one hl_redis accepts (ERR says why).
static s_node_t *
s_node_get (hl_rcluster_t *self, const char *address, char *err, size_t errlen)
{
    s_node_t *node = s_node_find (self, address);
    if (node)
        return node;
    node = calloc (1, sizeof *node);
    if (!node)
        abort ();
    node->cluster = self;
    snprintf (node->address, sizeof node->address, "%s", address);
    if (hl_rslot_host (address, node->host, sizeof node->host) != 0)
        node->host[0] = 0;
    hl_redis_opts_t o = self->opts.node;
    o.address = node->address;
    char why[256];
    node->redis = hl_redis_new (self->base, &o, s_on_node_state, node, why, sizeof why);
    if (!node->redis) {
        if (err)
            snprintf (err, errlen, "%s", why);
        free (node);
        return NULL;
    }
    node->next = self->nodes;
    self->nodes = node;
    return node;
}

//  Tells the owner a master's connection is usable, once per connection.
static void
s_announce (s_node_t *node, int up)
{
    hl_rcluster_t *self = node->cluster;
    if (node->announced == up)
        return;
    node->announced = up;
    if (self->node_fn)
        self->node_fn (self, node->redis, up, self->node_arg);
}

static int
s_node_usable (const s_node_t *node)
{
    return node && hl_redis_is_up (node->redis);
}

//  --------------------------------------------------------------------
//  Commands.

static s_cmd_t *
s_cmd_new (hl_rcluster_t *self, int argc, const char **argv, const size_t *lens)
{
    size_t bytes = 0;
    for (int i = 0; i < argc; i++)
        bytes += lens ? lens[i] : strlen (argv[i]);
    s_cmd_t *cmd = calloc (1, sizeof *cmd + (size_t) argc * (sizeof (char *) + sizeof (size_t))
                              + bytes + 1);
    if (!cmd)
        abort ();
    cmd->argv = (const char **) (cmd + 1);
    cmd->lens = (size_t *) (cmd->argv + argc);
    char *data = (char *) (cmd->lens + argc);
    for (int i = 0; i < argc; i++) {
        size_t len = lens ? lens[i] : strlen (argv[i]);
        memcpy (data, argv[i], len);
        cmd->argv[i] = data;
        cmd->lens[i] = len;
        data += len;
    }
    cmd->argc = argc;
    cmd->cluster = self;
    cmd->slot = -1;
    cmd->backoff_ms = S_BACKOFF_MIN_MS;
    cmd->expire_code = HL_RCLUSTER_UNAVAILABLE;
    cmd->deadline_us = hl_monotonic_us () + (int64_t) self->opts.retry_ms * 1000;
    cmd->next = self->cmds;
    if (self->cmds)
        self->cmds->prev = cmd;
    self->cmds = cmd;
    self->n_cmds++;
    return cmd;
}

//  One master's part of an hl_rcluster_all is over; the last calls DONE.
static void
s_all_part (hl_rcluster_t *self, s_cmd_t *cmd, redisReply *reply, int code)
{
    s_all_t *all = cmd->all;
    if (code == HL_RCLUSTER_OK && reply->type != REDIS_REPLY_ERROR)
        all->ok++;
    else
        all->failed++;
    if (all->each)
        all->each (self, cmd->target, reply, code, all->arg);
    if (--all->outstanding == 0) {
        if (all->done)
            all->done (self, all->ok, all->failed, all->arg);
        free (all);
    }
}

//  The command's one callback. It leaves the live list first, so the
//  callback may submit new commands.
static void
s_finish (s_cmd_t *cmd, redisReply *reply, int code)
{
    hl_rcluster_t *self = cmd->cluster;
    if (cmd->prev)
        cmd->prev->next = cmd->next;
    else
        self->cmds = cmd->next;
    if (cmd->next)
        cmd->next->prev = cmd->prev;
    self->n_cmds--;
    if (cmd->timer)
        event_free (cmd->timer);
    if (code == HL_RCLUSTER_LOST)
        self->stats.lost++;
    else
    if (code != HL_RCLUSTER_OK && code != HL_RCLUSTER_STOPPED)
        self->stats.failed++;
    if (cmd->all)
        s_all_part (self, cmd, reply, code);
    else
        cmd->fn (self, reply, code, cmd->arg);
    free (cmd);
}

static void s_on_reply (hl_redis_t *redis, redisReply *reply, void *arg);

//  Sends CMD to the node it belongs to now. 0, or -1 if that node is not
//  connected (nothing was sent). Never calls the command's callback.
static int
s_try_send (s_cmd_t *cmd)
{
    hl_rcluster_t *self = cmd->cluster;
    s_node_t *node = cmd->target[0] ? s_node_get (self, cmd->target, NULL, 0)
                                    : self->slots[cmd->slot];
    if (!s_node_usable (node))
        return -1;
    //  A node first used through a redirection hears the hook before it
    //  gets its first command, as a master of the map does.
    s_announce (node, 1);
    if (cmd->asking) {
        const char *asking[] = { "ASKING" };
        if (hl_redis_command (node->redis, 1, asking, NULL, NULL, NULL) != 0)
            return -1;
    }
    if (hl_redis_command (node->redis, cmd->argc, cmd->argv, cmd->lens, s_on_reply, cmd) != 0)
        return -1;
    cmd->sent = 1;
    if (cmd->asking && !cmd->fixed) {
        cmd->asking = 0;            //  ASK holds for one command only
        cmd->target[0] = 0;
    }
    return 0;
}

static void s_on_park_timer (evutil_socket_t fd, short what, void *arg);

//  Waits before the next attempt (doubling, within the retry time), and
//  remembers what to answer if the time runs out meanwhile.
static void
s_park (s_cmd_t *cmd, int expire_code)
{
    hl_rcluster_t *self = cmd->cluster;
    cmd->expire_code = expire_code;
    if (!cmd->timer) {
        cmd->timer = evtimer_new (self->base, s_on_park_timer, cmd);
        if (!cmd->timer)
            abort ();
    }
    int64_t left_us = cmd->deadline_us - hl_monotonic_us ();
    int64_t wait_us = (int64_t) cmd->backoff_ms * 1000;
    if (wait_us > left_us)
        wait_us = left_us > 0 ? left_us : 0;
    cmd->backoff_ms = cmd->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS
                                                             : cmd->backoff_ms * 2;
    struct timeval tv = { (time_t) (wait_us / 1000000), (suseconds_t) (wait_us % 1000000) };
    evtimer_add (cmd->timer, &tv);
}

static void
s_on_park_timer (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_cmd_t *cmd = arg;
    hl_rcluster_t *self = cmd->cluster;
    if (s_try_send (cmd) == 0) {
        self->stats.retries++;
        return;
    }
    if (hl_monotonic_us () >= cmd->deadline_us) {
        s_finish (cmd, NULL, cmd->expire_code);
        return;
    }
    if (!cmd->fixed)
        s_refresh (self);
    s_park (cmd, cmd->expire_code);
}

//  Parked commands try again now (a master came back, the map changed),
//  each keeping its own timer if its node is still not there.
static void
s_kick (hl_rcluster_t *self)
{
    for (s_cmd_t *cmd = self->cmds; cmd; cmd = cmd->next)
        if (!cmd->sent && cmd->timer && s_try_send (cmd) == 0) {
            event_del (cmd->timer);
            self->stats.retries++;
        }
}

//  A redirection: follow it at once, or wait for the node it names.
static void
s_redirect (s_cmd_t *cmd, hl_rslot_err_t kind, const hl_rslot_redirect_t *to)
{
    hl_rcluster_t *self = cmd->cluster;
    if (++cmd->redirects > self->opts.max_redirects) {
        hl_warning ("redis cluster: slot %d: more than %d redirections", cmd->slot,
                    self->opts.max_redirects);
        s_finish (cmd, NULL, HL_RCLUSTER_REDIRECTS);
        return;
    }
    if (kind == HL_RSLOT_ERR_MOVED) {
        self->stats.moved++;
        s_node_t *node = s_node_get (self, to->address, NULL, 0);
        if (node && to->slot >= 0 && to->slot < HL_RSLOT_COUNT) {
            self->slots[to->slot] = node;
            node->master = 1;
        }
        s_refresh (self);
    }
    else {
        self->stats.ask++;
        cmd->asking = 1;
        snprintf (cmd->target, sizeof cmd->target, "%s", to->address);
    }
    if (s_try_send (cmd) != 0)
        s_park (cmd, HL_RCLUSTER_UNAVAILABLE);
}

//  Every reply to a routed command comes here: redirections and "not run,
//  try later" errors are handled; anything else is the caller's answer.
static void
s_on_reply (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_cmd_t *cmd = arg;
    hl_rcluster_t *self = cmd->cluster;
    cmd->sent = 0;
    if (!reply) {
        s_finish (cmd, NULL, HL_RCLUSTER_LOST);
        return;
    }
    if (reply->type != REDIS_REPLY_ERROR || self->closing) {
        s_finish (cmd, reply, HL_RCLUSTER_OK);
        return;
    }
    char host[HL_RSLOT_ADDR_MAX];
    if (hl_rslot_host (hl_redis_address (redis), host, sizeof host) != 0)
        host[0] = 0;
    hl_rslot_redirect_t to;
    hl_rslot_err_t kind = hl_rslot_parse_error (reply->str, reply->len, host, &to);
    if (kind == HL_RSLOT_ERR_OTHER
        || (cmd->fixed && (kind == HL_RSLOT_ERR_MOVED || kind == HL_RSLOT_ERR_ASK))) {
        s_finish (cmd, reply, HL_RCLUSTER_OK);
        return;
    }
    if (kind == HL_RSLOT_ERR_MOVED || kind == HL_RSLOT_ERR_ASK) {
        s_redirect (cmd, kind, &to);
        return;
    }
    if (kind == HL_RSLOT_ERR_CLUSTERDOWN || kind == HL_RSLOT_ERR_READONLY)
        s_refresh (self);
    if (hl_monotonic_us () >= cmd->deadline_us) {
        hl_warning ("redis cluster: slot %d: %.*s", cmd->slot, (int) reply->len, reply->str);
        s_finish (cmd, NULL, HL_RCLUSTER_CLUSTERDOWN);
        return;
    }
    s_park (cmd, HL_RCLUSTER_CLUSTERDOWN);
}

//  --------------------------------------------------------------------
//  The slot map.

//  Takes MAP as the cluster's truth: connects to new masters, tells the
//  owner which nodes became or stopped being masters, and lets parked
//  commands try again.
static void
s_apply_map (hl_rcluster_t *self, const hl_rslot_map_t *map)
{
    s_node_t *owners[HL_RSLOT_MASTERS_MAX];
    for (size_t i = 0; i < map->n_masters; i++) {
        char err[256];
        owners[i] = s_node_get (self, map->masters[i], err, sizeof err);
        if (!owners[i])
            hl_warning ("redis cluster: master %s: %s", map->masters[i], err);
    }
    for (s_node_t *n = self->nodes; n; n = n->next)
        n->master = 0;
    for (size_t s = 0; s < HL_RSLOT_COUNT; s++) {
        uint16_t o = map->owner[s];
        self->slots[s] = o == HL_RSLOT_NONE ? NULL : owners[o];
        if (self->slots[s])
            self->slots[s]->master = 1;
    }
    if (!self->ready)
        hl_info ("redis %s: %zu master(s)", self->standalone ? "standalone" : "cluster",
                 map->n_masters);
    self->ready = 1;
    self->stats.refreshes++;
    for (s_node_t *n = self->nodes; n; n = n->next)
        if (n->master && hl_redis_is_up (n->redis))
            s_announce (n, 1);
        else
        if (!n->master)
            s_announce (n, 0);
    s_kick (self);
}

static void
s_on_slots (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_node_t *node = arg;
    hl_rcluster_t *self = node->cluster;
    self->refreshing = 0;
    if (self->closing || !reply)
        return;
    char err[256] = "";
    if (reply->type == REDIS_REPLY_ERROR && strstr (reply->str, "cluster support disabled")) {
        hl_rslot_map_single (self->scratch, node->address);
        self->standalone = 1;
        s_apply_map (self, self->scratch);
    }
    else
    if (hl_rslot_map_parse (self->scratch, reply, node->host, err, sizeof err) == 0
        && self->scratch->n_masters > 0) {
        self->standalone = 0;
        s_apply_map (self, self->scratch);
    }
    else
    if (reply->type == REDIS_REPLY_ERROR && strncmp (reply->str, "NOPERM", 6) == 0) {
        if (!self->warned_noperm++)
            hl_warning ("redis %s: this user may not run CLUSTER SLOTS (grant it +cluster|slots): "
                    "no slot map", node->address);
    }
    else
        hl_debug ("redis %s: no slot map: %s", node->address, *err ? err : "no slots assigned");
    if (self->refresh_again) {
        self->refresh_again = 0;
        s_refresh (self);
    }
}

//  The node to ask for the map: a connected master, else any connected
//  node (a seed), else NULL.
static s_node_t *
s_map_source (hl_rcluster_t *self)
{
    s_node_t *any = NULL;
    for (s_node_t *n = self->nodes; n; n = n->next) {
        if (!hl_redis_is_up (n->redis))
            continue;
        if (n->master)
            return n;
        if (!any)
            any = n;
    }
    return any;
}

//  Reads the map again, at most one request at a time and not more often
//  than refresh_min_ms; a request meanwhile is remembered.
static void
s_refresh (hl_rcluster_t *self)
{
    if (self->closing)
        return;
    if (self->refreshing) {
        self->refresh_again = 1;
        return;
    }
    int64_t now = hl_monotonic_us ();
    int64_t wait_us = self->last_refresh_us + (int64_t) self->opts.refresh_min_ms * 1000 - now;
    if (wait_us > 0) {
        if (!evtimer_pending (self->refresh_timer, NULL)) {
            struct timeval tv = { (time_t) (wait_us / 1000000), (suseconds_t) (wait_us % 1000000) };
            evtimer_add (self->refresh_timer, &tv);
        }
        return;
    }
    s_node_t *node = s_map_source (self);
    const char *argv[] = { "CLUSTER", "SLOTS" };
    if (!node || hl_redis_command (node->redis, 2, argv, NULL, s_on_slots, node) != 0)
        return;                 //  a node coming up asks again
    self->refreshing = 1;
    self->last_refresh_us = now;
}

static void
s_on_refresh_timer (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_refresh (arg);
}

static void
s_on_node_state (hl_redis_t *redis, int up, void *arg)
{
    (void) redis;
    s_node_t *node = arg;
    hl_rcluster_t *self = node->cluster;
    if (up) {
        if (node->master)
            s_announce (node, 1);
        if (!self->ready)
            s_refresh (self);
        s_kick (self);
    }
    else {
        s_announce (node, 0);
        if (node->master)
            s_refresh (self);       //  a failover may give its slots to another node
    }
}

//  True if a live command still means to use NODE.
static int
s_node_wanted (hl_rcluster_t *self, const s_node_t *node)
{
    if (node->master || node->seed || hl_redis_pending (node->redis) > 0)
        return 1;
    for (s_cmd_t *cmd = self->cmds; cmd; cmd = cmd->next)
        if (strcmp (cmd->target, node->address) == 0)
            return 1;
    return 0;
}

//  Periodic: forget nodes nobody needs any more (a former master after a
//  failover, a finished migration's ASK target), and keep asking for the
//  map while some master is away.
static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_rcluster_t *self = arg;
    int master_down = 0;
    for (s_node_t **p = &self->nodes; *p;) {
        s_node_t *n = *p;
        if (n->master && !hl_redis_is_up (n->redis))
            master_down = 1;
        if (s_node_wanted (self, n)) {
            p = &n->next;
            continue;
        }
        *p = n->next;
        s_announce (n, 0);
        hl_redis_destroy (&n->redis);
        free (n);
    }
    int64_t since = hl_monotonic_us () - self->last_refresh_us;
    if ((!self->ready || master_down) && since >= (int64_t) S_STALE_REFRESH_MS * 1000)
        s_refresh (self);
}

//  --------------------------------------------------------------------
//  Life.

//  Connects to each seed in SEEDS. 0, or -1 with the reason in ERR.
static int
s_add_seeds (hl_rcluster_t *self, const char *seeds, char *err, size_t errlen)
{
    const char *sep = ", \t\r\n";
    size_t count = 0;
    for (const char *p = seeds; *p;) {
        p += strspn (p, sep);
        size_t n = strcspn (p, sep);
        if (n == 0)
            break;
        char address[HL_RSLOT_ADDR_MAX];
        if (n >= sizeof address) {
            snprintf (err, errlen, "redis address too long: '%.*s'", (int) n, p);
            return -1;
        }
        memcpy (address, p, n);
        address[n] = 0;
        s_node_t *node = s_node_get (self, address, err, errlen);
        if (!node)
            return -1;
        node->seed = 1;
        count++;
        p += n;
    }
    if (count == 0) {
        snprintf (err, errlen, "no redis address given");
        return -1;
    }
    return 0;
}

hl_rcluster_t *
hl_rcluster_new (struct event_base *base, const hl_rcluster_opts_t *opts, char *err,
                 size_t errlen)
{
    assert (base && opts);
    assert (opts->retry_ms > 0 && opts->max_redirects >= 0 && opts->refresh_min_ms >= 0);
    hl_rcluster_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->opts = *opts;
    self->opts.seeds = NULL;
    self->scratch = malloc (sizeof *self->scratch);
    self->tick = event_new (base, -1, EV_PERSIST, s_on_tick, self);
    self->refresh_timer = evtimer_new (base, s_on_refresh_timer, self);
    if (!self->scratch || !self->tick || !self->refresh_timer)
        abort ();
    struct timeval tick = { 0, S_TICK_MS * 1000 };
    event_add (self->tick, &tick);
    if (s_add_seeds (self, opts->seeds ? opts->seeds : "", err, errlen) != 0) {
        hl_rcluster_destroy (&self);
        return NULL;
    }
    return self;
}

void
hl_rcluster_destroy (hl_rcluster_t **self_p)
{
    assert (self_p);
    hl_rcluster_t *self = *self_p;
    if (!self)
        return;
    self->closing = 1;
    self->node_fn = NULL;
    //  Parked commands first (they were not run), then the connections,
    //  whose closing answers the commands in flight.
    for (s_cmd_t *cmd = self->cmds, *next; cmd; cmd = next) {
        next = cmd->next;
        if (!cmd->sent)
            s_finish (cmd, NULL, HL_RCLUSTER_STOPPED);
    }
    while (self->nodes) {
        s_node_t *n = self->nodes;
        self->nodes = n->next;
        hl_redis_destroy (&n->redis);
        free (n);
    }
    assert (self->cmds == NULL);
    event_free (self->tick);
    event_free (self->refresh_timer);
    free (self->scratch);
    free (self);
    *self_p = NULL;
}

void
hl_rcluster_set_node_fn (hl_rcluster_t *self, hl_rcluster_node_fn *fn, void *arg)
{
    self->node_fn = fn;
    self->node_arg = arg;
}

int
hl_rcluster_command_slot (hl_rcluster_t *self, int slot, int argc, const char **argv,
                          const size_t *lens, hl_rcluster_reply_fn *fn, void *arg)
{
    assert (slot >= 0 && slot < HL_RSLOT_COUNT && argc > 0 && fn);
    if (!self->ready || self->closing)
        return -1;
    s_cmd_t *cmd = s_cmd_new (self, argc, argv, lens);
    cmd->slot = slot;
    cmd->fn = fn;
    cmd->arg = arg;
    if (s_try_send (cmd) != 0) {
        s_park (cmd, HL_RCLUSTER_UNAVAILABLE);
        s_refresh (self);
    }
    return 0;
}

int
hl_rcluster_command (hl_rcluster_t *self, const char *key, size_t keylen, int argc,
                     const char **argv, const size_t *lens, hl_rcluster_reply_fn *fn,
                     void *arg)
{
    return hl_rcluster_command_slot (self, hl_rslot_keyslot (key, keylen), argc, argv, lens,
                                     fn, arg);
}

int
hl_rcluster_all (hl_rcluster_t *self, int argc, const char **argv, const size_t *lens,
                 hl_rcluster_each_fn *each, hl_rcluster_done_fn *done, void *arg)
{
    assert (argc > 0);
    if (!self->ready || self->closing || hl_rcluster_masters (self) == 0)
        return -1;
    s_all_t *all = calloc (1, sizeof *all);
    if (!all)
        abort ();
    all->each = each;
    all->done = done;
    all->arg = arg;
    all->outstanding = (int) hl_rcluster_masters (self);
    //  Every part is created before any is sent, so that no part can
    //  complete the whole while the list is still being made.
    s_cmd_t *parts[HL_RSLOT_MASTERS_MAX];
    size_t n = 0;
    for (s_node_t *node = self->nodes; node; node = node->next)
        if (node->master) {
            s_cmd_t *cmd = s_cmd_new (self, argc, argv, lens);
            cmd->fixed = 1;
            cmd->all = all;
            snprintf (cmd->target, sizeof cmd->target, "%s", node->address);
            parts[n++] = cmd;
        }
    for (size_t i = 0; i < n; i++)
        if (s_try_send (parts[i]) != 0)
            s_park (parts[i], HL_RCLUSTER_UNAVAILABLE);
    return 0;
}

int
hl_rcluster_is_ready (const hl_rcluster_t *self)
{
    return self->ready;
}

int
hl_rcluster_is_standalone (const hl_rcluster_t *self)
{
    return self->standalone;
}

size_t
hl_rcluster_masters (const hl_rcluster_t *self)
{
    size_t n = 0;
    for (const s_node_t *node = self->nodes; node; node = node->next)
        n += node->master != 0;
    return n;
}

size_t
hl_rcluster_masters_up (const hl_rcluster_t *self)
{
    size_t n = 0;
    for (const s_node_t *node = self->nodes; node; node = node->next)
        n += node->master && hl_redis_is_up (node->redis);
    return n;
}

size_t
hl_rcluster_master_list (const hl_rcluster_t *self, const char **addresses, int *up,
                         size_t max)
{
    size_t n = 0;
    for (const s_node_t *node = self->nodes; node && n < max; node = node->next)
        if (node->master) {
            addresses[n] = node->address;
            up[n++] = hl_redis_is_up (node->redis);
        }
    return n;
}

const char *
hl_rcluster_slot_address (const hl_rcluster_t *self, int slot)
{
    assert (slot >= 0 && slot < HL_RSLOT_COUNT);
    return self->slots[slot] ? self->slots[slot]->address : NULL;
}

hl_redis_t *
hl_rcluster_slot_node (const hl_rcluster_t *self, int slot)
{
    assert (slot >= 0 && slot < HL_RSLOT_COUNT);
    return self->slots[slot] ? self->slots[slot]->redis : NULL;
}

size_t
hl_rcluster_pending (const hl_rcluster_t *self)
{
    return self->n_cmds;
}

void
hl_rcluster_stats (const hl_rcluster_t *self, hl_rcluster_stats_t *stats)
{
    *stats = self->stats;
}
