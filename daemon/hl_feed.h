/*  hl_feed: where hotlined announces what happens.
 *
 *  One place for events: each is published on the event socket (ZeroMQ
 *  PUB, a topic frame with the kind, then the packed Event) for notifiers
 *  and other services, and handed as JSON to in-process listeners (the
 *  dashboard's Server-Sent Events). Publishing never blocks: a slow
 *  subscriber loses events rather than slowing intake.
 */
#ifndef HL_FEED_H_INCLUDED
#define HL_FEED_H_INCLUDED

#include "hotline.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hl_feed hl_feed_t;

//  Bind ENDPOINT ("" for no socket). NULL with ERR on failure.
hl_feed_t *hl_feed_new (void *zmq_ctx, const char *endpoint, char *err, size_t errlen);
void hl_feed_destroy (hl_feed_t **self_p);

//  A listener gets KIND and the event as a JSON object.
typedef void (hl_feed_fn) (const char *kind, const char *json, size_t len, void *arg);
void hl_feed_listen (hl_feed_t *self, hl_feed_fn *fn, void *arg);

//  Publish EV (its kind field says which).
void hl_feed_publish (hl_feed_t *self, const Hotline__Event *ev);

//  The two events every ticket's life is made of, said once: a new ticket
//  (intake: its STATE and CHANNEL) and a transition (FROM, TO, ACTION).
//  SELF may be NULL (nobody listens): nothing is published.
void hl_feed_intake (hl_feed_t *self, const char *ticket, const char *unit, int state,
                     int channel, int64_t at_ms);
void hl_feed_transition (hl_feed_t *self, const char *ticket, const char *unit, int from,
                         int to, int action, int64_t at_ms);

#endif
