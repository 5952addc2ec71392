/*  hl_deadline_cmd: "hotline deadline", the due moment of N working days
 *  from a receipt, as the SLA engine computes it.
 *
 *      hotline deadline --received "2026-12-28 10:00" --working-days 10 \
 *                       [--profile P] [--sla FILE] [--calendar-dir DIR] [--json]
 *
 *  It reads the same policy and calendar files hotlined reads (the same
 *  defaults; --sla and --calendar-dir as hotlined takes them) and asks no
 *  daemon. The day-1 convention is the profile's (default: the profile an
 *  ordinary ticket gets). A due moment past the loaded calendar files is
 *  provisional: the statutory holidays are assumed (docs/sla.md).
 */
#ifndef HL_DEADLINE_CMD_H_INCLUDED
#define HL_DEADLINE_CMD_H_INCLUDED

#include <stdbool.h>

//  Run the command on ARGV (ARGV[0] is "deadline"); prints the answer, or
//  JSON when JSON is set, and returns the exit status: 0, or 1 after a
//  message on stderr for bad input or files that do not load.
int hl_deadline_cmd (int argc, char **argv, bool json);

#endif
