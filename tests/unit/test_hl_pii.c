/*  Unit test of hl_pii: sealing, opening, the index name, the key. */
#include "hl_pii.h"
#include "hl_test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_A "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define KEY_B "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static hl_pii_t *
s_keyed (const char *hex)
{
    char err[256];
    setenv ("HOTLINE_PII_KEY", hex, 1);
    hl_pii_t *pii = hl_pii_new ("", err, sizeof err);
    unsetenv ("HOTLINE_PII_KEY");
    HL_CHECK (pii && hl_pii_sealing (pii));
    return pii;
}

static void
test_seal_open (void)
{
    hl_pii_t *a = s_keyed (KEY_A), *b = s_keyed (KEY_B);
    hl_buf_t sealed = HL_BUF_INIT, again = HL_BUF_INIT, open = HL_BUF_INIT;
    hl_pii_seal (a, "13800138000", 11, &sealed);
    hl_pii_seal (a, "13800138000", 11, &again);
    //  Sealed: not the number, and never the same twice (a nonce each).
    HL_CHECK (sealed.len > 11 && !memmem (sealed.data, sealed.len, "13800138000", 11));
    HL_CHECK (sealed.len == again.len && memcmp (sealed.data, again.data, sealed.len) != 0);
    HL_CHECK (hl_pii_open (a, sealed.data, sealed.len, &open) == 0);
    HL_CHECK_STR (open.data, "13800138000");
    //  Another key, or a damaged value, does not open.
    hl_buf_reset (&open);
    HL_CHECK (hl_pii_open (b, sealed.data, sealed.len, &open) != 0 && open.len == 0);
    sealed.data[sealed.len - 1] ^= 1;
    HL_CHECK (hl_pii_open (a, sealed.data, sealed.len, &open) != 0);
    HL_CHECK (hl_pii_open (a, sealed.data, 10, &open) != 0);
    //  A value stored before the key was set reads as it is.
    HL_CHECK (hl_pii_open (a, "陈先生", strlen ("陈先生"), &open) == 0);
    HL_CHECK_STR (open.data, "陈先生");
    hl_buf_free (&sealed);
    hl_buf_free (&again);
    hl_buf_free (&open);
    hl_pii_destroy (&a);
    hl_pii_destroy (&b);
    HL_CHECK (a == NULL);
}

static void
test_index (void)
{
    hl_pii_t *a = s_keyed (KEY_A), *b = s_keyed (KEY_B);
    char x[HL_PII_INDEX_MAX], y[HL_PII_INDEX_MAX], z[HL_PII_INDEX_MAX];
    hl_pii_index (a, "13800138000", x);
    hl_pii_index (a, "13800138000", y);
    hl_pii_index (b, "13800138000", z);
    HL_CHECK_STR (x, y);
    HL_CHECK (strcmp (x, z) != 0 && strlen (x) == 33 && x[0] == 'h' && !strstr (x, "138"));
    hl_pii_destroy (&a);
    hl_pii_destroy (&b);
}

static void
test_without_key (void)
{
    char err[256], index[HL_PII_INDEX_MAX];
    unsetenv ("HOTLINE_PII_KEY");
    hl_pii_t *p = hl_pii_new ("", err, sizeof err);
    HL_CHECK (p && !hl_pii_sealing (p));
    hl_pii_index (p, "13800138000", index);
    HL_CHECK_STR (index, "13800138000");
    hl_buf_t b = HL_BUF_INIT;
    hl_pii_seal (p, "13800138000", 11, &b);
    HL_CHECK_STR (b.data, "13800138000");
    hl_buf_free (&b);
    hl_pii_destroy (&p);
}

static void
test_key_file (void)
{
    char dir[] = "/tmp/hl-pii-XXXXXX", path[64], err[256];
    HL_CHECK (mkdtemp (dir) != NULL);
    snprintf (path, sizeof path, "%s/pii.key", dir);
    FILE *f = fopen (path, "w");
    fputs (KEY_A "\n", f);
    fclose (f);
    chmod (path, 0600);
    hl_pii_t *p = hl_pii_new (path, err, sizeof err);
    HL_CHECK (p && hl_pii_sealing (p));
    hl_pii_destroy (&p);
    chmod (path, 0644);
    HL_CHECK (hl_pii_new (path, err, sizeof err) == NULL && strstr (err, "chmod 600"));
    f = fopen (path, "w");
    fputs ("not-hex\n", f);
    fclose (f);
    chmod (path, 0600);
    HL_CHECK (hl_pii_new (path, err, sizeof err) == NULL && strstr (err, "64 hexadecimal"));
    unlink (path);
    rmdir (dir);
}

static const hl_test_case_t s_cases[] = {
    { "seal_open", test_seal_open }, { "index", test_index },
    { "without_key", test_without_key }, { "key_file", test_key_file }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
