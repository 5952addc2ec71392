/*  hl_secret: tokens and keys, read the way secrets must be.
 *
 *  A secret never travels on a command line (every user of the machine can
 *  read another's argv in ps). It comes from a file that only its owner
 *  can read, or from the environment (which a service manager fills from a
 *  credential store). Comparisons take the same time wherever the first
 *  difference is, so that a remote client cannot find a token byte by byte.
 */
#ifndef HL_SECRET_H_INCLUDED
#define HL_SECRET_H_INCLUDED

#include <stddef.h>

//  The secret in the file PATH (if PATH is set) or else in the environment
//  variable ENV, without its trailing newline. The file must be a regular
//  file that neither group nor others may read or write. Returns a string
//  to free with hl_secret_free, or NULL with the reason in ERR (an empty or
//  missing secret is an error).
char *hl_secret_load (const char *path, const char *env, char *err, size_t errlen);

//  The whole file PATH (at most MAX bytes), for files that hold several
//  secrets (a list of API keys), under the same rules as a secret's file:
//  a regular file that neither group nor others may read or write. A
//  string to free with hl_secret_free, or NULL with the reason in ERR.
char *hl_secret_read_file (const char *path, size_t max, char *err, size_t errlen);

//  A binary key of LEN bytes written as 2*LEN hexadecimal digits, from
//  the file PATH (if set) or the environment variable ENV, under
//  hl_secret_load's rules, into KEY. 1 when loaded, 0 when neither is set
//  (the caller decides whether a key is optional), -1 with the reason in
//  ERR (the text names WHAT and how to make a key).
int hl_secret_load_key (const char *path, const char *env, const char *what,
                        unsigned char *key, size_t len, char *err, size_t errlen);

//  Wipe and free *SECRET_P; NULL is fine.
void hl_secret_free (char **secret_p);

//  1 if GIVEN equals KNOWN, in time that depends only on their lengths.
int hl_secret_equal (const char *known, const char *given);

#endif
