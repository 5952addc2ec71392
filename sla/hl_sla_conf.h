/*  hl_sla_conf: the line reader of the SLA config files (calendar years,
 *  SLA policy).
 *
 *  Both formats are lines of whitespace-separated words; '#' starts a
 *  comment that runs to the end of the line; blank lines are skipped.
 *  hl_sla_conf hands out one line at a time, already split, and formats
 *  errors as "file:line: message" so that every message points at the
 *  line to fix. (common/hl_conf reads the daemon's key = value files; the
 *  SLA files need trailing comments and words containing '=', and the SLA
 *  library must not depend on common's network libraries.)
 */
#ifndef HL_SLA_CONF_H_INCLUDED
#define HL_SLA_CONF_H_INCLUDED

#include <stddef.h>

typedef struct _hl_sla_conf_t hl_sla_conf_t;

//  Where hotlined and the hotline client look for the SLA files unless
//  told otherwise (relative to the working directory, as deploy/ runs).
#define HL_SLA_CONF_DEFAULT_POLICY "deploy/etc/sla.conf"
#define HL_SLA_CONF_DEFAULT_CALENDAR_DIR "deploy/etc/calendar"

//  Longest line accepted, in bytes.
#define HL_SLA_CONF_MAX_LINE 1023
//  Most words on a line.
#define HL_SLA_CONF_MAX_WORDS 16
//  Largest file read.
#define HL_SLA_CONF_MAX_FILE (1024 * 1024)

//  Read file PATH. Returns NULL with "path: reason" in ERR if it cannot be
//  read, is too large or is not text.
hl_sla_conf_t *
    hl_sla_conf_new_file (const char *path, char *err, size_t errlen);

//  Read TEXT (copied), calling it NAME in messages.
hl_sla_conf_t *
    hl_sla_conf_new_string (const char *text, const char *name);

//  Destroy a reader; nulls the pointer, idempotent.
void
    hl_sla_conf_destroy (hl_sla_conf_t **self_p);

//  Move to the next line with words; point *WORDS at them (valid until the
//  next call). Returns the number of words, 0 at the end of the file, or
//  -1 with a message in ERR for a line too long or with too many words.
int
    hl_sla_conf_next (hl_sla_conf_t *self, char ***words, char *err, size_t errlen);

//  Write "name:line: " and the formatted message into ERR; just "name: "
//  before the first line and once hl_sla_conf_next has reached the end, when
//  the message is about the file as a whole. Returns -1 so that callers
//  can "return hl_sla_conf_error (...)".
int
    hl_sla_conf_error (hl_sla_conf_t *self, char *err, size_t errlen, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Number of the current line (1-based; 0 before the first and at the end).
unsigned
    hl_sla_conf_line (hl_sla_conf_t *self);

//  The name given to the reader.
const char *
    hl_sla_conf_name (hl_sla_conf_t *self);

#endif
