/*  hl_report_cmd: "hotline report", the monthly figures from the archive.
 *
 *      hotline report --month 2026-11 [--csv | --json] [--tz-offset-min 480]
 *                     [--dsn DSN] [--password-file FILE]
 *
 *  Reads PostgreSQL directly (libpq, blocking: a command, not the loop):
 *  hl_report_month (archive/migrations/0002_reports.sql), one row per
 *  lead unit and a last row '*' for the whole hotline, each rate with its
 *  counts. The connection string is --dsn or $HOTLINE_ARCHIVE_DSN (never
 *  with a password); the password comes from --password-file,
 *  $HOTLINE_ARCHIVE_PASSWORD_FILE or $HOTLINE_ARCHIVE_PASSWORD. A rate
 *  without a denominator prints as "—" (empty in CSV, null in JSON).
 */
#ifndef HL_REPORT_CMD_H_INCLUDED
#define HL_REPORT_CMD_H_INCLUDED

#include <stdbool.h>

//  Run the command on ARGV (ARGV[0] is "report"). Returns the exit status:
//  0, 1 for bad input (message on stderr), 3 when the archive cannot be
//  read.
int hl_report_cmd (int argc, char **argv, bool json);

#endif
