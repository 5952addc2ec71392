/*  Unit test of hl_curve: CURVE keys in Z85 and key files. */
#include "hl_curve.h"
#include "hl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
test_keys_and_files (void)
{
    char pub[HL_CURVE_KEY_TEXT], sec[HL_CURVE_KEY_TEXT], out[HL_CURVE_KEY_TEXT], err[256];
    HL_CHECK (hl_curve_keypair (pub, sec) == 0);
    uint8_t key[32];
    HL_CHECK (hl_curve_decode (pub, key));
    HL_CHECK (hl_curve_decode (sec, NULL));
    HL_CHECK (!hl_curve_decode ("short", NULL));
    HL_CHECK (!hl_curve_decode (NULL, NULL));
    char bad[41];
    memset (bad, '"', 40);             //  '"' is not a Z85 character
    bad[40] = 0;
    HL_CHECK (!hl_curve_decode (bad, NULL));

    char path[] = "/tmp/hl-curve-XXXXXX";
    int fd = mkstemp (path);
    FILE *f = fdopen (fd, "w");
    fprintf (f, "# a worker's key pair\npublic %s\n\nsecret %s\n", pub, sec);
    fclose (f);
    HL_CHECK (hl_curve_read_key (path, "public", out, err, sizeof err) == 0);
    HL_CHECK_STR (out, pub);
    HL_CHECK (hl_curve_read_key (path, "secret", out, err, sizeof err) == 0);
    HL_CHECK_STR (out, sec);
    HL_CHECK (hl_curve_read_key (path, "other", out, err, sizeof err) == -1);
    HL_CHECK (strstr (err, "no \"other <key (Z85)>\" line") != NULL);
    unlink (path);
    HL_CHECK (hl_curve_read_key (path, "public", out, err, sizeof err) == -1);
    HL_CHECK (strstr (err, path) != NULL);
}

//  A client's keys come as a pair or not at all.
static void
test_client_pair (void)
{
    char path[] = "/tmp/hl-curve-XXXXXX", err[400];
    int fd = mkstemp (path);
    FILE *f = fdopen (fd, "w");
    HL_CHECK (hl_curve_print_keypair (f, "# a client\n") == 0);
    fclose (f);
    char server_pub[HL_CURVE_KEY_TEXT], server_sec[HL_CURVE_KEY_TEXT];
    HL_CHECK (hl_curve_keypair (server_pub, server_sec) == 0);
    hl_curve_client_t keys;
    HL_CHECK (hl_curve_client_pair (&keys, NULL, "", "A and B", err, sizeof err) == 0);
    HL_CHECK (hl_curve_client_pair (&keys, path, NULL, "A and B", err, sizeof err) == -1);
    HL_CHECK_STR (err, "A and B go together");
    HL_CHECK (hl_curve_client_pair (&keys, path, server_pub, "A and B", err, sizeof err) == 1);
    HL_CHECK_STR (keys.server_key, server_pub);
    HL_CHECK (hl_curve_decode (keys.public_key, NULL) && hl_curve_decode (keys.secret_key, NULL));
    //  The server key may also be a key file holding it.
    HL_CHECK (hl_curve_client_pair (&keys, path, path, "A and B", err, sizeof err) == 1);
    HL_CHECK (strcmp (keys.server_key, keys.public_key) == 0);
    HL_CHECK (hl_curve_client_pair (&keys, path, "not-a-key", "A and B", err, sizeof err) == -1);
    HL_CHECK (strstr (err, "server key: not a key") != NULL);
    //  A program's flags win; without them, the environment.
    HL_CHECK (hl_curve_client_flags (&keys, path, NULL, err, sizeof err) == -1);
    HL_CHECK_STR (err, "--key-file and --server-key go together");
    unsetenv ("HOTLINE_KEY_FILE");
    setenv ("HOTLINE_SERVER_KEY", server_pub, 1);
    HL_CHECK (hl_curve_client_flags (&keys, NULL, NULL, err, sizeof err) == -1);
    HL_CHECK_STR (err, "HOTLINE_KEY_FILE and HOTLINE_SERVER_KEY go together");
    setenv ("HOTLINE_KEY_FILE", path, 1);
    HL_CHECK (hl_curve_client_flags (&keys, NULL, NULL, err, sizeof err) == 1);
    unsetenv ("HOTLINE_KEY_FILE");
    unsetenv ("HOTLINE_SERVER_KEY");
    HL_CHECK (hl_curve_client_flags (&keys, NULL, NULL, err, sizeof err) == 0);
    unlink (path);
    HL_CHECK (hl_curve_client_pair (&keys, path, server_pub, "A and B", err, sizeof err) == -1);
    HL_CHECK (strstr (err, "key file:") != NULL);
}

static const hl_test_case_t s_cases[] = {
    { "keys_and_files", test_keys_and_files },
    { "client_pair", test_client_pair },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
