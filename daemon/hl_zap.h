/*  hl_zap: who may connect to the worker queue.
 *
 *  Departments' workers may run on other machines, so on a network the
 *  worker endpoint speaks CURVE (encrypted, each side known by its key).
 *  CURVE alone lets in any client that has *a* key; this class is the
 *  ZeroMQ authentication handler (ZAP, inproc://zeromq.zap.01) that lets
 *  in only the keys listed for a unit, and names the connection after
 *  that unit: hotlined then gives a worker only the unit its key was
 *  issued for, whatever the worker claims.
 *
 *  The keys file has one line per worker key, "<unit code> <public key>"
 *  (Z85, 40 characters), '#' comments; a unit may have several keys.
 *
 *  The handler must be bound before any CURVE server socket of its
 *  context: a CURVE socket that finds no handler lets every client in.
 *  The loop thread owns it; nothing here is thread-safe.
 */
#ifndef HL_ZAP_H_INCLUDED
#define HL_ZAP_H_INCLUDED

#include <event2/event.h>
#include <stddef.h>

typedef struct hl_zap hl_zap_t;

//  Bind the handler in ZMQ_CTX and load the keys at KEYS_PATH. NULL with
//  ERR if the file cannot be read, a line is wrong, or the handler cannot
//  be bound (another one already is).
hl_zap_t *hl_zap_new (struct event_base *base, void *zmq_ctx, const char *keys_path,
                      char *err, size_t errlen);
void hl_zap_destroy (hl_zap_t **self_p);

//  Replace the keys with those at KEYS_PATH (SIGHUP). 0, or -1 with ERR
//  and the old keys kept. Connections already made stay.
int hl_zap_reload (hl_zap_t *self, const char *keys_path, char *err, size_t errlen);

//  Keys loaded.
size_t hl_zap_count (const hl_zap_t *self);

#endif
