/*  hl_o311_view: tickets as service requests. See hl_o311_view.h. */
#include "hl_o311_view.h"
#include "hl_o311_time.h"
#include "hl_wire.h"

#include <stdio.h>
#include <string.h>

//  THE mapping of ticket states to the spec's two values ("open: it has
//  been reported; closed: it has been resolved"). A ticket is closed once
//  hotline's work on it has ended: 办结, or closed at intake (直接答复,
//  紧急转接, 不予受理), or merged into another ticket (which carries on).
//  Replied and visited tickets stay open: the caller's 回访 and the 办结
//  are still to come, and an unsatisfied visit reopens the work. Every
//  other use of open/closed in the gateway asks this function.
//  (When the lifecycle table is generated, its open/closed property
//  replaces this switch.)
const char *
hl_o311_view_status (int state)
{
    switch (state) {
        case HOTLINE__STATE__STATE_TO_DISPATCH:
        case HOTLINE__STATE__STATE_DISPATCHED:
        case HOTLINE__STATE__STATE_SIGNED:
        case HOTLINE__STATE__STATE_IN_PROGRESS:
        case HOTLINE__STATE__STATE_REPLIED:
        case HOTLINE__STATE__STATE_VISITED:
        case HOTLINE__STATE__STATE_RETURNED:
        case HOTLINE__STATE__STATE_REVIEWING:
            return "open";
        case HOTLINE__STATE__STATE_CLOSED:
        case HOTLINE__STATE__STATE_ANSWERED_DIRECTLY:
        case HOTLINE__STATE__STATE_TRANSFERRED:
        case HOTLINE__STATE__STATE_OUT_OF_SCOPE:
        case HOTLINE__STATE__STATE_MERGED:
            return "closed";
        default:
            return NULL;
    }
}

//  The public API lists requests anyone may read. A 12345 ticket is
//  published only if it files under an Open311 service, and never if the
//  caller asked for confidentiality or it is a 举报 (a report against
//  someone: publishing it could expose the one who reported).
const hl_o311_service_t *
hl_o311_view_service (const Hotline__TicketView *t, const hl_o311_services_t *services)
{
    const Hotline__Complaint *c = t->complaint;
    if (!c || c->confidential || c->request_type == HOTLINE__REQUEST_TYPE__REQUEST_REPORT)
        return NULL;
    char category[HL_CODE_MAX + 1];
    snprintf (category, sizeof category, "%.*s", (int) c->category.len, c->category.data);
    return hl_o311_services_match (services, c->request_type, category);
}

//  The description as the public sees it: what citizens wrote themselves
//  through the web or an app, without the media line. A phone ticket's
//  content is an agent's note of a call, not meant for publication.
static void
s_description (hl_o311_doc_t *doc, const Hotline__Complaint *c, const char **media,
               size_t *media_len)
{
    *media = NULL;
    *media_len = 0;
    if (c->channel != HOTLINE__CHANNEL__CHANNEL_WEB && c->channel != HOTLINE__CHANNEL__CHANNEL_APP) {
        hl_o311_doc_str (doc, "description", NULL);
        return;
    }
    const char *text = (const char *) c->content.data;
    size_t len = c->content.len;
    size_t plen = strlen (HL_O311_MEDIA_PREFIX);
    for (size_t i = 0; i + plen <= len; i++)
        if (memcmp (text + i, HL_O311_MEDIA_PREFIX, plen) == 0
            && !memchr (text + i + plen, '\n', len - i - plen)) {
            *media = text + i + plen;
            *media_len = len - i - plen;
            len = i;
            break;
        }
    hl_o311_doc_strn (doc, "description", text, len);
}

static int64_t
s_updated_ms (const Hotline__TicketView *t)
{
    int64_t at = (int64_t) t->created_ms;
    for (size_t i = 0; i < t->n_history; i++)
        if ((int64_t) t->history[i]->at_ms > at)
            at = (int64_t) t->history[i]->at_ms;
    return at;
}

//  The reply deadline (答复时限) is when the citizen may expect an answer.
static int64_t
s_expected_ms (const Hotline__TicketView *t)
{
    for (size_t i = 0; i < t->n_deadlines; i++)
        if (t->deadlines[i]->milestone && strcmp (t->deadlines[i]->milestone, "reply") == 0)
            return (int64_t) t->deadlines[i]->due_ms;
    return 0;
}

static void
s_time (hl_o311_doc_t *doc, const char *name, int64_t ms)
{
    char text[HL_O311_TIME_LEN];
    hl_o311_doc_str (doc, name, ms > 0 ? hl_o311_time_format (ms, text) : NULL);
}

static void
s_status_notes (hl_o311_doc_t *doc, const Hotline__TicketView *t)
{
    char notes[256];
    const char *label = hl_wire_state_label (t->state);
    if (t->state == HOTLINE__STATE__STATE_MERGED && t->parent.len)
        snprintf (notes, sizeof notes, "%s：与工单 %.*s 合并办理", label, (int) t->parent.len,
                  t->parent.data);
    else
        snprintf (notes, sizeof notes, "%s", label ? label : "");
    hl_o311_doc_str (doc, "status_notes", notes);
}

void
hl_o311_view_request (hl_o311_doc_t *doc, const Hotline__TicketView *t,
                      const hl_o311_service_t *s, const hl_catalogue_t *catalogue)
{
    const Hotline__Complaint *c = t->complaint;
    const char *media;
    size_t media_len;
    hl_o311_doc_object (doc, "request");
    hl_o311_doc_str (doc, "service_request_id", t->ticket);
    hl_o311_doc_str (doc, "status", hl_o311_view_status (t->state));
    s_status_notes (doc, t);
    hl_o311_doc_str (doc, "service_name", s->name);
    hl_o311_doc_str (doc, "service_code", s->code);
    s_description (doc, c, &media, &media_len);
    const char *unit = catalogue && t->unit.len
                     ? hl_catalogue_unit_name (catalogue, (const char *) t->unit.data, t->unit.len)
                     : NULL;
    if (unit || !t->unit.len)
        hl_o311_doc_str (doc, "agency_responsible", unit);
    else
        hl_o311_doc_strn (doc, "agency_responsible", t->unit.data, t->unit.len);
    hl_o311_doc_str (doc, "service_notice", NULL);
    s_time (doc, "requested_datetime", (int64_t) t->created_ms);
    s_time (doc, "updated_datetime", s_updated_ms (t));
    s_time (doc, "expected_datetime", s_expected_ms (t));
    if (c->has_address && c->address.len)
        hl_o311_doc_strn (doc, "address", c->address.data, c->address.len);
    else
        hl_o311_doc_str (doc, "address", NULL);
    hl_o311_doc_str (doc, "address_id", NULL);
    hl_o311_doc_str (doc, "zipcode", NULL);
    if (c->location && c->location->has_lat && c->location->has_lon) {
        hl_o311_doc_coord (doc, "lat", c->location->lat);
        hl_o311_doc_coord (doc, "long", c->location->lon);
    }
    else {
        hl_o311_doc_str (doc, "lat", NULL);
        hl_o311_doc_str (doc, "long", NULL);
    }
    if (media)
        hl_o311_doc_strn (doc, "media_url", media, media_len);
    else
        hl_o311_doc_str (doc, "media_url", NULL);
    hl_o311_doc_end (doc);
}
