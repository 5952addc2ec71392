/*  hl_privacy: what each reader may see of a caller.
 *
 *  One place for the rules, whoever reads a ticket:
 *
 *    - a department (worker delivery or lookup): anonymous, confidential
 *      and 举报 (report) tickets lose every caller detail, so a
 *      whistle-blower is never shown to the unit reported; otherwise the
 *      number is masked unless the unit may call callers back;
 *    - a channel gateway (CURVE identity "channel:NAME"): only its own
 *      channel's tickets exist for it; the caller is masked, and withheld
 *      as above;
 *    - hotline staff (agent:, dispatcher:, supervisor:): the caller masked
 *      and withheld as above, unless the reader asked for the full details,
 *      an access hotlined writes to the ticket's history first (the store's
 *      hl_ticket_reveal);
 *    - no identity (intake without CURVE, a trusted local client): shown.
 */
#ifndef HL_PRIVACY_H_INCLUDED
#define HL_PRIVACY_H_INCLUDED

#include "hotline.pb-c.h"

#define HL_PRIVACY_MASKED_MAX 32

//  The rules for a department: see above. MASKED (HL_PRIVACY_MASKED_MAX
//  bytes) holds the masked number VIEW then points to. VIEW's complaint is
//  changed in place.
void hl_privacy_for_unit (Hotline__TicketView *view, int callback_allowed, char *masked);

//  The rules for the intake's reader IDENTITY (NULL: none), REVEALED when
//  the full details were asked for and audited. 0, or -1 if the ticket is
//  not to be shown to this reader at all (answer "no such ticket").
int hl_privacy_for_reader (Hotline__TicketView *view, const char *identity, int revealed,
                           char *masked);

//  Whether IDENTITY may ask for a caller's full details (staff only).
int hl_privacy_may_reveal (const char *identity);

//  Whether IDENTITY may list tickets (lists by caller, unit or state are
//  for staff; a gateway reads its tickets one by one, by number).
int hl_privacy_may_list (const char *identity);

#endif
