/*  Unit test of hl_httpd: requests and replies, and every limit a client
 *  can run into. One thread: the test's client sockets are non-blocking
 *  and the server's loop is pumped between their steps.
 */
#include "hl_buf.h"
#include "hl_httpd.h"
#include "hl_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static struct event_base *s_base;
static hl_httpd_req_t *s_held;           //  a request the handler keeps
static int s_gone_calls;

static void
s_on_gone (hl_httpd_req_t *req, void *arg)
{
    (void) arg;
    HL_CHECK (req == s_held && hl_httpd_req_gone (req));
    s_gone_calls++;
}

static void
s_handler (hl_httpd_req_t *req, void *arg)
{
    (void) arg;
    const char *path = hl_httpd_req_path (req);
    char who[32];
    if (strcmp (path, "/hello") == 0) {
        if (hl_httpd_req_param (req, "who", who, sizeof who) != 1)
            snprintf (who, sizeof who, "world");
        char body[64];
        int n = snprintf (body, sizeof body, "hi %s", who);
        hl_httpd_add_header (req, "X-Test", "1");
        hl_httpd_reply (req, 200, "text/plain", body, (size_t) n);
    }
    else
    if (strcmp (path, "/echo") == 0) {
        size_t len;
        const char *body = hl_httpd_req_body (req, &len);
        hl_httpd_reply (req, 200, "text/plain", body, len);
    }
    else
    if (strcmp (path, "/hold") == 0 || strcmp (path, "/stream") == 0) {
        s_held = req;
        hl_httpd_req_set_gone_fn (req, s_on_gone, NULL);
        if (path[1] == 's')
            HL_CHECK (hl_httpd_stream_begin (req, 200, "text/event-stream") == 0);
    }
    else
        hl_httpd_reply_error (req, 404, "not_found", "no such page");
}

static void
s_pump (int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit (s_base, &tv);
    event_base_dispatch (s_base);
}

static hl_httpd_t *
s_server (hl_httpd_opts_t *opts, int *port)
{
    //  Port 0 is refused by design (HOST:PORT must name a port), so take a
    //  free one from the kernel first.
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    bind (fd, (struct sockaddr *) &sa, sizeof sa);
    getsockname (fd, (struct sockaddr *) &sa, &len);
    *port = ntohs (sa.sin_port);
    close (fd);
    char address[32], err[256];
    snprintf (address, sizeof address, "127.0.0.1:%d", *port);
    opts->address = address;
    hl_httpd_t *server = hl_httpd_new (s_base, opts, s_handler, NULL, err, sizeof err);
    if (!server)
        fprintf (stderr, "server: %s\n", err);
    return server;
}

static int
s_connect (int port, int rcvbuf)
{
    int fd = hl_test_connect (port, rcvbuf);
    HL_CHECK (fd >= 0);
    fcntl (fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void
s_send (int fd, const char *text)
{
    HL_CHECK (send (fd, text, strlen (text), MSG_NOSIGNAL) == (ssize_t) strlen (text));
}

//  What has arrived on FD (pumping the loop while nothing has), NUL
//  terminated; *CLOSED is set when the server closed the connection.
static char *
s_recv (int fd, int *closed)
{
    static char buf[65536];
    size_t n = 0;
    *closed = 0;
    for (int round = 0; round < 50; round++) {
        s_pump (10);
        for (;;) {
            ssize_t r = recv (fd, buf + n, sizeof buf - 1 - n, 0);
            if (r > 0) {
                n += (size_t) r;
                continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                *closed = 1;
            break;
        }
        if (n > 0 || *closed)
            break;
    }
    buf[n] = 0;
    return buf;
}

static void
test_requests (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    int port, closed;
    hl_httpd_t *server = s_server (&opts, &port);
    HL_CHECK (server != NULL);
    int fd = s_connect (port, 0);
    s_send (fd, "GET /hello?who=%E5%B8%82%E6%B0%91 HTTP/1.1\r\nHost: x\r\n\r\n");
    char *r = s_recv (fd, &closed);
    HL_CHECK (strncmp (r, "HTTP/1.1 200 OK\r\n", 17) == 0);
    HL_CHECK (strstr (r, "\r\nX-Test: 1\r\n") && strstr (r, "\r\nContent-Length: 9\r\n"));
    HL_CHECK (strstr (r, "\r\n\r\nhi 市民") != NULL);
    HL_CHECK (!closed);
    //  The same connection serves the next request, and a body.
    s_send (fd, "POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde");
    r = s_recv (fd, &closed);
    HL_CHECK (strstr (r, "200 OK") && strstr (r, "\r\n\r\nabcde"));
    s_send (fd, "GET /nowhere HTTP/1.1\r\nConnection: close\r\n\r\n");
    r = s_recv (fd, &closed);
    HL_CHECK (strstr (r, "404 Not Found") && strstr (r, "\"code\":\"not_found\""));
    HL_CHECK (strstr (r, "Connection: close"));
    s_recv (fd, &closed);
    HL_CHECK (closed);
    close (fd);
    hl_httpd_stats_t st;
    hl_httpd_stats (server, &st);
    HL_CHECK (st.accepted == 1 && st.open == 0 && st.bad_requests == 0);
    hl_httpd_destroy (&server);
}

static void
test_connection_limit (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    opts.max_connections = 3;
    int port, closed, fd[5];
    hl_httpd_t *server = s_server (&opts, &port);
    for (int i = 0; i < 5; i++) {
        fd[i] = s_connect (port, 0);
        s_pump (5);
    }
    for (int i = 3; i < 5; i++) {
        char *r = s_recv (fd[i], &closed);
        HL_CHECK (strstr (r, "503 Service Unavailable") && strstr (r, "\"code\":\"busy\""));
    }
    //  The first three are served, and a slot freed is a slot for the next.
    s_send (fd[0], "GET /hello HTTP/1.1\r\n\r\n");
    HL_CHECK (strstr (s_recv (fd[0], &closed), "hi world") != NULL);
    close (fd[1]);
    s_pump (20);
    int again = s_connect (port, 0);
    s_send (again, "GET /hello HTTP/1.1\r\n\r\n");
    HL_CHECK (strstr (s_recv (again, &closed), "hi world") != NULL);
    hl_httpd_stats_t st;
    hl_httpd_stats (server, &st);
    HL_CHECK (st.refused == 2 && st.open == 3);
    for (int i = 0; i < 5; i++)
        if (i != 1)
            close (fd[i]);
    close (again);
    hl_httpd_destroy (&server);
}

static void
test_timeouts (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    opts.head_timeout_ms = 200;
    int port, closed;
    hl_httpd_t *server = s_server (&opts, &port);
    int idle = s_connect (port, 0), slow = s_connect (port, 0);
    s_pump (20);
    s_send (slow, "GET /hello HT");
    //  A byte at a time does not stretch the deadline.
    for (int i = 0; i < 3; i++) {
        s_pump (60);
        s_send (slow, "T");
    }
    s_pump (200);
    char *r = s_recv (slow, &closed);
    HL_CHECK (strstr (r, "408 Request Timeout") && strstr (r, "\"code\":\"timeout\""));
    s_recv (idle, &closed);
    HL_CHECK (closed);
    hl_httpd_stats_t st;
    hl_httpd_stats (server, &st);
    HL_CHECK (st.timed_out == 2);
    close (idle);
    close (slow);
    hl_httpd_destroy (&server);
}

static void
test_sizes (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    opts.max_head_bytes = 1024;
    opts.max_body_bytes = 16;
    int port, closed;
    hl_httpd_t *server = s_server (&opts, &port);
    int fd = s_connect (port, 0);
    char big[2048] = "GET / HTTP/1.1\r\nX-Pad: ";
    memset (big + strlen (big), 'a', 1500);
    s_send (fd, big);
    HL_CHECK (strstr (s_recv (fd, &closed), "431 ") != NULL);
    close (fd);
    fd = s_connect (port, 0);
    s_send (fd, "POST /echo HTTP/1.1\r\nContent-Length: 17\r\n\r\n");
    HL_CHECK (strstr (s_recv (fd, &closed), "413 ") != NULL);
    close (fd);
    fd = s_connect (port, 0);
    s_send (fd, "GET /hello HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    char *r = s_recv (fd, &closed);
    HL_CHECK (strstr (r, "501 ") && strstr (r, "\"code\":\"unsupported\""));
    close (fd);
    fd = s_connect (port, 0);
    s_send (fd, "GARBAGE\r\n\r\n");
    r = s_recv (fd, &closed);
    HL_CHECK (strstr (r, "400 ") && strstr (r, "\"code\":\"bad_request\""));
    close (fd);
    hl_httpd_stats_t st;
    hl_httpd_stats (server, &st);
    HL_CHECK (st.bad_requests == 4);
    hl_httpd_destroy (&server);
}

static void
test_client_gone (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    int port;
    hl_httpd_t *server = s_server (&opts, &port);
    int fd = s_connect (port, 0);
    s_send (fd, "GET /hold HTTP/1.1\r\n\r\n");
    s_pump (20);
    HL_CHECK (s_held && !hl_httpd_req_gone (s_held));
    s_gone_calls = 0;
    close (fd);
    s_pump (20);
    HL_CHECK (s_gone_calls == 1 && hl_httpd_req_gone (s_held));
    //  A late answer (Redis replied after the client left) is dropped.
    hl_httpd_reply (s_held, 200, "text/plain", "late", 4);
    s_held = NULL;
    hl_httpd_stats_t st;
    hl_httpd_stats (server, &st);
    HL_CHECK (st.open == 0);
    hl_httpd_destroy (&server);
}

static void
test_slow_stream (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    opts.max_backlog_bytes = 32768;
    int port, closed;
    hl_httpd_t *server = s_server (&opts, &port);
    int fd = s_connect (port, 4096);
    s_send (fd, "GET /stream HTTP/1.1\r\n\r\n");
    s_pump (20);
    HL_CHECK (s_held != NULL);
    char chunk[4096];
    memset (chunk, 'e', sizeof chunk);
    int writes = 0;
    while (writes < 1000 && hl_httpd_stream_write (s_held, chunk, sizeof chunk) == 0) {
        writes++;
        s_pump (1);
    }
    //  Dropped after its backlog and the bounded socket buffers filled:
    //  a few hundred kilobytes at most, never without bound.
    HL_CHECK (writes > 4 && writes < 200);
    HL_CHECK (hl_httpd_req_gone (s_held));
    hl_httpd_stream_end (s_held);
    s_held = NULL;
    hl_httpd_stats_t st;
    hl_httpd_stats (server, &st);
    HL_CHECK (st.slow_dropped == 1 && st.open == 0 && st.streams == 0);
    //  What was written before the drop is still readable, then the end.
    char *r = s_recv (fd, &closed);
    HL_CHECK (strncmp (r, "HTTP/1.1 200 OK\r\n", 17) == 0);
    close (fd);
    hl_httpd_destroy (&server);
}

static void
test_write_timeout (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    opts.write_timeout_ms = 200;
    opts.max_backlog_bytes = 1 << 20;
    int port;
    hl_httpd_t *server = s_server (&opts, &port);
    int fd = s_connect (port, 4096);
    s_send (fd, "GET /stream HTTP/1.1\r\n\r\n");
    s_pump (20);
    static char chunk[65536];
    memset (chunk, 'e', sizeof chunk);
    s_gone_calls = 0;
    //  The socket buffers fill, then a little waits in the backlog, below
    //  its limit: the client makes no progress and is dropped for that.
    for (int i = 0; i < 8; i++) {
        HL_CHECK (hl_httpd_stream_write (s_held, chunk, sizeof chunk) == 0);
        s_pump (5);
    }
    s_pump (500);
    HL_CHECK (s_gone_calls == 1 && hl_httpd_req_gone (s_held));
    hl_httpd_stream_end (s_held);
    s_held = NULL;
    hl_httpd_stats_t st;
    hl_httpd_stats (server, &st);
    HL_CHECK (st.slow_dropped == 1 && st.open == 0);
    close (fd);
    hl_httpd_destroy (&server);
}

static void
test_bad_address (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    char err[256];
    const char *bad[] = { "", "localhost", "127.0.0.1", "127.0.0.1:99999", "x:y" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        opts.address = bad[i];
        HL_CHECK (hl_httpd_new (s_base, &opts, s_handler, NULL, err, sizeof err) == NULL);
    }
}

//  A service with its own error format renders the server's refusals.
static const char *
s_refusal (int status, const char *code, const char *message, const char *path, void *body,
           void *arg)
{
    (void) arg;
    hl_buf_printf (body, "<e s=\"%d\" c=\"%s\" p=\"%s\">%s</e>", status, code,
                   path ? path : "-", message);
    return "text/xml";
}

static void
test_refusal_format (void)
{
    hl_httpd_opts_t opts;
    hl_httpd_opts_default (&opts);
    opts.max_body_bytes = 16;
    opts.refusal = s_refusal;
    int port, closed;
    hl_httpd_t *server = s_server (&opts, &port);
    int fd = s_connect (port, 0);
    s_send (fd, "POST /echo.xml HTTP/1.1\r\nContent-Length: 17\r\n\r\n");
    char *r = s_recv (fd, &closed);
    HL_CHECK (strstr (r, "413 ") && strstr (r, "Content-Type: text/xml\r\n"));
    HL_CHECK (strstr (r, "<e s=\"413\" c=\"too_large\" p=\"/echo.xml\">") != NULL);
    close (fd);
    fd = s_connect (port, 0);
    s_send (fd, "GARBAGE\r\n\r\n");
    r = s_recv (fd, &closed);
    HL_CHECK (strstr (r, "400 ") && strstr (r, "p=\"-\""));
    close (fd);
    hl_httpd_destroy (&server);
}

static const hl_test_case_t s_cases[] = {
    { "requests", test_requests }, { "connection_limit", test_connection_limit },
    { "timeouts", test_timeouts }, { "sizes", test_sizes }, { "client_gone", test_client_gone },
    { "slow_stream", test_slow_stream }, { "write_timeout", test_write_timeout },
    { "bad_address", test_bad_address }, { "refusal_format", test_refusal_format },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    s_base = event_base_new ();
    int rc = hl_test_main (s_cases, argc, argv);
    event_base_free (s_base);
    return rc;
}
