/*  hl_tui_query: one question to hotlined that the screen keeps asking.
 *
 *  Knowledge-base suggestions, similar tickets, the caller's history, the
 *  visit list: each is a question whose input changes (the agent types)
 *  and whose latest answer is shown. A query
 *    - waits DEBOUNCE_MS after the last change before asking, so typing
 *      a sentence sends one request, not one per key;
 *    - remembers the request id it asked under and drops any answer to an
 *      older one (a slow answer never overwrites a newer one);
 *    - gives up on an answer after a timeout, and can be asked again;
 *    - knows when hotlined does not serve the question at all (Nack
 *      `unsupported`), so the screen can say so and carry on.
 *  The owner builds the request when the query is due and reads the
 *  answer it holds; the query never blocks.
 */
#ifndef HL_TUI_QUERY_H_INCLUDED
#define HL_TUI_QUERY_H_INCLUDED

#include "hl_tui_link.h"
#include "hotline.pb-c.h"

#include <stdint.h>

typedef struct hl_tui_query hl_tui_query_t;

typedef enum {
    HL_TUI_QUERY_IDLE = 0,      //  never asked
    HL_TUI_QUERY_WAITING,       //  asked, no answer yet
    HL_TUI_QUERY_READY,         //  the answer is here
    HL_TUI_QUERY_REFUSED,       //  hotlined said no (see the message)
    HL_TUI_QUERY_UNSUPPORTED,   //  hotlined does not serve this question
    HL_TUI_QUERY_OFFLINE        //  not sent, or no answer in time
} hl_tui_query_state_t;

//  A query sent on LINK under TAG, expecting an answer of body ANSWER.
hl_tui_query_t *hl_tui_query_new (hl_tui_link_t *link, const char *tag,
                                  Hotline__Envelope__BodyCase answer, int debounce_ms);
void hl_tui_query_destroy (hl_tui_query_t **self_p);

//  The input changed at NOW_US (when the key was read): ask again once it
//  has been still for the debounce time.
void hl_tui_query_touch (hl_tui_query_t *self, int64_t now_us);

//  Forget the answer and any pending question (the input was cleared).
void hl_tui_query_reset (hl_tui_query_t *self);

//  True if a question should be sent now.
int hl_tui_query_due (const hl_tui_query_t *self, int64_t now_us);

//  Send REQ (its body filled in by the owner) as the current question.
void hl_tui_query_send (hl_tui_query_t *self, Hotline__Envelope *req, int64_t now_us);

//  When the query next needs attention (debounce or timeout), or 0.
int64_t hl_tui_query_wake (const hl_tui_query_t *self);

//  Check the timeout at NOW_US; 1 if the state changed.
int hl_tui_query_tick (hl_tui_query_t *self, int64_t now_us);

//  Offer an answer that arrived. Returns 1 if it belonged to this query
//  (the query keeps it if current, frees it if stale), 0 if not ours
//  (the caller still owns it).
int hl_tui_query_offer (hl_tui_query_t *self, Hotline__Envelope *reply, int64_t now_us);

hl_tui_query_state_t hl_tui_query_state (const hl_tui_query_t *self);

//  The current answer (READY), or NULL.
const Hotline__Envelope *hl_tui_query_answer (const hl_tui_query_t *self);

//  hotlined's message when REFUSED, else "".
const char *hl_tui_query_message (const hl_tui_query_t *self);

//  Figures of the last answer: microseconds from the last change it
//  covers (the keystroke) to its arrival, and from sending to arrival.
int64_t hl_tui_query_input_us (const hl_tui_query_t *self);
int64_t hl_tui_query_rtt_us (const hl_tui_query_t *self);

//  A short label of the state for a panel header ("查询中…", "无应答",
//  ...), "" when there is an answer or nothing was asked.
const char *hl_tui_query_label (const hl_tui_query_t *self);

//  Answers received (each one is a screen round trip).
unsigned long hl_tui_query_answers (const hl_tui_query_t *self);

#endif
