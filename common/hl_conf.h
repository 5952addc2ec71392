/*  hl_conf: the line-oriented configuration format shared by hotline's
 *  files (hotlined.conf, codes.conf, ...).
 *
 *      # comment
 *      [section]
 *      key = value          (key=value form)
 *      word more words      (word form, for catalogues)
 *
 *  Blank lines and lines starting with '#' are ignored; leading and
 *  trailing white space is trimmed. The parser calls back once per line
 *  with the current section; the callback validates and reports errors,
 *  which the parser prefixes with FILE:LINE so an operator can fix them.
 */
#ifndef HL_CONF_H_INCLUDED
#define HL_CONF_H_INCLUDED

#include <stddef.h>

//  One line of a file. For "key = value" lines KEY and VALUE are set; for
//  other lines KEY is the first word and VALUE the rest (may be "").
//  Return 0, or -1 after writing a message into ERR.
typedef int (hl_conf_line_fn) (const char *section, const char *key,
                               const char *value, void *arg,
                               char *err, size_t errlen);

//  Parse PATH. Returns 0, or -1 with "PATH:LINE: message" in ERR.
int hl_conf_parse_file (const char *path, hl_conf_line_fn *fn, void *arg,
                        char *err, size_t errlen);

//  Read PATH whole, for parsers that work on text: a NUL-terminated heap
//  string (free it), or NULL with "PATH: reason" in ERR if it cannot be
//  read or holds a NUL byte.
char *hl_conf_read (const char *path, char *err, size_t errlen);

//  Parse TEXT (NUL-terminated) named NAME in messages.
int hl_conf_parse_text (const char *name, const char *text, hl_conf_line_fn *fn,
                        void *arg, char *err, size_t errlen);

//  Helpers for callbacks: parse an integer in [min, max] or a boolean
//  (yes/no/true/false/on/off/1/0). 0 or -1 with a message in ERR.
int hl_conf_int (const char *key, const char *value, long min, long max,
                 long *out, char *err, size_t errlen);
int hl_conf_bool (const char *key, const char *value, int *out,
                  char *err, size_t errlen);

#endif
