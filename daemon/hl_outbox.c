/*  hl_outbox: the outbox consumers. See hl_outbox.h. */
#include "hl_outbox.h"
#include "hl_archiver.h"
#include "hl_bucket.h"
#include "hl_callerix.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_messenger.h"
#include "hl_slotlink.h"
#include "hl_unitq.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

//  Entries read at once per group: a batch is applied and acknowledged
//  together, and re-applied whole if the consumer dies before its XACK.
#define S_BATCH "256"

//  How long a read waits for new entries before it looks again at which
//  buckets are held (a bucket taken over is read from then on at latest).
#define S_BLOCK_MS 1000

//  A bucket's outbox is trimmed (and its backlog read) at most this often
//  by each group, after entries were applied.
#define S_TRIM_EVERY_MS 1000

//  After a read that brought entries but filled no batch, the next one
//  waits this long, so that it finds several. Why: each read names every
//  held bucket's stream (64), and a blocking one is woken by the first
//  append to any of them; read again at once, at a few thousand steps a
//  second the groups were woken for a handful of entries each time, and
//  registering and waking 64 blocked keys per read cost Redis more per
//  ticket than the intake step (perf, bench/RESULTS.md). This bounds the
//  reads to a few hundred a second per group and adds at most this much
//  to the outbox's lag (target: p99 < 50 ms).
#define S_GATHER_MS 5

//  A read Redis refused is tried again after this long.
#define S_RETRY_MS 200

//  One entry, by its field names (daemon/hotline.lua, outbox): "" for a
//  field it does not have.
typedef struct {
    const char *id;
    const char *t, *k, *f, *s, *u, *pu, *as, *c, *at, *ch, *ci, *m, *lv, *due;
} s_entry_t;

typedef struct s_group s_group_t;
struct s_archbatch;

//  Where an applier's commands go: on a standalone store, the read's own
//  connection, where they run before the entries' XACK (one connection,
//  in order); on a cluster, where each key's slot is, through the store,
//  and BATCH is acknowledged once every one of them was answered (the
//  global lists are on another master than the outbox read).
typedef struct {
    hl_redis_t *redis;
    hl_store_t *store;
    struct s_archbatch *batch;
} s_sink_t;

//  Applies entry E. Its commands go to SINK; anything else it does is done
//  before it returns. It must be idempotent: a batch cut short is applied
//  again.
typedef void (s_apply_fn) (hl_outbox_t *self, s_sink_t *sink, const s_entry_t *e);

static s_apply_fn s_apply_idx, s_apply_ev;

//  An effect done elsewhere and answered later (the archive, the callers'
//  messages): E offered to it, DONE to be called once (0: done, the entry
//  may be acknowledged; -1: offer it again later). 0 offered, 1 nothing
//  to do for E (DONE never called), -1 not taken now.
typedef int (s_offer_fn) (hl_outbox_t *self, const s_entry_t *e,
                          void (*done) (int status, void *arg), void *arg);
//  Whether it takes offers now (1), not now (0), or is not there (-1: no
//  group).
typedef int (s_ready_fn) (const hl_outbox_t *self);
static s_offer_fn s_offer_arch, s_offer_notify, s_offer_q;
static s_ready_fn s_ready_arch, s_ready_notify, s_ready_q;

//  The consumer groups: one row per effect. The archive (arch), the
//  callers' messages (notify) and the per-unit worker queues (q) have no
//  applier of their own: their entries are acknowledged only once
//  PostgreSQL committed what they name, the notification adaptor confirmed
//  the message, or Redis took the worker stream entries
//  (s_archive_stream), and each group exists only with its archive,
//  messenger or store (hl_outbox_set_archiver, hl_outbox_set_messenger,
//  hl_outbox_set_unitq; a group nobody reads would keep every outbox from
//  being trimmed).
//
//  A group marked NOACK reads without a pending list: nothing to
//  acknowledge, and Redis neither keeps nor propagates (to the AOF and the
//  replicas) a record per entry read, which for a group that must
//  acknowledge is two thirds of what it costs Redis per entry
//  (bench/RESULTS.md, the intake ratio). An entry read by a consumer that
//  dies before applying it is then not applied: only for the live events,
//  whose PUB socket and SSE streams already drop what a slow or absent
//  listener misses (dashboards re-read their figures). An offering group
//  marked NOACK (q) is still applied at least once: it keeps how far it
//  applied in a cursor group ('q-applied', moved with each trim of the
//  bucket), and every time it would read its pending entries (a bucket
//  newly held, a connection lost, a batch failed) it is set back to that
//  cursor first (hl_outbox_rewind) and reads again what came after; an
//  apply that is idempotent (hl_unitq_push: once per entry) makes the
//  entries read twice harmless. Why for q: its apply is idempotent by
//  itself, and acknowledging would cost Redis a record per entry for
//  every step (five a ticket) when one in five queues anything.
static const struct {
    const char *name;
    s_apply_fn *apply;           //  NULL: an effect answered later (offer, ready)
    int noack;                   //  read with NOACK: at most once
    s_offer_fn *offer;
    s_ready_fn *ready;
} s_table[] = {
    { "idx", s_apply_idx, 0, NULL, NULL },
    { "ev", s_apply_ev, 1, NULL, NULL },
    { "arch", NULL, 0, s_offer_arch, s_ready_arch },
    { "notify", NULL, 0, s_offer_notify, s_ready_notify },
    { "q", NULL, 1, s_offer_q, s_ready_q },
};
#define S_GROUPS (sizeof s_table / sizeof s_table[0])
#define S_ARCH_RETRY_MS 1000     //  an archive not ready is looked at again this often

//  One blocking read of a group: over every held bucket on a standalone
//  store (part 0), over one bucket's stream on a cluster (part BUCKET).
typedef struct {
    s_group_t *g;
    int index;
    hl_slotlink_t *link;         //  its own connection (a blocking read holds it)
    struct event *wait;          //  the next read a little later (gather, refused)
    int reading;                 //  a read is on its way
} s_part_t;

//  One group's reader: its reads, and per bucket what is still to do
//  before its new entries are read.
struct s_group {
    hl_outbox_t *owner;
    size_t row;
    s_part_t parts[HL_TICKET_BUCKETS];
    struct event *retry;         //  reads again after the archive's pause
    unsigned char claim[HL_TICKET_BUCKETS];     //  take over others' pending first
    unsigned char pending[HL_TICKET_BUCKETS];   //  read our pending (id 0) first
    unsigned char dirty[HL_TICKET_BUCKETS];     //  applied since its last trim
    int64_t trimmed_ms[HL_TICKET_BUCKETS];
    int inflight;                //  archive batches not yet answered
    int arch_failed;             //  one of them failed: the next read waits
    int full;                    //  the latest read brought a whole batch
    int in_read;                 //  its reply is being applied
    char applied[HL_TICKET_BUCKETS][32];   //  NOACK offering group: the latest applied id
    hl_outbox_figures_t figures;
};

//  The q group's entries of one read, gathered to be queued together
//  (s_queue_flush): the worker stream entries to make, and the offers to
//  answer once Redis took them.
typedef struct {
    void (*done) (int status, void *arg);
    void *arg;
} s_queued_t;

typedef struct {
    hl_unitq_item_t item;
    char unit[HL_STORE_UNIT_MAX];
} s_qitem_t;

struct s_queue {
    s_qitem_t *items;
    size_t n_items, cap_items;
    s_queued_t *entries;         //  the offers to answer
    size_t n_entries, cap_entries;
};

//  One trim on its way.
typedef struct {
    hl_outbox_t *owner;
    int bucket;
} s_trim_t;

struct hl_outbox {
    struct event_base *base;
    hl_store_t *store;
    int shared;                  //  hl_slotlink_shared: 1 one read, 0 one a bucket, -1 unknown
    char consumer[160];
    hl_archiver_t *archiver;     //  NULL: no archive, no arch group
    hl_messenger_t *messenger;   //  NULL: no callers' messages, no notify group
    hl_store_t *unitq;           //  NULL: no worker queues, no q group
    struct s_queue queue;        //  the q group's entries of the read gone through
    struct s_archbatch *archbatches;     //  offered to the archiver, not yet answered
    hl_feed_t *feed;
    hl_metrics_t *metrics;
    unsigned char held[HL_TICKET_BUCKETS];
    uint64_t backlog[HL_TICKET_BUCKETS][S_GROUPS];   //  per bucket, at its last trim
    char groups_arg[128];        //  every group's name, comma-separated
    s_group_t groups[S_GROUPS];
    int closing;
};

static int64_t
s_now_ms (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (int64_t) tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void s_read (s_group_t *g);
static void s_send (s_sink_t *sink, int argc, const char **argv);
static hl_redis_t *s_part_redis (const s_part_t *p);

//  1 for a group that reads without acknowledging and keeps a cursor of
//  what it applied (see the table).
static int
s_cursored (size_t row)
{
    return s_table[row].noack && !s_table[row].apply;
}

//  Every group that runs, comma-separated (hl_outbox_open makes them).
static void
s_groups_arg (hl_outbox_t *self)
{
    self->groups_arg[0] = 0;
    for (size_t i = 0; i < S_GROUPS; i++) {
        if (!s_table[i].apply && s_table[i].ready (self) < 0)
            continue;
        size_t len = strlen (self->groups_arg);
        snprintf (self->groups_arg + len, sizeof self->groups_arg - len, "%s%s",
                  len ? "," : "", s_table[i].name);
    }
}

//  ---------------------------------------------------------------------
//  The appliers

//  A ticket's place in the global lists, moved as the step moved it: out
//  of the state it left and into the one it reached; out of the list of
//  the unit it no longer leads (or of any, once closed) and into its lead
//  unit's while open; into its caller's group of the caller index
//  (hl_callerix) at intake (and when it comes back from the archive,
//  'restore'); out of every list when it leaves Redis ('evict', after its
//  retention time). ZADD and ZREM are
//  idempotent, and a batch applied again in order ends where it ended.
static void
s_zcmd (s_sink_t *redis, const char *verb, const char *kind, const char *name,
        const char *score, const char *ticket)
{
    char key[HL_BUCKET_KEY_MAX + 64];
    snprintf (key, sizeof key, "%s%s:%s", HL_INDEX_PREFIX, kind, name);
    const char *argv[] = { verb, key, score, ticket };
    if (score)
        s_send (redis, 4, argv);
    else {
        argv[2] = ticket;
        s_send (redis, 3, argv);
    }
}

//  The ticket in its bucket's list of UNIT (hl:{NN}:unit:<code>, a
//  listpack while a unit leads a few hundred open tickets of a bucket;
//  hl_store merges the buckets' lists).
static void
s_unit_cmd (s_sink_t *redis, const char *verb, const char *unit, const char *score,
            const char *ticket)
{
    char key[HL_BUCKET_KEY_MAX];
    int bucket = hl_bucket_of_ticket (ticket, strlen (ticket));
    if (bucket < 0 || hl_bucket_key (key, sizeof key, bucket, HL_BUCKET_UNIT_LIST, unit,
                                     strlen (unit)) < 0)
        return;
    const char *argv[] = { verb, key, score ? score : ticket, ticket };
    s_send (redis, score ? 4 : 3, argv);
}

//  The ticket's member in its caller's group of the caller index
//  (hl_callerix): added, or removed (VERB "ZREM").
static void
s_caller_cmd (s_sink_t *redis, const char *verb, const s_entry_t *e)
{
    char key[HL_CALLERIX_KEY_MAX], member[HL_CALLERIX_MEMBER_MAX];
    if (hl_callerix_key (key, sizeof key, e->ci) < 0
        || hl_callerix_member (member, sizeof member, e->ci, strtoull (e->c, NULL, 10), e->t) < 0) {
        hl_warning ("outbox: ticket %s: caller index %s not kept (no such member)", e->t, e->ci);
        return;
    }
    const char *add[] = { verb, key, "0", member }, *rem[] = { verb, key, member };
    if (strcmp (verb, "ZADD") == 0)
        s_send (redis, 4, add);
    else
        s_send (redis, 3, rem);
}

static int
s_open (const char *state)
{
    const hl_lifecycle_state_t *st = hl_lifecycle_state_named (state);
    return st && st->open;
}

static void
s_apply_idx (hl_outbox_t *self, s_sink_t *redis, const s_entry_t *e)
{
    (void) self;
    if (!*e->t || !*e->s || !*e->c)
        return;
    if (strcmp (e->k, "evict") == 0) {
        s_zcmd (redis, "ZREM", "state", e->s, NULL, e->t);
        if (*e->u)
            s_unit_cmd (redis, "ZREM", e->u, NULL, e->t);
        if (*e->ci)
            s_caller_cmd (redis, "ZREM", e);
        return;
    }
    if (*e->f && strcmp (e->f, e->s) != 0)
        s_zcmd (redis, "ZREM", "state", e->f, NULL, e->t);
    s_zcmd (redis, "ZADD", "state", e->s, e->c, e->t);
    int open_to = s_open (e->s), open_from = *e->f && s_open (e->f);
    if (*e->pu && (strcmp (e->pu, e->u) != 0 || !open_to))
        s_unit_cmd (redis, "ZREM", e->pu, NULL, e->t);
    if (*e->u && open_to && (strcmp (e->u, e->pu) != 0 || !open_from))
        s_unit_cmd (redis, "ZADD", e->u, e->c, e->t);
    if (*e->ci)
        s_caller_cmd (redis, "ZADD", e);
}

//  Live events: a new ticket, a transition, a fired reminder (a ticket
//  leaving Redis or coming back is no event). Published again if a batch
//  is read again (a listener may see an event twice, never miss one that
//  the consumer saw).
static void
s_apply_ev (hl_outbox_t *self, s_sink_t *redis, const s_entry_t *e)
{
    (void) redis;
    if (!self->feed || !*e->t || strcmp (e->k, "evict") == 0 || strcmp (e->k, "restore") == 0)
        return;
    int64_t at = strtoll (e->at, NULL, 10);
    if (strcmp (e->k, "intake") == 0)
        hl_feed_intake (self->feed, e->t, e->u, hl_wire_state_parse (e->s),
                        hl_wire_channel_parse (e->ch), at);
    else
    if (strcmp (e->k, "timer") == 0) {
        Hotline__Event ev = HOTLINE__EVENT__INIT;
        ev.kind = "timer";
        ev.ticket = (char *) e->t;
        ev.milestone = (char *) e->m;
        ev.level = (char *) e->lv;
        ev.has_at_ms = 1;
        ev.at_ms = (uint64_t) at;
        ev.has_due_ms = 1;
        ev.due_ms = strtoull (e->due, NULL, 10);
        ev.unit = (char *) e->u;
        hl_feed_publish (self->feed, &ev);
    }
    else
        hl_feed_transition (self->feed, e->t, e->u, hl_wire_state_parse (e->f),
                            hl_wire_state_parse (e->s), hl_wire_action_parse (e->k), at);
}

//  The archive (arch): each entry's ticket, as the archiver reads it.
static int
s_offer_arch (hl_outbox_t *self, const s_entry_t *e, void (*done) (int, void *), void *arg)
{
    return hl_archiver_offer (self->archiver, e->t, done, arg);
}

static int
s_ready_arch (const hl_outbox_t *self)
{
    return self->archiver ? hl_archiver_ready (self->archiver) != 0 : -1;
}

//  The callers' messages (notify): the entries that mean one are sent to
//  the notification adaptor and acknowledged once it confirmed them.
static int
s_offer_notify (hl_outbox_t *self, const s_entry_t *e, void (*done) (int, void *), void *arg)
{
    return hl_messenger_offer (self->messenger, e->id, e->t, e->k, e->s, done, arg);
}

static int
s_ready_notify (const hl_outbox_t *self)
{
    return self->messenger ? hl_messenger_ready (self->messenger) != 0 : -1;
}

//  The group whose offers OFFER makes.
static s_group_t *
s_group_of (hl_outbox_t *self, s_offer_fn *offer)
{
    size_t row = 0;
    while (s_table[row].offer != offer)
        row++;
    assert (row < S_GROUPS);
    return &self->groups[row];
}

//  The worker queues (q): an entry after which its ticket waits for units
//  (it came to be dispatched: at intake, or back from a return or a
//  review) queues it for its lead unit and each assisting one, once per
//  entry (hl_unitq_push_from with the entry as its origin: a batch applied
//  again queues nothing twice). The entries of a read are gathered here
//  and queued together once the read was gone through (s_queue_flush):
//  a Function call per read, not per ticket. Each entry is acknowledged
//  once Redis took them all.
//  Room for one more of SIZE bytes at *ARRAY (N used of *CAP).
static void
s_grow (void **array, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return;
    *cap = *cap ? *cap * 2 : 64;
    *array = realloc (*array, *cap * size);
    if (!*array)
        abort ();
}

static void
s_queue_item (struct s_queue *q, const s_entry_t *e, int bucket, const char *unit,
              const char *role)
{
    s_grow ((void **) &q->items, q->n_items, &q->cap_items, sizeof *q->items);
    s_qitem_t *it = &q->items[q->n_items++];
    snprintf (it->unit, sizeof it->unit, "%s", unit);
    it->item = (hl_unitq_item_t) { NULL, e->t, role, strtoll (e->at, NULL, 10), bucket, e->id };
}

static int
s_offer_q (hl_outbox_t *self, const s_entry_t *e, void (*done) (int, void *), void *arg)
{
    if (!*e->u || hl_wire_state_parse (e->s) != HOTLINE__STATE__STATE_DISPATCHED
        || hl_wire_state_parse (e->f) == HOTLINE__STATE__STATE_DISPATCHED)
        return 1;
    int bucket = hl_bucket_of_ticket (e->t, strlen (e->t));
    if (bucket < 0 || strlen (e->u) >= HL_STORE_UNIT_MAX)
        return -1;
    struct s_queue *q = &self->queue;
    s_grow ((void **) &q->entries, q->n_entries, &q->cap_entries, sizeof *q->entries);
    q->entries[q->n_entries++] = (s_queued_t) { done, arg };
    s_queue_item (q, e, bucket, e->u, "lead");
    char assist[256];
    snprintf (assist, sizeof assist, "%s", e->as);
    for (char *save = NULL, *code = strtok_r (assist, ",", &save); code;
         code = strtok_r (NULL, ",", &save))
        if (strlen (code) < HL_STORE_UNIT_MAX)
            s_queue_item (q, e, bucket, code, "assist");
    return 0;
}

//  The offers of one flush, answered together.
typedef struct {
    s_queued_t *entries;
    size_t n;
} s_flushed_t;

static void
s_on_queued (int ok, void *arg)
{
    s_flushed_t *f = arg;
    for (size_t i = 0; i < f->n; i++)
        f->entries[i].done (ok ? 0 : -1, f->entries[i].arg);
    free (f->entries);
    free (f);
}

//  The connection the q group's pushes go on: on a standalone store, the
//  group's own (its read's: the pushes neither wait behind the store's
//  intake traffic nor, when the group reads again after a reconnect, flood
//  it); on a cluster NULL, the store's, which routes each push by the
//  unit's key to the master of the unit's slot (the stream and its marks
//  live there, seldom where the bucket's outbox is).
static hl_redis_t *
s_queue_redis (hl_outbox_t *self)
{
    return self->shared == 1 ? s_part_redis (&s_group_of (self, s_offer_q)->parts[0]) : NULL;
}

//  Every entry of the read gone through queued, in one Function call on
//  the group's own connection (standalone) or one per unit (cluster;
//  hl_unitq_push_from). The reply's strings the items point to are valid
//  until the read's callback returns: this runs before.
static void
s_queue_flush (hl_outbox_t *self)
{
    struct s_queue *q = &self->queue;
    if (q->n_entries == 0)
        return;
    hl_unitq_item_t *items = calloc (q->n_items + 1, sizeof *items);
    s_flushed_t *f = calloc (1, sizeof *f);
    if (!items || !f)
        abort ();
    for (size_t i = 0; i < q->n_items; i++) {
        items[i] = q->items[i].item;
        items[i].unit = q->items[i].unit;
    }
    *f = (s_flushed_t) { q->entries, q->n_entries };
    size_t n = q->n_items;
    q->entries = NULL;
    q->n_entries = q->cap_entries = q->n_items = 0;
    if (hl_unitq_push_from (self->unitq, s_queue_redis (self), items, n, s_on_queued, f) != 0)
        s_on_queued (0, f);
    free (items);
}

static int
s_ready_q (const hl_outbox_t *self)
{
    return self->unitq ? hl_store_is_ready (self->unitq) != 0 : -1;
}

//  ---------------------------------------------------------------------
//  Reading

//  Where the value of the field NAME (LEN bytes) goes in E; NULL for a
//  field this consumer does not use. A switch on the short names, not a
//  string compare with each: every entry of every read passes here.
static const char **
s_slot (s_entry_t *e, const char *name, size_t len)
{
    char a = name[0], b = len > 1 ? name[1] : 0;
    if (len == 1)
        return a == 't' ? &e->t : a == 'k' ? &e->k : a == 'f' ? &e->f : a == 's' ? &e->s
             : a == 'u' ? &e->u : a == 'c' ? &e->c : a == 'm' ? &e->m : NULL;
    if (len == 2)
        return a == 'p' && b == 'u' ? &e->pu : a == 'a' && b == 's' ? &e->as
             : a == 'a' && b == 't' ? &e->at : a == 'c' && b == 'h' ? &e->ch
             : a == 'c' && b == 'i' ? &e->ci : a == 'l' && b == 'v' ? &e->lv : NULL;
    return len == 3 && memcmp (name, "due", 3) == 0 ? &e->due : NULL;
}

//  ENTRY ([id, [field, value, ...]]) as named fields; the values point
//  into the reply. 0, or -1 for an entry that is gone (trimmed while it
//  was pending): it is only acknowledged.
static int
s_entry (const redisReply *entry, s_entry_t *e)
{
    *e = (s_entry_t) { .t = "", .k = "", .f = "", .s = "", .u = "", .pu = "", .as = "",
                       .c = "", .at = "", .ch = "", .ci = "", .m = "", .lv = "", .due = "" };
    e->id = entry->element[0]->str;
    const redisReply *kv = entry->element[1];
    if (kv->type != REDIS_REPLY_ARRAY)
        return -1;
    for (size_t i = 0; i + 1 < kv->elements; i += 2) {
        const redisReply *name = kv->element[i], *value = kv->element[i + 1];
        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
            continue;
        const char **slot = s_slot (e, name->str, name->len);
        if (slot)
            *slot = value->str;
    }
    return 0;
}

//  The bucket of outbox KEY (hl:{NN}:out).
static int
s_bucket_of_key (const char *key)
{
    const char *open = strchr (key, '{');
    return open ? atoi (open + 1) : -1;
}

//  The figures a trim answers ({dropped, group, pending, behind, ...}):
//  each known group's backlog in the bucket.
static void
s_on_trimmed (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_trim_t trim = *(s_trim_t *) arg;
    free (arg);
    hl_outbox_t *self = trim.owner;
    if (self->closing || !reply || reply->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t i = 1; i + 2 < reply->elements + 0; i += 3)
        for (size_t row = 0; row < S_GROUPS; row++)
            if (reply->element[i]->type == REDIS_REPLY_STRING
                && strcmp (reply->element[i]->str, s_table[row].name) == 0)
                self->backlog[trim.bucket][row] = (uint64_t) (reply->element[i + 1]->integer
                                                              + reply->element[i + 2]->integer);
    for (size_t row = 0; row < S_GROUPS; row++) {
        uint64_t sum = 0;
        for (int b = 0; b < HL_TICKET_BUCKETS; b++)
            sum += self->held[b] ? self->backlog[b][row] : 0;
        self->groups[row].figures.backlog = sum;
        if (self->metrics)
            hl_metrics_outbox_backlog (self->metrics, s_table[row].name, sum);
    }
}

//  The part of group G that reads BUCKET.
static s_part_t *
s_part_of (s_group_t *g, int bucket)
{
    return &g->parts[g->owner->shared == 1 ? 0 : bucket];
}

//  True if part P reads BUCKET now (held, and P's).
static int
s_part_has (const s_part_t *p, int bucket)
{
    return p->g->owner->held[bucket] && (p->g->owner->shared == 1 || bucket == p->index);
}

//  P's connection, NULL while it is not up.
static hl_redis_t *
s_part_redis (const s_part_t *p)
{
    return p->link && hl_slotlink_is_up (p->link) ? hl_slotlink_redis (p->link) : NULL;
}

//  What part P read and did not acknowledge is read again (its pending
//  entries) before new ones.
static void
s_part_pending (s_part_t *p)
{
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        if (p->g->owner->shared == 1 || b == p->index)
            p->g->pending[b] = 1;
}

//  The trims due: of each bucket part P reads whose entries its group
//  applied since its last trim, at most every S_TRIM_EVERY_MS.
static void
s_trim_due (s_part_t *p, hl_redis_t *redis)
{
    s_group_t *g = p->g;
    int64_t now = s_now_ms ();
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        if (!s_part_has (p, b) || !g->dirty[b] || now - g->trimmed_ms[b] < S_TRIM_EVERY_MS)
            continue;
        g->trimmed_ms[b] = now;
        g->dirty[b] = 0;
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_own_key (key, sizeof key, b, HL_OUTBOX_KIND);
        s_trim_t *trim = malloc (sizeof *trim);
        if (!trim)
            abort ();
        *trim = (s_trim_t) { g->owner, b };
        if (s_cursored (g->row) && g->applied[b][0]) {
            char cursor[32];
            snprintf (cursor, sizeof cursor, "%s-applied", s_table[g->row].name);
            const char *setid[] = { "XGROUP", "SETID", key, cursor, g->applied[b] };
            hl_redis_command (redis, 5, setid, NULL, NULL, NULL);
        }
        const char *argv[] = { "FCALL", "hl_outbox_trim", "1", key };
        if (hl_redis_command (redis, 4, argv, NULL, s_on_trimmed, trim) != 0)
            free (trim);
    }
}

static void s_archbatch_ack (struct s_archbatch *b);

//  N entries of group G applied, the latest appended at APPENDED_MS (its
//  id): the group's figures and the lag histogram.
static void
s_note_applied (s_group_t *g, size_t n, int64_t appended_ms)
{
    hl_outbox_t *self = g->owner;
    g->figures.applied += n;
    g->figures.lag_ms = s_now_ms () - appended_ms;
    if (self->metrics)
        hl_metrics_outbox_lag (self->metrics, s_table[g->row].name,
                               (double) g->figures.lag_ms / 1000.0);
}

//  The N entries IDS of BUCKET's outbox KEY acknowledged by group G (behind
//  whatever their apply sent on the same connection); the bucket is due a
//  trim. With its connection away they stay pending, and are read again.
static void
s_xack (s_group_t *g, const char *key, int bucket, const char *const *ids, size_t n)
{
    hl_redis_t *redis = s_part_redis (s_part_of (g, bucket));
    if (!redis) {
        g->pending[bucket] = 1;
        return;
    }
    const char **argv = calloc (n + 3, sizeof *argv);
    if (!argv)
        abort ();
    argv[0] = "XACK";
    argv[1] = key;
    argv[2] = s_table[g->row].name;
    memcpy (argv + 3, ids, n * sizeof *ids);
    if (hl_redis_command (redis, (int) n + 3, argv, NULL, NULL, NULL) != 0)
        g->pending[bucket] = 1;
    free (argv);
    g->dirty[bucket] = 1;
}

//  One read's entries of one bucket on their way to the archive: they are
//  acknowledged together once the archiver has answered every offer with
//  0 (PostgreSQL committed); if one failed, none is, and the group reads
//  its pending entries again (the archive's upserts make that harmless).
//  On a cluster the index updates wait the same way for the store's word
//  on each of their commands (s_sink_t).
typedef struct s_archbatch {
    s_group_t *g;                //  NULL once the outbox is gone (orphan)
    struct s_archbatch *next;    //  the outbox's batches on their way
    int bucket;
    char key[HL_BUCKET_KEY_MAX];
    char (*ids)[32];
    size_t n;
    size_t waiting;              //  offers not yet answered (+1 while offering)
    int failed;
} s_archbatch_t;

//  Every entry of B acknowledged: the archive has what they named.
static void
s_archbatch_ack (s_archbatch_t *b)
{
    const char **ids = calloc (b->n + 1, sizeof *ids);
    if (!ids)
        abort ();
    for (size_t i = 0; i < b->n; i++)
        ids[i] = b->ids[i];
    if (!s_cursored (b->g->row))
        s_xack (b->g, b->key, b->bucket, ids, b->n);
    else
    if (b->n > 0) {
        snprintf (b->g->applied[b->bucket], sizeof b->g->applied[0], "%s", b->ids[b->n - 1]);
        b->g->dirty[b->bucket] = 1;
    }
    free (ids);
    for (size_t i = 0; i < b->n; i++)
        s_note_applied (b->g, 1, strtoll (b->ids[i], NULL, 10));
}

//  Every batch of an offering group's read answered: the next read now
//  if the read was a whole batch or its answers took a round trip (they
//  gathered entries meanwhile), else (nothing in it to do) after
//  S_GATHER_MS, as the appliers (s_on_read); after S_ARCH_RETRY_MS if one
//  failed.
static void
s_arch_next (s_group_t *g)
{
    if (!g->arch_failed && (g->full || !g->in_read)) {
        s_read (g);
        return;
    }
    int ms = g->arch_failed ? S_ARCH_RETRY_MS : S_GATHER_MS;
    g->arch_failed = 0;
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add (g->retry, &tv);
}

static void
s_archbatch_settle (s_archbatch_t *b)
{
    if (--b->waiting > 0)
        return;
    s_group_t *g = b->g;
    if (g) {
        hl_outbox_t *self = g->owner;
        for (s_archbatch_t **p = &self->archbatches; *p; p = &(*p)->next)
            if (*p == b) {
                *p = b->next;
                break;
            }
        if (b->failed) {
            //  Read again, but not at once: a ticket PostgreSQL keeps
            //  refusing must not spin the loop.
            g->pending[b->bucket] = 1;
            g->arch_failed = 1;
        }
        else
            s_archbatch_ack (b);
        if (--g->inflight == 0)
            s_arch_next (g);
    }
    free (b->ids);
    free (b);
}

static void
s_on_archived (int status, void *arg)
{
    s_archbatch_t *b = arg;
    if (status != 0)
        b->failed = 1;
    s_archbatch_settle (b);
}

static void
s_on_sent (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_on_archived (reply && reply->type != REDIS_REPLY_ERROR ? 0 : -1, arg);
}

static void
s_send (s_sink_t *sink, int argc, const char **argv)
{
    if (!sink->batch)
        hl_redis_command (sink->redis, argc, argv, NULL, NULL, NULL);
    else
    if (hl_store_command (sink->store, argv[1], argc, argv, s_on_sent, sink->batch) == 0)
        sink->batch->waiting++;
    else
        sink->batch->failed = 1;
}

//  The entries of BUCKET's outbox KEY offered to the archiver, each its
//  ticket (the archiver reads each ticket once a batch, as it is then);
//  or, for an applier on a cluster, applied through the store.
static void
s_archive_stream (s_group_t *g, const char *key, int bucket, const redisReply *entries)
{
    hl_outbox_t *self = g->owner;
    s_archbatch_t *b = calloc (1, sizeof *b);
    if (!b)
        abort ();
    b->ids = calloc (entries->elements, sizeof *b->ids);
    if (!b->ids)
        abort ();
    *b = (s_archbatch_t) { .g = g, .next = self->archbatches, .bucket = bucket, .ids = b->ids,
                           .waiting = 1 };
    self->archbatches = b;
    snprintf (b->key, sizeof b->key, "%s", key);
    g->inflight++;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *entry = entries->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2
            || entry->element[0]->type != REDIS_REPLY_STRING
            || entry->element[0]->len >= sizeof b->ids[0])
            continue;
        snprintf (b->ids[b->n++], sizeof b->ids[0], "%s", entry->element[0]->str);
        s_entry_t e;
        if (s_entry (entry, &e) != 0 || !*e.t)
            continue;
        if (!s_table[g->row].offer) {
            s_sink_t sink = { NULL, self->store, b };
            s_table[g->row].apply (self, &sink, &e);
            continue;
        }
        int rc = s_table[g->row].offer (self, &e, s_on_archived, b);
        if (rc == 0)
            b->waiting++;
        else
        if (rc < 0)
            b->failed = 1;
    }
    s_archbatch_settle (b);
}

//  One stream's part of a read ([key, [entry, ...]]) on REDIS: each entry
//  applied, then all acknowledged. 1 if it was a whole batch (more may be
//  waiting).
static int
s_apply_stream (s_group_t *g, hl_redis_t *redis, const redisReply *stream)
{
    hl_outbox_t *self = g->owner;
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2
        || stream->element[0]->type != REDIS_REPLY_STRING
        || stream->element[1]->type != REDIS_REPLY_ARRAY)
        return 0;
    const char *key = stream->element[0]->str;
    const redisReply *entries = stream->element[1];
    int bucket = s_bucket_of_key (key);
    if (bucket < 0 || bucket >= HL_TICKET_BUCKETS)
        return 0;
    if (entries->elements == 0) {
        g->pending[bucket] = 0;          //  our pending ones are done: new ones next
        return 0;
    }
    int full = entries->elements >= (size_t) atoi (S_BATCH);
    if (!s_table[g->row].apply || (self->shared != 1 && !s_table[g->row].noack)) {
        s_archive_stream (g, key, bucket, entries);
        return full;
    }
    size_t n = entries->elements, acks = 0;
    const char **ids = calloc (n + 1, sizeof *ids);
    if (!ids)
        abort ();
    for (size_t i = 0; i < n; i++) {
        const redisReply *entry = entries->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2
            || entry->element[0]->type != REDIS_REPLY_STRING)
            continue;
        s_entry_t e;
        if (s_entry (entry, &e) == 0) {
            s_sink_t sink = { redis, self->store, NULL };
            s_table[g->row].apply (self, &sink, &e);
            s_note_applied (g, 1, strtoll (e.id, NULL, 10));
        }
        ids[acks++] = entry->element[0]->str;
    }
    if (s_table[g->row].noack)
        g->dirty[bucket] = 1;
    else
        s_xack (g, key, bucket, ids, acks);
    free (ids);
    return full;
}

//  A refusal that says the bucket's slot is served elsewhere now (or not
//  yet): the part's link looks at the slot map again.
static int
s_moved (const char *error)
{
    return strncmp (error, "MOVED ", 6) == 0 || strncmp (error, "ASK ", 4) == 0
        || strncmp (error, "CLUSTERDOWN", 11) == 0 || strncmp (error, "TRYAGAIN", 8) == 0;
}

static void
s_wait (s_part_t *p, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add (p->wait, &tv);
}

//  1 if one of the streams of read REPLY brought a whole batch.
static int
s_whole_batch (const redisReply *reply)
{
    for (size_t i = 0; reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        const redisReply *stream = reply->element[i];
        if (stream->type == REDIS_REPLY_ARRAY && stream->elements == 2
            && stream->element[1]->type == REDIS_REPLY_ARRAY
            && stream->element[1]->elements >= (size_t) atoi (S_BATCH))
            return 1;
    }
    return 0;
}

static void
s_on_read (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_part_t *p = arg;
    s_group_t *g = p->g;
    if (g->owner->closing)
        return;
    p->reading = 0;
    if (!reply) {
        //  The connection is gone: what was read and not acknowledged is
        //  read again (our pending entries) once it is back.
        s_part_pending (p);
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        //  E.g. NOGROUP (the store was emptied): the groups are made
        //  again, a little later; MOVED: the bucket is read where it is.
        hl_warning ("outbox %s: %s", s_table[g->row].name, reply->str);
        if (s_moved (reply->str))
            hl_slotlink_check (p->link);
        for (int b = 0; b < HL_TICKET_BUCKETS; b++)
            if (s_part_has (p, b))
                g->claim[b] = 1;
        s_wait (p, S_RETRY_MS);
        return;
    }
    int full = 0;
    g->full = s_whole_batch (reply);     //  (for offers answered meanwhile)
    g->in_read = 1;
    if (reply->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < reply->elements; i++)
            full |= s_apply_stream (g, redis, reply->element[i]);
    s_queue_flush (g->owner);
    g->in_read = 0;
    if (reply->type == REDIS_REPLY_ARRAY && !full && s_table[g->row].apply)
        s_wait (p, S_GATHER_MS);
    else
        s_read (g);
}

//  The first read of a bucket newly held: its groups made (if none are
//  yet), and what other consumers read and did not acknowledge claimed.
static void
s_claim (s_group_t *g, hl_redis_t *redis, int bucket, const char *key)
{
    hl_outbox_t *self = g->owner;
    const char *open[] = { "FCALL", "hl_outbox_open", "1", key, "groups", self->groups_arg };
    hl_redis_command (redis, 6, open, NULL, NULL, NULL);
    const char *claim[] = { "XAUTOCLAIM", key, s_table[g->row].name, self->consumer, "0",
                            "0-0", "COUNT", "100000", "JUSTID" };
    hl_redis_command (redis, 9, claim, NULL, NULL, NULL);
    g->claim[bucket] = 0;
    g->pending[bucket] = 1;
}

//  Group G (a cursored one) set back to its cursor in BUCKET's outbox KEY
//  on REDIS: its next read (behind this, on the same connection) reads
//  again what it had not applied.
static void
s_rewind (s_group_t *g, hl_redis_t *redis, int bucket, const char *key)
{
    const char *argv[] = { "FCALL", "hl_outbox_rewind", "1", key, "group", s_table[g->row].name };
    hl_redis_command (redis, 6, argv, NULL, NULL, NULL);
    g->pending[bucket] = 0;
    g->applied[bucket][0] = 0;
}

static void s_on_state (hl_redis_t *redis, int up, void *arg);

//  The next read of part P: pending entries of the buckets that have some
//  (id 0, answered at once), else new ones, waiting up to S_BLOCK_MS.
//  Its link is made the first time (the read follows once it is up).
static void
s_read_part (s_part_t *p)
{
    s_group_t *g = p->g;
    hl_outbox_t *self = g->owner;
    if (p->reading || evtimer_pending (p->wait, NULL))
        return;
    if (!p->link) {
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_own_key (key, sizeof key, p->index, HL_OUTBOX_KIND);
        p->link = hl_slotlink_new (self->base, self->store, self->shared == 1 ? NULL : key,
                                   S_BLOCK_MS, s_on_state, p);
        return;
    }
    hl_redis_t *redis = s_part_redis (p);
    if (!redis)
        return;
    s_trim_due (p, redis);
    const char *argv[11 + 2 * HL_TICKET_BUCKETS];
    char keys[HL_TICKET_BUCKETS][HL_BUCKET_KEY_MAX];
    char block[16];
    snprintf (block, sizeof block, "%d", S_BLOCK_MS);
    int argc = 0, n = 0, any_pending = 0;
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = s_table[g->row].name;
    argv[argc++] = self->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = S_BATCH;
    if (s_table[g->row].noack)
        argv[argc++] = "NOACK";
    int block_at = argc;
    argv[argc++] = "BLOCK";
    argv[argc++] = block;
    argv[argc++] = "STREAMS";
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        if (!s_part_has (p, b))
            continue;
        hl_bucket_own_key (keys[n], sizeof keys[n], b, HL_OUTBOX_KIND);
        if (g->claim[b])
            s_claim (g, redis, b, keys[n]);
        if (g->pending[b] && s_cursored (g->row))
            s_rewind (g, redis, b, keys[n]);
        any_pending |= g->pending[b];
        argv[argc++] = keys[n++];
    }
    if (n == 0)
        return;
    int k = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        if (s_part_has (p, b))
            argv[argc + k++] = g->pending[b] ? "0" : ">";
    argc += n;
    if (any_pending) {
        //  Pending reads do not wait: no BLOCK.
        memmove (argv + block_at, argv + block_at + 2, (size_t) (argc - block_at - 2) * sizeof *argv);
        argc -= 2;
    }
    if (hl_redis_command (redis, argc, argv, NULL, s_on_read, p) == 0)
        p->reading = 1;
}

//  The next reads of group G, of every held bucket.
//  Why one blocking read per group over all held buckets: an entry is
//  applied as soon as it is appended, whichever instance's step made it,
//  at one connection per group (not per bucket) and no polling; a local
//  kick would miss the steps of other instances, a poll adds its period
//  to the lag. On Redis Cluster one read may only name the keys of one
//  slot, and every bucket is a slot of its own: there the same blocking
//  read is made per bucket, each on a link to the bucket's master
//  (hl_slotlink), which follows the slot when it moves. That keeps the
//  lag of the standalone read (one round trip after the append) and
//  costs an idle instance one read a second per held bucket and group
//  (bench/RESULTS.md, "Outbox on the cluster"); a doorbell or keyspace
//  notifications would need as many connections or lose wake-ups on a
//  reconnect, and a poll adds its period to the lag.
static void
s_read (s_group_t *g)
{
    hl_outbox_t *self = g->owner;
    if (self->closing || g->inflight > 0 || evtimer_pending (g->retry, NULL))
        return;
    if (!s_table[g->row].apply) {
        int ready = s_table[g->row].ready (self);
        if (ready < 0)
            return;
        if (!ready) {
            //  PostgreSQL or the adaptor away: the entries wait in the
            //  outbox (its backlog is on /metrics), and nothing leaves
            //  unarchived or unsent.
            struct timeval tv = { S_ARCH_RETRY_MS / 1000, (S_ARCH_RETRY_MS % 1000) * 1000 };
            evtimer_add (g->retry, &tv);
            return;
        }
    }
    if (self->shared < 0)
        self->shared = hl_slotlink_shared (self->store);
    if (self->shared < 0) {
        //  No slot map yet: looked at again a little later.
        struct timeval tv = { 0, S_RETRY_MS * 1000 };
        evtimer_add (g->retry, &tv);
        return;
    }
    if (self->shared == 1)
        s_read_part (&g->parts[0]);
    else
        for (int b = 0; b < HL_TICKET_BUCKETS; b++)
            if (self->held[b])
                s_read_part (&g->parts[b]);
}

static void
s_on_retry (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_read (arg);
}

static void
s_on_wait (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_part_t *p = arg;
    s_read (p->g);
}

static void
s_on_state (hl_redis_t *redis, int up, void *arg)
{
    (void) redis;
    s_part_t *p = arg;
    //  Lost: acknowledgements sent since the last read may not have
    //  arrived, and no read need be in flight to hear of it (a group waits
    //  between reads, S_GATHER_MS): what this consumer read is read again
    //  from its pending entries once the connection is back.
    if (!up) {
        p->reading = 0;
        s_part_pending (p);
    }
    if (up && !p->g->owner->closing)
        s_read (p->g);
}

//  ---------------------------------------------------------------------

hl_outbox_t *
hl_outbox_new (struct event_base *base, hl_store_t *store, const char *consumer,
               hl_feed_t *feed, hl_metrics_t *metrics)
{
    assert (base && store && consumer);
    hl_outbox_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->store = store;
    self->shared = -1;
    snprintf (self->consumer, sizeof self->consumer, "%s", consumer);
    self->feed = feed;
    self->metrics = metrics;
    s_groups_arg (self);
    for (size_t i = 0; i < S_GROUPS; i++) {
        s_group_t *g = &self->groups[i];
        *g = (s_group_t) { .owner = self, .row = i };
        g->retry = evtimer_new (base, s_on_retry, g);
        if (!g->retry)
            abort ();
        for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
            g->parts[b] = (s_part_t) { .g = g, .index = b };
            g->parts[b].wait = evtimer_new (base, s_on_wait, &g->parts[b]);
            if (!g->parts[b].wait)
                abort ();
        }
    }
    return self;
}

void
hl_outbox_destroy (hl_outbox_t **self_p)
{
    assert (self_p);
    hl_outbox_t *self = *self_p;
    if (!self)
        return;
    self->closing = 1;
    //  Batches still with the archiver are answered later: orphaned, they
    //  only free themselves (their entries stay pending in Redis).
    for (struct s_archbatch *b = self->archbatches; b; b = b->next)
        b->g = NULL;
    for (size_t i = 0; i < S_GROUPS; i++) {
        s_group_t *g = &self->groups[i];
        for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
            hl_slotlink_destroy (&g->parts[b].link);
            event_free (g->parts[b].wait);
        }
        event_free (g->retry);
    }
    free (self->queue.items);
    free (self->queue.entries);
    free (self);
    *self_p = NULL;
}

//  Which groups run is settled before any bucket is held: a bucket's
//  groups are made when it comes to be held (s_claim, hl_outbox_open).
static void
s_assert_unheld (const hl_outbox_t *self)
{
    assert (self);
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)
        assert (!self->held[b]);
}

void
hl_outbox_set_archiver (hl_outbox_t *self, hl_archiver_t *archiver)
{
    s_assert_unheld (self);
    self->archiver = archiver;
    s_groups_arg (self);
}

void
hl_outbox_set_messenger (hl_outbox_t *self, hl_messenger_t *messenger)
{
    s_assert_unheld (self);
    self->messenger = messenger;
    s_groups_arg (self);
}

void
hl_outbox_set_unitq (hl_outbox_t *self, hl_store_t *store)
{
    s_assert_unheld (self);
    self->unitq = store;
    s_groups_arg (self);
}

void
hl_outbox_hold (hl_outbox_t *self, int bucket, int held)
{
    assert (self && bucket >= 0 && bucket < HL_TICKET_BUCKETS);
    self->held[bucket] = held != 0;
    for (size_t i = 0; i < S_GROUPS; i++) {
        s_group_t *g = &self->groups[i];
        g->claim[bucket] = held != 0;
        if (held)
            s_read (g);
    }
}

size_t
hl_outbox_groups (void)
{
    return S_GROUPS;
}

const char *
hl_outbox_group (size_t i)
{
    assert (i < S_GROUPS);
    return s_table[i].name;
}

void
hl_outbox_figures (const hl_outbox_t *self, size_t i, hl_outbox_figures_t *out)
{
    assert (self && i < S_GROUPS && out);
    *out = self->groups[i].figures;
}
