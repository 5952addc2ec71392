/*  hl_load: intake load generator. See hl_load.h. */
#include "hl_load.h"
#include "hl_bucket.h"
#include "hl_redis.h"
#include "hl_wire.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

typedef enum { S_WAITING, S_IN_FLIGHT, S_RETRY, S_DONE } s_state_t;

typedef struct {
    s_state_t state;
    int64_t due_us;          //  when it was scheduled (latency origin)
    int64_t sent_us;         //  last send
} s_request_t;

typedef struct {
    const hl_load_opts_t *o;
    hl_load_result_t *r;
    void *ctx;
    void **sockets;
    struct pollfd *fds;      //  the sockets' ZMQ_FD, for waiting on all at once
    unsigned char *stirred;  //  per socket: may hold an answer (see s_drain)
    int *inflight;           //  per socket
    long inflight_all;       //  over all sockets
    s_request_t *req;
    long next;               //  next request never sent
    uint8_t *frames;         //  with preencode: every request, one after another
    size_t *frame_at;        //  where request i starts in frames (total + 1 of them)
    uint8_t frame[8192];     //  without: the request being sent
    long finished;           //  acked + refused
    int64_t start_us;
} s_run_t;

static const char *s_categories[] = { "HB.03", "GA.03", "ZJ.01", "SB.01", "YB.02", "LD.01",
                                      "SC.01", "GY.01", "CG.01", "JY.01" };
static const char *s_areas[] = { "441702", "441704", "441721", "441781", "441790" };
static const char *s_texts[] = {
    "小区楼下的烧烤摊每天营业到凌晨两点，油烟和噪音严重影响居民休息，多次劝说无果，请相关部门尽快处理。",
    "我在公司工作了八个月，老板已经拖欠三个月工资共计一万二千元，多次讨要都说没钱，请帮忙维权。",
    "我们小区物业费年年上涨，但电梯经常故障、绿化无人打理，业主多次反映没有改善，请求监管。",
    "想咨询一下异地就医备案怎么办理，我母亲在广州住院，医保能不能直接结算，需要带什么材料。",
    "我家这一片从昨天晚上开始停水，到现在已经十几个小时了，没有任何通知，老人小孩生活很不方便。",
    "在某商场买的电饭煲用了三天就坏了，商家拒绝退换，只同意维修，请问这种情况怎么维护权益。",
    "孩子今年九月要上小学，户口在江城区但房产在阳东区，请问应该去哪里报名，需要准备哪些证明。",
    "路口的红绿灯坏了好几天，早晚高峰车辆乱成一团，非常危险，希望交警部门尽快派人维修。",
};

void
hl_load_opts_default (hl_load_opts_t *o)
{
    memset (o, 0, sizeof *o);
    o->endpoint = "tcp://127.0.0.1:7101";
    o->clients = 8;
    o->window = 32;
    o->total = 10000;
    o->resend_ms = 2000;
    o->deadline_ms = 120000;
    o->run_id = "load";
}

size_t
hl_load_pack_request (const char *run_id, long i, uint8_t *out, size_t outlen)
{
    char rid[64], phone[16], content[512];
    snprintf (rid, sizeof rid, "%s-%ld", run_id, i);
    //  Callers differ between runs (RUN_ID): the same numbers in the
    //  ceiling and then through hotlined made every ticket of the second
    //  run a repeat call (重复来电) of the first's, linked and counted
    //  twice, a cost no real intake run has.
    uint32_t salt = 2166136261u;
    for (const char *c = run_id; *c; c++)
        salt = (salt ^ (uint8_t) *c) * 16777619u;
    snprintf (phone, sizeof phone, "139%08ld", (long) ((salt + (uint64_t) i) % 100000000));
    snprintf (content, sizeof content, "%s（编号%ld）", s_texts[i % 8], i);
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = 1;
    c.channel = (Hotline__Channel) (1 + i % 6);
    c.has_request_type = 1;
    c.request_type = (Hotline__RequestType) (1 + i % 7);
    c.has_category = 1;
    c.category = hl_wire_bytes (s_categories[i % 10]);
    c.has_area = 1;
    c.area = hl_wire_bytes (s_areas[i % 5]);
    c.has_caller_phone = 1;
    c.caller_phone = hl_wire_bytes (phone);
    c.has_content = 1;
    c.content = hl_wire_bytes (content);
    c.has_request_id = 1;
    c.request_id = hl_wire_bytes (rid);
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.has_version = 1;
    env.version = HL_WIRE_VERSION;
    env.has_request_id = 1;
    env.request_id = c.request_id;
    env.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env.complaint = &c;
    size_t size = hotline__envelope__get_packed_size (&env);
    if (size > outlen)
        return 0;
    return hotline__envelope__pack (&env, out);
}

//  Every request encoded once, before the clock starts (preencode): the generator
//  shares the cores with hotlined and Redis, and encoding each send (and
//  resend) was its cost, not theirs (bench/RESULTS.md, the intake ratio).
static int
s_encode_all (s_run_t *run)
{
    const hl_load_opts_t *o = run->o;
    size_t room = (size_t) o->total * 512, used = 0;
    run->frames = malloc (room);
    run->frame_at = calloc ((size_t) o->total + 1, sizeof *run->frame_at);
    if (!run->frames || !run->frame_at)
        return -1;
    for (long i = 0; i < o->total; i++) {
        uint8_t frame[8192];
        size_t len = hl_load_pack_request (o->run_id, i, frame, sizeof frame);
        if (len == 0)
            return -1;
        if (used + len > room) {
            room *= 2;
            uint8_t *more = realloc (run->frames, room);
            if (!more)
                return -1;
            run->frames = more;
        }
        memcpy (run->frames + used, frame, len);
        run->frame_at[i] = used;
        used += len;
        run->frame_at[i + 1] = used;
    }
    return 0;
}

static void
s_send (s_run_t *run, long i)
{
    void *socket = run->sockets[i % run->o->clients];
    if (run->frames)
        zmq_send (socket, run->frames + run->frame_at[i], run->frame_at[i + 1] - run->frame_at[i],
                  ZMQ_DONTWAIT);
    else {
        size_t len = hl_load_pack_request (run->o->run_id, i, run->frame, sizeof run->frame);
        zmq_send (socket, run->frame, len, ZMQ_DONTWAIT);
    }
    run->stirred[i % run->o->clients] = 1;      //  a send can take an answer's signal
    if (run->req[i].state != S_IN_FLIGHT) {
        run->inflight[i % run->o->clients]++;
        run->inflight_all++;
    }
    run->req[i].state = S_IN_FLIGHT;
    run->req[i].sent_us = hl_monotonic_us ();
}

//  As fast as possible, new requests leave in bursts of o->batch (fewer
//  left: all of them) rather than one per answer: a burst on a socket is
//  one signal to ZeroMQ's I/O thread and one TCP segment, so the
//  generator's system calls, which it pays on the cores hotlined and
//  Redis need, are shared by the burst (bench/RESULTS.md, the intake
//  ratio). 1 if new requests may leave now.
static int
s_burst_ready (const s_run_t *run)
{
    const hl_load_opts_t *o = run->o;
    if (o->rate > 0 || o->batch <= 1)
        return 1;
    long free_slots = (long) o->clients * o->window - run->inflight_all;
    long left = o->total - run->next;
    return free_slots >= (left < o->batch ? left : o->batch);
}

//  Sends new requests that are due and fit their socket's window, and
//  resends those whose answer is overdue or that were refused for now.
static void
s_pump (s_run_t *run, int64_t now, int scan_resends)
{
    const hl_load_opts_t *o = run->o;
    int ready = s_burst_ready (run);
    while (ready && run->next < o->total) {
        long i = run->next;
        int64_t due = o->rate > 0 ? run->start_us + (int64_t) (i * 1e6 / o->rate) : now;
        if (due > now || run->inflight[i % o->clients] >= o->window)
            break;
        run->req[i].due_us = due;
        run->r->due_us[i] = due;
        s_send (run, i);
        run->next++;
    }
    if (!scan_resends)
        return;
    for (long i = 0; i < run->next; i++) {
        s_request_t *q = &run->req[i];
        int overdue = q->state == S_IN_FLIGHT && now - q->sent_us > (int64_t) o->resend_ms * 1000;
        int retry = q->state == S_RETRY && now - q->sent_us > 50000;
        if (overdue || retry) {
            run->r->resends++;
            s_send (run, i);
        }
    }
}

static void
s_landed (s_run_t *run, int socket)
{
    run->inflight[socket]--;
    run->inflight_all--;
}

static long
s_request_index (const Hotline__Envelope *env, const char *run_id)
{
    size_t plen = strlen (run_id);
    if (!env->has_request_id || env->request_id.len <= plen + 1 || env->request_id.len > 60
        || env->request_id.len - plen - 1 > 18 || memcmp (env->request_id.data, run_id, plen) != 0)
        return -1;
    long i = 0;                  //  (at most 18 digits: no overflow)
    for (size_t k = plen + 1; k < env->request_id.len; k++) {
        uint8_t d = env->request_id.data[k];
        if (d < '0' || d > '9')
            return -1;
        i = i * 10 + (d - '0');
    }
    return i;
}

static void
s_on_reply (s_run_t *run, const Hotline__Envelope *env)
{
    long i = s_request_index (env, run->o->run_id);
    if (i < 0 || i >= run->o->total || run->req[i].state != S_IN_FLIGHT)
        return;                       //  stale answer to an earlier send
    s_request_t *q = &run->req[i];
    int socket = (int) (i % run->o->clients);
    if (env->body_case == HOTLINE__ENVELOPE__BODY_ACK) {
        snprintf (run->r->tickets[i], 48, "%s", env->ack->ticket ? env->ack->ticket : "");
        run->r->acked_us[i] = hl_monotonic_us ();
        run->r->latency_us[run->r->n_latency++] = (double) (run->r->acked_us[i] - q->due_us);
        run->r->acked++;
        run->r->duplicates += env->ack->duplicate;
        q->state = S_DONE;
        run->finished++;
        s_landed (run, socket);
    }
    else
    if (env->body_case == HOTLINE__ENVELOPE__BODY_NACK && env->nack->retryable) {
        q->state = S_RETRY;
        s_landed (run, socket);
    }
    else {
        run->r->refused++;
        q->state = S_DONE;
        run->finished++;
        s_landed (run, socket);
    }
}

//  Receives every answer waiting on SOCKET; how many there were.
static int
s_drain_socket (s_run_t *run, void *socket)
{
    for (int n = 0;; n++) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            return n;
        }
        Hotline__Envelope *env = hotline__envelope__unpack (NULL, zmq_msg_size (&msg),
                                                            zmq_msg_data (&msg));
        zmq_msg_close (&msg);
        if (env) {
            s_on_reply (run, env);
            hotline__envelope__free_unpacked (env, NULL);
        }
    }
}

//  Drains the sockets that may hold an answer: those whose ZMQ_FD woke the
//  wait, and those sent on since their last drain (a send can take the
//  signal of an answer that arrived meanwhile). A receive that finds
//  nothing lets libzmq process its mailbox (a poll() and a getpid()
//  inside it) and re-arms ZMQ_FD, so a socket is left alone until it is
//  stirred again: the generator's own cost, paid on the same cores as
//  hotlined's, no longer grows with the number of sockets at every wakeup
//  (it was 16 such checks per pass, ~3 to 5 times the ceiling's
//  generator CPU per ticket). How many answers came.
static int
s_drain (s_run_t *run)
{
    int got = 0;
    for (int c = 0; c < run->o->clients; c++)
        if (run->stirred[c] || (run->fds[c].revents & POLLIN)) {
            run->stirred[c] = 0;
            run->fds[c].revents = 0;
            got += s_drain_socket (run, run->sockets[c]);
        }
    return got;
}

//  Sleeps until an answer may have come (a socket's ZMQ_FD is readable)
//  or the next request is due, at most a millisecond.
static void
s_wait (s_run_t *run, int64_t now)
{
    const hl_load_opts_t *o = run->o;
    int64_t wait_us = 1000;
    if (o->rate > 0 && run->next < o->total) {
        int64_t due = run->start_us + (int64_t) ((double) run->next * 1e6 / o->rate);
        if (due - now < wait_us)
            wait_us = due > now ? due - now : 0;
    }
    struct timespec ts = { 0, (long) wait_us * 1000 };
    ppoll (run->fds, (nfds_t) o->clients, &ts, NULL);
}

static int
s_compare_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static int
s_setup (s_run_t *run)
{
    const hl_load_opts_t *o = run->o;
    run->ctx = zmq_ctx_new ();
    run->sockets = calloc ((size_t) o->clients, sizeof *run->sockets);
    run->inflight = calloc ((size_t) o->clients, sizeof *run->inflight);
    run->fds = calloc ((size_t) o->clients, sizeof *run->fds);
    run->stirred = calloc ((size_t) o->clients, sizeof *run->stirred);
    run->req = calloc ((size_t) o->total, sizeof *run->req);
    run->r->latency_us = calloc ((size_t) o->total + 1, sizeof (double));
    run->r->tickets = calloc ((size_t) o->total + 1, 48);
    run->r->due_us = calloc ((size_t) o->total + 1, sizeof (int64_t));
    run->r->acked_us = calloc ((size_t) o->total + 1, sizeof (int64_t));
    if (!run->sockets || !run->inflight || !run->fds || !run->stirred || !run->req
        || !run->r->latency_us || !run->r->tickets || !run->r->due_us || !run->r->acked_us
        || (o->preencode && s_encode_all (run) != 0))
        return -1;
    for (int c = 0; c < o->clients; c++) {
        run->sockets[c] = zmq_socket (run->ctx, ZMQ_DEALER);
        int zero = 0, hwm = 0;
        zmq_setsockopt (run->sockets[c], ZMQ_LINGER, &zero, sizeof zero);
        zmq_setsockopt (run->sockets[c], ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_setsockopt (run->sockets[c], ZMQ_RCVHWM, &hwm, sizeof hwm);
        if (o->keys && hl_curve_client_apply (run->sockets[c], o->keys) != 0)
            return -1;
        if (zmq_connect (run->sockets[c], o->endpoint) != 0)
            return -1;
        size_t len = sizeof run->fds[c].fd;
        zmq_getsockopt (run->sockets[c], ZMQ_FD, &run->fds[c].fd, &len);
        run->fds[c].events = POLLIN;
    }
    return 0;
}

static void
s_teardown (s_run_t *run)
{
    for (int c = 0; run->sockets && c < run->o->clients; c++)
        if (run->sockets[c])
            zmq_close (run->sockets[c]);
    zmq_ctx_term (run->ctx);
    free (run->sockets);
    free (run->inflight);
    free (run->fds);
    free (run->stirred);
    free (run->req);
    free (run->frames);
    free (run->frame_at);
}

int
hl_load_run (const hl_load_opts_t *o, hl_load_result_t *r)
{
    memset (r, 0, sizeof *r);
    r->total = o->total;
    s_run_t run = { .o = o, .r = r };
    if (s_setup (&run) != 0) {
        s_teardown (&run);
        return -1;
    }
    run.start_us = hl_monotonic_us ();
    int64_t last_scan = run.start_us;
    int64_t end = run.start_us + (int64_t) o->deadline_ms * 1000;
    while (run.finished < o->total) {
        int64_t now = hl_monotonic_us ();
        if (now > end)
            break;
        int scan = now - last_scan > 20000;
        if (scan)
            last_scan = now;
        s_drain (&run);
        s_pump (&run, now, scan);
        //  At a fixed rate the next request is due within a fraction of a
        //  millisecond, finer than zmq_poll's unit: the wait ends when it is
        //  due or an answer comes, so requests leave on time without the
        //  generator spinning on a core the daemon needs.
        if (!s_drain (&run))
            s_wait (&run, hl_monotonic_us ());
    }
    r->elapsed_s = (double) (hl_monotonic_us () - run.start_us) / 1e6;
    qsort (r->latency_us, r->n_latency, sizeof (double), s_compare_double);
    s_teardown (&run);
    return 0;
}

void
hl_load_result_free (hl_load_result_t *r)
{
    free (r->latency_us);
    free (r->tickets);
    free (r->due_us);
    free (r->acked_us);
    r->acked_us = NULL;
    r->latency_us = NULL;
    r->tickets = NULL;
    r->due_us = NULL;
}

double
hl_load_percentile (const hl_load_result_t *r, double p)
{
    if (r->n_latency == 0)
        return 0;
    size_t k = (size_t) (p / 100.0 * (double) (r->n_latency - 1) + 0.5);
    return r->latency_us[k < r->n_latency ? k : r->n_latency - 1];
}

struct hl_load_thread {
    pthread_t thread;
    const hl_load_opts_t *opts;
    hl_load_result_t *result;
    atomic_int ended;
};

static void *
s_load_thread (void *arg)
{
    hl_load_thread_t *self = arg;
    hl_load_run (self->opts, self->result);
    atomic_store (&self->ended, 1);
    return NULL;
}

hl_load_thread_t *
hl_load_start (const hl_load_opts_t *opts, hl_load_result_t *result)
{
    hl_load_thread_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->opts = opts;
    self->result = result;
    if (pthread_create (&self->thread, NULL, s_load_thread, self) != 0)
        abort ();
    return self;
}

int
hl_load_ended (const hl_load_thread_t *self)
{
    return atomic_load (&self->ended);
}

void
hl_load_join (hl_load_thread_t **self_p)
{
    if (!*self_p)
        return;
    pthread_join ((*self_p)->thread, NULL);
    free (*self_p);
    *self_p = NULL;
}

//  Entries in the outboxes held by the node at RC; a bucket another node
//  serves (MOVED, on a cluster) counts there.
static long long
s_outbox_entries (redisContext *rc)
{
    long long n = 0;
    for (int b = 0; b < HL_TICKET_BUCKETS; b++) {
        char key[HL_BUCKET_KEY_MAX];
        hl_bucket_own_key (key, sizeof key, b, HL_OUTBOX_KIND);
        redisReply *r = redisCommand (rc, "XLEN %s", key);
        if (!r)
            return -1;
        n += r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
        freeReplyObject (r);
    }
    return n;
}

//  The entries left over every node of REDIS ("host:port", or a
//  cluster's nodes comma-separated: each bucket counted on its master).
static long long
s_outbox_left (const char *redis)
{
    long long n = 0;
    for (const char *at = redis; *at; at += *at == ',') {
        char host[200];
        int port = 0;
        size_t len = strcspn (at, ",");
        if (sscanf (at, "%199[^:,]:%d", host, &port) != 2)
            return -1;
        at += len;
        redisContext *rc = redisConnect (host, port);
        long long left = rc && !rc->err ? s_outbox_entries (rc) : -1;
        if (rc)
            redisFree (rc);
        if (left < 0)
            return -1;
        n += left;
    }
    return n;
}

long long
hl_load_outbox_settle (const char *redis, int wait_ms)
{
    long long left = s_outbox_left (redis);
    for (int waited = 0; left > 0 && waited < wait_ms; waited += 50) {
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep (&ts, NULL);
        left = s_outbox_left (redis);
    }
    return left;
}

long long
hl_load_used_memory (struct redisContext *rc)
{
    redisReply *r = redisCommand (rc, "INFO memory");
    const char *at = r && r->type == REDIS_REPLY_STRING ? strstr (r->str, "used_memory:") : NULL;
    long long v = at ? atoll (at + 12) : -1;
    freeReplyObject (r);
    return v;
}
