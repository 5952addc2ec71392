/*  hl_repeat: which earlier ticket a new one repeats. */
#include "hl_repeat.h"
#include "hl_test.h"
#include "hl_wire.h"

#include <string.h>

#define HOUR (3600 * INT64_C (1000))

static Hotline__TicketSummary
s_item (const char *ticket, const char *category, uint64_t created_ms)
{
    Hotline__TicketSummary s = HOTLINE__TICKET_SUMMARY__INIT;
    s.ticket = (char *) ticket;
    s.has_category = 1;
    s.category = hl_wire_bytes (category);
    s.has_created_ms = 1;
    s.created_ms = created_ms;
    return s;
}

//  The newest other ticket of the same category within the window; not
//  the ticket itself, not another category, not one older than the window.
static void
test_pick (void)
{
    uint64_t now = 1000 * HOUR;
    Hotline__TicketSummary all[] = {
        s_item ("T5", "SB.01", now),                //  the new ticket itself
        s_item ("T4", "GJ.01", now - 1 * HOUR),     //  another matter
        s_item ("T3", "SB.01", now - 2 * HOUR),     //  the one it repeats
        s_item ("T2", "SB.01", now - 10 * HOUR),
        s_item ("T1", "SB.01", now - 80 * HOUR),    //  beyond 72 hours
    };
    Hotline__TicketSummary *items[5];
    for (int i = 0; i < 5; i++)
        items[i] = &all[i];
    HL_CHECK (hl_repeat_pick (items, 5, "T5", "SB.01", now, 72 * HOUR) == 2);
    HL_CHECK (hl_repeat_pick (items, 5, "T5", "GJ.01", now, 72 * HOUR) == 1);
    HL_CHECK (hl_repeat_pick (items, 5, "T5", "SB.01", now, 1 * HOUR) == -1);
    HL_CHECK (hl_repeat_pick (items + 4, 1, "T5", "SB.01", now, 72 * HOUR) == -1);
    HL_CHECK (hl_repeat_pick (items, 5, "T5", "SB.0", now, 72 * HOUR) == -1);
    HL_CHECK (hl_repeat_pick (items, 0, "T5", "SB.01", now, 72 * HOUR) == -1);
}

static const hl_test_case_t s_cases[] = {
    { "pick", test_pick }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
