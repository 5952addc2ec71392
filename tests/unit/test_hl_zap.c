/*  Unit test of hl_zap: the key lists of both domains and the handler's
 *  binding. (Who gets in, end to end, is tested in tests/test_dispatch.c
 *  "curve" and tests/test_intake.c "curve".) */
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

typedef struct {
    struct event_base *base;
    void *ctx;
    hl_zap_t *zap;
    char a[HL_CURVE_KEY_TEXT], b[HL_CURVE_KEY_TEXT];
    char path[32];
    char err[256];
} s_fixture_t;

static void
s_setup (s_fixture_t *f)
{
    memset (f, 0, sizeof *f);
    f->base = event_base_new ();
    f->ctx = zmq_ctx_new ();
    char sec[HL_CURVE_KEY_TEXT];
    HL_CHECK (hl_curve_keypair (f->a, sec) == 0 && hl_curve_keypair (f->b, sec) == 0);
    snprintf (f->path, sizeof f->path, "/tmp/hl-zap-XXXXXX");
    close (mkstemp (f->path));
    f->zap = hl_zap_new (f->base, f->ctx, f->err, sizeof f->err);
    HL_CHECK (f->zap != NULL);
}

static void
s_teardown (s_fixture_t *f)
{
    unlink (f->path);
    hl_zap_destroy (&f->zap);
    HL_CHECK (f->zap == NULL);
    hl_zap_destroy (&f->zap);
    zmq_ctx_term (f->ctx);
    event_base_free (f->base);
}

//  Writes TEXT (a format with two %s: the keys a and b) and loads it.
static int
s_load (s_fixture_t *f, const char *domain, const char *format)
{
    char text[600];
    snprintf (text, sizeof text, format, f->a, f->b);
    s_write (f->path, text);
    return f->zap ? hl_zap_load (f->zap, domain, f->path, f->err, sizeof f->err) : -1;
}

static void
test_worker_keys (void)
{
    s_fixture_t f;
    s_setup (&f);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 0);
    HL_CHECK (s_load (&f, HL_ZAP_WORKERS, "# unit  key\nrsj %s   # 人社 counter\n\nybj %s\n") == 0);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 2);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_STAFF) == 0);

    //  One handler per context.
    HL_CHECK (hl_zap_new (f.base, f.ctx, f.err, sizeof f.err) == NULL);
    HL_CHECK (strstr (f.err, "authentication handler") != NULL);

    //  A bad file is refused with its line, and the old keys stay.
    HL_CHECK (s_load (&f, HL_ZAP_WORKERS, "rsj %s\nybj not-a-key %.0s\n") == -1);
    HL_CHECK (strstr (f.err, ":2: expected \"<unit code> <public key (Z85)>\"") != NULL);
    HL_CHECK (strncmp (f.err, "worker keys: ", 13) == 0);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 2);
    HL_CHECK (s_load (&f, HL_ZAP_WORKERS, "rsj %s extra%.0s\n") == -1);
    HL_CHECK (s_load (&f, HL_ZAP_WORKERS, "RSJ! %s%.0s\n") == -1);
    HL_CHECK (s_load (&f, HL_ZAP_WORKERS, "agent:wang %s%.0s\n") == -1);
    HL_CHECK (s_load (&f, HL_ZAP_WORKERS, "%.0srsj %s\n") == 0);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 1);

    //  From memory, as from a file; a line of any length is one line (a
    //  long comment is not read as keys).
    char text[1200];
    int n = snprintf (text, sizeof text, "rsj %s # ", f.a);
    memset (text + n, 'x', 700);
    snprintf (text + n + 700, sizeof text - (size_t) n - 700, " ybj\nybj %s\n", f.b);
    HL_CHECK (hl_zap_load_text (f.zap, HL_ZAP_WORKERS, "inline", text, f.err,
                                sizeof f.err) == 0);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 2);
    HL_CHECK (hl_zap_load_text (f.zap, HL_ZAP_WORKERS, "inline", "\n\nrsj", f.err,
                                sizeof f.err) == -1);
    HL_CHECK (strstr (f.err, "inline:3: expected") != NULL);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 2);
    HL_CHECK (s_load (&f, HL_ZAP_WORKERS, "%.0srsj %s\n") == 0);
    unlink (f.path);
    HL_CHECK (hl_zap_load (f.zap, HL_ZAP_WORKERS, f.path, f.err, sizeof f.err) == -1);
    HL_CHECK (strstr (f.err, f.path) != NULL);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 1);
    s_teardown (&f);
}

static void
test_staff_keys (void)
{
    HL_CHECK (hl_zap_staff_name ("agent:wang"));
    HL_CHECK (hl_zap_staff_name ("agent:王芳"));
    HL_CHECK (hl_zap_staff_name ("dispatcher:li"));
    HL_CHECK (hl_zap_staff_name ("supervisor:zhao"));
    HL_CHECK (hl_zap_staff_name ("channel:web"));
    HL_CHECK (hl_zap_staff_name ("channel:enterprise"));
    HL_CHECK (!hl_zap_staff_name ("channel:fax"));         //  not a channel
    HL_CHECK (!hl_zap_staff_name ("agent:"));
    HL_CHECK (!hl_zap_staff_name ("worker:x"));
    HL_CHECK (!hl_zap_staff_name ("rsj"));
    HL_CHECK (!hl_zap_staff_name ("agent:\x01"));
    HL_CHECK (!hl_zap_staff_name ("agent:\xff"));
    char long_name[100];
    memset (long_name, 'x', sizeof long_name - 1);
    memcpy (long_name, "agent:", 6);
    long_name[99] = 0;
    HL_CHECK (!hl_zap_staff_name (long_name));

    s_fixture_t f;
    s_setup (&f);
    HL_CHECK (s_load (&f, HL_ZAP_STAFF, "agent:王芳 %s\nchannel:web %s  # portal gateway\n") == 0);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_STAFF) == 2);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_WORKERS) == 0);
    HL_CHECK (s_load (&f, HL_ZAP_STAFF, "agent:wang %s\nrsj %s\n") == -1);
    HL_CHECK (strstr (f.err, ":2: expected \"<agent|dispatcher|supervisor|channel>:<name>") != NULL);
    HL_CHECK (strncmp (f.err, "staff keys: ", 12) == 0);
    HL_CHECK (hl_zap_count (f.zap, HL_ZAP_STAFF) == 2);
    s_teardown (&f);
}

//  Runs the loop until the client's poll has an answer or 3 s pass.
//  Returns 1 if the client got a reply from the CURVE server.
static int
s_exchange (s_fixture_t *f, void *server, void *client)
{
    zmq_send (client, "hello", 5, 0);
    for (int i = 0; i < 300; i++) {
        event_base_loop (f->base, EVLOOP_NONBLOCK);
        char buf[64];
        int n = zmq_recv (server, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n > 0) {
            zmq_send (server, buf, (size_t) n, ZMQ_SNDMORE);   //  routing id
            n = zmq_recv (server, buf, sizeof buf, 0);
            zmq_send (server, buf, (size_t) n, 0);
        }
        if (zmq_recv (client, buf, sizeof buf, ZMQ_DONTWAIT) > 0)
            return 1;
        usleep (10000);
    }
    return 0;
}

//  The handler answers by domain: a key listed for one domain does not
//  open the other.
static void
test_domains (void)
{
    s_fixture_t f;
    s_setup (&f);
    char server_pub[HL_CURVE_KEY_TEXT], server_sec[HL_CURVE_KEY_TEXT];
    char client_pub[HL_CURVE_KEY_TEXT], client_sec[HL_CURVE_KEY_TEXT];
    HL_CHECK (hl_curve_keypair (server_pub, server_sec) == 0);
    HL_CHECK (hl_curve_keypair (client_pub, client_sec) == 0);
    char text[200];
    snprintf (text, sizeof text, "agent:wang %s\n", client_pub);
    s_write (f.path, text);
    HL_CHECK (hl_zap_load (f.zap, HL_ZAP_STAFF, f.path, f.err, sizeof f.err) == 0);

    const char *domains[2] = { HL_ZAP_STAFF, HL_ZAP_WORKERS };
    for (int i = 0; i < 2; i++) {
        void *server = zmq_socket (f.ctx, ZMQ_ROUTER);
        int one = 1, zero = 0;
        zmq_setsockopt (server, ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt (server, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt (server, ZMQ_CURVE_SECRETKEY, server_sec, 40);
        zmq_setsockopt (server, ZMQ_ZAP_DOMAIN, domains[i], strlen (domains[i]));
        //  inproc skips the handshake: only a real transport shows CURVE.
        char endpoint[64];
        size_t len = sizeof endpoint;
        HL_CHECK (zmq_bind (server, "tcp://127.0.0.1:*") == 0);
        zmq_getsockopt (server, ZMQ_LAST_ENDPOINT, endpoint, &len);
        void *client = zmq_socket (f.ctx, ZMQ_DEALER);
        zmq_setsockopt (client, ZMQ_LINGER, &zero, sizeof zero);
        hl_curve_client_t keys;
        memcpy (keys.server_key, server_pub, sizeof keys.server_key);
        memcpy (keys.public_key, client_pub, sizeof keys.public_key);
        memcpy (keys.secret_key, client_sec, sizeof keys.secret_key);
        HL_CHECK (hl_curve_client_apply (client, &keys) == 0);
        HL_CHECK (zmq_connect (client, endpoint) == 0);
        HL_CHECK (s_exchange (&f, server, client) == (i == 0));
        zmq_close (client);
        zmq_close (server);
    }
    s_teardown (&f);
}

static const hl_test_case_t s_cases[] = {
    { "worker_keys", test_worker_keys },
    { "staff_keys", test_staff_keys },
    { "domains", test_domains },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
