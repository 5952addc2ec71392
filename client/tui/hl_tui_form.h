/*  hl_tui_form: the ticket as the agent types it during a call.
 *
 *  Caller's number, request type, category and area (chosen from the
 *  city's code catalogue with a searchable picker), the caller's words
 *  (several lines, any script), name and address, the confidential,
 *  anonymous and enterprise flags with the enterprise's credit code and
 *  name. Tab and Enter move between fields, Shift-Tab back.
 *
 *  A form has one request id from the moment it is opened until its
 *  ticket is stored: every attempt to submit it (after a refusal, after
 *  hotlined came back) uses that id, so a form can never become two
 *  tickets. Only a new call (hl_tui_form_reset) takes a new id.
 */
#ifndef HL_TUI_FORM_H_INCLUDED
#define HL_TUI_FORM_H_INCLUDED

#include "hl_codes.h"
#include "hl_tui_screen.h"
#include "hotline.pb-c.h"

#include <stddef.h>
#include <wchar.h>

typedef struct hl_tui_form hl_tui_form_t;

typedef enum {
    HL_TUI_F_PHONE = 0,
    HL_TUI_F_TYPE,
    HL_TUI_F_CATEGORY,
    HL_TUI_F_AREA,
    HL_TUI_F_CONTENT,
    HL_TUI_F_NAME,
    HL_TUI_F_ADDRESS,
    HL_TUI_F_CONFIDENTIAL,
    HL_TUI_F_ANONYMOUS,
    HL_TUI_F_ENTERPRISE,
    HL_TUI_F_CREDIT,
    HL_TUI_F_ENTNAME,
    HL_TUI_F_COUNT
} hl_tui_field_t;

//  What a key did to the form (bits).
enum {
    HL_TUI_FORM_IGNORED = 0,    //  not a key for the form
    HL_TUI_FORM_HANDLED = 1,    //  taken
    HL_TUI_FORM_CONTENT = 2,    //  the caller's words changed
    HL_TUI_FORM_PHONE = 4,      //  a caller's number was entered
    HL_TUI_FORM_CODES = 8,      //  type, category or area changed
    HL_TUI_FORM_PICK = 16       //  open the picker of the focused field
};

hl_tui_form_t *hl_tui_form_new (void);
void hl_tui_form_destroy (hl_tui_form_t **self_p);

//  Start a new call: everything cleared (the caller's number too unless
//  KEEP_PHONE), a fresh request id, focus on the number (or on the type
//  when the number is kept).
void hl_tui_form_reset (hl_tui_form_t *self, int keep_phone);

//  The form's request id (idempotency key of its ticket).
const char *hl_tui_form_rid (const hl_tui_form_t *self);

//  True if anything was typed or chosen besides the caller's number.
int hl_tui_form_dirty (const hl_tui_form_t *self);

hl_tui_field_t hl_tui_form_focus (const hl_tui_form_t *self);
void hl_tui_form_set_focus (hl_tui_form_t *self, hl_tui_field_t field);

//  True if the focused field takes text (characters typed there are the
//  caller's words or details, not commands).
int hl_tui_form_typing (const hl_tui_form_t *self);

//  Apply a key to the focused field. With HL_TUI_FORM_PICK, *FIRST holds
//  the character that opened the picker (0 for Enter).
int hl_tui_form_key (hl_tui_form_t *self, int is_key, wint_t ch, wchar_t *first);

//  Set a picked value: CODE for category and area, the RequestType
//  number as text for the type. Moves on to the next field.
void hl_tui_form_pick (hl_tui_form_t *self, hl_tui_field_t field, const char *code,
                       const char *name);

//  Set the caller's number (phone channel hand-over).
void hl_tui_form_set_phone (hl_tui_form_t *self, const char *phone);

//  Current values (UTF-8; the strings stay valid until the next change).
const char *hl_tui_form_phone (hl_tui_form_t *self);
const char *hl_tui_form_content (hl_tui_form_t *self);
const char *hl_tui_form_code (const hl_tui_form_t *self, hl_tui_field_t field);

//  Check what intake requires; -1 with a message (and focus on the field
//  at fault) if something is missing.
int hl_tui_form_check (hl_tui_form_t *self, char *msg, size_t msglen);

//  Fill C from the form for the phone channel, taken by AGENT. The
//  strings belong to the form until the next call.
void hl_tui_form_complaint (hl_tui_form_t *self, Hotline__Complaint *c, const char *agent);

//  The field a refusal names (its wire name), or -1.
int hl_tui_form_field_of (const char *wire_name);

//  Draw in R, leaving GAP rows under the caller's number for the
//  caller's history and the last row for the disposition line.
void hl_tui_form_draw (hl_tui_form_t *self, hl_tui_rect_t r, int gap);

#endif
