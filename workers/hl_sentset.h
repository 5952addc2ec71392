/*  hl_sentset: the notification adaptor's record of the messages it sent.
 *
 *  hotlined sends a message again until the adaptor confirms it (after a
 *  restart, a lost confirmation, a timeout), so the adaptor must know
 *  what it already sent: a message whose id is here is confirmed at once
 *  and not sent again. The record is a file, one line per message sent,
 *  appended and flushed to disk before the confirmation: either the id
 *  alone, or the message's whole JSON record (then the file is also the
 *  output: hotline-notify --out writes each message as its own record, in
 *  one write, so no moment lies between sending and recording).
 */
#ifndef HL_SENTSET_H_INCLUDED
#define HL_SENTSET_H_INCLUDED

#include <stddef.h>

typedef struct hl_sentset hl_sentset_t;

//  The record in PATH (created 0600 if missing), every id in it read:
//  lines that start with '{' by their "id" member, others whole. NULL
//  with "PATH: reason" in ERR.
hl_sentset_t *hl_sentset_open (const char *path, char *err, size_t errlen);
void hl_sentset_destroy (hl_sentset_t **self_p);

//  Whether ID was sent.
int hl_sentset_has (const hl_sentset_t *self, const char *id);

//  ID sent: LINE (its record, or NULL for the id alone) appended to the
//  file and flushed to disk. 0, or -1 with errno (then ID counts as not
//  sent).
int hl_sentset_add (hl_sentset_t *self, const char *id, const char *line);

//  Messages recorded.
size_t hl_sentset_size (const hl_sentset_t *self);

#endif
