/*  hl_zap: who may connect to hotlined's CURVE endpoints.
 *
 *  On a network, hotlined's endpoints speak CURVE (encrypted, each side
 *  known by its key). CURVE alone lets in any client that has *a* key;
 *  this class is the ZeroMQ authentication handler (ZAP,
 *  inproc://zeromq.zap.01) that lets in only listed keys, and names each
 *  connection after what its key was issued to. A socket says which list
 *  applies through its ZAP domain:
 *
 *    HL_ZAP_WORKERS  the worker queue: "<unit code> <public key>" lines;
 *                    the connection is named after the unit, and hotlined
 *                    gives a worker only that unit, whatever it claims.
 *    HL_ZAP_STAFF    the intake endpoints: "<who> <public key>" lines,
 *                    where who is agent:NAME, dispatcher:NAME,
 *                    supervisor:NAME or channel:NAME (a channel's
 *                    gateway); staff then act only in their own name and
 *                    a gateway files only for its channel.
 *
 *  Keys are Z85 (40 characters); '#' starts a comment; a unit or a person
 *  may have several keys. A domain without a list refuses everyone.
 *
 *  The handler must be bound before any CURVE server socket of its
 *  context: a CURVE socket that finds no handler lets every client in.
 *  The loop thread owns it; nothing here is thread-safe.
 */
#ifndef HL_ZAP_H_INCLUDED
#define HL_ZAP_H_INCLUDED

#include <event2/event.h>
#include <stddef.h>

#define HL_ZAP_WORKERS "workers"
#define HL_ZAP_STAFF "staff"

//  Longest name a key may carry, with its terminator.
#define HL_ZAP_NAME_MAX 80

typedef struct hl_zap hl_zap_t;

//  Bind the handler in ZMQ_CTX, with no keys yet. NULL with ERR if it
//  cannot be bound (another one already is).
hl_zap_t *hl_zap_new (struct event_base *base, void *zmq_ctx, char *err, size_t errlen);
void hl_zap_destroy (hl_zap_t **self_p);

//  Load (or, on SIGHUP, replace) the keys of DOMAIN (HL_ZAP_WORKERS or
//  HL_ZAP_STAFF) from KEYS_PATH, and log how many. 0, or -1 with ERR
//  (file unreadable, a line wrong) and the domain's old keys kept.
//  Connections already made stay.
int hl_zap_load (hl_zap_t *self, const char *domain, const char *keys_path, char *err,
                 size_t errlen);

//  The same for a list's contents in memory (TEXT), called NAME in errors
//  and in the log.
int hl_zap_load_text (hl_zap_t *self, const char *domain, const char *name, const char *text,
                      char *err, size_t errlen);

//  Keys loaded for DOMAIN.
size_t hl_zap_count (const hl_zap_t *self, const char *domain);

//  True if NAME is a valid name for a staff key (see HL_ZAP_STAFF).
int hl_zap_staff_name (const char *name);

#endif
