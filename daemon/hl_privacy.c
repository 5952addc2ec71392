/*  hl_privacy: the caller-privacy rules. See hl_privacy.h. */
#include "hl_privacy.h"
#include "hl_log.h"
#include "hl_wire.h"

#include <string.h>

static int
s_is_staff (const char *identity)
{
    return strncmp (identity, "agent:", 6) == 0 || strncmp (identity, "dispatcher:", 11) == 0
        || strncmp (identity, "supervisor:", 11) == 0;
}

void
hl_privacy_for_unit (Hotline__TicketView *view, int callback_allowed, char *masked)
{
    Hotline__Complaint *c = view->complaint;
    if (!c)
        return;
    int hide = c->anonymous || c->confidential
            || c->request_type == HOTLINE__REQUEST_TYPE__REQUEST_REPORT;
    if (hide) {
        c->has_caller_phone = c->has_caller_name = 0;
        c->caller_phone.len = c->caller_name.len = 0;
        view->has_caller_masked = view->caller_masked = 1;
    }
    else
    if (!callback_allowed && c->has_caller_phone) {
        hl_log_mask_phone ((const char *) c->caller_phone.data, c->caller_phone.len, masked,
                           HL_PRIVACY_MASKED_MAX);
        c->caller_phone = hl_wire_bytes (masked);
        view->has_caller_masked = view->caller_masked = 1;
    }
}

int
hl_privacy_for_reader (Hotline__TicketView *view, const char *identity, int revealed,
                       char *masked)
{
    if (!identity)
        return 0;
    if (strncmp (identity, "channel:", 8) == 0) {
        const Hotline__Complaint *c = view->complaint;
        const char *channel = c && c->has_channel ? hl_wire_channel_name ((int) c->channel) : NULL;
        if (!channel || strcmp (channel, identity + 8) != 0)
            return -1;
    }
    if (!(revealed && s_is_staff (identity)))
        hl_privacy_for_unit (view, 0, masked);
    return 0;
}

int
hl_privacy_may_reveal (const char *identity)
{
    return !identity || s_is_staff (identity);
}

int
hl_privacy_may_list (const char *identity)
{
    return !identity || s_is_staff (identity);
}
