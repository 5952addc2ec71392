/*  hl_o311_keys: the API keys of the Open311 gateway and their rate
 *  limits.
 *
 *  GeoReport v2 asks for an api_key on POST requests. Each key is issued
 *  to one client (a city app, a web portal) and names the hotline channel
 *  its requests come in on and how fast it may post. The key file holds
 *  secrets, so it must be mode 0600 (hl_secret_read_file); one key a line:
 *
 *      # NAME      KEY (16-128 of A-Z a-z 0-9 - _)   CHANNEL  PER_MINUTE  BURST
 *      city-app    Yj7hT2...                          app      120         20
 *      portal      c0ffee...                          web      60          10
 *
 *  A key's limit is a token bucket: BURST requests at once, refilled at
 *  PER_MINUTE a minute. Keys are compared in constant time, all of them
 *  every time, so a client learns nothing from how long a refusal took.
 */
#ifndef HL_O311_KEYS_H_INCLUDED
#define HL_O311_KEYS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef struct hl_o311_keys hl_o311_keys_t;

//  A token bucket: BURST requests at once, refilled at PER_MINUTE a
//  minute. A value type; zero TOKENS and AT_US with hl_o311_bucket_init.
typedef struct {
    double per_minute, burst;
    double tokens;
    int64_t at_us;               //  when TOKENS was last brought up to date (0: never)
} hl_o311_bucket_t;

void hl_o311_bucket_init (hl_o311_bucket_t *bucket, double per_minute, double burst);

//  Take one request at NOW_US (monotonic). 1 if allowed; 0 if over the
//  limit, with the seconds until the next is allowed in *RETRY_S.
int hl_o311_bucket_take (hl_o311_bucket_t *bucket, int64_t now_us, double *retry_s);

typedef struct {
    const char *name;            //  for logs and idempotency, never the key itself
    int channel;                 //  Hotline__Channel: web or app
    double per_minute;
    double burst;
} hl_o311_key_t;

//  Read the key file PATH. NULL with the reason in ERR.
hl_o311_keys_t *hl_o311_keys_load (const char *path, char *err, size_t errlen);
//  Parse TEXT (tests).
hl_o311_keys_t *hl_o311_keys_parse (const char *name, const char *text, char *err,
                                    size_t errlen);
void hl_o311_keys_destroy (hl_o311_keys_t **self_p);

//  The index of the key GIVEN, or -1 if it is not a key.
int hl_o311_keys_find (const hl_o311_keys_t *self, const char *given);
const hl_o311_key_t *hl_o311_keys_at (const hl_o311_keys_t *self, int i);

//  Take one request from key I's bucket at NOW_US (monotonic). 1 if
//  allowed; 0 if over the limit, with the seconds until the next request
//  is allowed in *RETRY_S.
int hl_o311_keys_take (hl_o311_keys_t *self, int i, int64_t now_us, double *retry_s);

//  Carry the buckets of keys with the same name over from OLD (a reload
//  must not give every client a fresh burst).
void hl_o311_keys_inherit (hl_o311_keys_t *self, const hl_o311_keys_t *old);

#endif
