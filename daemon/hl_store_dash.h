/*  hl_store_dash: the store's reads for the dashboards.
 *
 *  The supervisor dashboard, /metrics and hotline top read figures that
 *  Functions of the library keep per bucket (counters, deadlines at risk)
 *  or for the whole store (the lists' sizes, the hotspot alerts). Each
 *  read is one typed call here: the Function's name, its named arguments,
 *  the reply's shape and the summing or merging over the 64 buckets live
 *  in this one file, so hl_http renders figures, not Redis replies.
 *
 *  Every read goes on the store's read connection (FCALL_RO). Callbacks
 *  follow hl_store's contract: a call that returns 0 calls its callback
 *  exactly once (OK 0 if some bucket, or the one call, gave no answer);
 *  one that returns -1 never does. What a callback is given is valid
 *  during the call only.
 */
#ifndef HL_STORE_DASH_H_INCLUDED
#define HL_STORE_DASH_H_INCLUDED

#include "hl_store.h"

#include <stddef.h>

#define HL_STORE_CHANNELS 6      //  phone, web, app, enterprise, sms, mailbox

//  Open tickets per open state (hl_lifecycle_open's order): N counts.
typedef void (hl_store_counts_fn) (int ok, const long long *counts, size_t n, void *arg);
int hl_store_dash_open (hl_store_t *self, hl_store_counts_fn *fn, void *arg);

//  Deadlines at risk over the buckets (warned, overdue, escalated) and the
//  intake of DAY (yyyymmdd) by channel.
typedef struct {
    long long level[3];
    long long intake[HL_STORE_CHANNELS];
} hl_store_at_risk_t;
typedef void (hl_store_at_risk_fn) (int ok, const hl_store_at_risk_t *sum, void *arg);
int hl_store_dash_at_risk (hl_store_t *self, const char *day, hl_store_at_risk_fn *fn,
                           void *arg);

//  One deadline at risk or past.
typedef struct {
    char ticket[48], milestone[16], status[16], unit[40];
    long long due;
    long long rank;              //  its list's order, across buckets
} hl_store_due_t;
typedef void (hl_store_due_fn) (int ok, const hl_store_due_t *rows, size_t n, void *arg);

//  The LIMIT most urgent deadlines of the warned list (OVERDUE 0) or the
//  overdue one (1), merged from every bucket, most urgent first.
int hl_store_dash_deadlines (hl_store_t *self, int overdue, size_t limit, hl_store_due_fn *fn,
                             void *arg);

//  Intake per minute over the last MINUTES before NOW_MS (digits), oldest
//  first: N rows of 1 + HL_STORE_CHANNELS numbers (the minute's start in
//  ms, then the count of each channel), summed over the buckets.
typedef void (hl_store_minutes_fn) (int ok, const long long *rows, size_t n, void *arg);
int hl_store_dash_minutes (hl_store_t *self, const char *now_ms, int minutes,
                           hl_store_minutes_fn *fn, void *arg);

//  The counters of DAYS ("yyyymmdd,yyyymmdd,..."): EACH gets every bucket's
//  "<unit>|<counter>" and value (the caller sums), then DONE once.
typedef void (hl_store_counter_fn) (const char *key, long long value, void *arg);
typedef void (hl_store_read_done_fn) (int ok, void *arg);
int hl_store_dash_units (hl_store_t *self, const char *days, hl_store_counter_fn *each,
                         hl_store_read_done_fn *done, void *arg);

//  The latest LIMIT hotspot alerts (JSON texts), newest first.
typedef void (hl_store_texts_fn) (int ok, const char *const *texts, size_t n, void *arg);
int hl_store_dash_hotspots (hl_store_t *self, int limit, hl_store_texts_fn *fn, void *arg);

#endif
