/*  hl_secret: reading and comparing secrets. See hl_secret.h. */
#include "hl_secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_SECRET_MAX 4096

char *
hl_secret_read_file (const char *path, size_t max, char *err, size_t errlen)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return NULL;
    }
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
        snprintf (err, errlen, "%s: not a regular file", path);
        close (fd);
        return NULL;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf (err, errlen, "%s: group or others may read it (mode %03o); chmod 600 it",
                  path, (unsigned) (st.st_mode & 0777));
        close (fd);
        return NULL;
    }
    char *buf = calloc (1, max + 2);
    if (!buf)
        abort ();
    size_t n = 0;
    ssize_t r = 1;
    while (n <= max && (r = read (fd, buf + n, max + 1 - n)) > 0)
        n += (size_t) r;
    close (fd);
    if (r < 0 || n > max) {
        snprintf (err, errlen, "%s: %s (at most %zu bytes)", path,
                  r < 0 ? strerror (errno) : "too long", max);
        hl_secret_free (&buf);
        return NULL;
    }
    return buf;
}

char *
hl_secret_load (const char *path, const char *env, char *err, size_t errlen)
{
    char *secret = NULL;
    if (path && *path)
        secret = hl_secret_read_file (path, S_SECRET_MAX, err, errlen);
    else {
        const char *value = env ? getenv (env) : NULL;
        if (!value || !*value) {
            snprintf (err, errlen, "no secret: set a file or $%s", env ? env : "?");
            return NULL;
        }
        secret = strdup (value);
        if (!secret)
            abort ();
    }
    if (!secret)
        return NULL;
    size_t n = strlen (secret);
    while (n > 0 && (secret[n - 1] == '\n' || secret[n - 1] == '\r'))
        secret[--n] = '\0';
    if (n == 0 || strpbrk (secret, "\r\n")) {
        snprintf (err, errlen, "%s: the secret must be one non-empty line",
                  path && *path ? path : env);
        hl_secret_free (&secret);
    }
    return secret;
}

static int
s_hex_digit (char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int
hl_secret_load_key (const char *path, const char *env, const char *what,
                    unsigned char *key, size_t len, char *err, size_t errlen)
{
    char why[256];
    if (!(path && *path) && !(env && getenv (env) && *getenv (env)))
        return 0;
    char *text = hl_secret_load (path, env, why, sizeof why);
    if (!text) {
        snprintf (err, errlen, "%s: %s", what, why);
        return -1;
    }
    int ok = strlen (text) == 2 * len;
    for (size_t i = 0; ok && i < len; i++) {
        int hi = s_hex_digit (text[2 * i]), lo = s_hex_digit (text[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        key[i] = ok ? (unsigned char) (hi << 4 | lo) : 0;
    }
    hl_secret_free (&text);
    if (ok)
        return 1;
    volatile unsigned char *p = key;
    for (size_t i = 0; i < len; i++)
        p[i] = 0;
    snprintf (err, errlen, "%s: want %zu hexadecimal digits (make one with: head -c %zu "
              "/dev/urandom | od -An -tx1 | tr -d ' \\n')", what, 2 * len, len);
    return -1;
}

void
hl_secret_free (char **secret_p)
{
    if (!secret_p || !*secret_p)
        return;
    volatile char *p = *secret_p;
    while (*p)
        *p++ = 0;
    free (*secret_p);
    *secret_p = NULL;
}

int
hl_secret_equal (const char *known, const char *given)
{
    size_t n = strlen (known), m = strlen (given);
    unsigned char diff = n != m;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char) known[i] ^ (unsigned char) given[i < m ? i : 0];
    return diff == 0;
}
