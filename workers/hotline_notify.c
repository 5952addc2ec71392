/*  hotline-notify: the reference notification adaptor (docs/notify.md).
 *
 *  Connects to hotlined's notify_endpoint (each instance's: one socket
 *  each, so every answer goes back to the instance that sent the message
 *  and holds its outbox entry), says hello every second, and
 *  for each message hotlined hands over either appends it as one JSON
 *  line to a file (--out) or submits it to an SMS gateway's line protocol
 *  (--smsgw, hl_smsgw), then confirms it ("done"). A message it cannot
 *  deliver is answered "failed" and hotlined offers it again later, after
 *  a growing pause. A message already sent (its id in the record,
 *  hl_sentset) is confirmed without being sent again: a restart, a lost
 *  confirmation or hotlined's own retry never reaches the caller twice.
 *
 *  It links only the shared code (common/), never hotlined's.
 *
 *  Signals: SIGTERM, SIGINT stop (a message being written is finished).
 */
#include "hl_curve.h"
#include "hl_log.h"
#include "hl_notify.h"
#include "hl_sentset.h"
#include "hl_smsgw.h"
#include "hl_zsock.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

//  Hello this often: hotlined takes an adaptor silent for 3 s for gone.
#define S_HELLO_MS 1000
//  Longest message id hotlined sends (ticket.entry-id).
#define S_ID_MAX 96
//  Most hotlined instances served at once.
#define S_ENDPOINTS_MAX 8

typedef struct {
    const char *endpoint, *out, *smsgw, *sent, *key_file, *server_key;
    const char *pidfile, *log_file, *log_level;
    int timeout_ms;
} s_args_t;

typedef struct {
    hl_zsock_t *zsocks[S_ENDPOINTS_MAX];
    size_t n_zsocks;
    hl_sentset_t *sent;          //  the record (with --out: the output itself)
    hl_smsgw_t *smsgw;           //  NULL: --out
    uint64_t delivered, repeated, failed;
} s_adaptor_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
        "usage: hotline-notify --endpoint EP (--out FILE | --smsgw HOST:PORT --sent FILE)\n"
        "  --endpoint EP[,EP]   hotlined's notify_endpoint, every instance's (or\n"
        "                       $HOTLINE_NOTIFY_ENDPOINT)\n"
        "  --out FILE           append each message as one JSON line (the file is also\n"
        "                       the record of what was sent)\n"
        "  --smsgw HOST:PORT    submit each message to an SMS gateway (docs/notify.md)\n"
        "  --sent FILE          with --smsgw: the record of the ids sent\n"
        "  --timeout-ms MS      wait for the SMS gateway's answer (default 5000)\n"
        "  --key-file F --server-key K   CURVE to hotlined (or $HOTLINE_KEY_FILE and\n"
        "                       $HOTLINE_SERVER_KEY); the key listed as channel:sms\n"
        "  --pidfile F --log-file F --log-level LEVEL\n");
}

static int
s_parse_args (s_args_t *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "endpoint", 1, NULL, 'e' }, { "out", 1, NULL, 'o' }, { "smsgw", 1, NULL, 'g' },
        { "sent", 1, NULL, 's' }, { "timeout-ms", 1, NULL, 't' },
        { "key-file", 1, NULL, 'K' }, { "server-key", 1, NULL, 'S' },
        { "pidfile", 1, NULL, 'p' }, { "log-file", 1, NULL, 'f' }, { "log-level", 1, NULL, 'v' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 }
    };
    a->timeout_ms = 5000;
    a->endpoint = getenv ("HOTLINE_NOTIFY_ENDPOINT");
    int opt;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
            case 'e': a->endpoint = optarg; break;
            case 'o': a->out = optarg; break;
            case 'g': a->smsgw = optarg; break;
            case 's': a->sent = optarg; break;
            case 't': a->timeout_ms = atoi (optarg); break;
            case 'K': a->key_file = optarg; break;
            case 'S': a->server_key = optarg; break;
            case 'p': a->pidfile = optarg; break;
            case 'f': a->log_file = optarg; break;
            case 'v': a->log_level = optarg; break;
            case 'h': s_usage (stdout); exit (0);
            default: return -1;
        }
    }
    int one_sink = (a->out != NULL) != (a->smsgw != NULL);
    if (optind != argc || !a->endpoint || !*a->endpoint || !one_sink
        || (a->smsgw && !a->sent) || (a->out && a->sent) || a->timeout_ms < 100) {
        s_usage (stderr);
        return -1;
    }
    return 0;
}

//  VERB ID [REASON] to the hotlined on ZSOCK.
static void
s_answer (hl_zsock_t *zsock, const char *verb, const char *id, const char *reason)
{
    const void *parts[] = { verb, id, reason };
    size_t lens[] = { strlen (verb), strlen (id), reason ? strlen (reason) : 0 };
    hl_zsock_send (zsock, parts, lens, reason ? 3 : 2);
}

//  RECORD delivered as ID: 0, or -1 with the reason in ERR.
static int
s_deliver (s_adaptor_t *ad, const char *id, const char *record, char *err, size_t errlen)
{
    if (!ad->smsgw) {
        if (hl_sentset_add (ad->sent, id, record) == 0)
            return 0;
        snprintf (err, errlen, "cannot write the output: %s", strerror (errno));
        return -1;
    }
    if (hl_smsgw_submit (ad->smsgw, id, record, err, errlen) != 0)
        return -1;
    //  Taken by the gateway: if this record fails, the gateway's own check
    //  by id still keeps a second submit from reaching the caller.
    if (hl_sentset_add (ad->sent, id, NULL) != 0)
        hl_warning ("%s: sent, but not recorded: %s", id, strerror (errno));
    return 0;
}

//  One message: "message" ID RECORD.
static void
s_on_message (hl_zsock_t *zsock, zmq_msg_t *frames, size_t nframes, int truncated, void *arg)
{
    s_adaptor_t *ad = arg;
    if (!truncated && nframes == 3 && zmq_msg_size (&frames[0]) == 5
        && memcmp (zmq_msg_data (&frames[0]), "error", 5) == 0) {
        hl_warning ("hotlined refused what this adaptor sent: %.*s: %.*s",
                    (int) zmq_msg_size (&frames[1]), (const char *) zmq_msg_data (&frames[1]),
                    (int) zmq_msg_size (&frames[2]), (const char *) zmq_msg_data (&frames[2]));
        return;
    }
    if (truncated || nframes != 3 || zmq_msg_size (&frames[0]) != 7
        || memcmp (zmq_msg_data (&frames[0]), "message", 7) != 0
        || zmq_msg_size (&frames[1]) == 0 || zmq_msg_size (&frames[1]) >= S_ID_MAX) {
        hl_warning ("a message hotlined should not send: ignored");
        return;
    }
    char id[S_ID_MAX];
    snprintf (id, sizeof id, "%.*s", (int) zmq_msg_size (&frames[1]),
              (const char *) zmq_msg_data (&frames[1]));
    size_t len = zmq_msg_size (&frames[2]);
    char *record = malloc (len + 1);
    if (!record)
        abort ();
    memcpy (record, zmq_msg_data (&frames[2]), len);
    record[len] = 0;
    char err[300];
    if (hl_sentset_has (ad->sent, id)) {
        ad->repeated++;
        s_answer (zsock, "done", id, NULL);
    }
    else
    if (strlen (record) != len || strchr (record, '\n') || *record != '{') {
        ad->failed++;
        s_answer (zsock, "failed", id, "not one JSON line");
    }
    else
    if (s_deliver (ad, id, record, err, sizeof err) == 0) {
        ad->delivered++;
        s_answer (zsock, "done", id, NULL);
    }
    else {
        ad->failed++;
        hl_warning ("%s: %s", id, err);
        s_answer (zsock, "failed", id, err);
    }
    free (record);
}

static void
s_on_hello (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_adaptor_t *ad = arg;
    const void *parts[] = { "hello" };
    size_t lens[] = { 5 };
    for (size_t i = 0; i < ad->n_zsocks; i++)
        hl_zsock_send (ad->zsocks[i], parts, lens, 1);
}

static void
s_on_stop (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    event_base_loopexit (arg, NULL);
}

//  The DEALER to hotlined, CURVE with KEYS (NULL: plain). NULL with ERR.
static void *
s_dealer (void *ctx, const char *endpoint, const hl_curve_client_t *keys, char *err,
          size_t errlen)
{
    void *s = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    if (s)
        zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    if (!s || (keys && hl_curve_client_apply (s, keys) != 0) || zmq_connect (s, endpoint) != 0) {
        snprintf (err, errlen, "%s: %s", endpoint, zmq_strerror (zmq_errno ()));
        if (s)
            zmq_close (s);
        return NULL;
    }
    return s;
}

//  One DEALER per endpoint of the comma-separated ENDPOINTS. 0, or -1
//  with ERR.
static int
s_connect_all (s_adaptor_t *ad, struct event_base *base, void *ctx, const char *endpoints,
               const hl_curve_client_t *keys, char *err, size_t errlen)
{
    char list[1024];
    snprintf (list, sizeof list, "%s", endpoints);
    char *save = NULL;
    for (char *ep = strtok_r (list, ",", &save); ep; ep = strtok_r (NULL, ",", &save)) {
        void *dealer = ad->n_zsocks < S_ENDPOINTS_MAX
                     ? s_dealer (ctx, ep, keys, err, errlen) : NULL;
        if (!dealer) {
            if (ad->n_zsocks == S_ENDPOINTS_MAX)
                snprintf (err, errlen, "more than %d endpoints", S_ENDPOINTS_MAX);
            return -1;
        }
        ad->zsocks[ad->n_zsocks++] = hl_zsock_new (base, dealer, s_on_message, ad);
    }
    return 0;
}

static int
s_run (const s_args_t *a, s_adaptor_t *ad, const hl_curve_client_t *keys)
{
    char err[512];
    struct event_base *base = event_base_new ();
    void *ctx = zmq_ctx_new ();
    if (!base || !ctx)
        abort ();
    if (s_connect_all (ad, base, ctx, a->endpoint, keys, err, sizeof err) != 0) {
        hl_error ("cannot connect to hotlined: %s", err);
        for (size_t i = 0; i < ad->n_zsocks; i++)
            hl_zsock_destroy (&ad->zsocks[i], 0);
        zmq_ctx_term (ctx);
        event_base_free (base);
        return 2;
    }
    struct event *hello = event_new (base, -1, EV_PERSIST, s_on_hello, ad);
    struct event *term = evsignal_new (base, SIGTERM, s_on_stop, base);
    struct event *intr = evsignal_new (base, SIGINT, s_on_stop, base);
    struct timeval tv = { S_HELLO_MS / 1000, (S_HELLO_MS % 1000) * 1000 };
    event_add (hello, &tv);
    event_add (term, NULL);
    event_add (intr, NULL);
    s_on_hello (-1, 0, ad);
    if (a->pidfile) {
        FILE *f = fopen (a->pidfile, "w");
        if (f) {
            fprintf (f, "%d\n", (int) getpid ());
            fclose (f);
        }
    }
    hl_info ("sending hotlined's messages at %s to %s (%zu sent before)", a->endpoint,
             a->out ? a->out : a->smsgw, hl_sentset_size (ad->sent));
    hl_notify_t *notify = hl_notify_new (base);
    hl_notify_send (notify, "READY=1");
    event_base_dispatch (base);
    hl_notify_destroy (&notify);
    hl_info ("stopped: %llu delivered, %llu sent before, %llu failed",
             (unsigned long long) ad->delivered, (unsigned long long) ad->repeated,
             (unsigned long long) ad->failed);
    event_free (hello);
    event_free (term);
    event_free (intr);
    for (size_t i = 0; i < ad->n_zsocks; i++)
        hl_zsock_destroy (&ad->zsocks[i], 0);
    zmq_ctx_term (ctx);
    event_base_free (base);
    if (a->pidfile)
        unlink (a->pidfile);
    return 0;
}

int
main (int argc, char **argv)
{
    s_args_t a = { 0 };
    if (s_parse_args (&a, argc, argv) != 0
        || hl_log_setup ("hotline-notify", a.log_level, a.log_file) != 0)
        return 2;
    signal (SIGPIPE, SIG_IGN);
    char err[512];
    hl_curve_client_t keys;
    int curve = hl_curve_client_flags (&keys, a.key_file, a.server_key, err, sizeof err);
    if (curve < 0) {
        hl_error ("%s", err);
        return 2;
    }
    s_adaptor_t ad = { 0 };
    ad.sent = hl_sentset_open (a.out ? a.out : a.sent, err, sizeof err);
    if (ad.sent && a.smsgw)
        ad.smsgw = hl_smsgw_new (a.smsgw, a.timeout_ms, err, sizeof err);
    int rc = 2;
    if (!ad.sent || (a.smsgw && !ad.smsgw))
        hl_error ("%s", err);
    else
        rc = s_run (&a, &ad, curve == 1 ? &keys : NULL);
    hl_smsgw_destroy (&ad.smsgw);
    hl_sentset_destroy (&ad.sent);
    return rc;
}
