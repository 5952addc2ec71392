/*  hl_log: levelled logging for hotline processes.
 *
 *  One line per event on stderr (or a file), prefixed with a UTC timestamp,
 *  the level and the process name; on systemd's journal, with the level's
 *  syslog priority instead (the journal adds time and name). Personal data never reaches a log line:
 *  callers pass phone numbers through hl_log_mask_phone() first, which keeps
 *  only enough digits for an operator to correlate (138****5678).
 */
#ifndef HL_LOG_H_INCLUDED
#define HL_LOG_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HL_LOG_DEBUG = 0,
    HL_LOG_INFO = 1,
    HL_LOG_NOTICE = 2,
    HL_LOG_WARNING = 3,
    HL_LOG_ERROR = 4
} hl_log_level_t;

//  Set the process name shown in every line (and see whether stderr is
//  the journal: call it first, in main).
void hl_log_set_ident (const char *ident);

//  Set the lowest level written; lower levels are dropped cheaply.
void hl_log_set_level (hl_log_level_t level);

//  Parse "debug", "info", "notice", "warning" or "error"; -1 if unknown.
int hl_log_level_parse (const char *name);

//  Send log lines to PATH (appending) instead of stderr; 0 or -1.
int hl_log_open_file (const char *path);

//  What a program's --log-level LEVEL and --log-file FILE ask for (either
//  NULL: left as it is), under the name IDENT: 0, or -1 after saying why
//  on stderr.
int hl_log_setup (const char *ident, const char *level, const char *file);

//  True if LEVEL would be written.
int hl_log_enabled (hl_log_level_t level);

//  Write one line.
void hl_log (hl_log_level_t level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

//  For events that can come in floods (refused connections, failed
//  accepts, a peer retrying): at most one line per INTERVAL_MS, which
//  says how many were held back since the last one. Zero-initialise.
typedef struct {
    int64_t last_ms;            //  monotonic time of the last line written
    uint64_t held;              //  lines held back since then
} hl_log_limit_t;

void hl_log_limited (hl_log_limit_t *limit, int64_t interval_ms, hl_log_level_t level,
                     const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

#define hl_debug(...) do { if (hl_log_enabled (HL_LOG_DEBUG)) hl_log (HL_LOG_DEBUG, __VA_ARGS__); } while (0)
#define hl_info(...) hl_log (HL_LOG_INFO, __VA_ARGS__)
#define hl_notice(...) hl_log (HL_LOG_NOTICE, __VA_ARGS__)
#define hl_warning(...) hl_log (HL_LOG_WARNING, __VA_ARGS__)
#define hl_error(...) hl_log (HL_LOG_ERROR, __VA_ARGS__)

//  Write a masked form of a phone number into OUT: the first three and last
//  four digits survive, the rest become '*'. Short numbers are fully masked.
//  Returns OUT.
char *hl_log_mask_phone (const char *phone, size_t len, char *out, size_t outlen);

#endif
