/*  hl_action: department actions. See hl_action.h. */
#include "hl_action.h"
#include "hl_jsonl.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_names[] = { NULL, "sign", "return", "progress", "extension", "reply" };

//  The keys a JSON line of each kind may hold besides "action" and "ticket".
static const char *s_keys[][3] = {
    { NULL }, { NULL }, { "reason", "note", NULL }, { "note", NULL }, { "days", "note", NULL },
    { "note", NULL }
};

hl_action_kind_t
hl_action_parse_kind (const char *name)
{
    if (name && strcmp (name, "request_extension") == 0)
        return HL_ACTION_EXTENSION;
    for (int i = HL_ACTION_SIGN; name && i <= HL_ACTION_REPLY; i++)
        if (strcmp (name, s_names[i]) == 0)
            return (hl_action_kind_t) i;
    return HL_ACTION_NONE;
}

const char *
hl_action_name (hl_action_kind_t kind)
{
    return kind >= HL_ACTION_SIGN && kind <= HL_ACTION_REPLY ? s_names[kind] : "none";
}

void
hl_action_clear (hl_action_t *self)
{
    free (self->note);
    *self = (hl_action_t) HL_ACTION_INIT;
}

int
hl_action_set (hl_action_t *self, hl_action_kind_t kind, const char *reason, unsigned days,
               const char *note, char *err, size_t errlen)
{
    hl_action_clear (self);
    if (kind == HL_ACTION_NONE) {
        snprintf (err, errlen, "unknown action (expected sign, return, progress, extension "
                  "or reply)");
        return -1;
    }
    if (kind == HL_ACTION_RETURN && (!reason || !hl_wire_return_reason_parse (reason))) {
        snprintf (err, errlen, "return needs a reason: wrong_area, not_our_duty, "
                  "overlapping_duties or other");
        return -1;
    }
    if (kind == HL_ACTION_EXTENSION && (days < 1 || days > HL_WIRE_EXTENSION_DAYS_MAX)) {
        snprintf (err, errlen, "extension needs days: 1 to 60 working days");
        return -1;
    }
    if (kind != HL_ACTION_SIGN && (!note || !*note)) {
        snprintf (err, errlen, "%s needs a note", s_names[kind]);
        return -1;
    }
    self->kind = kind;
    if (kind == HL_ACTION_RETURN)
        snprintf (self->reason, sizeof self->reason, "%s", reason);
    self->days = kind == HL_ACTION_EXTENSION ? days : 0;
    if (kind != HL_ACTION_SIGN && !(self->note = strdup (note)))
        abort ();
    return 0;
}

//  Checks that OBJ holds only keys that apply to KIND.
static int
s_check_keys (const hl_jsonl_t *obj, hl_action_kind_t kind, char *err, size_t errlen)
{
    for (size_t i = 0; i < hl_jsonl_size (obj); i++) {
        const char *key = hl_jsonl_key (obj, i);
        int known = strcmp (key, "action") == 0 || strcmp (key, "ticket") == 0;
        for (int k = 0; !known && s_keys[kind][k]; k++)
            known = strcmp (key, s_keys[kind][k]) == 0;
        if (!known) {
            snprintf (err, errlen, "\"%.64s\" does not belong in a %s action", key,
                      s_names[kind]);
            return -1;
        }
    }
    return 0;
}

//  Checks that KEY, if present, has type TYPE.
static int
s_check_type (const hl_jsonl_t *obj, const char *key, hl_jsonl_type_t type, const char *what,
              char *err, size_t errlen)
{
    hl_jsonl_type_t has = hl_jsonl_type (obj, key);
    if (has != HL_JSONL_NONE && has != type) {
        snprintf (err, errlen, "\"%s\" must be %s", key, what);
        return -1;
    }
    return 0;
}

int
hl_action_from_json (hl_action_t *self, const char *line, size_t len, const char *ticket,
                     char *err, size_t errlen)
{
    char why[200];
    hl_action_clear (self);
    hl_jsonl_t *obj = hl_jsonl_parse (line, len, why, sizeof why);
    if (!obj) {
        snprintf (err, errlen, "not a JSON object: %s", why);
        return -1;
    }
    int rc = -1;
    const char *name = hl_jsonl_string (obj, "action");
    hl_action_kind_t kind = hl_action_parse_kind (name);
    const char *other = hl_jsonl_string (obj, "ticket");
    int64_t days = 0;
    if (!name)
        snprintf (err, errlen, "\"action\" (a string) is missing");
    else
    if (kind == HL_ACTION_NONE)
        snprintf (err, errlen, "unknown action \"%.40s\" (expected sign, return, progress, "
                  "extension or reply)", name);
    else
    if (s_check_keys (obj, kind, err, errlen) != 0
        || s_check_type (obj, "ticket", HL_JSONL_STRING, "a string", err, errlen) != 0
        || s_check_type (obj, "reason", HL_JSONL_STRING, "a string", err, errlen) != 0
        || s_check_type (obj, "note", HL_JSONL_STRING, "a string", err, errlen) != 0
        || s_check_type (obj, "days", HL_JSONL_NUMBER, "a whole number", err, errlen) != 0)
        ;
    else
    if (other && strcmp (other, ticket) != 0)
        snprintf (err, errlen, "\"ticket\" is %.64s, but this program handles %.64s", other,
                  ticket);
    else
    if (hl_jsonl_type (obj, "days") != HL_JSONL_NONE
        && (hl_jsonl_int (obj, "days", &days) != 0 || days < 1
            || days > HL_WIRE_EXTENSION_DAYS_MAX))
        snprintf (err, errlen, "\"days\" must be a whole number of working days, 1 to 60");
    else
        rc = hl_action_set (self, kind, hl_jsonl_string (obj, "reason"), (unsigned) days,
                            hl_jsonl_string (obj, "note"), err, errlen);
    hl_jsonl_destroy (&obj);
    return rc;
}

int
hl_action_apply (const hl_action_t *self, hl_worker_t *worker, const char *ticket)
{
    switch (self->kind) {
        case HL_ACTION_SIGN:
            return hl_worker_sign (worker, ticket);
        case HL_ACTION_RETURN:
            return hl_worker_return (worker, ticket, self->reason, self->note);
        case HL_ACTION_PROGRESS:
            return hl_worker_progress (worker, ticket, self->note);
        case HL_ACTION_EXTENSION:
            return hl_worker_request_extension (worker, ticket, self->days, self->note);
        case HL_ACTION_REPLY:
            return hl_worker_reply (worker, ticket, self->note);
        default:
            assert (!"no action to apply");
            return HL_WORKER_EINVAL;
    }
}

int
hl_action_settles (const hl_action_t *self)
{
    return self->kind == HL_ACTION_SIGN || self->kind == HL_ACTION_RETURN;
}
