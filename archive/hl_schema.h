/*  hl_schema: the archive's schema, brought up to date on a hl_pg link.
 *
 *  The migrations are the files archive/migrations/NNNN_name.sql, embedded
 *  at build time (tools/gen-migrations). The database records what it has
 *  in the table schema_version (version, name, applied_at). Applying runs
 *  each missing migration in order, each as one transaction that also
 *  records its version, under an advisory lock: two hotlined instances
 *  starting together apply each migration once. A database whose version
 *  is newer than this binary's last migration is refused (an older binary
 *  must not write into a schema it does not know).
 *
 *  Asynchronous (on the loop, through hl_pg); the done callback fires
 *  exactly once if hl_schema_apply returned 0.
 */
#ifndef HL_SCHEMA_H_INCLUDED
#define HL_SCHEMA_H_INCLUDED

#include "hl_pg.h"

typedef struct {
    int version;
    const char *name;
    const char *sql;
} hl_schema_migration_t;

//  The embedded migrations, versions 1..count in order.
extern const hl_schema_migration_t hl_schema_migrations[];
extern const int hl_schema_migration_count;

//  The version this binary brings the schema to.
int hl_schema_latest (void);

//  VERSION is the schema's version once applied (ERR NULL), or ERR says
//  why not ("SQLSTATE: message"; a newer schema is HL001).
typedef void (hl_schema_done_fn) (int version, const char *err, void *arg);

//  Bring the database behind PG (up) to hl_schema_latest (). 0, or -1 if
//  PG refused the first query (then FN never fires).
int hl_schema_apply (hl_pg_t *pg, hl_schema_done_fn *fn, void *arg);

#endif
