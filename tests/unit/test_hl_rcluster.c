/*  Unit test of hl_rcluster against a real local Redis Cluster (3 masters
 *  + 3 replicas, hl_testcluster) and a standalone redis-server: routing by
 *  slot, resharding under load (by hand with MIGRATING/IMPORTING, and with
 *  redis-cli --cluster reshard), a master killed and failed over, a master
 *  frozen, and the one-node case.
 *
 *  Load is a Function call (INCRBY on its one declared key) on counters
 *  whose slot the test chooses; each success is counted, so at the end
 *  every counter must equal its successes: a command lost would show as
 *  a failure, one run twice as a surplus.
 */
#include "hl_rcluster.h"
#include "hl_test.h"
#include "hl_testcluster.h"
#include "hl_testenv.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#define S_KEYS 16

static void
s_run (struct event_base *base, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit (base, &tv);
    event_base_dispatch (base);
}

//  --------------------------------------------------------------------
//  The owner's side: the per-master hook.

//  The load's increments are Function calls with a declared key, as the
//  store's slot-local Functions will be.
static const char *s_library =
    "#!lua name=rcluster_test\n"
    "redis.register_function('bump', function (keys, args)\n"
    "  for i = 2, #keys do redis.call('INCRBY', keys[i], args[1]) end\n"
    "  return redis.call('INCRBY', keys[1], args[1]) end)\n";

typedef struct {
    int ups, downs;
    char last_up[64];
} s_hook_t;

static void
s_on_node (hl_rcluster_t *cluster, hl_redis_t *node, int up, void *arg)
{
    (void) cluster;
    s_hook_t *h = arg;
    if (up) {
        h->ups++;
        snprintf (h->last_up, sizeof h->last_up, "%s", hl_redis_address (node));
        //  What hotlined does: its Function library on every master,
        //  ahead of any call routed there.
        const char *argv[] = { "FUNCTION", "LOAD", "REPLACE", s_library };
        HL_CHECK (hl_redis_command (node, 4, argv, NULL, NULL, NULL) == 0);
    }
    else
        h->downs++;
}

static hl_rcluster_t *
s_connect_as (struct event_base *base, const char *seeds, int timeout_ms, int retry_ms,
              s_hook_t *hook, const char *user, const char *password)
{
    hl_rcluster_opts_t o;
    hl_rcluster_opts_default (&o);
    o.seeds = seeds;
    o.node.user = user;
    o.node.password = password;
    o.node.timeout_ms = timeout_ms;
    o.node.backoff_max_ms = 100;
    o.retry_ms = retry_ms;
    char err[256];
    hl_rcluster_t *c = hl_rcluster_new (base, &o, err, sizeof err);
    HL_CHECK (c != NULL);
    if (!c)
        return NULL;
    hl_rcluster_set_node_fn (c, s_on_node, hook);
    for (int i = 0; i < 300 && hl_rcluster_masters_up (c) < hl_rcluster_masters (c) + !hl_rcluster_is_ready (c); i++)
        s_run (base, 20);
    HL_CHECK (hl_rcluster_is_ready (c));
    return c;
}

static hl_rcluster_t *
s_connect (struct event_base *base, const char *seeds, int timeout_ms, int retry_ms,
           s_hook_t *hook)
{
    return s_connect_as (base, seeds, timeout_ms, retry_ms, hook, NULL, NULL);
}

//  A case's cluster, its loop, and the layer on it (seeded with a dead
//  address first, which it must get past).
typedef struct {
    hl_testcluster_t *tc;
    struct event_base *base;
    hl_rcluster_t *c;
    s_hook_t hook;
} s_fix_t;

//  Starts a cluster (NODE_TIMEOUT_MS) and the layer on it (each
//  connection's TIMEOUT_MS, each command's RETRY_MS). 0 or -1.
static int
s_fix_start (s_fix_t *f, const char *name, int node_timeout_ms, int timeout_ms, int retry_ms)
{
    memset (f, 0, sizeof *f);
    f->tc = hl_testcluster_new (name, node_timeout_ms);
    HL_CHECK (f->tc != NULL);
    if (!f->tc)
        return -1;
    f->base = event_base_new ();
    char seeds[512];
    snprintf (seeds, sizeof seeds, "127.0.0.1:%d, %s", hl_proc_free_port (),
              hl_testcluster_seeds (f->tc));
    f->c = s_connect (f->base, seeds, timeout_ms, retry_ms, &f->hook);
    return f->c ? 0 : -1;
}

static void
s_fix_end (s_fix_t *f)
{
    hl_rcluster_destroy (&f->c);
    HL_CHECK (f->c == NULL);
    event_base_free (f->base);
    hl_testcluster_destroy (&f->tc);
}

static void
s_print_stats (hl_rcluster_t *c, hl_rcluster_stats_t *st)
{
    hl_rcluster_stats (c, st);
    printf ("  moved %llu, ask %llu, retries %llu, refreshes %llu, lost %llu, failed %llu\n",
            (unsigned long long) st->moved, (unsigned long long) st->ask,
            (unsigned long long) st->retries, (unsigned long long) st->refreshes,
            (unsigned long long) st->lost, (unsigned long long) st->failed);
}

//  Gives the Redis of ENV deploy's "hotline" user, with the rights
//  deploy/redis-acl.sh grants it and the password PASSWORD.
static void
s_deploy_user (hl_testenv_t *env, const char *password)
{
    char secrets[300], acl[300], cmd[2400];
    snprintf (secrets, sizeof secrets, "%s/secrets", hl_testenv_dir (env));
    snprintf (acl, sizeof acl, "%s/users.acl", hl_testenv_dir (env));
    snprintf (cmd, sizeof cmd,
              "mkdir -p '%s' && printf %%s '%s' >'%s/redis-hotline.password' && "
              "printf admin >'%s/redis-admin.password' && "
              "bash -c '. \"$0\"; write_acl \"$1\" \"$2\"' '%s' '%s' '%s'",
              secrets, password, secrets, secrets,
              getenv ("HL_REDIS_ACL_SH") ? getenv ("HL_REDIS_ACL_SH") : "deploy/redis-acl.sh",
              acl, secrets);
    HL_CHECK (system (cmd) == 0);
    FILE *f = fopen (acl, "r");
    char line[1024] = "";
    while (f && fgets (line, sizeof line, f) && strncmp (line, "user hotline ", 13) != 0)
        ;
    if (f)
        fclose (f);
    HL_CHECK (strncmp (line, "user hotline ", 13) == 0);
    //  "user hotline RULES..." is "ACL SETUSER hotline RULES...".
    const char *argv[64] = { "ACL", "SETUSER" };
    int argc = 2;
    for (char *tok = strtok (line + 5, " \n"); tok && argc < 64; tok = strtok (NULL, " \n"))
        argv[argc++] = tok;
    redisReply *r = redisCommandArgv (hl_testenv_redis (env), argc, argv, NULL);
    HL_CHECK (r && r->type == REDIS_REPLY_STATUS);
    if (r)
        freeReplyObject (r);
}

//  --------------------------------------------------------------------
//  Load: a Function call incrementing counters, every outcome counted.

typedef struct {
    struct event_base *base;
    hl_rcluster_t *cluster;
    char keys[S_KEYS * 2][48];
    int n_keys;
    long long success[S_KEYS * 2];
    int codes[8];
    int inflight;
    int pairs;                   //  every other call increments two keys of one slot
    unsigned calls;
    struct event *timer;
} s_load_t;

typedef struct {
    s_load_t *load;
    int k, k2;                   //  k2 < 0: one key
} s_incr_t;

static void
s_on_incr (hl_rcluster_t *cluster, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    s_incr_t *call = arg;
    s_load_t *load = call->load;
    load->inflight--;
    load->codes[code]++;
    if (code == HL_RCLUSTER_OK) {
        HL_CHECK (reply && reply->type == REDIS_REPLY_INTEGER);
        if (reply->type == REDIS_REPLY_INTEGER) {
            load->success[call->k]++;
            if (call->k2 >= 0)
                load->success[call->k2]++;
        }
        else
            fprintf (stderr, "INCR %s: %s\n", load->keys[call->k], reply->str);
    }
    free (call);
}

//  Increments counter K (and K2, of the same slot, if K2 >= 0).
static int
s_incr (s_load_t *load, int k, int k2)
{
    s_incr_t *call = malloc (sizeof *call);
    call->load = load;
    call->k = k;
    call->k2 = k2;
    const char *argv[6] = { "FCALL", "bump", "1", load->keys[k], "1", "1" };
    int argc = 5;
    if (k2 >= 0) {
        argv[2] = "2";
        argv[4] = load->keys[k2];
        argc = 6;
    }
    const char *key = load->keys[k];
    if (hl_rcluster_command (load->cluster, key, strlen (key), argc, argv, NULL, s_on_incr,
                             call) != 0) {
        free (call);
        return -1;
    }
    load->inflight++;
    return 0;
}

static void
s_on_load_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_load_t *load = arg;
    for (int i = 0; i < 4 && load->inflight < 64; i++) {
        int k = rand () % load->n_keys;
        //  The pairs are among the first S_KEYS keys, which share a slot.
        int k2 = load->pairs && k < S_KEYS - 1 && load->calls++ % 2 ? k + 1 : -1;
        s_incr (load, k, k2);
    }
}

//  A key name whose slot is SLOT ("{tag}:suffix").
static void
s_key_in_slot (char *out, size_t outlen, int slot, const char *suffix)
{
    for (int n = 0;; n++) {
        char tag[24];
        snprintf (tag, sizeof tag, "t%d", n);
        if (hl_rslot_keyslot (tag, strlen (tag)) == slot) {
            snprintf (out, outlen, "{%s}:%s", tag, suffix);
            return;
        }
    }
}

//  Load on N counters: counter k is "{tag}:c<k>" in slot SLOT + k % SPREAD
//  (none named if SLOT < 0).
static void
s_load_init (s_load_t *load, struct event_base *base, hl_rcluster_t *c, int slot, int spread,
             int n)
{
    memset (load, 0, sizeof *load);
    load->base = base;
    load->cluster = c;
    load->n_keys = n;
    for (int k = 0; slot >= 0 && k < n; k++) {
        char suffix[16];
        snprintf (suffix, sizeof suffix, "c%d", k);
        s_key_in_slot (load->keys[k], sizeof load->keys[k], slot + k % spread, suffix);
    }
}

static void
s_load_start (s_load_t *load, int tick_ms)
{
    load->timer = event_new (load->base, -1, EV_PERSIST, s_on_load_tick, load);
    struct timeval tv = { 0, tick_ms * 1000 };
    event_add (load->timer, &tv);
}

static void
s_load_stop (s_load_t *load)
{
    event_free (load->timer);
    for (int i = 0; i < 500 && load->inflight > 0; i++)
        s_run (load->base, 20);
    HL_CHECK (load->inflight == 0);
}

typedef struct {
    int done;
    long long value;
    int code;
} s_get_t;

static void
s_on_get (hl_rcluster_t *cluster, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    s_get_t *g = arg;
    g->done = 1;
    g->code = code;
    g->value = reply && reply->type == REDIS_REPLY_STRING ? atoll (reply->str) : 0;
}

//  Every counter equals its successes: nothing lost, nothing doubled.
//  Only a command answered "lost" (its connection went down after it was
//  sent) may or may not have run.
static void
s_load_verify (s_load_t *load)
{
    long long lost = load->codes[HL_RCLUSTER_LOST];
    long long total = 0;
    for (int k = 0; k < load->n_keys; k++) {
        s_get_t g = { 0 };
        const char *argv[] = { "GET", load->keys[k] };
        HL_CHECK (hl_rcluster_command (load->cluster, argv[1], strlen (argv[1]), 2, argv, NULL,
                                       s_on_get, &g) == 0);
        for (int i = 0; i < 300 && !g.done; i++)
            s_run (load->base, 10);
        HL_CHECK (g.done && g.code == HL_RCLUSTER_OK);
        if (g.value != load->success[k])
            fprintf (stderr, "%s: %lld in Redis, %lld acknowledged, %lld lost\n", load->keys[k],
                     g.value, load->success[k], lost);
        HL_CHECK (g.value >= load->success[k] && g.value <= load->success[k] + lost);
        total += load->success[k];
    }
    printf ("  %lld increments acknowledged and found\n", total);
}

//  --------------------------------------------------------------------
//  Cases.

typedef struct {
    int parts, ok, failed, done;
    long long sum;
} s_all_probe_t;

static void
s_on_each (hl_rcluster_t *cluster, const char *address, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    (void) address;
    s_all_probe_t *p = arg;
    p->parts++;
    if (code == HL_RCLUSTER_OK && reply->type == REDIS_REPLY_INTEGER)
        p->sum += reply->integer;
}

static void
s_on_done (hl_rcluster_t *cluster, int ok, int failed, void *arg)
{
    (void) cluster;
    s_all_probe_t *p = arg;
    p->done++;
    p->ok = ok;
    p->failed = failed;
}

static void
s_on_set (hl_rcluster_t *cluster, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    int *ok = arg;
    if (code == HL_RCLUSTER_OK && reply->type == REDIS_REPLY_STATUS)
        (*ok)++;
}

//  Sum of DBSIZE over the masters, through hl_rcluster_all.
static s_all_probe_t
s_dbsize (struct event_base *base, hl_rcluster_t *c)
{
    s_all_probe_t p = { 0 };
    const char *argv[] = { "DBSIZE" };
    HL_CHECK (hl_rcluster_all (c, 1, argv, NULL, s_on_each, s_on_done, &p) == 0);
    for (int i = 0; i < 300 && !p.done; i++)
        s_run (base, 10);
    return p;
}

//  Each key lands on the master that serves its slot, with no redirection;
//  our key slots agree with the server's; the hook ran on every master;
//  a call on all masters adds up.
static void
test_routing (void)
{
    s_fix_t f;
    if (s_fix_start (&f, "rcluster-routing", 2000, 2000, 2000) != 0)
        return;
    hl_testcluster_t *tc = f.tc;
    struct event_base *base = f.base;
    hl_rcluster_t *c = f.c;
    redisContext *admin = hl_testcluster_redis (tc, 0);
    for (int i = 0; i < 300; i++) {
        char key[48];
        snprintf (key, sizeof key, i % 3 ? "ticket:%d" : "{b%d}:ticket", i * 7919);
        redisReply *r = redisCommand (admin, "CLUSTER KEYSLOT %s", key);
        HL_CHECK (r && r->type == REDIS_REPLY_INTEGER
                  && r->integer == hl_rslot_keyslot (key, strlen (key)));
        freeReplyObject (r);
    }
    HL_CHECK (hl_rcluster_masters (c) == 3 && hl_rcluster_masters_up (c) == 3);
    HL_CHECK (!hl_rcluster_is_standalone (c));
    HL_CHECK (f.hook.ups == 3 && f.hook.downs == 0);
    int ok = 0;
    for (int i = 0; i < 300; i++) {
        char key[32], value[32];
        snprintf (key, sizeof key, "k%d", i);
        snprintf (value, sizeof value, "v%d", i);
        const char *argv[] = { "SET", key, value };
        HL_CHECK (hl_rcluster_command (c, key, strlen (key), 3, argv, NULL, s_on_set, &ok) == 0);
    }
    for (int i = 0; i < 300 && ok < 300; i++)
        s_run (base, 10);
    HL_CHECK (ok == 300);
    hl_rcluster_stats_t st;
    hl_rcluster_stats (c, &st);
    HL_CHECK (st.moved == 0 && st.ask == 0 && st.lost == 0 && st.failed == 0);
    //  Each key is on the node the cluster says serves its slot (asked
    //  directly, so a misrouted key would not be found there).
    for (int i = 0; i < 300; i += 7) {
        char key[32];
        snprintf (key, sizeof key, "k%d", i);
        int slot = hl_rslot_keyslot (key, strlen (key));
        int owner = hl_testcluster_master_of (tc, slot);
        HL_CHECK (owner >= 0);
        if (owner < 0)
            continue;
        HL_CHECK_STR (hl_rcluster_slot_address (c, slot), hl_testcluster_address (tc, owner));
        redisReply *r = redisCommand (hl_testcluster_redis (tc, owner), "GET %s", key);
        HL_CHECK (r && r->type == REDIS_REPLY_STRING && atoi (r->str + 1) == i);
        freeReplyObject (r);
    }
    s_all_probe_t p = s_dbsize (base, c);
    HL_CHECK (p.done == 1 && p.parts == 3 && p.ok == 3 && p.failed == 0);
    HL_CHECK (p.sum == 300);
    //  A command with no map yet is refused, not accepted.
    hl_rcluster_t *fresh = hl_rcluster_new (base, &(hl_rcluster_opts_t) { .seeds = "127.0.0.1:1",
        .node = { .timeout_ms = 100, .backoff_min_ms = 10, .backoff_max_ms = 100,
                  .ping_idle_ms = 100 }, .retry_ms = 100, .max_redirects = 1 }, NULL, 0);
    const char *argv[] = { "PING" };
    HL_CHECK (fresh && hl_rcluster_command (fresh, "x", 1, 1, argv, NULL, s_on_set, &ok) == -1);
    HL_CHECK (hl_rcluster_all (fresh, 1, argv, NULL, s_on_each, s_on_done, &p) == -1);
    hl_rcluster_destroy (&fresh);
    s_fix_end (&f);
}

//  A move of SLOT: its master (SRC) and another master (DST), with their ids.
static int
s_pick_move (hl_testcluster_t *tc, int slot, int *src, int *dst, char *src_id, char *dst_id)
{
    *src = hl_testcluster_master_of (tc, slot);
    *dst = -1;
    for (int i = 0; i < HL_TESTCLUSTER_NODES && *dst < 0; i++)
        if (i != *src && hl_testcluster_first_slot (tc, i) >= 0)
            *dst = i;
    HL_CHECK (*src >= 0 && *dst >= 0);
    if (*src < 0 || *dst < 0 || hl_testcluster_node_id (tc, *src, src_id, 64) != 0
        || hl_testcluster_node_id (tc, *dst, dst_id, 64) != 0)
        return -1;
    return 0;
}

//  A slot moved by hand while counters in it are incremented: first ASK
//  (the slot is MIGRATING, half its keys moved; a call on two keys that
//  are now apart gets TRYAGAIN and waits), then MOVED once the slot
//  belongs to the other master. Nothing lost, nothing doubled.
static void
test_reshard_by_hand (void)
{
    s_fix_t f;
    if (s_fix_start (&f, "rcluster-ask", 3000, 2000, 3000) != 0)
        return;
    hl_testcluster_t *tc = f.tc;
    struct event_base *base = f.base;
    const int slot = 4242;
    int src, dst;
    char src_id[64], dst_id[64];
    HL_CHECK (s_pick_move (tc, slot, &src, &dst, src_id, dst_id) == 0);
    s_load_t load;
    s_load_init (&load, base, f.c, slot, 1, S_KEYS + 4);
    load.pairs = 1;
    for (int k = S_KEYS; k < load.n_keys; k++)          //  other slots go on meanwhile
        snprintf (load.keys[k], sizeof load.keys[k], "other:%d", k);
    s_load_start (&load, 2);
    s_run (base, 300);
    HL_CHECK (hl_testcluster_setslot (tc, dst, slot, "IMPORTING", src_id) == 0);
    HL_CHECK (hl_testcluster_setslot (tc, src, slot, "MIGRATING", dst_id) == 0);
    s_run (base, 300);
    HL_CHECK (hl_testcluster_migrate (tc, src, dst, slot, S_KEYS / 2) == S_KEYS / 2);
    s_run (base, 500);                                  //  keys on both sides: ASK
    while (hl_testcluster_migrate (tc, src, dst, slot, 0) > 0)
        s_run (base, 20);
    s_run (base, 300);
    HL_CHECK (hl_testcluster_setslot (tc, dst, slot, "NODE", dst_id) == 0);
    HL_CHECK (hl_testcluster_setslot (tc, src, slot, "NODE", dst_id) == 0);
    for (int i = 0; i < HL_TESTCLUSTER_NODES; i++)
        if (i != src && i != dst && hl_testcluster_first_slot (tc, i) >= 0)
            HL_CHECK (hl_testcluster_setslot (tc, i, slot, "NODE", dst_id) == 0);
    s_run (base, 500);                                  //  the old owner says MOVED
    s_load_stop (&load);
    hl_rcluster_stats_t st;
    s_print_stats (f.c, &st);
    HL_CHECK (st.ask > 0 && st.moved > 0 && st.retries > 0);
    HL_CHECK (load.codes[HL_RCLUSTER_OK] > 0);
    HL_CHECK (load.codes[HL_RCLUSTER_OK] == load.codes[0] && st.lost == 0 && st.failed == 0);
    for (int code = 1; code < 8; code++)
        HL_CHECK (load.codes[code] == 0);
    HL_CHECK_STR (hl_rcluster_slot_address (f.c, slot), hl_testcluster_address (tc, dst));
    s_load_verify (&load);
    s_fix_end (&f);
}

//  redis-cli --cluster reshard moves ten slots (the counters' among them)
//  while they are incremented.
static void
test_reshard_cli (void)
{
    s_fix_t f;
    if (s_fix_start (&f, "rcluster-reshard", 3000, 2000, 3000) != 0)
        return;
    hl_testcluster_t *tc = f.tc;
    struct event_base *base = f.base;
    int src, dst;
    char src_id[64], dst_id[64];
    HL_CHECK (s_pick_move (tc, 0, &src, &dst, src_id, dst_id) == 0);
    HL_CHECK (hl_testcluster_first_slot (tc, src) == 0);   //  reshard moves the lowest first
    s_load_t load;
    s_load_init (&load, base, f.c, 0, 8, S_KEYS * 2);
    s_load_start (&load, 2);
    s_run (base, 300);
    char log[300];
    snprintf (log, sizeof log, "%s/reshard.log", hl_testcluster_dir (tc));
    const char *argv[] = { "redis-cli", "--cluster", "reshard", hl_testcluster_address (tc, src),
                           "--cluster-from", src_id, "--cluster-to", dst_id,
                           "--cluster-slots", "10", "--cluster-pipeline", "2", "--cluster-yes",
                           NULL };
    hl_proc_opts_t opts = { .log = log };
    pid_t pid = hl_proc_spawn (argv, &opts, NULL);
    int status = -1;
    for (int i = 0; i < 3000; i++) {
        s_run (base, 20);
        if (waitpid (pid, &status, WNOHANG) == pid)
            break;
    }
    HL_CHECK (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    s_run (base, 500);
    s_load_stop (&load);
    hl_rcluster_stats_t st;
    s_print_stats (f.c, &st);
    HL_CHECK (st.moved > 0);
    HL_CHECK (hl_testcluster_master_of (tc, 0) == dst);
    HL_CHECK_STR (hl_rcluster_slot_address (f.c, 0), hl_testcluster_address (tc, dst));
    HL_CHECK (load.codes[HL_RCLUSTER_OK] > 0 && st.lost == 0 && st.failed == 0);
    s_load_verify (&load);
    s_fix_end (&f);
}

//  Load A on slot 100, B on slot 15000 (two masters), both running; the
//  index of A's master.
static int
s_two_loads (s_fix_t *f, s_load_t *a, s_load_t *b)
{
    const int slot_a = 100, slot_b = 15000;
    int master_a = hl_testcluster_master_of (f->tc, slot_a);
    HL_CHECK (master_a >= 0 && hl_testcluster_master_of (f->tc, slot_b) != master_a);
    s_load_init (a, f->base, f->c, slot_a, 1, 4);
    s_load_init (b, f->base, f->c, slot_b, 1, 4);
    s_load_start (a, 5);
    s_load_start (b, 5);
    s_run (f->base, 300);
    return master_a;
}

//  A master SIGKILLed: commands for its slots fail with a clear code while
//  the other masters' go on; once its replica has taken over they succeed
//  again, and the hook has run on the new master.
static void
test_master_killed (void)
{
    s_fix_t f;
    if (s_fix_start (&f, "rcluster-kill", 1000, 1000, 300) != 0)
        return;
    struct event_base *base = f.base;
    s_load_t a, b;
    int victim = s_two_loads (&f, &a, &b);
    int ok_before = a.codes[HL_RCLUSTER_OK];
    HL_CHECK (ok_before > 0);
    hl_testcluster_signal (f.tc, victim, SIGKILL);
    long long t0 = hl_testenv_now_ms ();
    //  Until the failover: a's commands fail (not run, or lost in flight).
    while (a.codes[HL_RCLUSTER_UNAVAILABLE] < 20 && hl_testenv_now_ms () - t0 < 20000)
        s_run (base, 20);
    int b_ok_during = b.codes[HL_RCLUSTER_OK];
    HL_CHECK (a.codes[HL_RCLUSTER_UNAVAILABLE] >= 20);
    s_run (base, 300);
    HL_CHECK (b.codes[HL_RCLUSTER_OK] > b_ok_during);      //  the others go on
    //  Then the replica takes over and a's commands succeed again.
    int a_ok = a.codes[HL_RCLUSTER_OK];
    t0 = hl_testenv_now_ms ();
    while (a.codes[HL_RCLUSTER_OK] < a_ok + 50 && hl_testenv_now_ms () - t0 < 30000)
        s_run (base, 50);
    HL_CHECK (a.codes[HL_RCLUSTER_OK] >= a_ok + 50);
    s_load_stop (&a);
    s_load_stop (&b);
    printf ("  a: ok %d unavailable %d lost %d cluster_down %d; b: ok %d failed %d\n",
            a.codes[0], a.codes[HL_RCLUSTER_UNAVAILABLE], a.codes[HL_RCLUSTER_LOST],
            a.codes[HL_RCLUSTER_CLUSTERDOWN], b.codes[0], b.codes[1] + b.codes[2] + b.codes[3]);
    int now_master = hl_testcluster_master_of (f.tc, 100);
    HL_CHECK (now_master >= 0 && now_master != victim);
    if (now_master >= 0)
        HL_CHECK_STR (hl_rcluster_slot_address (f.c, 100),
                      hl_testcluster_address (f.tc, now_master));
    HL_CHECK (f.hook.ups >= 4);                                   //  the new master too
    HL_CHECK (b.codes[HL_RCLUSTER_UNAVAILABLE] == 0 && b.codes[HL_RCLUSTER_LOST] == 0);
    s_load_verify (&b);
    //  a's counters too: with a light load each acknowledged increment
    //  reached the replica before the kill (a failover may lose the last
    //  unreplicated writes of a master in general: docs/operations.md).
    s_load_verify (&a);
    s_fix_end (&f);
}

//  A master frozen (SIGSTOP) for longer than the connection timeout but
//  shorter than the cluster's node timeout: each of its commands is
//  answered (lost or unavailable) while it is still frozen, by that node's
//  own watchdog; the other masters go on; after SIGCONT it serves again.
static void
test_stalled_node (void)
{
    s_fix_t f;
    if (s_fix_start (&f, "rcluster-stall", 15000, 300, 300) != 0)
        return;
    struct event_base *base = f.base;
    s_load_t a, b;
    int frozen = s_two_loads (&f, &a, &b);
    hl_testcluster_signal (f.tc, frozen, SIGSTOP);
    long long t0 = hl_testenv_now_ms ();
    int b_ok = b.codes[HL_RCLUSTER_OK];
    while (a.codes[HL_RCLUSTER_LOST] == 0 && hl_testenv_now_ms () - t0 < 4000)
        s_run (base, 20);
    HL_CHECK (a.codes[HL_RCLUSTER_LOST] > 0);       //  the watchdog answered, node still frozen
    s_run (base, 500);
    int a_failed = a.codes[HL_RCLUSTER_LOST] + a.codes[HL_RCLUSTER_UNAVAILABLE];
    HL_CHECK (a_failed > 0);
    HL_CHECK (b.codes[HL_RCLUSTER_OK] > b_ok);
    hl_testcluster_signal (f.tc, frozen, SIGCONT);
    int a_ok = a.codes[HL_RCLUSTER_OK];
    t0 = hl_testenv_now_ms ();
    while (a.codes[HL_RCLUSTER_OK] < a_ok + 50 && hl_testenv_now_ms () - t0 < 10000)
        s_run (base, 20);
    HL_CHECK (a.codes[HL_RCLUSTER_OK] >= a_ok + 50);
    s_load_stop (&a);
    s_load_stop (&b);
    printf ("  a: ok %d lost %d unavailable %d; b: ok %d\n", a.codes[0],
            a.codes[HL_RCLUSTER_LOST], a.codes[HL_RCLUSTER_UNAVAILABLE], b.codes[0]);
    HL_CHECK (hl_testcluster_master_of (f.tc, 100) == frozen);    //  no failover
    HL_CHECK (b.codes[HL_RCLUSTER_LOST] == 0 && b.codes[HL_RCLUSTER_UNAVAILABLE] == 0);
    HL_CHECK (f.hook.ups >= 4 && f.hook.downs >= 1);   //  the frozen master reconnected
    s_load_verify (&b);
    s_fix_end (&f);
}

//  A standalone Redis is a cluster of one node: every slot on it, the hook
//  on each (re)connect, commands waiting out a restart within retry_ms.
//  It runs as deploy's "hotline" user, with only the rights deploy gives.
static void
test_standalone (void)
{
    hl_testenv_t *env = hl_testenv_new ("rcluster-standalone");
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    s_deploy_user (env, "pw-hotline");
    struct event_base *base = event_base_new ();
    s_hook_t hook = { 0 };
    hl_rcluster_t *c = s_connect_as (base, hl_testenv_redis_address (env), 500, 3000, &hook,
                                     "hotline", "pw-hotline");
    HL_CHECK (c && hl_rcluster_is_standalone (c) && hl_rcluster_masters (c) == 1);
    HL_CHECK (hook.ups == 1);
    HL_CHECK_STR (hl_rcluster_slot_address (c, 0), hl_testenv_redis_address (env));
    HL_CHECK_STR (hl_rcluster_slot_address (c, 16383), hl_testenv_redis_address (env));
    s_load_t load;
    s_load_init (&load, base, c, -1, 1, S_KEYS);
    for (int k = 0; k < S_KEYS; k++)
        snprintf (load.keys[k], sizeof load.keys[k], "hl:counter:%d", k);
    s_load_start (&load, 5);
    s_run (base, 300);
    hl_testenv_redis_stop (env);          //  a clean restart: nothing in flight is lost
    s_run (base, 200);
    HL_CHECK (hook.downs == 1);
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    s_deploy_user (env, "pw-hotline");    //  ACL SETUSER does not outlive a restart
    int ok = load.codes[HL_RCLUSTER_OK];
    for (int i = 0; i < 200 && load.codes[HL_RCLUSTER_OK] < ok + 50; i++)
        s_run (base, 20);
    s_load_stop (&load);
    HL_CHECK (hook.ups == 2);
    HL_CHECK (load.codes[HL_RCLUSTER_OK] >= ok + 50);
    printf ("  ok %d lost %d unavailable %d\n", load.codes[0], load.codes[HL_RCLUSTER_LOST],
            load.codes[HL_RCLUSTER_UNAVAILABLE]);
    s_load_verify (&load);
    s_all_probe_t p = s_dbsize (base, c);
    HL_CHECK (p.done == 1 && p.parts == 1 && p.ok == 1 && p.sum == S_KEYS);
    hl_rcluster_stats_t st;
    hl_rcluster_stats (c, &st);
    HL_CHECK (st.moved == 0 && st.ask == 0);
    //  Destroying answers what is still waiting, once each.
    hl_testenv_redis_pause (env, 1);
    s_load_t rest;
    s_load_init (&rest, base, c, -1, 1, 1);
    snprintf (rest.keys[0], sizeof rest.keys[0], "hl:counter:x");
    for (int i = 0; i < 5; i++)
        HL_CHECK (s_incr (&rest, 0, -1) == 0);
    s_run (base, 50);
    hl_rcluster_destroy (&c);
    HL_CHECK (rest.inflight == 0 && rest.codes[HL_RCLUSTER_LOST] == 5);
    hl_testenv_redis_pause (env, 0);
    event_base_free (base);
    hl_testenv_destroy (&env);
}

static void
test_bad_options (void)
{
    struct event_base *base = event_base_new ();
    hl_rcluster_opts_t o;
    hl_rcluster_opts_default (&o);
    char err[256];
    const char *bad[] = { "", " , ", "nocolon", "127.0.0.1:1,host:0", NULL };
    for (int i = 0; bad[i]; i++) {
        o.seeds = bad[i];
        err[0] = 0;
        HL_CHECK (hl_rcluster_new (base, &o, err, sizeof err) == NULL && *err);
    }
    HL_CHECK_STR (hl_rcluster_code_name (HL_RCLUSTER_UNAVAILABLE), "unavailable");
    HL_CHECK_STR (hl_rcluster_code_name (HL_RCLUSTER_LOST), "lost");
    event_base_free (base);
}

static const hl_test_case_t s_cases[] = {
    { "routing", test_routing }, { "reshard_by_hand", test_reshard_by_hand },
    { "reshard_cli", test_reshard_cli }, { "master_killed", test_master_killed },
    { "stalled_node", test_stalled_node }, { "standalone", test_standalone },
    { "bad_options", test_bad_options }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
