/*  hl_messenger: the messages sent to callers (SMS, app), handed to a
 *  notification adaptor (docs/notify.md).
 *
 *  The outbox's `notify` group offers each entry here. An entry that
 *  means a message (a ticket taken, a reply, a 回访 that missed the
 *  caller) is rendered from its ticket as it is now (the caller's number
 *  opened with the store's key, the text from hl_msgtpl) into one JSON
 *  record with an id that stays the same however often it is sent again
 *  (ticket.entry-id), and sent to the adaptor connected to this class's
 *  ROUTER socket. The offer is answered 0 only when the adaptor confirmed
 *  that record ("done" with its id), and -1 when it refused it, did not
 *  answer within confirm_ms or no adaptor is connected: the outbox then
 *  offers it again later, after a growing pause (hl_backoff). So the
 *  adaptor gets each message at least once; it keeps its own record of
 *  the ids it sent, so the caller gets it once.
 *
 *  Why in hotlined and not a process reading the outbox itself: only
 *  hotlined holds the key that opens callers' numbers, and the outbox's
 *  consumer groups already give the claim, the replay and the backlog
 *  on /metrics that an adaptor would otherwise rebuild.
 *
 *  The wire (ZeroMQ frames, the adaptor a DEALER):
 *      adaptor -> hotlined  "hello"                 every second at least
 *                           "done" ID               sent (or sent before)
 *                           "failed" ID REASON      not sent: offer again later
 *      hotlined -> adaptor  "message" ID RECORD     RECORD: one JSON object
 *  An adaptor not heard for 3 s is gone. With CURVE, only keys listed as
 *  channel:sms or channel:app (intake_keys) are heard.
 */
#ifndef HL_MESSENGER_H_INCLUDED
#define HL_MESSENGER_H_INCLUDED

#include "hl_msgtpl.h"
#include "hl_store.h"
#include "hl_visitlink.h"

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_messenger hl_messenger_t;

typedef struct {
    const char *endpoint;        //  where adaptors connect
    const char *curve_key_file;  //  the server's key pair (NULL or "": no CURVE)
    int confirm_ms;              //  longest wait for an adaptor's answer (default 5000)
    int backoff_min_ms;          //  first pause after a failure (default 500)
    int backoff_max_ms;          //  longest pause (default 30000)
} hl_messenger_opts_t;

void hl_messenger_opts_default (hl_messenger_opts_t *opts);

//  Messages from tickets of STORE, with texts from TEMPLATES (owned from
//  now on) and links from VISITLINK (may be NULL). NULL with ERR if the
//  endpoint cannot be bound.
hl_messenger_t *hl_messenger_new (struct event_base *base, void *zmq_ctx, hl_store_t *store,
                                  hl_msgtpl_t *templates, const hl_visitlink_t *visitlink,
                                  const hl_messenger_opts_t *opts, char *err, size_t errlen);
//  Offers not yet answered get DONE -1 first. Not from inside a DONE.
void hl_messenger_destroy (hl_messenger_t **self_p);

typedef void (hl_messenger_done_fn) (int status, void *arg);

//  The outbox entry ENTRY_ID: step KIND of TICKET, to STATE. 1 if it
//  means no message (DONE never fires); 0 if offered (DONE fires once:
//  0 confirmed or nothing to send after all, -1 offer it again later);
//  -1 if offers are not taken now (DONE never fires).
int hl_messenger_offer (hl_messenger_t *self, const char *entry_id, const char *ticket,
                        const char *kind, const char *state, hl_messenger_done_fn *fn,
                        void *arg);

//  Whether offers are taken now: an adaptor is connected and no pause
//  after a failure is running.
int hl_messenger_ready (const hl_messenger_t *self);

typedef struct {
    uint64_t confirmed;          //  messages the adaptor confirmed
    uint64_t skipped;            //  offers with no message (anonymous, no number, no link)
    uint64_t failed;             //  offers answered -1
    size_t waiting;              //  offers not yet answered
} hl_messenger_stats_t;
void hl_messenger_stats (const hl_messenger_t *self, hl_messenger_stats_t *stats);

#endif
