/*  hl_transition: validation of actions on tickets, and their answers.
 *
 *  The state machine itself (who may do what, from which state) lives in
 *  the hl_transition Redis Function, where it is atomic with the change.
 *  This module checks what can be checked before Redis is asked: that the
 *  message is well formed, the text is text, and the units it names exist
 *  in the dispatch catalogue. It also builds the answer both the staff
 *  socket and the worker socket send.
 */
#ifndef HL_TRANSITION_H_INCLUDED
#define HL_TRANSITION_H_INCLUDED

#include "hl_catalogue.h"
#include "hl_store.h"
#include "hl_verdict.h"
#include "hotline.pb-c.h"

//  Check T. Returns 0, or -1 with the first problem in *verdict.
int hl_transition_check (const Hotline__Transition *t, const hl_catalogue_t *catalogue,
                         hl_verdict_t *verdict);

//  Fill ENV (and DONE, which it points to) with the answer for RESULT: a
//  TransitionDone, or a Nack whose storage is NACK. The ticket number is
//  taken from T.
void hl_transition_answer (const hl_store_transition_result_t *result,
                           const char *ticket, Hotline__Envelope *env,
                           Hotline__TransitionDone *done, Hotline__Nack *nack);

#endif
