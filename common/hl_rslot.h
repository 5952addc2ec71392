/*  hl_rslot: the pure rules of Redis Cluster routing.
 *
 *  Redis Cluster splits the key space into 16384 hash slots: a key's slot
 *  is CRC16 (XMODEM) of the key modulo 16384, or of its hash tag — the
 *  text between the first '{' and the first '}' after it, when that text
 *  is not empty — so keys sharing a tag share a slot and one Function call
 *  may touch them all. Each slot is served by one master. A server that
 *  does not own a slot answers "MOVED slot host:port" (the slot lives
 *  there now) or, while the slot is being migrated, "ASK slot host:port"
 *  (ask there once, after ASKING); "TRYAGAIN" and "CLUSTERDOWN" say the
 *  command was not run and may be sent again later.
 *
 *  This class holds those rules as functions without I/O, so that each is
 *  tested on its own: key slot, error classification, and the slot map
 *  read from a CLUSTER SLOTS reply. hl_rcluster does the talking.
 */
#ifndef HL_RSLOT_H_INCLUDED
#define HL_RSLOT_H_INCLUDED

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define HL_RSLOT_COUNT 16384
#define HL_RSLOT_NONE 0xFFFF          //  a slot no master serves
#define HL_RSLOT_ADDR_MAX 128         //  "host:port" or "unix:/path", NUL included
#define HL_RSLOT_MASTERS_MAX 1024     //  Redis Cluster's own recommended ceiling

//  The slot of KEY[0..len), hash tags included.
int hl_rslot_keyslot (const char *key, size_t len);

//  What an error reply says about routing.
typedef enum {
    HL_RSLOT_ERR_OTHER = 0,      //  an ordinary error: the command's own answer
    HL_RSLOT_ERR_MOVED,          //  the slot is served by ADDRESS from now on
    HL_RSLOT_ERR_ASK,            //  ask ADDRESS once, after ASKING
    HL_RSLOT_ERR_TRYAGAIN,       //  slot in migration, keys split: later
    HL_RSLOT_ERR_CLUSTERDOWN,    //  the cluster cannot serve the slot now
    HL_RSLOT_ERR_LOADING,        //  the server is still reading its data
    HL_RSLOT_ERR_READONLY        //  a former master, now a replica
} hl_rslot_err_t;

typedef struct {
    int slot;                            //  MOVED/ASK: the slot named
    char address[HL_RSLOT_ADDR_MAX];     //  MOVED/ASK: "host:port"
} hl_rslot_redirect_t;

//  Classifies the error text STR[0..len). For MOVED and ASK fills OUT;
//  an empty host (Redis 7: "MOVED 3999 :6381", "same host as this one")
//  is replaced by DEFAULT_HOST. A MOVED or ASK that does not parse is an
//  ordinary error. None of the kinds but OTHER ran the command.
hl_rslot_err_t hl_rslot_parse_error (const char *str, size_t len, const char *default_host,
                                     hl_rslot_redirect_t *out);

//  Which master serves each slot.
typedef struct {
    uint16_t owner[HL_RSLOT_COUNT];      //  index into masters, or HL_RSLOT_NONE
    size_t n_masters;
    char masters[HL_RSLOT_MASTERS_MAX][HL_RSLOT_ADDR_MAX];
} hl_rslot_map_t;

//  Reads a CLUSTER SLOTS reply into MAP (masters only; a node listed
//  without an address — "" or "?" — is taken to be on DEFAULT_HOST).
//  0, or -1 with the reason in ERR and MAP unchanged.
int hl_rslot_map_parse (hl_rslot_map_t *map, const redisReply *reply,
                        const char *default_host, char *err, size_t errlen);

//  A standalone Redis: ADDRESS serves every slot.
void hl_rslot_map_single (hl_rslot_map_t *map, const char *address);

//  The host part of ADDRESS ("h" of "h:port", "" for unix sockets) into
//  HOST. 0 or -1 if it does not fit.
int hl_rslot_host (const char *address, char *host, size_t hostlen);

#endif
