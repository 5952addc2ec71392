/*  hl_tui_app: the agent's terminal, from key to ticket.
 *
 *  Owns the parts of the screen (ticket form with the caller's history,
 *  knowledge-base and similar-ticket panels, lookup and visit screens,
 *  pickers and dialogs) and runs one event loop over the keyboard and the
 *  link to hotlined: keys are applied as they come, answers are shown as
 *  they arrive, and the screen is redrawn after each change. A heartbeat
 *  on the link tells when hotlined goes away; a banner says so and
 *  nothing typed is touched.
 */
#ifndef HL_TUI_APP_H_INCLUDED
#define HL_TUI_APP_H_INCLUDED

#include "hl_curve.h"

#include <stddef.h>

typedef struct hl_tui_app hl_tui_app_t;

typedef struct {
    const char *endpoint;       //  hotlined intake endpoint
    const char *agent;          //  agent id: actor "agent:ID"
    const char *caller;         //  caller's number from the phone channel, or NULL
    const char *call_ref;       //  the phone channel's call id, or NULL
    const char *cti;            //  PUB endpoint of incoming calls (screen-pop), or NULL
    const char *codes;          //  codes.conf
    const char *dispatch;       //  dispatch.conf for the unit preview, or NULL
    const char *trace;          //  figures log, or NULL
    int debounce_ms;            //  knowledge-base and similar-ticket debounce
    int timeout_ms;             //  how long a submit waits for confirmation
    const hl_curve_client_t *keys;  //  CURVE keys, or NULL
} hl_tui_app_opts_t;

//  Build the application (curses not started yet). NULL with a message
//  in ERR when a catalogue cannot be read or the endpoint is bad.
hl_tui_app_t *hl_tui_app_new (const hl_tui_app_opts_t *opts, char *err, size_t errlen);
void hl_tui_app_destroy (hl_tui_app_t **self_p);

//  Run until the agent quits. 0, or -1 if the terminal could not be used.
int hl_tui_app_run (hl_tui_app_t *self);

#endif
