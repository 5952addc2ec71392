/*  bench/life: tickets through their whole life beside a running hotlined,
 *  for the Redis time a ticket costs over it (bench/run-life reads Redis'
 *  own accounting, INFO commandstats, around this run).
 *
 *      life --redis ADDR [--tickets N] [--rate STEPS/S] [--push]
 *
 *  The steps are written through the store as hotlined writes them
 *  (hl_life: intake dispatched to a unit, sign, reply, visit, close);
 *  hotlined's outbox consumers apply their effects. --push adds, after
 *  each intake, the unit's worker stream entry as hotlined's dispatch
 *  effect added it before the outbox's q group did (one XADD): with a
 *  hotlined of that time, the same work as a ticket taken through it.
 */
#include "hl_life.h"
#include "hl_unitq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_push (const char *ticket, const char *unit, void *arg)
{
    hl_unitq_push (arg, unit, ticket, "lead", (int64_t) (hl_life_now () * 1000), NULL, NULL);
}

int
main (int argc, char **argv)
{
    const char *redis = NULL;
    long tickets = 10000;
    double rate = 0;
    int push = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp (argv[i], "--push"))
            push = 1;
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
        fprintf (stderr, "usage: life --redis ADDR [--tickets N] [--rate STEPS/S] [--push]\n");
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
    char (*numbers)[HL_STORE_TICKET_MAX] = calloc ((size_t) tickets, sizeof *numbers);
    if (!numbers)
        abort ();
    char run[32];
    snprintf (run, sizeof run, "life%lld", (long long) (hl_life_now () * 1000));
    double t0 = hl_life_now ();
    long failed = hl_life_drive (base, store, run, tickets, rate, 0, numbers,
                                 push ? s_push : NULL, store);
    double took = hl_life_now () - t0;
    printf ("tickets: %ld through %d steps in %.1f s (%.0f steps/s), %ld failed%s\n", tickets,
            HL_LIFE_STEPS, took, (double) tickets * HL_LIFE_STEPS / took, failed,
            push ? "; worker stream entries pushed after intake" : "");
    //  The pushes' replies, before the store goes.
    while (hl_store_pending (store) > 0)
        event_base_loop (base, EVLOOP_ONCE);
    free (numbers);
    hl_store_destroy (&store);
    event_base_free (base);
    return failed ? 1 : 0;
}
