/*  hl_schema: migrations of the archive. See hl_schema.h. */
#include "hl_schema.h"
#include "hl_log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The advisory lock every migration step holds until its commit.
#define S_LOCK "SELECT pg_advisory_xact_lock(7809062517);\n"

//  One application in progress (several may run on one link).
typedef struct {
    hl_pg_t *pg;
    hl_schema_done_fn *fn;
    void *arg;
    int retries;            //  left, after a concurrent change
} s_run_t;

static int s_read_version (s_run_t *run);

int
hl_schema_latest (void)
{
    return hl_schema_migration_count;
}

static void
s_finish (s_run_t *run, int version, const char *err)
{
    run->fn (version, err, run->arg);
    free (run);
}

//  A migration step committed, or lost a race with another instance
//  (40001): either way the version is read again.
static void
s_on_migrated (hl_pg_t *pg, const PGresult *res, const char *err, void *arg)
{
    (void) pg;
    (void) res;
    s_run_t *run = arg;
    if (err && !(hl_pg_error_is (err, "40001") && run->retries-- > 0)) {
        s_finish (run, -1, err);
        return;
    }
    if (s_read_version (run) != 0)
        s_finish (run, -1, "08006: connection lost");
}

//  Migration M as one implicit transaction: the lock, a check that the
//  schema is still at the version before M, M itself, and its record.
static int
s_migrate (s_run_t *run, const hl_schema_migration_t *m)
{
    char head[400], tail[200];
    snprintf (head, sizeof head,
              S_LOCK "DO $$ BEGIN IF (SELECT coalesce(max(version), 0) FROM schema_version) <> %d "
              "THEN RAISE EXCEPTION 'schema changed meanwhile' USING ERRCODE = '40001'; "
              "END IF; END $$;\n", m->version - 1);
    snprintf (tail, sizeof tail, ";\nINSERT INTO schema_version (version, name) VALUES (%d, '%s')",
              m->version, m->name);
    size_t size = strlen (head) + strlen (m->sql) + strlen (tail) + 1;
    char *sql = malloc (size);
    if (!sql)
        abort ();
    snprintf (sql, size, "%s%s%s", head, m->sql, tail);
    hl_info ("archive: applying schema migration %04d_%s", m->version, m->name);
    int rc = hl_pg_script (run->pg, sql, s_on_migrated, run);
    free (sql);
    return rc;
}

static void
s_on_version (hl_pg_t *pg, const PGresult *res, const char *err, void *arg)
{
    (void) pg;
    s_run_t *run = arg;
    if (err) {
        s_finish (run, -1, err);
        return;
    }
    int version = atoi (PQgetvalue (res, 0, 0));
    int latest = hl_schema_latest ();
    if (version > latest) {
        char why[300];
        snprintf (why, sizeof why, "HL001: the archive's schema is version %d, newer than this "
                  "program knows (%d): upgrade hotline before it writes to this database",
                  version, latest);
        s_finish (run, version, why);
    }
    else
    if (version == latest)
        s_finish (run, version, NULL);
    else
    if (s_migrate (run, &hl_schema_migrations[version]) != 0)
        s_finish (run, -1, "08006: connection lost");
}

//  The version, read under the lock (the table is made by the first run).
static int
s_read_version (s_run_t *run)
{
    return hl_pg_script (run->pg,
                         S_LOCK "CREATE TABLE IF NOT EXISTS schema_version ("
                         " version integer PRIMARY KEY, name text NOT NULL,"
                         " applied_at timestamptz NOT NULL DEFAULT now());\n"
                         "SELECT coalesce(max(version), 0) FROM schema_version",
                         s_on_version, run);
}

int
hl_schema_apply (hl_pg_t *pg, hl_schema_done_fn *fn, void *arg)
{
    assert (pg && fn);
    s_run_t *run = calloc (1, sizeof *run);
    if (!run)
        abort ();
    *run = (s_run_t) { .pg = pg, .fn = fn, .arg = arg, .retries = 5 };
    if (s_read_version (run) != 0) {
        free (run);
        return -1;
    }
    return 0;
}
