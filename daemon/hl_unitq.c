/*  hl_unitq: the per-unit worker streams. See hl_unitq.h. */
#include "hl_unitq.h"
#include "hl_log.h"
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

//  An entry read here and not yet done.
typedef struct {
    char id[HL_UNITQ_ID_MAX];
    char ticket[HL_STORE_TICKET_MAX];
} s_held_t;

//  One unit's stream as this instance sees it.
typedef struct {
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
} s_stream_t;

struct hl_unitq {
    hl_store_t *store;
    hl_unitq_opts_t opts;
    char consumer[128];
    hl_unitq_entry_fn *fn;
    void *arg;
    hl_table_t *streams;         //  unit -> s_stream_t
    hl_redis_t *reader;          //  the blocking read, alone
    hl_redis_t *ctl;             //  group commands, CLIENT UNBLOCK
    long long reader_id;         //  the reader's CLIENT ID, -1 unknown
    int reading;                 //  a blocking read is in flight
    int unblocking;              //  ... and is being cut short
    int ensuring;                //  between hl_unitq_ensure and _end
    struct event *touch;         //  keeps held entries ours, claims dead ones'
    struct event *retry;         //  reads again after a failure
};

//  A group command whose reply is about one stream.
typedef struct {
    hl_unitq_t *self;
    s_stream_t *stream;
} s_call_t;

static void s_read (hl_unitq_t *self);

//  Sends a command about stream S on the group connection; FN gets an
//  s_call_t naming both, which it frees. 0, or -1 (FN is not called).
static int
s_stream_command (hl_unitq_t *self, s_stream_t *s, int argc, const char **argv,
                  hl_redis_reply_fn *fn)
{
    s_call_t *call = malloc (sizeof *call);
    if (!call)
        abort ();
    *call = (s_call_t) { self, s };
    if (hl_redis_command (self->ctl, argc, argv, NULL, fn, call) != 0) {
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

//  A producer's caller waiting for Redis's word on its entry.
typedef struct {
    hl_unitq_pushed_fn *fn;
    void *arg;
} s_push_t;

static void
s_on_pushed (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_push_t *push = arg;
    int ok = reply && reply->type == REDIS_REPLY_STRING;
    //  (debug: during an outage this is every dispatch; the check at the
    //  next store-ready adds what is missing, and says how many)
    if (!ok)
        hl_debug ("worker stream: entry not added (%s)",
                  reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply");
    if (push->fn)
        push->fn (ok, push->arg);
    free (push);
}

int
hl_unitq_push (hl_store_t *store, const char *unit, const char *ticket, const char *role,
               int64_t at_ms, const hl_unitq_from_t *from, hl_unitq_pushed_fn *fn, void *arg)
{
    assert (store && unit && ticket && role);
    assert (!from || (from->entry && from->bucket >= 0));
    char key[HL_UNITQ_KEY_MAX], marks[HL_UNITQ_KEY_MAX + 2], at[24], bucket[16];
    if (hl_unitq_key (key, sizeof key, unit) < 0)
        return -1;
    snprintf (marks, sizeof marks, "%s:o", key);
    snprintf (at, sizeof at, "%lld", (long long) at_ms);
    snprintf (bucket, sizeof bucket, "%d", from ? from->bucket : 0);
    const char *xadd[] = { "XADD", key, "*", "t", ticket, "r", role, "at", at };
    const char *fcall[] = { "FCALL", "hl_unitq_push", "2", key, marks, "t", ticket, "r", role,
                            "at", at, "b", bucket, "e", from ? from->entry : "" };
    s_push_t *push = malloc (sizeof *push);
    if (!push)
        abort ();
    *push = (s_push_t) { fn, arg };
    int rc = !from ? hl_store_command (store, key, 9, xadd, s_on_pushed, push)
           : from->redis ? hl_redis_command (from->redis, 15, fcall, NULL, s_on_pushed, push)
           : hl_store_command (store, key, 15, fcall, s_on_pushed, push);
    if (rc != 0) {
        free (push);
        return -1;
    }
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
        if (hl_unitq_key (s->key, sizeof s->key, unit) < 0)
            abort ();                    //  unit codes are shorter (HL_STORE_UNIT_MAX)
        hl_table_set (self->streams, unit, strlen (unit), s);
    }
    return s;
}

static void
s_hold (s_stream_t *s, const char *id, const char *ticket)
{
    for (size_t i = 0; i < s->n_held; i++)
        if (strcmp (s->held[i].id, id) == 0)
            return;                      //  read again (claimed back)
    if (s->n_held == s->cap_held) {
        s->cap_held = s->cap_held ? s->cap_held * 2 : 16;
        s->held = realloc (s->held, s->cap_held * sizeof *s->held);
        if (!s->held)
            abort ();
    }
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

//  XACK and XDEL of ID, pipelined; their replies say nothing worth
//  hearing (an entry acknowledged twice is acknowledged).
static void
s_ack (hl_unitq_t *self, s_stream_t *s, const char *id)
{
    const char *ack[] = { "XACK", s->key, S_GROUP, id };
    const char *del[] = { "XDEL", s->key, id };
    if (hl_redis_command (self->ctl, 4, ack, NULL, NULL, NULL) == 0)
        hl_redis_command (self->ctl, 3, del, NULL, NULL, NULL);
    else
        hl_notice ("worker stream %s: entry %s not acknowledged (Redis not connected); "
                   "it will be delivered again", s->key, id);
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
    if (s->group != 0 || !hl_redis_is_up (self->ctl))
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
    hl_unitq_t *self = arg;
    self->reading = self->unblocking = 0;
    if (!reply || reply->type == REDIS_REPLY_ERROR) {
        if (reply)
            hl_warning ("worker streams: read refused: %s", reply->str);
        //  NOGROUP: a stream deleted under us (which one is not said:
        //  every group is made again).
        if (reply && strncmp (reply->str, "NOGROUP", 7) == 0)
            hl_table_foreach (self->streams, s_forget_group, self);
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

//  Reads what the wanted units' streams hold for this instance, blocking
//  up to block_ms for something new; sent again after every answer. The
//  count is the smallest want among them (a unit that wants more gets the
//  rest by the next read, at once).
static void
s_read (hl_unitq_t *self)
{
    if (self->reading || !hl_redis_is_up (self->reader))
        return;
    s_build_t b = { .argc = 0 };
    char count[16], block[16];
    const char *head[S_READ_HEAD] = { "XREADGROUP", "GROUP", S_GROUP, self->consumer, "COUNT",
                                      count, "BLOCK", block, "STREAMS" };
    for (int i = 0; i < S_READ_HEAD; i++)
        b.argv[b.argc++] = head[i];
    hl_table_foreach (self->streams, s_add_wanted, &b);
    int n = b.argc - S_READ_HEAD;
    if (n == 0)
        return;
    for (int i = 0; i < n; i++)
        b.argv[b.argc++] = ">";
    snprintf (count, sizeof count, "%u", b.count);
    snprintf (block, sizeof block, "%d", self->opts.block_ms);
    if (hl_redis_command (self->reader, b.argc, b.argv, NULL, s_on_read, self) == 0)
        self->reading = 1;
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
    if (!self->reading || self->unblocking || self->reader_id < 0)
        return;
    char id[24];
    snprintf (id, sizeof id, "%lld", self->reader_id);
    const char *argv[] = { "CLIENT", "UNBLOCK", id };
    if (hl_redis_command (self->ctl, 3, argv, NULL, NULL, NULL) == 0)
        self->unblocking = 1;
}

void
hl_unitq_want (hl_unitq_t *self, const char *unit, unsigned n)
{
    assert (self && unit);
    s_stream_t *s = s_stream (self, unit);
    s->want = n;
    if (n == 0)
        return;
    if (s->group != 2)
        s_group_make (self, s);
    else
    if (!self->reading)
        s_read (self);
    else
    if (!s->in_read)
        s_unblock (self);
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
        if (hl_redis_command (self->ctl, argc, argv, NULL, s_on_touched, t) != 0)
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
    if (hl_redis_is_up (self->ctl)) {
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
    if (hl_redis_command (self->ctl, 4, argv, NULL, s_on_answer_range, a) != 0) {
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
    hl_unitq_push (self->store, s->unit, ticket, "lead", at_ms, NULL, NULL, NULL);
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
    if (s->n_asked == s->cap_asked) {
        s->cap_asked = s->cap_asked ? s->cap_asked * 2 : 64;
        s->asked = realloc (s->asked, s->cap_asked * sizeof *s->asked);
        if (!s->asked)
            abort ();
    }
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
    hl_unitq_t *self = arg;
    if (reply && reply->type == REDIS_REPLY_INTEGER)
        self->reader_id = reply->integer;
}

static void
s_on_reader_state (hl_redis_t *redis, int up, void *arg)
{
    hl_unitq_t *self = arg;
    self->reader_id = -1;
    if (!up)
        return;
    const char *argv[] = { "CLIENT", "ID" };
    hl_redis_command (redis, 2, argv, NULL, s_on_client_id, self);
    s_read (self);
}

//  A new server (failover) or a restarted one: its groups are checked
//  again before they are read.
static void
s_on_ctl_state (hl_redis_t *redis, int up, void *arg)
{
    (void) redis;
    hl_unitq_t *self = arg;
    if (up)
        hl_table_foreach (self->streams, s_forget_group, self);
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
    self->store = store;
    self->opts = *opts;
    snprintf (self->consumer, sizeof self->consumer, "%s", opts->consumer);
    self->opts.consumer = self->consumer;
    self->fn = fn;
    self->arg = arg;
    self->reader_id = -1;
    self->streams = hl_table_new ();
    //  The reader's watchdog must outlast the read's block.
    hl_redis_opts_t ro = *hl_store_redis_opts (store);
    ro.timeout_ms += opts->block_ms;
    self->reader = hl_redis_new (base, &ro, s_on_reader_state, self, err, errlen);
    if (self->reader)
        self->ctl = hl_redis_new (base, hl_store_redis_opts (store), s_on_ctl_state, self, err,
                                  errlen);
    self->touch = event_new (base, -1, EV_PERSIST, s_on_touch, self);
    self->retry = evtimer_new (base, s_on_retry, self);
    int third = opts->claim_idle_ms / 3;
    struct timeval tv = { third / 1000, (third % 1000) * 1000 };
    if (!self->ctl || !self->touch || !self->retry || event_add (self->touch, &tv) != 0) {
        if (self->ctl || self->reader)
            snprintf (err, errlen, "cannot start the worker streams' timers");
        hl_unitq_destroy (&self);
        return NULL;
    }
    return self;
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
    hl_table_destroy (&s->present);
    free (s);
}

void
hl_unitq_destroy (hl_unitq_t **self_p)
{
    assert (self_p);
    hl_unitq_t *self = *self_p;
    if (!self)
        return;
    //  The connections first: their waiting callbacks fire (with NULL)
    //  while the streams they name still exist.
    hl_redis_destroy (&self->reader);
    hl_redis_destroy (&self->ctl);
    if (self->touch)
        event_free (self->touch);
    if (self->retry)
        event_free (self->retry);
    hl_table_foreach (self->streams, s_free_stream, NULL);
    hl_table_destroy (&self->streams);
    free (self);
    *self_p = NULL;
}
