/*  bench/memory: Redis bytes per open ticket.
 *
 *      memory --redis ADDR [--total 20000] [--pii-key FILE] [--consumers 1] [--deliver]
 *
 *  TOTAL tickets go through the store as hotlined puts them there: taken
 *  in with a 300-character complaint (UTF-8, ~900 bytes), a caller of
 *  their own (sealed when a key is given, as deploy/ does), dispatched
 *  with their sign deadline armed; then a realistic mix of open states, a
 *  quarter each (the oldest furthest along, s_stage): still dispatched;
 *  signed; signed and contacted (in progress); replied and awaiting the
 *  visit. Every transition arms the
 *  deadlines it starts in the same step, as hotlined does. Redis's
 *  used_memory before and after, divided by TOTAL, is the figure; one
 *  ticket of each state is broken down by key (MEMORY USAGE), and every
 *  key's MEMORY USAGE summed by key shape. --deliver: the units' workers
 *  connected (s_deliver), so the worker streams hold what a running
 *  center's do.
 *  bench/run-memory starts a private Redis with the deploy settings.
 */
#include "hl_bucket.h"
#include "hl_load.h"
#include "hl_store.h"
#include "hl_unitq.h"
#include "hl_wire.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_DEPTH 64

static const char *s_units[] = { "rsj", "ybj", "zjj", "cgj", "sthj", "gaj" };
static const Hotline__Action s_steps[] = {
    HOTLINE__ACTION__ACTION_SIGN, HOTLINE__ACTION__ACTION_PROGRESS, HOTLINE__ACTION__ACTION_REPLY
};

typedef struct {
    struct event_base *base;
    hl_store_t *store;
    char (*tickets)[HL_STORE_TICKET_MAX];
    long total, next, done, failed;
    int phase;                   //  0: intake, 1..3: the steps
    char content[1024];
    int64_t day_ms;              //  deadlines a day ahead (their values do not matter)
} s_run_t;

static void s_next (s_run_t *r);

static void
s_finished_one (s_run_t *r)
{
    if (++r->done == r->total)
        event_base_loopbreak (r->base);
    else
        s_next (r);
}

typedef struct {
    s_run_t *r;
    long i;
} s_call_t;

static void
s_on_intake_i (const hl_store_result_t *res, void *arg)
{
    s_call_t *call = arg;
    if (res->outcome == HL_STORE_NEW)
        snprintf (call->r->tickets[call->i], HL_STORE_TICKET_MAX, "%s", res->ticket);
    s_run_t *r = call->r;
    free (call);
    r->failed += res->outcome != HL_STORE_NEW;
    s_finished_one (r);
}

static void
s_on_step (const hl_store_transition_result_t *res, void *arg)
{
    s_run_t *r = arg;
    r->failed += res->outcome != HL_STORE_NEW;
    s_finished_one (r);
}

static void
s_intake (s_run_t *r, long i)
{
    char rid[32], phone[16];
    snprintf (rid, sizeof rid, "mem-%ld", i);
    snprintf (phone, sizeof phone, "139%08ld", i);
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = 1;
    c.channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c.has_request_type = 1;
    c.request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c.has_request_id = 1;
    c.request_id = hl_wire_bytes (rid);
    c.has_caller_phone = 1;
    c.caller_phone = hl_wire_bytes (phone);
    c.has_caller_name = 1;
    c.caller_name = hl_wire_bytes ("张三");
    c.has_category = 1;
    c.category = hl_wire_bytes ("HB.03");
    c.has_area = 1;
    c.area = hl_wire_bytes ("441702");
    c.has_address = 1;
    c.address = hl_wire_bytes ("江城区东山路12号");
    c.has_content = 1;
    c.content = hl_wire_bytes (r->content);
    c.has_agent = 1;
    c.agent = hl_wire_bytes ("a1");
    const char *unit = s_units[i % 6];
    hl_store_disposition_t d = {
        .state = "dispatched", .unit = unit, .assist = "", .note = "HB.03",
        .sign_warn_ms = r->day_ms, .sign_due_ms = r->day_ms + 3600000,
        .sign_escalate_ms = r->day_ms + 7200000, .sla_generation = 1
    };
    s_call_t *call = malloc (sizeof *call);
    if (!call)
        abort ();
    *call = (s_call_t) { r, i };
    if (hl_store_intake (r->store, &c, "agent:a1", 0, &d, s_on_intake_i, call) != 0) {
        free (call);
        r->failed++;
        s_finished_one (r);
    }
}

//  How many steps ticket I takes (0 dispatched, 1 signed, 2 in progress,
//  3 replied): the oldest quarter furthest along, as tickets move on in
//  the order they came (so a worker stream's answered entries are its
//  oldest, as in a running center; its nodes, 100 entries each, are freed
//  once every entry in them is deleted).
static int
s_stage (const s_run_t *r, long i)
{
    return 3 - (int) (i * 4 / r->total);
}

//  Ticket I takes step PHASE if its stage goes that far.
static void
s_step (s_run_t *r, long i)
{
    if (s_stage (r, i) < r->phase || !r->tickets[i][0]) {
        s_finished_one (r);
        return;
    }
    char actor[64], rid[32];
    snprintf (actor, sizeof actor, "unit:%s/w1", s_units[i % 6]);
    snprintf (rid, sizeof rid, "mem-%d-%ld", r->phase, i);
    Hotline__Transition t = HOTLINE__TRANSITION__INIT;
    t.has_ticket = 1;
    t.ticket = hl_wire_bytes (r->tickets[i]);
    t.has_action = 1;
    t.action = s_steps[r->phase - 1];
    t.has_note = 1;
    t.note = hl_wire_bytes (r->phase == 3 ? "经核实，已责令施工单位夜间停工，并将加强巡查。"
                                          : "已联系来电人");
    //  The deadlines hotlined computes first and arms in the same step:
    //  sign starts contact and reply, reply starts the visit.
    int64_t at = r->day_ms;
    hl_store_premade_t pre = { .n = 2, .milestone = { 1, 2 }, .warn = { at, at },
                               .due = { at + 3600000, at + 3600000 },
                               .escalate = { at + 7200000, at + 7200000 }, .generation = 1 };
    if (r->phase == 3)
        pre = (hl_store_premade_t) { .n = 1, .milestone = { 3 }, .warn = { at },
                                     .due = { at + 3600000 }, .escalate = { at + 7200000 },
                                     .generation = 1 };
    if (hl_store_transition (r->store, &t, actor, rid, strlen (rid), 0,
                             r->phase == 2 ? NULL : &pre, s_on_step, r) != 0) {
        r->failed++;
        s_finished_one (r);
    }
}

static void
s_next (s_run_t *r)
{
    if (r->next >= r->total)
        return;
    long i = r->next++;
    if (r->phase == 0)
        s_intake (r, i);
    else
        s_step (r, i);
}

static void
s_start (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    s_run_t *r = arg;
    if (!hl_store_is_ready (r->store)) {
        struct timeval tv = { 0, 10000 };
        event_base_once (r->base, -1, EV_TIMEOUT, s_start, r, &tv);
        return;
    }
    for (int k = 0; k < S_DEPTH; k++)
        s_next (r);
}

//  The workers (--deliver): a hotline runs with its units' workers
//  connected, so every worker stream entry is delivered (read in the
//  group, hl_unitq) and, once its ticket is signed, acknowledged and
//  deleted (hl_unitq_done), as the broker does when a worker answers.
//  The dispatched quarter's entries stay delivered and unanswered.
typedef struct {
    char (*waiting)[HL_STORE_TICKET_MAX];   //  the dispatched tickets, sorted
    long n_waiting, received, done;
    hl_unitq_t *unitq;
} s_workers_t;

static int
s_ticket_cmp (const void *a, const void *b)
{
    return strcmp (a, b);
}

static void
s_on_entry (const char *unit, const char *id, const char *ticket, int lead, int claimed,
            void *arg)
{
    (void) lead;
    (void) claimed;
    s_workers_t *w = arg;
    w->received++;
    if (!bsearch (ticket, w->waiting, (size_t) w->n_waiting, sizeof *w->waiting,
                  s_ticket_cmp)) {
        hl_unitq_done (w->unitq, unit, id);
        w->done++;
    }
}

//  Delivers every entry of the run's TOTAL tickets (30 s at most).
static void
s_deliver (s_run_t *r, struct event_base *base)
{
    s_workers_t w = { .waiting = calloc ((size_t) r->total / 4 + 1, sizeof *w.waiting) };
    if (!w.waiting)
        abort ();
    long expected = 0;
    for (long i = 0; i < r->total; i++) {
        expected += r->tickets[i][0] != 0;
        if (s_stage (r, i) == 0 && r->tickets[i][0])
            memcpy (w.waiting[w.n_waiting++], r->tickets[i], HL_STORE_TICKET_MAX);
    }
    qsort (w.waiting, (size_t) w.n_waiting, sizeof *w.waiting, s_ticket_cmp);
    char err[256];
    hl_unitq_opts_t qo = { NULL, "memory", 1000, 600000 };
    if (!(w.unitq = hl_unitq_new (base, r->store, &qo, s_on_entry, &w, err, sizeof err))) {
        fprintf (stderr, "memory: %s\n", err);
        exit (1);
    }
    for (size_t u = 0; u < sizeof s_units / sizeof *s_units; u++)
        hl_unitq_want (w.unitq, s_units[u], (unsigned) r->total);
    time_t until = time (NULL) + 30;
    while (w.received < expected && time (NULL) < until)
        event_base_loop (base, EVLOOP_ONCE);
    while (hl_store_pending (r->store) > 0 && time (NULL) < until)
        event_base_loop (base, EVLOOP_ONCE);
    printf ("delivered to workers: %ld entries, %ld answered (acknowledged and deleted)\n",
            w.received, w.done);
    hl_unitq_destroy (&w.unitq);
    free (w.waiting);
}

static long long
s_usage (redisContext *rc, const char *key)
{
    redisReply *r = redisCommand (rc, "MEMORY USAGE %s SAMPLES 0", key);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject (r);
    return v;
}

//  The ticket hash holds the history too (hotline.lua's history_add).
static void
s_breakdown (redisContext *rc, const char *ticket, const char *state)
{
    char t[HL_BUCKET_KEY_MAX];
    hl_bucket_ticket_key (t, sizeof t, ticket, "t");
    redisReply *e = redisCommand (rc, "OBJECT ENCODING %s", t);
    redisReply *n = redisCommand (rc, "HLEN %s", t);
    printf ("  %-12s ticket hash with its history %5lld bytes (%s, %lld fields)\n", state,
            s_usage (rc, t), e && e->type == REDIS_REPLY_STRING ? e->str : "?",
            n && n->type == REDIS_REPLY_INTEGER ? n->integer : -1);
    freeReplyObject (e);
    freeReplyObject (n);
}

//  A key's shape: the bucket or unit in braces made {NN} or {*}, and only
//  the component after the braces kept ("hl:{07}:t:HL..." -> "hl:{NN}:t",
//  "hl:q:{cgj}:o" -> "hl:q:{*}:o"), so that keys of one kind sum together.
static void
s_shape (const char *key, char *out, size_t outlen)
{
    size_t o = 0;
    const char *k = key;
    while (*k && *k != '{' && o + 1 < outlen)
        out[o++] = *k++;
    if (*k == '{') {
        const char *end = strchr (k, '}');
        if (!end)
            end = k + strlen (k) - 1;
        int digits = end > k + 1 && strspn (k + 1, "0123456789") == (size_t) (end - k - 1);
        o += (size_t) snprintf (out + o, outlen - o, "%s", digits ? "{NN}" : end == k + 3
                                && !strncmp (k, "{ix}", 4) ? "{ix}" : "{*}");
        k = end + 1;
        if (*k == ':') {
            const char *next = strchr (k + 1, ':');
            size_t n = next ? (size_t) (next - k) : strlen (k);
            if (o < outlen)
                o += (size_t) snprintf (out + o, outlen - o, "%.*s", (int) n, k);
        }
    }
    out[o < outlen ? o : outlen - 1] = '\0';
}

#define S_SHAPES 64

typedef struct {
    char shape[64];
    char encoding[16];
    long long bytes, keys;
} s_shape_t;

//  Every key's MEMORY USAGE summed by shape, per ticket: where the figure
//  goes (the first key's encoding of each shape shown).
static void
s_shapes (redisContext *rc, long total)
{
    s_shape_t sh[S_SHAPES];
    int n = 0;
    char cursor[32] = "0";
    do {
        redisReply *r = redisCommand (rc, "SCAN %s COUNT 1000", cursor);
        if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            freeReplyObject (r);
            return;
        }
        snprintf (cursor, sizeof cursor, "%s", r->element[0]->str);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            const char *key = r->element[1]->element[i]->str;
            char shape[64];
            s_shape (key, shape, sizeof shape);
            int s = 0;
            while (s < n && strcmp (sh[s].shape, shape) != 0)
                s++;
            if (s == n && n < S_SHAPES) {
                sh[n] = (s_shape_t) { .keys = 0 };
                snprintf (sh[n].shape, sizeof sh[n].shape, "%s", shape);
                redisReply *e = redisCommand (rc, "OBJECT ENCODING %s", key);
                snprintf (sh[n].encoding, sizeof sh[n].encoding, "%s",
                          e && e->type == REDIS_REPLY_STRING ? e->str : "?");
                freeReplyObject (e);
                n++;
            }
            if (s < n) {
                sh[s].bytes += s_usage (rc, key);
                sh[s].keys++;
            }
        }
        freeReplyObject (r);
    } while (strcmp (cursor, "0") != 0);
    printf ("  MEMORY USAGE by key shape, bytes a ticket (keys, encoding of one):\n");
    for (int s = 0; s < n; s++)
        printf ("  %-22s %8.1f  (%lld, %s)\n", sh[s].shape, (double) sh[s].bytes / total,
                sh[s].keys, sh[s].encoding);
}

int
main (int argc, char **argv)
{
    const char *redis = "127.0.0.1:6379", *pii_key = NULL;
    long total = 20000;
    int consumers = 0, deliver = 0;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp (argv[i], "--deliver")) deliver = 1;
        else if (value && !strcmp (argv[i], "--redis")) redis = argv[++i];
        else if (value && !strcmp (argv[i], "--total")) total = atol (argv[++i]);
        else if (value && !strcmp (argv[i], "--pii-key")) pii_key = argv[++i];
        else if (value && !strcmp (argv[i], "--consumers")) consumers = atoi (argv[++i]);
        else {
            fprintf (stderr, "memory: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    char host[64];
    int port = 6379;
    if (sscanf (redis, "%63[^:]:%d", host, &port) != 2) {
        fprintf (stderr, "memory: --redis host:port\n");
        return 2;
    }
    redisContext *rc = redisConnect (host, port);
    if (!rc || rc->err) {
        fprintf (stderr, "memory: cannot reach Redis at %s\n", redis);
        return 1;
    }
    char err[256];
    hl_pii_t *pii = NULL;
    if (pii_key && !(pii = hl_pii_new (pii_key, err, sizeof err))) {
        fprintf (stderr, "memory: %s\n", err);
        return 1;
    }
    s_run_t r = { .base = event_base_new (), .total = total,
                  .day_ms = (int64_t) time (NULL) * 1000 + 86400000 };
    //  300 characters: ten of this 30-character sentence.
    for (int k = 0; k < 10; k++)
        strcat (r.content, "小区楼下夜间施工噪音扰民，已经持续两周，每晚十点后仍在施工。");
    r.tickets = calloc ((size_t) total, sizeof *r.tickets);
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = redis;
    so.redis.timeout_ms = 10000;
    so.pii = pii;
    if (!r.tickets || !(r.store = hl_store_new (r.base, &so, err, sizeof err))) {
        fprintf (stderr, "memory: %s\n", err);
        return 1;
    }
    long long before = -1;
    for (r.phase = 0; r.phase <= 3; r.phase++) {
        r.next = r.done = 0;
        struct timeval tv = { 0, 0 };
        event_base_once (r.base, -1, EV_TIMEOUT, s_start, &r, &tv);
        if (before < 0) {
            //  The library is loaded once the store is ready: measure from there.
            while (!hl_store_is_ready (r.store))
                event_base_loop (r.base, EVLOOP_ONCE);
            before = hl_load_used_memory (rc);
        }
        event_base_dispatch (r.base);
    }
    //  With hotlined running (--consumers), its outbox groups apply every
    //  step (the global lists) and trim what all have acknowledged: the
    //  figure is then the steady state, lists in, consumed entries out.
    long long left = hl_load_outbox_settle (redis, consumers ? 30000 : 0);
    long long delivered = hl_load_used_memory (rc);
    if (deliver)
        s_deliver (&r, r.base);
    long long after = hl_load_used_memory (rc);
    //  MEMORY USAGE prices a stream's pending entries by a fixed estimate
    //  per radix tree node (Redis's object.c); used_memory has the real cost.
    if (deliver)
        printf ("the delivery changed used_memory by %lld bytes a ticket\n",
                (after - delivered) / total);
    printf ("tickets: %ld (a quarter each dispatched, signed, in progress, replied), "
            "%ld steps failed\n", total, r.failed);
    printf ("outbox entries left: %lld (%s)\n", left,
            consumers ? "hotlined's groups applied and trimmed the rest"
                      : "no consumer ran: counted in the figure");
    printf ("redis bytes per open ticket: %lld\n", (after - before) / total);
    static const char *states[] = { "dispatched", "signed", "in_progress", "replied" };
    for (int q = 0; q < 4 && total >= 4; q++)
        s_breakdown (rc, r.tickets[(3 - q) * total / 4], states[q]);
    s_shapes (rc, total);
    hl_store_destroy (&r.store);
    hl_pii_destroy (&pii);
    event_base_free (r.base);
    free (r.tickets);
    redisFree (rc);
    return r.failed ? 1 : 0;
}
