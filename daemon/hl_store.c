/*  hl_store: ticket store over Redis Functions. See hl_store.h. */
#include "hl_store.h"
#include "hl_complaint.h"
#include "hl_log.h"
#include "hl_wire.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hl_store {
    hl_redis_t *redis;
    hl_store_opts_t opts;
    char city_prefix[16];
    char tz[16];                 //  tz_offset_min as text
    char ttl[16];                //  idempotency_ttl_s as text
    int ready;                   //  function library loaded on this connection
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
    S_TEXT (request_id),
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
    S_FLAG (enterprise), S_FLAG (confidential), S_FLAG (anonymous),
};
#define S_FLAG_COUNT (sizeof s_flag_fields / sizeof s_flag_fields[0])

#define S_ARGS_MAX 64

//  --------------------------------------------------------------------
//  Connection life: load the function library after every connect.

static void
s_on_functions_loaded (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    hl_store_t *self = arg;
    if (!reply)
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        hl_error ("redis refused the function library: %s", reply->str);
        return;
    }
    self->ready = 1;
    hl_info ("ticket store ready (functions loaded)");
}

static void
s_on_redis_state (hl_redis_t *redis, int up, void *arg)
{
    hl_store_t *self = arg;
    self->ready = 0;
    if (!up)
        return;
    const char *argv[] = { "FUNCTION", "LOAD", "REPLACE", hl_store_functions };
    size_t lens[] = { 8, 4, 7, hl_store_functions_len };
    hl_redis_command (redis, 4, argv, lens, s_on_functions_loaded, self);
}

hl_store_t *
hl_store_new (struct event_base *base, const hl_store_opts_t *opts, char *err, size_t errlen)
{
    hl_store_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->opts = *opts;
    snprintf (self->city_prefix, sizeof self->city_prefix, "%s", opts->city_prefix);
    snprintf (self->tz, sizeof self->tz, "%d", opts->tz_offset_min);
    snprintf (self->ttl, sizeof self->ttl, "%d", opts->idempotency_ttl_s);
    self->redis = hl_redis_new (base, &opts->redis, s_on_redis_state, self, err, errlen);
    if (!self->redis) {
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
    hl_redis_destroy (&self->redis);
    free (self);
    *self_p = NULL;
}

int
hl_store_is_ready (const hl_store_t *self)
{
    return self->ready && hl_redis_is_up (self->redis);
}

size_t
hl_store_pending (const hl_store_t *self)
{
    return hl_redis_pending (self->redis);
}

//  --------------------------------------------------------------------
//  Intake.

//  One request in flight to Redis: whose callback to call with what.
typedef struct {
    hl_store_intake_fn *intake_fn;
    hl_store_view_fn *view_fn;
    void *arg;
} s_call_t;

static s_call_t *
s_call_new (hl_store_intake_fn *intake_fn, hl_store_view_fn *view_fn, void *arg)
{
    s_call_t *call = malloc (sizeof *call);
    if (!call)
        abort ();
    call->intake_fn = intake_fn;
    call->view_fn = view_fn;
    call->arg = arg;
    return call;
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
    if (!s_reply_is_array (reply, 2))
        return;
    s_copy_str (kind, sizeof kind, reply->element[0]);
    s_copy_str (res->ticket, sizeof res->ticket, reply->element[1]);
    if (strcmp (kind, "conflict") == 0) {
        res->outcome = HL_STORE_CONFLICT;
        return;
    }
    if (reply->elements < 4 || (strcmp (kind, "new") != 0 && strcmp (kind, "dup") != 0))
        return;
    char state[32], created[32];
    s_copy_str (state, sizeof state, reply->element[2]);
    s_copy_str (created, sizeof created, reply->element[3]);
    res->state = hl_wire_state_parse (state);
    res->created_ms = strtoull (created, NULL, 10);
    res->outcome = kind[0] == 'n' ? HL_STORE_NEW : HL_STORE_DUP;
    res->error[0] = 0;
}

static void
s_on_intake (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_result_t res;
    s_parse_intake (reply, &res);
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

//  Appends the ticket hash's field/value pairs for C. Text fields point
//  into the complaint (no copy); numbers are formatted into SCRATCH.
static void
s_field_args (s_args_t *a, const Hotline__Complaint *c, const char *phone,
              char scratch[2][32])
{
    const char *ch = hl_wire_channel_name (c->channel);
    s_arg_str (a, "channel");
    s_arg_str (a, ch);
    s_arg_str (a, "request_type");
    s_arg_str (a, hl_wire_request_type_name (c->request_type));
    if (*phone) {
        s_arg_str (a, "caller_phone");
        s_arg_str (a, phone);
    }
    for (size_t i = 0; i < S_TEXT_COUNT; i++) {
        const s_text_field_t *f = &s_text_fields[i];
        const ProtobufCBinaryData *d = (const void *) ((const char *) c + f->data_offset);
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
    if (c->location) {
        snprintf (scratch[0], 32, "%.7f", c->location->lat);
        snprintf (scratch[1], 32, "%.7f", c->location->lon);
        s_arg_str (a, "lat");
        s_arg_str (a, scratch[0]);
        s_arg_str (a, "lon");
        s_arg_str (a, scratch[1]);
    }
}

int
hl_store_intake (hl_store_t *self, const Hotline__Complaint *c, const char *actor,
                 uint64_t now_ms, hl_store_intake_fn *fn, void *arg)
{
    if (!hl_store_is_ready (self))
        return -1;
    char fp[17], now[24] = "", phone[HL_COMPLAINT_PHONE_MAX + 1] = "";
    char scratch[2][32];
    s_fingerprint (c, fp);
    if (now_ms)
        snprintf (now, sizeof now, "%llu", (unsigned long long) now_ms);
    //  Anonymous callers are not indexed by number, even when a channel
    //  passes one along: nobody may look them up by it.
    if (c->has_caller_phone && c->caller_phone.len && !c->anonymous)
        hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone);

    s_args_t a = { .argc = 0 };
    s_arg_str (&a, "FCALL");
    s_arg_str (&a, "hl_intake");
    s_arg_str (&a, "0");
    s_arg_str (&a, hl_wire_channel_name (c->channel));
    s_arg (&a, c->request_id.data, c->request_id.len);
    s_arg_str (&a, fp);
    s_arg_str (&a, self->city_prefix);
    s_arg_str (&a, self->tz);
    s_arg_str (&a, now);
    s_arg_str (&a, self->ttl);
    s_arg_str (&a, actor);
    s_arg_str (&a, phone);
    s_field_args (&a, c, phone, scratch);

    s_call_t *call = s_call_new (fn, NULL, arg);
    if (hl_redis_command (self->redis, a.argc, a.argv, a.lens, s_on_intake, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
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

//  Sets the complaint or view field NAME from VALUE. Unknown names are
//  ignored, so later versions may add fields to the hash.
static void
s_view_field (Hotline__TicketView *view, Hotline__Complaint *c, Hotline__GeoPoint *pt,
              char *ticket, const redisReply *name, const redisReply *value)
{
    char text[64];
    s_copy_str (text, sizeof text, value);
    for (size_t i = 0; i < S_TEXT_COUNT; i++)
        if (s_reply_is (name, s_text_fields[i].name)) {
            *(protobuf_c_boolean *) ((char *) c + s_text_fields[i].has_offset) = 1;
            *(ProtobufCBinaryData *) ((char *) c + s_text_fields[i].data_offset)
                = s_reply_bytes (value);
            return;
        }
    for (size_t i = 0; i < S_FLAG_COUNT; i++)
        if (s_reply_is (name, s_flag_fields[i].name)) {
            *(protobuf_c_boolean *) ((char *) c + s_flag_fields[i].has_offset) = 1;
            *(protobuf_c_boolean *) ((char *) c + s_flag_fields[i].offset) = text[0] == '1';
            return;
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
    if (s_reply_is (name, "lat"))
        pt->has_lat = 1, pt->lat = strtod (text, NULL);
    else
    if (s_reply_is (name, "lon"))
        pt->has_lon = 1, pt->lon = strtod (text, NULL);
    else
    if (s_reply_is (name, "ticket")) {
        snprintf (ticket, HL_STORE_TICKET_MAX, "%.47s", text);
        view->ticket = ticket;
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

//  Builds the view on the stack, pointing into the reply, and hands it to
//  the caller while the reply is still alive.
static void
s_deliver_view (const redisReply *reply, hl_store_view_fn *fn, void *arg)
{
    const redisReply *fields = reply->element[0], *history = reply->element[1];
    Hotline__TicketView view;
    Hotline__Complaint c;
    Hotline__GeoPoint pt;
    char ticket[HL_STORE_TICKET_MAX];
    hotline__ticket_view__init (&view);
    hotline__complaint__init (&c);
    hotline__geo_point__init (&pt);
    view.complaint = &c;
    for (size_t i = 0; fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2)
        s_view_field (&view, &c, &pt, ticket, fields->element[i], fields->element[i + 1]);
    if (pt.has_lat && pt.has_lon)
        c.location = &pt;
    size_t n = history->type == REDIS_REPLY_ARRAY ? history->elements : 0;
    Hotline__HistoryEntry *entries = calloc (n + 1, sizeof *entries);
    Hotline__HistoryEntry **ptrs = calloc (n + 1, sizeof *ptrs);
    if (!entries || !ptrs)
        abort ();
    for (size_t i = 0; i < n; i++) {
        s_history_entry (&entries[i], history->element[i]);
        ptrs[i] = &entries[i];
    }
    view.n_history = n;
    view.history = ptrs;
    fn (&view, NULL, arg);
    free (ptrs);
    free (entries);
}

static void
s_on_ticket (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_call_t *call = arg;
    hl_store_view_fn *fn = call->view_fn;
    if (!reply)
        fn (NULL, "the ticket store did not answer", call->arg);
    else
    if (reply->type == REDIS_REPLY_ERROR)
        fn (NULL, "the ticket store refused the read", call->arg);
    else
    if (s_reply_is_array (reply, 2))
        s_deliver_view (reply, fn, call->arg);
    else
        fn (NULL, NULL, call->arg);    //  no such ticket
    free (call);
}

int
hl_store_ticket_get (hl_store_t *self, const char *ticket, hl_store_view_fn *fn, void *arg)
{
    if (!hl_store_is_ready (self))
        return -1;
    const char *argv[] = { "FCALL_RO", "hl_ticket_get", "0", ticket };
    s_call_t *call = s_call_new (NULL, fn, arg);
    if (hl_redis_command (self->redis, 4, argv, NULL, s_on_ticket, call) != 0) {
        free (call);
        return -1;
    }
    return 0;
}
