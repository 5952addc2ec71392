/*  hl_archread: a ticket read back from the archive. See hl_archread.h. */
#include "hl_archread.h"
#include "hl_text.h"
#include "hl_wire.h"

#include <assert.h>
#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

//  The ticket's partitions lie within a day of the date its number names
//  ($2, yyyy-mm-dd), whatever the time zone it was taken in.
#define S_DAYS "number = $1 AND created_at >= $2::date - 1 AND created_at < $2::date + 2"

static const char *s_ticket_sql =
    "SELECT number, " S_MS ("created_at") ", state, type, category, area, unit, "
    "array_to_string(assist_units, ','), channel, satisfaction, resolved, reopen_count, "
    "caller_phone_enc, caller_name_enc, content, "
    S_MS ("sign_due") ", " S_MS ("sign_met") ", " S_MS ("contact_due") ", " S_MS ("contact_met")
    ", " S_MS ("reply_due") ", " S_MS ("reply_met") ", " S_MS ("visit_due") ", "
    S_MS ("visit_met") " FROM tickets WHERE " S_DAYS;

static const char *s_history_sql =
    "SELECT " S_MS ("at") ", actor, action, from_state, to_state, note FROM history WHERE "
    S_DAYS " ORDER BY created_at, seq";

//  The columns of s_ticket_sql, in order.
enum {
    C_NUMBER, C_CREATED, C_STATE, C_TYPE, C_CATEGORY, C_AREA, C_UNIT, C_ASSIST, C_CHANNEL,
    C_SATISFACTION, C_RESOLVED, C_REOPEN, C_PHONE, C_NAME, C_CONTENT, C_DEADLINES
};

static const char *s_milestones[] = { "sign", "contact", "reply", "visit" };

typedef struct {
    hl_archive_t *archive;
    const hl_pii_t *pii;
    char ticket[HL_STORE_TICKET_MAX];
    char day[11];
    hl_store_view_fn *fn;
    void *arg;
    PGresult *row;               //  the ticket's row, kept for the history read
} s_read_t;

//  The yyyy-mm-dd TICKET names (the 8 digits after its letters), or -1.
static int
s_day (const char *ticket, char day[11])
{
    const char *p = ticket;
    while (*p && isalpha ((unsigned char) *p))
        p++;
    for (int i = 0; i < 8; i++)
        if (!isdigit ((unsigned char) p[i]))
            return -1;
    int month = (p[4] - '0') * 10 + (p[5] - '0'), mday = (p[6] - '0') * 10 + (p[7] - '0');
    if (month < 1 || month > 12 || mday < 1 || mday > 31)
        return -1;
    snprintf (day, 11, "%.4s-%.2s-%.2s", p, p + 4, p + 6);
    return 0;
}

static ProtobufCBinaryData
s_bytes (const PGresult *r, int row, int col)
{
    return (ProtobufCBinaryData) { (size_t) PQgetlength (r, row, col),
                                   (uint8_t *) PQgetvalue (r, row, col) };
}

static int64_t
s_int (const PGresult *r, int row, int col)
{
    return PQgetisnull (r, row, col) ? 0 : strtoll (PQgetvalue (r, row, col), NULL, 10);
}

//  A bytea column (text form "\x..." hex) opened with PII into OUT.
static void
s_open (const hl_pii_t *pii, const PGresult *r, int col, hl_buf_t *out)
{
    const char *hex = PQgetvalue (r, 0, col);
    if (!pii || PQgetisnull (r, 0, col) || strncmp (hex, "\\x", 2) != 0)
        return;
    hl_buf_t raw = HL_BUF_INIT;
    for (const char *p = hex + 2; isxdigit ((unsigned char) p[0]) && isxdigit ((unsigned char) p[1]);
         p += 2) {
        unsigned byte;
        sscanf (p, "%2x", &byte);
        unsigned char b = (unsigned char) byte;
        hl_buf_append (&raw, &b, 1);
    }
    if (raw.len)
        hl_pii_open (pii, raw.data, raw.len, out);
    hl_buf_free (&raw);
}

//  The deadlines the row has a due moment or a met moment for.
static size_t
s_deadlines (const PGresult *r, Hotline__Deadline d[4], Hotline__Deadline *dp[4])
{
    size_t n = 0;
    for (int m = 0; m < 4; m++) {
        int64_t due = s_int (r, 0, C_DEADLINES + 2 * m);
        int64_t met = s_int (r, 0, C_DEADLINES + 2 * m + 1);
        if (!due && !met)
            continue;
        hotline__deadline__init (&d[n]);
        d[n].milestone = (char *) s_milestones[m];
        d[n].has_due_ms = due > 0;
        d[n].due_ms = (uint64_t) due;
        d[n].status = met ? "met" : "";
        dp[n] = &d[n];
        n++;
    }
    return n;
}

//  Builds the view from the ticket's row and its history rows H, and
//  hands it over.
static void
s_deliver (s_read_t *rd, const PGresult *h)
{
    const PGresult *r = rd->row;
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    hl_buf_t phone = HL_BUF_INIT, name = HL_BUF_INIT;
    c.has_channel = c.has_request_type = 1;
    c.channel = hl_wire_channel_parse (PQgetvalue (r, 0, C_CHANNEL));
    c.request_type = hl_wire_request_type_parse (PQgetvalue (r, 0, C_TYPE));
    c.has_category = c.has_area = c.has_content = 1;
    c.category = s_bytes (r, 0, C_CATEGORY);
    c.area = s_bytes (r, 0, C_AREA);
    c.content = s_bytes (r, 0, C_CONTENT);
    s_open (rd->pii, r, C_PHONE, &phone);
    s_open (rd->pii, r, C_NAME, &name);
    c.has_caller_phone = phone.len > 0;
    c.caller_phone = (ProtobufCBinaryData) { phone.len, (uint8_t *) phone.data };
    c.has_caller_name = name.len > 0;
    c.caller_name = (ProtobufCBinaryData) { name.len, (uint8_t *) name.data };

    Hotline__TicketView v = HOTLINE__TICKET_VIEW__INIT;
    v.ticket = PQgetvalue (r, 0, C_NUMBER);
    v.has_state = v.has_created_ms = 1;
    v.state = hl_wire_state_parse (PQgetvalue (r, 0, C_STATE));
    v.created_ms = (uint64_t) s_int (r, 0, C_CREATED);
    v.complaint = &c;
    v.has_unit = !PQgetisnull (r, 0, C_UNIT);
    v.unit = s_bytes (r, 0, C_UNIT);
    v.has_reopen_count = 1;
    v.reopen_count = (uint32_t) s_int (r, 0, C_REOPEN);
    v.has_satisfaction = !PQgetisnull (r, 0, C_SATISFACTION);
    v.satisfaction = hl_wire_satisfaction_parse (PQgetvalue (r, 0, C_SATISFACTION));
    v.has_resolved = !PQgetisnull (r, 0, C_RESOLVED);
    v.resolved = PQgetvalue (r, 0, C_RESOLVED)[0] == 't';

    //  Assisting units: the comma-separated text cut in place (a copy).
    char *assist_text = strdup (PQgetvalue (r, 0, C_ASSIST));
    ProtobufCBinaryData assist[16];
    if (!assist_text)
        abort ();
    for (char *tok = strtok (assist_text, ","); tok && v.n_assist < 16; tok = strtok (NULL, ","))
        assist[v.n_assist++] = hl_wire_bytes (tok);
    v.assist = assist;

    Hotline__Deadline d[4], *dp[4];
    v.n_deadlines = s_deadlines (r, d, dp);
    v.deadlines = dp;

    int n = PQntuples (h);
    Hotline__HistoryEntry *e = calloc ((size_t) n + 1, sizeof *e);
    Hotline__HistoryEntry **ep = calloc ((size_t) n + 1, sizeof *ep);
    if (!e || !ep)
        abort ();
    for (int i = 0; i < n; i++) {
        hotline__history_entry__init (&e[i]);
        e[i].has_at_ms = e[i].has_actor = e[i].has_action = e[i].has_note = 1;
        e[i].at_ms = (uint64_t) s_int (h, i, 0);
        e[i].actor = s_bytes (h, i, 1);
        e[i].action = s_bytes (h, i, 2);
        e[i].has_from_state = e[i].has_to_state = 1;
        e[i].from_state = hl_wire_state_parse (PQgetvalue (h, i, 3));
        e[i].to_state = hl_wire_state_parse (PQgetvalue (h, i, 4));
        e[i].note = s_bytes (h, i, 5);
        ep[i] = &e[i];
    }
    v.n_history = (size_t) n;
    v.history = ep;
    rd->fn (&v, NULL, rd->arg);
    free (e);
    free (ep);
    free (assist_text);
    hl_buf_free (&phone);
    hl_buf_free (&name);
}

static void
s_finish (s_read_t *rd)
{
    if (rd->row)
        PQclear (rd->row);
    free (rd);
}

static void
s_on_history (hl_pg_t *pg, const PGresult *result, const char *err, void *arg)
{
    (void) pg;
    s_read_t *rd = arg;
    if (err)
        rd->fn (NULL, err, rd->arg);
    else
        s_deliver (rd, result);
    s_finish (rd);
}

static void
s_on_ticket (hl_pg_t *pg, const PGresult *result, const char *err, void *arg)
{
    s_read_t *rd = arg;
    if (err || PQntuples (result) != 1) {
        rd->fn (NULL, err, rd->arg);     //  no row: not archived (ERROR NULL)
        s_finish (rd);
        return;
    }
    rd->row = PQcopyResult (result, PG_COPYRES_ATTRS | PG_COPYRES_TUPLES);
    const char *params[] = { rd->ticket, rd->day };
    if (!rd->row || hl_pg_query (pg, s_history_sql, 2, params, s_on_history, rd) != 0) {
        rd->fn (NULL, "the archive went away during the read", rd->arg);
        s_finish (rd);
    }
}

int
hl_archread_ticket (hl_archive_t *archive, const hl_pii_t *pii, const char *ticket,
                    hl_store_view_fn *fn, void *arg)
{
    assert (archive && ticket && fn);
    char day[11];
    if (!hl_archive_ready (archive) || strlen (ticket) >= HL_STORE_TICKET_MAX
        || s_day (ticket, day) != 0)
        return -1;
    s_read_t *rd = calloc (1, sizeof *rd);
    if (!rd)
        abort ();
    *rd = (s_read_t) { .archive = archive, .pii = pii, .fn = fn, .arg = arg };
    snprintf (rd->ticket, sizeof rd->ticket, "%s", ticket);
    snprintf (rd->day, sizeof rd->day, "%s", day);
    const char *params[] = { rd->ticket, rd->day };
    if (hl_pg_query (hl_archive_pg (archive), s_ticket_sql, 2, params, s_on_ticket, rd) != 0) {
        free (rd);
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Lists: the archived tickets of a caller, a unit or a state.

//  An excerpt is cut to HL_STORE_EXCERPT_MAX bytes; no more characters
//  than that are needed to fill it.
#define S_EXCERPT_CHARS "180"

//  One statement per index, each served by its (column, created_at) index;
//  $1 the key, $2 a state or '', $3 the limit.
#define S_LIST_SQL(where) \
    "SELECT number, " S_MS ("created_at") ", state, type, category, area, unit, " \
    "left(content, " S_EXCERPT_CHARS ") FROM tickets WHERE " where \
    " AND ($2 = '' OR state = $2) ORDER BY created_at DESC, number DESC LIMIT $3::int"

static const struct {
    const char *index;
    const char *sql;
} s_lists[] = {
    { "caller", S_LIST_SQL ("caller_hash = convert_to($1, 'UTF8')") },
    { "unit", S_LIST_SQL ("unit = $1") },
    { "state", S_LIST_SQL ("state = $1") },
};

//  The columns of S_LIST_SQL, in order.
enum { L_NUMBER, L_CREATED, L_STATE, L_TYPE, L_CATEGORY, L_AREA, L_UNIT, L_EXCERPT };

typedef struct {
    hl_store_list_fn *fn;
    void *arg;
} s_list_t;

//  Row I of R as a summary (its strings point into R).
static void
s_summary (const PGresult *r, int i, Hotline__TicketSummary *out)
{
    hotline__ticket_summary__init (out);
    out->ticket = PQgetvalue (r, i, L_NUMBER);
    out->has_state = (out->state = hl_wire_state_parse (PQgetvalue (r, i, L_STATE))) != 0;
    out->has_created_ms = 1;
    out->created_ms = (uint64_t) s_int (r, i, L_CREATED);
    out->has_request_type
        = (out->request_type = hl_wire_request_type_parse (PQgetvalue (r, i, L_TYPE))) != 0;
    out->has_category = out->has_area = out->has_excerpt = 1;
    out->category = s_bytes (r, i, L_CATEGORY);
    out->area = s_bytes (r, i, L_AREA);
    out->has_unit = PQgetlength (r, i, L_UNIT) > 0;
    out->unit = s_bytes (r, i, L_UNIT);
    out->excerpt = s_bytes (r, i, L_EXCERPT);
    out->excerpt.len = hl_text_prefix ((const char *) out->excerpt.data, out->excerpt.len,
                                       HL_STORE_EXCERPT_MAX);
}

static void
s_on_list (hl_pg_t *pg, const PGresult *result, const char *err, void *arg)
{
    (void) pg;
    s_list_t *l = arg;
    if (err)
        l->fn (NULL, 0, err, l->arg);
    else {
        size_t n = (size_t) PQntuples (result);
        Hotline__TicketSummary *items = calloc (n + 1, sizeof *items);
        Hotline__TicketSummary **ptrs = calloc (n + 1, sizeof *ptrs);
        if (!items || !ptrs)
            abort ();
        for (size_t i = 0; i < n; i++) {
            s_summary (result, (int) i, &items[i]);
            ptrs[i] = &items[i];
        }
        l->fn (ptrs, n, NULL, l->arg);
        free (ptrs);
        free (items);
    }
    free (l);
}

int
hl_archread_list (hl_archive_t *archive, const char *index, const char *key, const char *state,
                  unsigned limit, hl_store_list_fn *fn, void *arg)
{
    assert (archive && index && key && state && fn);
    const char *sql = NULL;
    for (size_t i = 0; i < sizeof s_lists / sizeof s_lists[0]; i++)
        if (strcmp (s_lists[i].index, index) == 0)
            sql = s_lists[i].sql;
    if (!sql || !hl_archive_ready (archive))
        return -1;
    s_list_t *l = calloc (1, sizeof *l);
    if (!l)
        abort ();
    *l = (s_list_t) { .fn = fn, .arg = arg };
    char n[16];
    snprintf (n, sizeof n, "%u", limit);
    const char *params[] = { key, state, n };
    if (hl_pg_query (hl_archive_pg (archive), sql, 3, params, s_on_list, l) != 0) {
        free (l);
        return -1;
    }
    return 0;
}
