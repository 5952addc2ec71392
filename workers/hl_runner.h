/*  hl_runner: runs a department's program on one ticket.
 *
 *  hotline-worker --exec CMD starts `/bin/sh -c CMD` for each delivered
 *  ticket, writes the ticket as JSON (hl_view_json) to its stdin, and
 *  applies the action lines it prints (hl_action) in order, as they come.
 *  The worker session stays alive throughout (the waits go through
 *  hl_worker_poll), however long the program takes, up to a time limit.
 *
 *  The program's environment adds HOTLINE_TICKET (the number),
 *  HOTLINE_ROLE (lead or assist), HOTLINE_REDELIVERY (0 or 1),
 *  HOTLINE_UNIT, HOTLINE_REQUEST_TYPE, HOTLINE_CATEGORY and HOTLINE_AREA,
 *  so that simple shell programs need no JSON parser. Its stderr is the
 *  worker's. It runs in its own process group; at the time limit or when
 *  the worker is told to stop, the group gets SIGTERM, then SIGKILL.
 */
#ifndef HL_RUNNER_H_INCLUDED
#define HL_RUNNER_H_INCLUDED

#include "hl_report.h"
#include "hl_worker.h"

#include <signal.h>

typedef struct {
    const char *cmd;                     //  run by /bin/sh -c
    int timeout_ms;                      //  the program's time limit
    int grace_ms;                        //  from SIGTERM to SIGKILL
    int json;                            //  report as JSON lines
    volatile sig_atomic_t *stop;         //  set when the worker must stop (may be NULL)
} hl_runner_opts_t;

//  Run OPTS->cmd on TICKET, applying its actions through WORKER and
//  reporting each; fills RUN with the counts. Returns 0, or -1 if the
//  program could not be started (RUN->status is then -1).
int hl_runner_run (const hl_runner_opts_t *opts, hl_worker_t *worker,
                   hl_worker_ticket_t *ticket, hl_report_run_t *run);

#endif
