/*  hl_wire: the shared half of the wire protocol (proto/hotline.proto).
 *
 *  Packing and safe unpacking of Envelopes, the names of enum values as
 *  people and JSON see them, and small helpers for `bytes` fields. Both
 *  hotlined and every client use these, so a name or a limit is defined
 *  once.
 */
#ifndef HL_WIRE_H_INCLUDED
#define HL_WIRE_H_INCLUDED

#include "hotline.pb-c.h"
#include "hl_buf.h"

#include <stddef.h>

//  The protocol version this build speaks.
#define HL_WIRE_VERSION 1

//  Default cap on one frame. hotlined refuses larger frames with
//  ERROR_TOO_LARGE; the transport cap (ZMQ_MAXMSGSIZE) is set higher so
//  that such frames still arrive and can be answered.
#define HL_WIRE_MAX_MESSAGE 65536

//  The longest extension (延期) one request may ask for, in working days;
//  hotlined refuses more, and the worker library checks it first.
#define HL_WIRE_EXTENSION_DAYS_MAX 60

//  Serialise ENV into OUT (replacing its contents).
void hl_wire_pack (const Hotline__Envelope *env, hl_buf_t *out);

//  Serialise ENV at the end of OUT (after what it holds); its length.
size_t hl_wire_pack_append (const Hotline__Envelope *env, hl_buf_t *out);

//  Unpack a frame. Returns the envelope (free with hl_wire_free) or NULL
//  with *code set to ERROR_TOO_LARGE or ERROR_BAD_FRAME.
Hotline__Envelope *hl_wire_unpack (const void *data, size_t len, size_t max_len,
                                   Hotline__ErrorCode *code);
void hl_wire_free (Hotline__Envelope **env_p);

//  Names of enum values ("phone", "complaint", "to_dispatch", ...), NULL
//  for values outside the enum.
const char *hl_wire_channel_name (int value);
const char *hl_wire_request_type_name (int value);
const char *hl_wire_request_type_label (int value);   //  咨询, 求助, ...
const char *hl_wire_state_name (int value);
const char *hl_wire_state_label (int value);          //  待派单, ...
const char *hl_wire_error_name (int value);

//  Reverse lookups: the enum value for NAME, or 0 (UNSPECIFIED) if none.
//  Request types also accept their Chinese label.
int hl_wire_channel_parse (const char *name);
int hl_wire_request_type_parse (const char *name);
int hl_wire_state_parse (const char *name);

//  Actions, return reasons, satisfaction ratings, visit channels (via) and
//  dispositions, as the lifecycle names them ("request_extension",
//  "wrong_area", "sms", ...).
const char *hl_wire_action_name (int value);
int hl_wire_action_parse (const char *name);
const char *hl_wire_return_reason_name (int value);
int hl_wire_return_reason_parse (const char *name);
const char *hl_wire_satisfaction_name (int value);
int hl_wire_satisfaction_parse (const char *name);
const char *hl_wire_via_name (int value);
int hl_wire_via_parse (const char *name);
const char *hl_wire_disposition_name (int value);
int hl_wire_disposition_parse (const char *name);
int hl_wire_error_parse (const char *name);

//  Whether a refusal with CODE may succeed if the same request is sent
//  again later (the store was unavailable, the daemon busy or draining).
int hl_wire_retryable (int code);

//  Make ENV a Nack with CODE, FIELD (may be NULL) and MESSAGE, using NACK
//  as its storage; the strings are not copied.
void hl_wire_nack (Hotline__Envelope *env, Hotline__Nack *nack, int code,
                   const char *field, const char *message);

//  A `bytes` field viewing the NUL-terminated STR (no copy).
ProtobufCBinaryData hl_wire_bytes (const char *str);

//  Copy a `bytes` field into a NUL-terminated heap string.
char *hl_wire_strdup (ProtobufCBinaryData data);

//  A copy of message M that outlives the buffer it was unpacked from
//  (through its wire form); free it with protobuf_c_message_free_unpacked
//  or the message's own free_unpacked.
void *hl_wire_copy (const ProtobufCMessage *m);

#endif
