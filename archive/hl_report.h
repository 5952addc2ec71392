/*  hl_report: the archive's reports, asked for and shown.
 *
 *  `hotline report` and the dashboard's period selector ask the same
 *  question of PostgreSQL (hl_report in archive/migrations/0003): the
 *  三率 and 考核 score of the tickets that came in during a period, per
 *  unit, area or category. This class holds what both need, once: the
 *  period from --month, --year or --from/--to (or the same query
 *  parameters), the grouping and weights checked, the statement, and the
 *  rows as CSV or JSON. No I/O: the callers run the statement (blocking in
 *  the command, asynchronously on hotlined's loop).
 */
#ifndef HL_REPORT_H_INCLUDED
#define HL_REPORT_H_INCLUDED

#include "hl_buf.h"

#include <libpq-fe.h>

//  A report's question: local days [FROM, TO), a name ("2026-11", "2026",
//  "2026-10-01..2027-01-01"), the grouping and the weights as
//  PostgreSQL's array text ("{0.3,0.35,0.35}").
typedef struct {
    char from[24], to[24];
    char name[32];
    char by[16];
    char weights[64];
} hl_report_t;

//  The statement; its parameters are hl_report_params'.
extern const char *const hl_report_sql;
#define HL_REPORT_NPARAMS 5

//  Fill R from exactly one of MONTH ("YYYY-MM"), YEAR ("YYYY") or FROM and
//  TO ("YYYY-MM-DD", FROM before TO); BY ("unit", "area", "category"; NULL:
//  unit) and WEIGHTS ("R,S,T", three numbers ≥ 0 not all 0; NULL: the
//  default 0.30,0.35,0.35). 0, or -1 with WHY (a sentence for the user).
int hl_report_ask (hl_report_t *r, const char *month, const char *year, const char *from,
                   const char *to, const char *by, const char *weights, const char **why);

//  The statement's parameters for R and the time zone TZ ("480").
void hl_report_params (const hl_report_t *r, const char *tz,
                       const char *params[HL_REPORT_NPARAMS]);

//  The rows of RES as CSV (RFC 4180; the group column named by R's
//  grouping) or JSON ({"period", "from", "to", "by", "rows": [...]}:
//  counts, rates and scores as numbers, a missing rate or score null),
//  appended to OUT.
void hl_report_csv (const hl_report_t *r, const PGresult *res, hl_buf_t *out);
void hl_report_json (const hl_report_t *r, const PGresult *res, hl_buf_t *out);

//  The name of column COL as shown (the group column is named by R's grouping).
const char *hl_report_column (const hl_report_t *r, const PGresult *res, int col);

#endif
