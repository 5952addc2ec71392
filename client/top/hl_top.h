/*  hl_top: `hotline top`, the supervisor's terminal dashboard.
 *
 *  Reads hotlined's dashboard API over HTTP (docs/dashboard-api.md) and
 *  shows the key figures of the web dashboard in a terminal of 80×24 or
 *  more: today's intake by channel and per minute, open tickets by state,
 *  deadlines overdue (督办) and at risk (催办) with the unit and the time
 *  over, and the units ranked by a chosen rate with its counts. Plain ANSI
 *  output (no curses), widths measured with wcwidth so Chinese lines up.
 *
 *  Keys: q quits, s orders the leaderboard by the next rate, r refreshes
 *  at once. Ctrl-C quits too; the terminal is restored either way.
 */
#ifndef HL_TOP_H_INCLUDED
#define HL_TOP_H_INCLUDED

//  Runs the dashboard against HTTP_ADDRESS (HOST:PORT, NULL for
//  127.0.0.1:7180) with the supervisor TOKEN, refreshing every
//  INTERVAL_MS (at least 500; 0 or less means 2000). With ONCE, prints a
//  single frame without terminal control codes and returns: for scripts
//  and tests. Returns 0; -1 when the arguments are wrong or, with ONCE,
//  when hotlined could not be read (the reason on stderr). Live, it keeps
//  retrying and shows what went wrong until q.
int hl_top_run (const char *http_address, const char *token, int interval_ms, int once);

#endif
