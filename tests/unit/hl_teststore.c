/*  hl_teststore: a ticket store on a bare Redis. See hl_teststore.h. */
#include "hl_teststore.h"
#include "hl_proc.h"
#include "hl_testenv.h"
#include "hl_wire.h"

#include <hiredis.h>
#include <signal.h>
#include <stdio.h>

int
hl_teststore_start (hl_teststore_t *ts, struct event_base *base)
{
    char err[256];
    *ts = (hl_teststore_t) { 0 };
    ts->pid = hl_testenv_bare_redis (&ts->port, ts->address);
    if (ts->pid <= 0) {
        fprintf (stderr, "hl_teststore: redis-server did not start\n");
        return -1;
    }
    hl_store_opts_t so;
    hl_store_opts_default (&so);
    so.redis.address = ts->address;
    ts->store = hl_store_new (base, &so, err, sizeof err);
    if (!ts->store) {
        fprintf (stderr, "hl_teststore: %s\n", err);
        hl_teststore_stop (ts);
        return -1;
    }
    return 0;
}

int
hl_teststore_ready (hl_teststore_t *ts, struct event_base *base)
{
    long long until = hl_proc_now_ms () + 10000;
    while (!hl_store_is_ready (ts->store) && hl_proc_now_ms () < until)
        event_base_loop (base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    return hl_store_is_ready (ts->store);
}

void
hl_teststore_stop (hl_teststore_t *ts)
{
    hl_store_destroy (&ts->store);
    if (ts->pid > 0)
        hl_proc_stop (ts->pid, SIGTERM);
    ts->pid = 0;
}

long long
hl_teststore_int (const hl_teststore_t *ts, const char *fmt, const char *arg)
{
    redisContext *rc = redisConnect ("127.0.0.1", ts->port);
    redisReply *r = rc && !rc->err ? redisCommand (rc, fmt, arg) : NULL;
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject (r);
    if (rc)
        redisFree (rc);
    return n;
}

int
hl_teststore_wait (struct event_base *base, const int *calls, int rc)
{
    if (rc != 0)
        return rc;
    int before = *calls;
    long long until = hl_proc_now_ms () + 20000;
    while (*calls == before && hl_proc_now_ms () < until)
        event_base_loop (base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    return *calls != before ? 0 : -1;
}

void
hl_teststore_complaint (Hotline__Complaint *c, hl_store_disposition_t *d, const char *rid,
                        int64_t now_ms)
{
    hotline__complaint__init (c);
    c->has_channel = c->has_request_type = c->has_request_id = c->has_content = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c->request_id = hl_wire_bytes (rid);
    c->content = hl_wire_bytes ("路灯不亮");
    *d = (hl_store_disposition_t) { .state = "dispatched", .unit = "rsj", .assist = "",
                                    .note = "", .now_ms = now_ms, .sign_warn_ms = now_ms + 1000,
                                    .sign_due_ms = now_ms + 2000 };
}
