/*  Fuzz target: the wire protocol as hotlined reads it. A frame is
 *  unpacked as an Envelope (core/hl_wire, proto/hotline.proto); a frame
 *  that unpacks must pack back to a frame that unpacks to the same bytes.
 *  Each request body then goes through the checks hotlined makes before
 *  Redis is asked: a complaint through hl_complaint_check and, if valid,
 *  the dispatch decision of hl_intake_disposition on the shipped code and
 *  dispatch catalogues; a transition through hl_transition_check; list,
 *  knowledge-base, similar-ticket and worker requests through the field
 *  checks they share (hl_verdict, phone normalisation).
 */
#include "hl_fuzz.h"
#include "hl_catalogue.h"
#include "hl_codes.h"
#include "hl_complaint.h"
#include "hl_intake.h"
#include "hl_transition.h"
#include "hl_wire.h"

static hl_codes_t *s_codes;
static hl_catalogue_t *s_catalogue;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    char err[256];
    s_codes = hl_codes_load (HL_SRC_ROOT "/deploy/etc/codes.conf", err, sizeof err);
    s_catalogue = hl_catalogue_load (HL_SRC_ROOT "/deploy/etc/dispatch.conf", err, sizeof err);
    if (!s_codes || !s_catalogue) {
        fprintf (stderr, "%s\n", err);
        abort ();
    }
    return 0;
}

//  A verdict is -1 with a named code and a message, or 0 with nothing
//  recorded; V is cleared for the next check.
static void
s_check_verdict (int rc, hl_verdict_t *v)
{
    if (rc == 0)
        HL_FUZZ_ASSERT (v->code == 0);
    else
        HL_FUZZ_ASSERT (rc == -1 && v->code != 0 && *v->message
                        && hl_wire_error_name (v->code));
    *v = (hl_verdict_t) { 0 };
}

static void
s_complaint (const Hotline__Complaint *c)
{
    hl_verdict_t v = { 0 };
    int rc = hl_complaint_check (c, s_codes, &v);
    s_check_verdict (rc, &v);
    char phone[HL_COMPLAINT_PHONE_MAX + 1];
    if (c->has_caller_phone) {
        int n = hl_complaint_normalise_phone (c->caller_phone.data, c->caller_phone.len, phone);
        HL_FUZZ_ASSERT (n <= HL_COMPLAINT_PHONE_MAX);
    }
    if (c->has_credit_code)
        hl_complaint_credit_code_valid (c->credit_code.data, c->credit_code.len);
    if (rc != 0)
        return;
    HL_FUZZ_ASSERT (hl_wire_channel_name (c->channel) && hl_wire_request_type_name (c->request_type));
    hl_store_disposition_t d;
    hl_intake_route_t route;
    hl_intake_disposition (s_catalogue, 1, c, &d, &route);
    HL_FUZZ_ASSERT (d.state && hl_wire_state_parse (d.state));
    if (strcmp (d.state, "dispatched") == 0)
        HL_FUZZ_ASSERT (hl_catalogue_unit_name (s_catalogue, d.unit, strlen (d.unit)));
}

static void
s_transition (const Hotline__Transition *t)
{
    hl_verdict_t v = { 0 };
    int rc = hl_transition_check (t, s_catalogue, &v);
    s_check_verdict (rc, &v);
    if (rc == 0)
        HL_FUZZ_ASSERT (hl_wire_action_name (t->action));
}

//  The field checks the remaining requests are made of.
static void
s_fields (const Hotline__Envelope *env)
{
    hl_verdict_t v = { 0 };
    char phone[HL_COMPLAINT_PHONE_MAX + 1];
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY
        && env->ticket_list_query->has_caller_phone
        && env->ticket_list_query->caller_phone.len <= 64)
        hl_complaint_normalise_phone (env->ticket_list_query->caller_phone.data,
                                      env->ticket_list_query->caller_phone.len, phone);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_KB_QUERY) {
        const Hotline__KbQuery *q = env->kb_query;
        s_check_verdict (hl_verdict_text (&v, "query", q->has_query, q->query, 1, 0, 200), &v);
        s_check_verdict (hl_verdict_code (&v, "unit", q->has_unit, q->unit, 63), &v);
    }
    if (env->body_case == HOTLINE__ENVELOPE__BODY_SIMILAR_QUERY) {
        const Hotline__SimilarQuery *q = env->similar_query;
        s_check_verdict (hl_verdict_text (&v, "text", q->has_text, q->text, 1, 1, 4000), &v);
        s_check_verdict (hl_verdict_code (&v, "area", q->has_area, q->area, 31), &v);
    }
    if (env->body_case == HOTLINE__ENVELOPE__BODY_WORKER_READY) {
        const Hotline__WorkerReady *r = env->worker_ready;
        s_check_verdict (hl_verdict_code (&v, "unit", r->has_unit, r->unit, 31), &v);
        s_check_verdict (hl_verdict_text (&v, "worker", r->has_worker, r->worker, 0, 0, 64), &v);
    }
}

//  protobuf-c (1.4) reads a field numbered 0 when its tag is written in
//  more than one byte, keeps it as an unknown field, and then refuses the
//  one-byte tag it packs it with. Nothing of hotline re-reads what it packs
//  from a peer's message, so such a frame only loses the round trip.
static int
s_has_field_zero (const ProtobufCMessage *m)
{
    for (size_t i = 0; i < m->n_unknown_fields; i++)
        if (m->unknown_fields[i].tag == 0)
            return 1;
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const char *at = (const char *) m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) ((const char *) m + f->quantifier_offset);
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) at;
            for (size_t j = 0; j < n; j++)
                if (s_has_field_zero (items[j]))
                    return 1;
        }
        else {
            const ProtobufCMessage *sub = *(const ProtobufCMessage *const *) at;
            if (sub && (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                        || *(const uint32_t *) ((const char *) m + f->quantifier_offset)
                           == f->id)
                && s_has_field_zero (sub))
                return 1;
        }
    }
    return 0;
}

//  What unpacks packs again, and the copy is canonical.
static void
s_repack (const Hotline__Envelope *env)
{
    hl_buf_t once = HL_BUF_INIT, twice = HL_BUF_INIT;
    hl_wire_pack (env, &once);
    Hotline__ErrorCode code;
    Hotline__Envelope *copy = hl_wire_unpack (once.data, once.len, HL_BUF_MAX, &code);
    if (!copy) {
        HL_FUZZ_ASSERT (s_has_field_zero (&env->base));
        hl_buf_free (&once);
        return;
    }
    hl_wire_pack (copy, &twice);
    HL_FUZZ_ASSERT (once.len == twice.len && memcmp (once.data, twice.data, once.len) == 0);
    hl_wire_free (&copy);
    hl_buf_free (&once);
    hl_buf_free (&twice);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    Hotline__ErrorCode code = 0;
    Hotline__Envelope *env = hl_wire_unpack (data, size, HL_WIRE_MAX_MESSAGE, &code);
    if (!env) {
        HL_FUZZ_ASSERT (code == (size > HL_WIRE_MAX_MESSAGE ? HOTLINE__ERROR_CODE__ERROR_TOO_LARGE
                                                            : HOTLINE__ERROR_CODE__ERROR_BAD_FRAME));
        return 0;
    }
    s_repack (env);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_COMPLAINT)
        s_complaint (env->complaint);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION)
        s_transition (env->transition);
    s_fields (env);
    hl_wire_free (&env);
    return 0;
}
