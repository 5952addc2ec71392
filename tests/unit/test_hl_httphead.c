/*  Unit test of hl_httphead: what a request head may and may not be. */
#include "hl_httphead.h"
#include "hl_test.h"

static int
s_parse (hl_httphead_t *h, const char *text)
{
    char err[160];
    size_t len = strlen (text);
    return hl_httphead_parse (h, text, len, 64, err, sizeof err);
}

//  Status of parsing TEXT, head freed.
static int
s_status (const char *text)
{
    hl_httphead_t h;
    int rc = s_parse (&h, text);
    hl_httphead_free (&h);
    return rc;
}

static void
test_end (void)
{
    HL_CHECK (hl_httphead_end ("GET / HTTP/1.1\r\nHost: x\r\n", 25) == 0);
    HL_CHECK (hl_httphead_end ("GET / HTTP/1.1\r\n\r\nrest", 22) == 18);
    HL_CHECK (hl_httphead_end ("GET / HTTP/1.1\n\nrest", 20) == 16);
    HL_CHECK (hl_httphead_end ("", 0) == 0);
}

static void
test_valid (void)
{
    hl_httphead_t h;
    HL_CHECK (s_parse (&h, "GET /api/units?from=20261123&to=x HTTP/1.1\r\n"
                           "Host: 127.0.0.1\r\nAuthorization:  Bearer abc \r\n\r\n") == 0);
    HL_CHECK_STR (h.method, "GET");
    HL_CHECK_STR (h.path, "/api/units");
    HL_CHECK_STR (h.query, "from=20261123&to=x");
    HL_CHECK_STR (hl_httphead_get (&h, "authorization"), "Bearer abc");
    HL_CHECK (h.minor == 1 && h.keep_alive == 1 && h.content_length == 0);
    hl_httphead_free (&h);

    HL_CHECK (s_parse (&h, "POST /x HTTP/1.0\nContent-Length: 12\nConnection: keep-alive\n\n") == 0);
    HL_CHECK (h.minor == 0 && h.keep_alive == 1 && h.content_length == 12);
    HL_CHECK_STR (h.query, "");
    hl_httphead_free (&h);

    HL_CHECK (s_parse (&h, "GET / HTTP/1.1\r\nConnection: TE, close\r\n\r\n") == 0);
    HL_CHECK (h.keep_alive == 0);
    hl_httphead_free (&h);
    HL_CHECK (s_parse (&h, "GET / HTTP/1.0\r\n\r\n") == 0 && h.keep_alive == 0);
    hl_httphead_free (&h);
    //  Repeated Content-Length that agrees is one length.
    HL_CHECK (s_status ("PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n") == 0);
}

static void
test_refused (void)
{
    HL_CHECK (s_status ("GET / HTTP/1.1\r\nHost: x\r\n") == 400);             //  incomplete
    HL_CHECK (s_status ("GET /  HTTP/1.1\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET http://h/ HTTP/1.1\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET /a\x01 HTTP/1.1\r\n\r\n") == 400);
    HL_CHECK (s_status ("G(T / HTTP/1.1\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET / HTTP/2.0\r\n\r\n") == 505);
    HL_CHECK (s_status ("GET / FTP/1.0\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET /0123456789012345678901234567890123456789012345678901234567890123456789"
                        " HTTP/1.1\r\n\r\n") == 414);
    HL_CHECK (s_status ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET / HTTP/1.1\r\nBad Name: a\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET / HTTP/1.1\r\n: a\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n") == 400);
    HL_CHECK (s_status ("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n") == 400);
    HL_CHECK (s_status ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 501);
    HL_CHECK (s_status ("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n") == 400);
    HL_CHECK (s_status ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
    HL_CHECK (s_status ("POST / HTTP/1.1\r\nContent-Length: 99999999999999999\r\n\r\n") == 400);
    char many[4096] = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 70; i++)
        strcat (many, "X-A: 1\r\n");
    strcat (many, "\r\n");
    HL_CHECK (s_status (many) == 431);
    //  A NUL inside the head.
    hl_httphead_t h;
    char err[64];
    HL_CHECK (hl_httphead_parse (&h, "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26, 64, err, sizeof err)
              == 400);
    hl_httphead_free (&h);
}

static void
test_query (void)
{
    char v[16];
    const char *q = "a=1&level=warned&name=%E4%B8%AD+x&empty=&flag&bad=%G1&nul=%00";
    HL_CHECK (hl_http_query_get (q, "a", v, sizeof v) == 1 && strcmp (v, "1") == 0);
    HL_CHECK (hl_http_query_get (q, "level", v, sizeof v) == 1 && strcmp (v, "warned") == 0);
    HL_CHECK (hl_http_query_get (q, "name", v, sizeof v) == 1 && strcmp (v, "中 x") == 0);
    HL_CHECK (hl_http_query_get (q, "empty", v, sizeof v) == 1 && v[0] == 0);
    HL_CHECK (hl_http_query_get (q, "flag", v, sizeof v) == 1 && v[0] == 0);
    HL_CHECK (hl_http_query_get (q, "lev", v, sizeof v) == 0);
    HL_CHECK (hl_http_query_get (q, "bad", v, sizeof v) == -1);
    HL_CHECK (hl_http_query_get (q, "nul", v, sizeof v) == -1);
    HL_CHECK (hl_http_query_get ("a=0123456789abcdef", "a", v, sizeof v) == -1);
    HL_CHECK (hl_http_query_get ("", "a", v, sizeof v) == 0);
    HL_CHECK (hl_http_query_get ("a=%4", "a", v, sizeof v) == -1);
}

//  A form body as Open311 clients send it: repeated names, list
//  attributes, '+' for spaces, empty pairs, and a bad pair that does not
//  stop the walk.
static void
test_form (void)
{
    const char *body = "api_key=k1&&attribute%5Bperiod%5D=night&attribute[kind][]=a"
                       "&attribute[kind][]=b&description=%E5%99%AA+x&bad=%zz&last";
    size_t pos = 0, len = strlen (body);
    char n[32], v[32];
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == 1);
    HL_CHECK (strcmp (n, "api_key") == 0 && strcmp (v, "k1") == 0);
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == 1);
    HL_CHECK (strcmp (n, "attribute[period]") == 0 && strcmp (v, "night") == 0);
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == 1);
    HL_CHECK (strcmp (n, "attribute[kind][]") == 0 && strcmp (v, "a") == 0);
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == 1);
    HL_CHECK (strcmp (v, "b") == 0);
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == 1);
    HL_CHECK (strcmp (n, "description") == 0 && strcmp (v, "噪 x") == 0);
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == -1);
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == 1);
    HL_CHECK (strcmp (n, "last") == 0 && v[0] == 0);
    HL_CHECK (hl_http_form_next (body, len, &pos, n, sizeof n, v, sizeof v) == 0);
    pos = 0;
    HL_CHECK (hl_http_form_next ("a=0123456789abcdef0123456789abcdef", 34, &pos, n, sizeof n,
                                 v, sizeof v) == -1);
    pos = 0;
    HL_CHECK (hl_http_form_next ("a=%00", 5, &pos, n, sizeof n, v, sizeof v) == -1);
    pos = 0;
    HL_CHECK (hl_http_form_next ("", 0, &pos, n, sizeof n, v, sizeof v) == 0);
}

static const hl_test_case_t s_cases[] = {
    { "end", test_end }, { "valid", test_valid }, { "refused", test_refused },
    { "query", test_query }, { "form", test_form }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
