/*  hl_log: levelled logging. See hl_log.h. */
#include "hl_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

static hl_log_level_t s_level = HL_LOG_INFO;
static char s_ident[32] = "hotline";
static FILE *s_file = NULL;

static const char *s_names[] = { "debug", "info", "notice", "warning", "error" };
static int s_journal;            //  stderr is systemd's journal
static const int s_priorities[] = { 7, 6, 5, 4, 3 };     //  syslog's, by level

//  Under systemd, stderr is a stream to the journal, named by
//  $JOURNAL_STREAM ("device:inode"). The journal stamps and names each
//  line itself and reads its priority from a "<N>" prefix
//  (journalctl -p warning shows warnings and errors).
static int
s_stderr_is_journal (void)
{
    const char *stream = getenv ("JOURNAL_STREAM");
    struct stat st;
    if (!stream || fstat (2, &st) != 0)
        return 0;
    char mine[64];
    snprintf (mine, sizeof mine, "%llu:%llu", (unsigned long long) st.st_dev,
              (unsigned long long) st.st_ino);
    return strcmp (stream, mine) == 0;
}

void
hl_log_set_ident (const char *ident)
{
    snprintf (s_ident, sizeof s_ident, "%s", ident);
    s_journal = s_stderr_is_journal ();
}

void
hl_log_set_level (hl_log_level_t level)
{
    s_level = level;
}

int
hl_log_level_parse (const char *name)
{
    for (int i = 0; i < (int) (sizeof s_names / sizeof s_names[0]); i++)
        if (strcasecmp (name, s_names[i]) == 0)
            return i;
    return -1;
}

int
hl_log_open_file (const char *path)
{
    FILE *f = fopen (path, "a");
    if (!f)
        return -1;
    setvbuf (f, NULL, _IOLBF, 0);
    if (s_file)
        fclose (s_file);
    s_file = f;
    return 0;
}

int
hl_log_setup (const char *ident, const char *level, const char *file)
{
    hl_log_set_ident (ident);
    if (level) {
        int parsed = hl_log_level_parse (level);
        if (parsed < 0) {
            fprintf (stderr, "%s: --log-level: debug, info, notice, warning or error\n", ident);
            return -1;
        }
        hl_log_set_level ((hl_log_level_t) parsed);
    }
    if (file && hl_log_open_file (file) != 0) {
        fprintf (stderr, "%s: cannot write %s\n", ident, file);
        return -1;
    }
    return 0;
}

int
hl_log_enabled (hl_log_level_t level)
{
    return level >= s_level;
}

//  The whole line is formatted into one buffer and written with a single
//  call so that lines of concurrent processes sharing a file do not
//  interleave.
static void
s_vlog (hl_log_level_t level, const char *suffix, const char *fmt, va_list ap)
{
    char line[1024];
    if (s_journal && !s_file) {
        int n = snprintf (line, sizeof line, "<%d>", s_priorities[level]);
        vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
        fprintf (stderr, "%s%s\n", line, suffix);
        return;
    }
    struct timeval tv;
    gettimeofday (&tv, NULL);
    struct tm tm;
    gmtime_r (&tv.tv_sec, &tm);
    int n = snprintf (line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s: ",
                      tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                      tm.tm_min, tm.tm_sec, (int) (tv.tv_usec / 1000), s_ident,
                      s_names[level]);
    if (n > 0 && (size_t) n < sizeof line)
        vsnprintf (line + n, sizeof line - (size_t) n, fmt, ap);
    fprintf (s_file ? s_file : stderr, "%s%s\n", line, suffix);
}

void
hl_log (hl_log_level_t level, const char *fmt, ...)
{
    if (level < s_level)
        return;
    va_list ap;
    va_start (ap, fmt);
    s_vlog (level, "", fmt, ap);
    va_end (ap);
}

void
hl_log_limited (hl_log_limit_t *limit, int64_t interval_ms, hl_log_level_t level,
                const char *fmt, ...)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (limit->last_ms && now - limit->last_ms < interval_ms) {
        limit->held++;
        return;
    }
    char suffix[64] = "";
    if (limit->held)
        snprintf (suffix, sizeof suffix, " (and %llu more like it)",
                  (unsigned long long) limit->held);
    limit->last_ms = now;
    limit->held = 0;
    if (level < s_level)
        return;
    va_list ap;
    va_start (ap, fmt);
    s_vlog (level, suffix, fmt, ap);
    va_end (ap);
}

char *
hl_log_mask_phone (const char *phone, size_t len, char *out, size_t outlen)
{
    if (outlen == 0)
        return out;
    size_t n = len < outlen - 1 ? len : outlen - 1;
    for (size_t i = 0; i < n; i++) {
        int keep = len >= 8 && (i < 3 || i >= len - 4);
        out[i] = keep ? phone[i] : '*';
    }
    out[n] = 0;
    return out;
}
