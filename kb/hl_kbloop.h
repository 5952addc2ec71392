/*  hl_kbloop: calls made from worker threads, run on the libevent loop
    thread.

    The knowledge-base services do their Xapian work on threads of their
    own and must hand each answer back to the daemon's event loop, which
    owns every socket and every request. A worker posts a call (function
    and argument); the loop thread runs it soon after, in posting order.

    How: a list protected by a mutex, and a non-blocking pipe watched by a
    persistent read event. A post writes one byte to the pipe only when it
    finds the list empty, so the pipe never fills; the loop drains the pipe
    before taking the whole list, so no wake-up is lost. A pipe works with
    any event_base: event_active from another thread would need
    evthread_use_pthreads before the daemon creates its base, and would
    make libevent take a lock on every event operation of the whole
    daemon, for the sake of these few cross-thread wake-ups.
*/
#ifndef HL_KBLOOP_H_INCLUDED
#define HL_KBLOOP_H_INCLUDED

#include <stddef.h>

struct event_base;

typedef struct hl_kbloop hl_kbloop_t;

//  A posted call.
typedef void (hl_kbloop_fn) (void *arg);

//  Create a poster for BASE. Call on the loop thread.
hl_kbloop_t *
    hl_kbloop_new (struct event_base *base, char *err, size_t errlen);

//  Stop watching and null the pointer; calls still pending are run first,
//  on the calling thread (the loop thread), so each posted call runs
//  exactly once. No thread may post any more.
void
    hl_kbloop_destroy (hl_kbloop_t **self_p);

//  Have FN (ARG) run on the loop thread. Any thread; never blocks for
//  long (a mutex and, at most, a one-byte write).
void
    hl_kbloop_post (hl_kbloop_t *self, hl_kbloop_fn *fn, void *arg);

//  Run every call pending now, on the calling thread (the loop thread).
void
    hl_kbloop_flush (hl_kbloop_t *self);

#endif
