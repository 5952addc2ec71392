/*  hl_kbserve: knowledge-base searches for an event-driven daemon.

    hotlined's event loop must never wait for Xapian: a search over a large
    index takes milliseconds, and intake acknowledgements would queue up
    behind it. hl_kbserve runs searches on a pool of threads, each with its
    own reader (Xapian objects are not thread-safe), and calls back on the
    loop thread with the results.

    - Freshness: each thread moves its reader to the latest commit before
      every search (when nothing changed, Xapian only checks the index's
      version file), so articles
      indexed by `hotline-kb index` are searched from the next query on,
      without a restart. The index need not exist when the service starts:
      a thread opens it at its first search, and opens it anew if it was
      replaced.
    - Bound: at most queue_max searches wait for a thread; beyond that
      hl_kbserve_search refuses at once (HL_KBSERVE_FULL) instead of
      letting a backlog grow while callers hang up.
    - Completions reach the loop through hl_kbloop (a pipe and a read
      event; see hl_kbloop.h for why not event_active).

    Every function is called on the loop thread of the event_base given to
    hl_kbserve_new; callbacks run there too.
*/
#ifndef HL_KBSERVE_H_INCLUDED
#define HL_KBSERVE_H_INCLUDED

#include "hl_xapian.h"

#include <stddef.h>

struct event_base;

typedef struct hl_kbserve hl_kbserve_t;

typedef struct {
    const char *path;               //  the articles index (required)
    size_t threads;                 //  search threads; 0: 2
    size_t queue_max;               //  searches waiting for a thread; 0: 256
} hl_kbserve_opts_t;

//  Return codes of hl_kbserve_search besides 0 (see hl_kbserve_strerror).
#define HL_KBSERVE_INVALID  -1      //  query empty or too long
#define HL_KBSERVE_FULL     -2      //  queue_max searches already waiting
#define HL_KBSERVE_STOPPED  -3      //  the service is being destroyed

//  Longest query accepted, in bytes.
#define HL_KBSERVE_QUERY_MAX 1024

//  Called on the loop thread with the results (ERROR NULL), or with
//  RESULTS NULL and a message. RESULTS belong to the service and are only
//  valid during the call.
typedef void (hl_kbserve_search_fn) (const hl_kb_results_t *results,
                                     const char *error, void *arg);

//  Start the search threads. Fails on bad options or when threads cannot
//  be started, with a message in ERR.
hl_kbserve_t *
    hl_kbserve_new (struct event_base *base, const hl_kbserve_opts_t *opts,
                    char *err, size_t errlen);

//  Stop and join the threads, and null the pointer. Every search accepted
//  and not yet answered is answered now, with an error, exactly once
//  (searches refused by hl_kbserve_search are never answered). Do not call
//  from one of this service's callbacks.
void
    hl_kbserve_destroy (hl_kbserve_t **self_p);

//  Search for QUERY with FILTERS (may be NULL; strings are copied). On 0,
//  FN (results, error, ARG) will be called exactly once, on the loop
//  thread, never from within this call. On a negative code FN is never
//  called.
int
    hl_kbserve_search (hl_kbserve_t *self, const char *query,
                       const hl_kb_query_t *filters, hl_kbserve_search_fn *fn,
                       void *arg);

//  Searches accepted and not yet answered.
size_t
    hl_kbserve_pending (hl_kbserve_t *self);

//  What a return code of hl_kbserve_search means, for logs and replies.
const char *
    hl_kbserve_strerror (int rc);

#endif
