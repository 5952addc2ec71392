/*  hl_load: an intake load generator, shared by bench/intake and the
 *  crash tests.
 *
 *  CLIENTS DEALER sockets, each keeping up to WINDOW complaints in flight,
 *  send TOTAL complaints, as fast as possible or at a fixed offered RATE.
 *  Request i carries the request id "<run_id>-<i>" and keeps it across
 *  resends, so a resend after a lost reply (daemon killed, Redis down)
 *  can never create a second ticket. Latency is measured from the moment
 *  a request was due (its scheduled time at a fixed rate), so a stall is
 *  charged to the requests it delayed.
 */
#ifndef HL_LOAD_H_INCLUDED
#define HL_LOAD_H_INCLUDED

#include "hl_curve.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *endpoint;
    int clients;              //  DEALER sockets
    int window;               //  requests in flight per socket
    long total;               //  requests to complete
    double rate;              //  offered requests/s in all; 0 = unlimited
    int batch;                //  unlimited rate: new requests leave once this
                              //  many slots are free in all (0, 1: at once)
    int resend_ms;            //  resend a request unanswered this long
    int deadline_ms;          //  stop after this long in any case
    const char *run_id;       //  request id prefix, unique per run
    int preencode;            //  encode every request before the run starts
                              //  (a bench's: setting up then takes ~1 s per
                              //  100,000 requests, which a test's timing would
                              //  not expect)
    const hl_curve_client_t *keys;  //  CURVE keys, or NULL
} hl_load_opts_t;

typedef struct {
    long acked;               //  requests acknowledged
    long refused;             //  final (non-retryable) refusals
    long resends;             //  resends after timeouts or retryable nacks
    long duplicates;          //  acks flagged as replays of a stored request
    double elapsed_s;
    double *latency_us;       //  per acknowledged request, sorted
    size_t n_latency;
    char (*tickets)[48];      //  ticket of request i ("" if none)
    int64_t *due_us;          //  when request i was due (monotonic clock)
    int64_t *acked_us;        //  when request i was acknowledged (0: never)
    long total;
} hl_load_result_t;

void hl_load_opts_default (hl_load_opts_t *opts);

//  Run the load. 0, or -1 if the sockets could not be set up.
int hl_load_run (const hl_load_opts_t *opts, hl_load_result_t *result);

void hl_load_result_free (hl_load_result_t *result);

//  The same load in a thread of its own, for tests and benchmarks that
//  kill or stop things meanwhile. OPTS (and what it points to) and RESULT
//  must outlive the thread; RESULT is complete once hl_load_join returns.
typedef struct hl_load_thread hl_load_thread_t;
hl_load_thread_t *hl_load_start (const hl_load_opts_t *opts, hl_load_result_t *result);
//  True once the load has ended.
int hl_load_ended (const hl_load_thread_t *self);
//  Wait for the load to end, and free the thread's object.
void hl_load_join (hl_load_thread_t **self_p);

//  The P-th percentile (0..100) of the sorted latencies, in microseconds.
double hl_load_percentile (const hl_load_result_t *result, double p);

//  Fill the complaint body of request I (deterministic, varied Chinese
//  text, valid codes of deploy/etc/codes.conf) and pack it as an
//  envelope into OUT; returns the packed length, or 0 if OUT is too small.
size_t hl_load_pack_request (const char *run_id, long i, uint8_t *out, size_t outlen);

//  Redis's used_memory (INFO memory) through RC; -1 if it did not say.
struct redisContext;
long long hl_load_used_memory (struct redisContext *rc);

//  Waits until every bucket's outbox (hl:{NN}:out) at REDIS ("host:port",
//  or a Redis Cluster's nodes comma-separated) is empty, i.e. hotlined's groups applied and trimmed what the run
//  appended, or WAIT_MS passed. Returns the entries left (-1: no Redis).
//  A run's figures include the effects it caused; without this, one
//  phase's backlog would be charged to the next.
long long hl_load_outbox_settle (const char *redis, int wait_ms);

#endif
