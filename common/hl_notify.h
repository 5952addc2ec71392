/*  hl_notify: telling the service manager (systemd) how the daemon is.
 *
 *  The protocol of sd_notify(3), without libsystemd: one datagram of
 *  "KEY=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a
 *  name starting with '@' is in the abstract namespace). Without
 *  $NOTIFY_SOCKET (run by hand, by deploy/up, by the tests) every call is
 *  a no-op, so the daemon needs no mode of its own for systemd.
 *
 *  With $WATCHDOG_USEC set (and $WATCHDOG_PID, if set, naming this
 *  process) a timer on the caller's event loop sends WATCHDOG=1 at half
 *  that interval: a loop that stops turning stops the pings, and systemd
 *  kills and restarts the daemon.
 */
#ifndef HL_NOTIFY_H_INCLUDED
#define HL_NOTIFY_H_INCLUDED

#include <event2/event.h>
#include <stdint.h>

typedef struct hl_notify hl_notify_t;

//  Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID; with a watchdog
//  asked for, arm its timer on BASE. Never NULL (aborts on no memory).
hl_notify_t *hl_notify_new (struct event_base *base);
void hl_notify_destroy (hl_notify_t **self_p);

//  Send STATE, newline-separated assignments ("READY=1\nSTATUS=up").
//  0 if sent or if no service manager listens, -1 if the send failed.
int hl_notify_send (hl_notify_t *self, const char *state);

//  Send "STATUS=" followed by the formatted text (one line).
int hl_notify_status (hl_notify_t *self, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Send RELOADING=1 with the moment (MONOTONIC_USEC, which systemd 253
//  and later want for Type=notify-reload); READY=1 ends the reload.
int hl_notify_reloading (hl_notify_t *self);

//  The watchdog interval asked for, in microseconds; 0 if none.
int64_t hl_notify_watchdog_usec (const hl_notify_t *self);

#endif
