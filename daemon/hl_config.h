/*  hl_config: hotlined's settings, from hotlined.conf and the command line.
 *
 *  Every key of the file can also be given as a flag: `--redis-timeout-ms
 *  500` sets `redis_timeout_ms = 500`. Flags win over the file. Defaults
 *  suit a single-machine installation (deploy/up).
 */
#ifndef HL_CONFIG_H_INCLUDED
#define HL_CONFIG_H_INCLUDED

#include <stddef.h>

#define HL_CONFIG_ENDPOINTS_MAX 8
#define HL_CONFIG_PATH_MAX 512

typedef struct {
    char endpoints[HL_CONFIG_ENDPOINTS_MAX][HL_CONFIG_PATH_MAX];
    int n_endpoints;
    char worker_endpoint[HL_CONFIG_PATH_MAX];    //  department worker queue
    char worker_key_file[HL_CONFIG_PATH_MAX];    //  its CURVE key pair ("" = no CURVE)
    char worker_keys[HL_CONFIG_PATH_MAX];        //  workers' public keys by unit
    char intake_key_file[HL_CONFIG_PATH_MAX];    //  intake endpoints' CURVE key pair
    char intake_keys[HL_CONFIG_PATH_MAX];        //  staff and gateways' public keys
    char redis[HL_CONFIG_PATH_MAX];          //  host:port or unix:/path
    char redis_user[64];                     //  ACL user ("" = no AUTH)
    char redis_nodes[HL_CONFIG_PATH_MAX];        //  file of node addresses ("" = redis)
    char redis_sentinels[HL_CONFIG_PATH_MAX];    //  "ip:port,..." ("" = no Sentinel)
    char redis_master_name[64];              //  the primary's name at the sentinels
    long seq_guard_gap;                      //  numbers skipped after a primary switch
    char ack[16];                            //  "local" or "replicated"
    long ack_replicas;                       //  replicated: replicas that must have it
    long ack_timeout_ms;                     //  ... within this long
    char pii_key_file[HL_CONFIG_PATH_MAX];   //  seals callers' details ("" = environment/none)
    char redis_password_file[HL_CONFIG_PATH_MAX];    //  its password ("" = environment)
    char visit_key_file[HL_CONFIG_PATH_MAX]; //  online 回访 links' key ("" = environment/none)
    char visit_url[HL_CONFIG_PATH_MAX];      //  where the gateway serves the visit page
    char archive_dsn[HL_CONFIG_PATH_MAX];    //  PostgreSQL archive, libpq string ("" = none)
    char archive_password_file[HL_CONFIG_PATH_MAX];  //  its password ("" = environment)
    char notify_endpoint[HL_CONFIG_PATH_MAX];    //  notification adaptor ("" = none)
    char notify_templates[HL_CONFIG_PATH_MAX];   //  its messages' texts
    char dispatch[HL_CONFIG_PATH_MAX];       //  dispatch catalogue
    char sla[HL_CONFIG_PATH_MAX];            //  SLA policy
    char calendar_dir[HL_CONFIG_PATH_MAX];   //  working calendar, one file a year
    char events_endpoint[HL_CONFIG_PATH_MAX];    //  PUB socket for events ("" = none)
    char http_endpoint[HL_CONFIG_PATH_MAX];  //  dashboard HOST:PORT ("" = none)
    char kb_db[HL_CONFIG_PATH_MAX];          //  knowledge-base index ("" = none)
    char tickets_db[HL_CONFIG_PATH_MAX];     //  similar-ticket index ("" = none)
    char http_token_file[HL_CONFIG_PATH_MAX];    //  supervisor token ("" = environment)
    char codes[HL_CONFIG_PATH_MAX];          //  category and area catalogue
    char city_prefix[16];                    //  ticket number prefix
    char instance[64];                       //  this daemon's name in logs/status
    char log_level[16];
    char log_file[HL_CONFIG_PATH_MAX];       //  "" = stderr
    char pidfile[HL_CONFIG_PATH_MAX];        //  "" = none
    long tz_offset_min;                      //  local time zone (480 = UTC+8)
    long redis_timeout_ms;                   //  no reply by then = retryable nack
    long redis_backoff_max_ms;
    long archive_timeout_ms;                 //  PostgreSQL answer deadline before reconnecting
    long retention_days;                     //  closed, archived tickets leave Redis (0 = never)
    long retention_ms;                       //  tests: the same in ms, overriding (0 = unset)
    long max_inflight;                       //  complaints; above: retryable "overloaded"
    long max_actions_inflight;               //  staff transitions, likewise
    long max_queries_inflight;               //  lookups, lists, searches, likewise
    long max_message_bytes;                  //  above: "too large" nack
    long idempotency_ttl_days;               //  how long request ids are kept
    long drain_timeout_ms;                   //  SIGTERM: longest wait for replies
    long stop_timeout_ms;                    //  SIGTERM: longest time to exit
    long test_clock_ms;                      //  tests only: manual clock start (0 = real)
    long heartbeat_ms;                       //  worker queue heartbeat
    long timer_lease_ms;                     //  a bucket's timer lease (hl_lease)
    long worker_claim_ms;                    //  a dead instance's worker stream entries (hl_unitq)
    long auto_dispatch;                      //  route new tickets via the catalogue
    long kb_threads;                         //  knowledge-base search threads
    long hotspot_min;                        //  similar tickets that make a hotspot
    long hotspot_window_min;                 //  ... arriving within this many minutes
    long reopen_max;                         //  重办 rounds after 甄别 (0: no limit)
    long return_max;                         //  退单 a ticket (0: no limit)
    long return_window_wd;                   //  working days after signing a return may come
    long visit_tries;                        //  unreachable 回访 attempts that close (0: never)
    char extension_limits[256];              //  延期 per request type, TYPE:TIMES:DAYS,...
    char score_weights[256];                 //  考核 score, RATE:WEIGHT,... ("": the table's)
    char reply_clock_start[16];              //  "sign" or "dispatch"
    long repeat_window_h;                    //  repeat calls: same caller and category (0: off)
    long http_max_connections;               //  dashboard: open connections
    long http_head_timeout_ms;               //  ... for a whole request head
    long http_write_timeout_ms;              //  ... for a client to read
    long http_stream_backlog_kb;             //  ... unread live events per client
} hl_config_t;

//  Fill CFG with defaults.
void hl_config_defaults (hl_config_t *cfg);

//  Apply the file PATH. 0, or -1 with "PATH:LINE: message" in ERR.
int hl_config_load (hl_config_t *cfg, const char *path, char *err, size_t errlen);

//  Apply TEXT, a file's contents, calling it NAME in messages.
int hl_config_load_text (hl_config_t *cfg, const char *name, const char *text, char *err,
                         size_t errlen);

//  Apply one setting. 0, or -1 with a message in ERR.
int hl_config_set (hl_config_t *cfg, const char *key, const char *value,
                   char *err, size_t errlen);

//  Apply argv: --config FILE first, then every --key value in order.
//  Returns 0, 1 if --help was asked, or -1 with a message in ERR.
int hl_config_from_args (hl_config_t *cfg, int argc, char **argv, char *err, size_t errlen);

//  Print the flags and their defaults.
void hl_config_usage (const char *prog);

#endif
