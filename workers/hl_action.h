/*  hl_action: one thing a department does to a ticket.
 *
 *  The same five actions reach hotline-worker two ways: as JSON lines
 *  printed by an --exec program, and as commands typed in --interactive
 *  mode. Both become an hl_action_t, are applied through libhotline-worker
 *  and are reported the same way, so the two modes cannot drift apart.
 *
 *  The JSON forms (one object per line, strict: unknown keys are refused):
 *
 *      {"action":"sign"}
 *      {"action":"return","reason":"wrong_area","note":"..."}
 *          reason: wrong_area | not_our_duty | overlapping_duties | other
 *      {"action":"progress","note":"..."}
 *      {"action":"extension","days":5,"note":"..."}      (or "request_extension")
 *      {"action":"reply","note":"..."}
 *
 *  Each may carry "ticket", which must then be the ticket being handled.
 *
 *  hl_action_t is a small value type (like hl_buf_t): its fields are
 *  public; hl_action_clear frees the note.
 */
#ifndef HL_ACTION_H_INCLUDED
#define HL_ACTION_H_INCLUDED

#include "hl_worker.h"

#include <stddef.h>

typedef enum {
    HL_ACTION_NONE = 0,
    HL_ACTION_SIGN,
    HL_ACTION_RETURN,
    HL_ACTION_PROGRESS,
    HL_ACTION_EXTENSION,
    HL_ACTION_REPLY
} hl_action_kind_t;

typedef struct {
    hl_action_kind_t kind;
    char reason[32];            //  return
    unsigned days;              //  extension
    char *note;                 //  heap copy, NULL for sign
} hl_action_t;

#define HL_ACTION_INIT { HL_ACTION_NONE, "", 0, NULL }

//  The action named NAME ("sign", "return", "progress", "extension" or
//  "request_extension", "reply"), HL_ACTION_NONE if none.
hl_action_kind_t hl_action_parse_kind (const char *name);

//  The name of KIND as reports print it.
const char *hl_action_name (hl_action_kind_t kind);

//  Read SELF from one JSON line about TICKET. 0, or -1 with a message in
//  ERR saying what is wrong with the line.
int hl_action_from_json (hl_action_t *self, const char *line, size_t len, const char *ticket,
                         char *err, size_t errlen);

//  Set SELF from its parts (NOTE is copied; REASON may be NULL). 0, or -1
//  with a message in ERR when a part is missing or malformed.
int hl_action_set (hl_action_t *self, hl_action_kind_t kind, const char *reason,
                   unsigned days, const char *note, char *err, size_t errlen);

//  Apply SELF to TICKET through WORKER: 0 once hotlined stored it, or the
//  negative code of hl_worker_* (the message in hl_worker_error).
int hl_action_apply (const hl_action_t *self, hl_worker_t *worker, const char *ticket);

//  True if SELF settles a lead ticket (sign or return: its credit slot is free).
int hl_action_settles (const hl_action_t *self);

void hl_action_clear (hl_action_t *self);

#endif
