/*  hl_store_int: the store's generic Function calls, for the files of the
 *  store layer only (hl_store.c, hl_store_sched.c, hl_store_dash.c).
 *
 *  Every other part of hotline calls the store through its typed calls
 *  (hl_store.h, hl_store_sched.h, hl_store_dash.h), which name the
 *  Function, encode its named arguments and decode its answer in one
 *  place. These are what those typed calls are made of.
 */
#ifndef HL_STORE_INT_H_INCLUDED
#define HL_STORE_INT_H_INCLUDED

#include "hl_store.h"

//  Call a Function of the library directly: NAME with ARGC arguments.
//  FN gets the raw reply (NULL if none came). Same contract as the rest.
int hl_store_fcall (hl_store_t *self, const char *name, int argc, const char **argv,
                    const size_t *lens, hl_redis_reply_fn *fn, void *arg);
//  The same for a Function on one ticket: it declares the ticket's hash
//  (its one key) and is given named arguments ARGV.
int hl_store_fcall_ticket (hl_store_t *self, const char *name, const char *ticket, int argc,
                           const char **argv, hl_redis_reply_fn *fn, void *arg);
//  The same for a Function that declares one key KEY (a store-wide one).
int hl_store_fcall_key (hl_store_t *self, const char *name, const char *key, int argc,
                        const char **argv, hl_redis_reply_fn *fn, void *arg);
//  The same for a Function on one bucket: it declares the bucket's own key
//  of KIND, hl:{NN}:KIND ("timers", "lease"), and derives the bucket's
//  other keys from its tag.
int hl_store_fcall_bucket (hl_store_t *self, const char *name, int bucket, const char *kind,
                           int argc, const char **argv, hl_redis_reply_fn *fn, void *arg);

//  A read over every bucket: the read-only Function NAME is called once
//  per bucket, declaring that bucket's key of KIND, on the read connection.
//  EACH gets every answer that came (in any order); then DONE is called
//  once with how many buckets gave none (lost, timed out, an error). The
//  caller sums or merges the answers. 0, then DONE is called exactly once;
//  or -1 (nothing sent, neither is called).
typedef void (hl_store_bucket_fn) (int bucket, const redisReply *reply, void *arg);
typedef void (hl_store_buckets_done_fn) (int failed, void *arg);
int hl_store_fcall_buckets (hl_store_t *self, const char *name, const char *kind, int argc,
                            const char **argv, hl_store_bucket_fn *each,
                            hl_store_buckets_done_fn *done, void *arg);


//  The same for a Function that only reads (dashboard figures): it goes
//  on the read connections, behind other reads and never behind writes.
//  KEY is the one key it declares, NULL for one that reads the global
//  lists (it goes where they are).
int hl_store_fcall_read (hl_store_t *self, const char *name, const char *key, int argc,
                         const char **argv, const size_t *lens, hl_redis_reply_fn *fn,
                         void *arg);

//  The latest hotspot alerts (hl_hotspot_record, hl_dash_hotspots): the
//  one key both declare, so that a Redis Cluster runs them where it is.
#define HL_STORE_HOTSPOTS_KEY "hl:hotspots"

#endif
