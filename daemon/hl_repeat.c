/*  hl_repeat: repeat calls (重复来电). See hl_repeat.h. */
#include "hl_repeat.h"
#include "hl_tickets.h"
#include "hl_log.h"
#include "hl_wire.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST 10                //  the caller's latest tickets looked at
//  Checks reading or linking at once. Enough to pipeline: two at a time
//  made each check its own round trip, and Redis ran an event-loop pass
//  (with its system calls) for each one (bench/RESULTS.md, the intake
//  ratio); still bounded, so a burst queues rather than floods.
#define S_RUNNING_MAX 64
#define S_WAITING_MAX 20000      //  checks queued behind them; more are skipped

//  One check, queued or running.
typedef struct s_check {
    hl_repeat_t *repeat;
    char ticket[HL_STORE_TICKET_MAX];
    char phone[32];
    char category[64];
    uint64_t created_ms;
    int64_t now_ms;
    hl_repeat_done_fn *done;
    void *arg;
    struct s_check *next;
} s_check_t;

//  A burst of intake (a crisis, or one number calling thousands of times)
//  must not flood Redis with reads: checks run a few at a time, in order.
struct hl_repeat {
    hl_store_t *store;
    hl_tickets_t *tickets;       //  applies the link, with its effects (NULL: the store)
    int64_t window_ms;
    s_check_t *head, **tail;     //  waiting, oldest first
    size_t waiting, running;
    uint64_t skipped;
};

hl_repeat_t *
hl_repeat_new (hl_store_t *store, int64_t window_ms)
{
    assert (store);
    hl_repeat_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->store = store;
    self->window_ms = window_ms;
    self->tail = &self->head;
    return self;
}

void
hl_repeat_set_tickets (hl_repeat_t *self, hl_tickets_t *tickets)
{
    self->tickets = tickets;
}

void
hl_repeat_destroy (hl_repeat_t **self_p)
{
    assert (self_p);
    hl_repeat_t *self = *self_p;
    if (!self)
        return;
    while (self->head) {
        s_check_t *next = self->head->next;
        free (self->head);
        self->head = next;
    }
    free (self);
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

static void s_run (hl_repeat_t *self);

//  CHECK is over: told, freed, and the next one started (unless STARTING:
//  s_run's own loop goes on, without recursing).
static void
s_end (s_check_t *check, int starting)
{
    hl_repeat_t *self = check->repeat;
    self->running--;
    check->done (check->arg);
    free (check);
    if (!starting)
        s_run (self);
}

static void
s_finish (s_check_t *check)
{
    s_end (check, 0);
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
                                         check->created_ms, check->repeat->window_ms);
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
    hl_repeat_t *self = check->repeat;
    if ((self->tickets
         ? hl_tickets_transition (self->tickets, &t, "system:repeat", rid, strlen (rid),
                                  (uint64_t) check->now_ms, NULL, s_on_linked, check)
         : hl_store_transition (self->store, &t, "system:repeat", rid, strlen (rid),
                                (uint64_t) check->now_ms, NULL, s_on_linked, check)) != 0)
        s_finish (check);
}

//  The caller's tickets of the window, by number only: the full list (a
//  Function reading each ticket's summary) is read only when there is an
//  earlier one. Most callers have none, and intake pays this look for
//  every complaint with a number (bench/RESULTS.md, the intake ratio).
static void
s_on_since (const char *const *tickets, size_t n, const char *error, void *arg)
{
    s_check_t *check = arg;
    size_t others = 0;
    for (size_t i = 0; !error && i < n; i++)
        others += strcmp (tickets[i], check->ticket) != 0;
    if (others == 0
        || hl_store_ticket_list (check->repeat->store, "caller", check->phone, "", S_LIST,
                                 s_on_list, check) != 0)
        s_finish (check);
}

//  Starts waiting checks while there is room.
static void
s_run (hl_repeat_t *self)
{
    while (self->head && self->running < S_RUNNING_MAX) {
        s_check_t *check = self->head;
        self->head = check->next;
        if (!self->head)
            self->tail = &self->head;
        self->waiting--;
        self->running++;
        uint64_t from = check->created_ms > (uint64_t) self->window_ms
                        ? check->created_ms - (uint64_t) self->window_ms : 0;
        if (hl_store_caller_since (self->store, check->phone, from, check->created_ms, 2,
                                   s_on_since, check) != 0)
            s_end (check, 1);
    }
}

int
hl_repeat_check (hl_repeat_t *self, const char *ticket, const char *phone,
                 const char *category, uint64_t created_ms, int64_t now_ms,
                 hl_repeat_done_fn *done, void *arg)
{
    assert (self && ticket && done);
    if (self->window_ms <= 0 || !phone || !*phone || strlen (phone) >= 32 || !category
        || !*category || strlen (category) >= 64)
        return -1;
    if (self->waiting >= S_WAITING_MAX) {
        if (self->skipped++ % 1000 == 0)
            hl_warning ("repeat calls: %llu checks skipped, the queue is full",
                        (unsigned long long) self->skipped);
        return -1;
    }
    s_check_t *check = calloc (1, sizeof *check);
    if (!check)
        abort ();
    check->repeat = self;
    snprintf (check->ticket, sizeof check->ticket, "%s", ticket);
    snprintf (check->phone, sizeof check->phone, "%s", phone);
    snprintf (check->category, sizeof check->category, "%s", category);
    check->created_ms = created_ms;
    check->now_ms = now_ms;
    check->done = done;
    check->arg = arg;
    *self->tail = check;
    self->tail = &check->next;
    self->waiting++;
    s_run (self);
    return 0;
}
