/*  hl_o311: the Open311 GeoReport v2 gateway. See hl_o311.h. */
#include "hl_o311.h"
#include "hl_httpd.h"
#include "hl_log.h"
#include "hl_o311_doc.h"
#include "hl_o311_link.h"
#include "hl_o311_post.h"
#include "hl_o311_progress.h"
#include "hl_o311_time.h"
#include "hl_o311_view.h"
#include "hl_o311_visit.h"
#include "hl_redis.h"
#include "hl_text.h"
#include "hl_wire.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_PREFIX "/open311/v2/"
#define S_SPEC_URL "http://wiki.open311.org/GeoReport_v2"
#define S_IDS_MAX 50             //  service_request_id=a,b,... at most
#define S_LIST_MAX 1000          //  the spec's default limit: page_size's default and cap
#define S_PAGE_MAX 100000        //  the highest page number taken
#define S_STATE_LIMIT 500        //  newest tickets per state hotlined lists
#define S_RANGE_MS (90LL * 86400 * 1000)   //  the spec's longest date range
#define S_FETCH_WINDOW 32        //  ticket lookups in flight for one list
#define S_LISTS_MAX 8            //  list requests in progress at once
#define S_LOG_EVERY_MS 1000
#define S_CLOCK_SLACK_MS 60000

struct hl_o311 {
    hl_o311_opts_t opts;
    char address[64];
    char base_url[256];
    struct event_base *base;
    hl_httpd_t *httpd;
    hl_o311_link_t *link;
    hl_o311_progress_t *progress;
    hl_o311_visit_t *visit;
    const hl_o311_services_t *services;
    hl_o311_keys_t *keys;
    const hl_catalogue_t *catalogue;
    size_t lists;                //  list requests in progress
    hl_log_limit_t log_refused;
};

//  What every handler needs: the request and the format it asked for.
typedef struct {
    hl_o311_t *gw;
    hl_httpd_req_t *req;
    int xml;
} s_call_t;

void
hl_o311_opts_default (hl_o311_opts_t *opts)
{
    memset (opts, 0, sizeof *opts);
    opts->address = "127.0.0.1:7190";
    opts->base_url = "";
    opts->endpoint = "tcp://127.0.0.1:7101";
    opts->timeout_ms = 5000;
    opts->resend_ms = 1000;
    opts->max_body_bytes = 65536;     //  4,000 characters of Chinese, %-encoded, is 36 KB
    opts->max_connections = 256;
    opts->lookups_per_minute = 600;
}

//  ---------------------------------------------------------------------
//  Replies

static void
s_reply_doc (const s_call_t *call, int status, hl_o311_doc_t **doc_p)
{
    size_t len;
    const char *data = hl_o311_doc_data (*doc_p, &len);
    hl_httpd_reply (call->req, status, hl_o311_doc_type (*doc_p), data, len);
    hl_o311_doc_destroy (doc_p);
}

//  The spec's error list with one error; the code is the HTTP status.
static void
s_error (const s_call_t *call, int status, const char *description)
{
    hl_o311_doc_t *doc = hl_o311_doc_new (call->xml);
    hl_o311_doc_error (doc, status, description);
    s_reply_doc (call, status, &doc);
}

static void
s_errorf (const s_call_t *call, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static void
s_errorf (const s_call_t *call, int status, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (text, sizeof text, fmt, ap);
    va_end (ap);
    s_error (call, status, text);
}

static s_call_t *
s_call_copy (const s_call_t *call, size_t size)
{
    assert (size >= sizeof *call);
    s_call_t *copy = calloc (1, size);
    if (!copy)
        abort ();
    *copy = *call;
    return copy;
}

//  A refusal by hotlined, for the client: what was wrong, with hotline's
//  machine-readable code. Store trouble is the spec's "general service
//  error" (400), said so that a client knows to retry.
static void
s_nack_error (const s_call_t *call, const Hotline__Nack *nack)
{
    //  hotline's field names, as the Open311 client calls them
    static const char *names[][2] = {
        { "caller_phone", "phone" }, { "caller_name", "first_name, last_name" },
        { "address", "address_string" }, { "content", "description" },
        { "location", "lat, long" }, { "area", "attribute[area]" },
        { "channel_ref", "device_id, account_id" }
    };
    const char *code = hl_wire_error_name (nack->code);
    const char *message = nack->message ? nack->message : "refused";
    for (size_t i = 0; !nack->retryable && i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen (names[i][0]);
        if (strncmp (message, names[i][0], n) == 0 && message[n] == ':') {
            s_errorf (call, 400, "%s%s (%s)", names[i][1], message + n, code ? code : "error");
            return;
        }
    }
    if (nack->retryable)
        s_errorf (call, 400, "hotline cannot take this now (%s): %s; retry shortly",
                  code ? code : "error", message);
    else
        s_errorf (call, 400, "%s (%s)", message, code ? code : "error");
}

//  The server's own refusals (body too large, head too slow, ...) in the
//  spec's format, XML unless the path asked for JSON.
static const char *
s_refusal (int status, const char *code, const char *message, const char *path, void *body,
           void *arg)
{
    (void) code;
    (void) arg;
    size_t n = path ? strlen (path) : 0;
    int xml = !(n > 5 && strcmp (path + n - 5, ".json") == 0);
    hl_o311_doc_t *doc = hl_o311_doc_new (xml);
    hl_o311_doc_error (doc, status, message);
    size_t len;
    const char *data = hl_o311_doc_data (doc, &len);
    hl_buf_append (body, data, len);
    const char *type = xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8";
    hl_o311_doc_destroy (&doc);
    return type;
}

//  ---------------------------------------------------------------------
//  Discovery and services

static void
s_discovery (const s_call_t *call)
{
    const hl_o311_services_t *sv = call->gw->services;
    hl_o311_doc_t *doc = hl_o311_doc_new (call->xml);
    hl_o311_doc_object (doc, "discovery");
    hl_o311_doc_str (doc, "changeset", hl_o311_services_setting (sv, "changeset"));
    hl_o311_doc_str (doc, "contact", hl_o311_services_setting (sv, "contact"));
    hl_o311_doc_str (doc, "key_service", hl_o311_services_setting (sv, "key_service"));
    hl_o311_doc_list (doc, "endpoints", "endpoint");
    hl_o311_doc_object (doc, NULL);
    hl_o311_doc_str (doc, "specification", S_SPEC_URL);
    hl_o311_doc_str (doc, "url", call->gw->base_url);
    hl_o311_doc_str (doc, "changeset", hl_o311_services_setting (sv, "changeset"));
    hl_o311_doc_str (doc, "type", "production");
    hl_o311_doc_list (doc, "formats", "format");
    hl_o311_doc_str (doc, NULL, "text/xml");
    hl_o311_doc_str (doc, NULL, "application/json");
    hl_o311_doc_end (doc);
    hl_o311_doc_end (doc);
    hl_o311_doc_end (doc);
    hl_o311_doc_end (doc);
    s_reply_doc (call, 200, &doc);
}

static void
s_services (const s_call_t *call)
{
    const hl_o311_services_t *sv = call->gw->services;
    hl_o311_doc_t *doc = hl_o311_doc_new (call->xml);
    hl_o311_doc_list (doc, "services", "service");
    for (size_t i = 0; i < hl_o311_services_count (sv); i++) {
        const hl_o311_service_t *s = hl_o311_services_at (sv, i);
        hl_o311_doc_object (doc, NULL);
        hl_o311_doc_str (doc, "service_code", s->code);
        hl_o311_doc_str (doc, "service_name", s->name);
        hl_o311_doc_str (doc, "description", s->description);
        hl_o311_doc_bool (doc, "metadata", s->n_attrs > 0);
        hl_o311_doc_str (doc, "type", "realtime");
        hl_o311_doc_str (doc, "keywords", s->keywords);
        hl_o311_doc_str (doc, "group", s->group);
        hl_o311_doc_end (doc);
    }
    hl_o311_doc_end (doc);
    s_reply_doc (call, 200, &doc);
}

static void
s_attribute (hl_o311_doc_t *doc, const hl_o311_attr_t *a, int order)
{
    hl_o311_doc_object (doc, NULL);
    hl_o311_doc_bool (doc, "variable", 1);
    hl_o311_doc_str (doc, "code", a->code);
    hl_o311_doc_str (doc, "datatype", hl_o311_datatype_name (a->datatype));
    hl_o311_doc_bool (doc, "required", a->required);
    hl_o311_doc_str (doc, "datatype_description", NULL);
    hl_o311_doc_int (doc, "order", order);
    hl_o311_doc_str (doc, "description", a->description);
    if (a->n_values) {
        hl_o311_doc_list (doc, "values", "value");
        for (size_t v = 0; v < a->n_values; v++) {
            hl_o311_doc_object (doc, NULL);
            hl_o311_doc_str (doc, "key", a->values[v].key);
            hl_o311_doc_str (doc, "name", a->values[v].name);
            hl_o311_doc_end (doc);
        }
        hl_o311_doc_end (doc);
    }
    hl_o311_doc_end (doc);
}

static void
s_service_definition (const s_call_t *call, const char *code)
{
    const hl_o311_service_t *s = hl_o311_services_find (call->gw->services, code);
    if (!s) {
        s_errorf (call, 404, "service_code: no service '%.64s' (see services.%s)", code,
                  call->xml ? "xml" : "json");
        return;
    }
    hl_o311_doc_t *doc = hl_o311_doc_new (call->xml);
    hl_o311_doc_object (doc, "service_definition");
    hl_o311_doc_str (doc, "service_code", s->code);
    hl_o311_doc_list (doc, "attributes", "attribute");
    for (size_t i = 0; i < s->n_attrs; i++)
        s_attribute (doc, &s->attrs[i], (int) i + 1);
    hl_o311_doc_end (doc);
    hl_o311_doc_end (doc);
    s_reply_doc (call, 200, &doc);
}

//  ---------------------------------------------------------------------
//  POST requests

typedef struct {
    s_call_t call;
    char key_name[64];
    char service[HL_O311_CODE_MAX];
    char account_id[32];
    int64_t started_us;
} s_post_t;

static void
s_on_posted (const Hotline__Envelope *reply, const char *error, void *arg)
{
    s_post_t *p = arg;
    const s_call_t *call = &p->call;
    double ms = (double) (hl_monotonic_us () - p->started_us) / 1000.0;
    if (!reply) {
        hl_log_limited (&call->gw->log_refused, S_LOG_EVERY_MS, HL_LOG_WARNING,
                        "open311: key %s, %s: %s after %.0f ms", p->key_name, p->service, error,
                        ms);
        s_errorf (call, 400, "%s: the request was not confirmed and may or may not be stored; "
                  "send the same POST again (it never makes a second ticket)", error);
    }
    else
    if (reply->body_case == HOTLINE__ENVELOPE__BODY_ACK && reply->ack->ticket) {
        hl_info ("open311: key %s, %s: %s%s (%.1f ms)", p->key_name, p->service,
                 reply->ack->ticket, reply->ack->duplicate ? " (repeated request)" : "", ms);
        hl_o311_doc_t *doc = hl_o311_doc_new (call->xml);
        hl_o311_doc_list (doc, "service_requests", "request");
        hl_o311_doc_object (doc, NULL);
        hl_o311_doc_str (doc, "service_request_id", reply->ack->ticket);
        hl_o311_doc_str (doc, "service_notice", "12345热线已受理，请记下工单号以便查询办理进度");
        hl_o311_doc_str (doc, "account_id", p->account_id[0] ? p->account_id : NULL);
        hl_o311_doc_end (doc);
        hl_o311_doc_end (doc);
        s_reply_doc (call, 200, &doc);
    }
    else
    if (reply->body_case == HOTLINE__ENVELOPE__BODY_NACK) {
        hl_log_limited (&call->gw->log_refused, S_LOG_EVERY_MS, HL_LOG_INFO,
                        "open311: key %s, %s: refused: %s", p->key_name, p->service,
                        hl_wire_error_name (reply->nack->code));
        s_nack_error (call, reply->nack);
    }
    else
        s_error (call, 400, "hotlined answered with something else than an acknowledgement");
    free (p);
}

//  The client's own request id (Idempotency-Key header), if it sent one.
static int
s_client_id (const s_call_t *call, const char **id)
{
    *id = hl_httpd_req_header (call->req, "Idempotency-Key");
    if (!*id || !**id) {
        *id = NULL;
        return 0;
    }
    size_t n = strlen (*id);
    for (size_t i = 0; i < n; i++)
        if ((*id)[i] <= ' ' || (*id)[i] > '~')
            n = 0;
    if (n == 0 || n > 128) {
        s_error (call, 400, "Idempotency-Key: 1-128 printable ASCII characters, no spaces");
        return -1;
    }
    return 0;
}

//  The form's api_key: 403 if missing or unknown, 429 if over its limit.
static int
s_post_key (const s_call_t *call, const hl_o311_post_t *post)
{
    hl_o311_t *gw = call->gw;
    const char *given = hl_o311_post_field (post, "api_key");
    int k = given ? hl_o311_keys_find (gw->keys, given) : -1;
    if (k < 0) {
        hl_log_limited (&gw->log_refused, S_LOG_EVERY_MS, HL_LOG_NOTICE,
                        "open311: POST with %s api_key refused", given ? "an unknown" : "no");
        s_error (call, 403, given ? "api_key: not a valid key" : "api_key: required for POST");
        return -1;
    }
    double retry_s = 1;
    if (!hl_o311_keys_take (gw->keys, k, hl_monotonic_us (), &retry_s)) {
        char after[16];
        snprintf (after, sizeof after, "%d", (int) ceil (retry_s));
        hl_httpd_add_header (call->req, "Retry-After", after);
        hl_log_limited (&gw->log_refused, S_LOG_EVERY_MS, HL_LOG_NOTICE,
                        "open311: key %s over its rate limit", hl_o311_keys_at (gw->keys, k)->name);
        s_errorf (call, 429, "api_key: more than %.0f requests a minute for this key; retry "
                  "in %s s", hl_o311_keys_at (gw->keys, k)->per_minute, after);
        return -1;
    }
    return k;
}

static int s_jurisdiction (const s_call_t *call, const char *given);

static int
s_form_type (const s_call_t *call)
{
    const char *type = hl_httpd_req_header (call->req, "Content-Type");
    static const char form[] = "application/x-www-form-urlencoded";
    if (type && strncasecmp (type, form, sizeof form - 1) == 0
        && (type[sizeof form - 1] == 0 || type[sizeof form - 1] == ';'))
        return 0;
    s_error (call, 400, "Content-Type: send application/x-www-form-urlencoded; charset=utf-8");
    return -1;
}

static void
s_post_request (const s_call_t *call)
{
    hl_o311_t *gw = call->gw;
    char err[320];
    const char *client_id;
    if (s_form_type (call) != 0 || s_client_id (call, &client_id) != 0)
        return;
    size_t len;
    const char *body = hl_httpd_req_body (call->req, &len);
    hl_o311_post_t *post = hl_o311_post_parse (body, len, err, sizeof err);
    if (!post) {
        s_error (call, 400, err);
        return;
    }
    int k = s_post_key (call, post);
    int status = k < 0 || s_jurisdiction (call, hl_o311_post_field (post, "jurisdiction_id"))
               ? -1 : hl_o311_post_check (post, gw->services, err, sizeof err);
    if (status > 0)
        s_error (call, status, err);
    if (status != 0) {
        hl_o311_post_destroy (&post);
        return;
    }
    const hl_o311_key_t *key = hl_o311_keys_at (gw->keys, k);
    Hotline__Complaint complaint;
    Hotline__GeoPoint location;
    hl_o311_post_complaint (post, key, client_id, time (NULL), &complaint, &location);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env.complaint = &complaint;
    s_post_t *p = (s_post_t *) s_call_copy (call, sizeof *p);
    snprintf (p->key_name, sizeof p->key_name, "%s", key->name);
    snprintf (p->service, sizeof p->service, "%s", hl_o311_post_field (post, "service_code"));
    const char *account = hl_o311_post_field (post, "account_id");
    snprintf (p->account_id, sizeof p->account_id, "%s", account ? account : "");
    p->started_us = hl_monotonic_us ();
    hl_o311_link_request (gw->link, &env, gw->opts.timeout_ms, s_on_posted, p);
    hl_o311_post_destroy (&post);
}

//  ---------------------------------------------------------------------
//  One request, and tokens

typedef struct {
    s_call_t call;
    int token;                   //  answer as tokens/ does
    char id[64];
} s_one_t;

static void
s_on_one (const Hotline__Envelope *reply, const char *error, void *arg)
{
    s_one_t *o = arg;
    const s_call_t *call = &o->call;
    const hl_o311_service_t *s = NULL;
    const Hotline__TicketView *t = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW
                                 ? reply->ticket_view : NULL;
    if (t)
        s = hl_o311_view_service (t, call->gw->services);
    if (!reply)
        s_errorf (call, 400, "%s; retry shortly", error);
    else
    if (reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
        && reply->nack->code != HOTLINE__ERROR_CODE__ERROR_NOT_FOUND
        && reply->nack->code != HOTLINE__ERROR_CODE__ERROR_BAD_VALUE)
        s_nack_error (call, reply->nack);
    else
    if (!t || !s)
        s_errorf (call, 404, "%s: no published request '%s'",
                  o->token ? "token" : "service_request_id", o->id);
    else {
        hl_o311_doc_t *doc = hl_o311_doc_new (call->xml);
        hl_o311_doc_list (doc, "service_requests", "request");
        if (o->token) {
            hl_o311_doc_object (doc, NULL);
            hl_o311_doc_str (doc, "service_request_id", t->ticket);
            hl_o311_doc_str (doc, "token", o->id);
            hl_o311_doc_end (doc);
        }
        else
            hl_o311_view_request (doc, t, s, call->gw->catalogue);
        hl_o311_doc_end (doc);
        s_reply_doc (call, 200, &doc);
    }
    free (o);
}

static void
s_ask_ticket (hl_o311_t *gw, const char *ticket, hl_o311_link_fn *fn, void *arg)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (ticket);
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    env.ticket_query = &q;
    hl_o311_link_request (gw->link, &env, gw->opts.timeout_ms, fn, arg);
}

static void
s_get_one (const s_call_t *call, const char *id, int token)
{
    if (!hl_text_is_code (id, strlen (id), 63)) {
        s_errorf (call, 404, "%s: no published request '%.64s'",
                  token ? "token" : "service_request_id", id);
        return;
    }
    s_one_t *o = (s_one_t *) s_call_copy (call, sizeof *o);
    o->token = token;
    snprintf (o->id, sizeof o->id, "%s", id);
    s_ask_ticket (call->gw, id, s_on_one, o);
}

//  ---------------------------------------------------------------------
//  GET requests: the list

typedef struct {
    char ticket[32];
    int64_t created_ms;
    Hotline__TicketView *view;   //  once fetched (NULL: not found or not published)
} s_item_t;

typedef struct {
    s_call_t call;
    //  filters
    int by_ids;                  //  service_request_id given: the rest is ignored
    char codes[HL_O311_CODE_MAX * 8];    //  ",A,B," or ""
    int64_t from_ms, to_ms;
    int want_open, want_closed;
    size_t page_offset, page_size;   //  the page asked for (page, page_size)
    //  progress
    int lists_waiting;           //  TicketListQuery answers still to come
    char failure[256];           //  the first failure, if any
    s_item_t *items;
    size_t n_items, cap_items;
    size_t next_fetch, fetching, fetched;
} s_list_t;

static void s_list_fetch (s_list_t *l);

static void
s_list_free (s_list_t *l)
{
    for (size_t i = 0; i < l->n_items; i++)
        if (l->items[i].view)
            hotline__ticket_view__free_unpacked (l->items[i].view, NULL);
    free (l->items);
    l->call.gw->lists--;
    free (l);
}

static void
s_list_add (s_list_t *l, const char *ticket, int64_t created_ms)
{
    if (l->n_items == l->cap_items) {
        l->cap_items = l->cap_items ? l->cap_items * 2 : 64;
        l->items = realloc (l->items, l->cap_items * sizeof *l->items);
        if (!l->items)
            abort ();
    }
    s_item_t *it = &l->items[l->n_items++];
    memset (it, 0, sizeof *it);
    snprintf (it->ticket, sizeof it->ticket, "%s", ticket);
    it->created_ms = created_ms;
}

static int
s_newest_first (const void *a, const void *b)
{
    const s_item_t *x = a, *y = b;
    return x->created_ms < y->created_ms ? 1 : x->created_ms > y->created_ms ? -1
         : strcmp (y->ticket, x->ticket);
}

static void
s_list_render (s_list_t *l)
{
    const s_call_t *call = &l->call;
    if (l->failure[0]) {
        s_error (call, 400, l->failure);
        s_list_free (l);
        return;
    }
    hl_o311_doc_t *doc = hl_o311_doc_new (call->xml);
    hl_o311_doc_list (doc, "service_requests", "request");
    for (size_t i = 0; i < l->n_items; i++) {
        const Hotline__TicketView *t = l->items[i].view;
        const hl_o311_service_t *s = t ? hl_o311_view_service (t, call->gw->services) : NULL;
        if (s)
            hl_o311_view_request (doc, t, s, call->gw->catalogue);
    }
    hl_o311_doc_end (doc);
    s_reply_doc (call, 200, &doc);
    s_list_free (l);
}

typedef struct {
    s_list_t *list;
    size_t index;
} s_fetch_t;

static void
s_on_fetched (const Hotline__Envelope *reply, const char *error, void *arg)
{
    s_fetch_t *f = arg;
    s_list_t *l = f->list;
    if (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW) {
        //  Kept past this call: copied through its wire form.
        size_t len = hotline__ticket_view__get_packed_size (reply->ticket_view);
        uint8_t *buf = malloc (len ? len : 1);
        if (!buf)
            abort ();
        hotline__ticket_view__pack (reply->ticket_view, buf);
        l->items[f->index].view = hotline__ticket_view__unpack (NULL, len, buf);
        free (buf);
    }
    else
    if (!reply && !l->failure[0])
        snprintf (l->failure, sizeof l->failure, "%s; retry shortly", error);
    else
    if (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
        && reply->nack->code != HOTLINE__ERROR_CODE__ERROR_NOT_FOUND
        && reply->nack->code != HOTLINE__ERROR_CODE__ERROR_BAD_VALUE && !l->failure[0])
        snprintf (l->failure, sizeof l->failure, "hotline cannot list requests now (%s); "
                  "retry shortly", hl_wire_error_name (reply->nack->code));
    free (f);
    l->fetching--;
    l->fetched++;
    s_list_fetch (l);
}

//  Look the listed tickets up, a window at a time, then answer.
static void
s_list_fetch (s_list_t *l)
{
    while (!l->failure[0] && l->fetching < S_FETCH_WINDOW && l->next_fetch < l->n_items) {
        s_fetch_t *f = calloc (1, sizeof *f);
        if (!f)
            abort ();
        f->list = l;
        f->index = l->next_fetch++;
        l->fetching++;
        s_ask_ticket (l->call.gw, l->items[f->index].ticket, s_on_fetched, f);
    }
    if (l->fetching == 0 && (l->failure[0] || l->next_fetch == l->n_items))
        s_list_render (l);
}

//  Whether summary T passes the filters (the publication rule is applied
//  once the whole ticket is known).
static int
s_list_wants (const s_list_t *l, const Hotline__TicketSummary *t)
{
    if ((int64_t) t->created_ms < l->from_ms || (int64_t) t->created_ms > l->to_ms)
        return 0;
    char category[HL_CODE_MAX + 1];
    snprintf (category, sizeof category, "%.*s", (int) t->category.len, t->category.data);
    const hl_o311_service_t *s = hl_o311_services_match (l->call.gw->services, t->request_type,
                                                         category);
    if (!s)
        return 0;
    char needle[HL_O311_CODE_MAX + 2];
    snprintf (needle, sizeof needle, ",%s,", s->code);
    return !l->codes[0] || strstr (l->codes, needle) != NULL;
}

//  Keep the page asked for of the listed tickets (none fetched yet).
static void
s_list_page (s_list_t *l)
{
    assert (l->fetched == 0);
    size_t from = l->page_offset < l->n_items ? l->page_offset : l->n_items;
    size_t n = l->n_items - from < l->page_size ? l->n_items - from : l->page_size;
    if (n > 0 && from > 0)
        memmove (l->items, l->items + from, n * sizeof *l->items);
    l->n_items = n;
}

static void
s_on_state_list (const Hotline__Envelope *reply, const char *error, void *arg)
{
    s_list_t *l = arg;
    if (reply && reply->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST) {
        const Hotline__TicketList *list = reply->ticket_list;
        for (size_t i = 0; i < list->n_tickets; i++)
            if (list->tickets[i]->ticket && s_list_wants (l, list->tickets[i]))
                s_list_add (l, list->tickets[i]->ticket, (int64_t) list->tickets[i]->created_ms);
    }
    else
    if (!l->failure[0] && reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
        && reply->nack->code == HOTLINE__ERROR_CODE__ERROR_FORBIDDEN)
        snprintf (l->failure, sizeof l->failure, "this server lists requests by "
                  "service_request_id only: hotline lets a channel's gateway read its tickets "
                  "one by one, not list them (forbidden)");
    else
    if (!l->failure[0])
        snprintf (l->failure, sizeof l->failure, "hotline cannot list requests now (%s); "
                  "retry shortly", reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
                  ? hl_wire_error_name (reply->nack->code) : error);
    if (--l->lists_waiting > 0)
        return;
    if (l->n_items > 1)
        qsort (l->items, l->n_items, sizeof *l->items, s_newest_first);
    s_list_page (l);
    s_list_fetch (l);
}

//  Ask hotlined for the newest tickets in each state the status filter
//  takes; the open/closed side of a state comes from hl_o311_view_status.
static void
s_list_by_state (s_list_t *l)
{
    for (int state = 1; hl_wire_state_name (state); state++) {
        const char *status = hl_o311_view_status (state);
        if (!status || !(strcmp (status, "open") == 0 ? l->want_open : l->want_closed))
            continue;
        Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
        Hotline__TicketListQuery q = HOTLINE__TICKET_LIST_QUERY__INIT;
        q.has_state = q.has_limit = 1;
        q.state = (Hotline__State) state;
        q.limit = S_STATE_LIMIT;
        env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
        env.ticket_list_query = &q;
        l->lists_waiting++;
        hl_o311_link_request (l->call.gw->link, &env, l->call.gw->opts.timeout_ms,
                              s_on_state_list, l);
    }
}

//  A query parameter: 1 with a non-empty value, 0 if absent or empty, -1
//  (answered 400) if badly encoded or too long.
static int
s_param (const s_call_t *call, const char *key, char *out, size_t outlen)
{
    int rc = hl_httpd_req_param (call->req, key, out, outlen);
    if (rc < 0) {
        s_errorf (call, 400, "%s: badly encoded or longer than %zu bytes", key, outlen - 1);
        return -1;
    }
    if (rc == 1 && hl_text_check (out, strlen (out), 0, NULL) != HL_TEXT_OK) {
        s_errorf (call, 400, "%s: not valid UTF-8 text", key);
        return -1;
    }
    return rc == 1 && out[0] ? 1 : 0;
}

static int
s_list_ids (s_list_t *l, char *ids)
{
    for (char *save = NULL, *id = strtok_r (ids, ",", &save); id; id = strtok_r (NULL, ",", &save)) {
        while (*id == ' ')
            id++;
        if (!hl_text_is_code (id, strlen (id), 31) || l->n_items == S_IDS_MAX) {
            s_errorf (&l->call, 400, "service_request_id: at most %d ticket numbers, "
                      "separated by commas", S_IDS_MAX);
            return -1;
        }
        s_list_add (l, id, 0);
    }
    return 0;
}

static int
s_list_codes (s_list_t *l, char *codes)
{
    size_t used = 0;
    l->codes[used++] = ',';
    for (char *save = NULL, *c = strtok_r (codes, ",", &save); c; c = strtok_r (NULL, ",", &save)) {
        while (*c == ' ')
            c++;
        if (!hl_o311_services_find (l->call.gw->services, c)) {
            s_errorf (&l->call, 400, "service_code: no service '%.64s' (see services.%s)", c,
                      l->call.xml ? "xml" : "json");
            return -1;
        }
        int n = snprintf (l->codes + used, sizeof l->codes - used, "%s,", c);
        if (n < 0 || (size_t) n >= sizeof l->codes - used) {
            s_error (&l->call, 400, "service_code: too many codes");
            return -1;
        }
        used += (size_t) n;
    }
    return 0;
}

static int
s_list_status (s_list_t *l, char *status)
{
    for (char *save = NULL, *s = strtok_r (status, ",", &save); s; s = strtok_r (NULL, ",", &save)) {
        while (*s == ' ')
            s++;
        if (strcmp (s, "open") == 0)
            l->want_open = 1;
        else
        if (strcmp (s, "closed") == 0)
            l->want_closed = 1;
        else {
            s_errorf (&l->call, 400, "status: open, closed or open,closed (not '%.32s')", s);
            return -1;
        }
    }
    return 0;
}

static int
s_list_dates (s_list_t *l)
{
    char from[64], to[64];
    int has_from = s_param (&l->call, "start_date", from, sizeof from);
    int has_to = has_from < 0 ? -1 : s_param (&l->call, "end_date", to, sizeof to);
    if (has_from < 0 || has_to < 0)
        return -1;
    //  Without an end: up to now, with room for the store's clock (which
    //  dates tickets) running a little ahead of this machine's.
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    l->to_ms = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + S_CLOCK_SLACK_MS;
    if ((has_from && hl_o311_time_parse (from, &l->from_ms) != 0)
        || (has_to && hl_o311_time_parse (to, &l->to_ms) != 0)) {
        s_error (&l->call, 400, "start_date, end_date: W3C datetimes with a zone, e.g. "
                 "2026-12-01T00:00:00+08:00");
        return -1;
    }
    if (!has_from)
        l->from_ms = l->to_ms - S_RANGE_MS;
    if (l->to_ms < l->from_ms || l->to_ms - l->from_ms > S_RANGE_MS) {
        s_error (&l->call, 400, "start_date, end_date: end after start, at most 90 days apart");
        return -1;
    }
    return 0;
}

//  A whole number from 1 to MAX in parameter KEY into *OUT (DEFAULT if
//  absent or empty); -1 answered with 400.
static int
s_param_count (const s_call_t *call, const char *key, long max, long fallback, long *out)
{
    char value[16], *end = NULL;
    int rc = s_param (call, key, value, sizeof value);
    *out = fallback;
    if (rc < 0)
        return -1;
    if (rc == 0)
        return 0;
    *out = value[0] >= '0' && value[0] <= '9' ? strtol (value, &end, 10) : 0;
    if (!end || *end || *out < 1 || *out > max) {
        s_errorf (call, 400, "%s: a whole number from 1 to %ld (not '%.15s')", key, max, value);
        return -1;
    }
    return 0;
}

//  The common paging extension of GeoReport v2 (page, page_size; see
//  docs/open311.md): 1-based pages of the newest-first list.
static int
s_list_paging (s_list_t *l)
{
    long page, size;
    if (s_param_count (&l->call, "page", S_PAGE_MAX, 1, &page) != 0
        || s_param_count (&l->call, "page_size", S_LIST_MAX, S_LIST_MAX, &size) != 0)
        return -1;
    l->page_offset = (size_t) (page - 1) * (size_t) size;
    l->page_size = (size_t) size;
    return 0;
}

static int
s_list_filters (s_list_t *l)
{
    char value[S_IDS_MAX * 33];
    if (s_list_paging (l) != 0)
        return -1;
    int rc = s_param (&l->call, "service_request_id", value, sizeof value);
    if (rc != 0) {
        l->by_ids = 1;
        return rc < 0 ? -1 : s_list_ids (l, value);
    }
    if ((rc = s_param (&l->call, "service_code", value, sizeof value)) != 0
        && (rc < 0 || s_list_codes (l, value) != 0))
        return -1;
    if ((rc = s_param (&l->call, "status", value, 64)) != 0
        && (rc < 0 || s_list_status (l, value) != 0))
        return -1;
    if (rc == 0)
        l->want_open = l->want_closed = 1;
    return s_list_dates (l);
}

static void
s_get_requests (const s_call_t *call)
{
    if (call->gw->lists >= S_LISTS_MAX) {
        hl_httpd_add_header (call->req, "Retry-After", "1");
        s_error (call, 429, "too many request lists are being prepared; retry in a second");
        return;
    }
    s_list_t *l = (s_list_t *) s_call_copy (call, sizeof *l);
    call->gw->lists++;
    if (s_list_filters (l) != 0) {
        l->call.req = NULL;     //  answered
        s_list_free (l);
        return;
    }
    if (l->by_ids) {
        s_list_page (l);
        s_list_fetch (l);
    }
    else
        s_list_by_state (l);
}

//  ---------------------------------------------------------------------
//  Routing

//  A single-jurisdiction server may ignore jurisdiction_id; one it does
//  not serve is named as the spec asks (404).
static int
s_jurisdiction (const s_call_t *call, const char *given)
{
    const char *ours = hl_o311_services_setting (call->gw->services, "jurisdiction_id");
    if (!given || !*given || !*ours || strcmp (given, ours) == 0)
        return 0;
    s_errorf (call, 404, "jurisdiction_id: this server serves '%s' only", ours);
    return -1;
}

static int
s_method (const s_call_t *call, const char *allowed)
{
    if (strcmp (hl_httpd_req_method (call->req), allowed) == 0)
        return 0;
    hl_httpd_add_header (call->req, "Allow", allowed);
    s_errorf (call, 405, "method %s: this resource takes %s", hl_httpd_req_method (call->req),
              allowed);
    return -1;
}

static void
s_route (const s_call_t *call, const char *resource)
{
    char jurisdiction[160];
    int is_post = strcmp (hl_httpd_req_method (call->req), "POST") == 0;
    if (!is_post && (s_param (call, "jurisdiction_id", jurisdiction, sizeof jurisdiction) < 0
                     || s_jurisdiction (call, jurisdiction)))
        return;
    if (strcmp (resource, "requests") == 0) {
        if (is_post)
            s_post_request (call);
        else
        if (s_method (call, "GET") == 0)
            s_get_requests (call);
        return;
    }
    if (s_method (call, "GET") != 0)
        return;
    if (strcmp (resource, "discovery") == 0)
        s_discovery (call);
    else
    if (strcmp (resource, "services") == 0)
        s_services (call);
    else
    if (strncmp (resource, "services/", 9) == 0)
        s_service_definition (call, resource + 9);
    else
    if (strncmp (resource, "requests/", 9) == 0)
        s_get_one (call, resource + 9, 0);
    else
    if (strncmp (resource, "tokens/", 7) == 0)
        s_get_one (call, resource + 7, 1);
    else
        s_errorf (call, 404, "no resource '%.64s' (see discovery.%s)", resource,
                  call->xml ? "xml" : "json");
}

static void
s_on_request (hl_httpd_req_t *req, void *arg)
{
    s_call_t call = { arg, req, 0 };
    if (hl_o311_progress_serve (call.gw->progress, req) || hl_o311_visit_serve (call.gw->visit, req))
        return;
    const char *path = hl_httpd_req_path (req);
    size_t n = strlen (path);
    call.xml = !(n > 5 && strcmp (path + n - 5, ".json") == 0);
    if (strncmp (path, S_PREFIX, strlen (S_PREFIX)) != 0) {
        s_error (&call, 404, "the Open311 GeoReport v2 API is under " S_PREFIX
                 " (start with discovery.xml)");
        return;
    }
    const char *rest = path + strlen (S_PREFIX);
    const char *dot = strrchr (rest, '.');
    if (!dot || (strcmp (dot, ".xml") != 0 && strcmp (dot, ".json") != 0)) {
        s_error (&call, 404, "name the format: end the path in .xml or .json");
        return;
    }
    char resource[256];
    if ((size_t) (dot - rest) >= sizeof resource) {
        s_error (&call, 404, "no such resource");
        return;
    }
    memcpy (resource, rest, (size_t) (dot - rest));
    resource[dot - rest] = '\0';
    s_route (&call, resource);
}

//  ---------------------------------------------------------------------

hl_o311_t *
hl_o311_new (struct event_base *base, const hl_o311_opts_t *opts,
             const hl_o311_services_t *services, hl_o311_keys_t *keys,
             const hl_catalogue_t *catalogue, char *err, size_t errlen)
{
    assert (base && opts && services && keys);
    hl_o311_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->opts = *opts;
    self->base = base;
    self->services = services;
    self->keys = keys;
    self->catalogue = catalogue;
    snprintf (self->address, sizeof self->address, "%s", opts->address);
    if (opts->base_url && *opts->base_url)
        snprintf (self->base_url, sizeof self->base_url, "%s", opts->base_url);
    else
        snprintf (self->base_url, sizeof self->base_url, "http://%s" S_PREFIX, opts->address);
    self->link = hl_o311_link_new (base, opts->endpoint, opts->curve, opts->resend_ms, err,
                                   errlen);
    hl_httpd_opts_t ho;
    hl_httpd_opts_default (&ho);
    ho.name = "open311";
    ho.address = opts->address;
    ho.max_body_bytes = opts->max_body_bytes;
    ho.max_connections = opts->max_connections;
    ho.refusal = s_refusal;
    if (self->link)
        self->httpd = hl_httpd_new (base, &ho, s_on_request, self, err, errlen);
    if (!self->httpd) {
        hl_o311_link_destroy (&self->link);
        free (self);
        return NULL;
    }
    self->progress = hl_o311_progress_new (self->link, catalogue, opts->timeout_ms,
                                           opts->lookups_per_minute);
    self->visit = hl_o311_visit_new (self->link, opts->timeout_ms, opts->lookups_per_minute);
    return self;
}

void
hl_o311_destroy (hl_o311_t **self_p)
{
    assert (self_p);
    hl_o311_t *self = *self_p;
    if (!self)
        return;
    hl_o311_link_destroy (&self->link);   //  answers what still waits
    hl_httpd_destroy (&self->httpd);
    hl_o311_progress_destroy (&self->progress);
    hl_o311_visit_destroy (&self->visit);
    free (self);
    *self_p = NULL;
}

void
hl_o311_set_keys (hl_o311_t *self, hl_o311_keys_t *keys)
{
    assert (keys);
    self->keys = keys;
}

size_t
hl_o311_pending (const hl_o311_t *self)
{
    return hl_o311_link_pending (self->link);
}
