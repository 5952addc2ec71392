/*  Unit test of hl_rslot: key slots, error classification, the slot map.
 *  Replies are built by hiredis's own reader from RESP text, as they
 *  arrive from a server.
 */
#include "hl_rslot.h"
#include "hl_test.h"

#include <hiredis/read.h>
#include <stdlib.h>

static int
s_slot (const char *key)
{
    return hl_rslot_keyslot (key, strlen (key));
}

//  Reference values from the Redis Cluster specification and CLUSTER
//  KEYSLOT on redis-server 7.0 (the live test compares many more).
static void
test_keyslot (void)
{
    HL_CHECK (s_slot ("123456789") == (0x31C3 & 16383));     //  CRC16 check value
    HL_CHECK (s_slot ("foo") == 12182);
    HL_CHECK (s_slot ("bar") == 5061);
    HL_CHECK (s_slot ("") == 0);
    //  Hash tags: the first '{' and the first '}' after it.
    HL_CHECK (s_slot ("{user1000}.following") == s_slot ("user1000"));
    HL_CHECK (s_slot ("{user1000}.followers") == s_slot ("{user1000}.following"));
    HL_CHECK (s_slot ("foo{}{bar}") == s_slot ("foo{}{bar}"));
    HL_CHECK (s_slot ("foo{}{bar}") != s_slot ("bar"));        //  empty tag: whole key
    HL_CHECK (s_slot ("foo{{bar}}zap") == s_slot ("{bar"));
    HL_CHECK (s_slot ("foo{bar}{zap}") == s_slot ("bar"));
    HL_CHECK (s_slot ("{") == hl_rslot_keyslot ("{", 1));
    HL_CHECK (s_slot ("abc{") == hl_rslot_keyslot ("abc{", 4));
    HL_CHECK (s_slot ("}{x") != s_slot ("x"));                 //  no '}' after the '{'
    //  Binary keys: the length counts, not a NUL.
    HL_CHECK (hl_rslot_keyslot ("a\0b", 3) != hl_rslot_keyslot ("a", 1));
    HL_CHECK (hl_rslot_keyslot ("{a\0b}x", 6) == hl_rslot_keyslot ("a\0b", 3));
    for (int i = 0; i < 1000; i++) {
        char key[32];
        snprintf (key, sizeof key, "k%d", i);
        int s = s_slot (key);
        HL_CHECK (s >= 0 && s < HL_RSLOT_COUNT);
    }
}

static hl_rslot_err_t
s_parse (const char *text, hl_rslot_redirect_t *out)
{
    memset (out, 0, sizeof *out);
    return hl_rslot_parse_error (text, strlen (text), "10.0.0.9", out);
}

static void
test_errors (void)
{
    hl_rslot_redirect_t r;
    HL_CHECK (s_parse ("MOVED 3999 127.0.0.1:6381", &r) == HL_RSLOT_ERR_MOVED);
    HL_CHECK (r.slot == 3999);
    HL_CHECK_STR (r.address, "127.0.0.1:6381");
    HL_CHECK (s_parse ("ASK 0 10.1.2.3:7000", &r) == HL_RSLOT_ERR_ASK);
    HL_CHECK (r.slot == 0);
    HL_CHECK_STR (r.address, "10.1.2.3:7000");
    //  Redis 7 leaves the host out when it is the one being talked to.
    HL_CHECK (s_parse ("MOVED 16383 :6380", &r) == HL_RSLOT_ERR_MOVED);
    HL_CHECK (r.slot == 16383);
    HL_CHECK_STR (r.address, "10.0.0.9:6380");
    HL_CHECK (s_parse ("ASK 12 ::1:7001", &r) == HL_RSLOT_ERR_ASK);
    HL_CHECK_STR (r.address, "::1:7001");
    //  Malformed redirections are ordinary errors, never followed.
    const char *bad[] = { "MOVED", "MOVED 3999", "MOVED x 1.2.3.4:5", "MOVED 16384 1.2.3.4:5",
                          "MOVED -1 1.2.3.4:5", "MOVED 1 1.2.3.4", "MOVED 1 1.2.3.4:0",
                          "MOVED 1 1.2.3.4:70000", "MOVED 1 1.2.3.4:5x", "ASK 1  :",
                          "MOVEDX 1 1.2.3.4:5", NULL };
    for (int i = 0; bad[i]; i++)
        HL_CHECK (s_parse (bad[i], &r) == HL_RSLOT_ERR_OTHER);
    HL_CHECK (s_parse ("TRYAGAIN Multiple keys request during rehashing of slot", &r)
              == HL_RSLOT_ERR_TRYAGAIN);
    HL_CHECK (s_parse ("CLUSTERDOWN The cluster is down", &r) == HL_RSLOT_ERR_CLUSTERDOWN);
    HL_CHECK (s_parse ("CLUSTERDOWN Hash slot not served", &r) == HL_RSLOT_ERR_CLUSTERDOWN);
    HL_CHECK (s_parse ("LOADING Redis is loading the dataset in memory", &r)
              == HL_RSLOT_ERR_LOADING);
    HL_CHECK (s_parse ("READONLY You can't write against a read only replica.", &r)
              == HL_RSLOT_ERR_READONLY);
    HL_CHECK (s_parse ("ERR unknown command", &r) == HL_RSLOT_ERR_OTHER);
    HL_CHECK (s_parse ("CROSSSLOT Keys in request don't hash to the same slot", &r)
              == HL_RSLOT_ERR_OTHER);
    HL_CHECK (s_parse ("", &r) == HL_RSLOT_ERR_OTHER);
    //  Only LEN bytes are read.
    HL_CHECK (hl_rslot_parse_error ("MOVED 1 1.2.3.4:5", 5, "h", &r) == HL_RSLOT_ERR_OTHER);
}

//  A reply as hiredis would hand it over, from RESP text.
static redisReply *
s_reply (const char *resp)
{
    redisReader *reader = redisReaderCreate ();
    void *reply = NULL;
    redisReaderFeed (reader, resp, strlen (resp));
    if (redisReaderGetReply (reader, &reply) != REDIS_OK)
        reply = NULL;
    redisReaderFree (reader);
    return reply;
}

static void
test_map (void)
{
    hl_rslot_map_t *map = calloc (1, sizeof *map);
    char err[128];
    //  Three masters (one with a replica, as Redis 7 sends them with the
    //  networking-metadata map), one of them with two ranges.
    redisReply *r = s_reply (
        "*4\r\n"
        "*4\r\n:0\r\n:5460\r\n"
            "*4\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n*0\r\n"
            "*4\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nir\r\n*0\r\n"
        "*3\r\n:5461\r\n:10922\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$2\r\nid\r\n"
        "*3\r\n:10923\r\n:16000\r\n*3\r\n$0\r\n\r\n:7002\r\n$2\r\nid\r\n"
        "*3\r\n:16001\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n");
    HL_CHECK (r != NULL);
    HL_CHECK (hl_rslot_map_parse (map, r, "127.0.0.5", err, sizeof err) == 0);
    HL_CHECK (map->n_masters == 3);
    HL_CHECK_STR (map->masters[map->owner[0]], "127.0.0.1:7000");
    HL_CHECK_STR (map->masters[map->owner[5460]], "127.0.0.1:7000");
    HL_CHECK_STR (map->masters[map->owner[5461]], "127.0.0.1:7001");
    HL_CHECK_STR (map->masters[map->owner[12000]], "127.0.0.5:7002");    //  empty host
    HL_CHECK_STR (map->masters[map->owner[16383]], "127.0.0.1:7000");
    freeReplyObject (r);

    //  Slots nobody serves stay unassigned.
    r = s_reply ("*1\r\n*3\r\n:100\r\n:200\r\n*3\r\n$1\r\n?\r\n:7005\r\n$2\r\nid\r\n");
    HL_CHECK (hl_rslot_map_parse (map, r, "10.0.0.1", err, sizeof err) == 0);
    HL_CHECK (map->n_masters == 1 && map->owner[99] == HL_RSLOT_NONE
              && map->owner[201] == HL_RSLOT_NONE);
    HL_CHECK_STR (map->masters[map->owner[150]], "10.0.0.1:7005");
    freeReplyObject (r);

    //  Bad replies leave the map as it was.
    const char *bad[] = {
        "-ERR This instance has cluster support disabled\r\n",
        ":1\r\n",
        "*1\r\n:1\r\n",
        "*1\r\n*3\r\n:200\r\n:100\r\n*2\r\n$1\r\nh\r\n:1\r\n",          //  end < start
        "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n",         //  past the last slot
        "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\nh\r\n:0\r\n",             //  port 0
        "*1\r\n*3\r\n:0\r\n:1\r\n*1\r\n$1\r\nh\r\n",                   //  no port
        "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n:1\r\n:1\r\n",                  //  host not a string
        "*1\r\n*2\r\n:0\r\n:1\r\n",                                    //  no node
        NULL };
    for (int i = 0; bad[i]; i++) {
        r = s_reply (bad[i]);
        HL_CHECK (r != NULL);
        HL_CHECK (hl_rslot_map_parse (map, r, "h", err, sizeof err) == -1 && *err);
        HL_CHECK (map->n_masters == 1 && map->owner[150] == 0);
        freeReplyObject (r);
    }
    hl_rslot_map_single (map, "unix:/run/redis.sock");
    HL_CHECK (map->n_masters == 1 && map->owner[0] == 0 && map->owner[16383] == 0);
    HL_CHECK_STR (map->masters[0], "unix:/run/redis.sock");
    free (map);
}

static void
test_host (void)
{
    char host[64];
    HL_CHECK (hl_rslot_host ("127.0.0.1:7000", host, sizeof host) == 0);
    HL_CHECK_STR (host, "127.0.0.1");
    HL_CHECK (hl_rslot_host ("::1:7000", host, sizeof host) == 0);
    HL_CHECK_STR (host, "::1");
    HL_CHECK (hl_rslot_host ("unix:/tmp/r.sock", host, sizeof host) == 0);
    HL_CHECK_STR (host, "");
    HL_CHECK (hl_rslot_host ("averyveryverylonghostname:1", host, 8) == -1);
}

static const hl_test_case_t s_cases[] = {
    { "keyslot", test_keyslot }, { "errors", test_errors }, { "map", test_map },
    { "host", test_host }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
