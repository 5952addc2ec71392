/*  hl_similar: similar tickets (并单 suggestions) and hotspots (热点).

    Every incoming ticket's text is indexed in a Xapian database of its
    own. Agents ask for the open tickets like a given ticket or a text
    being typed, in the same area and category within a time window; when
    enough similar tickets arrive in one area within a window, a hotspot
    is reported so that the unit's leaders are alerted.

    Threading: one thread owns the database (the single writer) and runs
    every operation in the order it was queued, so a search sees every
    ticket indexed before it, committed or not. hl_similar_index and
    hl_similar_forget only queue (they never wait for Xapian); changes are
    committed in batches: after batch_docs changes or batch_ms after the
    first uncommitted one, whichever comes first. Searches and hotspots are
    answered on the loop thread of the event_base given to hl_similar_new,
    through hl_kbloop. Every function is called on that loop thread.

    Similarity (see hl_kb_tickets_similar in hl_xapian.h): the share, from
    0 to 1, of the text's distinctive content - its rarest character pairs
    and Latin words or numbers, each weighted by rarity - found in the
    other ticket. Tickets at or above min_score (default 0.3) are similar.

    Hotspots: after indexing a ticket, the tickets similar to it in the
    same area created within hotspot_window_ms before it are counted, with
    itself, open or forgotten alike. If one of them already belongs to a
    hotspot, the new ticket joins that hotspot (a "joined" event);
    otherwise, when the count reaches hotspot_min, a hotspot is raised
    (one "raised" event listing every member), led by its earliest
    ticket. Membership is stored with the tickets, so a burst raises one
    alert, also across restarts and replays.
*/
#ifndef HL_SIMILAR_H_INCLUDED
#define HL_SIMILAR_H_INCLUDED

#include "hl_xapian.h"

#include <stddef.h>
#include <stdint.h>

struct event_base;

typedef struct hl_similar hl_similar_t;

//  A hotspot event. Strings belong to the service, valid during the call.
typedef struct {
    int raised;                     //  1: a new hotspot, alert; 0: TICKET joined one
    const char *area;
    const char *category;           //  the category of TICKET ("" if none)
    const char *ticket;             //  the ticket just indexed
    const char *lead;               //  the hotspot's first ticket, its identity
    const char *const *tickets;     //  raised: every member, oldest first;
    size_t tickets_size;            //  joined: TICKET alone
} hl_similar_hotspot_t;

typedef void (hl_similar_hotspot_fn) (const hl_similar_hotspot_t *hotspot, void *arg);

//  Called on the loop thread when a queued change could not be written.
typedef void (hl_similar_error_fn) (const char *error, void *arg);

//  Called on the loop thread with the similar tickets, most similar first
//  (ERROR NULL), or with RESULTS NULL and a message. RESULTS belong to
//  the service and are valid only during the call.
typedef void (hl_similar_find_fn) (const hl_kb_similar_t *results,
                                   const char *error, void *arg);

typedef struct {
    const char *path;               //  the ticket index (required)
    size_t queue_max;               //  operations waiting; 0: 10000
    size_t batch_docs;              //  commit after this many changes; 0: 200
    int batch_ms;                   //  ... or this long after the first; 0: 500
    double min_score;               //  least similarity; 0: HL_KB_SIMILAR_MIN
    size_t hotspot_min;             //  tickets making a hotspot; 0: 3
    int64_t hotspot_window_ms;      //  ... arriving within; 0: 24 hours
    hl_similar_hotspot_fn *hotspot_fn;  //  or NULL
    void *hotspot_arg;
    hl_similar_error_fn *error_fn;  //  or NULL
    void *error_arg;
} hl_similar_opts_t;

//  Return codes besides 0 (see hl_similar_strerror).
#define HL_SIMILAR_INVALID  -1      //  missing or oversized argument
#define HL_SIMILAR_FULL     -2      //  queue_max operations already waiting
#define HL_SIMILAR_STOPPED  -3      //  the service is being destroyed

//  Longest ticket text indexed or searched, in bytes.
#define HL_SIMILAR_TEXT_MAX 65536

//  Open (or create) the index and start its thread. Waits for the open,
//  so that a locked or unreadable index is reported here, in ERR.
hl_similar_t *
    hl_similar_new (struct event_base *base, const hl_similar_opts_t *opts,
                    char *err, size_t errlen);

//  Write and commit every queued change, stop the thread and null the
//  pointer. Searches not yet answered are answered now with an error,
//  exactly once; hotspots found while finishing are still reported. Do
//  not call from one of this service's callbacks.
void
    hl_similar_destroy (hl_similar_t **self_p);

//  The same, in bounded time: after BUDGET_MS (negative: no bound) the
//  changes still queued are written to a journal in the index directory
//  instead, and the next hl_similar_new on that index queues them again.
//  Returns how many were journaled.
size_t
    hl_similar_destroy_within (hl_similar_t **self_p, int budget_ms);

//  Queue TICKET for indexing (or re-indexing: a replay changes nothing).
//  Returns at once; CATEGORY may be NULL.
int
    hl_similar_index (hl_similar_t *self, const char *ticket, const char *text,
                      const char *area, const char *category, int64_t created_ms);

//  Queue: TICKET closed or was merged; it is no longer suggested.
int
    hl_similar_forget (hl_similar_t *self, const char *ticket);

//  Find open tickets similar to stored TICKET (left out of the answer) or,
//  if TICKET is NULL, to TEXT, in AREA and CATEGORY (NULL: any), created
//  at or after SINCE_MS; at most LIMIT (0: 10). On 0, FN is called exactly
//  once on the loop thread; on a negative code never.
int
    hl_similar_find (hl_similar_t *self, const char *ticket, const char *text,
                     const char *area, const char *category, int64_t since_ms,
                     size_t limit, hl_similar_find_fn *fn, void *arg);

//  Operations queued and not yet done.
size_t
    hl_similar_queued (hl_similar_t *self);

//  What a return code means, for logs and replies.
const char *
    hl_similar_strerror (int rc);

#endif
