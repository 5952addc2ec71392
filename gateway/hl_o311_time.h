/*  hl_o311_time: datetimes as GeoReport v2 writes them.
 *
 *  The spec wants the W3C profile of ISO 8601 with a zone, always:
 *  "2026-12-04T09:30:00+08:00" or "...Z". The gateway writes local time
 *  with its offset (a hotline's citizens read their own clock) and reads
 *  any zone.
 */
#ifndef HL_O311_TIME_H_INCLUDED
#define HL_O311_TIME_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#define HL_O311_TIME_LEN 26              //  "YYYY-MM-DDTHH:MM:SS+HH:MM" + NUL

//  Parse TEXT: YYYY-MM-DDTHH:MM[:SS[.fraction]] followed by Z or ±HH:MM.
//  0 with Unix milliseconds in *MS, or -1 (no zone, bad field, out of
//  range).
int hl_o311_time_parse (const char *text, int64_t *ms);

//  Write MS as local time with its offset into OUT.
char *hl_o311_time_format (int64_t ms, char out[HL_O311_TIME_LEN]);

#endif
