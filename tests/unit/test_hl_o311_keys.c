/*  Unit test of hl_o311_keys: the key file, lookups and token buckets. */
#include "hl_o311_keys.h"
#include "hl_test.h"
#include "hotline.pb-c.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char s_file[] =
    "# NAME KEY CHANNEL PER_MINUTE BURST\n"
    "city-app  app-key-0123456789abcdef  app  60  3\n"
    "portal    web-key-0123456789abcdef  web  6   1\n";

static void
test_find (void)
{
    char err[256];
    hl_o311_keys_t *keys = hl_o311_keys_parse ("keys", s_file, err, sizeof err);
    HL_CHECK (keys != NULL);
    int k = hl_o311_keys_find (keys, "web-key-0123456789abcdef");
    HL_CHECK (k == 1);
    HL_CHECK_STR (hl_o311_keys_at (keys, k)->name, "portal");
    HL_CHECK (hl_o311_keys_at (keys, k)->channel == HOTLINE__CHANNEL__CHANNEL_WEB);
    HL_CHECK (hl_o311_keys_find (keys, "web-key-0123456789abcde") == -1);
    HL_CHECK (hl_o311_keys_find (keys, "") == -1);
    HL_CHECK (hl_o311_keys_find (keys, "portal") == -1);
    hl_o311_keys_destroy (&keys);
    HL_CHECK (keys == NULL);
}

//  A burst, then one a second (60 a minute); a reload keeps the bucket.
static void
test_bucket (void)
{
    char err[256];
    hl_o311_keys_t *keys = hl_o311_keys_parse ("keys", s_file, err, sizeof err);
    int64_t t = 1000000;
    double retry = 0;
    for (int i = 0; i < 3; i++)
        HL_CHECK (hl_o311_keys_take (keys, 0, t, &retry) == 1);
    HL_CHECK (hl_o311_keys_take (keys, 0, t, &retry) == 0);
    HL_CHECK (retry > 0.99 && retry <= 1.0);
    HL_CHECK (hl_o311_keys_take (keys, 0, t + 500000, &retry) == 0);
    HL_CHECK (retry > 0.49 && retry < 0.51);
    HL_CHECK (hl_o311_keys_take (keys, 0, t + 1000000, &retry) == 1);
    //  The other key has its own bucket.
    HL_CHECK (hl_o311_keys_take (keys, 1, t, &retry) == 1);
    HL_CHECK (hl_o311_keys_take (keys, 1, t, &retry) == 0 && retry > 9.9);
    hl_o311_keys_t *again = hl_o311_keys_parse ("keys", s_file, err, sizeof err);
    hl_o311_keys_inherit (again, keys);
    HL_CHECK (hl_o311_keys_take (again, 0, t + 1000000, &retry) == 0);
    //  Idle for long: back to the burst, not more.
    for (int i = 0; i < 3; i++)
        HL_CHECK (hl_o311_keys_take (again, 0, t + 600000000, &retry) == 1);
    HL_CHECK (hl_o311_keys_take (again, 0, t + 600000000, &retry) == 0);
    hl_o311_keys_destroy (&keys);
    hl_o311_keys_destroy (&again);
}

static void
test_refused (void)
{
    static const char *bad[] = {
        "a short-key app 60 3\n",
        "a app-key-0123456789abcdef phone 60 3\n",
        "a app-key-0123456789abcdef app 0 3\n",
        "a app-key-0123456789abcdef app 60\n",
        "a app-key-0123456789abcdef app 60 3\nb app-key-0123456789abcdef web 60 3\n",
        "a app-key-0123456789abcdef app 60 3\na web-key-0123456789abcdef web 60 3\n",
        "# nothing\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256];
        hl_o311_keys_t *keys = hl_o311_keys_parse ("keys", bad[i], err, sizeof err);
        HL_CHECK (keys == NULL);
        hl_o311_keys_destroy (&keys);
    }
}

//  The file must be the owner's only.
static void
test_file_mode (void)
{
    char dir[] = "/tmp/hl-o311-keys-XXXXXX", path[64], err[256];
    HL_CHECK (mkdtemp (dir) != NULL);
    snprintf (path, sizeof path, "%s/keys", dir);
    FILE *f = fopen (path, "w");
    fputs (s_file, f);
    fclose (f);
    chmod (path, 0644);
    HL_CHECK (hl_o311_keys_load (path, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "chmod 600") != NULL);
    chmod (path, 0600);
    hl_o311_keys_t *keys = hl_o311_keys_load (path, err, sizeof err);
    HL_CHECK (keys != NULL);
    hl_o311_keys_destroy (&keys);
    unlink (path);
    rmdir (dir);
}

static const hl_test_case_t s_cases[] = {
    { "find", test_find }, { "bucket", test_bucket }, { "refused", test_refused },
    { "file_mode", test_file_mode }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
