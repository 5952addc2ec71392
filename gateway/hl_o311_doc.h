/*  hl_o311_doc: one Open311 answer written as XML or as JSON.
 *
 *  GeoReport v2 requires XML and allows JSON "by a programmatic mapping of
 *  the XML format" (the Spark convention): an element with children is an
 *  object, a repeated element is a list, a text element is a string. The
 *  gateway describes each answer once through this writer and gets either
 *  form, so the two can never disagree:
 *
 *      XML                                  JSON
 *      <services>                           [
 *        <service>                            {
 *          <service_code>A1</service_code>      "service_code":"A1"
 *        </service>                           }
 *      </services>                          ]
 *
 *  XML text is escaped (& < > " ') and characters XML 1.0 cannot carry
 *  become U+FFFD; JSON strings are escaped by hl_json_str. Identifiers are
 *  always strings (the spec's JSON examples write 001 unquoted, which is
 *  not JSON). Input must be valid UTF-8 (the gateway validates it first).
 */
#ifndef HL_O311_DOC_H_INCLUDED
#define HL_O311_DOC_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

typedef struct hl_o311_doc hl_o311_doc_t;

//  A document in XML (XML true) or JSON.
hl_o311_doc_t *hl_o311_doc_new (int xml);
void hl_o311_doc_destroy (hl_o311_doc_t **self_p);

//  The Content-Type of the document's format.
const char *hl_o311_doc_type (const hl_o311_doc_t *self);

//  Open an object: NAME is its key inside an object; inside a list (or at
//  the root of a list document) the list's ITEM name is used instead.
//  At the root NAME is the XML root element.
void hl_o311_doc_object (hl_o311_doc_t *self, const char *name);

//  Open a list NAME whose elements are called ITEM in XML.
void hl_o311_doc_list (hl_o311_doc_t *self, const char *name, const char *item);

//  Close the innermost object or list.
void hl_o311_doc_end (hl_o311_doc_t *self);

//  Fields. A NULL string is written as an empty element / JSON null.
void hl_o311_doc_str (hl_o311_doc_t *self, const char *name, const char *value);
void hl_o311_doc_strn (hl_o311_doc_t *self, const char *name, const void *data, size_t len);
void hl_o311_doc_int (hl_o311_doc_t *self, const char *name, int64_t value);
void hl_o311_doc_bool (hl_o311_doc_t *self, const char *name, int value);
//  A coordinate, with the precision WGS84 needs (7 decimals).
void hl_o311_doc_coord (hl_o311_doc_t *self, const char *name, double value);

//  The finished text (every object and list must be closed).
const char *hl_o311_doc_data (const hl_o311_doc_t *self, size_t *len);

//  Write into DOC the spec's error list with one error: CODE (the HTTP
//  status) and DESCRIPTION.
void hl_o311_doc_error (hl_o311_doc_t *self, int code, const char *description);

#endif
