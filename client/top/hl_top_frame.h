/*  hl_top_frame: one screen of `hotline top`.
 *
 *  Holds the latest figures read from hotlined's dashboard API and lays
 *  them out in a given number of terminal columns and rows: the summary,
 *  intake by channel and per minute, open tickets by state, deadlines
 *  overdue (督办) and at risk (催办) with the unit and the time over, and
 *  the leaderboard (争先排行榜) ordered by a chosen rate, every rate with
 *  its counts. Pure text in, text out: no terminal, no network, so it is
 *  tested on its own.
 */
#ifndef HL_TOP_FRAME_H_INCLUDED
#define HL_TOP_FRAME_H_INCLUDED

#include "hl_buf.h"

#include <stddef.h>

typedef struct hl_top_frame hl_top_frame_t;

//  The API documents a frame is made of, in the order they are read.
typedef enum {
    HL_TOP_SUMMARY = 0,          //  /api/summary
    HL_TOP_INTAKE,               //  /api/intake?minutes=60
    HL_TOP_WARNED,               //  /api/deadlines?level=warned
    HL_TOP_OVERDUE,              //  /api/deadlines?level=overdue
    HL_TOP_ESCALATED,            //  /api/deadlines?level=escalated
    HL_TOP_UNITS,                //  /api/units (today)
    HL_TOP_SOURCES
} hl_top_source_t;

hl_top_frame_t *hl_top_frame_new (void);
void hl_top_frame_destroy (hl_top_frame_t **self_p);

//  The API path of SOURCE.
const char *hl_top_frame_path (hl_top_source_t source);

//  Takes SOURCE's JSON. Returns 0, or -1 with a message in ERR if it is
//  not JSON of the expected shape (the previous figures are kept).
int hl_top_frame_set (hl_top_frame_t *self, hl_top_source_t source, const char *json,
                      size_t len, char *err, size_t errlen);

//  A problem to show on the status line (NULL or "" when all is well).
void hl_top_frame_set_status (hl_top_frame_t *self, const char *status);

//  The rate the leaderboard is ordered by; hl_top_frame_next_sort moves
//  to the next one (响应率, 解决率, 满意率, 及时签收率, 按时办结率, 回退率,
//  重办率, then round again).
void hl_top_frame_next_sort (hl_top_frame_t *self);
const char *hl_top_frame_sort_name (const hl_top_frame_t *self);

//  Seconds between refreshes, for the help line (0: a single frame).
void hl_top_frame_set_interval (hl_top_frame_t *self, int interval_ms);

//  Appends the frame to OUT: at most ROWS lines of at most COLS columns
//  each, every line ended by "\n".
void hl_top_frame_render (hl_top_frame_t *self, int cols, int rows, hl_buf_t *out);

#endif
