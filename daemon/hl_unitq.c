/*  hl_unitq: the per-unit worker streams. See hl_unitq.h. */
#include "hl_unitq.h"
#include "hl_log.h"
#include "hl_slotlink.h"
#include "hl_table.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_GROUP "workers"
#define S_MAX_STREAMS 256            //  units one blocking read covers
#define S_READ_HEAD 9                //  XREADGROUP ... STREAMS
#define S_RETRY_MS 200               //  after a failed read

#define S_TOUCH_BATCH 100            //  ids per XCLAIM
#define S_ACK_BATCH 256              //  ids per XACK and XDEL
#define S_PUSH_TRIES 10              //  sends of an entry Redis did not take

//  Items one hl_unitq_push call takes at most. Why: a read of the q group
//  after a reconnect brings up to 256 entries of each of 64 buckets, and
//  one call for them all held Redis for longer than the store's reply
//  timeout (intake/redis_restart_under_load: its connections dropped again
//  and again); calls this size hold it ~1 ms.
#define S_PUSH_ITEMS 128

//  An entry read here and not yet done.
typedef struct {
    char id[HL_UNITQ_ID_MAX];
    char ticket[HL_STORE_TICKET_MAX];
} s_held_t;

typedef struct s_stream s_stream_t;

//  A blocking read: over every wanted unit on a standalone store (the
//  unitq's own), over one unit's stream on a cluster (the stream's).
typedef struct {
    hl_unitq_t *self;
    s_stream_t *stream;          //  NULL: the standalone read over all units
    hl_slotlink_t *link;         //  its own connection (the read holds it)
    long long client_id;         //  its CLIENT ID, -1 unknown
    int reading;                 //  a read is in flight
    int unblocking;              //  ... and is being cut short
} s_reader_t;

//  One unit's stream as this instance sees it.
struct s_stream {
    char unit[HL_STORE_UNIT_MAX];
    char key[HL_UNITQ_KEY_MAX];
    unsigned want;               //  entries this instance can take now
    int group;                   //  0: not known to exist, 1: being made, 2: exists
    int in_read;                 //  covered by the blocking read in flight
    long long lag;               //  entries no consumer has read yet (-1 unknown)
    s_held_t *held;              //  entries read and not yet done
    size_t n_held, cap_held;
    //  hl_unitq_ensure: the tickets the stream holds, once read (else
    //  NULL), and those waiting for that read.
    hl_table_t *present;
    int loading;
    char (*asked)[HL_STORE_TICKET_MAX];
    size_t n_asked, cap_asked;
    s_reader_t reader;           //  on a cluster: the stream's own read
    char (*acks)[HL_UNITQ_ID_MAX];       //  entries done, to acknowledge and delete
    size_t n_acks, cap_acks;
};

struct hl_unitq {
    hl_store_t *store;
    hl_unitq_opts_t opts;
    char consumer[128];
    hl_unitq_entry_fn *fn;
    void *arg;
    struct event_base *base;
    hl_table_t *streams;         //  unit -> s_stream_t
    int shared;                  //  hl_slotlink_shared: 1 standalone, 0 cluster, -1 unknown
    s_reader_t reader;           //  standalone: the blocking read, alone
    size_t calls;                //  group commands not yet answered
    int dead;                    //  destroyed: freed once CALLS is 0
    int ensuring;                //  between hl_unitq_ensure and _end
    struct event *touch;         //  keeps held entries ours, claims dead ones'
    struct event *retry;         //  reads again after a failure
    struct event *acks;          //  sends the entries done in this pass of the loop
};

//  A group command whose reply is about one stream.
typedef struct {
    hl_unitq_t *self;
    s_stream_t *stream;
} s_call_t;

static void s_read (hl_unitq_t *self);
static void s_free (hl_unitq_t *self);

//  A group command's callback and its argument (a malloc'd struct that
//  starts with the hl_unitq_t *), until it is answered.
typedef struct {
    hl_unitq_t *self;
    hl_redis_reply_fn *fn;
    void *arg;
} s_ctlcall_t;

static void
s_on_ctl (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_ctlcall_t call = *(s_ctlcall_t *) arg;
    free (arg);
    hl_unitq_t *self = call.self;
    self->calls--;
    if (!self->dead)
        call.fn (redis, reply, call.arg);
    else {
        free (call.arg);
        if (self->calls == 0)
            s_free (self);
    }
}

//  Sends a group command about KEY (create, acknowledge, claim, CLIENT
//  UNBLOCK) through the store, to KEY's master. Why the store's routed
//  connections and not one of the class's own: on a cluster that would be
//  one more link per unit stream for a few commands a second, and the
//  store already follows the slots. A reply may come after
//  hl_unitq_destroy: FN (may be NULL) is called only while the object
//  lives, ARG (malloc'd) is freed either way, and the object is freed once
//  the last reply came. 0, or -1 (FN is not called, ARG not freed).
static int
s_ctl (hl_unitq_t *self, const char *key, int argc, const char **argv,
       hl_redis_reply_fn *fn, void *arg)
{
    s_ctlcall_t *call = NULL;
    if (fn) {
        call = malloc (sizeof *call);
        if (!call)
            abort ();
        *call = (s_ctlcall_t) { self, fn, arg };
    }
    if (hl_store_command (self->store, key, argc, argv, fn ? s_on_ctl : NULL, call) != 0) {
        free (call);
        return -1;
    }
    self->calls += fn != NULL;
    return 0;
}

//  Sends a command about stream S; FN gets an s_call_t naming both, which
//  it frees. 0, or -1 (FN is not called).
static int
s_stream_command (hl_unitq_t *self, s_stream_t *s, int argc, const char **argv,
                  hl_redis_reply_fn *fn)
{
    s_call_t *call = malloc (sizeof *call);
    if (!call)
        abort ();
    *call = (s_call_t) { self, s };
    if (s_ctl (self, s->key, argc, argv, fn, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

int
hl_unitq_key (char *key, size_t len, const char *unit)
{
    int n = snprintf (key, len, "hl:q:{%s}", unit);
    return n < 0 || (size_t) n >= len ? -1 : n;
}

//  ---------------------------------------------------------------------
//  The producer

//  A producer's command on its way (a plain XADD, or an hl_unitq_push
//  Function call for one or more entries), kept whole so that it can be
//  sent again: ARGC arguments, copied into one allocation with it.
typedef struct {
    hl_store_t *store;
    hl_redis_t *redis;           //  the first send's connection (NULL: the store's)
    hl_unitq_pushed_fn *fn;
    void *arg;
    int tries;                   //  sends so far
    int argc;
    const char **argv;
    const char *route;           //  the key it is routed by (a stream)
} s_push_t;

static int s_push_send (s_push_t *push);

//  A command Redis did not take is sent again, up to S_PUSH_TRIES times
//  (each waits out the store's retry time). Why: the master of the
//  unit's stream may be failing over (a Redis Cluster's replica takes a
//  few seconds to be promoted), and the check at the next store-ready may
//  have run before this send failed, leaving the ticket queued nowhere.
//  A plain entry sent again whose first send ran after all (its reply
//  lost) is there twice: delivery is at least once, and answering a ticket
//  removes each of its entries (from an outbox entry the Function's mark
//  keeps it once).
static void
s_on_pushed (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_push_t *push = arg;
    int ok = reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_ARRAY);
    if (!ok && push->tries < S_PUSH_TRIES && s_push_send (push) == 0)
        return;
    //  (debug: during an outage this is every dispatch; the check at the
    //  next store-ready adds what is missing, and says how many)
    if (!ok)
        hl_debug ("worker stream: entry not added (%s)",
                  reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply");
    if (push->fn)
        push->fn (ok, push->arg);
    free (push);
}

//  The first send goes on the caller's connection if it named one; a send
//  again goes through the store, which waits for a master and follows the
//  slot (that connection may be the one that was lost).
static int
s_push_send (s_push_t *push)
{
    hl_redis_t *redis = push->tries++ == 0 ? push->redis : NULL;
    return redis ? hl_redis_command (redis, push->argc, push->argv, NULL, s_on_pushed, push)
                 : hl_store_command (push->store, push->route, push->argc, push->argv,
                                     s_on_pushed, push);
}

//  A command of ARGC arguments ARGV (copied), routed by argument ROUTE,
//  on its way: sent, or -1 (nothing sent, FN not called).
static int
s_push_start (hl_store_t *store, hl_redis_t *redis, int argc, const char *const *argv,
              int route, hl_unitq_pushed_fn *fn, void *arg)
{
    size_t bytes = sizeof (s_push_t) + (size_t) argc * sizeof (char *);
    for (int i = 0; i < argc; i++)
        bytes += strlen (argv[i]) + 1;
    s_push_t *push = calloc (1, bytes);
    if (!push)
        abort ();
    *push = (s_push_t) { .store = store, .redis = redis, .fn = fn, .arg = arg, .argc = argc,
                         .argv = (const char **) (push + 1) };
    char *at = (char *) (push->argv + argc);
    for (int i = 0; i < argc; i++) {
        size_t len = strlen (argv[i]) + 1;
        push->argv[i] = memcpy (at, argv[i], len);
        at += len;
    }
    push->route = push->argv[route];
    if (s_push_send (push) != 0) {
        free (push);
        return -1;
    }
    return 0;
}

int
hl_unitq_push (hl_store_t *store, const char *unit, const char *ticket, const char *role,
               int64_t at_ms, hl_unitq_pushed_fn *fn, void *arg)
{
    assert (store && unit && ticket && role);
    char key[HL_UNITQ_KEY_MAX], at[24];
    if (hl_unitq_key (key, sizeof key, unit) < 0)
        return -1;
    snprintf (at, sizeof at, "%lld", (long long) at_ms);
    const char *argv[] = { "XADD", key, "*", "t", ticket, "r", role, "at", at };
    return s_push_start (store, NULL, 9, argv, 1, fn, arg);
}

//  Items from outbox entries on their way, in one or more Function calls:
//  FN hears once all were answered.
typedef struct {
    hl_unitq_pushed_fn *fn;
    void *arg;
    int waiting;                 //  calls not yet answered (+1 while sending)
    int failed;
} s_pushes_t;

static void
s_on_pushes (int ok, void *arg)
{
    s_pushes_t *p = arg;
    if (!ok)
        p->failed = 1;
    if (--p->waiting > 0)
        return;
    p->fn (!p->failed, p->arg);
    free (p);
}

//  One hl_unitq_push call (daemon/hotline.lua) for the N items ITEMS[I]
//  with USE[I] set: KEYS the streams and marks of their units, each unit
//  once; then the rows' column names and per item a row: its unit's place
//  among the keys, bucket, entry, ticket, role and time. 0 or -1 (nothing
//  sent).
static int
s_push_call (hl_store_t *store, hl_redis_t *redis, const hl_unitq_item_t *items,
             const unsigned char *use, size_t n, s_pushes_t *p)
{
    size_t units = 0, used = 0;
    for (size_t i = 0; i < n; i++)
        used += use[i];
    const char **argv = calloc (5 + 8 * used, sizeof *argv);
    char (*keys)[HL_UNITQ_KEY_MAX + 2] = calloc (2 * used, sizeof *keys);
    char (*nums)[3][24] = calloc (used, sizeof *nums);
    size_t *unit_of = calloc (n, sizeof *unit_of);
    if (!argv || !keys || !nums || !unit_of)
        abort ();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!use[i])
            continue;
        size_t u = 0;
        for (size_t j = 0; j < i; j++)
            if (use[j] && strcmp (items[j].unit, items[i].unit) == 0) {
                u = unit_of[j];
                break;
            }
        if (!u) {
            u = ++units;
            int len = hl_unitq_key (keys[2 * u - 2], sizeof keys[0] - 2, items[i].unit);
            if (len < 0)
                rc = -1;
            else {
                memcpy (keys[2 * u - 1], keys[2 * u - 2], (size_t) len);
                memcpy (keys[2 * u - 1] + len, ":o", 3);
            }
        }
        unit_of[i] = u;
    }
    char count[16];
    snprintf (count, sizeof count, "%zu", 2 * units);
    int argc = 0;
    argv[argc++] = "FCALL";
    argv[argc++] = "hl_unitq_push";
    argv[argc++] = count;
    for (size_t k = 0; k < 2 * units; k++)
        argv[argc++] = keys[k];
    //  The rows' columns, by name, in the order each row gives them.
    argv[argc++] = "columns";
    argv[argc++] = "unit bucket entry ticket role at";
    for (size_t i = 0, m = 0; i < n && rc == 0; i++) {
        if (!use[i])
            continue;
        snprintf (nums[m][0], sizeof nums[m][0], "%zu", unit_of[i]);
        snprintf (nums[m][1], sizeof nums[m][1], "%d", items[i].bucket);
        snprintf (nums[m][2], sizeof nums[m][2], "%lld", (long long) items[i].at_ms);
        const char *row[] = { nums[m][0], nums[m][1], items[i].entry, items[i].ticket,
                              items[i].role, nums[m][2] };
        memcpy (argv + argc, row, sizeof row);
        argc += 6;
        m++;
    }
    if (rc == 0) {
        p->waiting++;
        rc = s_push_start (store, redis, argc, argv, 3, s_on_pushes, p);
        if (rc != 0)
            p->waiting--;
    }
    free (unit_of);
    free (nums);
    free (keys);
    free (argv);
    return rc;
}

int
hl_unitq_push_from (hl_store_t *store, hl_redis_t *redis, const hl_unitq_item_t *items,
                    size_t n, hl_unitq_pushed_fn *fn, void *arg)
{
    assert (store && items && fn);
    for (size_t i = 0; i < n; i++)
        assert (items[i].unit && items[i].ticket && items[i].role && items[i].entry
                && items[i].bucket >= 0);
    unsigned char *use = calloc (n + 1, 1), *done = calloc (n + 1, 1);
    s_pushes_t *p = calloc (1, sizeof *p);
    if (!use || !done || !p)
        abort ();
    *p = (s_pushes_t) { fn, arg, 1, 0 };
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (done[i])
            continue;
        //  One call for all on REDIS (one server); else one per unit; at
        //  most S_PUSH_ITEMS a call.
        for (size_t j = i, m = 0; j < n && m < S_PUSH_ITEMS; j++) {
            use[j] = !done[j] && (redis || strcmp (items[j].unit, items[i].unit) == 0);
            done[j] |= use[j];
            m += use[j];
        }
        rc = s_push_call (store, redis, items, use, n, p);
        memset (use, 0, n);
    }
    free (use);
    free (done);
    if (rc != 0 && p->waiting == 1) {
        free (p);
        return -1;
    }
    if (rc != 0)
        p->failed = 1;
    s_on_pushes (1, p);
    return 0;
}

//  ---------------------------------------------------------------------
//  Streams and the entries held in them

static s_stream_t *
s_stream (hl_unitq_t *self, const char *unit)
{
    s_stream_t *s = hl_table_get (self->streams, unit, strlen (unit));
    if (!s) {
        s = calloc (1, sizeof *s);
        if (!s)
            abort ();
        snprintf (s->unit, sizeof s->unit, "%s", unit);
        s->lag = -1;
        s->reader = (s_reader_t) { .self = self, .stream = s, .client_id = -1 };
        if (hl_unitq_key (s->key, sizeof s->key, unit) < 0)
            abort ();                    //  unit codes are shorter (HL_STORE_UNIT_MAX)
        hl_table_set (self->streams, unit, strlen (unit), s);
    }
    return s;
}

//  Room for one more of SIZE bytes at *ARRAY (N used of *CAP; FIRST the
//  first capacity).
static void
s_room (void **array, size_t n, size_t *cap, size_t size, size_t first)
{
    if (n < *cap)
        return;
    *cap = *cap ? *cap * 2 : first;
    *array = realloc (*array, *cap * size);
    if (!*array)
        abort ();
}

static void
s_hold (s_stream_t *s, const char *id, const char *ticket)
{
    for (size_t i = 0; i < s->n_held; i++)
        if (strcmp (s->held[i].id, id) == 0)
            return;                      //  read again (claimed back)
    s_room ((void **) &s->held, s->n_held, &s->cap_held, sizeof *s->held, 16);
    s_held_t *h = &s->held[s->n_held++];
    snprintf (h->id, sizeof h->id, "%s", id);
    snprintf (h->ticket, sizeof h->ticket, "%s", ticket);
}

//  Takes ID off S's held entries; 1 if it was there (its ticket in
//  TICKET, if not NULL).
static int
s_unhold (s_stream_t *s, const char *id, char ticket[HL_STORE_TICKET_MAX])
{
    for (size_t i = 0; i < s->n_held; i++)
        if (strcmp (s->held[i].id, id) == 0) {
            if (ticket)
                snprintf (ticket, HL_STORE_TICKET_MAX, "%s", s->held[i].ticket);
            s->held[i] = s->held[--s->n_held];
            return 1;
        }
    return 0;
}

//  ID of S to be acknowledged and deleted (s_acks_send). Why gathered:
//  a worker's answers come many a pass of the loop (a read's worth of
//  briefs answered together), and one XACK and one XDEL per stream and
//  pass cost Redis less than two commands per entry (bench/RESULTS.md,
//  "the Redis time of a ticket's life, cut").
static void
s_ack (hl_unitq_t *self, s_stream_t *s, const char *id)
{
    s_room ((void **) &s->acks, s->n_acks, &s->cap_acks, sizeof *s->acks, 16);
    snprintf (s->acks[s->n_acks++], HL_UNITQ_ID_MAX, "%s", id);
    if (self->acks)
        event_active (self->acks, EV_TIMEOUT, 0);
}

//  XACK and XDEL of the entries S has done, pipelined, up to S_ACK_BATCH
//  a command; their replies say nothing worth hearing (an entry
//  acknowledged twice is acknowledged).
static void
s_acks_stream (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    s_stream_t *s = value;
    hl_unitq_t *self = arg;
    for (size_t at = 0; at < s->n_acks; ) {
        const char *ack[3 + S_ACK_BATCH], *del[2 + S_ACK_BATCH];
        ack[0] = "XACK", ack[1] = s->key, ack[2] = S_GROUP;
        del[0] = "XDEL", del[1] = s->key;
        size_t n = 0;
        for (; at < s->n_acks && n < S_ACK_BATCH; at++, n++)
            ack[3 + n] = del[2 + n] = s->acks[at];
        if (s_ctl (self, s->key, 3 + (int) n, ack, NULL, NULL) == 0)
            s_ctl (self, s->key, 2 + (int) n, del, NULL, NULL);
        else
            hl_notice ("worker stream %s: %zu entries not acknowledged (Redis not connected); "
                       "they will be delivered again", s->key, n);
    }
    s->n_acks = 0;
}

static void
s_on_acks (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_unitq_t *self = arg;
    hl_table_foreach (self->streams, s_acks_stream, self);
}

void
hl_unitq_done (hl_unitq_t *self, const char *unit, const char *id)
{
    assert (self && unit && id);
    s_stream_t *s = s_stream (self, unit);
    s_unhold (s, id, NULL);
    s_ack (self, s, id);
}

static const redisReply *
s_field (const redisReply *fields, const char *name)
{
    for (size_t i = 0; fields && i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING
            && strcmp (fields->element[i]->str, name) == 0
            && fields->element[i + 1]->type == REDIS_REPLY_STRING)
            return fields->element[i + 1];
    return NULL;
}

//  Hands the entries of S in ENTRIES ([id, [field, value, ...]] each) to
//  the owner. An entry without a ticket (deleted meanwhile, or not one of
//  ours) is acknowledged and dropped.
static void
s_entries (hl_unitq_t *self, s_stream_t *s, const redisReply *entries, int claimed)
{
    if (!entries || entries->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2
            || e->element[0]->type != REDIS_REPLY_STRING
            || e->element[0]->len >= HL_UNITQ_ID_MAX)
            continue;
        const char *id = e->element[0]->str;
        const redisReply *fields = e->element[1]->type == REDIS_REPLY_ARRAY ? e->element[1] : NULL;
        const redisReply *t = s_field (fields, "t"), *r = s_field (fields, "r");
        if (!t || t->len == 0 || t->len >= HL_STORE_TICKET_MAX) {
            s_ack (self, s, id);
            continue;
        }
        if (s->want > 0)
            s->want--;
        s_hold (s, id, t->str);
        self->fn (s->unit, id, t->str, !r || strcmp (r->str, "assist") != 0, claimed, self->arg);
    }
}

//  ---------------------------------------------------------------------
//  Groups

static void
s_on_group (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_unitq_t *self = call->self;
    s_stream_t *s = call->stream;
    free (call);
    //  BUSYGROUP: another instance (or an earlier life) made it.
    int made = reply && (reply->type == REDIS_REPLY_STATUS
                         || (reply->type == REDIS_REPLY_ERROR
                             && strncmp (reply->str, "BUSYGROUP", 9) == 0));
    s->group = made ? 2 : 0;
    if (!made && reply)
        hl_warning ("worker stream %s: group not made: %s", s->key,
                    reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    if (made)
        s_read (self);
}

//  The group reads the stream from its start, so entries queued before
//  any worker of the unit came are delivered.
static void
s_group_make (hl_unitq_t *self, s_stream_t *s)
{
    if (s->group != 0)
        return;
    const char *argv[] = { "XGROUP", "CREATE", s->key, S_GROUP, "0", "MKSTREAM" };
    if (s_stream_command (self, s, 6, argv, s_on_group) == 0)
        s->group = 1;
}

static void
s_forget_group (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    s_stream_t *s = value;
    if (s->group == 2)
        s->group = 0;
    if (s->want > 0)
        s_group_make (arg, s);
}

//  ---------------------------------------------------------------------
//  The blocking read

typedef struct {
    const char *argv[S_READ_HEAD + 2 * S_MAX_STREAMS];
    int argc;
    unsigned count;
} s_build_t;

static void
s_add_wanted (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    s_stream_t *s = value;
    s_build_t *b = arg;
    s->in_read = 0;
    if (s->want == 0 || s->group != 2 || b->argc >= S_READ_HEAD + S_MAX_STREAMS)
        return;
    s->in_read = 1;
    b->argv[b->argc++] = s->key;
    if (b->count == 0 || s->want < b->count)
        b->count = s->want;
}

static s_stream_t *
s_stream_of_key (hl_unitq_t *self, const redisReply *key)
{
    //  hl:q:{UNIT}
    if (key->type != REDIS_REPLY_STRING || key->len < 7 || key->len - 7 >= HL_STORE_UNIT_MAX)
        return NULL;
    char unit[HL_STORE_UNIT_MAX];
    snprintf (unit, sizeof unit, "%.*s", (int) key->len - 7, key->str + 6);
    return hl_table_get (self->streams, unit, strlen (unit));
}

static void
s_on_read (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_reader_t *r = arg;
    hl_unitq_t *self = r->self;
    r->reading = r->unblocking = 0;
    if (self->dead)
        return;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        if (reply)
            hl_warning ("worker streams: read refused: %s", reply->str);
        //  NOGROUP: a stream deleted under us (which one is not said:
        //  every group is made again). MOVED: the stream is read where
        //  its slot went.
        if (reply && strncmp (reply->str, "NOGROUP", 7) == 0)
            hl_table_foreach (self->streams, s_forget_group, self);
        if (reply && (strncmp (reply->str, "MOVED", 5) == 0
                      || strncmp (reply->str, "CLUSTERDOWN", 11) == 0))
            hl_slotlink_check (r->link);
        struct timeval tv = { 0, S_RETRY_MS * 1000 };
        evtimer_add (self->retry, &tv);
        return;
    }
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        const redisReply *one = reply->element[i];
        s_stream_t *s = one->type == REDIS_REPLY_ARRAY && one->elements == 2
                      ? s_stream_of_key (self, one->element[0]) : NULL;
        if (s)
            s_entries (self, s, one->element[1], 0);
    }
    s_read (self);
}

static void s_on_reader_state (hl_redis_t *redis, int up, void *arg);

//  R's next read, if one is wanted and none is in flight: of the wanted
//  units' streams (R's own stream's alone on a cluster), blocking up to
//  block_ms for something new; sent again after every answer. The count
//  is the smallest want among them (a unit that wants more gets the rest
//  by the next read, at once). R's link is made the first time.
static void
s_read_one (s_reader_t *r)
{
    hl_unitq_t *self = r->self;
    s_stream_t *s = r->stream;
    if (r->reading || (s && (s->want == 0 || s->group != 2)))
        return;
    if (!r->link) {
        r->link = hl_slotlink_new (self->base, self->store, s ? s->key : NULL,
                                   self->opts.block_ms, s_on_reader_state, r);
        return;
    }
    if (!hl_slotlink_is_up (r->link))
        return;
    s_build_t b = { .argc = 0 };
    char count[16], block[16];
    const char *head[S_READ_HEAD] = { "XREADGROUP", "GROUP", S_GROUP, self->consumer, "COUNT",
                                      count, "BLOCK", block, "STREAMS" };
    for (int i = 0; i < S_READ_HEAD; i++)
        b.argv[b.argc++] = head[i];
    if (s)
        s_add_wanted (s->unit, strlen (s->unit), s, &b);
    else
        hl_table_foreach (self->streams, s_add_wanted, &b);
    int n = b.argc - S_READ_HEAD;
    if (n == 0)
        return;
    for (int i = 0; i < n; i++)
        b.argv[b.argc++] = ">";
    snprintf (count, sizeof count, "%u", b.count);
    snprintf (block, sizeof block, "%d", self->opts.block_ms);
    if (hl_redis_command (hl_slotlink_redis (r->link), b.argc, b.argv, NULL, s_on_read, r) == 0)
        r->reading = 1;
}

static void
s_read_stream (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    s_stream_t *s = value;
    s_read_one (&s->reader);
}

//  Whether the store is a standalone Redis (1) or a cluster (0), once it
//  knows; the standalone connections are made then.
static int
s_mode (hl_unitq_t *self)
{
    if (self->shared < 0)
        self->shared = hl_slotlink_shared (self->store);
    if (self->shared < 0) {
        struct timeval tv = { 0, S_RETRY_MS * 1000 };
        evtimer_add (self->retry, &tv);
    }
    return self->shared;
}

//  The reads wanted now. Why blocking reads: see hl_unitq.h. On a cluster
//  one read may name the streams of one slot only, and each unit's stream
//  is a slot of its own: there each wanted unit has its read, on a link
//  to the stream's master (hl_slotlink) that follows the slot; no CLIENT
//  UNBLOCK is needed, a unit newly wanted gets a read of its own.
static void
s_read (hl_unitq_t *self)
{
    int mode = s_mode (self);
    if (mode == 1)
        s_read_one (&self->reader);
    else
    if (mode == 0)
        hl_table_foreach (self->streams, s_read_stream, NULL);
}

static void
s_on_retry (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_read (arg);
}

//  The read in flight does not cover a unit that now wants entries: cut
//  it short (it answers as if it timed out, and is sent again).
static void
s_unblock (hl_unitq_t *self)
{
    s_reader_t *r = &self->reader;
    if (!r->reading || r->unblocking || r->client_id < 0)
        return;
    char id[24];
    snprintf (id, sizeof id, "%lld", r->client_id);
    const char *argv[] = { "CLIENT", "UNBLOCK", id };
    if (s_ctl (self, NULL, 3, argv, NULL, NULL) == 0)
        r->unblocking = 1;
}

void
hl_unitq_want (hl_unitq_t *self, const char *unit, unsigned n)
{
    assert (self && unit);
    s_stream_t *s = s_stream (self, unit);
    s->want = n;
    if (n == 0 || s_mode (self) < 0)
        return;                          //  (the mode known, s_read looks again)
    if (s->group != 2)
        s_group_make (self, s);
    else
    if (self->shared == 1 && self->reader.reading && !s->in_read)
        s_unblock (self);
    else
        s_read (self);
}

//  ---------------------------------------------------------------------
//  Claims: held entries kept, dead instances' entries taken over

static void
s_on_autoclaim (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_unitq_t *self = call->self;
    s_stream_t *s = call->stream;
    free (call);
    //  [next cursor, entries, deleted ids]
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements >= 2) {
        if (reply->element[1]->type == REDIS_REPLY_ARRAY && reply->element[1]->elements > 0)
            hl_notice ("worker stream %s: %zu entries taken over from a silent instance",
                       s->key, reply->element[1]->elements);
        s_entries (self, s, reply->element[1], 1);
    }
}

//  A reset of held entries' idle time: the ids it named.
typedef struct {
    hl_unitq_t *self;
    s_stream_t *stream;
    size_t n;
    char ids[S_TOUCH_BATCH][HL_UNITQ_ID_MAX];
} s_touch_t;

//  XCLAIM answers with the ids it reset; one it leaves out is no longer
//  pending in the group: another instance answered for it.
static void
s_on_touched (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_touch_t *t = arg;
    if (reply && reply->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < t->n; i++) {
            int kept = 0;
            for (size_t k = 0; !kept && k < reply->elements; k++)
                kept = reply->element[k]->type == REDIS_REPLY_STRING
                    && strcmp (reply->element[k]->str, t->ids[i]) == 0;
            char ticket[HL_STORE_TICKET_MAX];
            if (!kept && s_unhold (t->stream, t->ids[i], ticket) && t->self->opts.gone)
                t->self->opts.gone (t->stream->unit, t->ids[i], ticket, t->self->arg);
        }
    free (t);
}

static void
s_touch_held (hl_unitq_t *self, s_stream_t *s)
{
    for (size_t at = 0; at < s->n_held; ) {
        s_touch_t *t = malloc (sizeof *t);
        if (!t)
            abort ();
        t->self = self;
        t->stream = s;
        t->n = 0;
        const char *argv[6 + S_TOUCH_BATCH];
        int argc = 0;
        argv[argc++] = "XCLAIM";
        argv[argc++] = s->key;
        argv[argc++] = S_GROUP;
        argv[argc++] = self->consumer;
        argv[argc++] = "0";
        for (; at < s->n_held && t->n < S_TOUCH_BATCH; at++) {
            memcpy (t->ids[t->n], s->held[at].id, HL_UNITQ_ID_MAX);
            argv[argc++] = t->ids[t->n++];
        }
        argv[argc++] = "JUSTID";
        if (s_ctl (self, s->key, argc, argv, s_on_touched, t) != 0)
            free (t);
    }
}

//  Resets the idle time of every entry S holds here (an instance that
//  lives keeps its entries), then takes entries idle for claim_idle_ms at
//  another consumer, as many as wanted.
static void
s_touch_stream (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    s_stream_t *s = value;
    hl_unitq_t *self = arg;
    if (s->want > 0 && s->group == 0)
        s_group_make (self, s);
    s_touch_held (self, s);
    if (s->want == 0 || s->group != 2)
        return;
    char idle[16], count[16];
    snprintf (idle, sizeof idle, "%d", self->opts.claim_idle_ms);
    snprintf (count, sizeof count, "%u", s->want);
    const char *argv[] = { "XAUTOCLAIM", s->key, S_GROUP, self->consumer, idle, "0-0",
                           "COUNT", count };
    s_stream_command (self, s, 8, argv, s_on_autoclaim);
}

//  XINFO GROUPS: the workers group's lag (Redis 7: nil when it cannot be
//  told, e.g. after entries were deleted unread).
static void
s_on_groups (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    s_stream_t *s = call->stream;
    free (call);
    for (size_t g = 0; reply && reply->type == REDIS_REPLY_ARRAY && g < reply->elements; g++) {
        const redisReply *info = reply->element[g];
        const redisReply *name = s_field (info, "name");
        if (!name || strcmp (name->str, S_GROUP) != 0)
            continue;
        s->lag = -1;
        for (size_t i = 0; i + 1 < info->elements; i += 2)
            if (info->element[i]->type == REDIS_REPLY_STRING
                && strcmp (info->element[i]->str, "lag") == 0
                && info->element[i + 1]->type == REDIS_REPLY_INTEGER)
                s->lag = info->element[i + 1]->integer;
    }
}

static void
s_measure (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    s_stream_t *s = value;
    hl_unitq_t *self = arg;
    //  A unit no worker has read yet: its group counts what waits.
    if (s->group == 0)
        s_group_make (self, s);
    const char *argv[] = { "XINFO", "GROUPS", s->key };
    s_stream_command (self, s, 3, argv, s_on_groups);
}

size_t
hl_unitq_waiting (hl_unitq_t *self, const char *unit)
{
    s_stream_t *s = s_stream (self, unit);
    return s->lag > 0 ? (size_t) s->lag : 0;
}

static void
s_on_touch (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_unitq_t *self = arg;
    if (s_mode (self) >= 0) {
        hl_table_foreach (self->streams, s_touch_stream, self);
        hl_table_foreach (self->streams, s_measure, self);
    }
}

//  The entries of CALL's stream whose ticket is CALL's: acknowledged and
//  deleted.
typedef struct {
    hl_unitq_t *self;
    s_stream_t *stream;
    char ticket[HL_STORE_TICKET_MAX];
} s_answer_t;

static void
s_on_answer_range (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_answer_t *a = arg;
    for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        const redisReply *t = e->type == REDIS_REPLY_ARRAY && e->elements == 2
                            ? s_field (e->element[1], "t") : NULL;
        if (t && strcmp (t->str, a->ticket) == 0 && e->element[0]->type == REDIS_REPLY_STRING) {
            s_unhold (a->stream, e->element[0]->str, NULL);
            s_ack (a->self, a->stream, e->element[0]->str);
        }
    }
    free (a);
}

void
hl_unitq_answered (hl_unitq_t *self, const char *unit, const char *ticket)
{
    assert (self && unit && ticket);
    s_answer_t *a = malloc (sizeof *a);
    if (!a)
        abort ();
    a->self = self;
    a->stream = s_stream (self, unit);
    snprintf (a->ticket, sizeof a->ticket, "%s", ticket);
    const char *argv[] = { "XRANGE", a->stream->key, "-", "+" };
    if (s_ctl (self, a->stream->key, 4, argv, s_on_answer_range, a) != 0) {
        hl_notice ("worker stream %s: %s not acknowledged (Redis not connected); a reader "
                   "drops it when it finds the ticket answered", a->stream->key, ticket);
        free (a);
    }
}

//  ---------------------------------------------------------------------
//  Recovery

//  1 if TICKET was missing from S (and is added now).
static int
s_ensure_now (hl_unitq_t *self, s_stream_t *s, const char *ticket, int64_t at_ms)
{
    if (hl_table_get (s->present, ticket, strlen (ticket)))
        return 0;
    hl_table_set (s->present, ticket, strlen (ticket), s);
    hl_debug ("worker stream %s: %s was missing; added", s->key, ticket);
    hl_unitq_push (self->store, s->unit, ticket, "lead", at_ms, NULL, NULL);
    return 1;
}

//  Every entry's ticket, into S's present set; then the tickets asked
//  about meanwhile are checked against it.
static void
s_on_range (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_unitq_t *self = call->self;
    s_stream_t *s = call->stream;
    free (call);
    s->loading = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        hl_warning ("worker stream %s: not read back (%s); %zu tickets not checked", s->key,
                    reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply",
                    s->n_asked);
        s->n_asked = 0;
        return;
    }
    s->present = hl_table_new ();
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        const redisReply *t = e->type == REDIS_REPLY_ARRAY && e->elements == 2
                            ? s_field (e->element[1], "t") : NULL;
        if (t)
            hl_table_set (s->present, t->str, t->len, s);
    }
    size_t added = 0;
    for (size_t i = 0; i < s->n_asked; i++)
        added += (size_t) s_ensure_now (self, s, s->asked[i], 0);
    if (added)
        hl_notice ("worker stream %s: %zu of %zu dispatched tickets had no entry; added", s->key,
                   added, s->n_asked);
    s->n_asked = 0;
    if (!self->ensuring)
        hl_table_destroy (&s->present);  //  the scan ended meanwhile
}

void
hl_unitq_ensure (hl_unitq_t *self, const char *unit, const char *ticket, int64_t at_ms)
{
    assert (self && unit && ticket);
    self->ensuring = 1;
    s_stream_t *s = s_stream (self, unit);
    if (s->present) {
        s_ensure_now (self, s, ticket, at_ms);
        return;
    }
    s_room ((void **) &s->asked, s->n_asked, &s->cap_asked, sizeof *s->asked, 64);
    snprintf (s->asked[s->n_asked++], HL_STORE_TICKET_MAX, "%s", ticket);
    if (s->loading)
        return;
    const char *argv[] = { "XRANGE", s->key, "-", "+" };
    if (s_stream_command (self, s, 4, argv, s_on_range) != 0)
        s->n_asked = 0;
    else
        s->loading = 1;
}

static void
s_end_ensure (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    s_stream_t *s = value;
    hl_table_destroy (&s->present);
}

void
hl_unitq_ensure_end (hl_unitq_t *self)
{
    self->ensuring = 0;
    hl_table_foreach (self->streams, s_end_ensure, NULL);
}

//  ---------------------------------------------------------------------
//  Connections

static void
s_on_client_id (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_reader_t *r = arg;
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        r->client_id = reply->integer;
}

//  A reader's link up, maybe on a new server (failover, resharding, a
//  restart): the groups it reads are checked again before they are read
//  (the standalone read's: every one; and its CLIENT ID, for CLIENT
//  UNBLOCK).
static void
s_on_reader_state (hl_redis_t *redis, int up, void *arg)
{
    s_reader_t *r = arg;
    r->client_id = -1;
    if (!up || r->self->dead)
        return;
    if (r->stream) {
        s_forget_group (NULL, 0, r->stream, r->self);
        return;
    }
    const char *argv[] = { "CLIENT", "ID" };
    hl_redis_command (redis, 2, argv, NULL, s_on_client_id, r);
    hl_table_foreach (r->self->streams, s_forget_group, r->self);
    s_read (r->self);
}

hl_unitq_t *
hl_unitq_new (struct event_base *base, hl_store_t *store, const hl_unitq_opts_t *opts,
              hl_unitq_entry_fn *fn, void *arg, char *err, size_t errlen)
{
    assert (base && store && opts && opts->consumer && fn);
    assert (opts->block_ms > 0 && opts->claim_idle_ms >= 3);
    hl_unitq_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->store = store;
    self->opts = *opts;
    snprintf (self->consumer, sizeof self->consumer, "%s", opts->consumer);
    self->opts.consumer = self->consumer;
    self->fn = fn;
    self->arg = arg;
    self->shared = -1;
    self->reader = (s_reader_t) { .self = self, .client_id = -1 };
    self->streams = hl_table_new ();
    self->touch = event_new (base, -1, EV_PERSIST, s_on_touch, self);
    self->retry = evtimer_new (base, s_on_retry, self);
    self->acks = event_new (base, -1, 0, s_on_acks, self);
    int third = opts->claim_idle_ms / 3;
    struct timeval tv = { third / 1000, (third % 1000) * 1000 };
    if (!self->touch || !self->retry || !self->acks || event_add (self->touch, &tv) != 0) {
        snprintf (err, errlen, "cannot start the worker streams' timers");
        hl_unitq_destroy (&self);
        return NULL;
    }
    return self;
}

static void
s_close_stream (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    s_stream_t *s = value;
    hl_slotlink_destroy (&s->reader.link);
}

static void
s_free_stream (const void *key, size_t len, void *value, void *arg)
{
    (void) key;
    (void) len;
    (void) arg;
    s_stream_t *s = value;
    free (s->held);
    free (s->asked);
    free (s->acks);
    hl_table_destroy (&s->present);
    free (s);
}

static void
s_free (hl_unitq_t *self)
{
    hl_table_foreach (self->streams, s_free_stream, NULL);
    hl_table_destroy (&self->streams);
    free (self);
}

void
hl_unitq_destroy (hl_unitq_t **self_p)
{
    assert (self_p);
    hl_unitq_t *self = *self_p;
    if (!self)
        return;
    //  Dead first: the links' waiting callbacks fire (with NULL) and do
    //  nothing; group commands routed through the store may still be
    //  answered later, and the object is freed with the last of them.
    if (self->streams)
        s_on_acks (-1, 0, self);         //  the entries done so far, sent
    self->dead = 1;
    hl_table_foreach (self->streams, s_close_stream, NULL);
    hl_slotlink_destroy (&self->reader.link);
    if (self->touch)
        event_free (self->touch);
    if (self->retry)
        event_free (self->retry);
    if (self->acks)
        event_free (self->acks);
    self->touch = self->retry = self->acks = NULL;
    if (self->calls == 0)
        s_free (self);
    *self_p = NULL;
}
