/*  hotlined: the hotline daemon.
 *
 *  One thread, one libevent loop, owned here. Everything else (the intake
 *  socket, the Redis connection and its watchdog) registers events on this
 *  loop and never blocks it.
 *
 *  Signals:
 *    SIGTERM, SIGINT  drain: refuse new complaints with a retryable nack,
 *                     answer every complaint already in flight, exit 0
 *    SIGHUP           reload the code and dispatch catalogues, the SLA
 *                     policy and calendar, and the CURVE key lists (a bad
 *                     file is refused and the old one stays in force)
 *
 *  Under systemd (Type=notify) it says READY=1 once the ticket store is
 *  first ready, STOPPING=1 on SIGTERM, RELOADING=1 and READY=1 around a
 *  reload, a STATUS= line when the store or the load changes, and
 *  WATCHDOG=1 from the loop (hl_notify).
 */
#include "hl_archive.h"
#include "hl_archiver.h"
#include "hl_broker.h"
#include "hl_catalogue.h"
#include "hl_codes.h"
#include "hl_config.h"
#include "hl_deadline.h"
#include "hl_feed.h"
#include "hl_http.h"
#include "hl_intake.h"
#include "hl_tickets.h"
#include "hl_messenger.h"
#include "hl_metrics.h"
#include "hl_notify.h"
#include "hl_lease.h"
#include "hl_outbox.h"
#include "hl_retention.h"
#include "hl_timers.h"
#include "hl_visitlink.h"
#include "hl_log.h"
#include "hl_secret.h"
#include "hl_sentinel.h"
#include "hl_store.h"
#include "hl_store_sched.h"
#include "hl_zap.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    hl_config_t cfg;
    struct event_base *base;
    void *zmq_ctx;
    hl_sentinel_t *sentinel;     //  with redis_sentinels, else NULL
    char redis_nodes[2048];      //  with redis_nodes: the file's addresses, comma-separated
    hl_store_t *store;
    hl_intake_t *intake;
    hl_broker_t *broker;
    hl_tickets_t *tickets;       //  the ticket service: actions and their effects
    hl_zap_t *zap;               //  with CURVE on any endpoint, else NULL
    hl_codes_t *codes;
    hl_catalogue_t *catalogue;
    hl_deadline_t *deadline;
    hl_timers_t *timers;
    hl_lease_t *lease;           //  which buckets' timers this instance fires
    hl_outbox_t *outbox;         //  the side effects of the held buckets' steps
    hl_feed_t *feed;
    hl_metrics_t *metrics;
    hl_http_t *http;
    hl_kbserve_t *kb;
    hl_similar_t *similar;
    hl_notify_t *notify;
    struct event *status_timer;  //  refreshes the service manager's STATUS=
    char status[160];            //  the last one sent
    int ready_told;              //  READY=1 sent
    struct event *sig_term, *sig_int, *sig_hup;
    struct event *drain_timer;
    int draining;
    int drained;                 //  nothing in flight any more
    int released;                //  the timer leases are let go (or none held)
    int exit_status;             //  0, or S_EXIT_NEWER_STORE
    int64_t stop_started_us;     //  when SIGTERM came (monotonic), 0 before
    char *redis_password;        //  for redis_user, from its file or environment
    hl_pii_t *pii;               //  seals callers' details at rest
    hl_visitlink_t *visitlink;   //  callers' one-time online 回访 links
    hl_archive_t *archive;       //  with archive_dsn, else NULL
    hl_archiver_t *archiver;     //  copies changed tickets there (with archive)
    hl_retention_t *retention;   //  closed, archived tickets leave Redis (with archive)
    hl_msgtpl_t *templates;      //  their texts, until the messenger takes them
    hl_messenger_t *messenger;   //  callers' messages to the adaptor (with notify_endpoint)
} s_daemon_t;

//  The exit status of a hotlined that found its store newer than it knows
//  (the unit does not restart it: only an upgrade helps).
#define S_EXIT_NEWER_STORE 3

//  What a stop spends after the drain: the intake lingers for replies,
//  then the worker queue.
#define S_STOP_TAIL_MS 1500
//  The similar-ticket index's share of a stop: whatever it has not written
//  by then is journaled (fast) and written after the next start, so a
//  restart is not held up by indexing.
#define S_STOP_INDEX_MS 2000

//  The stop exits once nothing is in flight and the timer leases are let
//  go, so that the other instances take this one's buckets at once.
static void
s_exit_when_done (s_daemon_t *d)
{
    if (!d->drained || !d->released)
        return;
    hl_info ("drained: nothing in flight; exiting");
    event_base_loopexit (d->base, NULL);
}

static void
s_on_drained (void *arg)
{
    s_daemon_t *d = arg;
    d->drained = 1;
    s_exit_when_done (d);
}

static void
s_on_released (void *arg)
{
    s_daemon_t *d = arg;
    d->released = 1;
    s_exit_when_done (d);
}

static void
s_on_drain_timeout (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_daemon_t *d = arg;
    hl_warning ("drain timeout: %zu requests still in flight; exiting",
                hl_intake_inflight (d->intake));
    event_base_loopexit (d->base, NULL);
}

static void
s_stop_serving (s_daemon_t *d, const char *why)
{
    if (d->draining)
        return;
    d->draining = 1;
    d->stop_started_us = hl_monotonic_us ();
    hl_notice ("%s: draining %zu requests in flight", why, hl_intake_inflight (d->intake));
    hl_notify_send (d->notify, "STOPPING=1");
    hl_notify_status (d->notify, "stopping (%s): draining %zu requests in flight", why,
                      hl_intake_inflight (d->intake));
    //  The whole stop fits stop_timeout_ms: the drain gets what the
    //  similar-ticket index and the sockets' linger leave of it.
    long drain = d->cfg.stop_timeout_ms - 2 * S_STOP_TAIL_MS;
    drain = drain < 0 ? 0 : drain < d->cfg.drain_timeout_ms ? drain : d->cfg.drain_timeout_ms;
    struct timeval tv = { drain / 1000, (drain % 1000) * 1000 };
    evtimer_add (d->drain_timer, &tv);
    hl_lease_stop (d->lease, s_on_released, d);
    hl_intake_drain (d->intake, s_on_drained, d);
}

static void
s_on_stop (evutil_socket_t sig, short what, void *arg)
{
    (void) what;
    char why[32];
    snprintf (why, sizeof why, "signal %d", (int) sig);
    s_stop_serving (arg, why);
}

//  A store written by a newer hotlined: serving it could misread its
//  data, so this instance stops (the message is already logged).
static void
s_on_store_newer (const char *why, void *arg)
{
    (void) why;
    s_daemon_t *d = arg;
    d->exit_status = S_EXIT_NEWER_STORE;
    s_stop_serving (d, "ticket store newer than this hotlined");
}

//  The CURVE key lists, each replaced only if its new file loads
//  completely. 0, or -1 with ERR naming the list refused (the others
//  load all the same).
static int
s_load_keys (s_daemon_t *d, char *err, size_t errlen)
{
    const char *domains[2] = { HL_ZAP_WORKERS, HL_ZAP_STAFF };
    const char *paths[2] = { d->cfg.worker_keys, d->cfg.intake_keys };
    int rc = 0;
    for (int i = 0; d->zap && i < 2; i++)
        if (*paths[i] && hl_zap_load (d->zap, domains[i], paths[i], err, errlen) != 0)
            rc = -1;
    return rc;
}

//  With CURVE on any endpoint, the key handler comes first: a CURVE
//  socket bound before it would let every client in.
static int
s_start_zap (s_daemon_t *d, char *err, size_t errlen)
{
    if (!*d->cfg.worker_keys && !*d->cfg.intake_keys)
        return 0;
    d->zap = hl_zap_new (d->base, d->zmq_ctx, err, errlen);
    return d->zap ? s_load_keys (d, err, errlen) : -1;
}

//  Each catalogue is swapped in only if its new file loads completely;
//  work in flight keeps running on the catalogue it started with.
static void
s_on_reload (evutil_socket_t sig, short what, void *arg)
{
    (void) sig;
    (void) what;
    s_daemon_t *d = arg;
    char err[512];
    hl_notify_reloading (d->notify);
    hl_codes_t *codes = hl_codes_load (d->cfg.codes, err, sizeof err);
    if (!codes)
        hl_error ("reload refused, keeping the current codes: %s", err);
    else {
        hl_intake_set_codes (d->intake, codes);
        hl_codes_destroy (&d->codes);
        d->codes = codes;
        hl_notice ("reloaded %s: %zu categories, %zu areas", d->cfg.codes,
                   hl_codes_count (codes, HL_CODES_CATEGORY),
                   hl_codes_count (codes, HL_CODES_AREA));
    }
    hl_catalogue_t *catalogue = hl_catalogue_load (d->cfg.dispatch, err, sizeof err);
    if (!catalogue)
        hl_error ("reload refused, keeping the current dispatch catalogue: %s", err);
    else {
        hl_intake_set_catalogue (d->intake, catalogue);
        hl_broker_set_catalogue (d->broker, catalogue);
        hl_http_set_catalogue (d->http, catalogue);
        hl_catalogue_destroy (&d->catalogue);
        d->catalogue = catalogue;
        hl_notice ("reloaded %s: %zu units", d->cfg.dispatch, hl_catalogue_unit_count (catalogue));
    }
    if (s_load_keys (d, err, sizeof err) != 0)
        hl_error ("reload refused, keeping the current %s", err);
    if (hl_deadline_reload (d->deadline, err, sizeof err) != 0)
        hl_error ("reload refused, keeping the current SLA policy and calendar: %s", err);
    else {
        hl_notice ("reloaded %s and %s: recomputing open deadlines", d->cfg.sla, d->cfg.calendar_dir);
        hl_timers_recompute (d->timers);
    }
    //  Whatever was refused, the daemon serves on (with the old file).
    hl_notify_send (d->notify, "READY=1");
}

//  The service manager's one-line view (systemctl status): the store and
//  the work in flight, sent when it changes.
static void
s_tell_status (s_daemon_t *d)
{
    char status[sizeof d->status];
    snprintf (status, sizeof status, "ticket store %s; %zu requests in flight; "
              "firing the timers of %d buckets%s",
              hl_store_is_ready (d->store) ? "up" : "down", hl_intake_inflight (d->intake),
              hl_lease_count (d->lease), d->draining ? "; stopping" : "");
    if (strcmp (status, d->status) == 0)
        return;
    memcpy (d->status, status, sizeof status);
    hl_notify_status (d->notify, "%s", status);
}

static void
s_on_status_timer (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_tell_status (arg);
}

static void
s_on_lease (int bucket, int held, void *arg)
{
    s_daemon_t *d = arg;
    hl_timers_hold (d->timers, bucket, held);
    hl_outbox_hold (d->outbox, bucket, held);
    if (d->retention)
        hl_retention_hold (d->retention, bucket, held);
}

//  After every (re)connect: the worker queue reloads what waits for a
//  signature, and every running clock is re-armed (this also catches a
//  transition whose arming a crash interrupted).
static void
s_on_store_ready (void *arg)
{
    s_daemon_t *d = arg;
    hl_broker_store_ready (d->broker);
    hl_lease_kick (d->lease);
    hl_timers_recompute (d->timers);
    if (!d->ready_told) {
        d->ready_told = 1;
        hl_notify_send (d->notify, "READY=1");
    }
    s_tell_status (d);
}

//  A hotspot (热点): similar requests piling up in one area. A new one is
//  announced and kept for the dashboard; later members only join it.
static void
s_on_hotspot (const hl_similar_hotspot_t *h, void *arg)
{
    s_daemon_t *d = arg;
    if (!h->raised)
        return;
    hl_buf_t json = HL_BUF_INIT;
    int64_t now = hl_deadline_now (d->deadline);
    hl_buf_puts (&json, "{");
    hl_json_kv_str (&json, "area", h->area, strlen (h->area), 1);
    hl_json_kv_str (&json, "category", h->category, strlen (h->category), 0);
    hl_json_kv_str (&json, "lead", h->lead, strlen (h->lead), 0);
    hl_json_key (&json, "tickets", 0);
    hl_buf_puts (&json, "[");
    for (size_t i = 0; i < h->tickets_size; i++) {
        if (i)
            hl_buf_puts (&json, ",");
        hl_json_str (&json, h->tickets[i], strlen (h->tickets[i]));
    }
    hl_buf_printf (&json, "],\"at_ms\":%lld}", (long long) now);
    hl_store_hotspot_record (d->store, json.data);
    Hotline__Event ev = HOTLINE__EVENT__INIT;
    ev.kind = "hotspot";
    ev.ticket = (char *) h->lead;
    ev.area = (char *) h->area;
    ev.category = (char *) h->category;
    ev.has_at_ms = 1;
    ev.at_ms = (uint64_t) now;
    hl_feed_publish (d->feed, &ev);
    hl_notice ("hotspot in area %s: %zu similar requests (lead %s)", h->area, h->tickets_size,
               h->lead);
    hl_buf_free (&json);
}

static int
s_start_kb (s_daemon_t *d, char *err, size_t errlen)
{
    if (*d->cfg.kb_db) {
        hl_kbserve_opts_t ko = { .path = d->cfg.kb_db, .threads = (size_t) d->cfg.kb_threads };
        d->kb = hl_kbserve_new (d->base, &ko, err, errlen);
        if (!d->kb)
            return -1;
    }
    if (*d->cfg.tickets_db) {
        hl_similar_opts_t so = { .path = d->cfg.tickets_db,
                                 .hotspot_min = (size_t) d->cfg.hotspot_min,
                                 .hotspot_window_ms = d->cfg.hotspot_window_min * 60000LL,
                                 .hotspot_fn = s_on_hotspot, .hotspot_arg = d };
        d->similar = hl_similar_new (d->base, &so, err, errlen);
        if (!d->similar)
            return -1;
    }
    hl_intake_set_kb (d->intake, d->kb, d->similar);
    hl_tickets_set_similar (d->tickets, d->similar);
    return 0;
}

//  The store's clock is the daemon's (a manual one in tests), so numbers
//  are guarded on the days intake numbers them by.
static int64_t
s_clock_ms (void *arg)
{
    return hl_deadline_now (arg);
}

//  With redis_sentinels, every Redis connection of the store follows the
//  primary the sentinels name (hl_sentinel) instead of a fixed address.
//  The sentinels themselves are asked without a password: they listen on
//  loopback or a trusted network.
static int
s_start_sentinel (s_daemon_t *d, hl_redis_opts_t *redis, char *err, size_t errlen)
{
    if (!*d->cfg.redis_sentinels)
        return 0;
    hl_sentinel_opts_t o;
    hl_sentinel_opts_default (&o);
    o.sentinels = d->cfg.redis_sentinels;
    o.master_name = d->cfg.redis_master_name;
    o.timeout_ms = (int) d->cfg.redis_timeout_ms;
    d->sentinel = hl_sentinel_new (d->base, &o, err, errlen);
    if (!d->sentinel)
        return -1;
    redis->locator = hl_sentinel_locator (d->sentinel);
    hl_info ("ticket store: the primary '%s' as the sentinels %s name it",
             d->cfg.redis_master_name, d->cfg.redis_sentinels);
    return 0;
}

//  One line of the redis_nodes file: "host:port" (numeric host) or
//  "unix:/path". 0, or -1.
static int
s_node_line (const char *line)
{
    if (strncmp (line, "unix:/", 6) == 0)
        return 0;
    const char *colon = strrchr (line, ':');
    if (!colon || colon == line || colon[1] == 0)
        return -1;
    char *end;
    long port = strtol (colon + 1, &end, 10);
    return *end == 0 && port > 0 && port < 65536 ? 0 : -1;
}

//  With redis_nodes, the store's seeds are the addresses in that file (a
//  Redis Cluster's nodes, one a line; blank lines and # comments skipped):
//  any one that answers gives the slot map, so the list may be stale.
static int
s_load_nodes (s_daemon_t *d, char *err, size_t errlen)
{
    if (!*d->cfg.redis_nodes)
        return 0;
    if (*d->cfg.redis_sentinels) {
        snprintf (err, errlen, "redis_nodes and redis_sentinels exclude each other");
        return -1;
    }
    FILE *f = fopen (d->cfg.redis_nodes, "r");
    if (!f) {
        snprintf (err, errlen, "redis_nodes %.200s: %s", d->cfg.redis_nodes, strerror (errno));
        return -1;
    }
    char line[256];
    int n = 0, rc = 0;
    size_t len = 0;
    while (rc == 0 && fgets (line, sizeof line, f)) {
        n++;
        line[strcspn (line, "\r\n")] = 0;
        const char *at = line + strspn (line, " \t");
        if (*at == 0 || *at == '#')
            continue;
        int w = s_node_line (at) == 0
              ? snprintf (d->redis_nodes + len, sizeof d->redis_nodes - len, "%s%s",
                          len ? "," : "", at) : -1;
        if (w < 0 || (size_t) w >= sizeof d->redis_nodes - len) {
            snprintf (err, errlen, "redis_nodes %.200s line %d: not host:port, or too many: %.100s",
                      d->cfg.redis_nodes, n, at);
            rc = -1;
        }
        else
            len += (size_t) w;
    }
    fclose (f);
    if (rc == 0 && len == 0) {
        snprintf (err, errlen, "redis_nodes %.200s: no node address in it", d->cfg.redis_nodes);
        rc = -1;
    }
    return rc;
}

//  The archive's link, with archive_dsn. Its password comes from its file
//  if one is named, else from the environment if set there; a server that
//  trusts the socket (peer) needs none. PostgreSQL being down does not
//  stop the start: the link comes up when it can.
static int
s_start_archive (s_daemon_t *d, char *err, size_t errlen)
{
    if (!*d->cfg.archive_dsn)
        return 0;
    char why[256];
    char *password = NULL;
    if (*d->cfg.archive_password_file || getenv ("HOTLINE_ARCHIVE_PASSWORD")) {
        password = hl_secret_load (d->cfg.archive_password_file, "HOTLINE_ARCHIVE_PASSWORD",
                                   why, sizeof why);
        if (!password) {
            snprintf (err, errlen, "archive password: %s", why);
            return -1;
        }
    }
    hl_archive_opts_t ao;
    hl_archive_opts_default (&ao);
    ao.dsn = d->cfg.archive_dsn;
    ao.password = password;
    ao.timeout_ms = (int) d->cfg.archive_timeout_ms;
    d->archive = hl_archive_new (d->base, &ao, why, sizeof why);
    hl_secret_free (&password);
    if (!d->archive) {
        snprintf (err, errlen, "archive_dsn: %s", why);
        return -1;
    }
    return 0;
}

//  The messages' texts, checked whole before anything is bound or
//  connected: a bad file stops the start, naming its line.
static int
s_load_templates (s_daemon_t *d, char *err, size_t errlen)
{
    if (!*d->cfg.notify_endpoint)
        return 0;
    if (!*d->cfg.notify_templates) {
        snprintf (err, errlen, "notify_endpoint needs notify_templates (the messages' texts)");
        return -1;
    }
    char why[400];
    d->templates = hl_msgtpl_load (d->cfg.notify_templates, why, sizeof why);
    if (!d->templates) {
        snprintf (err, errlen, "notify_templates: %s", why);
        return -1;
    }
    return 0;
}

//  With notify_endpoint, callers get their messages from the outboxes
//  (the notify group) through the adaptor connected there. After the key
//  handler (the endpoint speaks CURVE like the intake's).
static int
s_start_messenger (s_daemon_t *d, char *err, size_t errlen)
{
    if (!d->templates)
        return 0;
    char why[400];
    hl_msgtpl_t *templates = d->templates;
    d->templates = NULL;         //  the messenger's from now on
    hl_messenger_opts_t mo;
    hl_messenger_opts_default (&mo);
    mo.endpoint = d->cfg.notify_endpoint;
    mo.curve_key_file = d->cfg.intake_key_file;
    d->messenger = hl_messenger_new (d->base, d->zmq_ctx, d->store, templates, d->visitlink,
                                     &mo, why, sizeof why);
    if (!d->messenger) {
        snprintf (err, errlen, "notify_endpoint: %s", why);
        return -1;
    }
    hl_outbox_set_messenger (d->outbox, d->messenger);
    return 0;
}

static int
s_write_pidfile (const char *path)
{
    FILE *f = fopen (path, "w");
    if (!f)
        return -1;
    fprintf (f, "%d\n", (int) getpid ());
    return fclose (f);
}

//  The loop, with epoll's changes of a pass applied together at its end:
//  a write event added and removed again in one pass (hl_redis writes a
//  pass's commands at its end) then costs no system call. (The
//  changelist's one caveat, a file descriptor dup()ed and watched twice,
//  does not arise: every watched descriptor is a socket or ZeroMQ's own.)
static struct event_base *
s_event_base (void)
{
    struct event_config *cfg = event_config_new ();
    if (!cfg)
        return NULL;
    event_config_set_flag (cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config (cfg);
    event_config_free (cfg);
    return base;
}

static int
s_start (s_daemon_t *d, char *err, size_t errlen)
{
    d->codes = hl_codes_load (d->cfg.codes, err, errlen);
    if (!d->codes)
        return -1;
    d->catalogue = hl_catalogue_load (d->cfg.dispatch, err, errlen);
    if (!d->catalogue)
        return -1;
    d->deadline = hl_deadline_new (d->cfg.sla, d->cfg.calendar_dir, d->cfg.test_clock_ms,
                                   err, errlen);
    if (!d->deadline)
        return -1;
    d->base = s_event_base ();
    d->zmq_ctx = zmq_ctx_new ();
    if (!d->base || !d->zmq_ctx) {
        snprintf (err, errlen, "cannot create the event loop");
        return -1;
    }
    d->pii = hl_pii_new (d->cfg.pii_key_file, err, errlen);
    if (!d->pii)
        return -1;
    if (!hl_pii_sealing (d->pii))
        hl_warning ("no personal-data key (pii_key_file): callers' numbers and names are "
                    "stored as they are");
    d->visitlink = hl_visitlink_new (d->cfg.visit_key_file, d->cfg.visit_url, err, errlen);
    if (!d->visitlink || s_load_templates (d, err, errlen) != 0)
        return -1;
    d->notify = hl_notify_new (d->base);
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.pii = d->pii;
    so.ack_replicas = strcmp (d->cfg.ack, "replicated") == 0 ? (int) d->cfg.ack_replicas : 0;
    so.ack_timeout_ms = (int) d->cfg.ack_timeout_ms;
    so.seq_guard_gap = d->cfg.seq_guard_gap;
    so.clock_ms = s_clock_ms;
    so.clock_arg = d->deadline;
    so.redis.address = d->cfg.redis;
    if (s_load_nodes (d, err, errlen) != 0 || s_start_sentinel (d, &so.redis, err, errlen) != 0)
        return -1;
    if (*d->redis_nodes)
        so.redis.address = d->redis_nodes;
    if (*d->cfg.redis_user) {
        char why[256];
        d->redis_password = hl_secret_load (d->cfg.redis_password_file, "HOTLINE_REDIS_PASSWORD",
                                            why, sizeof why);
        if (!d->redis_password) {
            snprintf (err, errlen, "password of Redis user %s: %s", d->cfg.redis_user, why);
            return -1;
        }
        so.redis.user = d->cfg.redis_user;
        so.redis.password = d->redis_password;
    }
    so.redis.timeout_ms = (int) d->cfg.redis_timeout_ms;
    so.redis.backoff_max_ms = (int) d->cfg.redis_backoff_max_ms;
    so.city_prefix = d->cfg.city_prefix;
    so.tz_offset_min = (int) d->cfg.tz_offset_min;
    so.idempotency_ttl_s = (int) d->cfg.idempotency_ttl_days * 86400;
    so.rules = (hl_store_rules_t) {
        .reopen_max = (int) d->cfg.reopen_max, .return_max = (int) d->cfg.return_max,
        .visit_tries = (int) d->cfg.visit_tries, .extension_limits = d->cfg.extension_limits,
        .reply_from_dispatch = strcmp (d->cfg.reply_clock_start, "dispatch") == 0 };
    d->store = hl_store_new (d->base, &so, err, errlen);
    if (!d->store)
        return -1;
    if (s_start_archive (d, err, errlen) != 0)
        return -1;
    d->feed = hl_feed_new (d->zmq_ctx, d->cfg.events_endpoint, err, errlen);
    if (!d->feed)
        return -1;
    d->metrics = hl_metrics_new ();
    d->timers = hl_timers_new (d->base, d->store, d->deadline, d->metrics);
    d->lease = hl_lease_new (d->base, d->store, d->cfg.instance, (int) d->cfg.timer_lease_ms,
                             s_on_lease, d);
    d->outbox = hl_outbox_new (d->base, d->store, hl_lease_holder (d->lease), d->feed,
                               d->metrics);
    //  The dispatched tickets reach their units' worker streams from the
    //  outboxes (the q group).
    hl_outbox_set_unitq (d->outbox, d->store);
    //  With an archive, every changed ticket is copied there from the
    //  outboxes (the arch group).
    if (d->archive) {
        hl_archiver_opts_t ao;
        hl_archiver_opts_default (&ao);
        d->archiver = hl_archiver_new (d->base, d->store, d->archive, d->pii, &ao);
        hl_outbox_set_archiver (d->outbox, d->archiver);
        int64_t keep_ms = d->cfg.retention_ms ? d->cfg.retention_ms
                                              : d->cfg.retention_days * 86400000LL;
        if (keep_ms > 0)
            d->retention = hl_retention_new (d->base, d->store, d->deadline, keep_ms);
    }
    if (s_start_zap (d, err, errlen) != 0 || s_start_messenger (d, err, errlen) != 0)
        return -1;
    d->broker = hl_broker_new (d->base, d->zmq_ctx, &d->cfg, d->store, d->catalogue, d->deadline,
                               d->timers, hl_lease_holder (d->lease), err, errlen);
    if (!d->broker)
        return -1;
    hl_store_set_ready_fn (d->store, s_on_store_ready, d);
    hl_store_set_newer_fn (d->store, s_on_store_newer, d);
    d->intake = hl_intake_new (d->base, d->zmq_ctx, &d->cfg, d->store, d->codes, d->catalogue,
                               d->broker, d->deadline, d->timers, err, errlen);
    if (!d->intake)
        return -1;
    hl_intake_set_metrics (d->intake, d->metrics);
    hl_intake_set_visitlink (d->intake, d->visitlink);
    hl_intake_set_outbox (d->intake, d->outbox, d->archiver);
    hl_broker_set_metrics (d->broker, d->metrics);
    //  One ticket service applies staff and workers' actions alike.
    d->tickets = hl_tickets_new (d->store, d->timers);
    hl_tickets_set_observers (d->tickets, d->metrics);
    hl_tickets_set_broker (d->tickets, d->broker);
    hl_tickets_set_archive (d->tickets, d->archive, d->pii);
    hl_intake_set_tickets (d->intake, d->tickets);
    hl_broker_set_tickets (d->broker, d->tickets);
    hl_http_parts_t parts = { d->store, d->broker, d->deadline, d->metrics, d->feed, d->catalogue,
                              d->archive, (int) d->cfg.tz_offset_min, d->tickets };
    d->http = hl_http_new (d->base, &d->cfg, &parts, err, errlen);
    if (!d->http && *err)
        return -1;
    hl_feed_listen (d->feed, hl_http_event, d->http);
    if (s_start_kb (d, err, errlen) != 0)
        return -1;
    d->sig_term = evsignal_new (d->base, SIGTERM, s_on_stop, d);
    d->sig_int = evsignal_new (d->base, SIGINT, s_on_stop, d);
    d->sig_hup = evsignal_new (d->base, SIGHUP, s_on_reload, d);
    d->drain_timer = evtimer_new (d->base, s_on_drain_timeout, d);
    d->status_timer = event_new (d->base, -1, EV_PERSIST, s_on_status_timer, d);
    struct timeval second = { 1, 0 };
    event_add (d->status_timer, &second);
    event_add (d->sig_term, NULL);
    event_add (d->sig_int, NULL);
    event_add (d->sig_hup, NULL);
    if (*d->cfg.pidfile && s_write_pidfile (d->cfg.pidfile) != 0) {
        snprintf (err, errlen, "cannot write pidfile %.300s: %s", d->cfg.pidfile, strerror (errno));
        return -1;
    }
    return 0;
}

//  Teardown order matters: the store goes first so that any request still
//  waiting for Redis gets its (retryable) answer queued on the intake
//  socket, which then lingers briefly to let those answers out.
//  The similar-ticket index may have a queue of changes to write; what
//  does not fit the stop's time is journaled beside it for the next start.
static void
s_stop_similar (s_daemon_t *d)
{
    int budget = -1;
    if (d->stop_started_us) {
        int64_t spent_ms = (hl_monotonic_us () - d->stop_started_us) / 1000;
        int64_t left = d->cfg.stop_timeout_ms - spent_ms - S_STOP_TAIL_MS;
        left = left < S_STOP_INDEX_MS ? left : S_STOP_INDEX_MS;
        budget = left > 0 ? (int) left : 0;
    }
    size_t saved = hl_similar_destroy_within (&d->similar, budget);
    if (saved)
        hl_notice ("similar-ticket index: %zu changes left for the next start", saved);
}

static void
s_stop (s_daemon_t *d)
{
    hl_kbserve_destroy (&d->kb);
    s_stop_similar (d);
    hl_outbox_destroy (&d->outbox);
    hl_archiver_destroy (&d->archiver);
    hl_retention_destroy (&d->retention);
    hl_messenger_destroy (&d->messenger);
    hl_msgtpl_destroy (&d->templates);
    hl_store_destroy (&d->store);
    hl_archive_destroy (&d->archive);
    hl_intake_destroy (&d->intake, 1000);
    hl_http_destroy (&d->http);
    hl_broker_destroy (&d->broker, 500);
    hl_tickets_destroy (&d->tickets);
    hl_zap_destroy (&d->zap);
    hl_lease_destroy (&d->lease);
    hl_timers_destroy (&d->timers);
    hl_feed_destroy (&d->feed);
    hl_metrics_destroy (&d->metrics);
    //  Last of the Redis users: the worker queue (in the broker) and the
    //  leases follow the primary the sentinels name until they are gone.
    hl_sentinel_destroy (&d->sentinel);
    if (d->sig_term) {
        event_free (d->sig_term);
        event_free (d->sig_int);
        event_free (d->sig_hup);
        event_free (d->drain_timer);
        event_free (d->status_timer);
    }
    hl_notify_destroy (&d->notify);
    if (d->zmq_ctx)
        zmq_ctx_term (d->zmq_ctx);
    if (d->base)
        event_base_free (d->base);
    hl_codes_destroy (&d->codes);
    hl_catalogue_destroy (&d->catalogue);
    hl_deadline_destroy (&d->deadline);
    hl_secret_free (&d->redis_password);
    hl_pii_destroy (&d->pii);
    hl_visitlink_destroy (&d->visitlink);
    if (*d->cfg.pidfile)
        unlink (d->cfg.pidfile);
}

int
main (int argc, char **argv)
{
    static s_daemon_t d;
    char err[512];
    hl_log_set_ident ("hotlined");
    hl_config_defaults (&d.cfg);
    int rc = hl_config_from_args (&d.cfg, argc, argv, err, sizeof err);
    if (rc == 1) {
        hl_config_usage (argv[0]);
        return 0;
    }
    if (rc != 0) {
        fprintf (stderr, "hotlined: %s\n", err);
        return 2;
    }
    hl_log_set_level (hl_log_level_parse (d.cfg.log_level));
    if (*d.cfg.log_file && hl_log_open_file (d.cfg.log_file) != 0) {
        fprintf (stderr, "hotlined: cannot open log file %s: %s\n", d.cfg.log_file,
                 strerror (errno));
        return 2;
    }
    signal (SIGPIPE, SIG_IGN);
    if (s_start (&d, err, sizeof err) != 0) {
        hl_error ("cannot start: %s", err);
        s_stop (&d);
        return 1;
    }
    hl_notice ("hotlined %s (%s) serving %s%s, workers on %s, ticket store %s", HL_VERSION,
               d.cfg.instance, d.cfg.endpoints[0], d.cfg.n_endpoints > 1 ? " and more" : "",
               d.cfg.worker_endpoint, *d.redis_nodes ? d.redis_nodes : d.cfg.redis);
    event_base_dispatch (d.base);
    s_stop (&d);
    hl_notice ("stopped");
    return d.exit_status;
}
