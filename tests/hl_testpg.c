/*  hl_testpg: a private PostgreSQL for tests. See hl_testpg.h. */
#include "hl_testpg.h"
#include "hl_proc.h"

#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_PG_BIN "/usr/lib/postgresql/15/bin"

struct hl_testpg {
    char dir[256];              //  scratch directory (the test's)
    char pgdir[300];            //  DIR/pg: the cluster copy, socket, log
    char pwfile[300];
    char password[128];
    char dsn[400];
    int port;
    int started;                //  ran before: a restart keeps the port
    pid_t pid;
};

static void
s_dsn (hl_testpg_t *self)
{
    snprintf (self->dsn, sizeof self->dsn, "host=%s port=%d dbname=hotline user=hotline",
              self->pgdir, self->port);
}

static int
s_sh (const char *cmd)
{
    int rc = system (cmd);
    if (rc != 0)
        fprintf (stderr, "testpg: failed (%d): %s\n", rc, cmd);
    return rc == 0 ? 0 : -1;
}

//  The template cluster of this build directory, made once under a lock
//  (tests run in parallel): DIR/pg-template and its password file.
static int
s_template (const char *base, char *tdir, size_t tlen, char *tpw, size_t pwlen)
{
    snprintf (tdir, tlen, "%s/pg-template", base);
    snprintf (tpw, pwlen, "%s/pg-template.password", base);
    char lock[300], ready[320];
    snprintf (lock, sizeof lock, "%s/pg-template.lock", base);
    snprintf (ready, sizeof ready, "%s/ready", tdir);
    int fd = open (lock, O_RDWR | O_CREAT, 0600);
    if (fd < 0 || flock (fd, LOCK_EX) != 0)
        return -1;
    int rc = 0;
    if (access (ready, F_OK) != 0) {
        const char *sh = getenv ("HL_PG_SH");
        char cmd[2048];
        snprintf (cmd, sizeof cmd,
                  "set -e; umask 077; rm -rf '%s'; "
                  "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' >'%s'; "
                  ". '%s'; pg_init '%s' 5432 '%s' 'fsync = off' 'synchronous_commit = off' "
                  "'full_page_writes = off' 'log_min_messages = warning'; touch '%s'",
                  tdir, tpw, sh ? sh : "deploy/pg.sh", tdir, tpw, ready);
        rc = s_sh (cmd);
    }
    flock (fd, LOCK_UN);
    close (fd);
    return rc;
}

hl_testpg_t *
hl_testpg_new (const char *name)
{
    hl_testpg_t *self = calloc (1, sizeof *self);
    assert (self);
    const char *base = getenv ("HL_TEST_TMPDIR") ? getenv ("HL_TEST_TMPDIR") : "/tmp";
    char tdir[300], tpw[300];
    snprintf (self->dir, sizeof self->dir, "%s/hl-%s-XXXXXX", base, name);
    if (!mkdtemp (self->dir) || s_template (base, tdir, sizeof tdir, tpw, sizeof tpw) != 0) {
        free (self);
        return NULL;
    }
    char abs[PATH_MAX];         //  postgres runs elsewhere: no relative path
    if (realpath (self->dir, abs) && strlen (abs) < sizeof self->dir)
        strcpy (self->dir, abs);
    snprintf (self->pgdir, sizeof self->pgdir, "%s/pg", self->dir);
    snprintf (self->pwfile, sizeof self->pwfile, "%s/pg.password", self->dir);
    char cmd[1400];
    snprintf (cmd, sizeof cmd, "cp -a '%s' '%s' && cp '%s' '%s'", tdir, self->pgdir, tpw,
              self->pwfile);
    FILE *f = NULL;
    if (s_sh (cmd) != 0 || !(f = fopen (self->pwfile, "r"))
        || !fgets (self->password, sizeof self->password, f)) {
        if (f)
            fclose (f);
        free (self);
        return NULL;
    }
    fclose (f);
    self->password[strcspn (self->password, "\n")] = 0;
    //  The server (as postgres) must reach its directory inside ours.
    chmod (self->dir, 0711);
    self->port = hl_proc_free_port ();
    s_dsn (self);
    return self;
}

//  postgres says READY=1 once it accepts connections. It runs as the
//  postgres user when the tests run as root (it refuses root). The first
//  start may move it to another port (a lost race for it); a restart
//  keeps the port the test's DSN names.
int
hl_testpg_start (hl_testpg_t *self)
{
    assert (self->pid == 0);
    char log[320], data[320];
    snprintf (log, sizeof log, "%s/postgres.log", self->dir);
    snprintf (data, sizeof data, "%s/data", self->pgdir);
    const char *argv[] = { S_PG_BIN "/postgres", "-D", data, "-p", "@PORT0@", "-k", self->pgdir,
                           NULL };
    int ports[HL_PROC_PORTS] = { self->port };
    hl_proc_opts_t opts = { .log = log, .user = "postgres", .repick = !self->started,
                            .timeout_ms = 60000 };
    self->pid = hl_proc_start (argv, ports, &opts);
    if (self->pid < 0) {
        self->pid = 0;
        return -1;
    }
    self->started = 1;
    self->port = ports[0];
    s_dsn (self);
    return 0;
}

void
hl_testpg_stop (hl_testpg_t *self)
{
    if (self->pid <= 0)
        return;
    hl_proc_stop (self->pid, SIGINT);
    self->pid = 0;
}

void
hl_testpg_pause (hl_testpg_t *self, int paused)
{
    if (self->pid > 0)
        kill (self->pid, paused ? SIGSTOP : SIGCONT);
}

void
hl_testpg_destroy (hl_testpg_t **self_p)
{
    hl_testpg_t *self = *self_p;
    if (!self)
        return;
    hl_testpg_stop (self);
    char cmd[300];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", self->dir);
    if (!getenv ("HL_TEST_KEEP") && system (cmd) != 0)
        fprintf (stderr, "testpg: could not remove %s\n", self->dir);
    free (self);
    *self_p = NULL;
}

const char *
hl_testpg_dsn (const hl_testpg_t *self)
{
    return self->dsn;
}

const char *
hl_testpg_password (const hl_testpg_t *self)
{
    return self->password;
}

const char *
hl_testpg_password_file (const hl_testpg_t *self)
{
    return self->pwfile;
}

pid_t
hl_testpg_pid (const hl_testpg_t *self)
{
    return self->pid;
}

PGconn *
hl_testpg_connect (const hl_testpg_t *self)
{
    const char *keys[] = { "dbname", "password", NULL };
    const char *vals[] = { self->dsn, self->password, NULL };
    PGconn *conn = PQconnectdbParams (keys, vals, 1);
    if (PQstatus (conn) != CONNECTION_OK)
        fprintf (stderr, "testpg: connect: %s", PQerrorMessage (conn));
    return conn;
}

char *
hl_testpg_value (const hl_testpg_t *self, const char *sql)
{
    PGconn *conn = hl_testpg_connect (self);
    PGresult *r = PQexec (conn, sql);
    char *value = NULL;
    ExecStatusType st = PQresultStatus (r);
    if (st == PGRES_TUPLES_OK && PQntuples (r) > 0)
        value = strdup (PQgetvalue (r, 0, 0));
    else
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
        fprintf (stderr, "testpg: %s: %s", sql, PQerrorMessage (conn));
    PQclear (r);
    PQfinish (conn);
    return value;
}

int
hl_testpg_wait_value (const hl_testpg_t *self, const char *sql, const char *want, int ms)
{
    for (int waited = 0;; waited += 100) {
        char *got = hl_testpg_value (self, sql);
        int ok = got && strcmp (got, want) == 0;
        free (got);
        if (ok)
            return 1;
        if (waited >= ms)
            return 0;
        usleep (100 * 1000);
    }
}
