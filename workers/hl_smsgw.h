/*  hl_smsgw: the SMS gateway as the reference notification adaptor speaks
 *  to it: one TCP connection, a line protocol in the manner of SMPP's
 *  submit_sm / submit_sm_resp:
 *
 *      adaptor -> gateway   SUBMIT <id> <record>      record: the message's JSON
 *      gateway -> adaptor   ACK <id>                  taken (or taken before)
 *                           NACK <id> <reason>        refused: try again later
 *
 *  The gateway takes a message once per id (an SMSC's duplicate check by
 *  the client's message reference), which closes the one moment the
 *  adaptor cannot: a crash after the gateway took a message and before
 *  the adaptor recorded it. Each submit waits for its answer (timeout_ms);
 *  a connection that fails is closed and made again at the next submit.
 */
#ifndef HL_SMSGW_H_INCLUDED
#define HL_SMSGW_H_INCLUDED

#include <stddef.h>

typedef struct hl_smsgw hl_smsgw_t;

//  The gateway at ADDRESS (host:port), answers awaited TIMEOUT_MS. NULL
//  with ERR if ADDRESS is not host:port (nothing is connected yet).
hl_smsgw_t *hl_smsgw_new (const char *address, int timeout_ms, char *err, size_t errlen);
void hl_smsgw_destroy (hl_smsgw_t **self_p);

//  Submit RECORD as ID. 0 once the gateway acknowledged it, -1 with the
//  reason in ERR (gateway unreachable, refused, silent).
int hl_smsgw_submit (hl_smsgw_t *self, const char *id, const char *record, char *err,
                     size_t errlen);

#endif
