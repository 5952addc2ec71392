/*  hl_testcluster: a local Redis Cluster for tests. See hl_testcluster.h. */
#include "hl_testcluster.h"
#include "hl_proc.h"

#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

typedef struct {
    int port, bus;
    pid_t pid;
    char address[32];
    redisContext *redis;
} s_node_t;

struct hl_testcluster {
    char dir[256];
    int node_timeout_ms;
    s_node_t nodes[HL_TESTCLUSTER_NODES];
    char seeds[HL_TESTCLUSTER_NODES * 32];
};

static const char *
s_env (const char *name, const char *fallback)
{
    const char *value = getenv (name);
    return value && *value ? value : fallback;
}

//  A node is ready (READY=1) once it has loaded its data. Its first start
//  may move it to other ports (a lost race for one); a restart keeps them.
static int
s_start_node (hl_testcluster_t *self, int i)
{
    s_node_t *n = &self->nodes[i];
    char timeout[16], dir[300], log[320];
    snprintf (timeout, sizeof timeout, "%d", self->node_timeout_ms);
    snprintf (dir, sizeof dir, "%s/%d", self->dir, i);
    snprintf (log, sizeof log, "%s/redis.log", dir);
    mkdir (dir, 0755);
    const char *argv[] = { "redis-server", s_env ("HL_REDIS_CONF", "deploy/etc/redis.conf"),
                           "--include",
                           s_env ("HL_REDIS_CLUSTER_CONF", "deploy/etc/redis-cluster.conf"),
                           "--cluster-node-timeout", timeout, "--port", "@PORT0@",
                           "--cluster-port", "@PORT1@", "--dir", dir, "--logfile", log,
                           "--supervised", "systemd", NULL };
    int ports[HL_PROC_PORTS] = { n->port, n->bus };
    hl_proc_opts_t opts = { .log = log, .repick = n->port == 0 };
    n->pid = hl_proc_start (argv, ports, &opts);
    if (n->pid < 0) {
        n->pid = 0;
        return -1;
    }
    n->port = ports[0];
    n->bus = ports[1];
    snprintf (n->address, sizeof n->address, "127.0.0.1:%d", n->port);
    return 0;
}

//  deploy/redis-cluster.sh create: the one place that knows how the
//  nodes become a cluster and when it is ready.
static int
s_create (hl_testcluster_t *self)
{
    char log[300];
    snprintf (log, sizeof log, "%s/create.log", self->dir);
    const char *argv[4 + HL_TESTCLUSTER_NODES] = { "bash",
        s_env ("HL_REDIS_CLUSTER_SH", "deploy/redis-cluster.sh"), "create" };
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        argv[3 + i] = self->nodes[i].address;
    hl_proc_opts_t opts = { .log = log };
    pid_t pid = hl_proc_spawn (argv, &opts, NULL);
    if (pid < 0 || hl_proc_wait (pid, -1) != 0) {
        fprintf (stderr, "testcluster: creating the cluster failed (see %s)\n", log);
        return -1;
    }
    return 0;
}

hl_testcluster_t *
hl_testcluster_new (const char *name, int node_timeout_ms)
{
    hl_testcluster_t *self = calloc (1, sizeof *self);
    assert (self);
    const char *base = s_env ("HL_TEST_TMPDIR", "/tmp");
    snprintf (self->dir, sizeof self->dir, "%s/hl-%s-XXXXXX", base, name);
    if (!mkdtemp (self->dir)) {
        free (self);
        return NULL;
    }
    self->node_timeout_ms = node_timeout_ms;
    signal (SIGPIPE, SIG_IGN);
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        if (s_start_node (self, i) != 0) {
            hl_testcluster_destroy (&self);
            return NULL;
        }
    size_t used = 0;
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        used += (size_t) snprintf (self->seeds + used, sizeof self->seeds - used, "%s%s",
                                   i ? "," : "", self->nodes[i].address);
    if (s_create (self) != 0)
        hl_testcluster_destroy (&self);
    return self;
}

static void
s_close (s_node_t *n)
{
    if (n->redis)
        redisFree (n->redis);
    n->redis = NULL;
}

void
hl_testcluster_destroy (hl_testcluster_t **self_p)
{
    hl_testcluster_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++) {
        s_close (&self->nodes[i]);
        hl_testcluster_signal (self, i, SIGKILL);
    }
    char cmd[300];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", self->dir);
    if (!getenv ("HL_TEST_KEEP") && system (cmd) != 0)
        fprintf (stderr, "testcluster: could not remove %s\n", self->dir);
    free (self);
    *self_p = NULL;
}

const char *
hl_testcluster_address (const hl_testcluster_t *self, int i)
{
    assert (i >= 0 && i < HL_TESTCLUSTER_NODES);
    return self->nodes[i].address;
}

const char *
hl_testcluster_seeds (const hl_testcluster_t *self)
{
    return self->seeds;
}

const char *
hl_testcluster_dir (const hl_testcluster_t *self)
{
    return self->dir;
}

redisContext *
hl_testcluster_redis (hl_testcluster_t *self, int i)
{
    assert (i >= 0 && i < HL_TESTCLUSTER_NODES);
    s_node_t *n = &self->nodes[i];
    if (n->redis && n->redis->err)
        s_close (n);
    if (!n->redis && n->pid > 0) {
        struct timeval tv = { 1, 0 };
        n->redis = redisConnectWithTimeout ("127.0.0.1", n->port, tv);
        if (n->redis && !n->redis->err)
            redisSetTimeout (n->redis, tv);
        else
            s_close (n);
    }
    return n->redis;
}

static int
s_index_of (const hl_testcluster_t *self, const char *host, int port)
{
    (void) host;
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        if (self->nodes[i].port == port)
            return i;
    return -1;
}

//  CLUSTER SLOTS from the first node that answers; the caller frees.
static redisReply *
s_slots (hl_testcluster_t *self)
{
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++) {
        redisContext *c = hl_testcluster_redis (self, i);
        redisReply *r = c ? redisCommand (c, "CLUSTER SLOTS") : NULL;
        if (r && r->type == REDIS_REPLY_ARRAY)
            return r;
        if (r)
            freeReplyObject (r);
    }
    return NULL;
}

int
hl_testcluster_master_of (hl_testcluster_t *self, int slot)
{
    redisReply *r = s_slots (self);
    int found = -1;
    for (size_t k = 0; r && k < r->elements; k++) {
        redisReply *e = r->element[k];
        if (slot >= e->element[0]->integer && slot <= e->element[1]->integer)
            found = s_index_of (self, e->element[2]->element[0]->str,
                                (int) e->element[2]->element[1]->integer);
    }
    if (r)
        freeReplyObject (r);
    return found;
}

int
hl_testcluster_first_slot (hl_testcluster_t *self, int i)
{
    redisReply *r = s_slots (self);
    long long first = -1;
    for (size_t k = 0; r && k < r->elements; k++) {
        redisReply *e = r->element[k];
        if (s_index_of (self, NULL, (int) e->element[2]->element[1]->integer) == i
            && (first < 0 || e->element[0]->integer < first))
            first = e->element[0]->integer;
    }
    if (r)
        freeReplyObject (r);
    return (int) first;
}

int
hl_testcluster_node_id (hl_testcluster_t *self, int i, char *id, size_t idlen)
{
    redisContext *c = hl_testcluster_redis (self, i);
    redisReply *r = c ? redisCommand (c, "CLUSTER MYID") : NULL;
    int rc = r && r->type == REDIS_REPLY_STRING ? 0 : -1;
    if (rc == 0)
        snprintf (id, idlen, "%s", r->str);
    if (r)
        freeReplyObject (r);
    return rc;
}

int
hl_testcluster_setslot (hl_testcluster_t *self, int i, int slot, const char *how, const char *id)
{
    redisContext *c = hl_testcluster_redis (self, i);
    redisReply *r = c ? redisCommand (c, "CLUSTER SETSLOT %d %s %s", slot, how, id) : NULL;
    int rc = r && r->type != REDIS_REPLY_ERROR ? 0 : -1;
    if (rc != 0)
        fprintf (stderr, "node %d: CLUSTER SETSLOT %d %s: %s\n", i, slot, how,
                 r ? r->str : "no reply");
    if (r)
        freeReplyObject (r);
    return rc;
}

int
hl_testcluster_migrate (hl_testcluster_t *self, int src, int dst, int slot, int batch)
{
    redisContext *c = hl_testcluster_redis (self, src);
    redisReply *keys = c ? redisCommand (c, "CLUSTER GETKEYSINSLOT %d %d", slot,
                                         batch > 0 ? batch : 1000) : NULL;
    int n = keys && keys->type == REDIS_REPLY_ARRAY ? (int) keys->elements : 0;
    if (n > 0) {
        const char *argv[8 + 1000];
        const char *port = strrchr (hl_testcluster_address (self, dst), ':') + 1;
        int argc = 0;
        argv[argc++] = "MIGRATE";
        argv[argc++] = "127.0.0.1";
        argv[argc++] = port;
        argv[argc++] = "";
        argv[argc++] = "0";
        argv[argc++] = "5000";
        argv[argc++] = "KEYS";
        for (int k = 0; k < n; k++)
            argv[argc++] = keys->element[k]->str;
        redisReply *r = redisCommandArgv (c, argc, argv, NULL);
        if (!r || r->type != REDIS_REPLY_STATUS) {
            fprintf (stderr, "MIGRATE: %s\n", r && r->str ? r->str : "no reply");
            n = -1;
        }
        if (r)
            freeReplyObject (r);
    }
    if (keys)
        freeReplyObject (keys);
    return n;
}

void
hl_testcluster_signal (hl_testcluster_t *self, int i, int sig)
{
    assert (i >= 0 && i < HL_TESTCLUSTER_NODES);
    s_node_t *n = &self->nodes[i];
    if (n->pid <= 0)
        return;
    if (sig == SIGKILL) {
        hl_proc_stop (n->pid, SIGKILL);
        n->pid = 0;
        s_close (n);
    }
    else
        kill (n->pid, sig);
}

int
hl_testcluster_restart (hl_testcluster_t *self, int i)
{
    assert (i >= 0 && i < HL_TESTCLUSTER_NODES);
    if (self->nodes[i].pid > 0)
        return 0;
    return s_start_node (self, i);
}
