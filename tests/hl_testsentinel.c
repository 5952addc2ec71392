/*  hl_testsentinel: primary, replicas and sentinels for tests. See hl_testsentinel.h. */
#include "hl_testsentinel.h"
#include "hl_testenv.h"
#include "hl_proc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_NODES (HL_TESTSENTINEL_DATA + HL_TESTSENTINEL_SENTINELS)

struct hl_testsentinel {
    char dir[256];
    int port[S_NODES];           //  data nodes first, then sentinels
    pid_t pid[S_NODES];
    char sentinels[128];
};

static const char *
s_env (const char *name, const char *fallback)
{
    const char *value = getenv (name);
    return value ? value : fallback;
}

const char *
hl_testsentinel_name (void)
{
    return "hotline";            //  as in deploy/redis-sentinel.sh
}

static void
s_node_dir (const hl_testsentinel_t *self, int i, char *out, size_t len)
{
    snprintf (out, len, "%s/%d", self->dir, self->port[i]);
}

//  A data node: its role written once into its own file (the sentinels
//  rewrite it), then deploy/etc/redis.conf. Ready (READY=1) once it serves:
//  a replica after its first sync.
static pid_t
s_start_data (hl_testsentinel_t *self, int i)
{
    char dir[300], conf[320], log[320], port[16];
    s_node_dir (self, i, dir, sizeof dir);
    mkdir (dir, 0700);
    snprintf (conf, sizeof conf, "%s/node.conf", dir);
    snprintf (log, sizeof log, "%s/redis.log", dir);
    snprintf (port, sizeof port, "%d", self->port[i]);
    FILE *f = fopen (conf, "w");
    if (!f)
        return -1;
    if (i > 0)
        fprintf (f, "replicaof 127.0.0.1 %d\n", self->port[0]);
    fclose (f);
    const char *argv[] = { "redis-server", conf, "--include",
                           s_env ("HL_REDIS_CONF", "deploy/etc/redis.conf"),
                           "--port", port, "--bind", "127.0.0.1", "--dir", dir,
                           "--repl-diskless-sync-delay", "0", "--supervised", "systemd",
                           "--logfile", log, NULL };
    int ports[HL_PROC_PORTS] = { self->port[i] };
    hl_proc_opts_t opts = { .log = log };
    return hl_proc_start (argv, ports, &opts);
}

//  A sentinel, configured by deploy/redis-sentinel.sh conf.
static pid_t
s_start_sentinel (hl_testsentinel_t *self, int i, int down_after_ms)
{
    char dir[300], conf[320], log[320], port[16], primary[16], down[16], cmd[1200];
    s_node_dir (self, i, dir, sizeof dir);
    mkdir (dir, 0700);
    snprintf (conf, sizeof conf, "%s/sentinel.conf", dir);
    snprintf (log, sizeof log, "%s/sentinel.log", dir);
    snprintf (port, sizeof port, "%d", self->port[i]);
    snprintf (primary, sizeof primary, "%d", self->port[0]);
    snprintf (down, sizeof down, "%d", down_after_ms);
    snprintf (cmd, sizeof cmd, "'%s' conf '%s' %s %s %s",
              s_env ("HL_REDIS_SENTINEL_SH", "deploy/redis-sentinel.sh"), conf, port, primary, down);
    if (system (cmd) != 0)
        return -1;
    const char *argv[] = { "redis-server", conf, "--sentinel", "--logfile", log, NULL };
    hl_proc_opts_t opts = { .log = log };
    return hl_proc_spawn (argv, &opts, NULL);
}

//  True if the flat reply ("name value ...") has NAME = VALUE.
static int
s_field (const redisReply *r, const char *name, const char *value)
{
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t i = 0; i + 1 < r->elements; i += 2)
        if (r->element[i]->type == REDIS_REPLY_STRING && strcmp (r->element[i]->str, name) == 0)
            return r->element[i + 1]->type == REDIS_REPLY_STRING
                && strcmp (r->element[i + 1]->str, value) == 0;
    return 0;
}

//  One command (ARGC words) to node I on a fresh connection: the reply
//  (the caller frees it), or NULL.
static redisReply *
s_ask (const hl_testsentinel_t *self, int i, int argc, const char **argv)
{
    char address[32];
    snprintf (address, sizeof address, "127.0.0.1:%d", self->port[i]);
    redisContext *c = hl_testsentinel_connect (address);
    redisReply *r = c ? redisCommandArgv (c, argc, argv, NULL) : NULL;
    if (c)
        redisFree (c);
    return r;
}

static int
s_ready (hl_testsentinel_t *self)
{
    const char *master[] = { "SENTINEL", "master", hl_testsentinel_name () };
    const char *info[] = { "INFO", "replication" };
    int ok = 1;
    for (int i = 1; i < S_NODES && ok; i++) {
        int sentinel = i >= HL_TESTSENTINEL_DATA;
        redisReply *r = sentinel ? s_ask (self, i, 3, master) : s_ask (self, i, 2, info);
        ok = sentinel ? s_field (r, "num-slaves", "2") && s_field (r, "num-other-sentinels", "2")
                      : r && r->type == REDIS_REPLY_STRING
                        && strstr (r->str, "master_link_status:up") != NULL;
        if (r)
            freeReplyObject (r);
    }
    return ok;
}

hl_testsentinel_t *
hl_testsentinel_new (const char *parent, int down_after_ms)
{
    hl_testsentinel_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->dir, sizeof self->dir, "%s/redis", parent);
    mkdir (self->dir, 0700);
    size_t off = 0;
    for (int i = 0; i < S_NODES; i++) {
        self->port[i] = hl_proc_free_port ();
        if (i >= HL_TESTSENTINEL_DATA)
            off += (size_t) snprintf (self->sentinels + off, sizeof self->sentinels - off,
                                      "%s127.0.0.1:%d", off ? "," : "", self->port[i]);
    }
    int ok = 1;
    for (int i = 0; i < S_NODES && ok; i++) {
        self->pid[i] = i < HL_TESTSENTINEL_DATA ? s_start_data (self, i)
                                                : s_start_sentinel (self, i, down_after_ms);
        ok = self->pid[i] > 0;
    }
    for (int k = 0; ok && k < 300 && !s_ready (self); k++)
        hl_testenv_sleep_ms (100);
    if (!ok || !s_ready (self)) {
        fprintf (stderr, "testsentinel: the primary, replicas and sentinels under %s "
                         "did not come up\n", parent);
        hl_testsentinel_destroy (&self);
    }
    return self;
}

void
hl_testsentinel_destroy (hl_testsentinel_t **self_p)
{
    hl_testsentinel_t *self = *self_p;
    if (!self)
        return;
    for (int i = S_NODES - 1; i >= 0; i--)
        if (self->pid[i] > 0)
            hl_proc_stop (self->pid[i], SIGKILL);
    free (self);
    *self_p = NULL;
}

const char *
hl_testsentinel_sentinels (const hl_testsentinel_t *self)
{
    return self->sentinels;
}

int
hl_testsentinel_primary (hl_testsentinel_t *self, char *address, size_t len)
{
    const char *argv[] = { "SENTINEL", "get-master-addr-by-name", hl_testsentinel_name () };
    for (int i = HL_TESTSENTINEL_DATA; i < S_NODES; i++) {
        redisReply *r = s_ask (self, i, 3, argv);
        int ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2;
        if (ok)
            snprintf (address, len, "%s:%s", r->element[0]->str, r->element[1]->str);
        if (r)
            freeReplyObject (r);
        if (ok)
            return 0;
    }
    return -1;
}

int
hl_testsentinel_kill (hl_testsentinel_t *self, const char *address)
{
    for (int i = 0; i < HL_TESTSENTINEL_DATA; i++) {
        char mine[32];
        snprintf (mine, sizeof mine, "127.0.0.1:%d", self->port[i]);
        if (strcmp (mine, address) == 0 && self->pid[i] > 0) {
            hl_proc_stop (self->pid[i], SIGKILL);
            self->pid[i] = 0;
            return 0;
        }
    }
    return -1;
}

int
hl_testsentinel_wait_switch (hl_testsentinel_t *self, const char *old, int timeout_ms,
                             char *address, size_t len)
{
    long long until = hl_testenv_now_ms () + timeout_ms;
    while (hl_testenv_now_ms () < until) {
        if (hl_testsentinel_primary (self, address, len) == 0 && strcmp (address, old) != 0)
            return 0;
        hl_testenv_sleep_ms (50);
    }
    return -1;
}

redisContext *
hl_testsentinel_connect (const char *address)
{
    const char *colon = strrchr (address, ':');
    if (!colon)
        return NULL;
    char host[64];
    snprintf (host, sizeof host, "%.*s", (int) (colon - address), address);
    struct timeval tv = { 1, 0 };
    redisContext *c = redisConnectWithTimeout (host, atoi (colon + 1), tv);
    if (!c || c->err) {
        if (c)
            redisFree (c);
        return NULL;
    }
    redisSetTimeout (c, tv);
    return c;
}
