/*  hl_tui_cti: calls ringing at this agent, from the phone system.
 *
 *  A CTI adaptor (hotline-cti, or one for the centre's own ACD) publishes
 *  each incoming call as an IncomingCall on a ZeroMQ PUB socket under the
 *  topic "call:<agent>:". The terminal subscribes to its agent's topic, and
 *  the form opens with the caller's number and the caller's history (a
 *  screen-pop), so the agent does not type the number while the caller
 *  waits. Messages that do not decode, or carry a number that is not one,
 *  are dropped: the phone system is outside the terminal's trust.
 */
#ifndef HL_TUI_CTI_H_INCLUDED
#define HL_TUI_CTI_H_INCLUDED

#include <stddef.h>

typedef struct hl_tui_cti hl_tui_cti_t;

typedef struct {
    char caller[24];            //  digits, maybe a leading +
    char line[32];
    char call_id[64];
} hl_tui_call_t;

//  Subscribe to AGENT's calls on the PUB endpoint ENDPOINT. NULL with ERR
//  if the endpoint is bad.
hl_tui_cti_t *hl_tui_cti_new (const char *endpoint, const char *agent, char *err,
                              size_t errlen);
void hl_tui_cti_destroy (hl_tui_cti_t **self_p);

//  The socket to poll for ZMQ_POLLIN.
void *hl_tui_cti_socket (hl_tui_cti_t *self);

//  The next call waiting: 1 with CALL filled, 0 if none. Never blocks.
int hl_tui_cti_next (hl_tui_cti_t *self, hl_tui_call_t *call);

//  Decode one published message (topic frame already checked): 0, or -1
//  if it is not a usable call. Exposed for tests and fuzzing.
int hl_tui_cti_decode (const void *data, size_t len, hl_tui_call_t *call);

#endif
