/*  hl_dashreport: the dashboard's reports from the archive.
 *
 *  GET /api/report?month=YYYY-MM (or year=YYYY, or from=YYYY-MM-DD&
 *  to=YYYY-MM-DD) [&by=unit|area|category] [&weights=R,S,T] answers the
 *  archive's 三率 and 考核 figures for that period as hotline report
 *  --json does (hl_report), read from PostgreSQL without blocking the
 *  loop. The live counters in Redis cover recent days; a month or a year
 *  past is the archive's, which holds every ticket for years.
 *
 *  Refusals: 400 bad_value (the period, grouping or weights, with the
 *  reason), 503 unavailable (no archive configured, or it is down).
 */
#ifndef HL_DASHREPORT_H_INCLUDED
#define HL_DASHREPORT_H_INCLUDED

#include "hl_archive.h"
#include "hl_httpd.h"

//  Answer REQ from ARCHIVE (NULL: none configured); TZ_OFFSET_MIN is the
//  local time of the center's days.
void hl_dashreport_serve (hl_archive_t *archive, hl_httpd_req_t *req, int tz_offset_min);

#endif
