/*  hl_store: the ticket store, i.e. hotline's view of Redis.
 *
 *  Every write is one Redis Function call (daemon/hotline.lua), so a ticket
 *  is either stored whole, with its history entry and indexes, or not at
 *  all. The store loads that library on every (re)connect and reports
 *  itself ready only once Redis has accepted it.
 *
 *  Callbacks follow hl_redis's contract: a function that returns 0 calls
 *  its callback exactly once; one that returns -1 never does.
 */
#ifndef HL_STORE_H_INCLUDED
#define HL_STORE_H_INCLUDED

#include "hl_redis.h"
#include "hotline.pb-c.h"

#include <event2/event.h>
#include <stdint.h>

typedef struct hl_store hl_store_t;

typedef struct {
    hl_redis_opts_t redis;       //  connection, timeouts, backoff
    const char *city_prefix;     //  ticket number prefix, e.g. "YJ"
    int tz_offset_min;           //  local time for the date in ticket numbers
    int idempotency_ttl_s;       //  how long a request id is remembered
} hl_store_opts_t;

typedef enum {
    HL_STORE_NEW,        //  stored now
    HL_STORE_DUP,        //  the request id was seen: the original ticket
    HL_STORE_CONFLICT,   //  the request id was used for another request
    HL_STORE_LOST,       //  no confirmation (connection lost or timed out)
    HL_STORE_FAILED      //  Redis answered with an error
} hl_store_outcome_t;

#define HL_STORE_TICKET_MAX 48

typedef struct {
    hl_store_outcome_t outcome;
    char ticket[HL_STORE_TICKET_MAX];
    int state;                   //  Hotline__State
    uint64_t created_ms;
    char error[160];             //  for LOST and FAILED
} hl_store_result_t;

typedef void (hl_store_intake_fn) (const hl_store_result_t *result, void *arg);

//  VIEW is NULL if the ticket does not exist or the read failed (then
//  ERROR is set, else it is NULL). VIEW is valid only during the call.
typedef void (hl_store_view_fn) (const Hotline__TicketView *view, const char *error,
                                 void *arg);

hl_store_t *hl_store_new (struct event_base *base, const hl_store_opts_t *opts,
                          char *err, size_t errlen);
void hl_store_destroy (hl_store_t **self_p);

//  True when connected and the function library is loaded.
int hl_store_is_ready (const hl_store_t *self);

//  Requests sent to Redis and not yet answered.
size_t hl_store_pending (const hl_store_t *self);

//  Store a validated complaint. ACTOR is recorded in the history. NOW_MS
//  is a test clock value, or 0 to use Redis's clock.
int hl_store_intake (hl_store_t *self, const Hotline__Complaint *complaint,
                     const char *actor, uint64_t now_ms,
                     hl_store_intake_fn *fn, void *arg);

//  Read one ticket with its history.
int hl_store_ticket_get (hl_store_t *self, const char *ticket,
                         hl_store_view_fn *fn, void *arg);

//  The embedded function library (generated from hotline.lua).
extern const char hl_store_functions[];
extern const size_t hl_store_functions_len;

#endif
