/*  hl_fakebroker: hotlined's worker socket, played by a test.
 *
 *  A ROUTER on a free loopback port, run by its own thread, that speaks the
 *  worker protocol the way hotlined does (welcome, deliveries, heartbeats,
 *  transitions answered from a small ticket table, lists, single tickets,
 *  not_ready for workers it does not know) and can be told to misbehave:
 *  refuse WorkerReady, fall silent, forget its workers, drop or refuse
 *  answers. Tests steer it and read what it saw through these calls; all
 *  are safe to call from the test's thread.
 */
#ifndef HL_FAKEBROKER_H_INCLUDED
#define HL_FAKEBROKER_H_INCLUDED

#include "hotline.pb-c.h"

typedef struct hl_fakebroker hl_fakebroker_t;

//  A transition as the broker received it.
typedef struct {
    char rid[80];
    char ticket[64];
    int action;                  //  Hotline__Action
    int reason;                  //  Hotline__ReturnReason
    unsigned days;
    char note[512];
} hl_fakebroker_transition_t;

//  Bind and start the thread; HEARTBEAT_MS goes into the welcome.
hl_fakebroker_t *hl_fakebroker_new (int heartbeat_ms);
void hl_fakebroker_destroy (hl_fakebroker_t **self_p);

//  The endpoint workers connect to (tcp://127.0.0.1:PORT).
const char *hl_fakebroker_endpoint (hl_fakebroker_t *self);

//  Answer WorkerReady with a Nack of CODE (0: welcome again).
void hl_fakebroker_refuse_ready (hl_fakebroker_t *self, int code, int retryable);

//  While SILENT, read and count messages but answer nothing and send no
//  heartbeats (a hung or unreachable hotlined).
void hl_fakebroker_set_silent (hl_fakebroker_t *self, int silent);

//  Forget every worker, as a restarted hotlined would: their next message
//  is answered with not_ready.
void hl_fakebroker_forget (hl_fakebroker_t *self);

//  Drop the answers to the next N transitions (they are still applied).
void hl_fakebroker_drop_answers (hl_fakebroker_t *self, int n);

//  Answer the next N transitions with a Nack of CODE.
void hl_fakebroker_nack_transitions (hl_fakebroker_t *self, int n, int code, int retryable);

//  Add TICKET (state dispatched, lead unit UNIT) and deliver it with ROLE
//  (Hotline__DeliveryRole) to the most recently welcomed worker, now or as
//  soon as there is one. With BEFORE_ANSWER, hold it back until the next
//  transition arrives and send it just before that transition's answer.
void hl_fakebroker_deliver (hl_fakebroker_t *self, const char *ticket, const char *unit,
                            int role, int redelivery, int before_answer);

//  Messages received of kind BODY (Hotline__Envelope__BodyCase).
int hl_fakebroker_count (hl_fakebroker_t *self, int body);

//  Distinct connections (routing ids) that sent WorkerReady.
int hl_fakebroker_peers (hl_fakebroker_t *self);

//  The last WorkerReady's unit, credit and worker name.
void hl_fakebroker_last_ready (hl_fakebroker_t *self, char *unit, size_t unitlen,
                               unsigned *credit, char *name, size_t namelen);

//  Transitions received so far (from any connection, answered or not), and
//  transition INDEX (copied into OUT).
int hl_fakebroker_transitions (hl_fakebroker_t *self);
int hl_fakebroker_transition (hl_fakebroker_t *self, int index, hl_fakebroker_transition_t *out);

//  The state of TICKET in the broker's table (Hotline__State, 0 if unknown).
int hl_fakebroker_state (hl_fakebroker_t *self, const char *ticket);

//  Wait up to TIMEOUT_MS until at least N messages of kind BODY arrived.
int hl_fakebroker_wait_count (hl_fakebroker_t *self, int body, int n, int timeout_ms);

#endif
