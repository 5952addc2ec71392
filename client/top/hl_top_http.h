/*  hl_top_http: a small blocking HTTP/1.1 GET client for hotlined's
 *  dashboard API.
 *
 *  One request per connection (Connection: close), the supervisor token in
 *  "Authorization: Bearer", one deadline for connecting, sending and
 *  reading the whole reply. Replies are read strictly: a status line, then
 *  headers, then a body framed by Content-Length, by chunked transfer
 *  coding, or by the end of the connection; anything else is an error.
 *  Enough for a terminal dashboard on the same machine or LAN; not a
 *  general-purpose client (no TLS, no redirects, no proxies).
 */
#ifndef HL_TOP_HTTP_H_INCLUDED
#define HL_TOP_HTTP_H_INCLUDED

#include "hl_buf.h"

#include <stddef.h>

typedef struct hl_top_http hl_top_http_t;

#define HL_TOP_HTTP_MAX_REPLY (32u << 20)

//  ADDRESS is HOST:PORT (an IPv6 host in brackets), optionally after
//  "http://"; TOKEN may be NULL (no Authorization header). Returns NULL
//  with a message in ERR if ADDRESS cannot be read.
hl_top_http_t *hl_top_http_new (const char *address, const char *token, int timeout_ms,
                                char *err, size_t errlen);
void hl_top_http_destroy (hl_top_http_t **self_p);

//  GET PATH (with its query). On 0, *STATUS is the HTTP status and BODY
//  holds the body (replaced, NUL-terminated); -1 with a message in ERR when
//  nothing usable came back in time (refused, timed out, malformed).
int hl_top_http_get (hl_top_http_t *self, const char *path, int *status, hl_buf_t *body,
                     char *err, size_t errlen);

//  Reads a complete HTTP/1.1 reply in DATA[0..len) (the connection has
//  ended). Exposed for tests. Returns 0, or -1 with a message in ERR.
int hl_top_http_parse_reply (const char *data, size_t len, int *status, hl_buf_t *body,
                             char *err, size_t errlen);

#endif
