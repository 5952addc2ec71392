/*  hl_httpd: a small HTTP/1.1 server with a bound on everything a client
 *  can make it hold.
 *
 *  hotline serves HTTP beside its intake on the same event loop (the
 *  supervisor dashboard, its live event stream, /metrics), so a client that
 *  connects and says nothing, sends an endless head, or stops reading a
 *  stream must cost a bounded amount and never take file descriptors or
 *  memory from the intake. Limits, all set by hl_httpd_opts_t:
 *
 *    - connections open at once: one more is answered 503 and closed;
 *    - the whole request head must arrive within head_timeout_ms of the
 *      connection (or of the previous reply), whatever the pace of bytes;
 *    - head, target and body sizes (431, 414, 413);
 *    - output a client has not read: a reply or stream whose unsent bytes
 *      pass max_backlog_bytes, or which makes no progress for
 *      write_timeout_ms, ends its connection.
 *
 *  Errors are answered as JSON {"error":{"code","message"}} like the rest
 *  of hotline. Floods of refusals are logged once a second at most.
 *
 *  Requests. The handler is called once per request and owns it until it
 *  calls hl_httpd_reply (or hl_httpd_stream_end for a stream): it may keep
 *  it across event-loop turns while Redis answers. If the client goes
 *  away meanwhile, the request stays valid, hl_httpd_req_gone says so,
 *  the reply is discarded, and the gone callback (if set) runs from the
 *  event loop, never from inside an hl_httpd call.
 */
#ifndef HL_HTTPD_H_INCLUDED
#define HL_HTTPD_H_INCLUDED

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_httpd hl_httpd_t;
typedef struct hl_httpd_req hl_httpd_req_t;

//  Renders a refusal the server itself makes (413, 414, 431, 408, 400,
//  501, 505) for a service whose errors have another format than
//  hotline's JSON: PATH is the request's path when the head was read
//  (else NULL). Appends the body to BODY (an hl_buf_t) and returns its
//  Content-Type.
typedef const char *(hl_httpd_refusal_fn) (int status, const char *code, const char *message,
                                           const char *path, void *body, void *arg);

typedef struct {
    const char *name;            //  for log lines ("dashboard")
    const char *address;         //  HOST:PORT to listen on
    int max_connections;         //  open at once
    int head_timeout_ms;         //  for a complete request head
    int write_timeout_ms;        //  longest wait for a client to read
    size_t max_head_bytes;       //  request line and headers
    size_t max_target_bytes;     //  path and query
    size_t max_body_bytes;
    size_t max_backlog_bytes;    //  unsent output per connection
    hl_httpd_refusal_fn *refusal;  //  NULL: hotline's JSON errors
    void *refusal_arg;
} hl_httpd_opts_t;

//  Conservative limits for a loopback service.
void hl_httpd_opts_default (hl_httpd_opts_t *opts);

typedef void (hl_httpd_fn) (hl_httpd_req_t *req, void *arg);

//  Listen on OPTS->address and call FN for each request. NULL with ERR if
//  the address is bad or taken.
hl_httpd_t *hl_httpd_new (struct event_base *base, const hl_httpd_opts_t *opts,
                          hl_httpd_fn *fn, void *arg, char *err, size_t errlen);

//  Close every connection and the listener. Requests the handler still
//  holds are freed: the handler must have dropped its references first.
void hl_httpd_destroy (hl_httpd_t **self_p);

typedef struct {
    size_t open;                 //  connections now
    size_t streams;              //  of which streaming
    uint64_t accepted;           //  connections since start
    uint64_t refused;            //  turned away at the connection limit
    uint64_t timed_out;          //  head or write timeout
    uint64_t bad_requests;       //  answered 4xx/5xx by the server itself
    uint64_t slow_dropped;       //  closed for not reading their output
} hl_httpd_stats_t;

void hl_httpd_stats (const hl_httpd_t *self, hl_httpd_stats_t *stats);

//  The request. Strings live as long as the request.
const char *hl_httpd_req_method (const hl_httpd_req_t *req);
const char *hl_httpd_req_path (const hl_httpd_req_t *req);
const char *hl_httpd_req_query (const hl_httpd_req_t *req);
const char *hl_httpd_req_header (const hl_httpd_req_t *req, const char *name);
const char *hl_httpd_req_body (const hl_httpd_req_t *req, size_t *len);
//  A query parameter, decoded: as hl_http_query_get.
int hl_httpd_req_param (const hl_httpd_req_t *req, const char *key, char *out, size_t outlen);
//  True once the client has gone.
int hl_httpd_req_gone (const hl_httpd_req_t *req);
void hl_httpd_req_set_gone_fn (hl_httpd_req_t *req, void (*fn) (hl_httpd_req_t *, void *),
                               void *arg);

//  Add a response header (before the reply or stream starts).
void hl_httpd_add_header (hl_httpd_req_t *req, const char *name, const char *value);

//  Answer and release REQ.
void hl_httpd_reply (hl_httpd_req_t *req, int status, const char *type, const void *body,
                     size_t len);
//  Answer {"error":{"code":CODE,"message":MESSAGE}} and release REQ.
void hl_httpd_reply_error (hl_httpd_req_t *req, int status, const char *code,
                           const char *message);

//  Start a response whose body is written piece by piece and ends when
//  the connection closes (Server-Sent Events). 0, or -1 if the client has
//  gone (REQ is still held).
int hl_httpd_stream_begin (hl_httpd_req_t *req, int status, const char *type);
//  Queue DATA. 0, or -1 if the client has gone or has so much unread that
//  it was dropped: no more writes; end the stream.
int hl_httpd_stream_write (hl_httpd_req_t *req, const void *data, size_t len);
//  Close the stream's connection (if still open) and release REQ.
void hl_httpd_stream_end (hl_httpd_req_t *req);

//  The reason phrase of STATUS.
const char *hl_httpd_reason (int status);

#endif
