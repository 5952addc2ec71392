/*  hl_buf: a growable byte buffer, and a JSON writer on top of it.
 *
 *  hl_buf_t is a small value type (like a string builder), so its fields
 *  are public: callers read data/len directly. Allocation failure aborts,
 *  as for every small allocation in hotline: a process that cannot get a
 *  few bytes cannot keep its promises anyway, and the supervisor restarts
 *  it; nothing acknowledged lives only in memory.
 */
#ifndef HL_BUF_H_INCLUDED
#define HL_BUF_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data;     //  NUL-terminated contents (NULL until first append)
    size_t len;     //  bytes used, not counting the NUL
    size_t cap;     //  bytes allocated
} hl_buf_t;

#define HL_BUF_INIT { NULL, 0, 0 }

void hl_buf_reserve (hl_buf_t *self, size_t extra);
void hl_buf_append (hl_buf_t *self, const void *data, size_t len);
void hl_buf_puts (hl_buf_t *self, const char *str);
void hl_buf_printf (hl_buf_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
void hl_buf_reset (hl_buf_t *self);
void hl_buf_free (hl_buf_t *self);

//  JSON writing. hl_json_str appends DATA as a quoted, escaped JSON
//  string: control characters (C0, DEL, C1) are escaped, and a byte that
//  is not part of well-formed UTF-8 (text from a peer that broke the
//  protocol) becomes U+FFFD, so the output is always valid JSON text.
void hl_json_str (hl_buf_t *self, const void *data, size_t len);
//  Append "KEY": (with a leading comma unless FIRST).
void hl_json_key (hl_buf_t *self, const char *key, int first);
void hl_json_kv_str (hl_buf_t *self, const char *key, const void *data, size_t len, int first);
void hl_json_kv_int (hl_buf_t *self, const char *key, int64_t value, int first);
void hl_json_kv_bool (hl_buf_t *self, const char *key, int value, int first);

//  Upper bound on a buffer: callers refuse large input long before this;
//  it exists so that size arithmetic cannot overflow.
#define HL_BUF_MAX ((size_t) 1 << 30)

#endif
