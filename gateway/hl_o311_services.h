/*  hl_o311_services: the Open311 service list (open311.conf).
 *
 *  An Open311 service is what a citizen picks in an app ("夜间施工噪音");
 *  hotline routes by request type × category (codes.conf). The file maps
 *  each service_code to one pair and describes the service the way the
 *  GeoReport v2 service list and service definitions show it:
 *
 *      [gateway]
 *      contact = 阳江市12345政务服务便民热线 12345
 *      changeset = 2026-12-04T00:00:00+08:00
 *      default_area = 441700          (area of a request that names none)
 *
 *      [service ZJ-NOISE]
 *      name = 夜间施工噪音
 *      description = 夜间（22:00至次日6:00）建筑施工噪音扰民
 *      type = 投诉                     (诉求类型, as hotline names them)
 *      category = ZJ.03                (a category of codes.conf)
 *      group = 住房城建
 *      keywords = 噪音,施工,夜间
 *      attribute = site string required 工地名称或位置
 *      attribute = period singlevaluelist optional 噪音发生的时段
 *      value = period night 夜间
 *
 *  Attribute lines are CODE DATATYPE required|optional DESCRIPTION, in the
 *  order shown to users; value lines add KEY NAME to a list attribute.
 *  Every service also gets the attribute "area" (a singlevaluelist of the
 *  areas of codes.conf, the single source of them), required unless
 *  default_area is set. Categories and areas are checked against the code
 *  catalogue at load: a file naming an unknown code is refused.
 */
#ifndef HL_O311_SERVICES_H_INCLUDED
#define HL_O311_SERVICES_H_INCLUDED

#include "hl_codes.h"

#include <stddef.h>

typedef struct hl_o311_services hl_o311_services_t;

typedef enum {
    HL_O311_STRING = 0, HL_O311_NUMBER, HL_O311_DATETIME, HL_O311_TEXT,
    HL_O311_SINGLE, HL_O311_MULTI
} hl_o311_datatype_t;

#define HL_O311_CODE_MAX 64

typedef struct {
    const char *key;
    const char *name;
} hl_o311_value_t;

typedef struct {
    const char *code;
    hl_o311_datatype_t datatype;
    int required;
    const char *description;
    const hl_o311_value_t *values;
    size_t n_values;
} hl_o311_attr_t;

typedef struct {
    const char *code;
    const char *name;
    const char *description;
    const char *group;
    const char *keywords;
    int request_type;            //  Hotline__RequestType
    const char *category;
    const hl_o311_attr_t *attrs; //  the configured ones, then "area"
    size_t n_attrs;
} hl_o311_service_t;

//  The code of the attribute every service carries for its area.
#define HL_O311_AREA_ATTR "area"

//  Load PATH, checking codes against CODES. NULL with "FILE:LINE: message"
//  in ERR on error.
hl_o311_services_t *hl_o311_services_load (const char *path, const hl_codes_t *codes,
                                           char *err, size_t errlen);
hl_o311_services_t *hl_o311_services_parse (const char *name, const char *text,
                                            const hl_codes_t *codes, char *err, size_t errlen);
void hl_o311_services_destroy (hl_o311_services_t **self_p);

size_t hl_o311_services_count (const hl_o311_services_t *self);
const hl_o311_service_t *hl_o311_services_at (const hl_o311_services_t *self, size_t i);
//  The service CODE, or NULL.
const hl_o311_service_t *hl_o311_services_find (const hl_o311_services_t *self,
                                                const char *code);
//  The first service filing REQUEST_TYPE × CATEGORY, or NULL.
const hl_o311_service_t *hl_o311_services_match (const hl_o311_services_t *self,
                                                 int request_type, const char *category);
//  The attribute CODE of SERVICE, or NULL.
const hl_o311_attr_t *hl_o311_service_attr (const hl_o311_service_t *service, const char *code);

//  [gateway] settings ("" when not set).
const char *hl_o311_services_setting (const hl_o311_services_t *self, const char *key);

//  The spec's name of DATATYPE ("singlevaluelist", ...).
const char *hl_o311_datatype_name (hl_o311_datatype_t datatype);

#endif
