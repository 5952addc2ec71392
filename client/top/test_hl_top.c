/*  Unit tests of `hotline top`'s parts: the strict JSON reader, the HTTP
 *  client (reply parsing, and real requests to a small server on a
 *  loopback socket in a thread), terminal widths of Chinese text, and the
 *  frame laid out from API documents of the shape hotlined serves.
 */
#include "hl_top_frame.h"
#include "hl_top_http.h"
#include "hl_top_json.h"
#include "hl_top_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int s_failed;
static int s_checks;

#define CHECK(cond) do { s_checks++; if (!(cond)) { s_failed++; \
    fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)

//  ---------------------------------------------------------------------
//  JSON

//  Parses TEXT, which the test expects to be valid.
static hl_top_json_t *
s_parse (const char *text)
{
    char err[200];
    return hl_top_json_parse (text, strlen (text), err, sizeof err);
}

//  True if TEXT[0..len) is refused with a message naming the offset.
static int
s_refused (const char *text, size_t len)
{
    char err[200] = "";
    hl_top_json_t *doc = hl_top_json_parse (text, len, err, sizeof err);
    int refused = doc == NULL && strstr (err, "byte ") == err;
    if (!refused)
        fprintf (stderr, "accepted or no message: %.*s (%s)\n", (int) len, text, err);
    hl_top_json_destroy (&doc);
    return refused;
}

//  Valid documents read back exactly; every kind of invalid one refused.
static void
test_json (void)
{
    hl_top_json_t *doc = s_parse (" {\"open\":{\"signed\":3,\"to_dispatch\":0},\"rate\":null,"
                                  "\"list\":[1,-0.5e+2,true,false,\"\\u4e2d\\u6587\\n\"],"
                                  "\"emoji\":\"\\ud83d\\ude00\",\"name\":\"江城区\",\"e\":{},\"a\":[]} ");
    CHECK (doc);
    CHECK (hl_top_json_type (doc) == HL_TOP_JSON_OBJECT);
    CHECK (hl_top_json_num (hl_top_json_get (hl_top_json_get (doc, "open"), "signed"), -1) == 3);
    CHECK (hl_top_json_type (hl_top_json_get (doc, "rate")) == HL_TOP_JSON_NULL);
    CHECK (hl_top_json_num (hl_top_json_get (doc, "rate"), 7) == 7);
    CHECK (hl_top_json_num (hl_top_json_get (doc, "missing"), 9) == 9);
    const hl_top_json_t *list = hl_top_json_get (doc, "list");
    CHECK (hl_top_json_size (list) == 5);
    CHECK (hl_top_json_num (hl_top_json_at (list, 1), 0) == -50);
    CHECK (hl_top_json_bool (hl_top_json_at (list, 2), 0) == 1);
    CHECK (hl_top_json_bool (hl_top_json_at (list, 3), 1) == 0);
    CHECK (strcmp (hl_top_json_str (hl_top_json_at (list, 4)), "中文\n") == 0);
    CHECK (hl_top_json_at (list, 5) == NULL);
    CHECK (strcmp (hl_top_json_str (hl_top_json_get (doc, "emoji")), "\xF0\x9F\x98\x80") == 0);
    CHECK (strcmp (hl_top_json_str (hl_top_json_get (doc, "name")), "江城区") == 0);
    CHECK (strcmp (hl_top_json_key_at (doc, 0), "open") == 0);
    CHECK (hl_top_json_size (hl_top_json_get (doc, "e")) == 0);
    CHECK (hl_top_json_type (hl_top_json_get (doc, "a")) == HL_TOP_JSON_ARRAY);
    CHECK (hl_top_json_str (hl_top_json_get (doc, "open")) == NULL);
    hl_top_json_destroy (&doc);
    CHECK (doc == NULL);
    hl_top_json_destroy (&doc);

    doc = s_parse ("0");
    CHECK (doc && hl_top_json_num (doc, 1) == 0);
    hl_top_json_destroy (&doc);
    doc = s_parse ("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
    CHECK (doc && strcmp (hl_top_json_str (doc), "\"\\/\b\f\n\r\t") == 0);
    hl_top_json_destroy (&doc);

    static const char *bad[] = {
        "", " ", "{", "[", "[1,]", "{\"a\":1,}", "{\"a\":1,\"a\":2}", "{\"a\" 1}", "{a:1}",
        "01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "NaN", "Infinity", "1e999",
        "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
        "\"\\ud800\\u0041\"", "\"\\u0000\"", "[1] x", "[1]]", "{}{}", "'a'", "[1 2]",
        "\"\xC0\xAF\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xE4\xB8\"", "\"\x80\"",
        "\"tab\there\""
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK (s_refused (bad[i], strlen (bad[i])));
    CHECK (s_refused ("\"a\0b\"", 5));
    char deep[80];
    memset (deep, '[', 33);
    memset (deep + 33, ']', 33);
    deep[66] = 0;
    CHECK (s_refused (deep, strlen (deep)));
    doc = hl_top_json_parse (deep + 1, 64, NULL, 0);
    CHECK (doc);                 //  32 levels are fine
    hl_top_json_destroy (&doc);
    CHECK (hl_top_json_size (NULL) == 0 && hl_top_json_get (NULL, "a") == NULL);
}

//  ---------------------------------------------------------------------
//  HTTP

//  Replies framed every way hotlined or a proxy might, and broken ones;
//  addresses as users type them.
static void
test_http_parse (void)
{
    hl_buf_t body = HL_BUF_INIT;
    int status = 0;
    char err[200];
    const char *r1 = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
    CHECK (hl_top_http_parse_reply (r1, strlen (r1), &status, &body, err, sizeof err) == 0);
    CHECK (status == 200 && body.len == 7 && strcmp (body.data, "{\"a\":1}") == 0);
    const char *r2 = "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n"
                     "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n";
    CHECK (hl_top_http_parse_reply (r2, strlen (r2), &status, &body, err, sizeof err) == 0);
    CHECK (strcmp (body.data, "hello world") == 0);
    const char *r3 = "HTTP/1.0 401 Error\r\nServer: x\r\n\r\n{\"error\":{}}";
    CHECK (hl_top_http_parse_reply (r3, strlen (r3), &status, &body, err, sizeof err) == 0);
    CHECK (status == 401 && strcmp (body.data, "{\"error\":{}}") == 0);
    const char *r4 = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
    CHECK (hl_top_http_parse_reply (r4, strlen (r4), &status, &body, err, sizeof err) == 0);
    CHECK (status == 204 && body.len == 0 && body.data && !*body.data);

    static const char *bad[] = {
        "", "SSH-2.0-OpenSSH\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nab",
        "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1 099 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        int rc = hl_top_http_parse_reply (bad[i], strlen (bad[i]), &status, &body, err, sizeof err);
        CHECK (rc == -1 && *err);
        if (rc == 0)
            fprintf (stderr, "accepted: %s\n", bad[i]);
    }
    hl_buf_free (&body);

    static const char *good_addr[] = { "127.0.0.1:7180", "http://127.0.0.1:7180/", "[::1]:80",
                                       "localhost:1", "http://h:65535/?token=x" };
    for (size_t i = 0; i < sizeof good_addr / sizeof good_addr[0]; i++) {
        hl_top_http_t *h = hl_top_http_new (good_addr[i], "t", 100, err, sizeof err);
        CHECK (h);
        hl_top_http_destroy (&h);
        CHECK (h == NULL);
    }
    static const char *bad_addr[] = { "", "localhost", "h:0", "h:65536", "a:b:c", "h:12x",
                                      ":80", "[::1]80", "[::1]:" };
    for (size_t i = 0; i < sizeof bad_addr / sizeof bad_addr[0]; i++)
        CHECK (hl_top_http_new (bad_addr[i], "t", 100, err, sizeof err) == NULL && *err);
    CHECK (hl_top_http_new ("h:1", "bad token", 100, err, sizeof err) == NULL);
}

//  A one-connection server: reads the request head, keeps it, sends
//  REPLY (or nothing, holding the connection, when REPLY is NULL).
typedef struct {
    int fd;
    const char *reply;
    char request[2048];
} s_server_t;

//  Thread body of the one-connection server.
static void *
s_serve (void *arg)
{
    s_server_t *s = arg;
    int c = accept (s->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    size_t len = 0;
    while (len < sizeof s->request - 1 && !strstr (s->request, "\r\n\r\n")) {
        ssize_t n = read (c, s->request + len, sizeof s->request - 1 - len);
        if (n <= 0)
            break;
        len += (size_t) n;
        s->request[len] = 0;
    }
    if (s->reply) {
        size_t off = 0, total = strlen (s->reply);
        while (off < total) {          //  in small pieces, as a network may
            size_t piece = total - off < 7 ? total - off : 7;
            if (write (c, s->reply + off, piece) <= 0)
                break;
            off += piece;
        }
    }
    else
        sleep (2);
    close (c);
    return NULL;
}

//  A listening socket on a free loopback port.
static int
s_listen (int *port)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind (fd, (struct sockaddr *) &a, sizeof a) != 0 || listen (fd, 4) != 0
        || getsockname (fd, (struct sockaddr *) &a, &len) != 0)
        return -1;
    *port = ntohs (a.sin_port);
    return fd;
}

//  Monotonic milliseconds, to time the client's deadline.
static long long
s_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  Real requests: the request line and headers sent, the reply read in
//  small pieces, a server that never answers, nobody listening.
static void
test_http_live (void)
{
    char err[200], address[64];
    int port = 0;
    s_server_t srv = { 0 };
    srv.fd = s_listen (&port);
    CHECK (srv.fd >= 0);
    srv.reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                "Content-Length: 24\r\nConnection: close\r\n\r\n{\"items\":[\"热点\",1.5]}";
    pthread_t t;
    pthread_create (&t, NULL, s_serve, &srv);
    snprintf (address, sizeof address, "127.0.0.1:%d", port);
    hl_top_http_t *h = hl_top_http_new (address, "secret-token-0123456789", 2000, err, sizeof err);
    CHECK (h);
    hl_buf_t body = HL_BUF_INIT;
    int status = 0;
    CHECK (hl_top_http_get (h, "/api/hotspots?limit=20", &status, &body, err, sizeof err) == 0);
    pthread_join (t, NULL);
    CHECK (status == 200);
    CHECK (strstr (srv.request, "GET /api/hotspots?limit=20 HTTP/1.1\r\n") == srv.request);
    CHECK (strstr (srv.request, "\r\nAuthorization: Bearer secret-token-0123456789\r\n"));
    CHECK (strstr (srv.request, "\r\nHost: 127.0.0.1:"));
    CHECK (strstr (srv.request, "\r\nConnection: close\r\n"));
    hl_top_json_t *doc = hl_top_json_parse (body.data, body.len, err, sizeof err);
    CHECK (doc && strcmp (hl_top_json_str (hl_top_json_at (hl_top_json_get (doc, "items"), 0)),
                          "热点") == 0);
    hl_top_json_destroy (&doc);
    CHECK (hl_top_http_get (h, "no-slash", &status, &body, err, sizeof err) == -1);
    CHECK (hl_top_http_get (h, "/a b", &status, &body, err, sizeof err) == -1);
    hl_top_http_destroy (&h);

    //  A server that never answers: the deadline holds.
    srv.reply = NULL;
    srv.request[0] = 0;
    pthread_create (&t, NULL, s_serve, &srv);
    h = hl_top_http_new (address, NULL, 300, err, sizeof err);
    long long start = s_ms ();
    CHECK (hl_top_http_get (h, "/api/summary", &status, &body, err, sizeof err) == -1);
    long long took = s_ms () - start;
    CHECK (took >= 250 && took < 1500);
    CHECK (strstr (err, "300 ms"));
    pthread_join (t, NULL);
    CHECK (!strstr (srv.request, "Authorization"));
    hl_top_http_destroy (&h);

    //  Nobody listening: refused at once.
    close (srv.fd);
    h = hl_top_http_new (address, "x", 1000, err, sizeof err);
    CHECK (hl_top_http_get (h, "/api/summary", &status, &body, err, sizeof err) == -1);
    CHECK (strstr (err, "refused"));
    hl_top_http_destroy (&h);
    hl_buf_free (&body);
}

//  ---------------------------------------------------------------------
//  Text widths

//  Columns of ASCII and Chinese, cutting and padding, control characters.
static void
test_text (void)
{
    CHECK (hl_top_text_width ("abc") == 3);
    CHECK (hl_top_text_width ("中文") == 4);
    CHECK (hl_top_text_width ("江城区城市管理和综合执法局") == 26);
    CHECK (hl_top_text_width ("100.0% (1/1)") == 12);
    CHECK (hl_top_text_width ("") == 0 && hl_top_text_width (NULL) == 0);
    hl_buf_t b = HL_BUF_INIT;
    hl_top_text_fit (&b, "中文字", 5, 0);
    CHECK (strcmp (b.data, "中文…") == 0 && hl_top_text_width (b.data) == 5);
    hl_buf_reset (&b);
    hl_top_text_fit (&b, "中文字", 4, 0);
    CHECK (strcmp (b.data, "中… ") == 0 && hl_top_text_width (b.data) == 4);
    hl_buf_reset (&b);
    hl_top_text_fit (&b, "中", 5, 1);
    CHECK (strcmp (b.data, "   中") == 0);
    hl_buf_reset (&b);
    hl_top_text_fit (&b, "ab", 4, 0);
    CHECK (strcmp (b.data, "ab  ") == 0);
    hl_buf_reset (&b);
    hl_top_text_fit (&b, "\033[31mred", 8, 0);
    CHECK (strchr (b.data, '\033') == NULL && hl_top_text_width (b.data) == 8);
    hl_buf_reset (&b);
    hl_top_text_fit (&b, "abcdef", 3, 1);
    CHECK (strcmp (b.data, "ab…") == 0);
    hl_buf_free (&b);
}

//  ---------------------------------------------------------------------
//  The frame, from documents shaped as hotlined serves them

static const char *s_summary =
    "{\"now_ms\":1795761639000,\"open\":{\"to_dispatch\":0,\"dispatched\":2,\"signed\":0,"
    "\"in_progress\":0,\"returned\":0,\"replied\":3,\"visited\":2},\"intake_today\":{\"phone\":4,"
    "\"web\":2,\"app\":1,\"enterprise\":0,\"sms\":1,\"mailbox\":0},\"intake_today_total\":8,"
    "\"workers\":2,\"queued\":2,\"warned\":1,\"overdue\":1,\"escalated\":0}";
static const char *s_overdue =
    "{\"items\":[{\"ticket\":\"YJ20261127000007\",\"unit\":\"jcq.cgj\",\"unit_name\":"
    "\"江城区城市管理和综合执法局\",\"milestone\":\"sign\",\"level\":\"overdue\","
    "\"due_ms\":1795761211634,\"over_ms\":192000}]}";
static const char *s_escalated =
    "{\"items\":[{\"ticket\":\"YJ20261120000002\",\"unit\":\"zjj\",\"unit_name\":"
    "\"市住房和城乡建设局\",\"milestone\":\"reply\",\"level\":\"escalated\","
    "\"due_ms\":1795000000000,\"over_ms\":761639000}]}";
static const char *s_warned =
    "{\"items\":[{\"ticket\":\"YJ20261127000008\",\"unit\":\"zjj\",\"unit_name\":"
    "\"市住房和城乡建设局\",\"milestone\":\"sign\",\"level\":\"warned\","
    "\"due_ms\":1795761391639,\"over_ms\":-178000}]}";

//  A UNIT row as the API writes it, rates computed from the counters.
static void
s_unit (hl_buf_t *b, const char *unit, const char *name, int dispatched, int signed_, int on_time,
        int visited, int resolved, int satisfied, int basic, int reopened, int first)
{
    hl_buf_printf (b, "%s{\"unit\":\"%s\",\"name\":\"%s\",\"dispatched\":%d,\"signed\":%d,"
                   "\"signed_on_time\":%d,\"contacted_on_time\":%d,\"returned\":0,\"reopened\":%d,"
                   "\"replied\":%d,\"replied_on_time\":%d,\"visited\":%d,\"rated\":%d,\"resolved\":%d,"
                   "\"satisfied\":%d,\"basically_satisfied\":%d,\"unsatisfied\":%d,"
                   "\"handling_ms_sum\":5,\"answered_directly\":0",
                   first ? "" : ",", unit, name, dispatched, signed_, on_time, on_time, reopened,
                   signed_, on_time, visited, visited, resolved, satisfied, basic,
                   visited - satisfied - basic);
    struct { const char *k; int n, d; } r[] = {
        { "response_rate", on_time, dispatched }, { "resolution_rate", resolved, visited },
        { "satisfaction_rate", satisfied + basic, visited }, { "on_time_sign_rate", on_time, signed_ },
        { "on_time_completion_rate", on_time, signed_ }, { "return_rate", 0, dispatched },
        { "reopen_rate", reopened, dispatched }
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (r[i].d > 0)
            hl_buf_printf (b, ",\"%s\":%.6f", r[i].k, (double) r[i].n / r[i].d);
        else
            hl_buf_printf (b, ",\"%s\":null", r[i].k);
    hl_buf_printf (b, ",\"avg_handling_hours\":null,\"score\":%s}", visited ? "50.00" : "null");
}

//  Every line of TEXT fits in COLS columns, and there are at most ROWS.
static int
s_fits (const char *text, int cols, int rows)
{
    int lines = 0, ok = 1;
    char *copy = strdup (text), *save = NULL;
    for (char *l = strtok_r (copy, "\n", &save); l; l = strtok_r (NULL, "\n", &save)) {
        lines++;
        if (hl_top_text_width (l) > cols) {
            fprintf (stderr, "line wider than %d: [%s] (%d)\n", cols, l, hl_top_text_width (l));
            ok = 0;
        }
    }
    free (copy);
    if (lines > rows) {
        fprintf (stderr, "%d lines, more than %d\n", lines, rows);
        ok = 0;
    }
    return ok;
}

//  A frame from documents as hotlined serves them, at several sizes.
static void
test_frame (void)
{
    char err[200];
    hl_top_frame_t *f = hl_top_frame_new ();
    hl_buf_t units = HL_BUF_INIT, out = HL_BUF_INIT;
    hl_buf_puts (&units, "{\"from\":\"20261127\",\"to\":\"20261127\",\"units\":[");
    s_unit (&units, "rsj", "市人力资源和社会保障局", 5, 5, 5, 3, 2, 1, 1, 1, 1);
    s_unit (&units, "ybj", "市医疗保障局", 2, 2, 2, 1, 1, 1, 0, 0, 0);
    s_unit (&units, "jcq.cgj", "江城区城市管理和综合执法局", 1, 0, 0, 0, 0, 0, 0, 0, 0);
    hl_buf_puts (&units, "],\"total\":");
    s_unit (&units, "*", "", 8, 7, 7, 4, 3, 2, 1, 1, 1);
    hl_buf_puts (&units, "}");
    const char *docs[HL_TOP_SOURCES] = {
        s_summary,
        "{\"minutes\":[{\"t\":1795761540000,\"phone\":0,\"web\":0,\"app\":0,\"enterprise\":0,"
        "\"sms\":0,\"mailbox\":0},{\"t\":1795761600000,\"phone\":4,\"web\":2,\"app\":1,"
        "\"enterprise\":0,\"sms\":1,\"mailbox\":0}]}",
        s_warned, s_overdue, s_escalated, units.data
    };
    for (int s = 0; s < HL_TOP_SOURCES; s++) {
        CHECK (hl_top_frame_path ((hl_top_source_t) s)[0] == '/');
        int rc = hl_top_frame_set (f, (hl_top_source_t) s, docs[s], strlen (docs[s]), err, sizeof err);
        CHECK (rc == 0);
        if (rc)
            fprintf (stderr, "source %d: %s\n", s, err);
    }
    hl_top_frame_set_interval (f, 2000);
    hl_top_frame_render (f, 80, 24, &out);
    CHECK (s_fits (out.data, 80, 24));
    CHECK (strstr (out.data, "2026-11-27 14:40:39"));
    CHECK (strstr (out.data, "今日受理 8  在办 7  催办 1  督办 1  升级 0  承办端 2  待投递 2"));
    CHECK (strstr (out.data, "电话 4  网站 2  移动端 1  涉企 0  短信 1  信箱 0"));
    CHECK (strstr (out.data, "已派单 2") && strstr (out.data, "已答复 3"));
    CHECK (strstr (out.data, "共8件"));
    CHECK (strstr (out.data, "YJ20261127000007 江城区城市管理和综合执法局"));
    CHECK (strstr (out.data, "签收·逾期") && strstr (out.data, "超时 3分12秒"));
    CHECK (strstr (out.data, "答复·升级") && strstr (out.data, "超时 8天19时"));
    CHECK (strstr (out.data, "签收·催办") && strstr (out.data, "剩余 2分58秒"));
    //  The longest overdue comes first.
    CHECK (strstr (out.data, "YJ20261120000002") < strstr (out.data, "YJ20261127000007"));
    //  Ordered by 满意率: ybj (1/1) before rsj (2/3), the unit without
    //  visits last and unranked; the chosen rate has its counts.
    CHECK (strstr (out.data, "按满意率 · 全市 75.0% (3/4)"));
    const char *ybj = strstr (out.data, "市医疗保障局"), *rsj = strstr (out.data, "市人力资源");
    CHECK (ybj && rsj && ybj < rsj);
    CHECK (strstr (out.data, "100.0% (1/1)") && strstr (out.data, "66.7% (2/3)"));
    CHECK (strstr (out.data, "  1  市医疗保障局") && strstr (out.data, "  2  市人力资源和社会保障局"));
    CHECK (strstr (out.data, "  —  江城区城市管理和综合执法局"));
    //  The 考核 score as hotlined gives it, "—" without one.
    CHECK (strstr (out.data, "考核") && strstr (out.data, "  50.0 "));
    CHECK (strstr (out.data, "q 退出"));
    CHECK (strcmp (hl_top_frame_sort_name (f), "满意率") == 0);

    //  重办率 (reopened / dispatched): lower is better, so ybj (0/2) still
    //  leads rsj (1/5).
    for (int i = 0; i < 6; i++)
        hl_top_frame_next_sort (f);
    CHECK (strcmp (hl_top_frame_sort_name (f), "重办率") == 0);
    hl_buf_reset (&out);
    hl_top_frame_render (f, 80, 24, &out);
    CHECK (strstr (out.data, "0.0% (0/2)") && strstr (out.data, "20.0% (1/5)"));
    CHECK (strstr (out.data, "市医疗保障局") < strstr (out.data, "市人力资源"));
    for (int i = 0; i < 3; i++)
        hl_top_frame_next_sort (f);
    CHECK (strcmp (hl_top_frame_sort_name (f), "解决率") == 0);

    //  Narrow, wide, short: always within bounds.
    int sizes[][2] = { { 40, 12 }, { 60, 20 }, { 120, 40 }, { 200, 60 }, { 10, 5 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        hl_buf_reset (&out);
        hl_top_frame_render (f, sizes[i][0], sizes[i][1], &out);
        int cols = sizes[i][0] < 40 ? 40 : sizes[i][0], rows = sizes[i][1] < 12 ? 12 : sizes[i][1];
        CHECK (s_fits (out.data, cols, rows));
    }

    //  A status line; documents of the wrong shape are refused and the
    //  figures shown stay.
    hl_top_frame_set_status (f, "hotlined 无法连接，重试中");
    const char *wrong = "{\"error\":{\"code\":\"unauthorized\",\"message\":\"x\"}}";
    CHECK (hl_top_frame_set (f, HL_TOP_SUMMARY, wrong, strlen (wrong), err, sizeof err) == -1);
    CHECK (strstr (err, "\"open\""));
    CHECK (hl_top_frame_set (f, HL_TOP_UNITS, "[1,", 3, err, sizeof err) == -1);
    hl_buf_reset (&out);
    hl_top_frame_render (f, 80, 24, &out);
    CHECK (strstr (out.data, "! hotlined 无法连接，重试中"));
    CHECK (strstr (out.data, "今日受理 8"));
    CHECK (s_fits (out.data, 80, 24));
    hl_top_frame_destroy (&f);
    CHECK (f == NULL);

    //  Nothing read yet, and nothing to show: graceful.
    f = hl_top_frame_new ();
    hl_buf_reset (&out);
    hl_top_frame_render (f, 80, 24, &out);
    CHECK (strstr (out.data, "等待 hotlined") && strstr (out.data, "(无)"));
    const char *empty = "{\"from\":\"20261101\",\"to\":\"20261127\",\"units\":[],\"total\":{}}";
    CHECK (hl_top_frame_set (f, HL_TOP_UNITS, empty, strlen (empty), err, sizeof err) == 0);
    hl_buf_reset (&out);
    hl_top_frame_render (f, 80, 24, &out);
    CHECK (strstr (out.data, "暂无派单数据") && strstr (out.data, "20261101-20261127"));
    CHECK (strstr (out.data, "全市 —"));
    hl_top_frame_destroy (&f);
    hl_buf_free (&units);
    hl_buf_free (&out);
}

//  Runs every group and prints the count of checks.
int
main (void)
{
    char locale[128];
    if (hl_top_text_utf8_locale (locale, sizeof locale) != 0)
        fprintf (stderr, "note: no UTF-8 locale; widths from the built-in table\n");
    test_json ();
    test_http_parse ();
    test_http_live ();
    test_text ();
    test_frame ();
    printf ("%d checks, %d failed\n", s_checks, s_failed);
    return s_failed ? 1 : 0;
}
