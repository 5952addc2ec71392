/*  Black-box tests of hotlined's hardening: whatever arrives at the
 *  dashboard port or in a burst of queries, intake keeps acknowledging
 *  complaints; a stop takes bounded time; the supervisor token is a
 *  secret; callers' details are sealed at rest.
 */
#include "hl_client.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define TOKEN "limits-supervisor-token-0123456789"

//  Wait up to TIMEOUT_MS for data or the end on FD; the bytes read (0 at
//  the end, -1 on timeout) into BUF.
static ssize_t
s_read (int fd, char *buf, size_t len, int timeout_ms)
{
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t n = recv (fd, buf, len - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : n;
}

//  One GET on a new connection; the whole answer in BUF.
static int
s_get (int port, const char *path, const char *token, char *buf, size_t len)
{
    int fd = hl_test_connect (port, 0);
    if (fd < 0)
        return -1;
    char req[512];
    int n = snprintf (req, sizeof req, "GET %s HTTP/1.1\r\nConnection: close\r\n"
                      "Authorization: Bearer %s\r\n\r\n", path, token);
    if (send (fd, req, (size_t) n, MSG_NOSIGNAL) != n) {
        close (fd);
        return -1;
    }
    size_t got = 0;
    ssize_t r;
    while (got + 1 < len && (r = s_read (fd, buf + got, len - got, 3000)) > 0)
        got += (size_t) r;
    buf[got] = 0;
    close (fd);
    return (int) got;
}

static int
s_submit (hl_testenv_t *env, const char *content)
{
    const char *args[] = { "submit", "--channel", "web", "--type", "咨询", "--category", "SB.01",
                           "--area", "441702", "--phone", "13800138000", "--content", content,
                           NULL };
    return hl_testenv_client (env, args, NULL);
}

static long long
s_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  The value of the sample NAME{LABEL} in a Prometheus page, or -1.
static double
s_sample (const char *page, const char *name)
{
    const char *at = strstr (page, name);
    return at ? atof (at + strlen (name)) : -1;
}

static hl_testenv_t *
s_start (const char *name, int http_port, const char *const *extra)
{
    char http[32];
    snprintf (http, sizeof http, "127.0.0.1:%d", http_port);
    const char *args[32] = { "--http-endpoint", http };
    int n = 2;
    for (int i = 0; extra && extra[i] && n < 31; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    setenv ("HOTLINE_HTTP_TOKEN", TOKEN, 1);
    hl_testenv_t *env = hl_testenv_new (name);
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
    }
    return env;
}

//  A DEALER on the intake: requests are sent back to back, without
//  waiting, as a busy gateway would.
typedef struct {
    void *ctx, *sock;
    hl_buf_t packed;
} s_pipe_t;

static void
s_pipe_open (s_pipe_t *p, hl_testenv_t *env)
{
    memset (p, 0, sizeof *p);
    p->ctx = zmq_ctx_new ();
    p->sock = zmq_socket (p->ctx, ZMQ_DEALER);
    int linger = 0, timeout = 10000;
    zmq_setsockopt (p->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (p->sock, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    HL_CHECK (zmq_connect (p->sock, hl_testenv_endpoint (env)) == 0);
}

static void
s_pipe_send (s_pipe_t *p, Hotline__Envelope *e)
{
    e->has_version = 1;
    e->version = HL_WIRE_VERSION;
    hl_buf_reset (&p->packed);
    hl_wire_pack (e, &p->packed);
    HL_CHECK (zmq_send (p->sock, p->packed.data, p->packed.len, 0) == (int) p->packed.len);
}

//  The next answer, or NULL after 10 s.
static Hotline__Envelope *
s_pipe_recv (s_pipe_t *p)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    Hotline__Envelope *e = NULL;
    if (zmq_msg_recv (&msg, p->sock, 0) >= 0)
        e = hotline__envelope__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
    zmq_msg_close (&msg);
    return e;
}

static void
s_pipe_close (s_pipe_t *p)
{
    hl_buf_free (&p->packed);
    zmq_close (p->sock);
    zmq_ctx_term (p->ctx);
}

//  A web inquiry whose request id is RID.
static void
s_pipe_complaint (s_pipe_t *p, const char *rid, const char *content)
{
    char unused[33];
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_WEB, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY,
                          "SB.01", "441702", content, unused);
    c.request_id = hl_wire_bytes (rid);
    Hotline__Envelope e = HOTLINE__ENVELOPE__INIT;
    e.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    e.complaint = &c;
    s_pipe_send (p, &e);
}

//  Sends complaint I of TAG (request id TAG-NNNNNN) on P.
static void
s_flood_one (s_pipe_t *p, const char *tag, int i)
{
    char rid[64], content[96];
    snprintf (rid, sizeof rid, "%s-%06d", tag, i);
    snprintf (content, sizeof content, "江城区东风路第%d号路灯不亮，晚上行人看不见路", i);
    s_pipe_complaint (p, rid, content);
}

//  N complaints back to back, each refused-for-now one sent again (as a
//  client does: a loaded store may answer store_timeout); how many were
//  acknowledged after at most five rounds.
static int
s_flood_complaints (hl_testenv_t *env, const char *tag, int n)
{
    s_pipe_t p;
    s_pipe_open (&p, env);
    char *again = calloc ((size_t) n, 1);
    int acks = 0, sent = n;
    for (int i = 0; i < n; i++)
        s_flood_one (&p, tag, i);
    for (int round = 0; round < 5 && sent > 0; round++) {
        int expect = sent;
        sent = 0;
        for (int k = 0; k < expect; k++) {
            Hotline__Envelope *e = s_pipe_recv (&p);
            if (!e)
                break;
            size_t plen = strlen (tag);
            char digits[16] = "";
            if (e->has_request_id && e->request_id.len > plen + 1
                && e->request_id.len - plen - 1 < sizeof digits)
                memcpy (digits, e->request_id.data + plen + 1, e->request_id.len - plen - 1);
            int i = *digits ? atoi (digits) : -1;
            if (e->body_case == HOTLINE__ENVELOPE__BODY_ACK)
                acks++;
            else
            if (i >= 0 && i < n && e->body_case == HOTLINE__ENVELOPE__BODY_NACK
                && e->nack->retryable)
                again[i] = 1;
            hl_wire_free (&e);
        }
        for (int i = 0; i < n; i++)
            if (again[i]) {
                again[i] = 0;
                s_flood_one (&p, tag, i);
                sent++;
            }
    }
    free (again);
    s_pipe_close (&p);
    return acks;
}

//  Two hundred connections that say nothing, on a port that takes 32:
//  the rest are told "busy" at once, the 32 are closed at the head
//  timeout, and complaints are acknowledged all along.
static void
test_dashboard_flood (void)
{
    int port = hl_proc_free_port ();
    const char *extra[] = { "--http-max-connections", "32", "--http-head-timeout-ms", "1500",
                            NULL };
    hl_testenv_t *env = s_start ("flood", port, extra);
    if (!env)
        return;
    int fds[200], busy = 0;
    char buf[4096];
    for (int i = 0; i < 200; i++)
        fds[i] = hl_test_connect (port, 0);
    for (int i = 0; i < 200; i++)
        if (fds[i] >= 0 && s_read (fds[i], buf, sizeof buf, i < 32 ? 1 : 1000) > 0
            && strstr (buf, "503 Service Unavailable") && strstr (buf, "\"busy\""))
            busy++;
    HL_CHECK (busy == 168);
    long long t0 = s_ms ();
    HL_CHECK (s_submit (env, "占着连接时的投诉一") == 0);
    HL_CHECK (s_submit (env, "占着连接时的投诉二") == 0);
    HL_CHECK (s_ms () - t0 < 5000);
    //  The silent ones are closed by the head timeout, with no answer.
    int closed = 0;
    for (int i = 0; i < 32; i++)
        closed += fds[i] >= 0 && s_read (fds[i], buf, sizeof buf, 3000) == 0;
    HL_CHECK (closed == 32);
    for (int i = 0; i < 200; i++)
        if (fds[i] >= 0)
            close (fds[i]);
    //  An oversized head is refused; the figures count every refusal.
    char big[20000];
    int n = snprintf (big, sizeof big, "GET /metrics HTTP/1.1\r\nX-Pad: ");
    memset (big + n, 'a', sizeof big - (size_t) n - 1);
    big[sizeof big - 1] = 0;
    int fd = hl_test_connect (port, 0);
    HL_CHECK (send (fd, big, strlen (big), MSG_NOSIGNAL) > 0);
    HL_CHECK (s_read (fd, buf, sizeof buf, 3000) > 0 && strstr (buf, "431 "));
    close (fd);
    static char page[65536];
    HL_CHECK (s_get (port, "/metrics", TOKEN, page, sizeof page) > 0);
    HL_CHECK (strstr (page, "200 OK") != NULL);
    HL_CHECK (s_sample (page, "hotline_http_refused_total{reason=\"connection_limit\"} ") == 168);
    HL_CHECK (s_sample (page, "hotline_http_refused_total{reason=\"timeout\"} ") >= 32);
    HL_CHECK (s_sample (page, "hotline_http_refused_total{reason=\"bad_request\"} ") >= 1);
    HL_CHECK (s_get (port, "/metrics", "wrong-token-wrong-token", page, sizeof page) > 0
              && strstr (page, "401 ") && strstr (page, "\"unauthorized\""));
    hl_testenv_destroy (&env);
}

//  A live-event client that never reads is dropped once its backlog is
//  full, and counted; hotlined goes on.
static void
test_slow_stream (void)
{
    int port = hl_proc_free_port ();
    const char *extra[] = { "--http-stream-backlog-kb", "16", "--http-write-timeout-ms", "60000",
                            NULL };
    hl_testenv_t *env = s_start ("slow", port, extra);
    if (!env)
        return;
    int fd = hl_test_connect (port, 2048);
    char req[256], buf[4096];
    int n = snprintf (req, sizeof req, "GET /events HTTP/1.1\r\nAuthorization: Bearer %s\r\n\r\n",
                      TOKEN);
    HL_CHECK (send (fd, req, (size_t) n, MSG_NOSIGNAL) == n);
    usleep (200000);
    //  Each new ticket is an event on the stream; none is read.
    HL_CHECK (s_flood_complaints (env, "slow", 1500) == 1500);
    static char page[65536];
    HL_CHECK (s_get (port, "/metrics", TOKEN, page, sizeof page) > 0);
    HL_CHECK (s_sample (page, "hotline_http_refused_total{reason=\"slow_reader\"} ") == 1);
    HL_CHECK (s_sample (page, "hotline_http_connections{kind=\"stream\"} ") == 0);
    //  What it was sent before the drop, then the end.
    ssize_t r;
    size_t total = 0;
    while ((r = s_read (fd, buf, sizeof buf, 3000)) > 0)
        total += (size_t) r;
    HL_CHECK (r == 0 && total > 0);
    close (fd);
    hl_testenv_destroy (&env);
}

//  Queries past their bound are refused "busy"; a complaint sent in the
//  middle of the burst is acknowledged.
static void
test_query_burst (void)
{
    int port = hl_proc_free_port ();
    const char *extra[] = { "--max-queries-inflight", "4", NULL };
    hl_testenv_t *env = s_start ("burst", port, extra);
    if (!env)
        return;
    s_pipe_t p;
    s_pipe_open (&p, env);
    Hotline__TicketListQuery q = HOTLINE__TICKET_LIST_QUERY__INIT;
    q.has_caller_phone = 1;
    q.caller_phone = hl_wire_bytes ("13800138000");
    Hotline__Envelope e_q = HOTLINE__ENVELOPE__INIT;
    e_q.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    e_q.ticket_list_query = &q;
    const int queries = 300;
    for (int i = 0; i < queries; i++) {
        if (i == queries / 2)
            s_pipe_complaint (&p, "burst-complaint-0001", "查询高峰时的投诉");
        s_pipe_send (&p, &e_q);
    }
    int lists = 0, busy = 0, acks = 0, other = 0;
    for (int i = 0; i < queries + 1; i++) {
        Hotline__Envelope *e = s_pipe_recv (&p);
        if (!e)
            break;
        if (e->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST)
            lists++;
        else
        if (e->body_case == HOTLINE__ENVELOPE__BODY_ACK)
            acks++;
        else
        if (e->body_case == HOTLINE__ENVELOPE__BODY_NACK
            && e->nack->code == HOTLINE__ERROR_CODE__ERROR_OVERLOADED && e->nack->retryable
            && strstr (e->nack->message, "busy"))
            busy++;
        else
            other++;
        hl_wire_free (&e);
    }
    fprintf (stderr, "burst: %d lists, %d busy, %d acks, %d other\n", lists, busy, acks, other);
    HL_CHECK (acks == 1 && other == 0);
    HL_CHECK (lists + busy == queries && busy > 0 && lists >= 4);
    s_pipe_close (&p);
    hl_testenv_destroy (&env);
}

//  SIGTERM with a full similar-ticket queue: exit 0 within the stop
//  timeout; the next start finds the journal and indexes what was left.
static void
test_stop_bounded (void)
{
    int port = hl_proc_free_port ();
    char dir[] = "/tmp/hl-stop-XXXXXX", db[64];
    HL_CHECK (mkdtemp (dir) != NULL);
    snprintf (db, sizeof db, "%s/tickets.db", dir);
    const char *extra[] = { "--stop-timeout-ms", "2000", "--tickets-db", db, NULL };
    hl_testenv_t *env = s_start ("stop", port, extra);
    if (!env)
        return;
    HL_CHECK (s_flood_complaints (env, "stop", 2000) == 2000);
    long long t0 = s_ms ();
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 10000) == 0);
    long long took = s_ms () - t0;
    fprintf (stderr, "stop took %lld ms\n", took);
    //  Bounded, not fast: the stop's 2 s, plus room for a loaded machine to
    //  run the sanitizers' exit (an unbounded stop took minutes).
    HL_CHECK (took < 2000 + 6000);
    hl_testenv_destroy (&env);
    char cmd[200];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    HL_CHECK (system (cmd) == 0);
}

//  The token comes from a file only its owner can read, or the
//  environment: a file others can read is refused at start, by name.
static void
test_token_file (void)
{
    hl_testenv_t *env = hl_testenv_new ("token");
    HL_CHECK (hl_testenv_redis_start (env) == 0);
    char path[512], http[32];
    snprintf (path, sizeof path, "%s/token", hl_testenv_dir (env));
    snprintf (http, sizeof http, "127.0.0.1:%d", hl_proc_free_port ());
    FILE *f = fopen (path, "w");
    fputs (TOKEN "\n", f);
    fclose (f);
    chmod (path, 0644);
    unsetenv ("HOTLINE_HTTP_TOKEN");
    const char *args[] = { "--http-endpoint", http, "--http-token-file", path, NULL };
    hl_testenv_daemon_spawn (env, args);
    HL_CHECK (hl_testenv_daemon_wait (env, 10000) == 1);
    char cmd[700];
    snprintf (cmd, sizeof cmd, "grep -q 'chmod 600' '%s'", hl_testenv_daemon_log (env));
    HL_CHECK (system (cmd) == 0);
    chmod (path, 0600);
    HL_CHECK (hl_testenv_daemon_start (env, args) == 0);
    hl_testenv_destroy (&env);
}

//  With a personal-data key, neither Redis's key names nor the ticket's
//  stored values hold the caller's number or name; hotline still shows
//  them and finds the caller's tickets.
static void
test_pii_at_rest (void)
{
    setenv ("HOTLINE_PII_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    hl_testenv_t *env = s_start ("pii", hl_proc_free_port (), NULL);
    unsetenv ("HOTLINE_PII_KEY");
    if (!env)
        return;
    const char *submit[] = { "submit", "--channel", "phone", "--type", "投诉", "--category",
                             "HB.03", "--area", "441702", "--phone", "13912345678",
                             "--name", "张三丰", "--content", "楼下烧烤店噪音扰民", NULL };
    char *ticket = NULL, *out = NULL;
    HL_CHECK (hl_testenv_client (env, submit, &ticket) == 0 && ticket && *ticket);
    if (ticket)
        ticket[strcspn (ticket, "\n")] = 0;
    redisContext *r = hl_testenv_redis (env);
    HL_CHECK (hl_testenv_outbox_drained (env, 10000) == 0);
    redisReply *keys = redisCommand (r, "KEYS *");
    int leaks = 0, callers = 0;
    for (size_t i = 0; keys && i < keys->elements; i++) {
        const char *k = keys->element[i]->str;
        leaks += strstr (k, "13912345678") != NULL;
        callers += strncmp (k, HL_INDEX_PREFIX HL_CALLERIX_KIND ":",
                            strlen (HL_INDEX_PREFIX HL_CALLERIX_KIND ":")) == 0;
        redisReply *t = strstr (k, "}:t:") ? redisCommand (r, "HGETALL %s", k) : NULL;
        for (size_t j = 0; t && j < t->elements; j++)
            leaks += memmem (t->element[j]->str, t->element[j]->len, "13912345678", 11) != NULL
                  || memmem (t->element[j]->str, t->element[j]->len, "张三丰", 9) != NULL;
        if (t)
            freeReplyObject (t);
    }
    HL_CHECK (keys && leaks == 0 && callers == 1);
    if (keys)
        freeReplyObject (keys);
    const char *show[] = { "show", ticket ? ticket : "", NULL };
    HL_CHECK (hl_testenv_client (env, show, &out) == 0 && strstr (out, "13912345678")
              && strstr (out, "张三丰"));
    free (out);
    const char *list[] = { "list", "--caller", "13912345678", NULL };
    HL_CHECK (hl_testenv_client (env, list, &out) == 0 && ticket && strstr (out, ticket));
    free (out);
    free (ticket);
    hl_testenv_destroy (&env);
}

//  The answer to one complaint with request id RID, sent once.
static Hotline__Envelope *
s_file_once (hl_testenv_t *env, const char *rid)
{
    s_pipe_t p;
    s_pipe_open (&p, env);
    s_pipe_complaint (&p, rid, "复制确认测试：路灯不亮");
    Hotline__Envelope *e = s_pipe_recv (&p);
    s_pipe_close (&p);
    return e;
}

//  ack = replicated: a ticket is acknowledged once a replica has it; with
//  the replica frozen the caller is told to retry (never a false ack), and
//  the retry under the same request id gets the same ticket once it is
//  replicated.
static void
test_ack_replicated (void)
{
    hl_testenv_t *env = hl_testenv_new ("ack");
    const char *args[] = { "--ack", "replicated", "--ack-replicas", "1",
                           "--ack-timeout-ms", "1000", NULL };
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_replica_start (env) != 0
        || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
        return;
    }
    const char *status[] = { "status", NULL };
    char *out = NULL;
    HL_CHECK (hl_testenv_client (env, status, &out) == 0 && strstr (out, "ack replicated 1"));
    free (out);
    Hotline__Envelope *e = s_file_once (env, "ack-first-0001");
    if (e && e->body_case == HOTLINE__ENVELOPE__BODY_NACK)
        fprintf (stderr, "nack: %s\n", e->nack->message);
    HL_CHECK (e && e->body_case == HOTLINE__ENVELOPE__BODY_ACK);
    hl_wire_free (&e);

    hl_testenv_replica_pause (env, 1);
    long long t0 = s_ms ();
    e = s_file_once (env, "ack-second-0001");
    HL_CHECK (e && e->body_case == HOTLINE__ENVELOPE__BODY_NACK
              && e->nack->code == HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT && e->nack->retryable
              && strstr (e->nack->message, "replicas"));
    HL_CHECK (s_ms () - t0 < 5000);
    hl_wire_free (&e);
    hl_testenv_replica_pause (env, 0);
    e = s_file_once (env, "ack-second-0001");
    HL_CHECK (e && e->body_case == HOTLINE__ENVELOPE__BODY_ACK && e->ack->duplicate);
    hl_wire_free (&e);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "dashboard_flood", test_dashboard_flood }, { "slow_stream", test_slow_stream },
    { "query_burst", test_query_burst }, { "stop_bounded", test_stop_bounded },
    { "token_file", test_token_file }, { "pii_at_rest", test_pii_at_rest },
    { "ack_replicated", test_ack_replicated }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
