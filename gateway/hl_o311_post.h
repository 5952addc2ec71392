/*  hl_o311_post: a GeoReport v2 POST requests body, checked and turned
 *  into a hotline Complaint.
 *
 *  Pure: no I/O. The gateway calls, in this order, _parse (is the body a
 *  form of UTF-8 text at all? 400), looks the api_key up itself (403),
 *  then _check against the service list (unknown service_code 404; bad
 *  location, attribute or field 400), then _complaint. What goes where:
 *
 *    service_code          -> request_type + category (open311.conf)
 *    attribute[area]       -> area (else the configured default_area)
 *    lat, long             -> location;  address_string -> address
 *    address_id            -> address "地址编号 ID" when no address_string
 *    description, the other attributes (by their descriptions and value
 *    names) and media_url  -> content, one per line
 *    last_name first_name  -> caller_name;  phone -> caller_phone
 *                             (no phone: an anonymous request)
 *    device_id, account_id -> channel_ref, after the key's name
 *    email                 -> checked, not kept (hotline answers by phone)
 *
 *  The idempotency key (the Complaint's request_id) is derived from the
 *  API key's name and either the client's own request id (the
 *  Idempotency-Key header) or, without one, the body itself and the local
 *  date: the same POST sent again the same day (a retry after a timeout)
 *  gets the same ticket, never a second one.
 */
#ifndef HL_O311_POST_H_INCLUDED
#define HL_O311_POST_H_INCLUDED

#include "hl_o311_keys.h"
#include "hl_o311_services.h"
#include "hotline.pb-c.h"

#include <stddef.h>
#include <time.h>

typedef struct hl_o311_post hl_o311_post_t;

#define HL_O311_ATTRS_MAX 32
#define HL_O311_DESCRIPTION_MAX 4000     //  characters, as the spec says
#define HL_O311_RID_LEN 37               //  "o311-" + 32 hex digits

//  Decode BODY[0..LEN). NULL with the reason in ERR if it is not a form
//  of UTF-8 text, repeats a field, or holds too many attributes.
hl_o311_post_t *hl_o311_post_parse (const char *body, size_t len, char *err, size_t errlen);
void hl_o311_post_destroy (hl_o311_post_t **self_p);

//  A field as sent ("api_key", "jurisdiction_id", ...); NULL if absent
//  or empty (the spec treats both alike).
const char *hl_o311_post_field (const hl_o311_post_t *self, const char *name);

//  Check the request against SERVICES. 0, or the HTTP status to answer
//  (400, 404) with the reason in ERR ("field: what is wrong").
int hl_o311_post_check (hl_o311_post_t *self, const hl_o311_services_t *services,
                        char *err, size_t errlen);

//  Fill OUT (and LOCATION, which OUT may point to) for KEY. The strings
//  stay valid while SELF lives. CLIENT_ID: the client's own request id,
//  or NULL to derive the idempotency key from the body and TODAY.
void hl_o311_post_complaint (hl_o311_post_t *self, const hl_o311_key_t *key,
                             const char *client_id, time_t today, Hotline__Complaint *out,
                             Hotline__GeoPoint *location);

#endif
