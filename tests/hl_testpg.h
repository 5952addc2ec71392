/*  hl_testpg: a private PostgreSQL 15 for tests, on a scratch directory.
 *
 *  The cluster is made by deploy/pg.sh's pg_init (the same settings,
 *  role and authentication as deploy/up's), once per build directory, and
 *  copied for each test: initdb takes seconds, a copy a fraction. The
 *  test's own server listens on a unix socket in its scratch directory
 *  under a free port number. postgres runs as the `postgres` user when
 *  the test runs as root, as the test's user otherwise; it is the test's
 *  child and dies with it (PR_SET_PDEATHSIG). Only the PID started here
 *  is ever signalled.
 *
 *  Needs HL_PG_SH (deploy/pg.sh) and HL_TEST_TMPDIR from the environment
 *  meson sets.
 */
#ifndef HL_TESTPG_H_INCLUDED
#define HL_TESTPG_H_INCLUDED

#include <libpq-fe.h>
#include <sys/types.h>

typedef struct hl_testpg hl_testpg_t;

//  A scratch directory with a copy of the template cluster, a free port.
hl_testpg_t *hl_testpg_new (const char *name);
//  Stops the server if it runs, removes the directory.
void hl_testpg_destroy (hl_testpg_t **self_p);

//  Start postgres and wait until it accepts connections. 0 or -1.
int hl_testpg_start (hl_testpg_t *self);
//  Fast shutdown (SIGINT) and wait.
void hl_testpg_stop (hl_testpg_t *self);
//  Freeze / thaw the postmaster (SIGSTOP / SIGCONT): new connections hang.
void hl_testpg_pause (hl_testpg_t *self, int paused);

//  The connection string for the `hotline` role (no password in it), the
//  password and a file holding it (0600).
const char *hl_testpg_dsn (const hl_testpg_t *self);
const char *hl_testpg_password (const hl_testpg_t *self);
const char *hl_testpg_password_file (const hl_testpg_t *self);
pid_t hl_testpg_pid (const hl_testpg_t *self);

//  A blocking connection as `hotline`, for assertions (PQfinish it).
PGconn *hl_testpg_connect (const hl_testpg_t *self);

//  Run SQL on a fresh blocking connection; the first column of the first
//  row of its last result, as a string to free (NULL on error, printed).
char *hl_testpg_value (const hl_testpg_t *self, const char *sql);

//  Wait up to MS for SQL's value (hl_testpg_value) to be WANT: 1, or 0 if
//  it was not by then.
int hl_testpg_wait_value (const hl_testpg_t *self, const char *sql, const char *want, int ms);

#endif
