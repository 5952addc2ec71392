/*  hl_backoff: reconnect pacing. See hl_backoff.h. */
#include "hl_backoff.h"

void
hl_backoff_init (hl_backoff_t *self, int min_ms, int max_ms)
{
    self->min_ms = min_ms;
    self->max_ms = max_ms < min_ms ? min_ms : max_ms;
    self->next_ms = min_ms;
}

void
hl_backoff_next (hl_backoff_t *self, struct timeval *tv)
{
    tv->tv_sec = self->next_ms / 1000;
    tv->tv_usec = (self->next_ms % 1000) * 1000;
    self->next_ms = self->next_ms > self->max_ms / 2 ? self->max_ms : self->next_ms * 2;
}

void
hl_backoff_reset (hl_backoff_t *self)
{
    self->next_ms = self->min_ms;
}

void
hl_backoff_watchdog_tick (int timeout_ms, struct timeval *tv)
{
    int tick_ms = timeout_ms / 4 < 100 ? timeout_ms / 4 + 1 : 100;
    tv->tv_sec = 0;
    tv->tv_usec = tick_ms * 1000;
}
