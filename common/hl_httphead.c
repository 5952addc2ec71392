/*  hl_httphead: strict parsing of an HTTP/1.x request head. See hl_httphead.h. */
#include "hl_httphead.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  RFC 9110 tchar: the characters of methods and header names.
static int
s_is_tchar (unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

//  Header values: visible ASCII, blanks and obs-text; no other control.
static int
s_is_value_char (unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
s_fail (char *err, size_t errlen, int status, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (err, errlen, fmt, ap);
    va_end (ap);
    return status;
}

size_t
hl_httphead_end (const char *data, size_t len)
{
    //  Lines end in LF (a CR before it is allowed); the head ends at an
    //  empty line.
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n')
            continue;
        if (i + 1 < len && data[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && data[i + 1] == '\r' && data[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

//  Cut the next line out of the writable block at *POS: its end is turned
//  into a NUL. Returns the line, or NULL with ERR set if it holds a bare
//  CR or a NUL.
static char *
s_next_line (char *mem, size_t len, size_t *pos, char *err, size_t errlen)
{
    char *line = mem + *pos;
    char *lf = memchr (line, '\n', len - *pos);
    assert (lf);                //  hl_httphead_end found the blank line
    size_t n = (size_t) (lf - line);
    if (n > 0 && line[n - 1] == '\r')
        n--;
    if (memchr (line, '\r', n) || memchr (line, '\0', n)) {
        s_fail (err, errlen, 400, "a CR or NUL inside a line");
        return NULL;
    }
    line[n] = '\0';
    *pos = (size_t) (lf - mem) + 1;
    return line;
}

static int
s_request_line (hl_httphead_t *head, char *line, size_t max_target, char *err, size_t errlen)
{
    char *sp1 = strchr (line, ' ');
    char *sp2 = sp1 ? strchr (sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strchr (sp2 + 1, ' '))
        return s_fail (err, errlen, 400, "the request line is not METHOD TARGET VERSION");
    size_t mlen = (size_t) (sp1 - line);
    if (mlen == 0 || mlen >= sizeof head->method)
        return s_fail (err, errlen, 400, "bad method");
    for (size_t i = 0; i < mlen; i++)
        if (!s_is_tchar ((unsigned char) line[i]))
            return s_fail (err, errlen, 400, "bad method");
    memcpy (head->method, line, mlen);
    head->method[mlen] = '\0';
    *sp1 = *sp2 = '\0';
    char *target = sp1 + 1, *version = sp2 + 1;
    if (strlen (target) > max_target)
        return s_fail (err, errlen, 414, "the request target is longer than %zu bytes", max_target);
    if (target[0] != '/')
        return s_fail (err, errlen, 400, "the request target must be a path starting with /");
    for (const char *p = target; *p; p++)
        if ((unsigned char) *p <= 0x20 || (unsigned char) *p >= 0x7f)
            return s_fail (err, errlen, 400, "the request target has a character that needs encoding");
    if (strncmp (version, "HTTP/", 5) != 0)
        return s_fail (err, errlen, 400, "bad protocol version");
    if (strcmp (version + 5, "1.1") == 0)
        head->minor = 1;
    else
    if (strcmp (version + 5, "1.0") == 0)
        head->minor = 0;
    else
        return s_fail (err, errlen, 505, "only HTTP/1.0 and HTTP/1.1 are served");
    char *q = strchr (target, '?');
    head->query = q ? q + 1 : "";
    if (q)
        *q = '\0';
    head->path = target;
    return 0;
}

static char *
s_trim (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen (s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

static int
s_field (hl_httphead_t *head, char *line, char *err, size_t errlen)
{
    if (line[0] == ' ' || line[0] == '\t')
        return s_fail (err, errlen, 400, "folded header lines are not accepted");
    char *colon = strchr (line, ':');
    if (!colon || colon == line)
        return s_fail (err, errlen, 400, "a header line without a name");
    for (char *p = line; p < colon; p++)
        if (!s_is_tchar ((unsigned char) *p))
            return s_fail (err, errlen, 400, "bad header name");
    *colon = '\0';
    char *value = s_trim (colon + 1);
    for (char *p = value; *p; p++)
        if (!s_is_value_char ((unsigned char) *p))
            return s_fail (err, errlen, 400, "a control character in header %s", line);
    if (head->n_fields == HL_HTTPHEAD_HEADERS_MAX)
        return s_fail (err, errlen, 431, "more than %d header lines", HL_HTTPHEAD_HEADERS_MAX);
    head->fields[head->n_fields].name = line;
    head->fields[head->n_fields++].value = value;
    return 0;
}

//  Content-Length: digits only; repeated, all copies must agree.
static int
s_content_length (hl_httphead_t *head, char *err, size_t errlen)
{
    int seen = 0;
    for (size_t i = 0; i < head->n_fields; i++) {
        if (strcasecmp (head->fields[i].name, "Content-Length") != 0)
            continue;
        const char *v = head->fields[i].value;
        size_t n = strlen (v);
        if (n == 0 || n > 15 || strspn (v, "0123456789") != n)
            return s_fail (err, errlen, 400, "bad Content-Length");
        int64_t len = strtoll (v, NULL, 10);
        if (seen && len != head->content_length)
            return s_fail (err, errlen, 400, "conflicting Content-Length headers");
        head->content_length = len;
        seen = 1;
    }
    if (hl_httphead_get (head, "Transfer-Encoding"))
        return s_fail (err, errlen, 501, "Transfer-Encoding is not accepted; send Content-Length");
    return 0;
}

//  Whether the comma-separated LIST holds TOKEN (any case).
static int
s_has_token (const char *list, const char *token)
{
    size_t n = strlen (token);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p + strcspn (p, ",");
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        if ((size_t) (last - p) == n && strncasecmp (p, token, n) == 0)
            return 1;
        p = end;
    }
    return 0;
}

int
hl_httphead_parse (hl_httphead_t *head, const char *data, size_t len, size_t max_target,
                   char *err, size_t errlen)
{
    assert (head && data);
    memset (head, 0, sizeof *head);
    head->query = head->path = "";
    if (len == 0 || hl_httphead_end (data, len) != len)
        return s_fail (err, errlen, 400, "incomplete request head");
    head->mem = malloc (len + 1);
    if (!head->mem)
        abort ();
    memcpy (head->mem, data, len);
    head->mem[len] = '\0';
    size_t pos = 0;
    char *line = s_next_line (head->mem, len, &pos, err, errlen);
    if (!line)
        return 400;
    int rc = s_request_line (head, line, max_target, err, errlen);
    while (rc == 0) {
        line = s_next_line (head->mem, len, &pos, err, errlen);
        if (!line)
            return 400;
        if (!*line)
            break;              //  the blank line
        rc = s_field (head, line, err, errlen);
    }
    if (rc == 0)
        rc = s_content_length (head, err, errlen);
    if (rc == 0) {
        const char *conn = hl_httphead_get (head, "Connection");
        head->keep_alive = head->minor == 1 ? !s_has_token (conn, "close")
                                            : s_has_token (conn, "keep-alive");
    }
    return rc;
}

void
hl_httphead_free (hl_httphead_t *head)
{
    if (!head)
        return;
    free (head->mem);
    head->mem = NULL;
    head->n_fields = 0;
}

const char *
hl_httphead_get (const hl_httphead_t *head, const char *name)
{
    for (size_t i = 0; i < head->n_fields; i++)
        if (strcasecmp (head->fields[i].name, name) == 0)
            return head->fields[i].value;
    return NULL;
}

static int
s_hex (char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

//  Decode [P, END) into OUT; -1 on a bad escape, a NUL or overflow.
static int
s_decode (const char *p, const char *end, char *out, size_t outlen)
{
    size_t n = 0;
    while (p < end) {
        int c = (unsigned char) *p++;
        if (c == '+')
            c = ' ';
        else
        if (c == '%') {
            int hi = p < end ? s_hex (p[0]) : -1;
            int lo = p + 1 < end ? s_hex (p[1]) : -1;
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            p += 2;
        }
        if (c == 0 || n + 1 >= outlen)
            return -1;
        out[n++] = (char) c;
    }
    out[n] = '\0';
    return 1;
}

int
hl_http_query_get (const char *query, const char *key, char *out, size_t outlen)
{
    assert (key && out && outlen > 0);
    size_t klen = strlen (key);
    for (const char *p = query; p && *p;) {
        const char *end = p + strcspn (p, "&");
        const char *eq = memchr (p, '=', (size_t) (end - p));
        const char *name_end = eq ? eq : end;
        if ((size_t) (name_end - p) == klen && memcmp (p, key, klen) == 0)
            return s_decode (eq ? eq + 1 : end, end, out, outlen);
        p = *end ? end + 1 : end;
    }
    out[0] = '\0';
    return 0;
}

int
hl_http_form_next (const char *data, size_t len, size_t *pos, char *name, size_t namelen,
                   char *value, size_t valuelen)
{
    assert (data && pos && name && namelen > 0 && value && valuelen > 0);
    while (*pos < len && data[*pos] == '&')
        (*pos)++;
    if (*pos >= len)
        return 0;
    const char *p = data + *pos, *end = data + len;
    const char *stop = memchr (p, '&', (size_t) (end - p));
    if (!stop)
        stop = end;
    *pos = (size_t) (stop - data);
    const char *eq = memchr (p, '=', (size_t) (stop - p));
    const char *name_end = eq ? eq : stop;
    if (s_decode (p, name_end, name, namelen) < 0)
        return -1;
    if (s_decode (eq ? eq + 1 : stop, stop, value, valuelen) < 0)
        return -1;
    return 1;
}
