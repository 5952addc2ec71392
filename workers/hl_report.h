/*  hl_report: what hotline-worker tells its user, as text or JSON lines.
 *
 *  Every event (a session welcomed, a ticket delivered, an action's result,
 *  a malformed line from a department's program, a program's end, a list
 *  or a ticket asked for, a fatal error) is printed to stdout as one line:
 *  short text for people, or with --json one JSON object with an "event"
 *  key for scripts. Failures are also logged to stderr. docs/workers.md
 *  lists the shapes.
 */
#ifndef HL_REPORT_H_INCLUDED
#define HL_REPORT_H_INCLUDED

#include "hl_worker.h"

#include <stddef.h>

//  Counts of one run of an --exec program on a ticket.
typedef struct {
    int status;                  //  exit status; 128 + N if killed by signal N; -1 not started
    int actions;                 //  action lines applied (accepted or refused)
    int failed;                  //  of which hotlined (or the library) refused
    int bad_lines;               //  malformed lines
    int settled;                 //  a sign or return was stored
    int timed_out;               //  stopped after --exec-timeout
} hl_report_run_t;

//  The worker's session with hotlined was welcomed (again).
void hl_report_session (int json, hl_worker_t *worker, const char *endpoint);

//  A ticket was delivered.
void hl_report_delivery (int json, hl_worker_ticket_t *ticket);

//  ACTION on TICKET ended with RC (0: stored; hl_worker_done/hl_worker_error
//  of WORKER say more).
void hl_report_action (int json, const char *ticket, const char *action, int rc,
                       hl_worker_t *worker);

//  Line LINE_NO of the program handling TICKET (or of the terminal, when
//  TICKET is NULL) was not understood.
void hl_report_bad_line (int json, const char *ticket, size_t line_no, const char *why);

//  The program handling TICKET ended.
void hl_report_run (int json, const char *ticket, const hl_report_run_t *run);

//  A list of the unit's tickets, and one ticket in full.
void hl_report_list (int json, hl_worker_list_t *list);
void hl_report_ticket (int json, hl_worker_ticket_t *ticket);

//  A failure of the worker itself (RC from hl_worker_*, details in WORKER),
//  or a usage problem (WORKER NULL, CODE and MESSAGE given).
void hl_report_error (int json, int rc, hl_worker_t *worker, const char *code,
                      const char *message);

#endif
