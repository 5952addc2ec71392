/*  hl_rslot: the pure rules of Redis Cluster routing. See hl_rslot.h. */
#include "hl_rslot.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the one the
//  Redis Cluster specification names, four bits at a time.
static uint16_t
s_crc16 (const char *buf, size_t len)
{
    static const uint16_t nibble[16] = {
        0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
        0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef
    };
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t byte = (uint8_t) buf[i];
        crc = (uint16_t) ((crc << 4) ^ nibble[((crc >> 12) ^ (byte >> 4)) & 0x0f]);
        crc = (uint16_t) ((crc << 4) ^ nibble[((crc >> 12) ^ byte) & 0x0f]);
    }
    return crc;
}

int
hl_rslot_keyslot (const char *key, size_t len)
{
    const char *open = memchr (key, '{', len);
    if (open) {
        size_t from = (size_t) (open - key) + 1;
        const char *close = memchr (key + from, '}', len - from);
        if (close && close > key + from)
            return s_crc16 (key + from, (size_t) (close - key) - from) & (HL_RSLOT_COUNT - 1);
    }
    return s_crc16 (key, len) & (HL_RSLOT_COUNT - 1);
}

int
hl_rslot_host (const char *address, char *host, size_t hostlen)
{
    if (strncmp (address, "unix:", 5) == 0) {
        snprintf (host, hostlen, "%s", "");
        return 0;
    }
    const char *colon = strrchr (address, ':');
    size_t n = colon ? (size_t) (colon - address) : strlen (address);
    if (n >= hostlen)
        return -1;
    memcpy (host, address, n);
    host[n] = 0;
    return 0;
}

//  "HOST:PORT" from the reply's text, or HOST from DEFAULT_HOST when the
//  server left it empty. 0 or -1 if the port is not a port or it is too
//  long.
static int
s_join_address (char *out, size_t outlen, const char *host, size_t hostlen, long port,
                const char *default_host)
{
    if (port <= 0 || port > 65535)
        return -1;
    if (hostlen == 0 || (hostlen == 1 && host[0] == '?')) {
        host = default_host ? default_host : "127.0.0.1";
        hostlen = strlen (host);
    }
    int n = snprintf (out, outlen, "%.*s:%ld", (int) hostlen, host, port);
    return n > 0 && (size_t) n < outlen ? 0 : -1;
}

//  "SLOT HOST:PORT" at the start of TEXT[0..len) into OUT. 0 or -1.
static int
s_parse_target (const char *text, size_t len, const char *default_host,
                hl_rslot_redirect_t *out)
{
    char buf[HL_RSLOT_ADDR_MAX + 16];
    if (len >= sizeof buf)
        return -1;
    memcpy (buf, text, len);
    buf[len] = 0;
    char *end;
    long slot = strtol (buf, &end, 10);
    if (end == buf || *end != ' ' || slot < 0 || slot >= HL_RSLOT_COUNT)
        return -1;
    const char *addr = end + 1;
    const char *colon = strrchr (addr, ':');
    if (!colon)
        return -1;
    char *pend;
    long port = strtol (colon + 1, &pend, 10);
    if (pend == colon + 1 || *pend)
        return -1;
    if (s_join_address (out->address, sizeof out->address, addr, (size_t) (colon - addr),
                        port, default_host) != 0)
        return -1;
    out->slot = (int) slot;
    return 0;
}

//  True if STR[0..len) starts with the word WORD (followed by a space or
//  the end).
static int
s_word (const char *str, size_t len, const char *word)
{
    size_t n = strlen (word);
    return len >= n && memcmp (str, word, n) == 0 && (len == n || str[n] == ' ');
}

hl_rslot_err_t
hl_rslot_parse_error (const char *str, size_t len, const char *default_host,
                      hl_rslot_redirect_t *out)
{
    assert (str && out);
    if (s_word (str, len, "MOVED"))
        return s_parse_target (str + 6, len - 6, default_host, out) == 0
             ? HL_RSLOT_ERR_MOVED : HL_RSLOT_ERR_OTHER;
    if (s_word (str, len, "ASK"))
        return s_parse_target (str + 4, len - 4, default_host, out) == 0
             ? HL_RSLOT_ERR_ASK : HL_RSLOT_ERR_OTHER;
    if (s_word (str, len, "TRYAGAIN"))
        return HL_RSLOT_ERR_TRYAGAIN;
    if (s_word (str, len, "CLUSTERDOWN"))
        return HL_RSLOT_ERR_CLUSTERDOWN;
    if (s_word (str, len, "LOADING"))
        return HL_RSLOT_ERR_LOADING;
    if (s_word (str, len, "READONLY"))
        return HL_RSLOT_ERR_READONLY;
    return HL_RSLOT_ERR_OTHER;
}

//  The index of ADDRESS among MAP's masters, added if new; -1 if full.
static int
s_master_index (hl_rslot_map_t *map, const char *address)
{
    for (size_t i = 0; i < map->n_masters; i++)
        if (strcmp (map->masters[i], address) == 0)
            return (int) i;
    if (map->n_masters == HL_RSLOT_MASTERS_MAX)
        return -1;
    snprintf (map->masters[map->n_masters], HL_RSLOT_ADDR_MAX, "%s", address);
    return (int) map->n_masters++;
}

//  One "[start, end, [host, port, id, ...], replicas...]" entry into MAP.
static int
s_parse_range (hl_rslot_map_t *map, const redisReply *r, const char *default_host,
               char *err, size_t errlen)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3
        || r->element[0]->type != REDIS_REPLY_INTEGER
        || r->element[1]->type != REDIS_REPLY_INTEGER
        || r->element[2]->type != REDIS_REPLY_ARRAY || r->element[2]->elements < 2) {
        snprintf (err, errlen, "CLUSTER SLOTS: malformed slot range");
        return -1;
    }
    long long start = r->element[0]->integer, end = r->element[1]->integer;
    const redisReply *node = r->element[2];
    if (start < 0 || end < start || end >= HL_RSLOT_COUNT
        || node->element[0]->type != REDIS_REPLY_STRING
        || node->element[1]->type != REDIS_REPLY_INTEGER) {
        snprintf (err, errlen, "CLUSTER SLOTS: bad range %lld-%lld", start, end);
        return -1;
    }
    char address[HL_RSLOT_ADDR_MAX];
    if (s_join_address (address, sizeof address, node->element[0]->str,
                        node->element[0]->len, (long) node->element[1]->integer,
                        default_host) != 0) {
        snprintf (err, errlen, "CLUSTER SLOTS: bad node address for %lld-%lld", start, end);
        return -1;
    }
    int index = s_master_index (map, address);
    if (index < 0) {
        snprintf (err, errlen, "CLUSTER SLOTS: more than %d masters", HL_RSLOT_MASTERS_MAX);
        return -1;
    }
    for (long long s = start; s <= end; s++)
        map->owner[s] = (uint16_t) index;
    return 0;
}

int
hl_rslot_map_parse (hl_rslot_map_t *map, const redisReply *reply, const char *default_host,
                    char *err, size_t errlen)
{
    assert (map && reply);
    if (reply->type != REDIS_REPLY_ARRAY) {
        snprintf (err, errlen, "CLUSTER SLOTS: %s",
                  reply->type == REDIS_REPLY_ERROR ? reply->str : "not an array");
        return -1;
    }
    hl_rslot_map_t *next = malloc (sizeof *next);
    if (!next)
        abort ();
    next->n_masters = 0;
    for (size_t s = 0; s < HL_RSLOT_COUNT; s++)
        next->owner[s] = HL_RSLOT_NONE;
    for (size_t i = 0; i < reply->elements; i++)
        if (s_parse_range (next, reply->element[i], default_host, err, errlen) != 0) {
            free (next);
            return -1;
        }
    memcpy (map, next, sizeof *map);
    free (next);
    return 0;
}

void
hl_rslot_map_single (hl_rslot_map_t *map, const char *address)
{
    map->n_masters = 1;
    snprintf (map->masters[0], HL_RSLOT_ADDR_MAX, "%s", address);
    memset (map->owner, 0, sizeof map->owner);
}
