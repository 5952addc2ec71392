/*  hl_testworker: a department worker for black-box tests, speaking the
 *  worker protocol directly (no library in between), so tests see exactly
 *  what hotlined sends: welcome, deliveries, heartbeats, answers.
 */
#ifndef HL_TESTWORKER_H_INCLUDED
#define HL_TESTWORKER_H_INCLUDED

#include "hotline.pb-c.h"

typedef struct hl_testworker hl_testworker_t;

//  Connect to ENDPOINT and send WorkerReady; wait for the welcome.
//  NULL if none came within 3 s.
hl_testworker_t *hl_testworker_new (const char *endpoint, const char *unit,
                                    unsigned credit, const char *name);
void hl_testworker_destroy (hl_testworker_t **self_p);

//  The ZeroMQ socket, for polling many workers at once.
void *hl_testworker_socket (hl_testworker_t *self);

//  Wait up to TIMEOUT_MS for the next delivery (answering heartbeats);
//  NULL if none. Free with hotline__envelope__free_unpacked.
Hotline__Envelope *hl_testworker_next (hl_testworker_t *self, int timeout_ms);

//  Send an action and wait for its answer (TransitionDone or Nack);
//  deliveries arriving meanwhile are kept for hl_testworker_next.
Hotline__Envelope *hl_testworker_act (hl_testworker_t *self, const char *ticket,
                                      Hotline__Action action, const char *note);

//  Send any request envelope and wait for the answer with its request id.
Hotline__Envelope *hl_testworker_call (hl_testworker_t *self, Hotline__Envelope *req);

//  Send an action without waiting (the answer comes through _next_any).
void hl_testworker_send_action (hl_testworker_t *self, const char *ticket,
                                Hotline__Action action, const char *note, long tag);

//  The next message of any kind (deliveries, answers), without waiting
//  if BLOCK is 0. Heartbeats are answered and not returned.
Hotline__Envelope *hl_testworker_next_any (hl_testworker_t *self, int timeout_ms);

//  Send a heartbeat now.
void hl_testworker_heartbeat (hl_testworker_t *self);

#endif
