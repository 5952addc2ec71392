/*  hl_tui_action: writes to hotlined. See hl_tui_action.h. */
#include "hl_tui_action.h"
#include "hl_client.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_RESEND_MS 500

struct hl_tui_action {
    char endpoint[256];
    hl_client_t *client;
    int timeout_ms;
    unsigned long round_trips;
};

hl_tui_action_t *
hl_tui_action_new (const char *endpoint, const hl_curve_client_t *keys, int timeout_ms)
{
    hl_tui_action_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->client = hl_client_new_keyed (endpoint, keys);
    if (!self->client) {
        free (self);
        return NULL;
    }
    self->timeout_ms = timeout_ms;
    return self;
}

void
hl_tui_action_destroy (hl_tui_action_t **self_p)
{
    assert (self_p);
    hl_tui_action_t *self = *self_p;
    if (!self)
        return;
    hl_client_destroy (&self->client);
    free (self);
    *self_p = NULL;
}

//  Sends ENV under RID and folds a Nack or a silence into RES. Returns
//  the answer if it is of body WANT (free with hl_wire_free), else NULL.
static Hotline__Envelope *
s_call (hl_tui_action_t *self, Hotline__Envelope *env, const char *rid,
        Hotline__Envelope__BodyCase want, hl_tui_result_t *res)
{
    memset (res, 0, sizeof *res);
    env->has_request_id = 1;
    env->request_id = hl_wire_bytes (rid);
    Hotline__Envelope *reply = NULL;
    if (hl_client_request (self->client, env, &reply, self->timeout_ms, S_RESEND_MS,
                           res->message, sizeof res->message) != 0) {
        res->outcome = HL_TUI_UNREACHABLE;
        return NULL;
    }
    self->round_trips++;
    if (reply->body_case == want) {
        res->outcome = HL_TUI_DONE;
        return reply;
    }
    if (reply->body_case == HOTLINE__ENVELOPE__BODY_NACK) {
        const Hotline__Nack *n = reply->nack;
        res->outcome = n->retryable ? HL_TUI_UNREACHABLE : HL_TUI_REFUSED;
        snprintf (res->code, sizeof res->code, "%s", hl_wire_error_name (n->code) ?: "error");
        snprintf (res->field, sizeof res->field, "%s", n->field ? n->field : "");
        snprintf (res->message, sizeof res->message, "%s", n->message ? n->message : "");
    }
    else {
        res->outcome = HL_TUI_REFUSED;
        snprintf (res->message, sizeof res->message, "unexpected answer from hotlined");
    }
    hl_wire_free (&reply);
    return NULL;
}

void
hl_tui_action_submit (hl_tui_action_t *self, Hotline__Complaint *c, const char *rid,
                      hl_tui_result_t *res)
{
    c->has_request_id = 1;
    c->request_id = hl_wire_bytes (rid);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env.complaint = c;
    Hotline__Envelope *reply = s_call (self, &env, rid, HOTLINE__ENVELOPE__BODY_ACK, res);
    if (!reply)
        return;
    const Hotline__Ack *ack = reply->ack;
    snprintf (res->ticket, sizeof res->ticket, "%s", ack->ticket ? ack->ticket : "");
    res->state = ack->state;
    res->duplicate = ack->duplicate;
    hl_wire_free (&reply);
}

void
hl_tui_action_transition (hl_tui_action_t *self, Hotline__Transition *t, const char *rid,
                          hl_tui_result_t *res)
{
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env.transition = t;
    Hotline__Envelope *reply = s_call (self, &env, rid,
                                       HOTLINE__ENVELOPE__BODY_TRANSITION_DONE, res);
    if (!reply)
        return;
    const Hotline__TransitionDone *d = reply->transition_done;
    snprintf (res->ticket, sizeof res->ticket, "%s", d->ticket ? d->ticket : "");
    res->state = d->to_state;
    res->duplicate = d->duplicate;
    snprintf (res->unit, sizeof res->unit, "%s", d->unit ? d->unit : "");
    hl_wire_free (&reply);
}

int
hl_tui_action_unit (hl_tui_action_t *self, const char *ticket, hl_tui_result_t *res)
{
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (ticket);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    env.ticket_query = &q;
    char rid[33];
    hl_client_new_request_id (rid);
    hl_tui_result_t view_res;
    Hotline__Envelope *reply = s_call (self, &env, rid, HOTLINE__ENVELOPE__BODY_TICKET_VIEW,
                                       &view_res);
    if (!reply)
        return -1;
    const Hotline__TicketView *v = reply->ticket_view;
    if (v->has_unit)
        snprintf (res->unit, sizeof res->unit, "%.*s", (int) v->unit.len, v->unit.data);
    res->state = v->state;
    hl_wire_free (&reply);
    return 0;
}

unsigned long
hl_tui_action_round_trips (const hl_tui_action_t *self)
{
    return self->round_trips;
}
