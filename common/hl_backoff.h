/*  hl_backoff: the pace of reconnecting, shared by every link that heals
 *  itself (hl_redis, hl_pg): the first retry after MIN ms, each next one
 *  twice as late, never later than MAX, and back to MIN once a connection
 *  works. A small value type: callers hold it in their own struct.
 */
#ifndef HL_BACKOFF_H_INCLUDED
#define HL_BACKOFF_H_INCLUDED

#include <sys/time.h>

typedef struct {
    int min_ms, max_ms;
    int next_ms;                //  the delay the next retry waits
} hl_backoff_t;

void hl_backoff_init (hl_backoff_t *self, int min_ms, int max_ms);

//  The delay for this retry in TV; the one after it doubles.
void hl_backoff_next (hl_backoff_t *self, struct timeval *tv);

//  A connection worked: start again from MIN.
void hl_backoff_reset (hl_backoff_t *self);

//  How often a watchdog checks a link whose commands time out after
//  TIMEOUT_MS: a quarter of it, at most every 100 ms.
void hl_backoff_watchdog_tick (int timeout_ms, struct timeval *tv);

#endif
