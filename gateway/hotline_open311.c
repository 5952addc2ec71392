/*  hotline-open311: the Open311 GeoReport v2 gateway of a hotline.
 *
 *  One process, one libevent loop: an HTTP server for Open311 clients
 *  (city apps, web portals, FixMyStreet-style front ends) and a DEALER
 *  socket to hotlined's intake. It keeps nothing of its own: a ticket
 *  exists once hotlined acknowledged it, and the gateway's answer comes
 *  only after that.
 *
 *  Signals:
 *    SIGTERM, SIGINT  stop taking connections, answer what waits for
 *                     hotlined (at most --timeout), exit 0
 *    SIGHUP           reread the key file (a bad file is refused, the old
 *                     keys stay)
 */
#include "hl_catalogue.h"
#include "hl_codes.h"
#include "hl_curve.h"
#include "hl_log.h"
#include "hl_notify.h"
#include "hl_o311.h"
#include "hl_o311_keys.h"
#include "hl_o311_services.h"

#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    hl_o311_opts_t opts;
    const char *services_path, *codes_path, *dispatch_path, *keys_path;
    const char *pidfile, *log_file, *log_level;
    const char *key_file, *server_key;
    hl_curve_client_t curve;
} s_args_t;

typedef struct {
    s_args_t *args;
    struct event_base *base;
    hl_o311_t *gateway;
    hl_o311_keys_t *keys;
    struct event *stop_check;
    int stopping;
} s_main_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
        "usage: hotline-open311 --services FILE --codes FILE --keys FILE [options]\n"
        "  --listen HOST:PORT   where to serve (default 127.0.0.1:7190)\n"
        "  --endpoint EP        hotlined's intake (default $HOTLINE_ENDPOINT or\n"
        "                       tcp://127.0.0.1:7101)\n"
        "  --services FILE      the Open311 services (deploy/etc/open311.conf)\n"
        "  --codes FILE         categories and areas (deploy/etc/codes.conf)\n"
        "  --dispatch FILE      units, to name agency_responsible (optional)\n"
        "  --keys FILE          API keys, mode 0600 (docs/open311.md)\n"
        "  --base-url URL       advertised in discovery (default http://LISTEN/open311/v2/)\n"
        "  --timeout MS         wait for hotlined per request (default 5000)\n"
        "  --max-body BYTES     largest POST body (default 65536)\n"
        "  --key-file F --server-key K   CURVE to hotlined (or $HOTLINE_KEY_FILE and\n"
        "                       $HOTLINE_SERVER_KEY)\n"
        "  --pidfile F --log-file F --log-level LEVEL\n");
}

static int
s_parse_args (s_args_t *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "listen", 1, NULL, 'l' }, { "endpoint", 1, NULL, 'e' }, { "services", 1, NULL, 's' },
        { "codes", 1, NULL, 'c' }, { "dispatch", 1, NULL, 'd' }, { "keys", 1, NULL, 'k' },
        { "base-url", 1, NULL, 'b' }, { "timeout", 1, NULL, 't' }, { "max-body", 1, NULL, 'm' },
        { "pidfile", 1, NULL, 'p' }, { "log-file", 1, NULL, 'f' }, { "log-level", 1, NULL, 'v' },
        { "key-file", 1, NULL, 'K' }, { "server-key", 1, NULL, 'S' }, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    hl_o311_opts_default (&a->opts);
    if (getenv ("HOTLINE_ENDPOINT") && *getenv ("HOTLINE_ENDPOINT"))
        a->opts.endpoint = getenv ("HOTLINE_ENDPOINT");
    int opt;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
            case 'l': a->opts.address = optarg; break;
            case 'e': a->opts.endpoint = optarg; break;
            case 's': a->services_path = optarg; break;
            case 'c': a->codes_path = optarg; break;
            case 'd': a->dispatch_path = optarg; break;
            case 'k': a->keys_path = optarg; break;
            case 'b': a->opts.base_url = optarg; break;
            case 't': a->opts.timeout_ms = atoi (optarg); break;
            case 'm': a->opts.max_body_bytes = (size_t) atol (optarg); break;
            case 'p': a->pidfile = optarg; break;
            case 'f': a->log_file = optarg; break;
            case 'v': a->log_level = optarg; break;
            case 'K': a->key_file = optarg; break;
            case 'S': a->server_key = optarg; break;
            case 'h': s_usage (stdout); exit (0);
            default: return -1;
        }
    }
    if (optind != argc || !a->services_path || !a->codes_path || !a->keys_path
        || a->opts.timeout_ms < 100 || a->opts.max_body_bytes < 1024) {
        s_usage (stderr);
        return -1;
    }
    return 0;
}

//  Stop once nothing waits for hotlined (each wait ends by --timeout).
static void
s_on_stop_check (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_main_t *m = arg;
    if (hl_o311_pending (m->gateway) == 0)
        event_base_loopexit (m->base, NULL);
}

static void
s_on_stop (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_main_t *m = arg;
    if (m->stopping++)
        return;
    hl_info ("stopping: %zu requests wait for hotlined", hl_o311_pending (m->gateway));
    struct timeval tv = { 0, 50 * 1000 };
    m->stop_check = event_new (m->base, -1, EV_PERSIST, s_on_stop_check, m);
    event_add (m->stop_check, &tv);
}

static void
s_on_reload (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_main_t *m = arg;
    char err[512];
    hl_o311_keys_t *keys = hl_o311_keys_load (m->args->keys_path, err, sizeof err);
    if (!keys) {
        hl_warning ("SIGHUP: keys not reloaded, the old ones stay: %s", err);
        return;
    }
    hl_o311_keys_inherit (keys, m->keys);
    hl_o311_set_keys (m->gateway, keys);
    hl_o311_keys_destroy (&m->keys);
    m->keys = keys;
    hl_info ("SIGHUP: keys reloaded");
}

static int
s_run (s_args_t *a, hl_o311_services_t *services, hl_o311_keys_t *keys,
       hl_catalogue_t *catalogue)
{
    char err[512];
    s_main_t m = { .args = a, .keys = keys };
    m.base = event_base_new ();
    m.gateway = hl_o311_new (m.base, &a->opts, services, keys, catalogue, err, sizeof err);
    if (!m.gateway) {
        hl_error ("%s", err);
        event_base_free (m.base);
        return 1;
    }
    struct event *term = evsignal_new (m.base, SIGTERM, s_on_stop, &m);
    struct event *intr = evsignal_new (m.base, SIGINT, s_on_stop, &m);
    struct event *hup = evsignal_new (m.base, SIGHUP, s_on_reload, &m);
    event_add (term, NULL);
    event_add (intr, NULL);
    event_add (hup, NULL);
    if (a->pidfile) {
        FILE *f = fopen (a->pidfile, "w");
        if (f) {
            fprintf (f, "%d\n", (int) getpid ());
            fclose (f);
        }
    }
    hl_info ("serving Open311 GeoReport v2 on http://%s/open311/v2/ for hotlined at %s "
             "(%zu services)", a->opts.address, a->opts.endpoint,
             hl_o311_services_count (services));
    //  Listening: a service manager (or the tests' harness) may go on.
    hl_notify_t *notify = hl_notify_new (m.base);
    hl_notify_send (notify, "READY=1");
    event_base_dispatch (m.base);
    hl_notify_destroy (&notify);
    hl_o311_destroy (&m.gateway);
    event_free (term);
    event_free (intr);
    event_free (hup);
    if (m.stop_check)
        event_free (m.stop_check);
    event_base_free (m.base);
    hl_o311_keys_destroy (&m.keys);
    if (a->pidfile)
        unlink (a->pidfile);
    hl_info ("stopped");
    return 0;
}

int
main (int argc, char **argv)
{
    s_args_t a = { 0 };
    if (s_parse_args (&a, argc, argv) != 0
        || hl_log_setup ("hotline-open311", a.log_level, a.log_file) != 0)
        return 2;
    signal (SIGPIPE, SIG_IGN);
    char err[512];
    int curve = hl_curve_client_flags (&a.curve, a.key_file, a.server_key, err, sizeof err);
    if (curve < 0) {
        hl_error ("%s", err);
        return 2;
    }
    a.opts.curve = curve == 1 ? &a.curve : NULL;
    hl_codes_t *codes = hl_codes_load (a.codes_path, err, sizeof err);
    hl_o311_services_t *services = codes ? hl_o311_services_load (a.services_path, codes, err,
                                                                  sizeof err) : NULL;
    hl_catalogue_t *catalogue = NULL;
    if (services && a.dispatch_path)
        catalogue = hl_catalogue_load (a.dispatch_path, err, sizeof err);
    hl_o311_keys_t *keys = services && (catalogue || !a.dispatch_path)
                         ? hl_o311_keys_load (a.keys_path, err, sizeof err) : NULL;
    int rc = 2;
    if (!keys)
        hl_error ("%s", err);
    else
        rc = s_run (&a, services, keys, catalogue);
    hl_catalogue_destroy (&catalogue);
    hl_o311_services_destroy (&services);
    hl_codes_destroy (&codes);
    return rc;
}
