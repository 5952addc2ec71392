/*  hl_msgtpl: the texts of the messages sent to callers (SMS, app).
 *
 *  One file, one line per event, the event's name then its text:
 *
 *      # comment
 *      acceptance 【12345】您的诉求已受理，工单号{ticket}。
 *      reply      【12345】工单{ticket}已答复：{reply} 请评价：{link}
 *      visit      【12345】工单{ticket}回访未能联系到您，请评价：{link}
 *
 *  Placeholders are {ticket}, {reply} (the unit's answer, shortened) and
 *  {link} (the one-time 回访 link); each event takes only those it has
 *  (acceptance: ticket; reply: all three; visit: ticket, link). The file
 *  is checked whole when loaded: every event once, known placeholders
 *  only, braces closed, UTF-8 without control characters. A file that
 *  fails is refused with "PATH:LINE: message" (hotlined does not start).
 */
#ifndef HL_MSGTPL_H_INCLUDED
#define HL_MSGTPL_H_INCLUDED

#include "hl_buf.h"

#include <stddef.h>

typedef struct hl_msgtpl hl_msgtpl_t;

typedef enum {
    HL_MSGTPL_ACCEPTANCE,        //  受理: a new ticket taken
    HL_MSGTPL_REPLY,             //  答复: the unit answered
    HL_MSGTPL_VISIT,             //  回访 by phone missed the caller: rate online
    HL_MSGTPL_EVENTS
} hl_msgtpl_event_t;

//  What a message is made of; NULL renders as "".
typedef struct {
    const char *ticket;
    const char *reply;
    const char *link;
} hl_msgtpl_vars_t;

//  The templates of the file PATH, or NULL with "PATH:LINE: message" in
//  ERR.
hl_msgtpl_t *hl_msgtpl_load (const char *path, char *err, size_t errlen);
//  The same from TEXT, called NAME in messages.
hl_msgtpl_t *hl_msgtpl_parse (const char *name, const char *text, char *err, size_t errlen);
void hl_msgtpl_destroy (hl_msgtpl_t **self_p);

//  The name of EVENT (its word in the file and the messages' "template").
const char *hl_msgtpl_event_name (hl_msgtpl_event_t event);

//  EVENT's text with VARS put in, appended to OUT.
void hl_msgtpl_render (const hl_msgtpl_t *self, hl_msgtpl_event_t event,
                       const hl_msgtpl_vars_t *vars, hl_buf_t *out);

#endif
