/*  Unit test of hl_secret: where a secret may come from, and comparing. */
#include "hl_secret.h"
#include "hl_test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void
s_write (const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen (path, "w");
    fputs (text, f);
    fclose (f);
    chmod (path, mode);
}

static void
test_file (void)
{
    char dir[] = "/tmp/hl-secret-XXXXXX", path[64], err[256];
    HL_CHECK (mkdtemp (dir) != NULL);
    snprintf (path, sizeof path, "%s/token", dir);
    s_write (path, "s3cret-token-0123456789\n", 0600);
    char *s = hl_secret_load (path, "HL_TEST_NO_SUCH_VAR", err, sizeof err);
    HL_CHECK_STR (s, "s3cret-token-0123456789");
    hl_secret_free (&s);
    HL_CHECK (s == NULL);
    //  Readable by others: refused, and the message says how to fix it.
    chmod (path, 0644);
    HL_CHECK (hl_secret_load (path, NULL, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "chmod 600") != NULL);
    //  Two lines, or nothing.
    s_write (path, "a\nb\n", 0600);
    HL_CHECK (hl_secret_load (path, NULL, err, sizeof err) == NULL);
    s_write (path, "\n", 0600);
    HL_CHECK (hl_secret_load (path, NULL, err, sizeof err) == NULL);
    unlink (path);
    HL_CHECK (hl_secret_load (path, NULL, err, sizeof err) == NULL);
    HL_CHECK (hl_secret_load (dir, NULL, err, sizeof err) == NULL);
    rmdir (dir);
}

static void
test_environment (void)
{
    char err[256];
    setenv ("HL_TEST_SECRET", "from-the-environment", 1);
    char *s = hl_secret_load ("", "HL_TEST_SECRET", err, sizeof err);
    HL_CHECK_STR (s, "from-the-environment");
    hl_secret_free (&s);
    unsetenv ("HL_TEST_SECRET");
    HL_CHECK (hl_secret_load (NULL, "HL_TEST_SECRET", err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "HL_TEST_SECRET") != NULL);
}

static void
test_equal (void)
{
    HL_CHECK (hl_secret_equal ("abcdef", "abcdef"));
    HL_CHECK (!hl_secret_equal ("abcdef", "abcdeg"));
    HL_CHECK (!hl_secret_equal ("abcdef", "abcde"));
    HL_CHECK (!hl_secret_equal ("abcdef", "abcdefg"));
    HL_CHECK (!hl_secret_equal ("abcdef", ""));
    //  No truncation: a long token must match in full.
    char a[600], b[600];
    memset (a, 'x', sizeof a - 1);
    a[sizeof a - 1] = 0;
    memcpy (b, a, sizeof b);
    HL_CHECK (hl_secret_equal (a, b));
    b[550] = 'y';
    HL_CHECK (!hl_secret_equal (a, b));
}

//  A file of several secrets: read whole, under the same mode rule, and
//  refused above its bound.
static void
test_read_file (void)
{
    char dir[] = "/tmp/hl-secret-XXXXXX", path[64], err[256];
    HL_CHECK (mkdtemp (dir) != NULL);
    snprintf (path, sizeof path, "%s/keys", dir);
    s_write (path, "a k1 web\nb k2 app\n", 0600);
    char *s = hl_secret_read_file (path, 64, err, sizeof err);
    HL_CHECK_STR (s, "a k1 web\nb k2 app\n");
    hl_secret_free (&s);
    HL_CHECK (hl_secret_read_file (path, 8, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "too long") != NULL);
    chmod (path, 0640);
    HL_CHECK (hl_secret_read_file (path, 64, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "chmod 600") != NULL);
    unlink (path);
    rmdir (dir);
}

static const hl_test_case_t s_cases[] = {
    { "file", test_file }, { "read_file", test_read_file }, { "environment", test_environment }, { "equal", test_equal },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
