/*  hl_rawworker: a department worker speaking the worker protocol
 *  directly (no library in between), for black-box tests and benchmarks:
 *  they see exactly what hotlined sends (welcome, deliveries, heartbeats,
 *  answers), and many of them can be polled from one thread.
 */
#ifndef HL_RAWWORKER_H_INCLUDED
#define HL_RAWWORKER_H_INCLUDED

#include "hotline.pb-c.h"

typedef struct hl_rawworker hl_rawworker_t;

//  Connect to ENDPOINT and send WorkerReady; wait for the welcome.
//  NULL if none came within 3 s.
hl_rawworker_t *hl_rawworker_new (const char *endpoint, const char *unit,
                                    unsigned credit, const char *name);

//  The same in the ZeroMQ context CTX, which the caller keeps (and
//  terminates after destroying its workers). Many workers of one process
//  then share one I/O thread instead of starting one each, which on a
//  small machine would take the CPU from what a benchmark measures.
hl_rawworker_t *hl_rawworker_new_in (void *ctx, const char *endpoint, const char *unit,
                                       unsigned credit, const char *name);

//  The same speaking CURVE: KEYS are hotlined's public key, this worker's
//  public and secret key (Z85), or NULL for none.
hl_rawworker_t *hl_rawworker_new_keyed (void *ctx, const char *endpoint, const char *unit,
                                          unsigned credit, const char *name,
                                          const char *const keys[3]);
void hl_rawworker_destroy (hl_rawworker_t **self_p);

//  The ZeroMQ socket, for polling many workers at once.
void *hl_rawworker_socket (hl_rawworker_t *self);

//  Wait up to TIMEOUT_MS for the next delivery (answering heartbeats);
//  NULL if none. Free with hotline__envelope__free_unpacked.
Hotline__Envelope *hl_rawworker_next (hl_rawworker_t *self, int timeout_ms);

//  Send an action and wait for its answer (TransitionDone or Nack);
//  deliveries arriving meanwhile are kept for hl_rawworker_next.
Hotline__Envelope *hl_rawworker_act (hl_rawworker_t *self, const char *ticket,
                                      Hotline__Action action, const char *note);

//  Send any request envelope and wait for the answer with its request id.
Hotline__Envelope *hl_rawworker_call (hl_rawworker_t *self, Hotline__Envelope *req);

//  Send an action without waiting (the answer comes through _next_any).
void hl_rawworker_send_action (hl_rawworker_t *self, const char *ticket,
                                Hotline__Action action, const char *note, long tag);

//  The next message of any kind (deliveries, answers), without waiting
//  if BLOCK is 0. Heartbeats are answered and not returned.
Hotline__Envelope *hl_rawworker_next_any (hl_rawworker_t *self, int timeout_ms);

//  Send a heartbeat now.
void hl_rawworker_heartbeat (hl_rawworker_t *self);

#endif
