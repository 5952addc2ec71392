/*  hl_archive: hotlined's link to the archive. See hl_archive.h. */
#include "hl_archive.h"
#include "hl_log.h"
#include "hl_schema.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#define S_PARTITION_CHECK_MS (3600 * 1000)

struct hl_archive {
    hl_pg_t *pg;
    int months_ahead;
    int ready;
    int version;
    hl_log_limit_t refused_log;
    struct event *partitions;     //  hourly, while ready
};

void
hl_archive_opts_default (hl_archive_opts_t *opts)
{
    hl_pg_opts_t pg;
    hl_pg_opts_default (&pg);
    *opts = (hl_archive_opts_t) { .dsn = "", .timeout_ms = pg.timeout_ms,
                                  .statement_timeout_ms = pg.statement_timeout_ms,
                                  .months_ahead = 3 };
}

static void
s_on_partitions (hl_pg_t *pg, const PGresult *res, const char *err, void *arg)
{
    (void) pg;
    (void) res;
    hl_archive_t *self = arg;
    if (err) {
        hl_warning ("archive: making month partitions ahead: %s", err);
        return;
    }
    if (!self->ready)
        hl_notice ("archive: ready (schema version %d)", self->version);
    self->ready = 1;
}

static void
s_make_partitions (hl_archive_t *self)
{
    char months[16];
    snprintf (months, sizeof months, "%d", self->months_ahead);
    const char *params[] = { months };
    hl_pg_query (self->pg, "SELECT hl_ensure_months(now(), $1::int)", 1, params,
                 s_on_partitions, self);
}

static void
s_on_partition_timer (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_archive_t *self = arg;
    if (self->ready)
        s_make_partitions (self);
}

//  A schema run ends once per connect; one from an earlier connect (its
//  link went down meanwhile) carries an error and changes nothing.
static void
s_on_schema (int version, const char *err, void *arg)
{
    hl_archive_t *self = arg;
    if (version > 0)
        self->version = version;
    if (err) {
        if (hl_pg_error_is (err, "HL001"))
            hl_log_limited (&self->refused_log, 60000, HL_LOG_ERROR,
                            "archive: %s; nothing is archived", err + 7);
        else
            hl_warning ("archive: schema not applied: %s", err);
        return;
    }
    s_make_partitions (self);
}

static void
s_on_state (hl_pg_t *pg, int up, void *arg)
{
    hl_archive_t *self = arg;
    self->ready = 0;
    if (up && hl_schema_apply (pg, s_on_schema, self) != 0)
        hl_warning ("archive: link lost before the schema check");
}

hl_archive_t *
hl_archive_new (struct event_base *base, const hl_archive_opts_t *opts, char *err,
                size_t errlen)
{
    assert (base && opts && opts->dsn && opts->months_ahead > 0);
    hl_archive_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->months_ahead = opts->months_ahead;
    hl_pg_opts_t po;
    hl_pg_opts_default (&po);
    po.conninfo = opts->dsn;
    po.password = opts->password;
    po.application_name = "hotlined";
    po.timeout_ms = opts->timeout_ms;
    po.statement_timeout_ms = opts->statement_timeout_ms;
    self->pg = hl_pg_new (base, &po, s_on_state, self, err, errlen);
    self->partitions = event_new (base, -1, EV_PERSIST, s_on_partition_timer, self);
    if (!self->pg || !self->partitions) {
        hl_archive_destroy (&self);
        return NULL;
    }
    struct timeval tv = { S_PARTITION_CHECK_MS / 1000, 0 };
    event_add (self->partitions, &tv);
    return self;
}

void
hl_archive_destroy (hl_archive_t **self_p)
{
    assert (self_p);
    hl_archive_t *self = *self_p;
    if (!self)
        return;
    hl_pg_destroy (&self->pg);
    if (self->partitions)
        event_free (self->partitions);
    free (self);
    *self_p = NULL;
}

int
hl_archive_ready (const hl_archive_t *self)
{
    return self->ready && hl_pg_is_up (self->pg);
}

int
hl_archive_schema_version (const hl_archive_t *self)
{
    return self->version;
}

static int
s_put (hl_archive_t *self, const char *sql, const char *json, hl_pg_result_fn *fn, void *arg)
{
    if (!hl_archive_ready (self))
        return -1;
    const char *params[] = { json };
    return hl_pg_query (self->pg, sql, 1, params, fn, arg);
}

int
hl_archive_put_tickets (hl_archive_t *self, const char *json, hl_pg_result_fn *fn, void *arg)
{
    return s_put (self, "SELECT hl_put_tickets($1::jsonb)", json, fn, arg);
}

int
hl_archive_put_history (hl_archive_t *self, const char *json, hl_pg_result_fn *fn, void *arg)
{
    return s_put (self, "SELECT hl_put_history($1::jsonb)", json, fn, arg);
}

hl_pg_t *
hl_archive_pg (hl_archive_t *self)
{
    return self->pg;
}
