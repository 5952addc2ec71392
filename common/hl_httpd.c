/*  hl_httpd: a small bounded HTTP/1.1 server. See hl_httpd.h. */
#include "hl_httpd.h"
#include "hl_buf.h"
#include "hl_httphead.h"
#include "hl_log.h"

#include <assert.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_LOG_EVERY_MS 1000
#define S_ACCEPT_PAUSE_MS 1000   //  after the process ran out of descriptors

typedef enum {
    S_HEAD,                      //  reading a request head
    S_BODY,                      //  reading its body
    S_HANDLER,                   //  the handler holds the request
    S_REPLYING,                  //  writing a reply
    S_STREAM                     //  writing a stream until the connection ends
} s_phase_t;

typedef struct s_conn s_conn_t;

struct hl_httpd_req {
    hl_httpd_t *server;
    s_conn_t *conn;              //  NULL once the client has gone
    hl_httpd_req_t *prev, *next; //  the server's list of live requests
    hl_httphead_t head;
    char *body;
    size_t body_len;
    hl_buf_t headers;            //  extra response headers, "Name: value\r\n"
    void (*gone_fn) (hl_httpd_req_t *, void *);
    void *gone_arg;
    int keep_alive;
};

struct s_conn {
    hl_httpd_t *server;
    struct bufferevent *bev;
    struct event *deadline;      //  the head (and body) must arrive by then
    hl_httpd_req_t *req;         //  in S_BODY, S_HANDLER and S_STREAM
    s_phase_t phase;
    int keep_alive;              //  after the reply being written
    s_conn_t *prev, *next;
};

struct hl_httpd {
    struct event_base *base;
    hl_httpd_opts_t opts;
    char name[32];
    hl_httpd_fn *fn;
    void *arg;
    struct evconnlistener *listener;
    struct event *resume;        //  re-enables accepting after EMFILE
    s_conn_t *conns;
    hl_httpd_req_t *reqs;
    hl_httpd_stats_t stats;
    hl_log_limit_t log_refused, log_accept, log_bad;
};

void
hl_httpd_opts_default (hl_httpd_opts_t *opts)
{
    memset (opts, 0, sizeof *opts);
    opts->name = "http";
    opts->max_connections = 256;
    opts->head_timeout_ms = 10000;
    opts->write_timeout_ms = 10000;
    opts->max_head_bytes = 8192;
    opts->max_target_bytes = 2048;
    opts->max_body_bytes = 65536;
    opts->max_backlog_bytes = 262144;
}

const char *
hl_httpd_reason (int status)
{
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 414: return "URI Too Long";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default: return status < 400 ? "OK" : "Error";
    }
}

static void
s_ms_tv (int ms, struct timeval *tv)
{
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
}

//  ---------------------------------------------------------------------
//  Requests

static hl_httpd_req_t *
s_req_new (s_conn_t *c)
{
    hl_httpd_req_t *req = calloc (1, sizeof *req);
    if (!req)
        abort ();
    req->server = c->server;
    req->conn = c;
    req->next = c->server->reqs;
    if (req->next)
        req->next->prev = req;
    c->server->reqs = req;
    return req;
}

static void
s_req_free (hl_httpd_req_t *req)
{
    hl_httpd_t *self = req->server;
    if (req->prev)
        req->prev->next = req->next;
    else
        self->reqs = req->next;
    if (req->next)
        req->next->prev = req->prev;
    hl_httphead_free (&req->head);
    hl_buf_free (&req->headers);
    free (req->body);
    free (req);
}

//  ---------------------------------------------------------------------
//  Connections

//  End C. A request the handler holds outlives it, marked gone; with
//  NOTIFY (only from event-loop callbacks) its gone callback runs.
static void
s_close (s_conn_t *c, int notify)
{
    hl_httpd_t *self = c->server;
    hl_httpd_req_t *req = c->req;
    if (req) {
        req->conn = NULL;
        if (c->phase == S_BODY)
            s_req_free (req);   //  the handler never saw it
        else
        if (notify && req->gone_fn)
            req->gone_fn (req, req->gone_arg);
    }
    if (c->phase == S_STREAM)
        self->stats.streams--;
    if (c->prev)
        c->prev->next = c->next;
    else
        self->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    self->stats.open--;
    bufferevent_free (c->bev);
    event_free (c->deadline);
    free (c);
}

static void
s_arm_deadline (s_conn_t *c)
{
    struct timeval tv;
    s_ms_tv (c->server->opts.head_timeout_ms, &tv);
    evtimer_add (c->deadline, &tv);
}

//  Queue a whole response on C's output and wait for it to drain; the
//  connection then reads the next request (KEEP_ALIVE) or closes.
static void
s_send (s_conn_t *c, int status, const char *type, const hl_buf_t *extra, const void *body,
        size_t len, int keep_alive)
{
    struct evbuffer *out = bufferevent_get_output (c->bev);
    evbuffer_add_printf (out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                         "Cache-Control: no-store\r\nConnection: %s\r\n", status,
                         hl_httpd_reason (status), type, len, keep_alive ? "keep-alive" : "close");
    if (extra && extra->len)
        evbuffer_add (out, extra->data, extra->len);
    evbuffer_add (out, "\r\n", 2);
    evbuffer_add (out, body, len);
    evtimer_del (c->deadline);
    c->phase = S_REPLYING;
    c->keep_alive = keep_alive;
    c->req = NULL;
    struct timeval tv;
    s_ms_tv (c->server->opts.write_timeout_ms, &tv);
    bufferevent_set_timeouts (c->bev, NULL, &tv);
    bufferevent_enable (c->bev, EV_WRITE);
}

//  The server's own refusal of a request it could not read: the
//  connection closes after it, since what follows cannot be trusted.
static void
s_refuse (s_conn_t *c, int status, const char *code, const char *message)
{
    hl_httpd_t *self = c->server;
    self->stats.bad_requests++;
    hl_log_limited (&self->log_bad, S_LOG_EVERY_MS, HL_LOG_INFO, "%s: refused a request: %d %s",
                    self->name, status, message);
    hl_buf_t b = HL_BUF_INIT;
    const char *type = "application/json";
    if (self->opts.refusal) {
        const char *path = c->req && c->req->head.path && *c->req->head.path
                           ? c->req->head.path : NULL;
        type = self->opts.refusal (status, code, message, path, &b, self->opts.refusal_arg);
    }
    else {
        hl_buf_printf (&b, "{\"error\":{\"code\":\"%s\",\"message\":", code);
        hl_json_str (&b, message, strlen (message));
        hl_buf_puts (&b, "}}");
    }
    if (c->req && c->phase == S_BODY)
        s_req_free (c->req);
    c->req = NULL;
    s_send (c, status, type, NULL, b.data ? b.data : "", b.len, 0);
    hl_buf_free (&b);
}

static const char *
s_status_code (int status)
{
    switch (status) {
        case 408: return "timeout";
        case 413: return "too_large";
        case 414: case 431: return "too_large";
        case 501: case 505: return "unsupported";
        default: return "bad_request";
    }
}

static void
s_dispatch (s_conn_t *c)
{
    hl_httpd_req_t *req = c->req;
    evtimer_del (c->deadline);
    c->phase = S_HANDLER;
    req->keep_alive = req->head.keep_alive;
    c->server->fn (req, c->server->arg);
}

static void
s_read_body (s_conn_t *c)
{
    struct evbuffer *in = bufferevent_get_input (c->bev);
    size_t want = (size_t) c->req->head.content_length;
    if (evbuffer_get_length (in) < want)
        return;
    c->req->body = malloc (want + 1);
    if (!c->req->body)
        abort ();
    evbuffer_remove (in, c->req->body, want);
    c->req->body[want] = '\0';
    c->req->body_len = want;
    s_dispatch (c);
}

static void
s_read_head (s_conn_t *c)
{
    hl_httpd_t *self = c->server;
    struct evbuffer *in = bufferevent_get_input (c->bev);
    size_t have = evbuffer_get_length (in);
    size_t look = have < self->opts.max_head_bytes ? have : self->opts.max_head_bytes;
    const char *data = (const char *) evbuffer_pullup (in, (ev_ssize_t) look);
    size_t end = data ? hl_httphead_end (data, look) : 0;
    if (!end) {
        if (have >= self->opts.max_head_bytes)
            s_refuse (c, 431, "too_large", "the request head is too large");
        return;
    }
    char err[160];
    c->req = s_req_new (c);
    c->phase = S_BODY;          //  the server owns the request until dispatch
    int rc = hl_httphead_parse (&c->req->head, data, end, self->opts.max_target_bytes,
                                err, sizeof err);
    evbuffer_drain (in, end);
    if (rc != 0)
        s_refuse (c, rc, s_status_code (rc), err);
    else
    if (c->req->head.content_length > (int64_t) self->opts.max_body_bytes)
        s_refuse (c, 413, "too_large", "the request body is too large");
    else
    if (c->req->head.content_length > 0)
        s_read_body (c);
    else
        s_dispatch (c);
}

static void
s_on_read (struct bufferevent *bev, void *arg)
{
    s_conn_t *c = arg;
    struct evbuffer *in = bufferevent_get_input (bev);
    switch (c->phase) {
        case S_HEAD: s_read_head (c); break;
        case S_BODY: s_read_body (c); break;
        case S_STREAM: evbuffer_drain (in, evbuffer_get_length (in)); break;
        case S_HANDLER:
        case S_REPLYING: break;  //  a pipelined request waits (bounded by the watermark)
    }
}

static void
s_on_write (struct bufferevent *bev, void *arg)
{
    s_conn_t *c = arg;
    if (c->phase != S_REPLYING)
        return;
    if (!c->keep_alive) {
        s_close (c, 1);
        return;
    }
    bufferevent_set_timeouts (bev, NULL, NULL);
    c->phase = S_HEAD;
    s_arm_deadline (c);
    if (evbuffer_get_length (bufferevent_get_input (bev)) > 0)
        s_read_head (c);
}

static void
s_on_event (struct bufferevent *bev, short what, void *arg)
{
    (void) bev;
    s_conn_t *c = arg;
    hl_httpd_t *self = c->server;
    if (what & BEV_EVENT_TIMEOUT) {
        if (c->phase == S_STREAM)
            self->stats.slow_dropped++;
        else
            self->stats.timed_out++;
    }
    else
    if ((what & BEV_EVENT_EOF) && c->phase == S_REPLYING) {
        c->keep_alive = 0;      //  the client is done sending; let it read the reply
        return;
    }
    s_close (c, 1);
}

static void
s_on_deadline (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_conn_t *c = arg;
    c->server->stats.timed_out++;
    if (c->phase == S_HEAD && evbuffer_get_length (bufferevent_get_input (c->bev)) == 0)
        s_close (c, 1);         //  an idle keep-alive connection
    else
        s_refuse (c, 408, "timeout", "the request did not arrive in time");
}

//  ---------------------------------------------------------------------
//  The listener

static void
s_turn_away (hl_httpd_t *self, evutil_socket_t fd)
{
    static const char body[] = "{\"error\":{\"code\":\"busy\",\"message\":"
                               "\"too many connections; retry shortly\"}}";
    char msg[256];
    int n = snprintf (msg, sizeof msg, "HTTP/1.1 503 Service Unavailable\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                      "Retry-After: 1\r\nConnection: close\r\n\r\n%s", sizeof body - 1, body);
    ssize_t sent = send (fd, msg, (size_t) n, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void) sent;                //  best effort: the socket is new and its buffer empty
    evutil_closesocket (fd);
    self->stats.refused++;
    hl_log_limited (&self->log_refused, S_LOG_EVERY_MS, HL_LOG_WARNING,
                    "%s: %d connections open: turned one away", self->name,
                    self->opts.max_connections);
}

static void
s_on_accept (struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa,
             int salen, void *arg)
{
    (void) listener;
    (void) sa;
    (void) salen;
    hl_httpd_t *self = arg;
    if (self->stats.open >= (size_t) self->opts.max_connections) {
        s_turn_away (self, fd);
        return;
    }
    s_conn_t *c = calloc (1, sizeof *c);
    if (!c)
        abort ();
    c->server = self;
    c->bev = bufferevent_socket_new (self->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    c->deadline = evtimer_new (self->base, s_on_deadline, c);
    if (!c->bev || !c->deadline)
        abort ();
    //  Stop reading once a request and a pipelined one could be in the
    //  input: a client cannot make the server buffer more than that.
    bufferevent_setwatermark (c->bev, EV_READ, 0,
                              self->opts.max_head_bytes + self->opts.max_body_bytes + 4096);
    bufferevent_setcb (c->bev, s_on_read, s_on_write, s_on_event, c);
    bufferevent_enable (c->bev, EV_READ);
    c->next = self->conns;
    if (c->next)
        c->next->prev = c;
    self->conns = c;
    self->stats.open++;
    self->stats.accepted++;
    s_arm_deadline (c);
}

//  accept() failed: without descriptors the listener would fail again at
//  once, in a loop; it pauses instead and the error is logged once a
//  second at most.
static void
s_on_accept_error (struct evconnlistener *listener, void *arg)
{
    hl_httpd_t *self = arg;
    int e = EVUTIL_SOCKET_ERROR ();
    hl_log_limited (&self->log_accept, S_LOG_EVERY_MS, HL_LOG_WARNING, "%s: accept: %s",
                    self->name, evutil_socket_error_to_string (e));
    if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
        evconnlistener_disable (listener);
        struct timeval tv;
        s_ms_tv (S_ACCEPT_PAUSE_MS, &tv);
        evtimer_add (self->resume, &tv);
    }
}

static void
s_on_resume (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_httpd_t *self = arg;
    evconnlistener_enable (self->listener);
}

hl_httpd_t *
hl_httpd_new (struct event_base *base, const hl_httpd_opts_t *opts, hl_httpd_fn *fn, void *arg,
              char *err, size_t errlen)
{
    assert (base && opts && fn);
    struct sockaddr_storage ss;
    int sslen = (int) sizeof ss;
    if (!opts->address || evutil_parse_sockaddr_port (opts->address, (struct sockaddr *) &ss,
                                                      &sslen) != 0
        || !strrchr (opts->address, ':')) {
        snprintf (err, errlen, "%s: want HOST:PORT, got '%s'", opts->name ? opts->name : "http",
                  opts->address ? opts->address : "");
        return NULL;
    }
    hl_httpd_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->base = base;
    self->opts = *opts;
    snprintf (self->name, sizeof self->name, "%s", opts->name ? opts->name : "http");
    self->opts.name = self->name;
    self->opts.address = NULL;
    self->fn = fn;
    self->arg = arg;
    self->listener = evconnlistener_new_bind (base, s_on_accept, self,
                                              LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE
                                              | LEV_OPT_CLOSE_ON_EXEC, 128,
                                              (struct sockaddr *) &ss, sslen);
    if (!self->listener) {
        snprintf (err, errlen, "%s: cannot listen on %s: %s", self->name, opts->address,
                  strerror (errno));
        free (self);
        return NULL;
    }
    evconnlistener_set_error_cb (self->listener, s_on_accept_error);
    self->resume = evtimer_new (base, s_on_resume, self);
    return self;
}

void
hl_httpd_destroy (hl_httpd_t **self_p)
{
    assert (self_p);
    hl_httpd_t *self = *self_p;
    if (!self)
        return;
    while (self->conns)
        s_close (self->conns, 0);
    while (self->reqs)
        s_req_free (self->reqs);
    evconnlistener_free (self->listener);
    event_free (self->resume);
    free (self);
    *self_p = NULL;
}

void
hl_httpd_stats (const hl_httpd_t *self, hl_httpd_stats_t *stats)
{
    *stats = self->stats;
}

//  ---------------------------------------------------------------------
//  The handler's side

const char *
hl_httpd_req_method (const hl_httpd_req_t *req)
{
    return req->head.method;
}

const char *
hl_httpd_req_path (const hl_httpd_req_t *req)
{
    return req->head.path;
}

const char *
hl_httpd_req_query (const hl_httpd_req_t *req)
{
    return req->head.query;
}

const char *
hl_httpd_req_header (const hl_httpd_req_t *req, const char *name)
{
    return hl_httphead_get (&req->head, name);
}

const char *
hl_httpd_req_body (const hl_httpd_req_t *req, size_t *len)
{
    if (len)
        *len = req->body_len;
    return req->body ? req->body : "";
}

int
hl_httpd_req_param (const hl_httpd_req_t *req, const char *key, char *out, size_t outlen)
{
    return hl_http_query_get (req->head.query, key, out, outlen);
}

int
hl_httpd_req_gone (const hl_httpd_req_t *req)
{
    return req->conn == NULL;
}

void
hl_httpd_req_set_gone_fn (hl_httpd_req_t *req, void (*fn) (hl_httpd_req_t *, void *), void *arg)
{
    req->gone_fn = fn;
    req->gone_arg = arg;
}

void
hl_httpd_add_header (hl_httpd_req_t *req, const char *name, const char *value)
{
    //  Names and values come from hotline's code, never from a client;
    //  a line break in them would still split the response, so refuse it.
    assert (!strpbrk (name, "\r\n:") && !strpbrk (value, "\r\n"));
    hl_buf_printf (&req->headers, "%s: %s\r\n", name, value);
}

void
hl_httpd_reply (hl_httpd_req_t *req, int status, const char *type, const void *body, size_t len)
{
    s_conn_t *c = req->conn;
    if (c) {
        assert (c->phase == S_HANDLER && c->req == req);
        s_send (c, status, type, &req->headers, body, len, req->keep_alive);
    }
    s_req_free (req);
}

void
hl_httpd_reply_error (hl_httpd_req_t *req, int status, const char *code, const char *message)
{
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_printf (&b, "{\"error\":{\"code\":\"%s\",\"message\":", code);
    hl_json_str (&b, message, strlen (message));
    hl_buf_puts (&b, "}}");
    hl_httpd_reply (req, status, "application/json", b.data, b.len);
    hl_buf_free (&b);
}

int
hl_httpd_stream_begin (hl_httpd_req_t *req, int status, const char *type)
{
    s_conn_t *c = req->conn;
    if (!c)
        return -1;
    assert (c->phase == S_HANDLER && c->req == req);
    struct evbuffer *out = bufferevent_get_output (c->bev);
    evbuffer_add_printf (out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\n"
                         "Connection: close\r\n", status, hl_httpd_reason (status), type);
    if (req->headers.len)
        evbuffer_add (out, req->headers.data, req->headers.len);
    evbuffer_add (out, "\r\n", 2);
    //  The kernel's buffer for a stream is kept small too: a client that
    //  stops reading is noticed after about the backlog, not after the
    //  megabytes a socket's buffer may otherwise grow to.
    size_t backlog = c->server->opts.max_backlog_bytes;
    int sndbuf = backlog < 65536 ? (int) backlog : 65536;
    setsockopt (bufferevent_getfd (c->bev), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    c->phase = S_STREAM;
    c->server->stats.streams++;
    struct timeval tv;
    s_ms_tv (c->server->opts.write_timeout_ms, &tv);
    bufferevent_set_timeouts (c->bev, NULL, &tv);
    bufferevent_enable (c->bev, EV_WRITE);
    return 0;
}

int
hl_httpd_stream_write (hl_httpd_req_t *req, const void *data, size_t len)
{
    s_conn_t *c = req->conn;
    if (!c)
        return -1;
    assert (c->phase == S_STREAM);
    struct evbuffer *out = bufferevent_get_output (c->bev);
    if (evbuffer_get_length (out) + len > c->server->opts.max_backlog_bytes) {
        c->server->stats.slow_dropped++;
        hl_log_limited (&c->server->log_bad, S_LOG_EVERY_MS, HL_LOG_NOTICE,
                        "%s: dropped a stream client that stopped reading", c->server->name);
        s_close (c, 0);
        return -1;
    }
    evbuffer_add (out, data, len);
    return 0;
}

void
hl_httpd_stream_end (hl_httpd_req_t *req)
{
    if (req->conn) {
        req->conn->req = NULL;
        s_close (req->conn, 0);
    }
    s_req_free (req);
}
