/*  hl_testview: a ticket view made by hand, for the tests of the classes
 *  that turn views into rows and back (hl_archrow, hl_archread).
 *
 *  Ticket YJ202512040700042, taken by phone at HL_TESTVIEW_T0
 *  (2025-12-04T00:00:00Z) from caller 13800138000 张三 (a 投诉 about a
 *  street light, HB.03 in 441702), dispatched to rsj with ybj and zjj
 *  assisting; signed a minute later, reminded, replied at +3 min (note
 *  已修复"路灯"), visited at +4 min, closed at +300,123 ms; its reply due a
 *  day after intake; basically satisfied, resolved, reopened once.
 */
#ifndef HL_TESTVIEW_H_INCLUDED
#define HL_TESTVIEW_H_INCLUDED

#include "hotline.pb-c.h"

#include <stdint.h>

#define HL_TESTVIEW_T0 1764806400000LL
#define HL_TESTVIEW_ENTRIES 7

//  The view and everything it points to (no allocation).
typedef struct {
    Hotline__TicketView view;
    Hotline__Complaint complaint;
    Hotline__HistoryEntry entry[HL_TESTVIEW_ENTRIES], *history[HL_TESTVIEW_ENTRIES];
    Hotline__Deadline deadline, *deadlines[1];
    ProtobufCBinaryData assist[2];
} hl_testview_t;

//  Fill TV with the closed ticket above; TV->view is the view.
void hl_testview_closed (hl_testview_t *tv);

#endif
