/*  hl_store: ticket store over Redis Functions. See hl_store.h. */
#include "hl_store.h"
#include "hl_store_int.h"
#include "hl_bucket.h"
#include "hl_callerix.h"
#include "hl_complaint.h"
#include "hl_date.h"
#include "hl_layout.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_rcluster.h"
#include "hl_seqguard.h"
#include "hl_text.h"
#include "hl_textpack.h"
#include "hl_wire.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

//  A master of the store as the cluster layer announced it: the function
//  library is loaded and the ticket numbers guarded on each one by itself
//  (hl_layout, FUNCTION LOAD, hl_seqguard), before it serves intake.
typedef struct s_master {
    struct s_master *next;
    hl_store_t *store;
    hl_redis_t *redis;           //  NULL: the entry is free
    int guarded;                 //  library loaded, numbers guarded
    unsigned epoch;              //  bumped at every up and down
    unsigned busy;               //  the epoch the loading steps belong to
    struct event *retry;         //  loads again after a refusal
} s_master_t;

struct hl_store {
    hl_rcluster_t *cluster;      //  writes: intake, transitions, timers
    hl_rcluster_t *reads;        //  lookups, lists and dashboard figures
    hl_rcluster_t *waits;        //  ack_replicas: WAIT, off the write connections
    struct event_base *base;
    s_master_t *masters;
    hl_store_opts_t opts;
    char city_prefix[16];
    char tz[16];                 //  tz_offset_min as text
    char ttl[16];                //  idempotency_ttl_s as text
    //  opts.rules as the named arguments of every transition.
    char rule_text[3][16], extension_limits[256];
    int ready;                   //  every master of the map guarded
    int served;                  //  some master was guarded once: calls may be sent
    void (*ready_fn) (void *arg);    //  told each time the store becomes ready
    void *ready_arg;
    //  ack_replicas: intakes stored on a master, waiting for WAIT.
    struct s_replication *waiting;
    struct s_waitbatch *batches;     //  WAITs in flight, one per master at most
    void (*newer_fn) (const char *why, void *arg);  //  told of a store too new to serve
    void *newer_arg;
};

//  The complaint's text fields, stored under their proto names in the
//  ticket hash. One table serves both directions so the two cannot drift.
//  PACKED: the long free text, stored packed where that is shorter
//  (hl_textpack: 1.5 bytes a common Chinese character instead of three); only
//  hotlined reads these fields, no Function looks into them.
typedef struct {
    const char *name;
    size_t has_offset;
    size_t data_offset;
    int packed;                  //  its index among the packed fields + 1, or 0
} s_text_field_t;

#define S_FIELD(f, packed) \
    { #f, offsetof (Hotline__Complaint, has_##f), offsetof (Hotline__Complaint, f), packed }
#define S_TEXT(f) S_FIELD (f, 0)
static const s_text_field_t s_text_fields[] = {
    S_TEXT (channel_ref), S_TEXT (caller_name), S_TEXT (category), S_TEXT (area),
    S_FIELD (address, 1), S_TEXT (credit_code), S_TEXT (enterprise_name), S_FIELD (content, 2),
    S_TEXT (request_id), S_TEXT (article), S_TEXT (agent), S_TEXT (tag),
};
#define S_TEXT_COUNT (sizeof s_text_fields / sizeof s_text_fields[0])
#define S_PACKED_COUNT 2

//  What the hash's field/value pairs of a complaint point into while the
//  command is made: numbers formatted, text packed.
typedef struct {
    char numbers[3][32];
    hl_buf_t packed[S_PACKED_COUNT];
} s_field_space_t;

static void
s_field_space_free (s_field_space_t *space)
{
    for (int i = 0; i < S_PACKED_COUNT; i++)
        hl_buf_free (&space->packed[i]);
}

//  Boolean flags, stored as "1" when set.
typedef struct {
    const char *name;
    size_t has_offset;
    size_t offset;
} s_flag_field_t;

#define S_FLAG(f) { #f, offsetof (Hotline__Complaint, has_##f), offsetof (Hotline__Complaint, f) }
static const s_flag_field_t s_flag_fields[] = {
    S_FLAG (enterprise), S_FLAG (confidential), S_FLAG (anonymous), S_FLAG (urgent),
};
#define S_FLAG_COUNT (sizeof s_flag_fields / sizeof s_flag_fields[0])

#define S_ARGS_MAX 96

//  --------------------------------------------------------------------
//  Connection life: on every master, load the function library after
//  every connect.

static void s_load_functions (s_master_t *m);

static void
s_retry_soon (s_master_t *m)
{
    struct timeval tv = { 0, 200 * 1000 };
    evtimer_add (m->retry, &tv);
}

//  True while M's loading steps are still those of its current connection.
static int
s_master_current (const s_master_t *m)
{
    return m->redis && m->busy == m->epoch;
}

//  The master whose connection is REDIS, NULL if none is.
static s_master_t *
s_master_of (hl_store_t *self, const hl_redis_t *redis)
{
    for (s_master_t *m = self->masters; m; m = m->next)
        if (m->redis && m->redis == redis)
            return m;
    return NULL;
}

//  The connection to BUCKET's master in the slot map, NULL if none.
static const hl_redis_t *
s_bucket_node (hl_store_t *self, int bucket)
{
    char key[HL_BUCKET_KEY_MAX];
    int len = hl_bucket_own_key (key, sizeof key, bucket, "seq");
    return len < 0 ? NULL
        : hl_rcluster_slot_node (self->cluster, hl_rslot_keyslot (key, (size_t) len));
}

//  The guarded master serving BUCKET now, NULL if it is away or not yet
//  guarded (then no ticket number may be issued in that bucket).
static s_master_t *
s_bucket_master (hl_store_t *self, int bucket)
{
    const hl_redis_t *node = s_bucket_node (self, bucket);
    for (s_master_t *m = self->masters; node && m; m = m->next)
        if (m->redis == node && m->guarded)
            return m;
    return NULL;
}

//  Ready once every master of the map is guarded; told once per change.
static void
s_check_ready (hl_store_t *self)
{
    size_t guarded = 0;
    for (s_master_t *m = self->masters; m; m = m->next)
        guarded += m->redis && m->guarded;
    int ready = hl_rcluster_is_ready (self->cluster) && guarded > 0
                && guarded >= hl_rcluster_masters (self->cluster);
    if (ready == self->ready)
        return;
    self->ready = ready;
    if (ready && self->ready_fn)
        self->ready_fn (self->ready_arg);
}

//  Ready once no ticket number can be issued twice on this primary
//  (hl_seqguard): until then intake in its buckets is answered "retry".
static void
s_on_guarded (hl_seqguard_outcome_t outcome, void *arg)
{
    s_master_t *m = arg;
    if (!s_master_current (m))
        return;
    if (outcome == HL_SEQGUARD_RETRY) {
        s_retry_soon (m);
        return;
    }
    m->guarded = 1;
    m->store->served = 1;
    hl_info ("ticket store ready on %s (functions loaded%s)", hl_redis_address (m->redis),
             outcome == HL_SEQGUARD_DONE ? ", numbers guarded" : "");
    s_check_ready (m->store);
}

//  The buckets M serves now, for its guard (each master guards its own).
static void
s_master_buckets (hl_store_t *self, const s_master_t *m, unsigned char *owned)
{
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        owned[b] = s_bucket_node (self, b) == m->redis;
}

//  A refused load is retried: a Redis that has just started answers
//  "LOADING" while it reads its append-only file, and the store must not
//  stay unready on a connection that is otherwise fine.
static void
s_on_functions_loaded (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_master_t *m = arg;
    hl_store_t *self = m->store;
    if (!reply || !s_master_current (m))
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        hl_warning ("redis %s refused the function library (%s); trying again",
                    hl_redis_address (m->redis), reply->str);
        s_retry_soon (m);
        return;
    }
    unsigned char owned[HL_TICKET_BUCKETS];
    s_master_buckets (self, m, owned);
    hl_seqguard_opts_t go = { self->opts.seq_guard_gap, self->opts.tz_offset_min,
                              self->opts.clock_ms ? self->opts.clock_ms (self->opts.clock_arg) : 0,
                              owned };
    if (hl_seqguard_run (m->redis, &go, s_on_guarded, m) != 0)
        s_retry_soon (m);
}

//  Our library is loaded only into a store whose layout it knows
//  (hl_layout); a newer one is left alone and never served.
static void
s_on_layout (hl_layout_verdict_t verdict, const char *message, void *arg)
{
    s_master_t *m = arg;
    hl_store_t *self = m->store;
    if (!s_master_current (m))
        return;
    if (verdict == HL_LAYOUT_NEWER) {
        hl_error ("%s", message);
        if (self->newer_fn)
            self->newer_fn (message, self->newer_arg);
        return;
    }
    if (verdict == HL_LAYOUT_RETRY) {
        hl_warning ("checking the store's layout: %s; trying again", message);
        s_retry_soon (m);
        return;
    }
    const char *argv[] = { "FUNCTION", "LOAD", "REPLACE", hl_store_functions };
    size_t lens[] = { 8, 4, 7, hl_store_functions_len };
    hl_redis_command (m->redis, 4, argv, lens, s_on_functions_loaded, m);
}

static void
s_load_functions (s_master_t *m)
{
    m->busy = m->epoch;
    if (hl_rcluster_is_standalone (m->store->cluster))
        hl_layout_check (m->redis, hl_store_functions, hl_store_functions_len, s_on_layout, m);
    else
        hl_layout_check_library (m->redis, hl_store_functions, hl_store_functions_len,
                                 s_on_layout, m);
}

static void
s_on_retry (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_master_t *m = arg;
    if (m->redis && !m->guarded && hl_redis_is_up (m->redis))
        s_load_functions (m);
}

//  A free entry for a master (entries are kept: late callbacks may name one).
static s_master_t *
s_master_new (hl_store_t *self)
{
    for (s_master_t *m = self->masters; m; m = m->next)
        if (!m->redis)
            return m;
    s_master_t *m = calloc (1, sizeof *m);
    if (!m)
        abort ();
    m->store = self;
    m->retry = evtimer_new (self->base, s_on_retry, m);
    if (!m->retry)
        abort ();
    m->next = self->masters;
    self->masters = m;
    return m;
}

//  The cluster layer's hook: a master's connection is usable (UP) or gone.
//  The library goes first on a new connection, ahead of any routed call.
static void
s_on_master (hl_rcluster_t *cluster, hl_redis_t *redis, int up, void *arg)
{
    (void) cluster;
    hl_store_t *self = arg;
    s_master_t *m = s_master_of (self, redis);
    if (!up) {
        if (m) {
            m->redis = NULL;
            m->guarded = 0;
            m->epoch++;
            evtimer_del (m->retry);
        }
        s_check_ready (self);
        return;
    }
    if (!m) {
        m = s_master_new (self);
        m->redis = redis;
    }
    m->guarded = 0;
    m->epoch++;
    s_check_ready (self);
    s_load_functions (m);
}

void
hl_store_opts_default (hl_store_opts_t *opts)
{
    memset (opts, 0, sizeof *opts);
    hl_redis_opts_default (&opts->redis);
    opts->city_prefix = "YJ";
    opts->tz_offset_min = 480;
    opts->idempotency_ttl_s = 30 * 86400;
    opts->ack_timeout_ms = 1000;
    opts->seq_guard_gap = 10000;
}

//  The limits as text once, not at every transition ("" = no limit).
static void
s_rules_text (hl_store_t *self, const hl_store_rules_t *rules)
{
    const int numbers[3] = { rules->reopen_max, rules->return_max, rules->visit_tries };
    for (int i = 0; i < 3; i++)
        if (numbers[i] > 0)
            snprintf (self->rule_text[i], sizeof self->rule_text[i], "%d", numbers[i]);
    snprintf (self->extension_limits, sizeof self->extension_limits, "%s",
              rules->extension_limits ? rules->extension_limits : "");
}

//  One cluster layer over the store's nodes: opts.redis.address is the
//  seed list ("host:port" for a standalone Redis, a cluster of one node).
static hl_rcluster_t *
s_cluster_new (struct event_base *base, const hl_redis_opts_t *node, int extra_ms,
               char *err, size_t errlen)
{
    hl_rcluster_opts_t o;
    hl_rcluster_opts_default (&o);
    o.node = *node;
    o.node.timeout_ms = node->timeout_ms + extra_ms;
    o.seeds = node->address;
    o.retry_ms = node->timeout_ms;
    return hl_rcluster_new (base, &o, err, errlen);
}

hl_store_t *
hl_store_new (struct event_base *base, const hl_store_opts_t *opts, char *err, size_t errlen)
{
    assert (opts->seq_guard_gap > 0);      //  (hl_store_opts_default sets every field)
    hl_store_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->opts = *opts;
    self->base = base;
    snprintf (self->city_prefix, sizeof self->city_prefix, "%s", opts->city_prefix);
    snprintf (self->tz, sizeof self->tz, "%d", opts->tz_offset_min);
    s_rules_text (self, &opts->rules);
    snprintf (self->ttl, sizeof self->ttl, "%d", opts->idempotency_ttl_s);
    //  Reads have their own connections so that a burst of them (lists,
    //  dashboards) never queues in front of a complaint's write, nor makes
    //  the write connection's watchdog give up on a slow read.
    self->cluster = s_cluster_new (base, &opts->redis, 0, err, errlen);
    if (self->cluster) {
        hl_rcluster_set_node_fn (self->cluster, s_on_master, self);
        self->reads = s_cluster_new (base, &opts->redis, 0, err, errlen);
    }
    //  The WAIT connections' watchdog must outlast the WAIT they send.
    if (self->reads && opts->ack_replicas > 0)
        self->waits = s_cluster_new (base, &opts->redis, opts->ack_timeout_ms, err, errlen);
    if (!self->reads || (opts->ack_replicas > 0 && !self->waits)) {
        hl_store_destroy (&self);
        return NULL;
    }
    return self;
}

static void s_batches_free (hl_store_t *self);

void
hl_store_destroy (hl_store_t **self_p)
{
    assert (self_p);
    hl_store_t *self = *self_p;
    if (!self)
        return;
    //  The WAITs first: their answers read the write layer's map.
    hl_rcluster_destroy (&self->waits);
    hl_rcluster_destroy (&self->reads);
    hl_rcluster_destroy (&self->cluster);
    s_batches_free (self);
    while (self->masters) {
        s_master_t *m = self->masters;
        self->masters = m->next;
        event_free (m->retry);
        free (m);
    }
    free (self);
    *self_p = NULL;
}

void
hl_store_set_ready_fn (hl_store_t *self, void (*fn) (void *arg), void *arg)
{
    self->ready_fn = fn;
    self->ready_arg = arg;
}

void
hl_store_set_newer_fn (hl_store_t *self, void (*fn) (const char *why, void *arg), void *arg)
{
    self->newer_fn = fn;
    self->newer_arg = arg;
}

int
hl_store_is_ready (const hl_store_t *self)
{
    return self->ready;
}

//  The round trip of the first guarded master's latest reply.
int64_t
hl_store_rtt_us (const hl_store_t *self)
{
    for (const s_master_t *m = self->masters; m; m = m->next)
        if (m->redis && m->guarded)
            return hl_redis_last_rtt_us (m->redis);
    return 0;
}

size_t
hl_store_pending (const hl_store_t *self)
{
    return hl_rcluster_pending (self->cluster);
}

//  --------------------------------------------------------------------
//  Sending: every call goes to the master of its first key's slot.

//  A caller's callback, called as hl_redis would call it. A call that the
//  cluster layer did not run (its master away, the cluster down, too many
//  redirections) is answered with an error reply that says so in a stable
//  form, S_UNAVAILABLE then the layer's code name; one that may have run
//  and was not confirmed (HL_RCLUSTER_LOST) with NULL, as before.
#define S_UNAVAILABLE "UNAVAILABLE"

typedef struct {
    hl_redis_reply_fn *fn;
    void *arg;
} s_route_t;

static void
s_on_routed (hl_rcluster_t *cluster, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    s_route_t route = *(s_route_t *) arg;
    free (arg);
    if (!route.fn)
        return;
    if (code == HL_RCLUSTER_OK || code == HL_RCLUSTER_LOST) {
        route.fn (NULL, reply, route.arg);
        return;
    }
    char text[160];
    int len = snprintf (text, sizeof text, S_UNAVAILABLE " %s: the store's node for this key "
                        "is away; the call was not run", hl_rcluster_code_name (code));
    redisReply error = { .type = REDIS_REPLY_ERROR, .str = text, .len = (size_t) len };
    route.fn (NULL, &error, route.arg);
}

//  True if REPLY is the answer of a call the store could not run (above).
static int
s_unavailable (const redisReply *reply)
{
    return reply && reply->type == REDIS_REPLY_ERROR
        && strncmp (reply->str, S_UNAVAILABLE " ", sizeof S_UNAVAILABLE) == 0;
}

//  The key a command is routed by: a Function call's first declared key,
//  another command's first argument; a Function that declares none reads
//  the global lists, so goes where they are (the index tag's slot).
static void
s_route_key (int argc, const char **argv, const size_t *lens, const char **key, size_t *len)
{
    int fcall = strncmp (argv[0], "FCALL", 5) == 0;
    if (fcall && argc > 3 && strcmp (argv[2], "0") != 0) {
        *key = argv[3];
        *len = lens ? lens[3] : strlen (argv[3]);
    }
    else
    if (!fcall && argc > 1) {
        *key = argv[1];
        *len = lens ? lens[1] : strlen (argv[1]);
    }
    else {
        *key = HL_INDEX_PREFIX;
        *len = strlen (HL_INDEX_PREFIX);
    }
}

static int s_route_to (hl_store_t *self, hl_rcluster_t *cluster, const char *key,
                       size_t keylen, int argc, const char **argv, const size_t *lens,
                       hl_redis_reply_fn *fn, void *arg);

//  Sends a command through CLUSTER to its key's master: 0, or -1 (FN never
//  called).
static int
s_route (hl_store_t *self, hl_rcluster_t *cluster, int argc, const char **argv,
         const size_t *lens, hl_redis_reply_fn *fn, void *arg)
{
    const char *key;
    size_t keylen;
    s_route_key (argc, argv, lens, &key, &keylen);
    return s_route_to (self, cluster, key, keylen, argc, argv, lens, fn, arg);
}

//  As s_route, to KEY's master.
static int
s_route_to (hl_store_t *self, hl_rcluster_t *cluster, const char *key, size_t keylen,
            int argc, const char **argv, const size_t *lens, hl_redis_reply_fn *fn, void *arg)
{
    if (!self->served)
        return -1;
    //  A read goes on the writes' layer while its own has no slot map yet
    //  (just started, or every node away): it must not be refused then.
    if (cluster == self->reads && !hl_rcluster_is_ready (cluster))
        cluster = self->cluster;
    s_route_t *route = malloc (sizeof *route);
    if (!route)
        abort ();
    *route = (s_route_t) { fn, arg };
    if (hl_rcluster_command (cluster, key, keylen, argc, argv, lens, s_on_routed, route) != 0) {
        free (route);
        return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------
//  Intake.

//  One request in flight to Redis: whose callback to call with what. Only
//  the callback of the request's kind is set.
typedef struct {
    hl_store_intake_fn *intake_fn;
    hl_store_view_fn *view_fn;
    hl_store_transition_fn *transition_fn;
    hl_store_list_fn *list_fn;
    hl_store_scan_fn *scan_fn;
    hl_store_numbers_fn *numbers_fn;
    hl_store_done_fn *done_fn;
    void *arg;
    const hl_pii_t *pii;         //  opens callers' details in what is read
    hl_store_t *store;           //  for what follows a reply (replication)
} s_call_t;

static s_call_t *
s_call_new (void *arg)
{
    s_call_t *call = calloc (1, sizeof *call);
    if (!call)
        abort ();
    call->arg = arg;
    return call;
}

//  Sends the command and hands CALL to its reply callback, or frees CALL
//  and returns -1 (the caller's callback will then never fire).
static int
s_send (hl_store_t *self, int argc, const char **argv, const size_t *lens,
        hl_redis_reply_fn *on_reply, s_call_t *call)
{
    call->pii = self->opts.pii;
    call->store = self;
    if (s_route (self, self->cluster, argc, argv, lens, on_reply, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

//  As s_send, for reads: on the read connections.
static int
s_send_read (hl_store_t *self, int argc, const char **argv, const size_t *lens,
             hl_redis_reply_fn *on_reply, s_call_t *call)
{
    call->pii = self->opts.pii;
    if (s_route (self, self->reads, argc, argv, lens, on_reply, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

//  FNV-1a over the packed complaint: identifies "the same request" so a
//  request id reused for different content is refused, not silently
//  mapped to someone else's ticket.
static void
s_fingerprint (const Hotline__Complaint *c, char out[17])
{
    uint8_t stack[4096];
    size_t size = hotline__complaint__get_packed_size (c);
    uint8_t *buf = size <= sizeof stack ? stack : malloc (size);
    if (!buf)
        abort ();
    hotline__complaint__pack (c, buf);
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < size; i++)
        h = (h ^ buf[i]) * 1099511628211ULL;
    if (buf != stack)
        free (buf);
    snprintf (out, 17, "%016llx", (unsigned long long) h);
}

static int
s_reply_is_array (const redisReply *r, size_t min)
{
    return r && r->type == REDIS_REPLY_ARRAY && r->elements >= min;
}

static void
s_copy_str (char *out, size_t outlen, const redisReply *r)
{
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
        snprintf (out, outlen, "%.*s", (int) r->len, r->str);
    else
    if (r && r->type == REDIS_REPLY_INTEGER)
        snprintf (out, outlen, "%lld", (long long) r->integer);
    else
        out[0] = 0;
}

//  A Function's answer given as name/value pairs: the value named NAME,
//  NULL if there is none.
static const redisReply *
s_named (const redisReply *reply, const char *name)
{
    for (size_t i = 0; s_reply_is_array (reply, 2) && i + 1 < reply->elements; i += 2) {
        const redisReply *key = reply->element[i];
        if (key->type == REDIS_REPLY_STRING && strcmp (key->str, name) == 0)
            return reply->element[i + 1];
    }
    return NULL;
}

//  The named value NAME copied into OUT ("" if none).
static void
s_named_str (const redisReply *reply, const char *name, char *out, size_t outlen)
{
    s_copy_str (out, outlen, s_named (reply, name));
}

//  Turns the reply of hl_intake into a result. Anything unexpected is a
//  failure, never an acknowledgement.
static void
s_parse_intake (const redisReply *reply, hl_store_result_t *res)
{
    memset (res, 0, sizeof *res);
    if (!reply) {
        res->outcome = HL_STORE_LOST;
        snprintf (res->error, sizeof res->error, "the ticket store did not confirm the write");
        return;
    }
    if (s_unavailable (reply)) {
        res->outcome = HL_STORE_UNAVAILABLE;
        snprintf (res->error, sizeof res->error, "%s", reply->str);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        res->outcome = HL_STORE_FAILED;
        snprintf (res->error, sizeof res->error, "ticket store error: %.*s",
                  (int) (reply->len > 120 ? 120 : reply->len), reply->str);
        return;
    }
    char kind[16];
    res->outcome = HL_STORE_FAILED;
    snprintf (res->error, sizeof res->error, "ticket store gave an unexpected reply");
    s_named_str (reply, "outcome", kind, sizeof kind);
    s_named_str (reply, "ticket", res->ticket, sizeof res->ticket);
    if (!res->ticket[0])
        return;
    if (strcmp (kind, "conflict") == 0) {
        res->outcome = HL_STORE_CONFLICT;
        return;
    }
    if (strcmp (kind, "new") != 0 && strcmp (kind, "dup") != 0)
        return;
    char state[32], created[32];
    s_named_str (reply, "state", state, sizeof state);
    s_named_str (reply, "created_ms", created, sizeof created);
    s_named_str (reply, "unit", res->unit, sizeof res->unit);
    s_named_str (reply, "assist", res->assist, sizeof res->assist);
    res->state = hl_wire_state_parse (state);
    res->created_ms = strtoull (created, NULL, 10);
    res->outcome = kind[0] == 'n' ? HL_STORE_NEW : HL_STORE_DUP;
    res->error[0] = 0;
}

//  ---------------------------------------------------------------------
//  Replicated acknowledgement (ack_replicas > 0)
//
//  WAIT counts the replicas that received everything its own connection
//  wrote before it. It runs on connections of their own, so that writes
//  never queue behind it: a small write there (a counter in the ticket's
//  bucket) comes after every intake already answered by that master
//  (Redis runs commands one at a time), and the WAIT after it confirms
//  them all: a group commit, one per master, since a WAIT speaks only for
//  the node it runs on. Intakes answered while their master's WAIT is out
//  wait for the next one. A ticket the replicas did not confirm in time,
//  or whose master changed meanwhile, is not acknowledged
//  (HL_STORE_UNREPLICATED: the caller retries with the same request id,
//  which answers the same ticket once it is replicated).

typedef struct s_replication {
    struct s_replication *next;
    s_call_t *call;
    hl_store_result_t res;
    int bucket;
    char master[HL_RSLOT_ADDR_MAX];  //  where it was stored
} s_replication_t;

typedef struct s_waitbatch {
    struct s_waitbatch *next;
    hl_store_t *store;
    char master[HL_RSLOT_ADDR_MAX];
    int slot;                    //  of the mark key, in the master's buckets
    s_replication_t *list;
    int outstanding;             //  the mark's and the WAIT's answers to come
    int marked;                  //  the mark was written there
    long long replicas;          //  WAIT's answer (-1: none)
    uint64_t redirects;          //  the WAIT layer's redirections when sent
} s_waitbatch_t;

static void s_send_waits (hl_store_t *self);

static uint64_t
s_redirects (const hl_rcluster_t *cluster)
{
    hl_rcluster_stats_t st;
    hl_rcluster_stats (cluster, &st);
    return st.moved + st.ask;
}

//  The master of SLOT now, as the write layer's map says ("" if none).
static const char *
s_slot_master (hl_rcluster_t *cluster, int slot)
{
    const char *address = hl_rcluster_slot_address (cluster, slot);
    return address ? address : "";
}

static void
s_batch_answer (s_waitbatch_t *batch, int confirmed, const char *why)
{
    while (batch->list) {
        s_replication_t *r = batch->list;
        batch->list = r->next;
        if (!confirmed) {
            r->res.outcome = HL_STORE_UNREPLICATED;
            snprintf (r->res.error, sizeof r->res.error, "%s", why);
        }
        r->call->intake_fn (&r->res, r->call->arg);
        free (r->call);
        free (r);
    }
}

//  Both answers in: the batch is confirmed only if the mark was written
//  and WAIT counted enough replicas on the master that stored them all.
static void
s_batch_settle (s_waitbatch_t *batch)
{
    if (--batch->outstanding > 0)
        return;
    hl_store_t *self = batch->store;
    for (s_waitbatch_t **p = &self->batches; *p; p = &(*p)->next)
        if (*p == batch) {
            *p = batch->next;
            break;
        }
    int same = strcmp (s_slot_master (self->waits, batch->slot), batch->master) == 0
            && strcmp (s_slot_master (self->cluster, batch->slot), batch->master) == 0
            && s_redirects (self->waits) == batch->redirects;
    int confirmed = batch->marked && same && batch->replicas >= self->opts.ack_replicas;
    s_batch_answer (batch, confirmed,
                    batch->replicas < 0 ? "no answer to WAIT"
                    : !same ? "the ticket's master changed before its replicas confirmed"
                            : "not confirmed by enough replicas in time");
    free (batch);
    s_send_waits (self);
}

static void
s_on_mark (hl_rcluster_t *cluster, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    s_waitbatch_t *batch = arg;
    batch->marked = code == HL_RCLUSTER_OK && reply && reply->type == REDIS_REPLY_INTEGER;
    s_batch_settle (batch);
}

static void
s_on_wait (hl_rcluster_t *cluster, redisReply *reply, int code, void *arg)
{
    (void) cluster;
    s_waitbatch_t *batch = arg;
    if (code == HL_RCLUSTER_OK && reply && reply->type == REDIS_REPLY_INTEGER)
        batch->replicas = reply->integer;
    s_batch_settle (batch);
}

//  A batch for the master of the first waiting intake, with every waiting
//  intake of that master; NULL if each waiting one's master has its WAIT out.
static s_waitbatch_t *
s_batch_take (hl_store_t *self)
{
    for (s_replication_t *r = self->waiting; r; r = r->next) {
        int busy = 0;
        for (s_waitbatch_t *b = self->batches; b && !busy; b = b->next)
            busy = strcmp (b->master, r->master) == 0;
        if (busy)
            continue;
        s_waitbatch_t *batch = calloc (1, sizeof *batch);
        if (!batch)
            abort ();
        *batch = (s_waitbatch_t) { .store = self, .replicas = -1, .outstanding = 2 };
        snprintf (batch->master, sizeof batch->master, "%s", r->master);
        char key[HL_BUCKET_KEY_MAX];
        int len = hl_bucket_own_key (key, sizeof key, r->bucket, "replmark");
        batch->slot = hl_rslot_keyslot (key, (size_t) len);
        s_replication_t **tail = &batch->list;
        for (s_replication_t **p = &self->waiting; *p;) {
            s_replication_t *each = *p;
            if (strcmp (each->master, batch->master) != 0) {
                p = &each->next;
                continue;
            }
            *p = each->next;
            each->next = NULL;
            *tail = each;
            tail = &each->next;
        }
        batch->next = self->batches;
        self->batches = batch;
        return batch;
    }
    return NULL;
}

static void
s_send_waits (hl_store_t *self)
{
    s_waitbatch_t *batch;
    while ((batch = s_batch_take (self))) {
        char n[16], ms[16], key[HL_BUCKET_KEY_MAX];
        snprintf (n, sizeof n, "%d", self->opts.ack_replicas);
        snprintf (ms, sizeof ms, "%d", self->opts.ack_timeout_ms);
        hl_bucket_own_key (key, sizeof key, batch->list->bucket, "replmark");
        const char *mark[] = { "INCR", key };
        const char *argv[] = { "WAIT", n, ms };
        batch->redirects = s_redirects (self->waits);
        if (hl_rcluster_command (self->waits, key, strlen (key), 2, mark, NULL, s_on_mark,
                                 batch) != 0) {
            batch->outstanding = 1;      //  nothing sent: none of them is confirmed
            s_batch_settle (batch);
            continue;
        }
        if (hl_rcluster_command_slot (self->waits, batch->slot, 3, argv, NULL, s_on_wait,
                                      batch) != 0)
            batch->outstanding--;        //  the mark's answer settles it, unconfirmed
    }
}

static void
s_batches_free (hl_store_t *self)
{
    assert (!self->batches);     //  destroying the WAIT layer answered them
    while (self->waiting) {
        s_replication_t *r = self->waiting;
        self->waiting = r->next;
        free (r->call);
        free (r);
    }
}

static void
s_on_intake (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_result_t res;
    s_parse_intake (reply, &res);
    hl_store_t *self = call->store;
    if (self && self->opts.ack_replicas > 0
        && (res.outcome == HL_STORE_NEW || res.outcome == HL_STORE_DUP)) {
        s_replication_t *r = calloc (1, sizeof *r);
        if (!r)
            abort ();
        r->call = call;
        r->res = res;
        r->bucket = hl_bucket_of_ticket (res.ticket, strlen (res.ticket));
        char key[HL_BUCKET_KEY_MAX];
        int len = hl_bucket_own_key (key, sizeof key, r->bucket < 0 ? 0 : r->bucket, "seq");
        snprintf (r->master, sizeof r->master, "%s",
                  s_slot_master (self->cluster, hl_rslot_keyslot (key, (size_t) len)));
        r->bucket = r->bucket < 0 ? 0 : r->bucket;
        r->next = self->waiting;
        self->waiting = r;
        s_send_waits (self);
        return;
    }
    call->intake_fn (&res, call->arg);
    free (call);
}

typedef struct {
    const char *argv[S_ARGS_MAX];
    size_t lens[S_ARGS_MAX];
    int argc;
} s_args_t;

static void
s_arg (s_args_t *a, const void *data, size_t len)
{
    assert (a->argc < S_ARGS_MAX);
    a->argv[a->argc] = data;
    a->lens[a->argc] = len;
    a->argc++;
}

static void
s_arg_str (s_args_t *a, const char *str)
{
    s_arg (a, str, strlen (str));
}

//  A named argument: NAME and its value, left out when empty.
static void
s_param (s_args_t *a, const char *name, int has, ProtobufCBinaryData value)
{
    if (has && value.len) {
        s_arg_str (a, name);
        s_arg (a, value.data, value.len);
    }
}

static void
s_param_str (s_args_t *a, const char *name, const char *value)
{
    if (value && *value) {
        s_arg_str (a, name);
        s_arg_str (a, value);
    }
}

//  A caller's details as they are stored: sealed, and the number's index
//  name (hl_pii). Without a key they are stored as they are, so PHONE and
//  NAME then point at the complaint's own bytes: no buffer is allocated
//  and nothing is copied per intake.
typedef struct {
    const void *phone, *name;
    size_t phone_len, name_len;
    hl_buf_t sealed_phone, sealed_name;     //  what they point into when sealed
    char index[HL_PII_INDEX_MAX];
} s_sealed_t;

static void
s_seal_caller (const hl_pii_t *pii, const Hotline__Complaint *c, const char *phone,
               s_sealed_t *out)
{
    memset (out, 0, sizeof *out);
    int sealing = hl_pii_sealing (pii);
    if (*phone) {
        hl_pii_index (pii, phone, out->index);
        out->phone = phone;
        out->phone_len = strlen (phone);
        if (sealing) {
            hl_pii_seal (pii, phone, out->phone_len, &out->sealed_phone);
            out->phone = out->sealed_phone.data;
            out->phone_len = out->sealed_phone.len;
        }
    }
    if (c->has_caller_name && c->caller_name.len) {
        out->name = c->caller_name.data;
        out->name_len = c->caller_name.len;
        if (sealing) {
            hl_pii_seal (pii, c->caller_name.data, c->caller_name.len, &out->sealed_name);
            out->name = out->sealed_name.data;
            out->name_len = out->sealed_name.len;
        }
    }
}

static void
s_sealed_free (s_sealed_t *s)
{
    hl_buf_free (&s->sealed_phone);
    hl_buf_free (&s->sealed_name);
}

//  Appends the ticket hash's field/value pairs for C. Text fields point
//  into the complaint (no copy) unless packed; numbers and packed text
//  are made in SPACE.
static void
s_field_args (s_args_t *a, const Hotline__Complaint *c, const s_sealed_t *caller,
              s_field_space_t *space)
{
    char (*scratch)[32] = space->numbers;
    const char *ch = hl_wire_channel_name (c->channel);
    s_arg_str (a, "channel");
    s_arg_str (a, ch);
    s_arg_str (a, "request_type");
    s_arg_str (a, hl_wire_request_type_name (c->request_type));
    if (caller->phone_len) {
        s_arg_str (a, "caller_phone");
        s_arg (a, caller->phone, caller->phone_len);
    }
    if (caller->name_len) {
        s_arg_str (a, "caller_name");
        s_arg (a, caller->name, caller->name_len);
    }
    for (size_t i = 0; i < S_TEXT_COUNT; i++) {
        const s_text_field_t *f = &s_text_fields[i];
        const ProtobufCBinaryData *d = (const void *) ((const char *) c + f->data_offset);
        if (strcmp (f->name, "caller_name") == 0)
            continue;           //  sealed, above
        if (!*(const protobuf_c_boolean *) ((const char *) c + f->has_offset) || !d->len)
            continue;
        s_arg_str (a, f->name);
        hl_buf_t *packed = f->packed ? &space->packed[f->packed - 1] : NULL;
        if (packed && hl_textpack_encode (d->data, d->len, packed))
            s_arg (a, packed->data, packed->len);
        else
            s_arg (a, d->data, d->len);
    }
    for (size_t i = 0; i < S_FLAG_COUNT; i++)
        if (*(const protobuf_c_boolean *) ((const char *) c + s_flag_fields[i].offset)) {
            s_arg_str (a, s_flag_fields[i].name);
            s_arg_str (a, "1");
        }
    if (c->has_transfer_to && c->transfer_to) {
        snprintf (scratch[2], 32, "%u", c->transfer_to);
        s_arg_str (a, "transfer_to");
        s_arg_str (a, scratch[2]);
    }
    if (c->location) {
        snprintf (scratch[0], 32, "%.7f", c->location->lat);
        snprintf (scratch[1], 32, "%.7f", c->location->lon);
        s_arg_str (a, "lat");
        s_arg_str (a, scratch[0]);
        s_arg_str (a, "lon");
        s_arg_str (a, scratch[1]);
    }
}

//  A moment for the Functions: "" for none (0 or never).
static void
s_moment (char out[24], int64_t ms)
{
    if (ms > 0 && ms != INT64_MAX)
        snprintf (out, 24, "%lld", (long long) ms);
    else
        out[0] = 0;
}

//  The bucket's sequence of the day the ticket is numbered on: the day of
//  NOW_MS (0: this machine's clock) in the store's time zone. Why hotlined
//  names it: a key the intake Function only derived would, while its
//  bucket's slot moves between Redis Cluster masters, be made afresh on the
//  importing one and number from 1 again (store_cluster/reshard_bucket);
//  declared, Redis answers TRYAGAIN until the key has moved.
static int
s_seq_key (const hl_store_t *self, int bucket, int64_t now_ms, char *out, size_t len)
{
    if (now_ms <= 0) {
        struct timeval tv;
        gettimeofday (&tv, NULL);
        now_ms = (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
    }
    int64_t secs = now_ms / 1000 + (int64_t) self->opts.tz_offset_min * 60;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400, y;
    int m, d;
    hl_date_civil (days, &y, &m, &d);
    char day[16];
    snprintf (day, sizeof day, "%04lld%02d%02d", (long long) y, m, d);
    return hl_bucket_key (out, len, bucket, "seq", day, strlen (day)) < 0 ? -1 : 0;
}

int
hl_store_intake (hl_store_t *self, const Hotline__Complaint *c, const char *actor,
                 uint64_t now_ms, const hl_store_disposition_t *d,
                 hl_store_intake_fn *fn, void *arg)
{
    //  A number is issued only by a master whose numbers are guarded: one
    //  just promoted is not, until hl_seqguard ran there.
    const char *channel = hl_wire_channel_name (c->channel);
    int bucket = hl_bucket_of_request (channel, c->request_id.data, c->request_id.len);
    if (!s_bucket_master (self, bucket))
        return -1;
    char fp[17], now[24] = "", phone[HL_COMPLAINT_PHONE_MAX + 1] = "";
    char sla[4][24];
    s_field_space_t space = { 0 };
    s_fingerprint (c, fp);
    if (now_ms || d->now_ms)
        snprintf (now, sizeof now, "%lld", (long long) (now_ms ? (int64_t) now_ms : d->now_ms));
    s_moment (sla[0], d->sign_warn_ms);
    s_moment (sla[1], d->sign_due_ms);
    s_moment (sla[2], d->sign_escalate_ms);
    snprintf (sla[3], sizeof sla[3], "%llu", (unsigned long long) d->sla_generation);
    //  Anonymous callers are not indexed by number, even when a channel
    //  passes one along: nobody may look them up by it.
    if (c->has_caller_phone && c->caller_phone.len && !c->anonymous)
        hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone);
    //  The ticket's bucket is the request's: its idempotency record, the
    //  one key named here, carries the tag every key of the ticket will.
    char idem[HL_BUCKET_KEY_MAX + 128], idem_id[160];
    int n = snprintf (idem_id, sizeof idem_id, "%s:%.*s", channel, (int) c->request_id.len,
                      (const char *) c->request_id.data);
    if (n < 0 || (size_t) n >= sizeof idem_id
        || hl_bucket_key (idem, sizeof idem,
                          bucket,
                          "idem", idem_id, (size_t) n) < 0)
        return -1;              //  hl_complaint bounds request ids well below this
    char seq[HL_BUCKET_KEY_MAX];
    if (s_seq_key (self, bucket, now_ms ? (int64_t) now_ms : d->now_ms, seq, sizeof seq) != 0)
        return -1;
    s_sealed_t caller;
    s_seal_caller (self->opts.pii, c, phone, &caller);

    s_args_t a = { .argc = 0 };
    s_arg_str (&a, "FCALL");
    s_arg_str (&a, "hl_intake");
    s_arg_str (&a, "2");
    s_arg_str (&a, idem);
    s_arg_str (&a, seq);
    s_param_str (&a, "channel", channel);
    s_param_str (&a, "fingerprint", fp);
    s_param_str (&a, "prefix", self->city_prefix);
    s_param_str (&a, "tz_offset_min", self->tz);
    s_param_str (&a, "now_ms", now);
    s_param_str (&a, "idem_ttl_s", self->ttl);
    s_param_str (&a, "actor", actor);
    s_param_str (&a, "caller_index", caller.index);
    s_param_str (&a, "state", d->state);
    s_param_str (&a, "unit", d->unit);
    s_param_str (&a, "assist", d->assist);
    s_param_str (&a, "note", d->note);
    s_param_str (&a, "sign_warn", sla[0]);
    s_param_str (&a, "sign_due", sla[1]);
    s_param_str (&a, "sign_esc", sla[2]);
    s_param_str (&a, "sla_gen", sla[3]);
    s_arg_str (&a, "fields");
    s_field_args (&a, c, &caller, &space);

    s_call_t *call = s_call_new (arg);
    call->intake_fn = fn;
    int rc = s_send (self, a.argc, a.argv, a.lens, s_on_intake, call);
    s_sealed_free (&caller);
    s_field_space_free (&space);
    return rc;
}

//  The N units of UNITS comma-separated into OUT (LEN bytes; those that do
//  not fit are left out), as the Functions take assisting units.
static const char *
s_join_units (const ProtobufCBinaryData *units, size_t n, char *out, size_t len)
{
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && used + units[i].len + 2 < len; i++)
        used += (size_t) snprintf (out + used, len - used, "%s%.*s", i ? "," : "",
                                   (int) units[i].len, units[i].data);
    return out;
}

//  --------------------------------------------------------------------
//  Bringing an archived ticket back.

static void
s_on_restored (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    if (reply && reply->type == REDIS_REPLY_STRING
        && (strcmp (reply->str, "restored") == 0 || strcmp (reply->str, "present") == 0))
        call->done_fn (0, NULL, call->arg);
    else
        call->done_fn (-1, !reply ? NULL : reply->type == REDIS_REPLY_ERROR ? reply->str
                                                                            : "unexpected answer",
                       call->arg);
    free (call);
}

//  The ticket's own fields of V (not its complaint's) into A; numbers
//  are formatted into SCRATCH, the assisting units joined into ASSIST.
static void
s_restore_fields (s_args_t *a, const Hotline__TicketView *v, char scratch[2][24], char *assist,
                  size_t assist_len)
{
    snprintf (scratch[0], 24, "%llu", (unsigned long long) v->created_ms);
    s_param_str (a, "created_ms", scratch[0]);
    s_param (a, "unit", v->has_unit, v->unit);
    s_param_str (a, "assist", s_join_units (v->assist, v->n_assist, assist, assist_len));
    snprintf (scratch[1], 24, "%u", v->reopen_count);
    s_param_str (a, "reopen_count", v->reopen_count ? scratch[1] : "");
    if (v->has_satisfaction)
        s_param_str (a, "satisfaction", hl_wire_satisfaction_name (v->satisfaction));
    if (v->has_resolved)
        s_param_str (a, "resolved", v->resolved ? "1" : "0");
}

//  A history entry's six values, as hl_ticket_restore takes them; AT
//  holds the moment's digits.
static void
s_restore_entry (const char **argv, size_t *lens, const Hotline__HistoryEntry *e, char at[24])
{
    snprintf (at, 24, "%llu", (unsigned long long) e->at_ms);
    const char *from = hl_wire_state_name (e->from_state), *to = hl_wire_state_name (e->to_state);
    const char *text[] = { at, (const char *) e->actor.data, (const char *) e->action.data,
                           from ? from : "", to ? to : "", (const char *) e->note.data };
    size_t len[] = { strlen (at), e->actor.len, e->action.len, from ? strlen (from) : 0,
                     to ? strlen (to) : 0, e->note.len };
    for (int i = 0; i < 6; i++) {
        argv[i] = len[i] ? text[i] : "";
        lens[i] = len[i];
    }
}

int
hl_store_ticket_restore (hl_store_t *self, const Hotline__TicketView *v, int64_t now_ms,
                         hl_store_done_fn *fn, void *arg)
{
    assert (self && v && fn);
    char key[HL_BUCKET_KEY_MAX];
    if (!v->ticket || !v->complaint || !v->has_state
        || hl_bucket_ticket_key (key, sizeof key, v->ticket, "t") < 0)
        return -1;
    const Hotline__Complaint *c = v->complaint;
    char phone[HL_COMPLAINT_PHONE_MAX + 1] = "", numbers[2][24], now[24];
    s_field_space_t space = { 0 };
    char assist[160];
    if (c->has_caller_phone && c->caller_phone.len && !c->anonymous)
        hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone);
    s_sealed_t caller;
    s_seal_caller (self->opts.pii, c, phone, &caller);
    snprintf (now, sizeof now, "%lld", (long long) now_ms);

    s_args_t a = { .argc = 0 };
    s_arg_str (&a, "FCALL");
    s_arg_str (&a, "hl_ticket_restore");
    s_arg_str (&a, "1");
    s_arg_str (&a, key);
    s_param_str (&a, "ticket", v->ticket);
    s_param_str (&a, "ci", caller.index);
    s_param_str (&a, "now_ms", now_ms > 0 ? now : "");
    s_param_str (&a, "state", hl_wire_state_name (v->state));
    s_arg_str (&a, "fields");
    s_restore_fields (&a, v, numbers, assist, sizeof assist);
    s_field_args (&a, c, &caller, &space);
    s_arg_str (&a, "history");

    //  The history goes after the fields: as long as the ticket's.
    size_t argc = (size_t) a.argc + 6 * v->n_history;
    const char **argv = calloc (argc, sizeof *argv);
    size_t *lens = calloc (argc, sizeof *lens);
    char (*at)[24] = calloc (v->n_history + 1, sizeof *at);
    if (!argv || !lens || !at)
        abort ();
    memcpy (argv, a.argv, (size_t) a.argc * sizeof *argv);
    memcpy (lens, a.lens, (size_t) a.argc * sizeof *lens);
    for (size_t i = 0; i < v->n_history; i++)
        s_restore_entry (argv + a.argc + 6 * i, lens + a.argc + 6 * i, v->history[i], at[i]);
    s_call_t *call = s_call_new (arg);
    call->done_fn = fn;
    int rc = s_send (self, (int) argc, argv, lens, s_on_restored, call);
    free (argv);
    free (lens);
    free (at);
    s_sealed_free (&caller);
    s_field_space_free (&space);
    return rc;
}

//  --------------------------------------------------------------------
//  Reading a ticket.

static ProtobufCBinaryData
s_reply_bytes (const redisReply *r)
{
    ProtobufCBinaryData d = { 0, NULL };
    if (r && r->type == REDIS_REPLY_STRING) {
        d.len = r->len;
        d.data = (uint8_t *) r->str;
    }
    return d;
}

static int
s_reply_is (const redisReply *r, const char *text)
{
    return r->type == REDIS_REPLY_STRING && r->len == strlen (text)
        && memcmp (r->str, text, r->len) == 0;
}

//  Where a view under construction keeps what cannot point into the
//  reply directly.
typedef struct {
    Hotline__TicketView view;
    Hotline__Complaint complaint;
    Hotline__GeoPoint point;
    char ticket[HL_STORE_TICKET_MAX];
    ProtobufCBinaryData assist[8];
    ProtobufCBinaryData *merged;
    Hotline__Deadline deadlines[4];
    Hotline__Deadline *deadline_ptrs[4];
    char status[4][16];
    Hotline__Pause pauses[16];
    Hotline__Pause *pause_ptrs[16];
    const hl_pii_t *pii;         //  opens the caller's details
    hl_buf_t phone, name;        //  ... into these
    hl_buf_t unpacked[S_PACKED_COUNT];  //  the packed text fields, as UTF-8
} s_view_t;

static const char *s_milestones[] = { "sign", "contact", "reply", "visit" };

//  Fields "sla_<milestone>_<what>" fill the milestone's Deadline.
static int
s_view_sla_field (s_view_t *v, const redisReply *name, const char *text)
{
    if (name->type != REDIS_REPLY_STRING || name->len < 6 || memcmp (name->str, "sla_", 4) != 0)
        return 0;
    for (int m = 0; m < 4; m++) {
        size_t n = strlen (s_milestones[m]);
        if (name->len <= 5 + n || memcmp (name->str + 4, s_milestones[m], n) != 0
            || name->str[4 + n] != '_')
            continue;
        const char *what = name->str + 5 + n;
        size_t wlen = name->len - 5 - n;
        Hotline__Deadline *d = &v->deadlines[m];
        uint64_t ms = strtoull (text, NULL, 10);
        if (wlen == 5 && memcmp (what, "start", 5) == 0)
            d->has_start_ms = 1, d->start_ms = ms;
        else
        if (wlen == 4 && memcmp (what, "warn", 4) == 0)
            d->has_warn_ms = ms > 0, d->warn_ms = ms;
        else
        if (wlen == 3 && memcmp (what, "due", 3) == 0)
            d->has_due_ms = ms > 0, d->due_ms = ms;
        else
        if (wlen == 3 && memcmp (what, "esc", 3) == 0)
            d->has_escalate_ms = ms > 0, d->escalate_ms = ms;
        else
        if (wlen == 6 && memcmp (what, "status", 6) == 0) {
            snprintf (v->status[m], sizeof v->status[m], "%.15s", text);
            d->status = v->status[m];
        }
        return 1;
    }
    return 0;
}

//  "from-to,from-" into the view's pauses.
static void
s_view_pauses (s_view_t *v, const char *text)
{
    const char *p = text;
    while (*p && v->view.n_pauses < 16) {
        char *end;
        Hotline__Pause *pause = &v->pauses[v->view.n_pauses];
        hotline__pause__init (pause);
        pause->has_from_ms = 1;
        pause->from_ms = strtoull (p, &end, 10);
        if (*end != '-')
            break;
        p = end + 1;
        pause->to_ms = strtoull (p, &end, 10);
        pause->has_to_ms = end != p;
        v->view.paused = end == p;
        v->pause_ptrs[v->view.n_pauses++] = pause;
        if (*end != ',')
            break;
        p = end + 1;
    }
    v->view.has_paused = 1;
    v->view.pauses = v->pause_ptrs;
}

static int
s_complaint_field (Hotline__Complaint *c, Hotline__GeoPoint *pt, const redisReply *name,
                   const redisReply *value, const char *text)
{
    for (size_t i = 0; i < S_TEXT_COUNT; i++)
        if (s_reply_is (name, s_text_fields[i].name)) {
            *(protobuf_c_boolean *) ((char *) c + s_text_fields[i].has_offset) = 1;
            *(ProtobufCBinaryData *) ((char *) c + s_text_fields[i].data_offset)
                = s_reply_bytes (value);
            return 1;
        }
    for (size_t i = 0; i < S_FLAG_COUNT; i++)
        if (s_reply_is (name, s_flag_fields[i].name)) {
            *(protobuf_c_boolean *) ((char *) c + s_flag_fields[i].has_offset) = 1;
            *(protobuf_c_boolean *) ((char *) c + s_flag_fields[i].offset) = text[0] == '1';
            return 1;
        }
    if (s_reply_is (name, "caller_phone")) {
        c->has_caller_phone = 1;
        c->caller_phone = s_reply_bytes (value);
    }
    else
    if (s_reply_is (name, "channel"))
        c->has_channel = (c->channel = hl_wire_channel_parse (text)) != 0;
    else
    if (s_reply_is (name, "request_type"))
        c->has_request_type = (c->request_type = hl_wire_request_type_parse (text)) != 0;
    else
    if (s_reply_is (name, "transfer_to"))
        c->has_transfer_to = 1, c->transfer_to = (uint32_t) atoi (text);
    else
    if (s_reply_is (name, "disposition_note"))
        c->has_note = 1, c->note = s_reply_bytes (value);
    else
    if (s_reply_is (name, "lat"))
        pt->has_lat = 1, pt->lat = strtod (text, NULL);
    else
    if (s_reply_is (name, "lon"))
        pt->has_lon = 1, pt->lon = strtod (text, NULL);
    else
        return 0;
    return 1;
}

//  Splits the comma-separated unit list in VALUE into V's assist array.
static void
s_view_assist (s_view_t *v, const redisReply *value)
{
    const char *p = value->str, *end = value->str + value->len;
    while (p < end && v->view.n_assist < 8) {
        const char *comma = memchr (p, ',', (size_t) (end - p));
        size_t n = (size_t) ((comma ? comma : end) - p);
        if (n) {
            v->assist[v->view.n_assist].data = (uint8_t *) p;
            v->assist[v->view.n_assist++].len = n;
        }
        p += n + 1;
    }
    v->view.assist = v->assist;
}

//  Sets the view field NAME from VALUE. Unknown names are ignored, so
//  later versions may add fields to the hash.
static void
s_view_field (s_view_t *v, const redisReply *name, const redisReply *value)
{
    Hotline__TicketView *view = &v->view;
    char text[64];
    s_copy_str (text, sizeof text, value);
    if (value->type != REDIS_REPLY_STRING
        || s_complaint_field (&v->complaint, &v->point, name, value, text)
        || s_view_sla_field (v, name, text))
        return;
    if (s_reply_is (name, "sla_pauses")) {
        char pauses[512];
        s_copy_str (pauses, sizeof pauses, value);
        s_view_pauses (v, pauses);
        return;
    }
    if (s_reply_is (name, "ticket")) {
        snprintf (v->ticket, sizeof v->ticket, "%.47s", text);
        view->ticket = v->ticket;
    }
    else
    if (s_reply_is (name, "state"))
        view->has_state = (view->state = hl_wire_state_parse (text)) != 0;
    else
    if (s_reply_is (name, "created_ms"))
        view->has_created_ms = 1, view->created_ms = strtoull (text, NULL, 10);
    else
    if (s_reply_is (name, "actor"))
        view->has_actor = 1, view->actor = s_reply_bytes (value);
    else
    if (s_reply_is (name, "unit"))
        view->has_unit = value->len > 0, view->unit = s_reply_bytes (value);
    else
    if (s_reply_is (name, "assist"))
        s_view_assist (v, value);
    else
    if (s_reply_is (name, "parent"))
        view->has_parent = 1, view->parent = s_reply_bytes (value);
    else
    if (s_reply_is (name, "reply"))
        view->has_reply = 1, view->reply = s_reply_bytes (value);
    else
    if (s_reply_is (name, "reopen_count"))
        view->has_reopen_count = 1, view->reopen_count = (uint32_t) atoi (text);
    else
    if (s_reply_is (name, "extension_days"))
        view->has_extension_days = 1, view->extension_days = (uint32_t) atoi (text);
    else
    if (s_reply_is (name, "ext_pending"))
        view->has_extension_pending = 1, view->extension_pending = 1;
    else
    if (s_reply_is (name, "satisfaction"))
        view->has_satisfaction = (view->satisfaction = hl_wire_satisfaction_parse (text)) != 0;
    else
    if (s_reply_is (name, "resolved"))
        view->has_resolved = 1, view->resolved = text[0] == '1';
    else
    if (s_reply_is (name, "close_reason"))
        view->has_close_reason = 1, view->close_reason = s_reply_bytes (value);
    else
    if (s_reply_is (name, "return_count"))
        view->has_return_count = 1, view->return_count = (uint32_t) atoi (text);
    else
    if (s_reply_is (name, "return_reasons"))
        view->has_return_reasons = 1, view->return_reasons = s_reply_bytes (value);
    else
    if (s_reply_is (name, "visit_attempts"))
        view->has_visit_attempts = 1, view->visit_attempts = (uint32_t) atoi (text);
    else
    if (s_reply_is (name, "repeat_of"))
        view->has_repeat_of = 1, view->repeat_of = s_reply_bytes (value);
    else
    if (s_reply_is (name, "visit_via"))
        view->has_visit_via = (view->visit_via = hl_wire_via_parse (text)) != 0;
}

static void
s_history_entry (Hotline__HistoryEntry *e, const redisReply *r)
{
    hotline__history_entry__init (e);
    if (!s_reply_is_array (r, 6))
        return;
    char text[32];
    s_copy_str (text, sizeof text, r->element[0]);
    e->has_at_ms = 1;
    e->at_ms = strtoull (text, NULL, 10);
    e->has_actor = 1;
    e->actor = s_reply_bytes (r->element[1]);
    e->has_action = 1;
    e->action = s_reply_bytes (r->element[2]);
    s_copy_str (text, sizeof text, r->element[3]);
    e->has_from_state = (e->from_state = hl_wire_state_parse (text)) != 0;
    s_copy_str (text, sizeof text, r->element[4]);
    e->has_to_state = (e->to_state = hl_wire_state_parse (text)) != 0;
    e->has_note = r->element[5]->len > 0;
    e->note = s_reply_bytes (r->element[5]);
}

static void
s_view_init (s_view_t *v, const hl_pii_t *pii)
{
    memset (v, 0, sizeof *v);
    v->pii = pii;
    hotline__ticket_view__init (&v->view);
    for (int m = 0; m < 4; m++)
        hotline__deadline__init (&v->deadlines[m]);
    hotline__complaint__init (&v->complaint);
    hotline__geo_point__init (&v->point);
    v->view.complaint = &v->complaint;
}

//  Links what the fields filled in: the location, the deadlines.
//  A sealed caller detail, opened into BUF for the view; one that does not
//  open (another key) is left out, and the log says so.
static void
s_view_open (s_view_t *v, protobuf_c_boolean *has, ProtobufCBinaryData *value, hl_buf_t *buf)
{
    if (!*has)
        return;
    if (hl_pii_open (v->pii, value->data, value->len, buf) != 0) {
        hl_warning ("ticket %s: a caller detail does not open with this key", v->ticket);
        *has = 0;
        value->len = 0;
        return;
    }
    value->data = (uint8_t *) (buf->data ? buf->data : "");
    value->len = buf->len;
}

//  The packed text fields (hl_textpack) as UTF-8, for the view; plain
//  UTF-8 (stored before packing, or not worth it) is left as it is.
static void
s_view_unpack (s_view_t *v)
{
    for (size_t i = 0; i < S_TEXT_COUNT; i++) {
        const s_text_field_t *f = &s_text_fields[i];
        ProtobufCBinaryData *d = (void *) ((char *) &v->complaint + f->data_offset);
        if (!f->packed || !hl_textpack_is_packed (d->data, d->len))
            continue;
        hl_buf_t *out = &v->unpacked[f->packed - 1];
        if (hl_textpack_decode (d->data, d->len, out) != 0) {
            hl_warning ("ticket %s: its %s does not unpack", v->ticket, f->name);
            hl_buf_reset (out);
        }
        d->data = (uint8_t *) (out->data ? out->data : "");
        d->len = out->len;
    }
}

static void
s_view_free (s_view_t *v)
{
    hl_buf_free (&v->phone);
    hl_buf_free (&v->name);
    for (int i = 0; i < S_PACKED_COUNT; i++)
        hl_buf_free (&v->unpacked[i]);
}

static void
s_view_link (s_view_t *v)
{
    s_view_open (v, &v->complaint.has_caller_phone, &v->complaint.caller_phone, &v->phone);
    s_view_open (v, &v->complaint.has_caller_name, &v->complaint.caller_name, &v->name);
    s_view_unpack (v);
    if (v->point.has_lat && v->point.has_lon)
        v->complaint.location = &v->point;
    for (int m = 0; m < 4; m++) {
        if (!v->deadlines[m].has_start_ms)
            continue;
        v->deadlines[m].milestone = (char *) s_milestones[m];
        v->deadline_ptrs[v->view.n_deadlines++] = &v->deadlines[m];
    }
    v->view.deadlines = v->deadline_ptrs;
}

//  Builds the view on the stack, pointing into the reply, and hands it to
//  the caller while the reply is still alive.
static void
s_deliver_view (const redisReply *reply, const s_call_t *call)
{
    const redisReply *fields = reply->element[0], *history = reply->element[1];
    const redisReply *merged = reply->elements > 2 ? reply->element[2] : NULL;
    s_view_t v;
    s_view_init (&v, call->pii);
    for (size_t i = 0; fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2)
        s_view_field (&v, fields->element[i], fields->element[i + 1]);
    s_view_link (&v);
    size_t n = history->type == REDIS_REPLY_ARRAY ? history->elements : 0;
    size_t m = merged && merged->type == REDIS_REPLY_ARRAY ? merged->elements : 0;
    Hotline__HistoryEntry *entries = calloc (n + 1, sizeof *entries);
    Hotline__HistoryEntry **ptrs = calloc (n + 1, sizeof *ptrs);
    v.merged = calloc (m + 1, sizeof *v.merged);
    if (!entries || !ptrs || !v.merged)
        abort ();
    for (size_t i = 0; i < n; i++) {
        s_history_entry (&entries[i], history->element[i]);
        ptrs[i] = &entries[i];
    }
    for (size_t i = 0; i < m; i++)
        v.merged[i] = s_reply_bytes (merged->element[i]);
    v.view.n_history = n;
    v.view.history = ptrs;
    v.view.n_merged = m;
    v.view.merged = v.merged;
    call->view_fn (&v.view, NULL, call->arg);
    s_view_free (&v);
    free (v.merged);
    free (ptrs);
    free (entries);
}

typedef void (s_deliver_fn) (const redisReply *reply, const s_call_t *call);

//  Answers a read once: the store's silence or refusal as an error, a
//  ticket that is not there (not FOUND) as neither view nor error, else
//  the view DELIVER builds from the reply.
static void
s_answer_read (s_call_t *call, const redisReply *reply, int found, s_deliver_fn *deliver)
{
    hl_store_view_fn *fn = call->view_fn;
    if (!reply)
        fn (NULL, "the ticket store did not answer", call->arg);
    else
    if (reply->type == REDIS_REPLY_ERROR)
        fn (NULL, "the ticket store refused the read", call->arg);
    else
    if (!found)
        fn (NULL, NULL, call->arg);
    else
        deliver (reply, call);
    free (call);
}

static void
s_on_ticket (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_answer_read (arg, reply, s_reply_is_array (reply, 2), s_deliver_view);
}

//  The keys a step on one ticket declares: its hash (its history with it)
//  and its merged set.
typedef struct {
    char t[HL_BUCKET_KEY_MAX], merged[HL_BUCKET_KEY_MAX];
} s_ticket_keys_t;

//  0, or -1 when TICKET is too long to be one (the caller refuses it).
static int
s_ticket_keys (const char *ticket, s_ticket_keys_t *k)
{
    if (hl_bucket_ticket_key (k->t, sizeof k->t, ticket, "t") < 0
        || hl_bucket_ticket_key (k->merged, sizeof k->merged, ticket, "merged") < 0)
        return -1;
    return 0;
}

static int
s_ticket_read (hl_store_t *self, const char *function, const char *ticket,
               hl_store_view_fn *fn, void *arg)
{
    s_ticket_keys_t k;
    if (s_ticket_keys (ticket, &k) != 0)
        return -1;
    const char *argv[] = { "FCALL_RO", function, "2", k.t, k.merged };
    s_call_t *call = s_call_new (arg);
    call->view_fn = fn;
    return s_send_read (self, 5, argv, NULL, s_on_ticket, call);
}

int
hl_store_ticket_get (hl_store_t *self, const char *ticket, hl_store_view_fn *fn, void *arg)
{
    return s_ticket_read (self, "hl_ticket_get", ticket, fn, arg);
}

//  A write (the audit entry), so on the write connection.
int
hl_store_ticket_reveal (hl_store_t *self, const char *ticket, const char *actor,
                        const char *reason, int64_t now_ms, hl_store_view_fn *fn, void *arg)
{
    char now[24];
    s_ticket_keys_t k;
    if (s_ticket_keys (ticket, &k) != 0)
        return -1;
    snprintf (now, sizeof now, "%lld", (long long) now_ms);
    const char *argv[] = { "FCALL", "hl_ticket_reveal", "2", k.t, k.merged,
                           "actor", actor, "now_ms", now, "reason", reason };
    s_call_t *call = s_call_new (arg);
    call->view_fn = fn;
    return s_send (self, 11, argv, NULL, s_on_ticket, call);
}

//  What a department is sent of a ticket: the request and where it stands,
//  not the hotline's own bookkeeping (deadlines, counters, dispositions).
static const char *s_brief_fields[] = {
    "ticket", "state", "created_ms", "unit", "assist", "channel", "channel_ref",
    "request_type", "caller_phone", "caller_name", "category", "area", "address", "lat", "lon",
    "enterprise", "credit_code", "enterprise_name", "content", "confidential", "anonymous",
    "urgent", "tag", "reopen_count", "extension_days", "ext_pending", "parent"
};
#define S_BRIEF_COUNT (sizeof s_brief_fields / sizeof s_brief_fields[0])

//  The HMGET's values, in the order of s_brief_fields.
static void
s_deliver_brief (const redisReply *reply, const s_call_t *call)
{
    s_view_t v;
    s_view_init (&v, call->pii);
    for (size_t i = 0; i < S_BRIEF_COUNT; i++) {
        redisReply name = { .type = REDIS_REPLY_STRING, .str = (char *) s_brief_fields[i],
                            .len = strlen (s_brief_fields[i]) };
        s_view_field (&v, &name, reply->element[i]);
    }
    s_view_link (&v);
    call->view_fn (&v.view, NULL, call->arg);
    s_view_free (&v);
}

//  A ticket that is not there has no state (the second field).
static void
s_on_brief (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    int found = s_reply_is_array (reply, S_BRIEF_COUNT)
                && reply->element[1]->type == REDIS_REPLY_STRING;
    s_answer_read (arg, reply, found, s_deliver_brief);
}

//  A plain HMGET, no Function: one atomic read of the brief's fields is
//  all a delivery needs, and it costs Redis a quarter of a Function call.
//  The fields are asked for by their stored names, shown by their own.
int
hl_store_ticket_brief (hl_store_t *self, const char *ticket, hl_store_view_fn *fn, void *arg)
{
    char key[HL_BUCKET_KEY_MAX];
    if (hl_bucket_ticket_key (key, sizeof key, ticket, "t") < 0)
        return -1;
    const char *argv[2 + S_BRIEF_COUNT] = { "HMGET", key };
    for (size_t i = 0; i < S_BRIEF_COUNT; i++)
        argv[2 + i] = hl_lifecycle_stored_name (s_brief_fields[i]);
    s_call_t *call = s_call_new (arg);
    call->view_fn = fn;
    return s_send (self, (int) (2 + S_BRIEF_COUNT), argv, NULL, s_on_brief, call);
}

//  --------------------------------------------------------------------
//  Transitions.

//  Turns the reply of hl_transition into a result. As for intake, only a
//  confirmed 'ok' or 'dup' counts as applied.
static void
s_parse_transition (const redisReply *reply, hl_store_transition_result_t *res)
{
    memset (res, 0, sizeof *res);
    char kind[16], text[160];
    if (!reply) {
        res->outcome = HL_STORE_LOST;
        snprintf (res->error, sizeof res->error, "the ticket store did not confirm the change");
        return;
    }
    if (s_unavailable (reply)) {
        res->outcome = HL_STORE_UNAVAILABLE;
        snprintf (res->error, sizeof res->error, "%s", reply->str);
        return;
    }
    res->outcome = HL_STORE_FAILED;
    snprintf (res->error, sizeof res->error, "ticket store error");
    s_named_str (reply, "outcome", kind, sizeof kind);
    if (strcmp (kind, "err") == 0) {
        res->outcome = HL_STORE_REFUSED;
        s_named_str (reply, "code", text, sizeof text);
        res->code = hl_wire_error_parse (text);
        if (!res->code)
            res->code = HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION;
        s_named_str (reply, "message", res->error, sizeof res->error);
        return;
    }
    if (strcmp (kind, "ok") != 0 && strcmp (kind, "dup") != 0)
        return;
    s_named_str (reply, "from", text, sizeof text);
    res->from = hl_wire_state_parse (text);
    s_named_str (reply, "to", text, sizeof text);
    res->to = hl_wire_state_parse (text);
    s_named_str (reply, "at_ms", text, sizeof text);
    res->at_ms = strtoull (text, NULL, 10);
    s_named_str (reply, "unit", res->unit, sizeof res->unit);
    s_named_str (reply, "assist", res->assist, sizeof res->assist);
    const redisReply *sla = s_named (reply, "sla");
    if (sla && sla->elements)
        hl_store_sla_parse (sla, 0, &res->sla);
    res->outcome = kind[0] == 'o' ? HL_STORE_NEW : HL_STORE_DUP;
    res->error[0] = 0;
}

static void
s_on_transition (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_transition_result_t res;
    s_parse_transition (reply, &res);
    call->transition_fn (&res, call->arg);
    free (call);
}

//  The transition's parameters as name/value pairs. Numbers are written
//  into SCRATCH, assisting units joined into ASSIST.
static void
s_transition_params (s_args_t *a, const Hotline__Transition *t, char scratch[3][16],
                     char *assist, size_t assist_len)
{
    s_param (a, "note", t->has_note, t->note);
    s_param (a, "unit", t->has_unit, t->unit);
    s_param (a, "parent", t->has_parent, t->parent);
    s_param (a, "article", t->has_article, t->article);
    s_param (a, "repeat_of", t->has_repeat_of, t->repeat_of);
    s_param_str (a, "assist", s_join_units (t->assist, t->n_assist, assist, assist_len));
    if (t->has_return_reason)
        s_param_str (a, "return_reason", hl_wire_return_reason_name (t->return_reason));
    if (t->has_satisfaction) {
        s_param_str (a, "satisfaction", hl_wire_satisfaction_name (t->satisfaction));
        s_param_str (a, "resolved", t->resolved ? "1" : "0");
    }
    if (t->has_extension_days) {
        snprintf (scratch[0], 16, "%u", t->extension_days);
        s_param_str (a, "extension_days", scratch[0]);
    }
    if (t->has_transfer_to) {
        snprintf (scratch[1], 16, "%u", t->transfer_to);
        s_param_str (a, "transfer_to", scratch[1]);
    }
    if (t->has_via)
        s_param_str (a, "via", hl_wire_via_name (t->via));
}

//  The center's limits (hl_store_rules_t), each one set.
static void
s_rules_params (s_args_t *a, const hl_store_t *self)
{
    s_param_str (a, "reopen_max", self->rule_text[0]);
    s_param_str (a, "return_max", self->rule_text[1]);
    s_param_str (a, "visit_tries", self->rule_text[2]);
    s_param_str (a, "extension_limits", self->extension_limits);
    if (self->opts.rules.reply_from_dispatch)
        s_param_str (a, "reply_start", "dispatch");
}

int
hl_store_sla_parse (const redisReply *list, size_t first, hl_store_sla_t *sla)
{
    memset (sla, 0, sizeof *sla);
    if (!s_reply_is_array (list, first + 7))
        return -1;
    char text[64];
    const redisReply *const *e = (const redisReply *const *) list->element + first;
    s_copy_str (text, sizeof text, e[0]);
    sla->request_type = hl_wire_request_type_parse (text);
    s_copy_str (text, sizeof text, e[1]);
    sla->urgent = text[0] == '1';
    s_copy_str (text, sizeof text, e[2]);
    sla->enterprise = text[0] == '1';
    s_copy_str (sla->tag, sizeof sla->tag, e[3]);
    s_copy_str (sla->pauses, sizeof sla->pauses, e[4]);
    s_copy_str (text, sizeof text, e[5]);
    sla->extension_days = atoi (text);
    s_copy_str (text, sizeof text, e[6]);
    sla->reset = text[0] == '1';
    for (size_t i = first + 7; i + 1 < list->elements && sla->n_arm < 4; i += 2) {
        s_copy_str (text, sizeof text, list->element[i]);
        int m = -1;
        static const char *names[] = { "sign", "contact", "reply", "visit" };
        for (int k = 0; k < 4; k++)
            if (strcmp (names[k], text) == 0)
                m = k;
        s_copy_str (text, sizeof text, list->element[i + 1]);
        if (m < 0 || !*text)
            continue;
        sla->arm[sla->n_arm] = m;
        sla->start_ms[sla->n_arm++] = strtoll (text, NULL, 10);
    }
    return 0;
}

//  A Function call through CLUSTER (the writes' or the reads'); VERB is
//  FCALL, or FCALL_RO for a read (Redis refuses it for a Function that
//  writes; a replica may serve it). It goes to the master of KEY's slot.
static int
s_fcall (hl_store_t *self, hl_rcluster_t *cluster, const char *verb, const char *name,
         const char *key, int argc, const char **argv, const size_t *lens,
         hl_redis_reply_fn *fn, void *arg)
{
    s_args_t a = { .argc = 0 };
    s_arg_str (&a, verb);
    s_arg_str (&a, name);
    s_arg_str (&a, key ? "1" : "0");
    if (key)
        s_arg_str (&a, key);
    for (int i = 0; i < argc; i++)
        s_arg (&a, argv[i], lens ? lens[i] : strlen (argv[i]));
    return s_route (self, cluster, a.argc, a.argv, a.lens, fn, arg);
}

int
hl_store_fcall (hl_store_t *self, const char *name, int argc, const char **argv,
                const size_t *lens, hl_redis_reply_fn *fn, void *arg)
{
    return s_fcall (self, self->cluster, "FCALL", name, NULL, argc, argv, lens, fn, arg);
}

int
hl_store_fcall_ticket (hl_store_t *self, const char *name, const char *ticket, int argc,
                       const char **argv, hl_redis_reply_fn *fn, void *arg)
{
    char key[HL_BUCKET_KEY_MAX];
    if (hl_bucket_ticket_key (key, sizeof key, ticket, "t") < 0)
        return -1;
    return s_fcall (self, self->cluster, "FCALL", name, key, argc, argv, NULL, fn, arg);
}

int
hl_store_fcall_key (hl_store_t *self, const char *name, const char *key, int argc,
                    const char **argv, hl_redis_reply_fn *fn, void *arg)
{
    assert (key);
    return s_fcall (self, self->cluster, "FCALL", name, key, argc, argv, NULL, fn, arg);
}

int
hl_store_command (hl_store_t *self, const char *key, int argc, const char **argv,
                  hl_redis_reply_fn *fn, void *arg)
{
    //  Routed by KEY when it is not the first argument (XGROUP CREATE,
    //  XINFO GROUPS): s_route otherwise finds it, argv[1].
    if (!key || argc < 2 || strcmp (key, argv[1]) == 0)
        return s_route (self, self->cluster, argc, argv, NULL, fn, arg);
    return s_route_to (self, self->cluster, key, strlen (key), argc, argv, NULL, fn, arg);
}

int
hl_store_standalone (const hl_store_t *self)
{
    return hl_rcluster_is_ready (self->cluster) && hl_rcluster_is_standalone (self->cluster);
}

size_t
hl_store_masters (const hl_store_t *self, const char **addresses, int *up, size_t max)
{
    return hl_rcluster_master_list (self->cluster, addresses, up, max);
}

const char *
hl_store_master_of (const hl_store_t *self, const char *key)
{
    assert (key);
    return hl_rcluster_slot_address (self->cluster, hl_rslot_keyslot (key, strlen (key)));
}

const hl_redis_opts_t *
hl_store_redis_opts (const hl_store_t *self)
{
    return &self->opts.redis;
}

int
hl_store_fcall_bucket (hl_store_t *self, const char *name, int bucket, const char *kind,
                       int argc, const char **argv, hl_redis_reply_fn *fn, void *arg)
{
    char key[HL_BUCKET_KEY_MAX];
    if (hl_bucket_own_key (key, sizeof key, bucket, kind) < 0)
        return -1;
    return s_fcall (self, self->cluster, "FCALL", name, key, argc, argv, NULL, fn, arg);
}

//  One read over every bucket (hl_store_fcall_buckets): the answers still
//  to come, and each bucket's call pointing back at it.
typedef struct s_buckets s_buckets_t;
typedef struct {
    s_buckets_t *all;
    int bucket;
} s_bucket_call_t;

struct s_buckets {
    hl_store_bucket_fn *each;
    hl_store_buckets_done_fn *done;
    void *arg;
    int waiting;                 //  answers still to come (+1 while sending)
    int failed;
    s_bucket_call_t calls[HL_TICKET_BUCKETS];
};

static void
s_buckets_settle (s_buckets_t *all)
{
    if (--all->waiting > 0)
        return;
    all->done (all->failed, all->arg);
    free (all);
}

static void
s_on_bucket (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_bucket_call_t *call = arg;
    s_buckets_t *all = call->all;
    if (reply && reply->type != REDIS_REPLY_ERROR)
        all->each (call->bucket, reply, all->arg);
    else
        all->failed++;
    s_buckets_settle (all);
}

int
hl_store_fcall_buckets (hl_store_t *self, const char *name, const char *kind, int argc,
                        const char **argv, hl_store_bucket_fn *each,
                        hl_store_buckets_done_fn *done, void *arg)
{
    assert (each && done);
    s_buckets_t *all = calloc (1, sizeof *all);
    if (!all)
        abort ();
    *all = (s_buckets_t) { .each = each, .done = done, .arg = arg, .waiting = 1 };
    int sent = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        char key[HL_BUCKET_KEY_MAX];
        all->calls[b] = (s_bucket_call_t) { all, b };
        if (hl_bucket_own_key (key, sizeof key, b, kind) >= 0
            && s_fcall (self, self->reads, "FCALL_RO", name, key, argc, argv, NULL,
                        s_on_bucket, &all->calls[b]) == 0) {
            all->waiting++;
            sent++;
        }
        else
            all->failed++;
    }
    if (sent == 0) {
        free (all);
        return -1;
    }
    s_buckets_settle (all);
    return 0;
}

int
hl_store_fcall_read (hl_store_t *self, const char *name, const char *key, int argc,
                     const char **argv, const size_t *lens, hl_redis_reply_fn *fn, void *arg)
{
    return s_fcall (self, self->reads, "FCALL_RO", name, key, argc, argv, lens, fn, arg);
}

//  The premade deadlines as "pre_<milestone>_<level>" parameters.
static void
s_premade_params (s_args_t *a, const hl_store_premade_t *pre, char names[2][3][24],
                  char values[3][3][24], char *gen)
{
    static const char *milestones[] = { "sign", "contact", "reply", "visit" };
    static const char *levels[] = { "warn", "due", "esc" };
    for (int i = 0; pre && i < pre->n && i < 2; i++) {
        int64_t moments[3] = { pre->warn[i], pre->due[i], pre->escalate[i] };
        for (int l = 0; l < 3; l++) {
            snprintf (names[i][l], 24, "pre_%s_%s", milestones[pre->milestone[i] & 3], levels[l]);
            s_moment (values[i][l], moments[l]);
            s_arg_str (a, names[i][l]);
            s_arg_str (a, values[i][l]);
        }
    }
    if (pre && pre->n) {
        snprintf (gen, 24, "%llu", (unsigned long long) pre->generation);
        s_param_str (a, "pre_gen", gen);
    }
    if (pre && pre->return_until) {
        s_moment (values[2][0], pre->return_until);
        s_param_str (a, "return_until", values[2][0]);
    }
}

int
hl_store_transition (hl_store_t *self, const Hotline__Transition *t, const char *actor,
                     const void *rid, size_t rid_len, uint64_t now_ms,
                     const hl_store_premade_t *pre, hl_store_transition_fn *fn, void *arg)
{
    char now[24] = "", ticket[HL_STORE_TICKET_MAX], scratch[3][16], assist[256];
    char pre_names[2][3][24], pre_values[3][3][24], pre_gen[24];
    if (now_ms)
        snprintf (now, sizeof now, "%llu", (unsigned long long) now_ms);
    snprintf (ticket, sizeof ticket, "%.*s", (int) t->ticket.len, t->ticket.data);
    //  Every argument is named (hotline.lua's transition reads them so).
    ProtobufCBinaryData request_id = { rid_len, (uint8_t *) rid };
    s_ticket_keys_t k;
    if (s_ticket_keys (ticket, &k) != 0)
        return -1;
    s_args_t a = { .argc = 0 };
    s_arg_str (&a, "FCALL");
    s_arg_str (&a, "hl_transition");
    s_arg_str (&a, "2");
    s_arg_str (&a, k.t);
    s_arg_str (&a, k.merged);
    s_param_str (&a, "ticket", ticket);
    s_param_str (&a, "action", hl_wire_action_name (t->action));
    s_param_str (&a, "actor", actor);
    s_param (&a, "request_id", 1, request_id);
    s_param_str (&a, "now_ms", now);
    s_transition_params (&a, t, scratch, assist, sizeof assist);
    s_premade_params (&a, pre, pre_names, pre_values, pre_gen);
    s_rules_params (&a, self);
    s_call_t *call = s_call_new (arg);
    call->transition_fn = fn;
    return s_send (self, a.argc, a.argv, a.lens, s_on_transition, call);
}

//  --------------------------------------------------------------------
//  Lists.

static void
s_summary (Hotline__TicketSummary *out, char *ticket, const redisReply *r)
{
    char text[32];
    hotline__ticket_summary__init (out);
    if (!s_reply_is_array (r, 8))
        return;
    s_copy_str (ticket, HL_STORE_TICKET_MAX, r->element[0]);
    out->ticket = ticket;
    s_copy_str (text, sizeof text, r->element[1]);
    out->has_state = (out->state = hl_wire_state_parse (text)) != 0;
    s_copy_str (text, sizeof text, r->element[2]);
    out->has_created_ms = 1;
    out->created_ms = strtoull (text, NULL, 10);
    s_copy_str (text, sizeof text, r->element[3]);
    out->has_request_type = (out->request_type = hl_wire_request_type_parse (text)) != 0;
    out->has_category = 1;
    out->category = s_reply_bytes (r->element[4]);
    out->has_area = 1;
    out->area = s_reply_bytes (r->element[5]);
    out->has_unit = r->element[6]->len > 0;
    out->unit = s_reply_bytes (r->element[6]);
    out->has_excerpt = 1;
    out->excerpt = s_reply_bytes (r->element[7]);
    out->excerpt.len = hl_text_prefix ((const char *) out->excerpt.data, out->excerpt.len,
                                        HL_STORE_EXCERPT_MAX);
}

//  --------------------------------------------------------------------
//  Lists: an index read, then each ticket's fields.
//
//  The global lists live under the index tag and each ticket under its
//  own bucket's, so no one call may read both on a Redis Cluster (the
//  keys of one call must share a slot). A list is read in two steps: the
//  list's members, then one HMGET per ticket, each sent to its bucket's
//  master, all at once; the answer is put together when the last is in.

typedef struct s_gather s_gather_t;
typedef void (s_gather_fn) (s_gather_t *g, const char *error);

struct s_gather {
    hl_store_t *store;
    s_call_t *call;
    const char *const *fields;   //  read of each ticket
    size_t n_fields;
    s_gather_fn *done;
    long start;                  //  the index position read from (scans)
    long asked;                  //  how many members were asked for
    size_t n;                    //  tickets read from the index
    char **tickets;
    char ***values;              //  per ticket, per field: a copy ("" if none)
    size_t waiting;              //  answers to come (+1 while sending)
    int failed;
    char state[40];              //  lists: the state filter ("" = any)
    unsigned limit;
    int callers;                 //  members of the caller index (hl_callerix)
};

static void
s_gather_free (s_gather_t *g)
{
    for (size_t i = 0; i < g->n; i++) {
        for (size_t f = 0; g->values[i] && f < g->n_fields; f++)
            free (g->values[i][f]);
        free (g->values[i]);
        free (g->tickets[i]);
    }
    free (g->values);
    free (g->tickets);
    free (g->call);
    free (g);
}

static void
s_gather_settle (s_gather_t *g)
{
    if (--g->waiting > 0)
        return;
    g->done (g, g->failed ? "the ticket store did not answer" : NULL);
    s_gather_free (g);
}

typedef struct {
    s_gather_t *g;
    size_t i;
} s_gather_row_t;

static void
s_on_gather_row (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_gather_row_t row = *(s_gather_row_t *) arg;
    free (arg);
    s_gather_t *g = row.g;
    if (!s_reply_is_array (reply, g->n_fields))
        g->failed = 1;
    else {
        g->values[row.i] = calloc (g->n_fields, sizeof *g->values[row.i]);
        if (!g->values[row.i])
            abort ();
        for (size_t f = 0; f < g->n_fields; f++) {
            const redisReply *v = reply->element[f];
            g->values[row.i][f] = strndup (v->type == REDIS_REPLY_STRING ? v->str : "",
                                           v->type == REDIS_REPLY_STRING ? v->len : 0);
            if (!g->values[row.i][f])
                abort ();
        }
        //  A ticket gone from the store meanwhile has no first field.
        if (reply->element[0]->type != REDIS_REPLY_STRING) {
            for (size_t f = 0; f < g->n_fields; f++)
                free (g->values[row.i][f]);
            free (g->values[row.i]);
            g->values[row.i] = NULL;
        }
    }
    s_gather_settle (g);
}

//  The index's members are in: each ticket's fields asked for.
static void
s_on_gather_index (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_gather_t *g = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        g->done (g, "the ticket store did not answer");
        s_gather_free (g);
        return;
    }
    g->n = reply->elements;
    g->tickets = calloc (g->n + 1, sizeof *g->tickets);
    g->values = calloc (g->n + 1, sizeof *g->values);
    if (!g->tickets || !g->values)
        abort ();
    g->waiting = 1;
    for (size_t i = 0; i < g->n; i++) {
        const redisReply *m = reply->element[i];
        size_t len = m->type == REDIS_REPLY_STRING ? m->len : 0;
        const char *ticket = len ? m->str : "";
        if (g->callers && len && !(ticket = hl_callerix_ticket (m->str, m->len, &len)))
            ticket = "", len = 0;
        g->tickets[i] = strndup (ticket, len);
        char key[HL_BUCKET_KEY_MAX];
        const char *argv[2 + 16] = { "HMGET", key };
        assert (g->n_fields <= 16);
        for (size_t f = 0; f < g->n_fields; f++)
            argv[2 + f] = hl_lifecycle_stored_name (g->fields[f]);
        s_gather_row_t *row = malloc (sizeof *row);
        if (!g->tickets[i] || !row)
            abort ();
        *row = (s_gather_row_t) { g, i };
        if (hl_bucket_ticket_key (key, sizeof key, g->tickets[i], "t") < 0
            || s_route (g->store, g->store->reads, (int) (2 + g->n_fields), argv, NULL,
                        s_on_gather_row, row) != 0) {
            free (row);
            g->failed = 1;
            continue;
        }
        g->waiting++;
    }
    s_gather_settle (g);
}

//  Reads the members ARGV names (a ZRANGE or ZREVRANGE of an index), then
//  FIELDS of each; DONE gets them all. 0, or -1 (nothing called).
static int
s_gather (hl_store_t *self, s_gather_t *g, int argc, const char **argv)
{
    g->store = self;
    g->call->pii = self->opts.pii;
    if (s_route (self, self->reads, argc, argv, NULL, s_on_gather_index, g) != 0) {
        s_gather_free (g);
        return -1;
    }
    return 0;
}

static s_gather_t *
s_gather_new (void *arg, const char *const *fields, size_t n_fields, s_gather_fn *done)
{
    s_gather_t *g = calloc (1, sizeof *g);
    if (!g)
        abort ();
    g->call = s_call_new (arg);
    g->fields = fields;
    g->n_fields = n_fields;
    g->done = done;
    return g;
}

//  A list's fields, in the order s_summary reads them after the ticket.
static const char *const s_list_fields[] = {
    "state", "created_ms", "request_type", "category", "area", "unit", "content"
};
#define S_LIST_FIELDS (sizeof s_list_fields / sizeof s_list_fields[0])
#define S_EXCERPT_BYTES 240

static void
s_on_list (s_gather_t *g, const char *error)
{
    s_call_t *call = g->call;
    if (error) {
        call->list_fn (NULL, 0, error, call->arg);
        return;
    }
    Hotline__TicketSummary *items = calloc (g->n + 1, sizeof *items);
    Hotline__TicketSummary **ptrs = calloc (g->n + 1, sizeof *ptrs);
    char (*tickets)[HL_STORE_TICKET_MAX] = calloc (g->n + 1, HL_STORE_TICKET_MAX);
    hl_buf_t *excerpts = calloc (g->n + 1, sizeof *excerpts);
    if (!items || !ptrs || !tickets || !excerpts)
        abort ();
    size_t k = 0;
    for (size_t i = 0; i < g->n && k < g->limit; i++) {
        char **v = g->values[i];
        if (!v || (*g->state && strcmp (v[0], g->state) != 0))
            continue;
        //  As a row {ticket, fields...} for s_summary.
        redisReply cells[1 + S_LIST_FIELDS], *cellp[1 + S_LIST_FIELDS];
        for (size_t f = 0; f <= S_LIST_FIELDS; f++) {
            const char *s = f == 0 ? g->tickets[i] : v[f - 1];
            size_t len = strlen (s);
            if (f == S_LIST_FIELDS && hl_textpack_is_packed (s, len)
                && hl_textpack_decode (s, len, &excerpts[k]) == 0)
                s = excerpts[k].data, len = excerpts[k].len;
            if (f == S_LIST_FIELDS && len > S_EXCERPT_BYTES)
                len = S_EXCERPT_BYTES;
            cells[f] = (redisReply) { .type = REDIS_REPLY_STRING, .str = (char *) s, .len = len };
            cellp[f] = &cells[f];
        }
        redisReply row = { .type = REDIS_REPLY_ARRAY, .elements = 1 + S_LIST_FIELDS,
                           .element = cellp };
        s_summary (&items[k], tickets[k], &row);
        ptrs[k] = &items[k];
        k++;
    }
    call->list_fn (ptrs, k, NULL, call->arg);
    for (size_t i = 0; i < k; i++)
        hl_buf_free (&excerpts[i]);
    free (excerpts);
    free (tickets);
    free (ptrs);
    free (items);
}

//  A unit's list, merged from its buckets' lists: each asked for its
//  newest WANT, all the answers kept, and once every bucket answered the
//  newest WANT of them all go on to s_on_gather_index.
typedef struct {
    double score;
    char *ticket;
} s_scored_t;

typedef struct {
    s_gather_t *g;
    long want;
    int waiting, failed;
    s_scored_t *rows;
    size_t n, cap;
} s_merge_t;

static int
s_newer_first (const void *a, const void *b)
{
    const s_scored_t *x = a, *y = b;
    return x->score < y->score ? 1 : x->score > y->score ? -1 : strcmp (y->ticket, x->ticket);
}

static void
s_merge_done (s_merge_t *m)
{
    if (m->failed)
        s_on_gather_index (NULL, NULL, m->g);
    else {
        if (m->n)
            qsort (m->rows, m->n, sizeof *m->rows, s_newer_first);
        size_t n = m->n < (size_t) m->want ? m->n : (size_t) m->want;
        redisReply *cells = calloc (n + 1, sizeof *cells), **cellp = calloc (n + 1, sizeof *cellp);
        if (!cells || !cellp)
            abort ();
        for (size_t i = 0; i < n; i++) {
            cells[i] = (redisReply) { .type = REDIS_REPLY_STRING, .str = m->rows[i].ticket,
                                      .len = strlen (m->rows[i].ticket) };
            cellp[i] = &cells[i];
        }
        redisReply merged = { .type = REDIS_REPLY_ARRAY, .elements = n, .element = cellp };
        s_on_gather_index (NULL, &merged, m->g);
        free (cellp);
        free (cells);
    }
    for (size_t i = 0; i < m->n; i++)
        free (m->rows[i].ticket);
    free (m->rows);
    free (m);
}

static void
s_on_merge_part (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_merge_t *m = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements % 2)
        m->failed = 1;
    for (size_t i = 0; !m->failed && i + 1 < reply->elements; i += 2) {
        const redisReply *t = reply->element[i], *sc = reply->element[i + 1];
        if (t->type != REDIS_REPLY_STRING || sc->type != REDIS_REPLY_STRING)
            continue;
        if (m->n == m->cap) {
            m->cap = m->cap ? 2 * m->cap : 64;
            m->rows = realloc (m->rows, m->cap * sizeof *m->rows);
            if (!m->rows)
                abort ();
        }
        m->rows[m->n].score = strtod (sc->str, NULL);
        m->rows[m->n].ticket = strndup (t->str, t->len);
        if (!m->rows[m->n++].ticket)
            abort ();
    }
    if (--m->waiting == 0)
        s_merge_done (m);
}

//  Reads the newest WANT of UNIT's list from every bucket, then G's fields
//  of each of them. 0, or -1 (nothing called).
static int
s_gather_unit (hl_store_t *self, s_gather_t *g, const char *unit, long want)
{
    g->store = self;
    g->call->pii = self->opts.pii;
    s_merge_t *m = calloc (1, sizeof *m);
    if (!m)
        abort ();
    *m = (s_merge_t) { .g = g, .want = want, .waiting = 1 };
    char last[24];
    snprintf (last, sizeof last, "%ld", want - 1);
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        char key[HL_BUCKET_KEY_MAX];
        if (hl_bucket_key (key, sizeof key, b, HL_BUCKET_UNIT_LIST, unit, strlen (unit)) < 0) {
            m->failed = 1;
            break;
        }
        const char *argv[] = { "ZREVRANGE", key, "0", last, "WITHSCORES" };
        if (s_route (self, self->reads, 5, argv, NULL, s_on_merge_part, m) != 0) {
            m->failed = 1;
            break;
        }
        m->waiting++;
    }
    if (m->failed && m->waiting == 1) {     //  nothing sent: nothing called
        free (m);
        s_gather_free (g);
        return -1;
    }
    if (--m->waiting == 0)
        s_merge_done (m);
    return 0;
}

int
hl_store_ticket_list (hl_store_t *self, const char *index, const char *key, const char *state,
                      unsigned limit, hl_store_list_fn *fn, void *arg)
{
    char last[16], count[16], hashed[HL_PII_INDEX_MAX], zkey[HL_BUCKET_KEY_MAX];
    //  With a state filter, up to ten times the limit is looked at.
    snprintf (last, sizeof last, "%u", (*state ? limit * 10 : limit) - 1);
    snprintf (count, sizeof count, "%u", *state ? limit * 10 : limit);
    if (limit == 0)
        return -1;
    int callers = strcmp (index, "caller") == 0;
    char max[HL_CALLERIX_MEMBER_MAX], min[HL_CALLERIX_MEMBER_MAX];
    if (callers) {
        hl_pii_index (self->opts.pii, key, hashed);    //  the index is by keyed hash
        if (hl_callerix_key (zkey, sizeof zkey, hashed) < 0
            || hl_callerix_range (max, min, sizeof max, hashed, 0, UINT64_MAX) != 0)
            return -1;
    }
    else
    if (snprintf (zkey, sizeof zkey, "%s%s:%s", HL_INDEX_PREFIX, index, key) >= (int) sizeof zkey)
        return -1;
    s_gather_t *g = s_gather_new (arg, s_list_fields, S_LIST_FIELDS, s_on_list);
    g->call->list_fn = fn;
    snprintf (g->state, sizeof g->state, "%s", state);
    g->limit = limit;
    g->callers = callers;
    if (strcmp (index, "unit") == 0)
        return s_gather_unit (self, g, key, atol (count));
    const char *argv[] = { "ZREVRANGE", zkey, "0", last };
    const char *lex[] = { "ZREVRANGEBYLEX", zkey, max, min, "LIMIT", "0", count };
    return callers ? s_gather (self, g, 7, lex) : s_gather (self, g, 4, argv);
}

static void
s_on_numbers (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        call->numbers_fn (NULL, 0, reply && reply->type == REDIS_REPLY_ERROR
                                   ? reply->str : "no answer", call->arg);
    else {
        const char **tickets = calloc (reply->elements + 1, sizeof *tickets);
        if (!tickets)
            abort ();
        size_t n = 0;
        //  Members of the caller index: the ticket is their tail.
        for (size_t i = 0; i < reply->elements; i++) {
            redisReply *m = reply->element[i];
            size_t len;
            const char *t = m->type == REDIS_REPLY_STRING
                          ? hl_callerix_ticket (m->str, m->len, &len) : NULL;
            if (t)
                tickets[n++] = t;
        }
        call->numbers_fn (tickets, n, NULL, call->arg);
        free (tickets);
    }
    free (call);
}

int
hl_store_caller_since (hl_store_t *self, const char *phone, uint64_t from_ms, uint64_t to_ms,
                       unsigned limit, hl_store_numbers_fn *fn, void *arg)
{
    char hashed[HL_PII_INDEX_MAX], zkey[HL_CALLERIX_KEY_MAX], n[16];
    char max[HL_CALLERIX_MEMBER_MAX], min[HL_CALLERIX_MEMBER_MAX];
    hl_pii_index (self->opts.pii, phone, hashed);
    if (hl_callerix_key (zkey, sizeof zkey, hashed) < 0
        || hl_callerix_range (max, min, sizeof max, hashed, from_ms, to_ms) != 0)
        return -1;
    snprintf (n, sizeof n, "%u", limit);
    const char *argv[] = { "ZREVRANGEBYLEX", zkey, max, min, "LIMIT", "0", n };
    s_call_t *call = s_call_new (arg);
    call->numbers_fn = fn;
    return s_send_read (self, 7, argv, NULL, s_on_numbers, call);
}

static const char *const s_scan_fields[] = { "unit", "assist" };

static void
s_on_scan (s_gather_t *g, const char *error)
{
    s_call_t *call = g->call;
    if (error) {
        call->scan_fn (-1, NULL, NULL, NULL, 0, call->arg);
        return;
    }
    const char **cols = calloc (3 * g->n + 3, sizeof *cols);
    if (!cols)
        abort ();
    const char **units = cols + g->n + 1, **assists = cols + 2 * g->n + 2;
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (!g->values[i])
            continue;            //  gone meanwhile
        cols[k] = g->tickets[i];
        units[k] = g->values[i][0];
        assists[k] = g->values[i][1];
        k++;
    }
    long next = (long) g->n < g->asked ? 0 : g->start + (long) g->n;
    call->scan_fn (next, cols, units, assists, k, call->arg);
    free (cols);
}

int
hl_store_dispatched_scan (hl_store_t *self, long start, long count, hl_store_scan_fn *fn,
                          void *arg)
{
    assert (start >= 0 && count > 0);
    char from[24], to[24], zkey[HL_BUCKET_KEY_MAX];
    snprintf (from, sizeof from, "%ld", start);
    snprintf (to, sizeof to, "%ld", start + count - 1);
    snprintf (zkey, sizeof zkey, "%sstate:dispatched", HL_INDEX_PREFIX);
    s_gather_t *g = s_gather_new (arg, s_scan_fields, 2, s_on_scan);
    g->call->scan_fn = fn;
    g->start = start;
    g->asked = count;
    const char *argv[] = { "ZRANGE", zkey, from, to };
    return s_gather (self, g, 4, argv);
}
