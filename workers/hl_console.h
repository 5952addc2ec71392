/*  hl_console: hotline-worker --interactive, for department staff.
 *
 *  A line-oriented session at a terminal (or a pipe): tickets are shown as
 *  they are delivered, and staff type commands:
 *
 *      list [STATE] [LIMIT]            the unit's open tickets
 *      show TICKET                     one ticket with its history
 *      sign TICKET                     签收
 *      return TICKET REASON NOTE       退单 (wrong_area, not_our_duty,
 *                                      overlapping_duties, other)
 *      progress TICKET NOTE            办理进展
 *      extend TICKET DAYS NOTE         延期申请 (working days)
 *      reply TICKET NOTE               答复
 *      help, quit
 *
 *  NOTE is the rest of the line, so it may hold spaces and any UTF-8 text.
 *  The worker session stays alive while the terminal waits.
 */
#ifndef HL_CONSOLE_H_INCLUDED
#define HL_CONSOLE_H_INCLUDED

#include "hl_worker.h"

#include <signal.h>

//  Run the console on stdin until `quit`, end of input or *STOP. Returns
//  0, or a negative hl_worker code if the worker itself failed (refused by
//  hotlined).
int hl_console_run (hl_worker_t *worker, const char *endpoint, int json,
                    volatile sig_atomic_t *stop);

#endif
