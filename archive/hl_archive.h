/*  hl_archive: hotlined's link to the PostgreSQL archive.
 *
 *  Owns the hl_pg connection (archive_dsn, the password from
 *  archive_password_file or $HOTLINE_ARCHIVE_PASSWORD). At every connect
 *  it brings the schema up to date (hl_schema), then makes sure the month
 *  partitions of this month and the next two exist, and again every hour
 *  while up. Only then is it ready: writes are refused before (and while
 *  PostgreSQL is down), so their owner keeps them (in the outbox) and
 *  retries. A schema newer than this binary knows is refused with an
 *  error in the log, and the archive stays not ready: intake goes on.
 *
 *  Writes are the archive's idempotent upserts (hl_put_tickets,
 *  hl_put_history): a batch is a JSON array of rows named like the
 *  columns (archive/migrations/0001_init.sql).
 */
#ifndef HL_ARCHIVE_H_INCLUDED
#define HL_ARCHIVE_H_INCLUDED

#include "hl_pg.h"

typedef struct hl_archive hl_archive_t;

typedef struct {
    const char *dsn;              //  libpq connection string, no password
    const char *password;         //  NULL: none (or libpq's own sources)
    int timeout_ms;               //  hl_pg's watchdog
    int statement_timeout_ms;
    int months_ahead;             //  partitions made ahead (this month included)
} hl_archive_opts_t;

void hl_archive_opts_default (hl_archive_opts_t *opts);

hl_archive_t *hl_archive_new (struct event_base *base, const hl_archive_opts_t *opts,
                              char *err, size_t errlen);
void hl_archive_destroy (hl_archive_t **self_p);

//  Connected, schema current, partitions made.
int hl_archive_ready (const hl_archive_t *self);

//  The schema version found at the last connect (0 before).
int hl_archive_schema_version (const hl_archive_t *self);

//  Upsert a batch of tickets / history entries (JSON array text). The
//  result's single value is the rows written (0 for a replay). -1 when
//  not ready (FN never fires); else FN fires once.
int hl_archive_put_tickets (hl_archive_t *self, const char *json, hl_pg_result_fn *fn,
                            void *arg);
int hl_archive_put_history (hl_archive_t *self, const char *json, hl_pg_result_fn *fn,
                            void *arg);

//  The link itself, for readers (reports, read-through).
hl_pg_t *hl_archive_pg (hl_archive_t *self);

#endif
