/*  Unit test of hl_zap: the worker keys file and the handler's binding.
 *  (Who gets in is tested end to end in tests/test_dispatch.c, curve.) */
#include "hl_curve.h"
#include "hl_test.h"
#include "hl_zap.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static void
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    HL_CHECK (f != NULL);
    if (f) {
        fputs (text, f);
        fclose (f);
    }
}

static void
test_keys_file (void)
{
    struct event_base *base = event_base_new ();
    void *ctx = zmq_ctx_new ();
    char a[HL_CURVE_KEY_TEXT], b[HL_CURVE_KEY_TEXT], sec[HL_CURVE_KEY_TEXT];
    HL_CHECK (hl_curve_keypair (a, sec) == 0 && hl_curve_keypair (b, sec) == 0);
    char path[] = "/tmp/hl-zap-XXXXXX", text[400], err[256];
    close (mkstemp (path));
    snprintf (text, sizeof text, "# unit  key\nrsj %s   # 人社 counter\n\nybj %s\n", a, b);
    s_write (path, text);
    hl_zap_t *zap = hl_zap_new (base, ctx, path, err, sizeof err);
    HL_CHECK (zap != NULL);
    HL_CHECK (zap && hl_zap_count (zap) == 2);

    //  One handler per context.
    hl_zap_t *second = hl_zap_new (base, ctx, path, err, sizeof err);
    HL_CHECK (second == NULL);
    HL_CHECK (strstr (err, "authentication handler") != NULL);

    //  A bad file is refused with its line, and the old keys stay.
    snprintf (text, sizeof text, "rsj %s\nybj not-a-key\n", a);
    s_write (path, text);
    HL_CHECK (zap && hl_zap_reload (zap, path, err, sizeof err) == -1);
    HL_CHECK (strstr (err, ":2: expected") != NULL);
    HL_CHECK (zap && hl_zap_count (zap) == 2);
    snprintf (text, sizeof text, "rsj %s extra\n", a);
    s_write (path, text);
    HL_CHECK (zap && hl_zap_reload (zap, path, err, sizeof err) == -1);
    snprintf (text, sizeof text, "RSJ! %s\n", a);
    s_write (path, text);
    HL_CHECK (zap && hl_zap_reload (zap, path, err, sizeof err) == -1);
    snprintf (text, sizeof text, "rsj %s\n", b);
    s_write (path, text);
    HL_CHECK (zap && hl_zap_reload (zap, path, err, sizeof err) == 0);
    HL_CHECK (zap && hl_zap_count (zap) == 1);
    unlink (path);
    HL_CHECK (zap && hl_zap_reload (zap, path, err, sizeof err) == -1);
    HL_CHECK (hl_zap_new (base, ctx, path, err, sizeof err) == NULL);

    hl_zap_destroy (&zap);
    HL_CHECK (zap == NULL);
    hl_zap_destroy (&zap);
    zmq_ctx_term (ctx);
    event_base_free (base);
}

static const hl_test_case_t s_cases[] = {
    { "keys_file", test_keys_file },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
