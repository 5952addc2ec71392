/*  hl_pg: one asynchronous PostgreSQL connection on a libevent loop that
 *  stays up by itself (the archive's link; the counterpart of hl_redis).
 *
 *  libpq's asynchronous API only: PQconnectStartParams/PQconnectPoll to
 *  connect, PQsendQueryParams (text parameters) or PQsendQuery (a script
 *  of several statements) to send, PQsocket watched by libevent,
 *  PQconsumeInput/PQisBusy/PQgetResult to read, PQflush when the socket
 *  takes no more. Nothing here ever blocks the loop thread.
 *
 *   * Queries wait in a FIFO. Without pipeline mode one query is on the
 *     wire at a time; with it (libpq 14+) every query is sent at once,
 *     each followed by a sync point, so each still runs in its own
 *     implicit transaction and an error spoils only its own query.
 *   * A watchdog measures the age of the oldest query on the wire; past
 *     timeout_ms the connection is declared stalled and dropped (a frozen
 *     server or backend), and every waiting callback fires with an error.
 *     The server also cancels any statement running longer than
 *     statement_timeout_ms (set at every connect): that query fails with
 *     57014 and the connection stays.
 *   * An idle connection is probed (SELECT 1) so a dead server is noticed
 *     before the next query needs it.
 *   * A lost or failed connection is rebuilt with exponential backoff; the
 *     owner hears each transition through a state callback, always from
 *     the loop.
 *
 *  Contract (as hl_redis): hl_pg_query returns 0 and then its callback
 *  fires exactly once, with the result or with an error; or it returns -1
 *  and the callback never fires. A result is valid only during the
 *  callback, and a callback must not destroy the link. Errors are
 *  "SQLSTATE: message": the server's own code, or
 *  08006 (connection lost), 08001 (could not connect), 57014 (timed out).
 *  Single thread: the loop that owns BASE.
 */
#ifndef HL_PG_H_INCLUDED
#define HL_PG_H_INCLUDED

#include <event2/event.h>
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_pg hl_pg_t;

typedef struct {
    const char *conninfo;        //  libpq connection string, without a password
    const char *password;        //  (copied; never logged) NULL: libpq's own sources
    const char *application_name;
    int timeout_ms;              //  a query on the wire longer than this drops the link
    int statement_timeout_ms;    //  the server cancels longer statements (0: never)
    int backoff_min_ms;          //  first reconnect delay
    int backoff_max_ms;          //  longest reconnect delay
    int ping_idle_ms;            //  SELECT 1 after this long without traffic (0: never)
    int pipeline;                //  1: pipeline mode (several queries on the wire)
} hl_pg_opts_t;

//  Fills OPTS with defaults: 5000 ms timeout, 3000 ms statement timeout,
//  100..5000 ms backoff, 5000 ms idle probe, no pipeline.
void hl_pg_opts_default (hl_pg_opts_t *opts);

//  Exactly one of RESULT and ERR is set. RESULT is the last result of the
//  query (of a script: of its last statement).
typedef void (hl_pg_result_fn) (hl_pg_t *pg, const PGresult *result, const char *err,
                                void *arg);

//  UP is 1 when a connection becomes usable, 0 when it is lost.
typedef void (hl_pg_state_fn) (hl_pg_t *pg, int up, void *arg);

//  Create the connection object and start connecting. Returns NULL only if
//  the connection string is malformed or holds a password (reason in ERR).
hl_pg_t *hl_pg_new (struct event_base *base, const hl_pg_opts_t *opts,
                    hl_pg_state_fn *state_fn, void *arg, char *err, size_t errlen);

//  Disconnect and free; waiting callbacks fire with an error first.
void hl_pg_destroy (hl_pg_t **self_p);

//  One statement with NPARAMS text parameters ($1..; a NULL entry is SQL
//  NULL). SQL and parameters are copied. See the contract above.
int hl_pg_query (hl_pg_t *self, const char *sql, int nparams, const char *const *params,
                 hl_pg_result_fn *fn, void *arg);

//  A script of several statements, without parameters (a migration). In
//  pipeline mode it waits until the queries before it are done.
int hl_pg_script (hl_pg_t *self, const char *sql, hl_pg_result_fn *fn, void *arg);

//  True when queries are accepted.
int hl_pg_is_up (const hl_pg_t *self);

//  Queries accepted and not yet answered.
size_t hl_pg_pending (const hl_pg_t *self);

//  The server process serving this connection (0 when down), for tests.
int hl_pg_backend_pid (const hl_pg_t *self);

//  Round-trip time of the most recent answer, in microseconds.
int64_t hl_pg_last_rtt_us (const hl_pg_t *self);

//  1 if ERR (as given to a callback) carries SQLSTATE CODE.
int hl_pg_error_is (const char *err, const char *code);

#endif
