/*  Unit test of hl_ixmoves and the Function it calls, hl_index_apply, on a
 *  real redis-server: the calls a flush makes (one of every move, or one
 *  per slot), a member's last move in a key winning, the same rows applied
 *  twice ending where once does, and bad rows refused with a reason and
 *  nothing written.
 */
#include "hl_ixmoves.h"
#include "hl_rslot.h"
#include "hl_teststore.h"
#include "hl_test.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

#define S_A "hl:{ix}:state:signed"
#define S_B "hl:{ix}:state:replied"
#define S_U "hl:{07}:unit:rsj"

//  The calls a flush made, each its arguments joined by spaces.
typedef struct {
    int calls;
    char text[4][512];
    int argc[4];
    const char *fail_at;         //  a call whose first key is this fails
} s_calls_t;

static int
s_record (int argc, const char **argv, void *arg)
{
    s_calls_t *c = arg;
    if (c->calls < 4) {
        char *t = c->text[c->calls];
        for (int i = 0; i < argc; i++)
            snprintf (t + strlen (t), sizeof c->text[0] - strlen (t), "%s%s", i ? " " : "",
                      argv[i]);
        c->argc[c->calls] = argc;
    }
    c->calls++;
    return c->fail_at && argc > 3 && strcmp (argv[3], c->fail_at) == 0 ? -1 : 0;
}

//  T1 into S_A and its unit's list, then from S_A to S_B.
static void
s_some (hl_ixmoves_t *m)
{
    hl_ixmoves_add (m, S_A, "100", "T1");
    hl_ixmoves_add (m, S_U, "100", "T1");
    hl_ixmoves_add (m, S_A, NULL, "T1");
    hl_ixmoves_add (m, S_B, "100", "T1");
}

static void
test_calls (void)
{
    hl_ixmoves_t *m = hl_ixmoves_new ();
    s_calls_t c = { 0 };
    HL_CHECK (hl_ixmoves_flush (m, 1, s_record, &c) == 0 && c.calls == 0);    //  nothing
    s_some (m);
    HL_CHECK (hl_ixmoves_size (m) == 4);
    HL_CHECK (hl_ixmoves_flush (m, 0, s_record, &c) == 0 && c.calls == 1);
    HL_CHECK (hl_ixmoves_size (m) == 0);
    //  Keys by slot then name, each key's moves in the order they came.
    int ix_first = hl_rslot_keyslot (S_A, strlen (S_A)) < hl_rslot_keyslot (S_U, strlen (S_U));
    char want[512];
    snprintf (want, sizeof want, "FCALL hl_index_apply 3 %s columns key op score member %s",
              ix_first ? S_B " " S_A " " S_U : S_U " " S_B " " S_A,
              ix_first ? "1 ZADD 100 T1 2 ZADD 100 T1 2 ZREM  T1 3 ZADD 100 T1"
                       : "1 ZADD 100 T1 2 ZADD 100 T1 3 ZADD 100 T1 3 ZREM  T1");
    HL_CHECK (strcmp (c.text[0], want) == 0);
    HL_CHECK (c.argc[0] == 3 + 3 + 2 + 4 * 4);
    //  By slot: the {ix} lists in one call, the bucket's in another.
    c = (s_calls_t) { 0 };
    s_some (m);
    HL_CHECK (hl_ixmoves_flush (m, 1, s_record, &c) == 0 && c.calls == 2);
    HL_CHECK (strstr (c.text[ix_first ? 0 : 1], "FCALL hl_index_apply 2 " S_B " " S_A " ")
              == c.text[ix_first ? 0 : 1]);
    HL_CHECK (strstr (c.text[ix_first ? 1 : 0], "FCALL hl_index_apply 1 " S_U " ")
              == c.text[ix_first ? 1 : 0]);
    //  A call that could not be sent is said; the others were sent.
    c = (s_calls_t) { .fail_at = S_U };
    s_some (m);
    HL_CHECK (hl_ixmoves_flush (m, 1, s_record, &c) == -1 && c.calls == 2);
    HL_CHECK (hl_ixmoves_size (m) == 0);
    //  No call of more than HL_IXMOVES_CALL_MAX moves.
    c = (s_calls_t) { 0 };
    for (int i = 0; i <= HL_IXMOVES_CALL_MAX; i++)
        hl_ixmoves_add (m, S_A, "1", "T1");
    HL_CHECK (hl_ixmoves_flush (m, 0, s_record, &c) == 0 && c.calls == 2);
    HL_CHECK (c.argc[1] == 3 + 1 + 2 + 4);       //  the one move left over
    hl_ixmoves_destroy (&m);
    hl_ixmoves_destroy (&m);
    HL_CHECK (m == NULL);
}

//  Sends each call to the test's Redis; the last reply kept.
typedef struct {
    redisContext *rc;
    redisReply *last;
} s_live_t;

static int
s_send (int argc, const char **argv, void *arg)
{
    s_live_t *l = arg;
    if (l->last)
        freeReplyObject (l->last);
    l->last = redisCommandArgv (l->rc, argc, argv, NULL);
    return l->last && l->last->type != REDIS_REPLY_ERROR ? 0 : -1;
}

static long long
s_score (redisContext *rc, const char *key, const char *member)
{
    redisReply *r = redisCommand (rc, "ZSCORE %s %s", key, member);
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll (r->str) : -1;
    if (r)
        freeReplyObject (r);
    return v;
}

//  A life's moves: intake, sign, reply (s_some); T2 taken in and evicted.
static void
s_life (hl_ixmoves_t *m)
{
    s_some (m);
    hl_ixmoves_add (m, S_A, "200", "T2");
    hl_ixmoves_add (m, S_A, NULL, "T2");
    hl_ixmoves_add (m, S_B, "300", "T1");      //  the last score wins
}

static void
test_apply (void)
{
    struct event_base *base = event_base_new ();
    hl_teststore_t ts;
    HL_CHECK (hl_teststore_start (&ts, base) == 0);
    if (!ts.store || !hl_teststore_ready (&ts, base)) {
        HL_CHECK (0);
        event_base_free (base);
        return;
    }
    s_live_t l = { redisConnect ("127.0.0.1", ts.port), NULL };
    HL_CHECK (l.rc && !l.rc->err);
    hl_ixmoves_t *m = hl_ixmoves_new ();
    for (int round = 0; round < 2; round++) {
        s_life (m);
        HL_CHECK (hl_ixmoves_flush (m, 0, s_send, &l) == 0);
        HL_CHECK (l.last && l.last->type == REDIS_REPLY_INTEGER && l.last->integer == 7);
        HL_CHECK (s_score (l.rc, S_A, "T1") == -1 && s_score (l.rc, S_A, "T2") == -1);
        HL_CHECK (s_score (l.rc, S_B, "T1") == 300 && s_score (l.rc, S_U, "T1") == 100);
    }
    //  Bad rows: refused with a reason, nothing written.
    const char *bad[][12] = {
        { "FCALL", "hl_index_apply", "1", S_A, "columns", "key op score member",
          "2", "ZADD", "1", "T9" },
        { "FCALL", "hl_index_apply", "1", S_A, "columns", "key op score member",
          "1", "ZINCRBY", "1", "T9" },
        { "FCALL", "hl_index_apply", "1", S_A, "columns", "key op score member",
          "1", "ZADD", "soon", "T9" },
        { "FCALL", "hl_index_apply", "1", S_A, "columns", "key op score", "1", "ZADD", "1" },
        { "FCALL", "hl_index_apply", "1", S_A, "key", "op", "score", "member" },
    };
    const int argc[] = { 10, 10, 10, 9, 8 };
    const char *reason[] = { "names no key", "ZADD with a number or ZREM",
                             "ZADD with a number or ZREM", "no column member", "columns" };
    for (size_t i = 0; i < sizeof argc / sizeof argc[0]; i++) {
        redisReply *r = redisCommandArgv (l.rc, argc[i], bad[i], NULL);
        HL_CHECK (r && r->type == REDIS_REPLY_ERROR && strstr (r->str, reason[i]));
        if (r)
            freeReplyObject (r);
        HL_CHECK (s_score (l.rc, S_A, "T9") == -1);
    }
    //  More members of one key than one ZADD takes at once.
    for (int i = 0; i < 5000; i++) {
        char member[16];
        snprintf (member, sizeof member, "M%d", i);
        hl_ixmoves_add (m, S_B, "1", member);
    }
    HL_CHECK (hl_ixmoves_flush (m, 0, s_send, &l) == 0);
    HL_CHECK (hl_teststore_int (&ts, "ZCARD %s", S_B) == 5001);
    //  Split over calls (HL_IXMOVES_CALL_MAX), a key's moves still end as
    //  in order: added, then all removed but the last one added.
    for (int i = 0; i < 3 * HL_IXMOVES_CALL_MAX; i++) {
        char member[16];
        snprintf (member, sizeof member, "M%d", i % 700);
        hl_ixmoves_add (m, S_B, i < 700 ? "2" : NULL, member);
    }
    hl_ixmoves_add (m, S_B, "3", "M0");
    HL_CHECK (hl_ixmoves_flush (m, 0, s_send, &l) == 0);
    HL_CHECK (s_score (l.rc, S_B, "M0") == 3 && s_score (l.rc, S_B, "M1") == -1);
    HL_CHECK (hl_teststore_int (&ts, "ZCARD %s", S_B) == 5001 - 700 + 1);
    hl_ixmoves_destroy (&m);
    if (l.last)
        freeReplyObject (l.last);
    redisFree (l.rc);
    hl_teststore_stop (&ts);
    event_base_free (base);
}

static const hl_test_case_t s_cases[] = {
    { "calls", test_calls },
    { "apply", test_apply },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
