/*  hl_teststore: a ticket store on a bare Redis, for the unit tests of the
 *  daemon's classes that need a real one (hl_tickets, hl_store_sched,
 *  hl_store_dash, ...): the Redis started on a free port, the store made
 *  on the test's event base, waited for, and both stopped at the end.
 */
#ifndef HL_TESTSTORE_H_INCLUDED
#define HL_TESTSTORE_H_INCLUDED

#include "hl_store.h"

#include <event2/event.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;                   //  the Redis (hl_proc_stop'ed at the end)
    int port;
    char address[32];
    hl_store_t *store;
} hl_teststore_t;

//  A bare Redis and a store on it, on BASE, not yet ready. 0, or -1 (the
//  reason on stderr; nothing left running).
int hl_teststore_start (hl_teststore_t *ts, struct event_base *base);

//  Runs BASE until the store is ready, 10 s at most: whether it is.
int hl_teststore_ready (hl_teststore_t *ts, struct event_base *base);

//  The integer answer of the command FMT (one %s: ARG) on the test's Redis,
//  through a connection of its own; -1 if none came.
long long hl_teststore_int (const hl_teststore_t *ts, const char *fmt, const char *arg);

//  Runs BASE until *CALLS changes (the callback of the call that returned
//  RC has run), 20 s at most. 0; RC if it was not 0; -1 if no answer.
int hl_teststore_wait (struct event_base *base, const int *calls, int rc);

//  A web complaint under request id RID (a street light out), dispatched
//  to rsj at NOW_MS with a sign reminder at +1 s and its deadline at +2 s:
//  C and D for hl_store_intake (RID must outlive them).
void hl_teststore_complaint (Hotline__Complaint *c, hl_store_disposition_t *d, const char *rid,
                             int64_t now_ms);

//  The store destroyed, the Redis stopped.
void hl_teststore_stop (hl_teststore_t *ts);

#endif
