/*  hl_layout: the store's layout version, checked before every load.
 *  See hl_layout.h. */
#include "hl_layout.h"
#include "hl_bucket.h"
#include "hl_callerix.h"
#include "hl_lifecycle.h"
#include "hl_log.h"
#include "hl_store.h"

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
    const struct s_pass *pass;   //  the pass over the store's keys under way
    long count;                  //  keys it has handled
    int library_only;            //  hl_layout_check_library
} s_check_t;

//  Set while a store is being migrated from layout 1, so that a migration
//  cut short (a crash, a lost connection) is finished at the next start.
//  It is set before the mark and removed after the last key moved.
#define S_MIGRATING_KEY HL_LAYOUT_KEY ":migrating"
//  The same for the fold of layout 3: set while the store-wide counters of
//  a store of layout 2 or older still wait to be folded into bucket 0.
#define S_FOLDING_KEY HL_LAYOUT_KEY ":folding"
//  The same for the tickets' rewrite of layout 3 (history, clocks and
//  action results in the ticket's hash).
#define S_HISTORY_KEY HL_LAYOUT_KEY ":history"
//  The same for the caller index of layout 6: set while a store of an
//  older layout still has a sorted set per caller.
#define S_CALLERS_KEY HL_LAYOUT_KEY ":callers"
//  The same for the units' lists of layout 6, one per bucket.
#define S_UNITS_KEY HL_LAYOUT_KEY ":units"
//  The layout that groups the callers (hl_callerix) and splits the units'
//  lists by bucket.
#define S_LISTS_LAYOUT 6
//  The same for the tickets' field names of layout 7.
#define S_NAMES_KEY HL_LAYOUT_KEY ":names"
//  The first layout that stores the ticket hash's fields under the names
//  of core/lifecycle.json's stored_fields.
#define S_NAMES_LAYOUT 7


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

//  Whether the check ended at this reply: the connection was lost (no
//  callback: the next connect checks again), or Redis refused the step
//  (LOADING while Redis replays its file, a missing right: the store asks
//  again later).
static int
s_ended (s_check_t *check, const redisReply *reply, const char *step)
{
    if (!reply) {
        free (check);
        return 1;
    }
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

//  ---------------------------------------------------------------------
//  Layout 1 -> 2: a ticket's keys gain their bucket's hash tag. Tickets
//  of layout 1 keep their numbers (callers have them), which name bucket
//  0 (hl_bucket); a request's idempotency record moves to its request's
//  bucket. The SLA reminders and the warned and overdue lists, store-wide
//  in layout 1, are kept per bucket in layout 2: as every ticket of layout
//  1 is in bucket 0, they move there whole. Everything else (indexes,
//  counters) holds ticket numbers, not keys, and stays. Only a single Redis ever had layout 1,
//  so RENAME may move keys between slots. Renaming is idempotent: a key
//  already moved (by an earlier, cut-short run or another instance) is
//  simply not there any more.

static void s_finish (s_check_t *check, hl_layout_verdict_t verdict, const char *message);

//  A history of layout 1 is a list of JSON entries; layout 2 keeps them
//  in one string, each entry its six fields separated by 0x1f and ended
//  by a newline (hotline.lua's history_entry and history_add, whose format
//  this conversion writes once more, frozen as layout 2 has it).
static const char s_history_script[] =
    "local kind = redis.call('TYPE', KEYS[1])['ok'] "
    "if kind == 'list' then "
    "  local out = {} "
    "  for i, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do "
    "    local ok, e = pcall(cjson.decode, raw) "
    "    if not ok or type(e) ~= 'table' then e = {note = raw} end "
    "    local at = type(e.at) == 'number' and string.format('%d', e.at) or tostring(e.at or '') "
    "    local f = {at, e.actor or '', e.action or '', e.from or '', e.to or '', e.note or ''} "
    "    for k = 1, 6 do f[k] = string.gsub(tostring(f[k]), '[\\n\\31]', ' ') end "
    "    out[i] = table.concat(f, '\\31') "
    "  end "
    "  redis.call('SET', KEYS[2], table.concat(out, '\\n') .. '\\n') "
    "  redis.call('DEL', KEYS[1]) "
    "elseif kind ~= 'none' then redis.call('RENAME', KEYS[1], KEYS[2]) end "
    "return 1";

//  Layout 2 -> 3: the global lists (state, unit, caller), store-wide keys
//  of no bucket that the Functions wrote, are kept by the outbox consumers
//  (hl_outbox) under one tag of their own, hl:{ix}:, and move there once.
//  They hold ticket numbers, so their contents stay as they are.
static int
s_migrated_list (const char *key, size_t len, char *out, size_t outlen)
{
    static const char *const lists[] = { "state:", "unit:", "caller:" };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        size_t k = strlen (lists[i]);
        if (len > 3 + k && memcmp (key, "hl:", 3) == 0 && memcmp (key + 3, lists[i], k) == 0) {
            int n = snprintf (out, outlen, "%s%.*s", HL_INDEX_PREFIX, (int) (len - 3), key + 3);
            return n < 0 || (size_t) n >= outlen ? -1 : 0;
        }
    }
    return -1;
}

//  The key of layout 3 for KEY of layout 1 or 2 in OUT; 0, or -1 if KEY is
//  not one that moves.
static int
s_migrated_name (const char *key, size_t len, char *out, size_t outlen)
{
    static const char *const kinds[] = { "t", "h", "merged" };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t k = strlen (kinds[i]);
        if (len > 4 + k && memcmp (key, "hl:", 3) == 0 && memcmp (key + 3, kinds[i], k) == 0
            && key[3 + k] == ':')
            return hl_bucket_key (out, outlen, 0, kinds[i], key + 4 + k, len - 4 - k) < 0 ? -1 : 0;
    }
    static const char *const wholes[] = { "timers", "sla:warned", "sla:overdue" };
    for (size_t i = 0; i < sizeof wholes / sizeof wholes[0]; i++)
        if (len == 3 + strlen (wholes[i]) && memcmp (key, "hl:", 3) == 0
            && memcmp (key + 3, wholes[i], len - 3) == 0)
            return hl_bucket_own_key (out, outlen, 0, wholes[i]) < 0 ? -1 : 0;
    if (s_migrated_list (key, len, out, outlen) == 0)
        return 0;
    if (len > 8 && memcmp (key, "hl:idem:", 8) == 0) {
        const char *id = key + 8, *colon = memchr (id, ':', len - 8);
        if (!colon || colon - id >= 32)
            return -1;
        char channel[32];
        snprintf (channel, sizeof channel, "%.*s", (int) (colon - id), id);
        int bucket = hl_bucket_of_request (channel, colon + 1, len - 8 - (size_t) (colon - id) - 1);
        return hl_bucket_key (out, outlen, bucket, "idem", id, len - 8) < 0 ? -1 : 0;
    }
    return -1;
}

//  ---------------------------------------------------------------------
//  Layout 2 -> 3: the counters are kept per bucket, inside the transition
//  (hl:{NN}:m:<day>, hl:{NN}:mi:<minute>). The store-wide hashes of
//  layout 2 (hl:m:<day>, hl:mi:<minute>) are folded into bucket 0: each
//  field added to the bucket's hash, the time to live kept, the old hash
//  deleted, in one atomic step per hash (so a fold cut short and run again
//  never adds a hash twice). Readers sum the buckets, so the figures of
//  every day stay what they were.

static const char s_fold_script[] =
    "local f = redis.call('HGETALL', KEYS[1]) "
    "for i = 1, #f, 2 do redis.call('HINCRBY', KEYS[2], f[i], f[i + 1]) end "
    "local ttl = redis.call('TTL', KEYS[1]) "
    "if ttl > 0 then redis.call('EXPIRE', KEYS[2], ttl) end "
    "redis.call('DEL', KEYS[1]) "
    "return #f / 2";

//  The bucket-0 key of layout 3 for a counter hash KEY of layout 2 in
//  OUT; 0, or -1 if KEY is none.
static int
s_folded_name (const char *key, size_t len, char *out, size_t outlen)
{
    static const char *const kinds[] = { "m", "mi" };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t k = strlen (kinds[i]);
        if (len > 4 + k && memcmp (key, "hl:", 3) == 0 && memcmp (key + 3, kinds[i], k) == 0
            && key[3 + k] == ':')
            return hl_bucket_key (out, outlen, 0, kinds[i], key + 4 + k, len - 4 - k) < 0 ? -1 : 0;
    }
    return -1;
}

//  Sends the step that moves KEY (layout 1 -> 2); 1 if sent, 0 if KEY is
//  not one that moves.
static int
s_migrate_key (hl_redis_t *redis, const redisReply *k)
{
    char to[HL_BUCKET_KEY_MAX + 160];
    if (k->type != REDIS_REPLY_STRING || s_migrated_name (k->str, k->len, to, sizeof to) != 0)
        return 0;
    int history = k->len > 5 && memcmp (k->str, "hl:h:", 5) == 0;
    const char *argv[] = { "RENAME", k->str, to };
    size_t lens[] = { 6, k->len, strlen (to) };
    const char *eval[] = { "EVAL", s_history_script, "2", k->str, to };
    size_t elens[] = { 4, sizeof s_history_script - 1, 1, k->len, strlen (to) };
    return (history ? hl_redis_command (redis, 5, eval, elens, NULL, NULL)
                    : hl_redis_command (redis, 3, argv, lens, NULL, NULL)) == 0;
}

//  Sends the step that folds counter hash KEY (layout 2 -> 3); 1 if sent.
static int
s_fold_key (hl_redis_t *redis, const redisReply *k)
{
    char to[HL_BUCKET_KEY_MAX + 64];
    if (k->type != REDIS_REPLY_STRING || s_folded_name (k->str, k->len, to, sizeof to) != 0)
        return 0;
    const char *eval[] = { "EVAL", s_fold_script, "2", k->str, to };
    size_t lens[] = { 4, sizeof s_fold_script - 1, 1, k->len, strlen (to) };
    return hl_redis_command (redis, 5, eval, lens, NULL, NULL) == 0;
}

//  ---------------------------------------------------------------------
//  Layout 2 -> 3, one ticket at a time (KEYS[1] its hash hl:{NN}:t:<ticket>,
//  KEYS[2] its history of layout 2 hl:{NN}:h:<ticket>), frozen as layout 3
//  writes them (hotline.lua's history_add and CLOCK): the history string,
//  one entry a line, becomes fields of the hash ("h:n" the number of
//  entries, "h:<i>" the i-th, after any already there); each milestone's
//  seven fields sla_<m>_<part> become one, "sla:<m>", the parts in this
//  order separated by commas; of the results "act:<request id>" of every
//  action the last four are kept, "<request id>|<result>" in "a:<i mod 4>"
//  of the i-th action, "a:n" their count; "updated_ms" goes (the last
//  history entry has its moment). Atomic and idempotent (what it moves
//  goes in the same step), so a run cut short and repeated moves nothing twice; a
//  history without its ticket is dropped.
static const char s_ticket3_script[] =
    "local t, h = KEYS[1], KEYS[2] "
    "if redis.call('EXISTS', t) == 1 then "
    "  local s = redis.call('TYPE', h)['ok'] == 'string' and redis.call('GET', h) "
    "  if s then "
    "    local n = tonumber(redis.call('HGET', t, 'h:n') or '0') "
    "    local f = {} "
    "    for line in string.gmatch(s, '[^\\n]+') do "
    "      n = n + 1 "
    "      f[#f + 1] = 'h:' .. string.format('%d', n) "
    "      f[#f + 1] = line "
    "    end "
    "    f[#f + 1] = 'h:n' "
    "    f[#f + 1] = string.format('%d', n) "
    "    redis.call('HSET', t, unpack(f)) "
    "  end "
    "  for _, m in ipairs({'sign', 'contact', 'reply', 'visit'}) do "
    "    local names = {} "
    "    for _, part in ipairs({'start', 'status', 'fired', 'warn', 'due', 'esc', 'met'}) do "
    "      names[#names + 1] = 'sla_' .. m .. '_' .. part "
    "    end "
    "    local v, any = redis.call('HMGET', t, unpack(names)), false "
    "    for i = 1, 7 do any = any or v[i] ~= false; v[i] = v[i] or '' end "
    "    if any then "
    "      redis.call('HSET', t, 'sla:' .. m, table.concat(v, ',')) "
    "      redis.call('HDEL', t, unpack(names)) "
    "    end "
    "  end "
    "  local all, acts, drop = redis.call('HGETALL', t), {}, {} "
    "  for i = 1, #all, 2 do "
    "    if string.sub(all[i], 1, 4) == 'act:' then "
    "      local at = tonumber(string.match(all[i + 1], '^[^|]*|[^|]*|(%d+)|') or '0') "
    "      acts[#acts + 1] = {at, string.sub(all[i], 5) .. '|' .. all[i + 1]} "
    "      drop[#drop + 1] = all[i] "
    "    end "
    "  end "
    "  if #drop > 0 then "
    "    table.sort(acts, function (a, b) return a[1] < b[1] end) "
    "    local f = {'a:n', string.format('%d', #acts)} "
    "    for i = math.max(1, #acts - 3), #acts do "
    "      f[#f + 1] = 'a:' .. string.format('%d', i % 4) "
    "      f[#f + 1] = acts[i][2] "
    "    end "
    "    redis.call('HSET', t, unpack(f)) "
    "    redis.call('HDEL', t, unpack(drop)) "
    "  end "
    "  redis.call('HDEL', t, 'updated_ms') "
    "end "
    "redis.call('DEL', h) "
    "return 1";

//  KEY (of LEN bytes), a ticket's hash or history of layout 2
//  (hl:{NN}:t|h:<ticket>): both their names into T and H; its kind ('t' or
//  'h'), or -1 if KEY is neither.
static int
s_ticket3_keys (const char *key, size_t len, char *t, char *h, size_t outlen)
{
    const char *tag_end = memchr (key, '}', len);
    if (len < 4 || memcmp (key, "hl:{", 4) != 0 || !tag_end
        || (size_t) (key + len - tag_end) < 5 || tag_end[1] != ':' || tag_end[3] != ':'
        || (tag_end[2] != 't' && tag_end[2] != 'h') || len + 1 > outlen)
        return -1;
    size_t kind = (size_t) (tag_end - key) + 2;
    memcpy (t, key, len);
    memcpy (h, key, len);
    t[len] = h[len] = 0;
    t[kind] = 't';
    h[kind] = 'h';
    return key[kind];
}

//  Sends the step that rewrites the ticket KEY names (layout 2 -> 3): 1 if
//  KEY is a ticket's hash (counted once a ticket), 0 otherwise.
static int
s_history_key (hl_redis_t *redis, const redisReply *k)
{
    char t[HL_BUCKET_KEY_MAX + 160], h[HL_BUCKET_KEY_MAX + 160];
    int kind = k->type == REDIS_REPLY_STRING ? s_ticket3_keys (k->str, k->len, t, h, sizeof t) : -1;
    if (kind < 0)
        return 0;
    const char *eval[] = { "EVAL", s_ticket3_script, "2", t, h };
    size_t lens[] = { 4, sizeof s_ticket3_script - 1, 1, strlen (t), strlen (h) };
    return hl_redis_command (redis, 5, eval, lens, NULL, NULL) == 0 && kind == 't';
}

//  ---------------------------------------------------------------------
//  Layout 6 -> 7, one ticket hash at a time (KEYS[1]): each field named
//  in ARGV (long name, stored name, ...: hl_lifecycle_stored, the table
//  the Functions are built with) moves to its stored name. Atomic and
//  idempotent: a hash already moved has none of the long names left. The
//  other changes of layout 7 (a reply kept as a reference to its history
//  entry, action results naming theirs) read the older values as they are.
static const char s_names_script[] =
    "if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then return 0 end "
    "local long = {} "
    "for i = 1, #ARGV, 2 do long[#long + 1] = ARGV[i] end "
    "local v, set, drop = redis.call('HMGET', KEYS[1], unpack(long)), {}, {} "
    "for i = 1, #long do "
    "  if v[i] then "
    "    set[#set + 1] = ARGV[2 * i] "
    "    set[#set + 1] = v[i] "
    "    drop[#drop + 1] = long[i] "
    "  end "
    "end "
    "if #drop > 0 then "
    "  redis.call('HSET', KEYS[1], unpack(set)) "
    "  redis.call('HDEL', KEYS[1], unpack(drop)) "
    "end "
    "return #drop";

//  Sends the step that renames the fields of ticket hash KEY (layout 6 ->
//  7): 1 if KEY is a ticket's hash, 0 otherwise.
static int
s_names_key (hl_redis_t *redis, const redisReply *k)
{
    char t[HL_BUCKET_KEY_MAX + 160], h[HL_BUCKET_KEY_MAX + 160];
    if (k->type != REDIS_REPLY_STRING || s_ticket3_keys (k->str, k->len, t, h, sizeof t) != 't')
        return 0;
    const char *argv[4 + 2 * HL_LIFECYCLE_STORED] = { "EVAL", s_names_script, "1", k->str };
    size_t lens[4 + 2 * HL_LIFECYCLE_STORED] = { 4, sizeof s_names_script - 1, 1, k->len };
    for (size_t i = 0; i < HL_LIFECYCLE_STORED; i++) {
        argv[4 + 2 * i] = hl_lifecycle_stored[i].name;
        argv[5 + 2 * i] = hl_lifecycle_stored[i].stored;
        lens[4 + 2 * i] = strlen (argv[4 + 2 * i]);
        lens[5 + 2 * i] = strlen (argv[5 + 2 * i]);
    }
    return hl_redis_command (redis, 4 + 2 * HL_LIFECYCLE_STORED, argv, lens, NULL, NULL) == 0;
}

//  ---------------------------------------------------------------------
//  A pass over the store's keys, run while its FLAG is in the store (set
//  before the layout mark, so a pass cut short by a crash or a lost
//  connection is finished at the next start, and removed behind its last
//  step: one connection, in order): the keys MATCH finds, each sent its
//  step by EACH; its end logged with the count and DONE; then NEXT.
//  A pass over the store's keys: each key matching MATCH goes through
//  EACH. It runs while FLAG is set (NULL: always, on a cluster's master),
//  and THEN is the pass after it (NULL: the store is served).
struct s_pass {
    const char *flag, *match, *starting, *done;
    int (*each) (hl_redis_t *redis, const redisReply *key);
    const struct s_pass *then;
};

static void s_pass_scan (s_check_t *check, const char *cursor);
static void s_pass_then (s_check_t *check);

static void
s_on_pass_done (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_check_t *check = arg;
    if (s_ended (check, reply, "ending a pass over the store"))
        return;
    hl_notice ("ticket store at layout %d: %ld %s", check->known, check->count, check->pass->done);
    s_pass_then (check);
}

static void
s_on_pass_scanned (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_check_t *check = arg;
    if (s_ended (check, reply, "a pass over the store"))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
        || reply->element[0]->type != REDIS_REPLY_STRING
        || reply->element[1]->type != REDIS_REPLY_ARRAY) {
        s_finish (check, HL_LAYOUT_RETRY, "a pass over the store: SCAN gave an unexpected reply");
        return;
    }
    const redisReply *keys = reply->element[1];
    for (size_t i = 0; i < keys->elements; i++)
        check->count += check->pass->each (redis, keys->element[i]);
    s_pass_scan (check, reply->element[0]->str);
}

//  The SCAN step at CURSOR ("" to begin); after the last, the flag goes
//  (a pass with no flag, on a master of a Redis Cluster, just ends).
static void
s_pass_scan (s_check_t *check, const char *cursor)
{
    if (strcmp (cursor, "0") == 0 && !check->pass->flag) {
        hl_notice ("ticket store at layout %d (%s): %ld %s", check->known,
                   hl_redis_address (check->redis), check->count, check->pass->done);
        s_pass_then (check);
        return;
    }
    if (strcmp (cursor, "0") == 0) {
        const char *argv[] = { "DEL", check->pass->flag };
        if (hl_redis_command (check->redis, 2, argv, NULL, s_on_pass_done, check) != 0)
            free (check);
        return;
    }
    const char *argv[] = { "SCAN", *cursor ? cursor : "0", "MATCH", check->pass->match,
                           "COUNT", "1000" };
    if (hl_redis_command (check->redis, 6, argv, NULL, s_on_pass_scanned, check) != 0)
        free (check);
}

static void
s_on_pass_flag (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_check_t *check = arg;
    if (s_ended (check, reply, "reading the flag of a pass over the store"))
        return;
    if (reply->type != REDIS_REPLY_INTEGER || reply->integer != 1) {
        s_pass_then (check);
        return;
    }
    hl_notice ("ticket store: %s (layout %d)", check->pass->starting, check->known);
    check->count = 0;
    s_pass_scan (check, "");
}

//  Runs PASS if its flag is set, else goes on to what follows it.
static void
s_pass_if_flagged (s_check_t *check, const struct s_pass *pass)
{
    check->pass = pass;
    const char *argv[] = { "EXISTS", pass->flag };
    if (hl_redis_command (check->redis, 2, argv, NULL, s_on_pass_flag, check) != 0)
        free (check);
}

//  The pass after the one under way, or the end: the store is served.
static void
s_pass_then (s_check_t *check)
{
    if (check->pass->then)
        s_pass_if_flagged (check, check->pass->then);
    else
        s_finish (check, HL_LAYOUT_OK, "");
}

//  ---------------------------------------------------------------------
//  Layout 5 -> 6: the caller index groups the callers (hl_callerix). A
//  caller's sorted set (KEYS[1], hl:{ix}:caller:<token>, ticket numbers by
//  creation time) goes into its group (KEYS[2]) as members
//  "<caller>|<created_ms>|<ticket>" (ARGV[1] the caller part), a thousand
//  at a time, and is deleted, in one atomic step: a pass cut short and run
//  again adds what it adds once (ZADD of a member already there).
static const char s_callers_script[] =
    "local z = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES') "
    "local m = {} "
    "for i = 1, #z, 2 do "
    "  m[#m + 1] = '0' "
    "  m[#m + 1] = ARGV[1] .. '|' .. string.format('%013d', tonumber(z[i + 1])) .. '|' .. z[i] "
    "  if #m >= 2000 then redis.call('ZADD', KEYS[2], unpack(m)); m = {} end "
    "end "
    "if #m > 0 then redis.call('ZADD', KEYS[2], unpack(m)) end "
    "redis.call('DEL', KEYS[1]) "
    "return #z / 2";

//  Sends the step that moves the caller set KEY into its group (layout 5 ->
//  6); 1 if sent.
static int
s_caller_key (hl_redis_t *redis, const redisReply *k)
{
    static const char prefix[] = HL_INDEX_PREFIX "caller:";
    char token[HL_BUCKET_KEY_MAX + 160], caller[sizeof token], group[HL_CALLERIX_KEY_MAX];
    size_t plen = sizeof prefix - 1;
    if (k->type != REDIS_REPLY_STRING || k->len <= plen || k->len - plen >= sizeof token
        || memcmp (k->str, prefix, plen) != 0)
        return 0;
    memcpy (token, k->str + plen, k->len - plen);
    token[k->len - plen] = 0;
    if (hl_callerix_caller (caller, sizeof caller, token) < 0
        || hl_callerix_key (group, sizeof group, token) < 0) {
        hl_warning ("ticket store: %s is no caller's list, left as it is", k->str);
        return 0;
    }
    const char *eval[] = { "EVAL", s_callers_script, "2", k->str, group, caller };
    size_t lens[] = { 4, sizeof s_callers_script - 1, 1, k->len, strlen (group), strlen (caller) };
    return hl_redis_command (redis, 6, eval, lens, NULL, NULL) == 0;
}

//  Layout 5 -> 6: a unit's list (KEY, hl:{ix}:unit:<code>) goes into its
//  buckets' lists (hl:{NN}:unit:<code>), each ticket into its own bucket's
//  with its score, and is deleted after them (one connection, in order: a
//  pass cut short finds the list again and adds what is there already).
static void
s_on_unit_members (hl_redis_t *redis, redisReply *reply, void *arg)
{
    char *key = arg;
    const char *code = key + strlen (HL_INDEX_PREFIX "unit:");
    for (size_t i = 0; reply && reply->type == REDIS_REPLY_ARRAY && i + 1 < reply->elements;
         i += 2) {
        const redisReply *t = reply->element[i], *score = reply->element[i + 1];
        char to[HL_BUCKET_KEY_MAX];
        int bucket = t->type == REDIS_REPLY_STRING ? hl_bucket_of_ticket (t->str, t->len) : -1;
        if (bucket < 0 || score->type != REDIS_REPLY_STRING
            || hl_bucket_key (to, sizeof to, bucket, HL_BUCKET_UNIT_LIST, code, strlen (code)) < 0)
            continue;
        const char *argv[] = { "ZADD", to, score->str, t->str };
        size_t lens[] = { 4, strlen (to), score->len, t->len };
        hl_redis_command (redis, 4, argv, lens, NULL, NULL);
    }
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        const char *argv[] = { "DEL", key };
        hl_redis_command (redis, 2, argv, NULL, NULL, NULL);
    }
    free (key);
}

//  Sends the step that splits the unit list KEY by bucket; 1 if sent.
static int
s_unit_key (hl_redis_t *redis, const redisReply *k)
{
    static const char prefix[] = HL_INDEX_PREFIX "unit:";
    if (k->type != REDIS_REPLY_STRING || k->len <= sizeof prefix - 1
        || memcmp (k->str, prefix, sizeof prefix - 1) != 0
        || k->len - (sizeof prefix - 1) >= HL_STORE_UNIT_MAX)
        return 0;
    char *key = strndup (k->str, k->len);
    if (!key)
        abort ();
    const char *argv[] = { "ZRANGE", key, "0", "-1", "WITHSCORES" };
    if (hl_redis_command (redis, 5, argv, NULL, s_on_unit_members, key) != 0) {
        free (key);
        return 0;
    }
    return 1;
}

//  The names pass of layout 7, behind FLAG.
#define S_NAMES_PASS(flag) { \
    flag, "hl:{*}:t:*", "storing the tickets' fields under their short names", \
    "tickets' fields stored under their short names", s_names_key, NULL }

static const struct s_pass s_names_pass = S_NAMES_PASS (S_NAMES_KEY);

//  On a master of a Redis Cluster the store keeps no layout record (it is
//  a single Redis's): the names pass runs there, over that master's keys,
//  whenever the library loaded there is older than layout 7, before ours
//  replaces it. A pass cut short runs again: that library is still there.
static const struct s_pass s_names_master_pass = S_NAMES_PASS (NULL);

static const struct s_pass s_units_pass = {
    S_UNITS_KEY, HL_INDEX_PREFIX "unit:*", "splitting each unit's list by bucket",
    "units' lists split by bucket", s_unit_key, &s_names_pass
};

static const struct s_pass s_callers_pass = {
    S_CALLERS_KEY, HL_INDEX_PREFIX "caller:*", "moving each caller's list into its group",
    "callers' lists moved into their groups", s_caller_key, &s_units_pass
};

static const struct s_pass s_fold_pass = {
    S_FOLDING_KEY, "hl:m*", "folding the store-wide counters into bucket 0",
    "store-wide counter hashes folded into bucket 0", s_fold_key, &s_callers_pass
};

static const struct s_pass s_history_pass = {
    S_HISTORY_KEY, "hl:{*}:[th]:*",
    "moving histories, clocks and action results into their tickets' hashes",
    "tickets rewritten (history, clocks and action results in the hash)", s_history_key,
    &s_fold_pass
};

//  The passes in order: layout 1 -> 2 (and the lists of layout 2 under
//  their tag), then the tickets' own rewrite of layout 3, the fold of the
//  counters, the lists of layout 6 and the names of layout 7.
static const struct s_pass s_migrate_pass = {
    S_MIGRATING_KEY, "hl:*", "moving tickets of layout 1 into their buckets",
    "keys moved into their buckets", s_migrate_key, &s_history_pass
};

static void
s_on_marked (hl_redis_t *redis, redisReply *reply, void *arg)
{
    (void) redis;
    s_check_t *check = arg;
    if (s_ended (check, reply, "marking the layout"))
        return;
    int stored = reply->type == REDIS_REPLY_INTEGER ? (int) reply->integer : 0;
    if (stored > check->known) {
        s_refuse (check, "data", stored);
        return;
    }
    s_pass_if_flagged (check, &s_migrate_pass);
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

//  The stored layout, read before the mark: a store of an older layout is
//  flagged for each migration it needs first, so that the flags are there
//  whenever the mark is (a crash between the two leaves an unmarked store,
//  flagged again at the next start). Then the mark.
static void
s_on_stored (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_check_t *check = arg;
    if (s_ended (check, reply, "reading the layout"))
        return;
    int stored = reply->type == REDIS_REPLY_STRING ? atoi (reply->str) : 0;
    //  Every pass of layout 3 is flagged for a store of an older one.
    //  The lists' passes of layout 6 and the names pass of layout 7 for
    //  one older than each.
    static const struct { const char *flag; int before; } flags[] = {
        { S_MIGRATING_KEY, 3 }, { S_HISTORY_KEY, 3 }, { S_FOLDING_KEY, 3 },
        { S_CALLERS_KEY, S_LISTS_LAYOUT }, { S_UNITS_KEY, S_LISTS_LAYOUT },
        { S_NAMES_KEY, S_NAMES_LAYOUT }
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (stored >= flags[i].before || check->known < flags[i].before)
            continue;
        const char *flag[] = { "SET", flags[i].flag, "1" };
        if (hl_redis_command (redis, 3, flag, NULL, NULL, NULL) != 0) {
            free (check);
            return;
        }
    }
    char known[16];
    snprintf (known, sizeof known, "%d", check->known);
    const char *argv[] = { "EVAL", s_mark_script, "1", HL_LAYOUT_KEY, known };
    size_t lens[] = { 4, sizeof s_mark_script - 1, 1, strlen (HL_LAYOUT_KEY), strlen (known) };
    if (hl_redis_command (redis, 5, argv, lens, s_on_marked, check) != 0)
        free (check);
}

static void
s_on_listed (hl_redis_t *redis, redisReply *reply, void *arg)
{
    s_check_t *check = arg;
    if (s_ended (check, reply, "FUNCTION LIST"))
        return;
    int loaded = s_loaded_layout (reply);
    if (loaded > check->known) {
        s_refuse (check, "a Function library", loaded);
        return;
    }
    if (check->library_only) {
        if (loaded >= 3 && loaded < S_NAMES_LAYOUT && check->known >= S_NAMES_LAYOUT) {
            check->pass = &s_names_master_pass;
            check->count = 0;
            hl_notice ("ticket store at %s: %s (layout %d)", hl_redis_address (redis),
                       check->pass->starting, check->known);
            s_pass_scan (check, "");
        }
        else
            s_finish (check, HL_LAYOUT_OK, "");
        return;
    }
    const char *argv[] = { "GET", HL_LAYOUT_KEY };
    if (hl_redis_command (redis, 2, argv, NULL, s_on_stored, check) != 0)
        free (check);
}

static int
s_check (hl_redis_t *redis, const char *code, size_t len, int library_only, hl_layout_fn *fn,
         void *arg)
{
    assert (redis && code && fn);
    s_check_t *check = calloc (1, sizeof *check);
    if (!check)
        abort ();
    *check = (s_check_t) { redis, hl_layout_of_library (code, len), fn, arg, NULL, 0,
                           library_only };
    assert (check->known > 0);
    const char *argv[] = { "FUNCTION", "LIST", "LIBRARYNAME", "hotline", "WITHCODE" };
    size_t lens[] = { 8, 4, 11, 7, 8 };
    if (hl_redis_command (redis, 5, argv, lens, s_on_listed, check) != 0) {
        free (check);
        return -1;
    }
    return 0;
}

int
hl_layout_check (hl_redis_t *redis, const char *code, size_t len, hl_layout_fn *fn, void *arg)
{
    return s_check (redis, code, len, 0, fn, arg);
}

int
hl_layout_check_library (hl_redis_t *redis, const char *code, size_t len, hl_layout_fn *fn,
                         void *arg)
{
    return s_check (redis, code, len, 1, fn, arg);
}
