/*  hl_transition: transition validation. See hl_transition.h. */
#include "hl_transition.h"
#include "hl_complaint.h"
#include "hl_wire.h"

#include <stdio.h>
#include <string.h>

#define S_NOTE_MAX 16000

static int
s_check_unit (hl_verdict_t *v, const char *field, ProtobufCBinaryData unit,
              const hl_catalogue_t *catalogue)
{
    if (hl_verdict_code (v, field, 1, unit, HL_STORE_UNIT_MAX - 1))
        return -1;
    if (!hl_catalogue_unit_name (catalogue, (const char *) unit.data, unit.len))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, field,
                                "not a unit of the dispatch catalogue");
    return 0;
}

static int
s_check_units (const Hotline__Transition *t, const hl_catalogue_t *catalogue, hl_verdict_t *v)
{
    if (t->has_unit && t->unit.len && s_check_unit (v, "unit", t->unit, catalogue))
        return -1;
    if (t->n_assist > HL_CATALOGUE_ASSIST_MAX)
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "assist",
                                "at most 4 assisting units");
    for (size_t i = 0; i < t->n_assist; i++) {
        if (s_check_unit (v, "assist", t->assist[i], catalogue))
            return -1;
        if (t->has_unit && t->unit.len == t->assist[i].len
            && memcmp (t->unit.data, t->assist[i].data, t->unit.len) == 0)
            return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "assist",
                                    "the lead unit cannot also assist");
    }
    return 0;
}

static int
s_check_values (const Hotline__Transition *t, hl_verdict_t *v)
{
    if (t->has_return_reason
        && hl_verdict_enum (v, "return_reason", 1, t->return_reason,
                            &hotline__return_reason__descriptor))
        return -1;
    if (t->has_satisfaction
        && hl_verdict_enum (v, "satisfaction", 1, t->satisfaction,
                            &hotline__satisfaction__descriptor))
        return -1;
    if (t->has_via && hl_verdict_enum (v, "via", 1, t->via, &hotline__via__descriptor))
        return -1;
    if (t->has_extension_days
        && (t->extension_days < 1 || t->extension_days > HL_WIRE_EXTENSION_DAYS_MAX))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "extension_days",
                                "from 1 to 60 working days");
    if (t->has_transfer_to && !hl_complaint_emergency_number (t->transfer_to))
        return hl_verdict_fail (v, HOTLINE__ERROR_CODE__ERROR_BAD_VALUE, "transfer_to",
                                "must be 110, 119, 120 or 122");
    return 0;
}

int
hl_transition_check (const Hotline__Transition *t, const hl_catalogue_t *catalogue,
                     hl_verdict_t *v)
{
    memset (v, 0, sizeof *v);
    if (hl_verdict_code (v, "ticket", t->has_ticket, t->ticket, HL_STORE_TICKET_MAX - 1)
        || hl_verdict_enum (v, "action", t->has_action, t->action, &hotline__action__descriptor)
        || hl_verdict_text (v, "note", t->has_note, t->note, 0, 1, S_NOTE_MAX)
        || hl_verdict_text (v, "actor", t->has_actor, t->actor, 0, 0, 96)
        || (t->has_parent && t->parent.len
            && hl_verdict_code (v, "parent", 1, t->parent, HL_STORE_TICKET_MAX - 1))
        || (t->has_article && t->article.len && hl_verdict_code (v, "article", 1, t->article, 64))
        || (t->has_repeat_of && t->repeat_of.len
            && hl_verdict_code (v, "repeat_of", 1, t->repeat_of, HL_STORE_TICKET_MAX - 1))
        || s_check_units (t, catalogue, v)
        || s_check_values (t, v))
        return -1;
    return 0;
}

void
hl_transition_answer (const hl_store_transition_result_t *r, const char *ticket,
                      Hotline__Envelope *env, Hotline__TransitionDone *done,
                      Hotline__Nack *nack)
{
    if (r->outcome == HL_STORE_NEW || r->outcome == HL_STORE_DUP) {
        hotline__transition_done__init (done);
        done->ticket = (char *) ticket;
        done->has_from_state = 1;
        done->from_state = r->from;
        done->has_to_state = 1;
        done->to_state = r->to;
        done->has_at_ms = 1;
        done->at_ms = r->at_ms;
        done->has_duplicate = 1;
        done->duplicate = r->outcome == HL_STORE_DUP;
        done->unit = (char *) r->unit;
        env->body_case = HOTLINE__ENVELOPE__BODY_TRANSITION_DONE;
        env->transition_done = done;
        return;
    }
    hl_wire_nack (env, nack, r->outcome == HL_STORE_REFUSED ? r->code
                             : r->outcome == HL_STORE_LOST ? HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT
                             : r->outcome == HL_STORE_UNAVAILABLE
                                 ? HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE
                                 : HOTLINE__ERROR_CODE__ERROR_STORE_FAILED,
                  NULL, r->error);
}
