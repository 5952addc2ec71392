/*  Unit test of the idempotency records (daemon/hotline.lua, "Idempotency
 *  records": hl_intake's hashes per bucket, period and group) against a
 *  real Redis, through hl_intake itself: a retry in the same period, and
 *  in the next one, gets the same ticket; a third period forgets it; a
 *  request's record of layout 7 (a key of its own) is still honoured; a
 *  period's group count follows the records of the period before (a
 *  bucket's first, yesterday's tickets), whose
 *  hashes are given their expiry (the end of the new period) by its first
 *  record. */
#include "hl_test.h"
#include "hl_teststore.h"

#include <hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static redisContext *s_rc;
static struct event_base *s_base;
static hl_teststore_t s_ts;

//  A store on a bare Redis (its library loaded), and a connection to it.
static int
s_up (void)
{
    s_base = event_base_new ();
    if (hl_teststore_start (&s_ts, s_base) != 0 || !hl_teststore_ready (&s_ts, s_base)) {
        HL_CHECK (!"no store");
        return -1;
    }
    s_rc = redisConnect ("127.0.0.1", s_ts.port);
    return 0;
}

static void
s_down (void)
{
    if (s_rc)
        redisFree (s_rc);
    s_rc = NULL;
    hl_teststore_stop (&s_ts);
    event_base_free (s_base);
}

//  hl_intake of request RID (channel web) in bucket BUCKET with window
//  TTL (s) and fingerprint FP: the outcome into OUTCOME and the ticket
//  into TICKET (64 bytes each).
static void
s_intake (const char *bucket, const char *rid, const char *fp, const char *ttl,
          char *outcome, char *ticket)
{
    char key[96];
    snprintf (key, sizeof key, "hl:{%s}:idem:web:%s", bucket, rid);
    redisReply *r = redisCommand (s_rc, "FCALL hl_intake 1 %s channel web fingerprint %s "
                                  "prefix T tz_offset_min 480 idem_ttl_s %s actor agent:a1 "
                                  "state to_dispatch fields content x", key, fp, ttl);
    outcome[0] = ticket[0] = 0;
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        if (!strcmp (r->element[i]->str, "outcome"))
            snprintf (outcome, 64, "%s", r->element[i + 1]->str);
        if (!strcmp (r->element[i]->str, "ticket"))
            snprintf (ticket, 64, "%s", r->element[i + 1]->str);
    }
    if (!r || r->type != REDIS_REPLY_ARRAY)
        fprintf (stderr, "hl_intake: %s\n", r && r->str ? r->str : "no answer");
    freeReplyObject (r);
}

static long long
s_int (const char *fmt, const char *arg)
{
    redisReply *r = redisCommand (s_rc, fmt, arg);
    long long v = !r ? -1 : r->type == REDIS_REPLY_INTEGER ? r->integer
                : r->type == REDIS_REPLY_STRING ? atoll (r->str) : -1;
    freeReplyObject (r);
    return v;
}

//  Redis's clock in whole seconds.
static long long
s_now_s (void)
{
    redisReply *r = redisCommand (s_rc, "TIME");
    long long v = r && r->type == REDIS_REPLY_ARRAY ? atoll (r->element[0]->str) : -1;
    freeReplyObject (r);
    return v;
}

//  Waits (Redis's clock, 10 s at most) for the period of TTL seconds after PERIOD.
static long long
s_next_period (long long period, long long ttl)
{
    for (int waited = 0; s_now_s () / ttl == period && waited < 10000; waited += 50)
        usleep (50 * 1000);
    return s_now_s () / ttl;
}

static void
test_window (void)
{
    if (s_up () != 0)
        return;
    char outcome[64], first[64], ticket[64], rid[16] = "r0";
    //  Periods of 3 s: a request whose record was written within one
    //  (Redis's clock in the same period before and after the call).
    long long period = -1, after = 0;
    for (int n = 1; period != after && n < 5; n++) {
        snprintf (rid, sizeof rid, "r%d", n);
        period = s_now_s () / 3;
        s_intake ("05", rid, "fp1", "3", outcome, first);
        after = s_now_s () / 3;
    }
    HL_CHECK_STR (outcome, "new");
    s_intake ("05", rid, "fp1", "3", outcome, ticket);
    HL_CHECK_STR (outcome, "dup");
    HL_CHECK_STR (ticket, first);
    s_intake ("05", rid, "fp2", "3", outcome, ticket);
    HL_CHECK_STR (outcome, "conflict");
    HL_CHECK_STR (ticket, first);
    char old[64];
    snprintf (old, sizeof old, "hl:{05}:idem:web:%s", rid);
    HL_CHECK (s_int ("EXISTS %s", old) == 0);                    //  no key a request

    //  The next period still knows it; its first record gives the period
    //  before's hashes their expiry. The period after forgets it.
    period = s_next_period (period, 3);
    s_intake ("05", rid, "fp1", "3", outcome, ticket);
    HL_CHECK_STR (outcome, "dup");
    HL_CHECK_STR (ticket, first);
    char group[64];
    snprintf (group, sizeof group, "hl:{05}:rid:%lld:0", period - 1);
    HL_CHECK (s_int ("TTL %s", group) == -1);
    s_intake ("05", "next-1", "fp1", "3", outcome, ticket);
    HL_CHECK_STR (outcome, "new");
    long long left = s_int ("TTL %s", group);
    HL_CHECK (left >= 0 && left <= 3);
    s_next_period (period, 3);
    s_intake ("05", rid, "fp1", "3", outcome, ticket);
    HL_CHECK_STR (outcome, "new");
    HL_CHECK (strcmp (ticket, first) != 0);
    s_down ();
}

static void
test_layout7_record (void)
{
    if (s_up () != 0)
        return;
    char outcome[64], ticket[64];
    redisReply *r = redisCommand (s_rc, "SET hl:{06}:idem:web:old-1 T2026120506001|fpold EX 600");
    freeReplyObject (r);
    s_intake ("06", "old-1", "fpold", "600", outcome, ticket);
    HL_CHECK_STR (outcome, "dup");
    HL_CHECK_STR (ticket, "T2026120506001");
    s_intake ("06", "old-1", "other", "600", outcome, ticket);
    HL_CHECK_STR (outcome, "conflict");
    s_down ();
}

static void
test_groups (void)
{
    if (s_up () != 0)
        return;
    //  A window of ~11.6 days: no period starts during the test.
    const long long ttl = 1000000;
    long long period = s_now_s () / ttl;
    char key[64], field[32], outcome[64], ticket[64];
    //  The period before held 200 records in one group.
    snprintf (key, sizeof key, "hl:{07}:rid:%lld:0", period - 1);
    for (int i = 0; i < 200; i++) {
        snprintf (field, sizeof field, "web:past-%d", i);
        redisReply *r = redisCommand (s_rc, "HSET %s %s T1|fp", key, field);
        freeReplyObject (r);
    }
    redisReply *r = redisCommand (s_rc, "HSET hl:{07}:rid g:%lld 1 g:%lld 1", period - 1,
                                  period - 2);
    freeReplyObject (r);
    char older[64];
    snprintf (older, sizeof older, "hl:{07}:rid:%lld:0", period - 2);
    r = redisCommand (s_rc, "HSET %s web:older T0|fp", older);
    freeReplyObject (r);
    s_intake ("07", "n1", "fp1", "1000000", outcome, ticket);
    HL_CHECK_STR (outcome, "new");
    char g[32];
    snprintf (g, sizeof g, "g:%lld", period);
    HL_CHECK (s_int ("HGET hl:{07}:rid %s", g) == 4);        //  200 records, 64 a group
    snprintf (g, sizeof g, "g:%lld", period - 2);
    HL_CHECK (s_int ("HEXISTS hl:{07}:rid %s", g) == 0);
    //  The period before's records are still read.
    s_intake ("07", "past-7", "fp", "1000000", outcome, ticket);
    HL_CHECK_STR (outcome, "dup");
    HL_CHECK_STR (ticket, "T1");
    //  The record is in one of the period's 4 groups, which have no expiry
    //  yet; the period before's expire at the end of this one, and the one
    //  before that is gone.
    long long held = 0, ttl_left = 0;
    for (int i = 0; i < 4; i++) {
        snprintf (key, sizeof key, "hl:{07}:rid:%lld:%d", period, i);
        if (s_int ("HEXISTS %s web:n1", key) == 1) {
            held++;
            ttl_left = s_int ("TTL %s", key);
        }
    }
    HL_CHECK (held == 1 && ttl_left == -1);
    snprintf (key, sizeof key, "hl:{07}:rid:%lld:0", period - 1);
    ttl_left = s_int ("TTL %s", key);
    HL_CHECK (ttl_left > 0 && ttl_left <= ttl);
    HL_CHECK (s_int ("EXISTS %s", older) == 0);
    s_down ();
}

//  A bucket's first period counts on yesterday's tickets each day.
static void
test_first_period (void)
{
    if (s_up () != 0)
        return;
    const long long ttl = 1000000;           //  11.57 days
    long long now = s_now_s (), period = now / ttl;
    time_t yesterday = (time_t) (((now + 480 * 60) / 86400 - 1) * 86400);
    struct tm tm;
    gmtime_r (&yesterday, &tm);
    char key[64], outcome[64], ticket[64], g[32];
    strftime (key, sizeof key, "hl:{08}:seq:%Y%m%d", &tm);
    redisReply *r = redisCommand (s_rc, "SET %s 1000", key);
    freeReplyObject (r);
    s_intake ("08", "f1", "fp1", "1000000", outcome, ticket);
    HL_CHECK_STR (outcome, "new");
    snprintf (g, sizeof g, "g:%lld", period);
    HL_CHECK (s_int ("HGET hl:{08}:rid %s", g) == 256);     //  11,574 records, 64 a group
    s_down ();
}

static const hl_test_case_t s_cases[] = {
    { "window", test_window }, { "layout7_record", test_layout7_record },
    { "groups", test_groups }, { "first_period", test_first_period }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
