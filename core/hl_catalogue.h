/*  hl_catalogue: the dispatch catalogue (派单目录).
 *
 *  Which unit leads (主办) and which units assist (协办) for a category in
 *  an area, read from dispatch.conf (its header documents the format). A
 *  route is looked up from the most specific to the least: (category,
 *  area), (category, *), (group, area), (group, *), and finally the area's
 *  own government (属地兜底), so every ticket in a known area has an owner.
 *
 *  A catalogue is immutable once loaded; a reload builds a new one and
 *  swaps it in, so a bad file never replaces a good one.
 */
#ifndef HL_CATALOGUE_H_INCLUDED
#define HL_CATALOGUE_H_INCLUDED

#include <stddef.h>

typedef struct hl_catalogue hl_catalogue_t;

#define HL_CATALOGUE_ASSIST_MAX 4

typedef struct {
    const char *lead;                          //  unit code
    const char *assist[HL_CATALOGUE_ASSIST_MAX];
    int n_assist;
    const char *rule;                          //  which rule matched, for history
} hl_route_t;

//  Load PATH. NULL with "FILE:LINE: message" in ERR on error.
hl_catalogue_t *hl_catalogue_load (const char *path, char *err, size_t errlen);
hl_catalogue_t *hl_catalogue_parse (const char *name, const char *text,
                                    char *err, size_t errlen);
void hl_catalogue_destroy (hl_catalogue_t **self_p);

//  Route CATEGORY in AREA. 0 with *route filled (pointers into the
//  catalogue), or -1 if nothing matches (unknown area, no government).
int hl_catalogue_route (const hl_catalogue_t *self, const char *category,
                        const char *area, hl_route_t *route);

//  The unit's name, or NULL if CODE[0..len) is not a unit.
const char *hl_catalogue_unit_name (const hl_catalogue_t *self, const char *code, size_t len);

//  True if the unit may see callers' numbers unmasked.
int hl_catalogue_unit_callback (const hl_catalogue_t *self, const char *code, size_t len);

size_t hl_catalogue_unit_count (const hl_catalogue_t *self);
const char *hl_catalogue_unit_code_at (const hl_catalogue_t *self, size_t i);

#endif
