/*  hl_httphead: the head of an HTTP/1.x request, parsed strictly.
 *
 *  A pure function of the bytes it is given (no I/O, no globals), so that
 *  the server (hl_httpd) and a fuzzer run the same code. It accepts only
 *  what hotline's HTTP endpoints need and refuses the rest with the status
 *  a client should see: origin-form targets ("/path?query"), HTTP/1.0 and
 *  1.1, bodies sized by Content-Length. Request smuggling needs two
 *  readings of one message; here there is only one: Transfer-Encoding,
 *  conflicting Content-Lengths, folded header lines, bare CR and control
 *  characters are all refused.
 */
#ifndef HL_HTTPHEAD_H_INCLUDED
#define HL_HTTPHEAD_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define HL_HTTPHEAD_HEADERS_MAX 64

typedef struct {
    const char *name;           //  as sent (compare without case)
    const char *value;          //  surrounding blanks removed
} hl_httphead_field_t;

typedef struct {
    char method[16];
    const char *path;           //  target up to '?' (not decoded)
    const char *query;          //  after '?', or ""
    int minor;                  //  HTTP/1.<minor>
    int keep_alive;             //  the client wants the connection kept
    int64_t content_length;     //  0 when absent
    hl_httphead_field_t fields[HL_HTTPHEAD_HEADERS_MAX];
    size_t n_fields;
    char *mem;                  //  one block holding every string above
} hl_httphead_t;

//  Length of the head at the start of DATA (through its blank line), or 0
//  if the blank line has not arrived yet.
size_t hl_httphead_end (const char *data, size_t len);

//  Parse the complete head DATA[0..LEN) (as measured by hl_httphead_end)
//  into HEAD. Returns 0, or the HTTP status to answer (400, 414, 431, 501,
//  505) with a one-line reason in ERR; HEAD needs hl_httphead_free either
//  way. A target longer than MAX_TARGET is 414.
int hl_httphead_parse (hl_httphead_t *head, const char *data, size_t len, size_t max_target,
                       char *err, size_t errlen);
void hl_httphead_free (hl_httphead_t *head);

//  The value of the header NAME (any case), or NULL.
const char *hl_httphead_get (const hl_httphead_t *head, const char *name);

//  The parameter KEY of a query string ("a=1&b=%E4%B8%AD"), decoded ('+'
//  is a space) into OUT. Returns 1 if found, 0 if absent, -1 if its value
//  is badly encoded, has a NUL or does not fit OUT.
int hl_http_query_get (const char *query, const char *key, char *out, size_t outlen);

//  Walk the NAME=VALUE pairs of a query string or of an
//  application/x-www-form-urlencoded body DATA[0..LEN), decoded as by
//  hl_http_query_get, from *POS (0 for the first pair), which moves past
//  the pair. Empty pairs ("a=1&&b=2") are skipped. Returns 1 with a pair,
//  0 at the end, -1 if the pair is badly encoded, holds a NUL or does not
//  fit NAME or VALUE (*POS has moved past it all the same).
int hl_http_form_next (const char *data, size_t len, size_t *pos, char *name, size_t namelen,
                       char *value, size_t valuelen);

#endif
