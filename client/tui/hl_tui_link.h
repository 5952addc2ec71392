/*  hl_tui_link: requests to hotlined that never block the screen.
 *
 *  Its own DEALER socket, polled by the agent's event loop next to the
 *  keyboard: knowledge-base suggestions, similar tickets, lists and the
 *  heartbeat go out here and their answers arrive whenever they come.
 *  Each request id starts with a tag naming who asked ("kb-", "sim-", ...)
 *  so an answer goes to its owner, and the owner drops answers to requests
 *  it has since replaced.
 *
 *  The socket does not queue while hotlined is away (ZMQ_IMMEDIATE): a
 *  question asked then is refused at once rather than answered late.
 *  Writes (tickets, transitions) do not come here: they go through
 *  hl_client, which resends under one request id until confirmed.
 */
#ifndef HL_TUI_LINK_H_INCLUDED
#define HL_TUI_LINK_H_INCLUDED

#include "hl_curve.h"
#include "hotline.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef struct hl_tui_link hl_tui_link_t;

#define HL_TUI_RID_MAX 48

//  Connect to ENDPOINT, over CURVE with KEYS unless NULL. NULL if the
//  endpoint is malformed.
hl_tui_link_t *hl_tui_link_new (const char *endpoint, const hl_curve_client_t *keys);
void hl_tui_link_destroy (hl_tui_link_t **self_p);

//  Send REQ under a fresh request id "TAG-N" (written to RID). 0, or -1
//  if hotlined is not connected right now.
int hl_tui_link_send (hl_tui_link_t *self, Hotline__Envelope *req, const char *tag,
                      char rid[HL_TUI_RID_MAX]);

//  The socket, for zmq_poll.
void *hl_tui_link_socket (hl_tui_link_t *self);

//  Over CURVE, the socket where a refused handshake is reported (poll it
//  for ZMQ_POLLIN beside the socket); NULL without CURVE.
void *hl_tui_link_watch (hl_tui_link_t *self);

//  True once hotlined has refused our key (reads what the watch reported).
int hl_tui_link_refused (hl_tui_link_t *self);

//  The next answer if one has arrived (free with hl_wire_free), else NULL.
Hotline__Envelope *hl_tui_link_recv (hl_tui_link_t *self);

//  True if REPLY answers the request RID.
int hl_tui_link_answers (const Hotline__Envelope *reply, const char *rid);

//  True if REPLY answers a request sent under TAG.
int hl_tui_link_tagged (const Hotline__Envelope *reply, const char *tag);

//  Microseconds on a monotonic clock.
int64_t hl_tui_link_now_us (void);

#endif
