/*  bench/life: tickets through their whole life beside a running hotlined,
 *  for the Redis time a ticket costs over it (bench/run-life reads Redis'
 *  own accounting, INFO commandstats, around this run).
 *
 *      life --redis ADDR [--tickets N] [--rate STEPS/S] [--push] [--deliver]
 *
 *  The steps are written through the store as hotlined writes them
 *  (hl_life: intake dispatched to a unit, sign, reply, visit, close);
 *  hotlined's outbox consumers apply their effects. --push adds, after
 *  each intake, the unit's worker stream entry as hotlined's dispatch
 *  effect added it before the outbox's q group did (one XADD): with a
 *  hotlined of that time, the same work as a ticket taken through it.
 *  --deliver delivers each entry as hotlined's broker does for a connected
 *  worker: read from the unit's stream (hl_unitq, consumer group), the
 *  brief read (hl_store_ticket_brief), the entry acknowledged and deleted
 *  once answered (hl_unitq_done): the whole way to a department. The
 *  entries are the q group's (or, with --push, the bench's own).
 */
#include "hl_life.h"
#include "hl_unitq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_WANT 64                //  entries a unit may have on their way here

//  The deliveries (--deliver): a worker of every unit with credit to spare.
typedef struct {
    hl_store_t *store;
    hl_unitq_t *unitq;
    long delivered, failed;
} s_deliveries_t;

typedef struct {
    s_deliveries_t *d;
    char unit[HL_STORE_UNIT_MAX];
    char id[HL_UNITQ_ID_MAX];
} s_entry_t;

static void
s_push (const char *ticket, const char *unit, void *arg)
{
    s_deliveries_t *d = arg;
    hl_unitq_push (d->store, unit, ticket, "lead", (int64_t) (hl_life_now () * 1000), NULL,
                   NULL);
}

//  The brief came: the worker has it and answers at once.
static void
s_on_brief (const Hotline__TicketView *view, const char *error, void *arg)
{
    (void) error;
    s_entry_t *e = arg;
    if (view)
        e->d->delivered++;
    else
        e->d->failed++;
    hl_unitq_done (e->d->unitq, e->unit, e->id);
    hl_unitq_want (e->d->unitq, e->unit, S_WANT);
    free (e);
}

static void
s_on_entry (const char *unit, const char *id, const char *ticket, int lead, int claimed,
            void *arg)
{
    (void) lead;
    (void) claimed;
    s_entry_t *e = calloc (1, sizeof *e);
    if (!e)
        abort ();
    e->d = arg;
    snprintf (e->unit, sizeof e->unit, "%s", unit);
    snprintf (e->id, sizeof e->id, "%s", id);
    if (hl_store_ticket_brief (e->d->store, ticket, s_on_brief, e) != 0) {
        e->d->failed++;
        free (e);
    }
}

//  Loops until every pushed ticket was delivered (or 30 s passed).
static void
s_deliveries_finish (struct event_base *base, s_deliveries_t *d, long tickets)
{
    double until = hl_life_now () + 30;
    while (d->delivered + d->failed < tickets && hl_life_now () < until)
        event_base_loop (base, EVLOOP_ONCE);
}

int
main (int argc, char **argv)
{
    const char *redis = NULL;
    long tickets = 10000;
    double rate = 0;
    int push = 0, deliver = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp (argv[i], "--push"))
            push = 1;
        else if (!strcmp (argv[i], "--deliver"))
            deliver = 1;
        else if (i + 1 < argc && !strcmp (argv[i], "--redis"))
            redis = argv[++i];
        else if (i + 1 < argc && !strcmp (argv[i], "--tickets"))
            tickets = atol (argv[++i]);
        else if (i + 1 < argc && !strcmp (argv[i], "--rate"))
            rate = atof (argv[++i]);
        else
            redis = NULL, i = argc;
    }
    if (!redis || tickets <= 0) {
        fprintf (stderr, "usage: life --redis ADDR [--tickets N] [--rate STEPS/S] "
                 "[--push] [--deliver]\n");
        return 2;
    }
    char err[256];
    struct event_base *base = event_base_new ();
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = redis;
    so.redis.timeout_ms = 10000;
    hl_store_t *store = hl_store_new (base, &so, err, sizeof err);
    if (!store) {
        fprintf (stderr, "life: %s\n", err);
        return 1;
    }
    while (!hl_store_is_ready (store))
        event_base_loop (base, EVLOOP_ONCE);
    s_deliveries_t d = { .store = store };
    if (deliver) {
        hl_unitq_opts_t qo = { NULL, "life", 1000, 60000 };
        d.unitq = hl_unitq_new (base, store, &qo, s_on_entry, &d, err, sizeof err);
        if (!d.unitq) {
            fprintf (stderr, "life: %s\n", err);
            return 1;
        }
        for (int u = 0; u < HL_LIFE_UNITS; u++)
            hl_unitq_want (d.unitq, hl_life_units[u], S_WANT);
    }
    char (*numbers)[HL_STORE_TICKET_MAX] = calloc ((size_t) tickets, sizeof *numbers);
    if (!numbers)
        abort ();
    char run[32];
    snprintf (run, sizeof run, "life%lld", (long long) (hl_life_now () * 1000));
    double t0 = hl_life_now ();
    long failed = hl_life_drive (base, store, run, tickets, rate, 0, numbers,
                                 push ? s_push : NULL, &d);
    double took = hl_life_now () - t0;
    printf ("tickets: %ld through %d steps in %.1f s (%.0f steps/s), %ld failed%s\n", tickets,
            HL_LIFE_STEPS, took, (double) tickets * HL_LIFE_STEPS / took, failed,
            push ? "; worker stream entries pushed after intake" : "");
    if (deliver) {
        s_deliveries_finish (base, &d, tickets - failed);
        printf ("delivered: %ld (stream read, brief, acknowledged), %ld failed\n", d.delivered,
                d.failed);
        hl_unitq_destroy (&d.unitq);
    }
    //  The pushes' replies, before the store goes.
    while (hl_store_pending (store) > 0)
        event_base_loop (base, EVLOOP_ONCE);
    free (numbers);
    hl_store_destroy (&store);
    event_base_free (base);
    return failed ? 1 : 0;
}
