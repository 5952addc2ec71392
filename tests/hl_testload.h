/*  hl_testload: a load through hotlined (bench/hl_load) and the checks the
 *  failover tests make of it afterwards: every acknowledged request's
 *  ticket is there with its complaint and history, and no number was
 *  acknowledged for two requests.
 */
#ifndef HL_TESTLOAD_H_INCLUDED
#define HL_TESTLOAD_H_INCLUDED

#include "hl_load.h"
#include "hl_testenv.h"

typedef struct {
    hl_load_opts_t opts;
    hl_load_result_t result;
} hl_testload_t;

//  TOTAL complaints to ENDPOINT at RATE a second from 4 clients, resent
//  after a second without an answer, request ids RUN_ID-i (RUN_ID and
//  ENDPOINT must outlive the load).
void hl_testload_opts (hl_testload_t *load, const char *endpoint, long total, double rate,
                       const char *run_id);

//  Acknowledged requests whose ticket, as hotlined shows it, is not
//  there, or not with its complaint's request id and a history entry.
long hl_testload_missing (hl_testenv_t *env, const hl_testload_t *load);

//  Acknowledged numbers that name two requests.
long hl_testload_reissued (const hl_testload_t *load);

//  Acknowledged tickets hotlined shows as dispatched that wait in no
//  worker stream (hl:q:{unit}) on the masters among the N servers NODES
//  (replicas and NULLs are skipped): with no worker connected, every
//  dispatched ticket must be queued for its unit. *DISPATCHED gets how
//  many were dispatched.
struct redisContext;
long hl_testload_unqueued (hl_testenv_t *env, const hl_testload_t *load,
                           struct redisContext *const *nodes, size_t n, long *dispatched);

#endif
