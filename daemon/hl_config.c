/*  hl_config: hotlined settings. See hl_config.h. */
#include "hl_config.h"
#include "hl_lifecycle.h"
#include "hl_conf.h"
#include "hl_log.h"
#include "hl_sla_conf.h"
#include "hl_wire.h"

#include <stdio.h>
#include <string.h>

typedef enum { S_STRING, S_NUMBER, S_BOOL, S_ENDPOINT } s_kind_t;

//  The table of settings: name, kind, where it lives, and its range.
typedef struct {
    const char *name;
    s_kind_t kind;
    size_t offset;
    size_t size;          //  for strings
    long min, max;        //  for numbers
    const char *help;
} s_setting_t;

#define S_STR(f, help) { #f, S_STRING, offsetof (hl_config_t, f), sizeof ((hl_config_t *) 0)->f, 0, 0, help }
#define S_NUM(f, lo, hi, help) { #f, S_NUMBER, offsetof (hl_config_t, f), 0, lo, hi, help }
#define S_YESNO(f, help) { #f, S_BOOL, offsetof (hl_config_t, f), 0, 0, 1, help }

static const s_setting_t s_settings[] = {
    { "endpoint", S_ENDPOINT, 0, 0, 0, 0, "ZeroMQ endpoint to bind for intake (repeatable)" },
    S_STR (worker_endpoint, "ZeroMQ endpoint for department workers"),
    S_STR (worker_key_file, "worker endpoint's CURVE key pair file (empty: no CURVE)"),
    S_STR (worker_keys, "workers' public keys, \"<unit> <key>\" lines (with worker_key_file)"),
    S_STR (intake_key_file, "intake endpoints' CURVE key pair file (empty: no CURVE)"),
    S_STR (intake_keys, "staff and gateways' public keys, \"<role>:<name> <key>\" lines"),
    S_STR (redis, "Redis address, host:port or unix:/path"),
    S_STR (redis_user, "Redis ACL user to authenticate as (empty: none)"),
    S_STR (redis_nodes, "Redis Cluster: file with its nodes, host:port one a line, as deploy/up "
                        "writes it (then redis is not used)"),
    S_STR (redis_sentinels, "Redis Sentinel: the sentinels, ip:port,... (then redis is not used)"),
    S_STR (redis_master_name, "Redis Sentinel: the name the primary is monitored under"),
    S_NUM (seq_guard_gap, 1, 100000000,
           "ticket numbers skipped on a new primary, more than it may have lost"),
    S_STR (ack, "when a new ticket is acknowledged: local (the primary's reply) or replicated"),
    S_NUM (ack_replicas, 1, 16, "ack = replicated: replicas that must have received it (WAIT)"),
    S_NUM (ack_timeout_ms, 1, 60000, "ack = replicated: longest wait for them, then 'retry'"),
    S_STR (pii_key_file, "key sealing callers' details at rest, 64 hex digits, mode 0600 (else $HOTLINE_PII_KEY)"),
    S_STR (visit_key_file, "key of the callers' one-time online 回访 links, 64 hex digits, mode 0600 (else $HOTLINE_VISIT_KEY; neither: no links)"),
    S_STR (visit_url, "the gateway's visit page, the start of every online 回访 link"),
    S_STR (redis_password_file, "file with that user's password, mode 0600 (else $HOTLINE_REDIS_PASSWORD)"),
    S_STR (archive_dsn, "PostgreSQL archive: libpq connection string without a password "
                        "(empty: no archive)"),
    S_STR (archive_password_file, "file with the archive's password, mode 0600 "
                                  "(else $HOTLINE_ARCHIVE_PASSWORD, if set)"),
    S_NUM (archive_timeout_ms, 100, 600000, "PostgreSQL answer deadline before reconnecting"),
    S_NUM (retention_days, 0, 36500, "days a closed, archived ticket stays in Redis after it "
                                     "closed (0: kept forever; needs archive_dsn)"),
    S_NUM (retention_ms, 0, 3153600000000, "tests and benchmarks only: retention_days in ms "
                                           "(0: retention_days rules)"),
    S_STR (notify_endpoint, "ZeroMQ endpoint the notification adaptor connects to, callers' "
                            "SMS and app messages (empty: none sent)"),
    S_STR (notify_templates, "the messages' texts, one line per event (deploy/etc/messages.conf)"),
    S_STR (codes, "category and area catalogue file"),
    S_STR (dispatch, "dispatch catalogue file (units and routes)"),
    S_STR (sla, "SLA policy file"),
    S_STR (calendar_dir, "working calendar directory (one file a year)"),
    S_STR (events_endpoint, "ZeroMQ PUB endpoint for events (timers); empty for none"),
    S_STR (http_endpoint, "supervisor dashboard HOST:PORT (empty for none)"),
    S_STR (http_token_file, "file holding the supervisor token, mode 0600 (else $HOTLINE_HTTP_TOKEN)"),
    S_NUM (http_max_connections, 4, 100000, "dashboard connections open at once"),
    S_NUM (http_head_timeout_ms, 100, 600000, "dashboard: a request head must arrive within"),
    S_NUM (http_write_timeout_ms, 100, 600000, "dashboard: longest wait for a client to read"),
    S_NUM (http_stream_backlog_kb, 16, 1048576, "dashboard: unread live events before a drop"),
    S_STR (kb_db, "knowledge-base index built by hotline-kb (empty for none)"),
    S_STR (tickets_db, "similar-ticket index, created if missing (empty for none)"),
    S_NUM (kb_threads, 1, 16, "knowledge-base search threads"),
    S_NUM (hotspot_min, 2, 1000, "similar tickets in one area that make a hotspot"),
    S_NUM (hotspot_window_min, 1, 100000, "... arriving within this many minutes"),
    S_NUM (reopen_max, 0, 100, "重办 rounds a ticket may have after 甄别 (0: no limit)"),
    S_NUM (return_max, 0, 100, "退单 a ticket may have before the dispatcher must decide (0: no limit)"),
    S_NUM (return_window_wd, 0, 30, "working days after signing a unit may still return (0: only before)"),
    S_NUM (visit_tries, 0, 20, "unreachable 回访 attempts that close a ticket as 联系不上 (0: never)"),
    S_STR (extension_limits, "延期 granted per request type, TYPE:TIMES:DAYS,... (TYPE * for the rest)"),
    S_STR (score_weights, "考核 score weights per rate, RATE:WEIGHT,... (empty: response_rate 30, "
                          "resolution_rate 35, satisfaction_rate 35)"),
    S_STR (reply_clock_start, "the reply clock starts at 'sign' or 'dispatch'"),
    S_NUM (repeat_window_h, 0, 720, "hours within which the same caller on the same category is a repeat call (0: off)"),
    S_YESNO (auto_dispatch, "route new tickets through the dispatch catalogue (yes/no)"),
    S_NUM (heartbeat_ms, 100, 60000, "worker queue heartbeat interval"),
    S_NUM (timer_lease_ms, 300, 600000,
           "how long a bucket's timers stay with an instance that stopped renewing"),
    S_NUM (worker_claim_ms, 300, 3600000,
           "how long a ticket read by an instance that stopped stays with it"),
    S_STR (city_prefix, "ticket number prefix (letters)"),
    S_STR (instance, "name of this daemon instance"),
    S_STR (log_level, "debug, info, notice, warning or error"),
    S_STR (log_file, "append logs to this file instead of stderr"),
    S_STR (pidfile, "write the process id here"),
    S_NUM (tz_offset_min, -720, 840, "local time offset from UTC in minutes"),
    S_NUM (redis_timeout_ms, 10, 600000, "Redis reply deadline before retryable nacks"),
    S_NUM (redis_backoff_max_ms, 10, 60000, "longest Redis reconnect delay"),
    S_NUM (max_inflight, 1, 1000000, "complaints in flight before 'overloaded' nacks"),
    S_NUM (max_actions_inflight, 1, 1000000, "staff actions in flight before 'overloaded' nacks"),
    S_NUM (max_queries_inflight, 1, 1000000,
           "lookups, lists and searches in flight before 'overloaded' nacks"),
    S_NUM (max_message_bytes, 1024, 16777216, "largest accepted frame"),
    S_NUM (idempotency_ttl_days, 1, 3650, "days a request id is remembered"),
    S_NUM (drain_timeout_ms, 0, 600000, "on SIGTERM, longest wait for in-flight work"),
    S_NUM (stop_timeout_ms, 1000, 600000, "on SIGTERM, longest time to exit, drain included"),
    S_NUM (test_clock_ms, 0, 4102444800000,
           "tests only: run on a manual clock starting here (Unix ms)"),
};
#define S_SETTINGS (sizeof s_settings / sizeof s_settings[0])

void
hl_config_defaults (hl_config_t *cfg)
{
    memset (cfg, 0, sizeof *cfg);
    snprintf (cfg->redis, sizeof cfg->redis, "127.0.0.1:6379");
    snprintf (cfg->codes, sizeof cfg->codes, "deploy/etc/codes.conf");
    snprintf (cfg->dispatch, sizeof cfg->dispatch, "deploy/etc/dispatch.conf");
    snprintf (cfg->sla, sizeof cfg->sla, "%s", HL_SLA_CONF_DEFAULT_POLICY);
    snprintf (cfg->calendar_dir, sizeof cfg->calendar_dir, "%s", HL_SLA_CONF_DEFAULT_CALENDAR_DIR);
    snprintf (cfg->events_endpoint, sizeof cfg->events_endpoint, "tcp://127.0.0.1:7103");
    snprintf (cfg->worker_endpoint, sizeof cfg->worker_endpoint, "tcp://127.0.0.1:7102");
    cfg->heartbeat_ms = 1000;
    cfg->timer_lease_ms = 10000;
    cfg->worker_claim_ms = 30000;
    cfg->kb_threads = 2;
    cfg->hotspot_min = 3;
    cfg->hotspot_window_min = 24 * 60;
    cfg->reopen_max = 2;
    cfg->return_max = 2;
    cfg->return_window_wd = 1;
    cfg->visit_tries = 3;
    cfg->repeat_window_h = 72;
    snprintf (cfg->extension_limits, sizeof cfg->extension_limits, "*:2:10");
    snprintf (cfg->reply_clock_start, sizeof cfg->reply_clock_start, "sign");
    cfg->auto_dispatch = 1;
    snprintf (cfg->city_prefix, sizeof cfg->city_prefix, "YJ");
    snprintf (cfg->visit_url, sizeof cfg->visit_url, "http://127.0.0.1:7190/visit");
    snprintf (cfg->instance, sizeof cfg->instance, "hotlined");
    snprintf (cfg->log_level, sizeof cfg->log_level, "info");
    cfg->tz_offset_min = 480;
    cfg->redis_timeout_ms = 2000;
    cfg->redis_backoff_max_ms = 1000;
    cfg->archive_timeout_ms = 5000;
    cfg->retention_days = 30;
    cfg->max_inflight = 20000;
    cfg->max_actions_inflight = 5000;
    cfg->max_queries_inflight = 256;
    cfg->max_message_bytes = 65536;
    cfg->idempotency_ttl_days = 30;
    cfg->drain_timeout_ms = 10000;
    cfg->stop_timeout_ms = 10000;
    snprintf (cfg->ack, sizeof cfg->ack, "local");
    snprintf (cfg->redis_master_name, sizeof cfg->redis_master_name, "hotline");
    cfg->seq_guard_gap = 10000;
    cfg->ack_replicas = 1;
    cfg->ack_timeout_ms = 1000;
    cfg->http_max_connections = 256;
    cfg->http_head_timeout_ms = 10000;
    cfg->http_write_timeout_ms = 10000;
    cfg->http_stream_backlog_kb = 256;
}

static int
s_set_endpoint (hl_config_t *cfg, const char *value, char *err, size_t errlen)
{
    if (cfg->n_endpoints >= HL_CONFIG_ENDPOINTS_MAX) {
        snprintf (err, errlen, "endpoint: at most %d endpoints", HL_CONFIG_ENDPOINTS_MAX);
        return -1;
    }
    if (strncmp (value, "tcp://", 6) && strncmp (value, "ipc://", 6)) {
        snprintf (err, errlen, "endpoint: '%s' is neither tcp:// nor ipc://", value);
        return -1;
    }
    snprintf (cfg->endpoints[cfg->n_endpoints++], HL_CONFIG_PATH_MAX, "%s", value);
    return 0;
}

int
hl_config_set (hl_config_t *cfg, const char *key, const char *value, char *err, size_t errlen)
{
    for (size_t i = 0; i < S_SETTINGS; i++) {
        const s_setting_t *s = &s_settings[i];
        if (strcmp (s->name, key) != 0)
            continue;
        if (s->kind == S_ENDPOINT)
            return s_set_endpoint (cfg, value, err, errlen);
        if (s->kind == S_NUMBER)
            return hl_conf_int (key, value, s->min, s->max,
                                (long *) ((char *) cfg + s->offset), err, errlen);
        if (s->kind == S_BOOL) {
            int yes;
            if (hl_conf_bool (key, value, &yes, err, errlen) != 0)
                return -1;
            *(long *) ((char *) cfg + s->offset) = yes;
            return 0;
        }
        if (strlen (value) >= s->size) {
            snprintf (err, errlen, "%s: value too long", key);
            return -1;
        }
        snprintf ((char *) cfg + s->offset, s->size, "%s", value);
        return 0;
    }
    snprintf (err, errlen, "unknown setting '%s'", key);
    return -1;
}

//  extension_limits: comma-separated TYPE:TIMES:DAYS, TYPE a request
//  type's name (English or Chinese) or "*", each type once. Rewritten with
//  the English names, the form the Function reads.
static int
s_check_extension_limits (char *text, size_t size, char *err, size_t errlen)
{
    char copy[sizeof ((hl_config_t *) 0)->extension_limits], *save = NULL;
    char out[sizeof copy] = "";
    int seen[16] = { 0 };
    size_t used = 0;
    snprintf (copy, sizeof copy, "%s", text);
    for (char *item = strtok_r (copy, ",", &save); item; item = strtok_r (NULL, ",", &save)) {
        char type[32];
        int times, days, end = 0;
        if (sscanf (item, " %31[^:]:%d:%d %n", type, &times, &days, &end) != 3 || item[end]) {
            snprintf (err, errlen, "extension_limits: '%s' is not TYPE:TIMES:DAYS", item);
            return -1;
        }
        int t = strcmp (type, "*") == 0 ? 0 : hl_wire_request_type_parse (type);
        if ((t == 0 && strcmp (type, "*") != 0) || t >= 16 || seen[t]++) {
            snprintf (err, errlen, "extension_limits: '%s' is not a request type named once", type);
            return -1;
        }
        if (times < 0 || times > 20 || days < 0 || days > HL_WIRE_EXTENSION_DAYS_MAX) {
            snprintf (err, errlen, "extension_limits: %s: 0-20 times, 0-%d working days", type,
                      HL_WIRE_EXTENSION_DAYS_MAX);
            return -1;
        }
        used += (size_t) snprintf (out + used, sizeof out - used, "%s%s:%d:%d", used ? "," : "",
                                   t ? hl_wire_request_type_name (t) : "*", times, days);
        if (used >= sizeof out) {
            snprintf (err, errlen, "extension_limits: too long");
            return -1;
        }
    }
    snprintf (text, size, "%s", out);
    return 0;
}

//  Cross-field checks, run after the file and the flags are applied.
static int
s_validate (hl_config_t *cfg, char *err, size_t errlen)
{
    if (hl_log_level_parse (cfg->log_level) < 0) {
        snprintf (err, errlen, "log_level: unknown level '%s'", cfg->log_level);
        return -1;
    }
    size_t n = strlen (cfg->city_prefix);
    for (size_t i = 0; i < n; i++)
        if (cfg->city_prefix[i] < 'A' || cfg->city_prefix[i] > 'Z') {
            snprintf (err, errlen, "city_prefix: capital letters only, got '%s'",
                      cfg->city_prefix);
            return -1;
        }
    if (n == 0 || n > 8) {
        snprintf (err, errlen, "city_prefix: 1 to 8 capital letters");
        return -1;
    }
    //  Either setting of a pair alone would leave the endpoint open
    //  while the operator believes it closed: refused.
    if (!*cfg->worker_key_file != !*cfg->worker_keys) {
        snprintf (err, errlen, "worker_key_file and worker_keys go together (CURVE on the "
                  "worker endpoint needs hotlined's key pair and the workers' keys)");
        return -1;
    }
    if (!*cfg->intake_key_file != !*cfg->intake_keys) {
        snprintf (err, errlen, "intake_key_file and intake_keys go together (CURVE on the "
                  "intake endpoints needs hotlined's key pair and the staff's keys)");
        return -1;
    }
    if (strcmp (cfg->ack, "local") != 0 && strcmp (cfg->ack, "replicated") != 0) {
        snprintf (err, errlen, "ack: 'local' or 'replicated', not '%s'", cfg->ack);
        return -1;
    }
    if (strcmp (cfg->reply_clock_start, "sign") != 0
        && strcmp (cfg->reply_clock_start, "dispatch") != 0) {
        snprintf (err, errlen, "reply_clock_start: 'sign' or 'dispatch', not '%s'",
                  cfg->reply_clock_start);
        return -1;
    }
    if (s_check_extension_limits (cfg->extension_limits, sizeof cfg->extension_limits,
                                  err, errlen) != 0)
        return -1;
    int weights[HL_LIFECYCLE_RATES];
    if (hl_lifecycle_weights (cfg->score_weights, weights, err, errlen) != 0)
        return -1;
    if (cfg->n_endpoints == 0)
        return s_set_endpoint (cfg, "tcp://127.0.0.1:7101", err, errlen);
    return 0;
}

static int
s_on_line (const char *section, const char *key, const char *value, void *arg,
           char *err, size_t errlen)
{
    (void) section;
    return hl_config_set (arg, key, value, err, errlen);
}

int
hl_config_load (hl_config_t *cfg, const char *path, char *err, size_t errlen)
{
    return hl_conf_parse_file (path, s_on_line, cfg, err, errlen);
}

int
hl_config_load_text (hl_config_t *cfg, const char *name, const char *text, char *err,
                     size_t errlen)
{
    return hl_conf_parse_text (name, text, s_on_line, cfg, err, errlen);
}

int
hl_config_from_args (hl_config_t *cfg, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
            return 1;
        if (strcmp (argv[i], "--config") == 0 && i + 1 < argc
            && hl_config_load (cfg, argv[i + 1], err, errlen) != 0)
            return -1;
    }
    int cli_endpoints = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp (argv[i], "--", 2) != 0 || i + 1 >= argc) {
            snprintf (err, errlen, "unexpected argument '%s' (flags are --key value)", argv[i]);
            return -1;
        }
        char key[64];
        snprintf (key, sizeof key, "%s", argv[i] + 2);
        for (char *p = key; *p; p++)
            if (*p == '-')
                *p = '_';
        const char *value = argv[++i];
        if (strcmp (key, "config") == 0)
            continue;
        if (strcmp (key, "endpoint") == 0 && !cli_endpoints++)
            cfg->n_endpoints = 0;     //  flags replace the file's endpoints
        if (hl_config_set (cfg, key, value, err, errlen) != 0)
            return -1;
    }
    return s_validate (cfg, err, errlen);
}

void
hl_config_usage (const char *prog)
{
    hl_config_t def;
    hl_config_defaults (&def);
    printf ("usage: %s [--config FILE] [--KEY VALUE ...]\n\n"
            "Every setting of the configuration file is also a flag (KEY with\n"
            "'-' or '_'); flags override the file.\n\n", prog);
    for (size_t i = 0; i < S_SETTINGS; i++) {
        const s_setting_t *s = &s_settings[i];
        printf ("  --%-22s %s", s->name, s->help);
        if (s->kind == S_NUMBER)
            printf (" [%ld]", *(const long *) ((const char *) &def + s->offset));
        else
        if (s->kind == S_BOOL)
            printf (" [%s]", *(const long *) ((const char *) &def + s->offset) ? "yes" : "no");
        else
        if (s->kind == S_STRING && *((const char *) &def + s->offset))
            printf (" [%s]", (const char *) &def + s->offset);
        printf ("\n");
    }
}
