/*  hl_zsock: a ZeroMQ socket driven by a libevent loop.
 *
 *  ZMQ_FD is edge-triggered and is not the socket's data: it only says
 *  "let libzmq process its mailbox" (ZMQ_EVENTS, or a receive that finds
 *  nothing, does). This class owns that dance so no other code has to: it
 *  drains whole multipart messages in a bounded batch per wakeup, until a
 *  receive finds nothing, receives again in the loop's next pass when the
 *  batch runs out (after the loop has polled, so a flood on the socket
 *  cannot starve Redis replies or timers), and offers hl_zsock_kick() for
 *  code that sent on the socket outside the callback (a send can swallow
 *  the edge that announced incoming messages).
 *
 *  The loop thread owns the socket; nothing here is thread-safe.
 */
#ifndef HL_ZSOCK_H_INCLUDED
#define HL_ZSOCK_H_INCLUDED

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

typedef struct hl_zsock hl_zsock_t;

//  Most frames delivered for one message; longer messages are delivered
//  with TRUNCATED set (their extra frames are read and dropped).
#define HL_ZSOCK_MAX_FRAMES 8

//  Called once per received message. FRAMES are valid only during the
//  call. TRUNCATED is true if the message had more than
//  HL_ZSOCK_MAX_FRAMES frames.
typedef void (hl_zsock_msg_fn) (hl_zsock_t *zsock, zmq_msg_t *frames,
                                size_t nframes, int truncated, void *arg);

//  A ROUTER socket set up the way hotlined serves clients: unroutable
//  replies are reported (ROUTER_MANDATORY) rather than dropped silently,
//  deep queues, no linger, and a transport cap of MAX_MESSAGE bytes (above
//  the application's own limit, so oversize requests still arrive and can
//  be answered). With CURVE_KEY_FILE (the server's key pair, see
//  hl_curve.h; NULL or "" for none) it is a CURVE server: the context's
//  ZAP handler decides who may connect, by the list of ZAP_DOMAIN, and it
//  must be bound first. Binds the N ENDPOINTS; NULL with ERR on failure.
void *hl_zsock_router (void *zmq_ctx, const char *const *endpoints, int n,
                       int64_t max_message, const char *curve_key_file,
                       const char *zap_domain, char *err, size_t errlen);

//  Wrap SOCKET (ownership passes to the new object, which closes it).
//  The callback fires from BASE's loop only.
hl_zsock_t *hl_zsock_new (struct event_base *base, void *socket,
                          hl_zsock_msg_fn *fn, void *arg);

//  Close the socket with the given linger and free the object.
void hl_zsock_destroy (hl_zsock_t **self_p, int linger_ms);

//  The wrapped ZeroMQ socket, for sending.
void *hl_zsock_socket (hl_zsock_t *self);

//  Send a multipart message without blocking. Returns 0, or -1 with errno
//  (EAGAIN: peer's queue full; EHOSTUNREACH: peer gone on a ROUTER).
//  Kicks the socket afterwards.
int hl_zsock_send (hl_zsock_t *self, const void *const *parts,
                   const size_t *lens, size_t nparts);

//  After sending or receiving outside the callback: schedule the callback
//  for this pass of the loop, which receives whatever is waiting (and so
//  lets libzmq process its mailbox). Cheap to call many times a pass.
void hl_zsock_kick (hl_zsock_t *self);

//  Stop or restart delivering messages (they queue in ZeroMQ meanwhile).
void hl_zsock_pause (hl_zsock_t *self);
void hl_zsock_resume (hl_zsock_t *self);

#endif
