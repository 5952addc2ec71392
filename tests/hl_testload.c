/*  hl_testload: the failover tests' load and checks. See hl_testload.h. */
#include "hl_testload.h"
#include "hl_table.h"
#include "hl_wire.h"

#include <hiredis/hiredis.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
hl_testload_opts (hl_testload_t *load, const char *endpoint, long total, double rate,
                  const char *run_id)
{
    memset (load, 0, sizeof *load);
    hl_load_opts_default (&load->opts);
    load->opts.endpoint = endpoint;
    load->opts.clients = 4;
    load->opts.window = 8;
    load->opts.total = total;
    load->opts.rate = rate;
    load->opts.resend_ms = 1000;
    load->opts.deadline_ms = 90000;
    load->opts.run_id = run_id;
}

static int
s_cmp (const void *a, const void *b)
{
    return strcmp (a, b);
}

long
hl_testload_reissued (const hl_testload_t *load)
{
    size_t n = (size_t) load->opts.total;
    char (*sorted)[48] = malloc (n * sizeof *sorted);
    if (!sorted)
        abort ();
    memcpy (sorted, load->result.tickets, n * sizeof *sorted);
    qsort (sorted, n, sizeof *sorted, s_cmp);
    long twice = 0;
    for (size_t i = 1; i < n; i++)
        twice += *sorted[i] && strcmp (sorted[i], sorted[i - 1]) == 0;
    free (sorted);
    return twice;
}

//  (So the check holds whatever the store's layout: hotlined's view.)
long
hl_testload_missing (hl_testenv_t *env, const hl_testload_t *load)
{
    long missing = 0;
    for (long i = 0; i < load->opts.total; i++) {
        char want[64];
        snprintf (want, sizeof want, "%s-%ld", load->opts.run_id, i);
        Hotline__Envelope *e = hl_testenv_show (env, load->result.tickets[i]);
        const Hotline__TicketView *v = e && e->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW
                                     ? e->ticket_view : NULL;
        int ok = v && v->complaint && v->complaint->has_request_id
              && v->complaint->request_id.len == strlen (want)
              && memcmp (v->complaint->request_id.data, want, strlen (want)) == 0
              && v->n_history >= 1;
        missing += !ok;
        hl_wire_free (&e);
    }
    return missing;
}

//  Whether RC is a master.
static int
s_is_master (redisContext *rc)
{
    redisReply *role = rc ? redisCommand (rc, "ROLE") : NULL;
    int master = role && role->type == REDIS_REPLY_ARRAY && role->elements > 0
              && role->element[0]->type == REDIS_REPLY_STRING
              && strcmp (role->element[0]->str, "master") == 0;
    if (role)
        freeReplyObject (role);
    return master;
}

//  Adds to QUEUED the ticket of every entry of RC's worker streams.
static void
s_add_queued (redisContext *rc, hl_table_t *queued)
{
    redisReply *keys = redisCommand (rc, "KEYS hl:q:*");
    for (size_t k = 0; keys && keys->type == REDIS_REPLY_ARRAY && k < keys->elements; k++) {
        redisReply *r = redisCommand (rc, "XRANGE %s - +", keys->element[k]->str);
        for (size_t e = 0; r && r->type == REDIS_REPLY_ARRAY && e < r->elements; e++) {
            redisReply *fields = r->element[e]->element[1];
            for (size_t f = 0; f + 1 < fields->elements; f += 2)
                if (strcmp (fields->element[f]->str, "t") == 0)
                    hl_table_set (queued, fields->element[f + 1]->str,
                                  fields->element[f + 1]->len, queued);
        }
        if (r)
            freeReplyObject (r);
    }
    if (keys)
        freeReplyObject (keys);
}

long
hl_testload_unqueued (hl_testenv_t *env, const hl_testload_t *load,
                      struct redisContext *const *nodes, size_t n, long *dispatched)
{
    hl_table_t *queued = hl_table_new ();
    for (size_t i = 0; i < n; i++)
        if (s_is_master (nodes[i]))
            s_add_queued (nodes[i], queued);
    long unqueued = 0;
    *dispatched = 0;
    for (long i = 0; i < load->opts.total; i++) {
        const char *t = load->result.tickets[i];
        Hotline__Envelope *e = *t ? hl_testenv_show (env, t) : NULL;
        if (e && e->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW
            && e->ticket_view->state == HOTLINE__STATE__STATE_DISPATCHED) {
            (*dispatched)++;
            unqueued += !hl_table_get (queued, t, strlen (t));
        }
        hl_wire_free (&e);
    }
    hl_table_destroy (&queued);
    return unqueued;
}
