/*  hl_top_http: blocking HTTP/1.1 GET. See hl_top_http.h. */
#include "hl_top_http.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct hl_top_http {
    char host[256];
    char port[8];
    char token[256];
    int timeout_ms;
};

//  Deadlines run on the monotonic clock: a clock change cannot stretch them.
static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  Splits "[http://]HOST:PORT[/]" so that a URL copied from deploy/up's
//  message works as well as the bare endpoint.
hl_top_http_t *
hl_top_http_new (const char *address, const char *token, int timeout_ms, char *err, size_t errlen)
{
    err[0] = 0;
    if (!address || !*address) {
        snprintf (err, errlen, "no address");
        return NULL;
    }
    if (strncmp (address, "http://", 7) == 0)
        address += 7;
    size_t n = strcspn (address, "/?");
    const char *host = address, *colon;
    size_t host_len;
    if (*address == '[') {
        const char *close = memchr (address, ']', n);
        if (!close || close + 1 >= address + n || close[1] != ':') {
            snprintf (err, errlen, "'%s': want [HOST]:PORT", address);
            return NULL;
        }
        host = address + 1;
        host_len = (size_t) (close - host);
        colon = close + 1;
    }
    else {
        colon = memchr (address, ':', n);
        if (!colon || memchr (colon + 1, ':', (size_t) (address + n - colon - 1))) {
            snprintf (err, errlen, "'%s': want HOST:PORT", address);
            return NULL;
        }
        host_len = (size_t) (colon - address);
    }
    size_t port_len = (size_t) (address + n - colon - 1);
    int port = 0;
    for (size_t i = 0; i < port_len; i++) {
        if (colon[1 + i] < '0' || colon[1 + i] > '9') {
            port = 0;
            break;
        }
        port = port * 10 + (colon[1 + i] - '0');
        if (port > 65535)
            break;
    }
    if (host_len == 0 || host_len >= 256 || port < 1 || port > 65535) {
        snprintf (err, errlen, "'%s': want HOST:PORT with a port 1..65535", address);
        return NULL;
    }
    if (token && strlen (token) >= 256) {
        snprintf (err, errlen, "token too long");
        return NULL;
    }
    for (const char *t = token; t && *t; t++)
        if ((unsigned char) *t <= 0x20 || *t == 0x7F) {
            snprintf (err, errlen, "the token has a blank or control character");
            return NULL;
        }
    hl_top_http_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    memcpy (self->host, host, host_len);
    snprintf (self->port, sizeof self->port, "%d", port);
    snprintf (self->token, sizeof self->token, "%s", token ? token : "");
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
    return self;
}

//  Nothing is kept open between requests: only the settings are freed.
void
hl_top_http_destroy (hl_top_http_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

//  Waits for FD to be ready for EVENTS until DEADLINE (monotonic ms).
static int
s_wait (int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - s_now_ms ();
        if (left <= 0)
            return -1;
        struct pollfd p = { fd, events, 0 };
        int rc = poll (&p, 1, (int) left);
        if (rc > 0)
            return 0;
        if (rc < 0 && errno != EINTR)
            return -1;
    }
}

//  Connects to the first address that answers before DEADLINE, without
//  blocking past it (a plain connect() could hang for minutes).
static int
s_connect (hl_top_http_t *self, long long deadline, char *err, size_t errlen)
{
    struct addrinfo hints = { 0 }, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo (self->host, self->port, &hints, &res);
    if (rc != 0) {
        snprintf (err, errlen, "%s: %s", self->host, gai_strerror (rc));
        return -1;
    }
    int fd = -1, last = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            last = errno;
            continue;
        }
        if (connect (fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        if (errno == EINPROGRESS && s_wait (fd, POLLOUT, deadline) == 0) {
            int so = 0;
            socklen_t len = sizeof so;
            getsockopt (fd, SOL_SOCKET, SO_ERROR, &so, &len);
            if (so == 0)
                break;
            last = so;
        }
        else
            last = errno == EINPROGRESS ? ETIMEDOUT : errno;
        close (fd);
        fd = -1;
    }
    freeaddrinfo (res);
    if (fd < 0)
        snprintf (err, errlen, "%s:%s: %s", self->host, self->port, strerror (last));
    return fd;
}

//  Case-insensitive search for a header NAME in HEAD[0..len) (the header
//  block, lines ending in CRLF); its trimmed value is copied to OUT.
static int
s_header (const char *head, size_t len, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen (name);
    const char *p = head, *end = head + len;
    while (p < end) {
        const char *eol = memchr (p, '\n', (size_t) (end - p));
        if (!eol)
            eol = end;
        if ((size_t) (eol - p) > nlen && strncasecmp (p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1, *ve = eol;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            snprintf (out, outlen, "%.*s", (int) (ve - v), v);
            return 0;
        }
        p = eol + 1;
    }
    return -1;
}

//  Decodes a chunked body in DATA[0..len) into BODY.
static int
s_unchunk (const char *data, size_t len, hl_buf_t *body, char *err, size_t errlen)
{
    const char *p = data, *end = data + len;
    for (;;) {
        const char *eol = NULL;
        for (const char *q = p; q + 1 < end; q++)
            if (q[0] == '\r' && q[1] == '\n') {
                eol = q;
                break;
            }
        if (!eol) {
            snprintf (err, errlen, "chunked body cut short");
            return -1;
        }
        size_t size = 0;
        const char *q = p;
        for (; q < eol && *q != ';'; q++) {
            int d = *q >= '0' && *q <= '9' ? *q - '0'
                  : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10
                  : *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
            if (d < 0 || size > HL_TOP_HTTP_MAX_REPLY) {
                snprintf (err, errlen, "bad chunk size");
                return -1;
            }
            size = size * 16 + (size_t) d;
        }
        if (q == p) {
            snprintf (err, errlen, "bad chunk size");
            return -1;
        }
        p = eol + 2;
        if (size == 0)
            return 0;            //  trailers, if any, are not needed
        if ((size_t) (end - p) < size + 2 || p[size] != '\r' || p[size + 1] != '\n') {
            snprintf (err, errlen, "chunk cut short");
            return -1;
        }
        hl_buf_append (body, p, size);
        p += size + 2;
    }
}

//  The reply is parsed once the connection has ended, so every framing
//  (length, chunks, end of connection) is checked against the bytes
//  that really came.
int
hl_top_http_parse_reply (const char *data, size_t len, int *status, hl_buf_t *body,
                         char *err, size_t errlen)
{
    hl_buf_reset (body);
    hl_buf_append (body, "", 0);
    const char *head_end = NULL;
    for (size_t i = 0; i + 3 < len; i++)
        if (memcmp (data + i, "\r\n\r\n", 4) == 0) {
            head_end = data + i + 2;
            break;
        }
    if (len < 12 || strncmp (data, "HTTP/1.", 7) != 0 || (data[7] != '0' && data[7] != '1')
        || data[8] != ' ') {
        snprintf (err, errlen, "not an HTTP/1.x reply");
        return -1;
    }
    if (!head_end) {
        snprintf (err, errlen, "reply headers cut short");
        return -1;
    }
    int code = 0;
    for (int i = 9; i < 12; i++) {
        if (data[i] < '0' || data[i] > '9') {
            snprintf (err, errlen, "bad status line");
            return -1;
        }
        code = code * 10 + (data[i] - '0');
    }
    if (code < 100 || (len > 12 && data[12] != ' ' && data[12] != '\r')) {
        snprintf (err, errlen, "bad status line");
        return -1;
    }
    const char *eol = memchr (data, '\n', (size_t) (head_end - data));
    const char *headers = eol + 1;
    size_t hlen = (size_t) (head_end - headers);
    const char *payload = head_end + 2;
    size_t plen = (size_t) (data + len - payload);
    char value[64];
    if (s_header (headers, hlen, "Transfer-Encoding", value, sizeof value) == 0) {
        if (strcasecmp (value, "chunked") != 0) {
            snprintf (err, errlen, "unsupported transfer coding '%s'", value);
            return -1;
        }
        if (s_unchunk (payload, plen, body, err, errlen) != 0)
            return -1;
    }
    else
    if (s_header (headers, hlen, "Content-Length", value, sizeof value) == 0) {
        char *endp = NULL;
        errno = 0;
        unsigned long long want = strtoull (value, &endp, 10);
        if (!*value || *endp || errno || value[0] == '-' || want > HL_TOP_HTTP_MAX_REPLY) {
            snprintf (err, errlen, "bad Content-Length '%s'", value);
            return -1;
        }
        if (plen < want) {
            snprintf (err, errlen, "body cut short (%zu of %llu bytes)", plen, want);
            return -1;
        }
        hl_buf_append (body, payload, (size_t) want);
    }
    else
        hl_buf_append (body, payload, plen);
    *status = code;
    return 0;
}

//  One request on a fresh connection, read to its end: hotlined closes
//  after each reply when asked to, which frames every kind of body.
int
hl_top_http_get (hl_top_http_t *self, const char *path, int *status, hl_buf_t *body,
                 char *err, size_t errlen)
{
    err[0] = 0;
    if (!path || path[0] != '/') {
        snprintf (err, errlen, "path must start with '/'");
        return -1;
    }
    for (const char *p = path; *p; p++)
        if ((unsigned char) *p <= 0x20 || *p == 0x7F) {
            snprintf (err, errlen, "path has a blank or control character");
            return -1;
        }
    long long deadline = s_now_ms () + self->timeout_ms;
    int fd = s_connect (self, deadline, err, errlen);
    if (fd < 0)
        return -1;
    hl_buf_t req = HL_BUF_INIT;
    hl_buf_printf (&req, "GET %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n", path,
                   strchr (self->host, ':') ? "[" : "", self->host,
                   strchr (self->host, ':') ? "]" : "", self->port);
    if (*self->token)
        hl_buf_printf (&req, "Authorization: Bearer %s\r\n", self->token);
    hl_buf_puts (&req, "Accept: application/json\r\nUser-Agent: hotline-top\r\n"
                       "Connection: close\r\n\r\n");
    size_t sent = 0;
    int rc = -1;
    hl_buf_t in = HL_BUF_INIT;
    while (sent < req.len) {
        ssize_t n = send (fd, req.data + sent, req.len - sent, MSG_NOSIGNAL);
        if (n > 0)
            sent += (size_t) n;
        else
        if (n < 0 && errno == EINTR)
            continue;
        else
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && s_wait (fd, POLLOUT, deadline) == 0)
            continue;
        else {
            snprintf (err, errlen, "sending the request: %s", n < 0 ? strerror (errno) : "timed out");
            goto done;
        }
    }
    for (;;) {
        if (s_wait (fd, POLLIN, deadline) != 0) {
            snprintf (err, errlen, "no complete reply within %d ms", self->timeout_ms);
            goto done;
        }
        hl_buf_reserve (&in, 65536);
        ssize_t n = recv (fd, in.data + in.len, 65536, 0);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            snprintf (err, errlen, "reading the reply: %s", strerror (errno));
            goto done;
        }
        in.len += (size_t) n;
        if (in.len > HL_TOP_HTTP_MAX_REPLY) {
            snprintf (err, errlen, "reply larger than %u bytes", HL_TOP_HTTP_MAX_REPLY);
            goto done;
        }
    }
    rc = hl_top_http_parse_reply (in.data ? in.data : "", in.len, status, body, err, errlen);
done:
    close (fd);
    hl_buf_free (&req);
    hl_buf_free (&in);
    return rc;
}
