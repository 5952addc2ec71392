/*  hl_layout: the store's layout version, checked before every load.
 *  See hl_layout.h. */
#include "hl_layout.h"
#include "hl_log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MARKER "\nlocal LAYOUT_VERSION = "

//  One check in progress.
typedef struct {
    hl_redis_t *redis;
    int known;                   //  the layout of our library
    hl_layout_fn *fn;
    void *arg;
} s_check_t;

int
hl_layout_of_library (const char *code, size_t len)
{
    assert (code);
    size_t mlen = strlen (S_MARKER);
    for (size_t i = 0; i + mlen < len; i++)
        if (code[i] == '\n' && memcmp (code + i, S_MARKER, mlen) == 0)
            return atoi (code + i + mlen);
    return 0;
}

static void
s_finish (s_check_t *check, hl_layout_verdict_t verdict, const char *message)
{
    check->fn (verdict, message, check->arg);
    free (check);
}

static void
s_refuse (s_check_t *check, const char *what, int layout)
{
    char message[400];
    snprintf (message, sizeof message,
              "the ticket store at %s has %s of layout %d, newer than this hotlined knows "
              "(layout %d): upgrade hotlined (every instance sharing this store) or restore "
              "a backup made by this version; refusing to load or serve",
              hl_redis_address (check->redis), what, layout, check->known);
    s_finish (check, HL_LAYOUT_NEWER, message);
}

//  A refused step (LOADING while Redis replays its file, a missing
//  right): the store asks again later.
static int
s_refused (s_check_t *check, const redisReply *reply, const char *step)
{
    if (reply->type != REDIS_REPLY_ERROR)
        return 0;
    char message[300];
    snprintf (message, sizeof message, "%s refused: %s", step, reply->str);
    s_finish (check, HL_LAYOUT_RETRY, message);
    return 1;
}

//  The compare-and-mark step, atomic so that two instances of different
//  versions starting together cannot both win: the stored layout is
//  returned, and replaced by ours only if it is not newer.
static const char s_mark_script[] =
    "local stored = tonumber(redis.call('GET', KEYS[1]) or '0') "
    "local ours = tonumber(ARGV[1]) "
    "if stored <= ours then redis.call('SET', KEYS[1], ARGV[1]) end "
    "return stored";

static void
s_on_marked (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_check_t *check = arg;
    if (!reply) {
        free (check);
        return;
    }
    if (s_refused (check, reply, "marking the layout"))
        return;
    int stored = reply->type == REDIS_REPLY_INTEGER ? (int) reply->integer : 0;
    if (stored > check->known) {
        s_refuse (check, "data", stored);
        return;
    }
    //  Migrations from an older layout would run here, before the mark.
    //  There are none: see hl_layout.h.
    if (stored < check->known)
        hl_notice ("ticket store layout %d -> %d: nothing to migrate", stored, check->known);
    s_finish (check, HL_LAYOUT_OK, "");
}

//  The library loaded in Redis, if any: FUNCTION LIST answers a list of
//  libraries, each a flat list of names and values.
static int
s_loaded_layout (const redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
        return 0;
    const redisReply *lib = reply->element[0];
    for (size_t i = 0; lib->type == REDIS_REPLY_ARRAY && i + 1 < lib->elements; i += 2) {
        const redisReply *k = lib->element[i], *v = lib->element[i + 1];
        if (k->type == REDIS_REPLY_STRING && strcmp (k->str, "library_code") == 0
            && v->type == REDIS_REPLY_STRING)
            return hl_layout_of_library (v->str, v->len);
    }
    return 0;
}

static void
s_on_listed (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_check_t *check = arg;
    if (!reply) {
        free (check);
        return;
    }
    if (s_refused (check, reply, "FUNCTION LIST"))
        return;
    int loaded = s_loaded_layout (reply);
    if (loaded > check->known) {
        s_refuse (check, "a Function library", loaded);
        return;
    }
    char known[16];
    snprintf (known, sizeof known, "%d", check->known);
    const char *argv[] = { "EVAL", s_mark_script, "1", HL_LAYOUT_KEY, known };
    size_t lens[] = { 4, sizeof s_mark_script - 1, 1, strlen (HL_LAYOUT_KEY), strlen (known) };
    if (hl_redis_command (redis, 5, argv, lens, s_on_marked, check) != 0)
        free (check);
}

int
hl_layout_check (hl_redis_t *redis, const char *code, size_t len, hl_layout_fn *fn, void *arg)
{
    assert (redis && code && fn);
    s_check_t *check = calloc (1, sizeof *check);
    if (!check)
        abort ();
    *check = (s_check_t) { redis, hl_layout_of_library (code, len), fn, arg };
    assert (check->known > 0);
    const char *argv[] = { "FUNCTION", "LIST", "LIBRARYNAME", "hotline", "WITHCODE" };
    size_t lens[] = { 8, 4, 11, 7, 8 };
    if (hl_redis_command (redis, 5, argv, lens, s_on_listed, check) != 0) {
        free (check);
        return -1;
    }
    return 0;
}
