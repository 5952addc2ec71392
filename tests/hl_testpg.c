/*  hl_testpg: a private PostgreSQL for tests. See hl_testpg.h. */
#include "hl_testpg.h"
#include "hl_testenv.h"

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
    pid_t pid;
};

static void
s_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
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
    self->port = hl_testenv_free_port ();
    snprintf (self->dsn, sizeof self->dsn, "host=%s port=%d dbname=hotline user=hotline",
              self->pgdir, self->port);
    return self;
}

//  The child: drop to the postgres user (as root), ask to die with the
//  test (after the change of user, which would clear the request), exec.
static void
s_exec_postgres (hl_testpg_t *self, const char *log)
{
    int fd = open (log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
        dup2 (fd, 1);
        dup2 (fd, 2);
        if (geteuid () == 0)
            fchown (fd, 0, 0);
    }
    pid_t parent = getppid ();
    if (geteuid () == 0) {
        struct passwd *pw = getpwnam ("postgres");
        if (!pw || setgid (pw->pw_gid) != 0 || initgroups ("postgres", pw->pw_gid) != 0
            || setuid (pw->pw_uid) != 0)
            _exit (126);
    }
    prctl (PR_SET_PDEATHSIG, SIGQUIT);
    if (getppid () != parent)
        _exit (125);
    char data[320], port[16];
    snprintf (data, sizeof data, "%s/data", self->pgdir);
    snprintf (port, sizeof port, "%d", self->port);
    execl (S_PG_BIN "/postgres", "postgres", "-D", data, "-p", port, "-k", self->pgdir,
           (char *) NULL);
    _exit (127);
}

int
hl_testpg_start (hl_testpg_t *self)
{
    assert (self->pid == 0);
    char log[320];
    snprintf (log, sizeof log, "%s/postgres.log", self->dir);
    self->pid = fork ();
    if (self->pid == 0)
        s_exec_postgres (self, log);
    for (int i = 0; i < 600; i++) {
        if (PQping (self->dsn) == PQPING_OK)
            return 0;
        if (waitpid (self->pid, NULL, WNOHANG) == self->pid) {
            self->pid = 0;
            break;
        }
        s_sleep_ms (50);
    }
    fprintf (stderr, "testpg: postgres did not start (see %s)\n", log);
    return -1;
}

void
hl_testpg_stop (hl_testpg_t *self)
{
    if (self->pid <= 0)
        return;
    kill (self->pid, SIGCONT);
    kill (self->pid, SIGINT);
    waitpid (self->pid, NULL, 0);
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
