/*  hl_visitlink: the caller's one-time online 回访 link.
 *
 *  When a unit has replied, the caller may rate the answer on the web
 *  instead of waiting for a phone visit. The link carries the ticket
 *  number and a token: a keyed MAC (HMAC-SHA-512/256, 128 bits kept) over
 *  the ticket number and the moment of its latest reply, with a key from a
 *  file only hotlined's user may read. Why a MAC and not a stored random
 *  token: nothing to store, expire or replicate, every hotlined instance
 *  can check it, and it is still one-time and unguessable:
 *
 *    - without the key nobody can make a token (2^-128 to guess one);
 *    - a used link is refused because the ticket is no longer awaiting a
 *      visit (the visit moves it out of 已答复);
 *    - a new reply (after 审核退回 or 重办) has a new moment, so the links
 *      of earlier replies stop working.
 *
 *  The link is URL#TICKET.TOKEN: the part after # stays in the browser
 *  (never in a proxy's or the gateway's access log, never in a Referer).
 */
#ifndef HL_VISITLINK_H_INCLUDED
#define HL_VISITLINK_H_INCLUDED

#include "hl_verdict.h"
#include "hotline.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hl_visitlink hl_visitlink_t;

//  Longest link, with its NUL.
#define HL_VISITLINK_MAX 512

//  The key from KEY_FILE (64 hex digits, mode 0600) or $HOTLINE_VISIT_KEY;
//  with neither, online visits are off. URL: where the gateway serves the
//  page (…/visit). NULL with ERR if the key is given but unusable.
hl_visitlink_t *hl_visitlink_new (const char *key_file, const char *url, char *err,
                                  size_t errlen);
void hl_visitlink_destroy (hl_visitlink_t **self_p);

//  Whether links are made and taken (a key is set).
int hl_visitlink_enabled (const hl_visitlink_t *self);

//  The moment of T's latest reply (答复) in its history, 0 if none.
uint64_t hl_visitlink_reply_ms (const Hotline__TicketView *t);

//  T's link into OUT (HL_VISITLINK_MAX bytes): 0, or -1 when T has none
//  (no key, or T is not awaiting a visit).
int hl_visitlink_link (const hl_visitlink_t *self, const Hotline__TicketView *t, char *out);

//  Whether TOKEN lets its holder rate T now: 0, or -1 with V (forbidden: not
//  this ticket's token; invalid_transition: the ticket is not awaiting a
//  visit, so the link was used or its reply withdrawn).
int hl_visitlink_check (const hl_visitlink_t *self, const Hotline__TicketView *t,
                        ProtobufCBinaryData token, hl_verdict_t *v);

#endif
