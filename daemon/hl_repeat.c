/*  hl_repeat: repeat calls (重复来电). See hl_repeat.h. */
#include "hl_repeat.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST 20                //  the caller's latest tickets looked at

struct hl_repeat {
    hl_store_t *store;
    int64_t window_ms;
};

//  One check in flight.
typedef struct {
    hl_store_t *store;
    int64_t window_ms;
    char ticket[HL_STORE_TICKET_MAX];
    char category[64];
    uint64_t created_ms;
    int64_t now_ms;
    hl_repeat_done_fn *done;
    void *arg;
} s_check_t;

hl_repeat_t *
hl_repeat_new (hl_store_t *store, int64_t window_ms)
{
    assert (store);
    hl_repeat_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->store = store;
    self->window_ms = window_ms;
    return self;
}

void
hl_repeat_destroy (hl_repeat_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

int
hl_repeat_pick (Hotline__TicketSummary *const *items, size_t n, const char *ticket,
                const char *category, uint64_t created_ms, int64_t window_ms)
{
    size_t len = strlen (category);
    for (size_t i = 0; i < n; i++) {
        const Hotline__TicketSummary *s = items[i];
        if (!s->ticket || strcmp (s->ticket, ticket) == 0 || s->created_ms > created_ms
            || (int64_t) (created_ms - s->created_ms) > window_ms)
            continue;
        if (s->has_category && s->category.len == len
            && memcmp (s->category.data, category, len) == 0)
            return (int) i;
    }
    return -1;
}

static void
s_finish (s_check_t *check)
{
    check->done (check->arg);
    free (check);
}

static void
s_on_linked (const hl_store_transition_result_t *res, void *arg)
{
    (void) res;                  //  refused or lost: the ticket stays unlinked
    s_finish (arg);
}

//  The caller's tickets: link the new one to what it repeats, if any.
static void
s_on_list (Hotline__TicketSummary **items, size_t n, const char *error, void *arg)
{
    s_check_t *check = arg;
    int i = error ? -1 : hl_repeat_pick (items, n, check->ticket, check->category,
                                         check->created_ms, check->window_ms);
    if (i < 0) {
        s_finish (check);
        return;
    }
    char rid[HL_STORE_TICKET_MAX + 16];
    snprintf (rid, sizeof rid, "repeat:%s", check->ticket);
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (check->ticket);
    t.has_action = 1;
    t.action = HOTLINE__ACTION__ACTION_LINK_REPEAT;
    t.has_repeat_of = 1;
    t.repeat_of = hl_wire_bytes (items[i]->ticket);
    if (hl_store_transition (check->store, &t, "system:repeat", rid, strlen (rid),
                             (uint64_t) check->now_ms, NULL, s_on_linked, check) != 0)
        s_finish (check);
}

int
hl_repeat_check (hl_repeat_t *self, const char *ticket, const char *phone,
                 const char *category, uint64_t created_ms, int64_t now_ms,
                 hl_repeat_done_fn *done, void *arg)
{
    assert (self && ticket && done);
    if (self->window_ms <= 0 || !phone || !*phone || !category || !*category)
        return -1;
    s_check_t *check = calloc (1, sizeof *check);
    if (!check)
        abort ();
    check->store = self->store;
    check->window_ms = self->window_ms;
    snprintf (check->ticket, sizeof check->ticket, "%s", ticket);
    snprintf (check->category, sizeof check->category, "%s", category);
    check->created_ms = created_ms;
    check->now_ms = now_ms;
    check->done = done;
    check->arg = arg;
    if (hl_store_ticket_list (self->store, "caller", phone, "", S_LIST, s_on_list, check) != 0) {
        free (check);
        return -1;
    }
    return 0;
}
