/*  hl_store: ticket store over Redis Functions. See hl_store.h. */
#include "hl_store.h"
#include "hl_store_int.h"
#include "hl_bucket.h"
#include "hl_complaint.h"
#include "hl_layout.h"
#include "hl_log.h"
#include "hl_seqguard.h"
#include "hl_wire.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_store {
    hl_redis_t *redis;           //  writes: intake, transitions, timers
    hl_redis_t *reads;           //  lookups, lists and dashboard figures
    hl_redis_t *waits;           //  ack_replicas: WAIT, off the write connection
    hl_store_opts_t opts;
    char city_prefix[16];
    char tz[16];                 //  tz_offset_min as text
    char ttl[16];                //  idempotency_ttl_s as text
    //  opts.rules as the named arguments of every transition.
    char rule_text[3][16], extension_limits[256];
    int ready;                   //  function library loaded on this connection
    struct event *retry;         //  reloads the library after a refusal
    void (*ready_fn) (void *arg);    //  told each time the store becomes ready
    void *ready_arg;
    //  ack_replicas: intakes stored on the primary, waiting for WAIT.
    struct s_replication *waiting, **waiting_tail;
    size_t n_waiting;
    size_t in_wait;              //  how many of them the WAIT in flight covers
    void (*newer_fn) (const char *why, void *arg);  //  told of a store too new to serve
    void *newer_arg;
};

//  The complaint's text fields, stored under their proto names in the
//  ticket hash. One table serves both directions so the two cannot drift.
typedef struct {
    const char *name;
    size_t has_offset;
    size_t data_offset;
} s_text_field_t;

#define S_TEXT(f) { #f, offsetof (Hotline__Complaint, has_##f), offsetof (Hotline__Complaint, f) }
static const s_text_field_t s_text_fields[] = {
    S_TEXT (channel_ref), S_TEXT (caller_name), S_TEXT (category), S_TEXT (area),
    S_TEXT (address), S_TEXT (credit_code), S_TEXT (enterprise_name), S_TEXT (content),
    S_TEXT (request_id), S_TEXT (article), S_TEXT (agent), S_TEXT (tag),
};
#define S_TEXT_COUNT (sizeof s_text_fields / sizeof s_text_fields[0])

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
//  Connection life: load the function library after every connect.

static void s_load_functions (hl_store_t *self);

static void
s_retry_soon (hl_store_t *self)
{
    struct timeval tv = { 0, 200 * 1000 };
    evtimer_add (self->retry, &tv);
}

//  Ready once no ticket number can be issued twice on this primary
//  (hl_seqguard): until then intake is answered "retry".
static void
s_on_guarded (hl_seqguard_outcome_t outcome, void *arg)
{
    hl_store_t *self = arg;
    if (outcome == HL_SEQGUARD_RETRY) {
        s_retry_soon (self);
        return;
    }
    self->ready = 1;
    hl_info ("ticket store ready (functions loaded%s)",
             outcome == HL_SEQGUARD_DONE ? ", numbers guarded" : "");
    if (self->ready_fn)
        self->ready_fn (self->ready_arg);
}

//  A refused load is retried: a Redis that has just started answers
//  "LOADING" while it reads its append-only file, and the store must not
//  stay unready on a connection that is otherwise fine.
static void
s_on_functions_loaded (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    hl_store_t *self = arg;
    if (!reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        hl_warning ("redis refused the function library (%s); trying again", reply->str);
        s_retry_soon (self);
        return;
    }
    hl_seqguard_opts_t go = { self->opts.seq_guard_gap, self->opts.tz_offset_min,
                              self->opts.clock_ms ? self->opts.clock_ms (self->opts.clock_arg) : 0 };
    if (hl_seqguard_run (self->redis, &go, s_on_guarded, self) != 0)
        s_retry_soon (self);
}

//  Our library is loaded only into a store whose layout it knows
//  (hl_layout); a newer one is left alone and never served.
static void
s_on_layout (hl_layout_verdict_t verdict, const char *message, void *arg)
{
    hl_store_t *self = arg;
    if (verdict == HL_LAYOUT_NEWER) {
        hl_error ("%s", message);
        if (self->newer_fn)
            self->newer_fn (message, self->newer_arg);
        return;
    }
    if (verdict == HL_LAYOUT_RETRY) {
        hl_warning ("checking the store's layout: %s; trying again", message);
        s_retry_soon (self);
        return;
    }
    const char *argv[] = { "FUNCTION", "LOAD", "REPLACE", hl_store_functions };
    size_t lens[] = { 8, 4, 7, hl_store_functions_len };
    hl_redis_command (self->redis, 4, argv, lens, s_on_functions_loaded, self);
}

static void
s_load_functions (hl_store_t *self)
{
    hl_layout_check (self->redis, hl_store_functions, hl_store_functions_len, s_on_layout, self);
}

static void
s_on_retry (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_store_t *self = arg;
    if (!self->ready && hl_redis_is_up (self->redis))
        s_load_functions (self);
}

static void
s_on_redis_state (hl_redis_t *redis, int up, void *arg)
{
    (void) redis;
    hl_store_t *self = arg;
    self->ready = 0;
    if (up)
        s_load_functions (self);
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

hl_store_t *
hl_store_new (struct event_base *base, const hl_store_opts_t *opts, char *err, size_t errlen)
{
    assert (opts->seq_guard_gap > 0);      //  (hl_store_opts_default sets every field)
    hl_store_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->opts = *opts;
    snprintf (self->city_prefix, sizeof self->city_prefix, "%s", opts->city_prefix);
    snprintf (self->tz, sizeof self->tz, "%d", opts->tz_offset_min);
    s_rules_text (self, &opts->rules);
    snprintf (self->ttl, sizeof self->ttl, "%d", opts->idempotency_ttl_s);
    self->retry = evtimer_new (base, s_on_retry, self);
    if (!self->retry)
        abort ();
    self->waiting_tail = &self->waiting;
    //  Reads have their own connection so that a burst of them (lists,
    //  dashboards) never queues in front of a complaint's write, nor makes
    //  the write connection's watchdog give up on a slow read.
    self->redis = hl_redis_new (base, &opts->redis, s_on_redis_state, self, err, errlen);
    if (self->redis)
        self->reads = hl_redis_new (base, &opts->redis, NULL, NULL, err, errlen);
    if (self->reads && opts->ack_replicas > 0) {
        //  Its watchdog must outlast the WAIT it sends.
        hl_redis_opts_t wo = opts->redis;
        wo.timeout_ms = opts->redis.timeout_ms + opts->ack_timeout_ms;
        self->waits = hl_redis_new (base, &wo, NULL, NULL, err, errlen);
    }
    if (!self->reads || (opts->ack_replicas > 0 && !self->waits)) {
        hl_redis_destroy (&self->reads);
        hl_redis_destroy (&self->redis);
        event_free (self->retry);
        free (self);
        return NULL;
    }
    return self;
}

void
hl_store_destroy (hl_store_t **self_p)
{
    assert (self_p);
    hl_store_t *self = *self_p;
    if (!self)
        return;
    hl_redis_destroy (&self->reads);
    hl_redis_destroy (&self->redis);
    hl_redis_destroy (&self->waits);
    event_free (self->retry);
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
    return self->ready && hl_redis_is_up (self->redis);
}

int64_t
hl_store_rtt_us (const hl_store_t *self)
{
    return hl_redis_last_rtt_us (self->redis);
}

size_t
hl_store_pending (const hl_store_t *self)
{
    return hl_redis_pending (self->redis);
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
    if (!hl_store_is_ready (self)
        || hl_redis_command (self->redis, argc, argv, lens, on_reply, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}

//  The connection for a read: its own, or the write connection while the
//  read one is reconnecting.
static hl_redis_t *
s_reader (hl_store_t *self)
{
    return hl_redis_is_up (self->reads) ? self->reads : self->redis;
}

//  As s_send, for reads.
static int
s_send_read (hl_store_t *self, int argc, const char **argv, const size_t *lens,
             hl_redis_reply_fn *on_reply, s_call_t *call)
{
    call->pii = self->opts.pii;
    if (!hl_store_is_ready (self)
        || hl_redis_command (s_reader (self), argc, argv, lens, on_reply, call) != 0) {
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
//  wrote before it. It runs on a connection of its own, so that writes
//  never queue behind it: a small write there (a counter) comes after every
//  intake already answered on the write connection (Redis runs commands one
//  at a time), and the WAIT after it confirms them all: a group commit.
//  Intakes answered while a WAIT is out wait for the next one. A ticket
//  the replicas did not confirm in time is not acknowledged
//  (HL_STORE_UNREPLICATED: the caller retries with the same request id,
//  which answers the same ticket once it is replicated).

typedef struct s_replication {
    struct s_replication *next;
    s_call_t *call;
    hl_store_result_t res;
} s_replication_t;

static void s_send_wait (hl_store_t *self);

static void
s_on_wait (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    hl_store_t *self = arg;
    int confirmed = reply && reply->type == REDIS_REPLY_INTEGER
                 && reply->integer >= self->opts.ack_replicas;
    size_t n = self->in_wait;
    self->in_wait = 0;
    for (size_t i = 0; i < n && self->waiting; i++) {
        s_replication_t *r = self->waiting;
        self->waiting = r->next;
        self->n_waiting--;
        if (!confirmed) {
            r->res.outcome = HL_STORE_UNREPLICATED;
            snprintf (r->res.error, sizeof r->res.error, "%s",
                      reply && reply->type == REDIS_REPLY_INTEGER
                      ? "not confirmed by enough replicas in time" : "no answer to WAIT");
        }
        r->call->intake_fn (&r->res, r->call->arg);
        free (r->call);
        free (r);
    }
    if (!self->waiting)
        self->waiting_tail = &self->waiting;
    s_send_wait (self);
}

static void
s_send_wait (hl_store_t *self)
{
    if (self->in_wait || !self->waiting)
        return;
    char n[16], ms[16];
    snprintf (n, sizeof n, "%d", self->opts.ack_replicas);
    snprintf (ms, sizeof ms, "%d", self->opts.ack_timeout_ms);
    const char *mark[] = { "INCR", "hl:replication-mark" };
    const char *argv[] = { "WAIT", n, ms };
    self->in_wait = self->n_waiting;
    if (hl_redis_command (self->waits, 2, mark, NULL, NULL, NULL) != 0
        || hl_redis_command (self->waits, 3, argv, NULL, s_on_wait, self) != 0)
        s_on_wait (self->waits, NULL, self);    //  down: none of them is confirmed
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
        *self->waiting_tail = r;
        self->waiting_tail = &r->next;
        self->n_waiting++;
        s_send_wait (self);
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
//  into the complaint (no copy); numbers are formatted into SCRATCH.
static void
s_field_args (s_args_t *a, const Hotline__Complaint *c, const s_sealed_t *caller,
              char scratch[3][32])
{
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
        if (*(const protobuf_c_boolean *) ((const char *) c + f->has_offset) && d->len) {
            s_arg_str (a, f->name);
            s_arg (a, d->data, d->len);
        }
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

int
hl_store_intake (hl_store_t *self, const Hotline__Complaint *c, const char *actor,
                 uint64_t now_ms, const hl_store_disposition_t *d,
                 hl_store_intake_fn *fn, void *arg)
{
    if (!hl_store_is_ready (self))
        return -1;
    char fp[17], now[24] = "", phone[HL_COMPLAINT_PHONE_MAX + 1] = "";
    char scratch[3][32], sla[4][24];
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
    const char *channel = hl_wire_channel_name (c->channel);
    char idem[HL_BUCKET_KEY_MAX + 128], idem_id[160];
    int n = snprintf (idem_id, sizeof idem_id, "%s:%.*s", channel, (int) c->request_id.len,
                      (const char *) c->request_id.data);
    if (n < 0 || (size_t) n >= sizeof idem_id
        || hl_bucket_key (idem, sizeof idem,
                          hl_bucket_of_request (channel, c->request_id.data, c->request_id.len),
                          "idem", idem_id, (size_t) n) < 0)
        return -1;              //  hl_complaint bounds request ids well below this
    s_sealed_t caller;
    s_seal_caller (self->opts.pii, c, phone, &caller);

    s_args_t a = { .argc = 0 };
    s_arg_str (&a, "FCALL");
    s_arg_str (&a, "hl_intake");
    s_arg_str (&a, "1");
    s_arg_str (&a, idem);
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
    s_field_args (&a, c, &caller, scratch);

    s_call_t *call = s_call_new (arg);
    call->intake_fn = fn;
    int rc = s_send (self, a.argc, a.argv, a.lens, s_on_intake, call);
    s_sealed_free (&caller);
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

static void
s_view_free (s_view_t *v)
{
    hl_buf_free (&v->phone);
    hl_buf_free (&v->name);
}

static void
s_view_link (s_view_t *v)
{
    s_view_open (v, &v->complaint.has_caller_phone, &v->complaint.caller_phone, &v->phone);
    s_view_open (v, &v->complaint.has_caller_name, &v->complaint.caller_name, &v->name);
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
int
hl_store_ticket_brief (hl_store_t *self, const char *ticket, hl_store_view_fn *fn, void *arg)
{
    char key[HL_BUCKET_KEY_MAX];
    if (hl_bucket_ticket_key (key, sizeof key, ticket, "t") < 0)
        return -1;
    const char *argv[2 + S_BRIEF_COUNT] = { "HMGET", key };
    for (size_t i = 0; i < S_BRIEF_COUNT; i++)
        argv[2 + i] = s_brief_fields[i];
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
    size_t used = 0;
    assist[0] = 0;
    for (size_t i = 0; i < t->n_assist && used + t->assist[i].len + 2 < assist_len; i++)
        used += (size_t) snprintf (assist + used, assist_len - used, "%s%.*s", i ? "," : "",
                                   (int) t->assist[i].len, t->assist[i].data);
    s_param_str (a, "assist", assist);
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

//  A Function call on REDIS; VERB is FCALL, or FCALL_RO for a read
//  (Redis refuses it for a Function that writes; a replica may serve it).
static int
s_fcall (hl_store_t *self, hl_redis_t *redis, const char *verb, const char *name,
         const char *key, int argc, const char **argv, const size_t *lens,
         hl_redis_reply_fn *fn, void *arg)
{
    if (!hl_store_is_ready (self))
        return -1;
    s_args_t a = { .argc = 0 };
    s_arg_str (&a, verb);
    s_arg_str (&a, name);
    s_arg_str (&a, key ? "1" : "0");
    if (key)
        s_arg_str (&a, key);
    for (int i = 0; i < argc; i++)
        s_arg (&a, argv[i], lens ? lens[i] : strlen (argv[i]));
    return hl_redis_command (redis, a.argc, a.argv, a.lens, fn, arg);
}

int
hl_store_fcall (hl_store_t *self, const char *name, int argc, const char **argv,
                const size_t *lens, hl_redis_reply_fn *fn, void *arg)
{
    return s_fcall (self, self->redis, "FCALL", name, NULL, argc, argv, lens, fn, arg);
}

int
hl_store_fcall_ticket (hl_store_t *self, const char *name, const char *ticket, int argc,
                       const char **argv, hl_redis_reply_fn *fn, void *arg)
{
    char key[HL_BUCKET_KEY_MAX];
    if (hl_bucket_ticket_key (key, sizeof key, ticket, "t") < 0)
        return -1;
    return s_fcall (self, self->redis, "FCALL", name, key, argc, argv, NULL, fn, arg);
}

int
hl_store_fcall_key (hl_store_t *self, const char *name, const char *key, int argc,
                    const char **argv, hl_redis_reply_fn *fn, void *arg)
{
    assert (key);
    return s_fcall (self, self->redis, "FCALL", name, key, argc, argv, NULL, fn, arg);
}

int
hl_store_command (hl_store_t *self, const char *key, int argc, const char **argv,
                  hl_redis_reply_fn *fn, void *arg)
{
    (void) key;                          //  one server: every key is here
    if (!hl_store_is_ready (self))
        return -1;
    return hl_redis_command (self->redis, argc, argv, NULL, fn, arg);
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
    return s_fcall (self, self->redis, "FCALL", name, key, argc, argv, NULL, fn, arg);
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
            && s_fcall (self, s_reader (self), "FCALL_RO", name, key, argc, argv, NULL,
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
hl_store_fcall_read (hl_store_t *self, const char *name, int argc, const char **argv,
                     const size_t *lens, hl_redis_reply_fn *fn, void *arg)
{
    return s_fcall (self, s_reader (self), "FCALL_RO", name, NULL, argc, argv, lens, fn, arg);
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

//  Cuts an excerpt of at most MAX bytes at a character boundary, so a
//  list never shows half a Chinese character.
static size_t
s_utf8_prefix (const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

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
    out->excerpt.len = s_utf8_prefix ((const char *) out->excerpt.data, out->excerpt.len, 180);
}

static void
s_on_list (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        call->list_fn (NULL, 0, "the ticket store did not answer", call->arg);
    else {
        size_t n = reply->elements;
        Hotline__TicketSummary *items = calloc (n + 1, sizeof *items);
        Hotline__TicketSummary **ptrs = calloc (n + 1, sizeof *ptrs);
        char (*tickets)[HL_STORE_TICKET_MAX] = calloc (n + 1, HL_STORE_TICKET_MAX);
        if (!items || !ptrs || !tickets)
            abort ();
        for (size_t i = 0; i < n; i++) {
            s_summary (&items[i], tickets[i], reply->element[i]);
            ptrs[i] = &items[i];
        }
        call->list_fn (ptrs, n, NULL, call->arg);
        free (tickets);
        free (ptrs);
        free (items);
    }
    free (call);
}

int
hl_store_ticket_list (hl_store_t *self, const char *index, const char *key, const char *state,
                      unsigned limit, hl_store_list_fn *fn, void *arg)
{
    char n[16], hashed[HL_PII_INDEX_MAX], zkey[HL_BUCKET_KEY_MAX];
    snprintf (n, sizeof n, "%u", limit);
    if (strcmp (index, "caller") == 0) {
        hl_pii_index (self->opts.pii, key, hashed);    //  the index is by keyed hash
        key = hashed;
    }
    if (snprintf (zkey, sizeof zkey, "%s%s:%s", HL_INDEX_PREFIX, index, key) >= (int) sizeof zkey)
        return -1;
    const char *argv[] = { "FCALL_RO", "hl_ticket_list", "1", zkey, "state", state, "limit", n };
    s_call_t *call = s_call_new (arg);
    call->list_fn = fn;
    return s_send_read (self, 8, argv, NULL, s_on_list, call);
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
        for (size_t i = 0; i < reply->elements; i++)
            if (reply->element[i]->type == REDIS_REPLY_STRING)
                tickets[n++] = reply->element[i]->str;
        call->numbers_fn (tickets, n, NULL, call->arg);
        free (tickets);
    }
    free (call);
}

int
hl_store_caller_since (hl_store_t *self, const char *phone, uint64_t from_ms, uint64_t to_ms,
                       unsigned limit, hl_store_numbers_fn *fn, void *arg)
{
    char hashed[HL_PII_INDEX_MAX], zkey[HL_BUCKET_KEY_MAX], from[24], to[24], n[16];
    hl_pii_index (self->opts.pii, phone, hashed);
    if (snprintf (zkey, sizeof zkey, "%scaller:%s", HL_INDEX_PREFIX, hashed)
        >= (int) sizeof zkey)
        return -1;
    snprintf (from, sizeof from, "%llu", (unsigned long long) from_ms);
    snprintf (to, sizeof to, "%llu", (unsigned long long) to_ms);
    snprintf (n, sizeof n, "%u", limit);
    const char *argv[] = { "ZREVRANGEBYSCORE", zkey, to, from, "LIMIT", "0", n };
    s_call_t *call = s_call_new (arg);
    call->numbers_fn = fn;
    return s_send_read (self, 7, argv, NULL, s_on_numbers, call);
}

static void
s_on_scan (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    if (!s_reply_is_array (reply, 1) || reply->element[0]->type != REDIS_REPLY_INTEGER)
        call->scan_fn (-1, NULL, NULL, NULL, 0, call->arg);
    else {
        size_t n = reply->elements - 1;
        const char **cols = calloc (3 * n + 3, sizeof *cols);
        if (!cols)
            abort ();
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            const redisReply *row = reply->element[i + 1];
            if (!s_reply_is_array (row, 3))
                continue;
            cols[k] = row->element[0]->str;
            cols[n + 1 + k] = row->element[1]->str;
            cols[2 * n + 2 + k] = row->element[2]->str;
            k++;
        }
        call->scan_fn ((long) reply->element[0]->integer, cols, cols + n + 1, cols + 2 * n + 2,
                       k, call->arg);
        free (cols);
    }
    free (call);
}

int
hl_store_dispatched_scan (hl_store_t *self, long start, long count, hl_store_scan_fn *fn,
                          void *arg)
{
    char from[24], n[24];
    snprintf (from, sizeof from, "%ld", start);
    snprintf (n, sizeof n, "%ld", count);
    const char *argv[] = { "FCALL_RO", "hl_dispatched_scan", "0", "start", from, "count", n };
    s_call_t *call = s_call_new (arg);
    call->scan_fn = fn;
    return s_send (self, 7, argv, NULL, s_on_scan, call);
}
