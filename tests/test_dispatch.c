/*  Black-box tests of dispatch and the worker queue: the whole life of a
 *  ticket through real hotlined, real Redis and workers on the wire.
 */
#include "hl_client.h"
#include "hl_curve.h"
#include "hl_table.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_rawworker.h"
#include "hl_wire.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

typedef Hotline__Envelope env_t;

static void
s_free (env_t **env)
{
    if (*env)
        hotline__envelope__free_unpacked (*env, NULL);
    *env = NULL;
}


//  Submits a request and returns its ticket number in OUT ("" on failure).
//  FLAGS: 1 confidential, 2 held for a dispatcher, 4 from the web portal
//  (else the phone).
static void
s_submit (hl_testenv_t *env, const char *category, const char *area, int type,
          int flags, char out[48])
{
    char rid[33];
    hl_client_new_request_id (rid);
    Hotline__Complaint c = HOTLINE__COMPLAINT__INIT;
    c.has_channel = 1;
    c.channel = flags & 4 ? HOTLINE__CHANNEL__CHANNEL_WEB : HOTLINE__CHANNEL__CHANNEL_PHONE;
    c.has_request_type = 1;
    c.request_type = type;
    c.has_category = 1;
    c.category = hl_wire_bytes (category);
    c.has_area = 1;
    c.area = hl_wire_bytes (area);
    c.has_caller_phone = 1;
    c.caller_phone = hl_wire_bytes ("13800138000");
    c.has_caller_name = 1;
    c.caller_name = hl_wire_bytes ("陈先生");
    c.has_content = 1;
    c.content = hl_wire_bytes ("测试诉求内容");
    c.has_confidential = 1;
    c.confidential = flags & 1;
    c.has_request_id = 1;
    c.request_id = hl_wire_bytes (rid);
    if (flags & 2) {
        c.has_disposition = 1;
        c.disposition = HOTLINE__DISPOSITION__DISPOSITION_HOLD;
    }
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    req.complaint = &c;
    env_t *ack = hl_testenv_request (env, &req);
    out[0] = 0;
    if (ack && ack->body_case == HOTLINE__ENVELOPE__BODY_ACK)
        snprintf (out, 48, "%s", ack->ack->ticket);
    s_free (&ack);
}

static int
s_done_to (env_t *reply, Hotline__State to)
{
    return hl_testenv_done_to (reply, to);
}

static int
s_refused (env_t *reply, Hotline__ErrorCode code)
{
    int ok = reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
          && reply->nack->code == code && !reply->nack->retryable;
    if (!ok)
        fprintf (stderr, "expected refusal %s, got %s\n", hl_wire_error_name (code),
                 reply && reply->body_case == HOTLINE__ENVELOPE__BODY_NACK
                 ? reply->nack->message : "something else");
    s_free (&reply);
    return ok;
}


//  Waits for the delivery of TICKET to W; 1 if it came.
static int
s_delivered (hl_rawworker_t *w, const char *ticket, int timeout_ms)
{
    long long until = hl_testenv_now_ms () + timeout_ms;
    while (hl_testenv_now_ms () < until) {
        env_t *d = hl_rawworker_next (w, 200);
        int match = d && d->delivery->ticket && d->delivery->ticket->ticket
                 && strcmp (d->delivery->ticket->ticket, ticket) == 0;
        s_free (&d);
        if (match)
            return 1;
    }
    return 0;
}

static hl_testenv_t *
s_env_up (const char *name, const char *const *args)
{
    hl_testenv_t *env = hl_testenv_new (name);
    if (!env || hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
    }
    return env;
}

#define DISPATCHER "dispatcher:wang"
#define AGENT "agent:1001"

//  ---------------------------------------------------------------------

//  派单 → 签收 → 进展 → 延期 → 答复 → 回访 → 办结, through a worker of the
//  catalogue's unit.
static void
test_happy_path (void)
{
    hl_testenv_t *env = s_env_up ("happy", NULL);
    if (!env)
        return;
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "rsj", 4, "w1");
    HL_CHECK (w != NULL);
    char t[48];
    s_submit (env, "SB.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, t);
    HL_CHECK (*t);
    env_t *d = w ? hl_rawworker_next (w, 3000) : NULL;
    HL_CHECK (d && d->delivery->role == HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD);
    if (d) {
        const Hotline__TicketView *v = d->delivery->ticket;
        HL_CHECK_STR (v->ticket, t);
        HL_CHECK (v->state == HOTLINE__STATE__STATE_DISPATCHED);
        //  rsj may call back: the number is shown in full.
        HL_CHECK (v->complaint->caller_phone.len == 11 && !v->caller_masked);
    }
    s_free (&d);
    if (!w) {
        hl_testenv_destroy (&env);
        return;
    }
    HL_CHECK (s_done_to (hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_SIGN, NULL),
                         HOTLINE__STATE__STATE_SIGNED));
    HL_CHECK (s_done_to (hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_PROGRESS, "已电话联系市民"),
                         HOTLINE__STATE__STATE_IN_PROGRESS));
    HL_CHECK (s_done_to (hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION,
                                            "需要现场核查"), HOTLINE__STATE__STATE_IN_PROGRESS));
    Hotline__Transition days = HOTLINE__TRANSITION__INIT;
    days.has_extension_days = 1;
    days.extension_days = 3;
    HL_CHECK (s_done_to (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_APPROVE_EXTENSION,
                                  &days), HOTLINE__STATE__STATE_IN_PROGRESS));
    HL_CHECK (s_done_to (hl_rawworker_act (w, t, HOTLINE__ACTION__ACTION_REPLY,
                                            "已为市民办理社保补缴"), HOTLINE__STATE__STATE_REPLIED));
    Hotline__Transition rating = HOTLINE__TRANSITION__INIT;
    rating.has_satisfaction = 1;
    rating.satisfaction = HOTLINE__SATISFACTION__SATISFIED;
    rating.has_resolved = 1;
    rating.resolved = 1;
    HL_CHECK (s_done_to (hl_testenv_staff (env, AGENT, t, HOTLINE__ACTION__ACTION_VISIT, &rating),
                         HOTLINE__STATE__STATE_VISITED));
    HL_CHECK (s_done_to (hl_testenv_staff (env, AGENT, t, HOTLINE__ACTION__ACTION_CLOSE, NULL),
                         HOTLINE__STATE__STATE_CLOSED));
    env_t *view = hl_testenv_show (env, t);
    HL_CHECK (view && view->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW);
    if (view && view->ticket_view) {
        const Hotline__TicketView *v = view->ticket_view;
        HL_CHECK (v->state == HOTLINE__STATE__STATE_CLOSED);
        HL_CHECK (v->n_history == 9);
        HL_CHECK (v->extension_days == 3 && !v->extension_pending);
        HL_CHECK (v->satisfaction == HOTLINE__SATISFACTION__SATISFIED && v->resolved);
        HL_CHECK (v->reply.len > 0);
        HL_CHECK (v->n_history >= 3 && strncmp ((char *) v->history[2]->actor.data,
                                                "unit:rsj/w1", 11) == 0);
    }
    s_free (&view);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
}

//  退单 → 驳回 → 退单 → 改派; 甄别 after an unsatisfied visit: 重办.
static void
test_return_and_reopen (void)
{
    hl_testenv_t *env = s_env_up ("return", NULL);
    if (!env)
        return;
    hl_rawworker_t *a = hl_rawworker_new (hl_testenv_worker_endpoint (env), "jcq.cgj", 4, "a");
    hl_rawworker_t *b = hl_rawworker_new (hl_testenv_worker_endpoint (env), "zjj", 4, "b");
    HL_CHECK (a && b);
    if (!a || !b) {
        hl_rawworker_destroy (&a);
        hl_rawworker_destroy (&b);
        hl_testenv_destroy (&env);
        return;
    }
    char t[48];
    s_submit (env, "CG.02", "441702", HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, t);
    HL_CHECK (s_delivered (a, t, 3000));
    HL_CHECK (s_refused (hl_rawworker_act (a, t, HOTLINE__ACTION__ACTION_RETURN, NULL),
                         HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD));
    HL_CHECK (s_done_to (hl_rawworker_act (a, t, HOTLINE__ACTION__ACTION_RETURN, "不属于本区"),
                         HOTLINE__STATE__STATE_RETURNED));
    Hotline__Transition why = HOTLINE__TRANSITION__INIT;
    why.has_note = 1;
    why.note = hl_wire_bytes ("地址在江城区，请继续办理");
    HL_CHECK (s_done_to (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_REFUSE_RETURN, &why),
                         HOTLINE__STATE__STATE_DISPATCHED));
    HL_CHECK (s_delivered (a, t, 3000));
    HL_CHECK (s_done_to (hl_rawworker_act (a, t, HOTLINE__ACTION__ACTION_RETURN, "确属住建职责"),
                         HOTLINE__STATE__STATE_RETURNED));
    Hotline__Transition to = HOTLINE__TRANSITION__INIT;
    to.has_unit = 1;
    to.unit = hl_wire_bytes ("jcq.cgj");
    HL_CHECK (s_refused (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_REASSIGN, &to),
                         HOTLINE__ERROR_CODE__ERROR_BAD_VALUE));
    to.unit = hl_wire_bytes ("zjj");
    HL_CHECK (s_done_to (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_REASSIGN, &to),
                         HOTLINE__STATE__STATE_DISPATCHED));
    HL_CHECK (s_delivered (b, t, 3000));
    //  The old unit has lost the ticket.
    HL_CHECK (s_refused (hl_rawworker_act (a, t, HOTLINE__ACTION__ACTION_SIGN, NULL),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    HL_CHECK (s_done_to (hl_rawworker_act (b, t, HOTLINE__ACTION__ACTION_SIGN, NULL),
                         HOTLINE__STATE__STATE_SIGNED));
    HL_CHECK (s_done_to (hl_rawworker_act (b, t, HOTLINE__ACTION__ACTION_REPLY, "已拆除"),
                         HOTLINE__STATE__STATE_REPLIED));
    Hotline__Transition rating = HOTLINE__TRANSITION__INIT;
    rating.has_satisfaction = 1;
    rating.satisfaction = HOTLINE__SATISFACTION__UNSATISFIED;
    HL_CHECK (s_done_to (hl_testenv_staff (env, AGENT, t, HOTLINE__ACTION__ACTION_VISIT, &rating),
                         HOTLINE__STATE__STATE_REVIEWING));
    HL_CHECK (s_done_to (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_REHANDLE, &to),
                         HOTLINE__STATE__STATE_DISPATCHED));
    HL_CHECK (s_delivered (b, t, 3000));
    env_t *view = hl_testenv_show (env, t);
    HL_CHECK (view && view->ticket_view && view->ticket_view->reopen_count == 1);
    s_free (&view);
    hl_rawworker_destroy (&a);
    hl_rawworker_destroy (&b);
    hl_testenv_destroy (&env);
}

//  Closings at intake and by an agent; merge; the parent's reply reaches
//  the merged ticket.
static void
test_closings_and_merge (void)
{
    hl_testenv_t *env = s_env_up ("merge", NULL);
    if (!env)
        return;
    char held[48], parent[48], child[48];
    s_submit (env, "QT.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 2, held);
    env_t *view = hl_testenv_show (env, held);
    HL_CHECK (view && view->ticket_view && view->ticket_view->state == HOTLINE__STATE__STATE_TO_DISPATCH);
    s_free (&view);
    Hotline__Transition answer = HOTLINE__TRANSITION__INIT;
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, held, HOTLINE__ACTION__ACTION_ANSWER_DIRECTLY, &answer),
                         HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD));
    answer.has_note = 1;
    answer.note = hl_wire_bytes ("已告知办理地点和材料");
    answer.has_article = 1;
    answer.article = hl_wire_bytes ("kb-sb-001");
    HL_CHECK (s_done_to (hl_testenv_staff (env, AGENT, held, HOTLINE__ACTION__ACTION_ANSWER_DIRECTLY, &answer),
                         HOTLINE__STATE__STATE_ANSWERED_DIRECTLY));
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, held, HOTLINE__ACTION__ACTION_CLOSE, NULL),
                         HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));

    s_submit (env, "GY.01", "441704", HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, parent);
    s_submit (env, "GY.01", "441704", HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, child);
    Hotline__Transition m = HOTLINE__TRANSITION__INIT;
    m.has_parent = 1;
    m.parent = hl_wire_bytes (child);
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, child, HOTLINE__ACTION__ACTION_MERGE, &m),
                         HOTLINE__ERROR_CODE__ERROR_BAD_VALUE));
    m.parent = hl_wire_bytes (held);
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, child, HOTLINE__ACTION__ACTION_MERGE, &m),
                         HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));
    m.parent = hl_wire_bytes (parent);
    HL_CHECK (s_done_to (hl_testenv_staff (env, AGENT, child, HOTLINE__ACTION__ACTION_MERGE, &m),
                         HOTLINE__STATE__STATE_MERGED));
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "swjt", 8, "water");
    HL_CHECK (w && s_delivered (w, parent, 3000));
    if (w) {
        HL_CHECK (s_done_to (hl_rawworker_act (w, parent, HOTLINE__ACTION__ACTION_SIGN, NULL),
                             HOTLINE__STATE__STATE_SIGNED));
        HL_CHECK (s_done_to (hl_rawworker_act (w, parent, HOTLINE__ACTION__ACTION_REPLY,
                                                "管道抢修完毕，已恢复供水"),
                             HOTLINE__STATE__STATE_REPLIED));
        //  The merged ticket was never delivered on its own.
        HL_CHECK (s_refused (hl_rawworker_act (w, child, HOTLINE__ACTION__ACTION_SIGN, NULL),
                             HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));
    }
    view = hl_testenv_show (env, child);
    HL_CHECK (view && view->ticket_view && view->ticket_view->state == HOTLINE__STATE__STATE_MERGED);
    HL_CHECK (view && view->ticket_view && view->ticket_view->has_reply
              && strstr ((char *) view->ticket_view->reply.data, "恢复供水"));
    s_free (&view);
    view = hl_testenv_show (env, parent);
    HL_CHECK (view && view->ticket_view && view->ticket_view->n_merged == 1);
    s_free (&view);

    char t2[48];
    s_submit (env, "QT.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_OTHER, 2, t2);
    Hotline__Transition tr = HOTLINE__TRANSITION__INIT;
    tr.has_transfer_to = 1;
    tr.transfer_to = 999;
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, t2, HOTLINE__ACTION__ACTION_TRANSFER, &tr),
                         HOTLINE__ERROR_CODE__ERROR_BAD_VALUE));
    tr.transfer_to = 119;
    HL_CHECK (s_done_to (hl_testenv_staff (env, AGENT, t2, HOTLINE__ACTION__ACTION_TRANSFER, &tr),
                         HOTLINE__STATE__STATE_TRANSFERRED));
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
}

//  Who may do what: every refusal changes nothing.
static void
test_refusals (void)
{
    hl_testenv_t *env = s_env_up ("refusals", NULL);
    if (!env)
        return;
    hl_rawworker_t *other = hl_rawworker_new (hl_testenv_worker_endpoint (env), "gaj", 2, "x");
    HL_CHECK (other != NULL);
    char t[48];
    s_submit (env, "SB.02", "441781", HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, t);
    if (other) {
        HL_CHECK (s_refused (hl_rawworker_act (other, t, HOTLINE__ACTION__ACTION_SIGN, NULL),
                             HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
        HL_CHECK (s_refused (hl_rawworker_act (other, t, HOTLINE__ACTION__ACTION_DISPATCH, NULL),
                             HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    }
    Hotline__Transition u = HOTLINE__TRANSITION__INIT;
    u.has_unit = 1;
    u.unit = hl_wire_bytes ("nosuchunit");
    HL_CHECK (s_refused (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_DISPATCH, &u),
                         HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE));
    u.unit = hl_wire_bytes ("gaj");
    HL_CHECK (s_refused (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_DISPATCH, &u),
                         HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, t, HOTLINE__ACTION__ACTION_APPROVE_EXTENSION, NULL),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    HL_CHECK (s_refused (hl_testenv_staff (env, "unit:rsj/me", t, HOTLINE__ACTION__ACTION_SIGN, NULL),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    HL_CHECK (s_refused (hl_testenv_staff (env, "nobody", t, HOTLINE__ACTION__ACTION_CLOSE, NULL),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, t, HOTLINE__ACTION__ACTION_CLOSE, NULL),
                         HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, t, HOTLINE__ACTION__ACTION_VISIT, NULL),
                         HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));
    HL_CHECK (s_refused (hl_testenv_staff (env, DISPATCHER, "YJ20200101999999",
                                  HOTLINE__ACTION__ACTION_CLOSE, NULL),
                         HOTLINE__ERROR_CODE__ERROR_NOT_FOUND));
    Hotline__Transition bad = HOTLINE__TRANSITION__INIT;
    bad.has_extension_days = 1;
    bad.extension_days = 400;
    HL_CHECK (s_refused (hl_testenv_staff (env, DISPATCHER, t, HOTLINE__ACTION__ACTION_APPROVE_EXTENSION, &bad),
                         HOTLINE__ERROR_CODE__ERROR_BAD_VALUE));
    //  Nothing changed: still dispatched to rsj with its two entries.
    env_t *view = hl_testenv_show (env, t);
    HL_CHECK (view && view->ticket_view && view->ticket_view->state == HOTLINE__STATE__STATE_DISPATCHED
              && view->ticket_view->n_history == 2);
    s_free (&view);
    //  A worker that never said ready is told so.
    void *ctx = zmq_ctx_new ();
    void *raw = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (raw, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect (raw, hl_testenv_worker_endpoint (env));
    Hotline__Heartbeat hb = HOTLINE__HEARTBEAT__INIT;
    Hotline__TicketListQuery lq = HOTLINE__TICKET_LIST_QUERY__INIT;
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.has_version = 1;
    req.version = 1;
    req.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    req.ticket_list_query = &lq;
    (void) hb;
    hl_buf_t buf = HL_BUF_INIT;
    hl_wire_pack (&req, &buf);
    zmq_send (raw, buf.data, buf.len, 0);
    hl_buf_free (&buf);
    zmq_pollitem_t item = { raw, 0, ZMQ_POLLIN, 0 };
    HL_CHECK (zmq_poll (&item, 1, 3000) == 1);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    zmq_msg_recv (&msg, raw, ZMQ_DONTWAIT);
    env_t *nack = hotline__envelope__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
    zmq_msg_close (&msg);
    HL_CHECK (s_refused (nack, HOTLINE__ERROR_CODE__ERROR_NOT_READY));
    zmq_close (raw);
    zmq_ctx_term (ctx);
    hl_rawworker_destroy (&other);
    hl_testenv_destroy (&env);
}

//  Workers see what the privacy rules allow; a unit sees only its own.
static void
test_privacy_and_isolation (void)
{
    hl_testenv_t *env = s_env_up ("privacy", NULL);
    if (!env)
        return;
    //  txb (telecom office) may not call back: the number is masked.
    hl_rawworker_t *tel = hl_rawworker_new (hl_testenv_worker_endpoint (env), "txb", 4, "t");
    hl_rawworker_t *rs = hl_rawworker_new (hl_testenv_worker_endpoint (env), "rsj", 4, "r");
    HL_CHECK (tel && rs);
    if (!tel || !rs) {
        hl_rawworker_destroy (&tel);
        hl_rawworker_destroy (&rs);
        hl_testenv_destroy (&env);
        return;
    }
    char plain[48], secret[48], report[48];
    s_submit (env, "GY.04", "441702", HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, plain);
    env_t *d = hl_rawworker_next (tel, 3000);
    HL_CHECK (d && d->delivery->ticket->caller_masked);
    HL_CHECK (d && d->delivery->ticket->complaint->caller_phone.len == 11
              && memcmp (d->delivery->ticket->complaint->caller_phone.data, "138****8000", 11) == 0);
    s_free (&d);
    s_submit (env, "SB.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_HELP, 1, secret);
    d = hl_rawworker_next (rs, 3000);
    HL_CHECK (d && d->delivery->ticket->caller_masked
              && !d->delivery->ticket->complaint->has_caller_phone
              && !d->delivery->ticket->complaint->has_caller_name);
    s_free (&d);
    s_submit (env, "SB.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_REPORT, 0, report);
    d = hl_rawworker_next (rs, 3000);
    HL_CHECK (d && d->delivery->ticket->caller_masked
              && !d->delivery->ticket->complaint->has_caller_phone);
    s_free (&d);
    //  The telecom office cannot see or act on rsj's tickets.
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (secret);
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    req.ticket_query = &q;
    HL_CHECK (s_refused (hl_rawworker_call (tel, &req), HOTLINE__ERROR_CODE__ERROR_NOT_FOUND));
    HL_CHECK (s_refused (hl_rawworker_act (tel, secret, HOTLINE__ACTION__ACTION_REPLY, "x"),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    Hotline__TicketListQuery lq = HOTLINE__TICKET_LIST_QUERY__INIT;
    env_t lreq = HOTLINE__ENVELOPE__INIT;
    lreq.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    lreq.ticket_list_query = &lq;
    env_t *list = hl_rawworker_call (tel, &lreq);
    HL_CHECK (list && list->body_case == HOTLINE__ENVELOPE__BODY_TICKET_LIST
              && list->ticket_list->n_tickets == 1
              && strcmp (list->ticket_list->tickets[0]->ticket, plain) == 0);
    s_free (&list);
    //  rsj sees its own ticket on request, masked as delivered.
    env_t *own = hl_rawworker_call (rs, &req);
    HL_CHECK (own && own->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW
              && !own->ticket_view->complaint->has_caller_phone);
    s_free (&own);
    hl_rawworker_destroy (&tel);
    hl_rawworker_destroy (&rs);
    hl_testenv_destroy (&env);
}

//  A worker process killed with SIGKILL while holding tickets: another
//  worker of the unit gets each of them; none is signed twice.
static void
test_worker_killed (void)
{
    const char *args[] = { "--heartbeat-ms", "200", NULL };
    hl_testenv_t *env = s_env_up ("killed", args);
    if (!env)
        return;
    enum { N = 6 };
    char t[N][48];
    for (int i = 0; i < N; i++)
        s_submit (env, "YB.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, t[i]);
    int pipefd[2];
    HL_CHECK (pipe (pipefd) == 0);
    pid_t pid = fork ();
    if (pid == 0) {
        //  The doomed worker: takes all six, signs the first, then hangs.
        hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "ybj", N, "doomed");
        int got = 0;
        while (w && got < N) {
            env_t *d = hl_rawworker_next (w, 3000);
            if (!d)
                break;
            if (++got == 1) {
                env_t *r = hl_rawworker_act (w, d->delivery->ticket->ticket,
                                              HOTLINE__ACTION__ACTION_SIGN, NULL);
                s_free (&r);
            }
            s_free (&d);
        }
        if (write (pipefd[1], &got, sizeof got) < 0)
            _exit (1);
        pause ();
        _exit (0);
    }
    int got = 0;
    HL_CHECK (read (pipefd[0], &got, sizeof got) == sizeof got && got == N);
    kill (pid, SIGKILL);
    waitpid (pid, NULL, 0);
    hl_rawworker_t *heir = hl_rawworker_new (hl_testenv_worker_endpoint (env), "ybj", N, "heir");
    int redelivered = 0, signed_now = 0;
    for (int k = 0; heir && k < N - 1; k++) {
        env_t *d = hl_rawworker_next (heir, 4000);
        if (!d)
            break;
        redelivered += d->delivery->redelivery;
        env_t *r = hl_rawworker_act (heir, d->delivery->ticket->ticket,
                                      HOTLINE__ACTION__ACTION_SIGN, NULL);
        signed_now += r && r->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE;
        s_free (&r);
        s_free (&d);
    }
    HL_CHECK (redelivered == N - 1 && signed_now == N - 1);
    //  Nothing more comes: the signed one is not redelivered.
    env_t *extra = heir ? hl_rawworker_next (heir, 1000) : NULL;
    HL_CHECK (extra == NULL);
    s_free (&extra);
    int signs = 0;
    for (int i = 0; i < N; i++) {
        env_t *view = hl_testenv_show (env, t[i]);
        for (size_t h = 0; view && view->ticket_view && h < view->ticket_view->n_history; h++)
            signs += view->ticket_view->history[h]->action.len == 4
                  && memcmp (view->ticket_view->history[h]->action.data, "sign", 4) == 0;
        s_free (&view);
    }
    HL_CHECK (signs == N);
    hl_rawworker_destroy (&heir);
    hl_testenv_destroy (&env);
}

//  hotlined killed and restarted while tickets were out with workers:
//  every dispatched-but-unsigned ticket is delivered again (the restarted
//  instance is a new consumer of the unit's stream: it takes the dead
//  one's entries once they have been idle worker_claim_ms).
static void
test_daemon_restart (void)
{
    const char *args[] = { "--worker-claim-ms", "1000", NULL };
    hl_testenv_t *env = s_env_up ("restart", args);
    if (!env)
        return;
    enum { N = 5 };
    char t[N][48];
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "gjj", N, "w");
    for (int i = 0; i < N; i++)
        s_submit (env, "GJ.01", "441704", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, t[i]);
    int got = 0;
    while (w && got < N) {
        env_t *d = hl_rawworker_next (w, 3000);
        if (!d)
            break;
        got++;
        s_free (&d);
    }
    HL_CHECK (got == N);
    if (w)
        HL_CHECK (s_done_to (hl_rawworker_act (w, t[0], HOTLINE__ACTION__ACTION_SIGN, NULL),
                             HOTLINE__STATE__STATE_SIGNED));
    hl_rawworker_destroy (&w);
    hl_testenv_daemon_signal (env, SIGKILL);
    hl_testenv_daemon_wait (env, 5000);
    HL_CHECK (hl_testenv_daemon_start (env, args) == 0);
    w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "gjj", N, "w2");
    got = 0;
    while (w && got < N - 1) {
        env_t *d = hl_rawworker_next (w, 3000);
        if (!d)
            break;
        HL_CHECK (strcmp (d->delivery->ticket->ticket, t[0]) != 0);
        got++;
        s_free (&d);
    }
    HL_CHECK (got == N - 1);
    env_t *extra = w ? hl_rawworker_next (w, 1000) : NULL;
    HL_CHECK (extra == NULL);          //  the signed ticket stays with its unit's staff
    s_free (&extra);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
}


//  ---------------------------------------------------------------------
//  Scale: 20 units x 5 workers, 10,000 tickets, each to its unit and closed.

//  Category and area pairs whose catalogue routes lead to 20 different units.
static const char *s_routes[20][3] = {
    { "SB.01", "441702", "rsj" }, { "YB.01", "441702", "ybj" }, { "GA.01", "441704", "gaj" },
    { "GA.04", "441721", "jjzd" }, { "ZJ.01", "441781", "zjj" }, { "GJ.01", "441702", "gjj" },
    { "BD.01", "441704", "zrzyj" }, { "CG.01", "441702", "jcq.cgj" },
    { "CG.01", "441704", "ydq.cgj" }, { "HB.01", "441790", "sthjj" },
    { "SC.01", "441702", "jcq.scjg" }, { "SC.01", "441704", "ydq.scjg" },
    { "SC.04", "441781", "scjgj" }, { "GY.01", "441721", "swjt" }, { "GY.02", "441702", "gdj" },
    { "GY.03", "441704", "rqgs" }, { "JT.01", "441702", "jtj" }, { "JY.01", "441781", "jyj" },
    { "WS.01", "441791", "wsjkj" }, { "MZ.01", "441792", "mzj" },
};

typedef void (s_build_fn) (long i, env_t *env, void *storage, void *arg);
typedef void (s_answer_fn) (long i, const env_t *answer, void *arg);

//  Sends N requests over one DEALER, WINDOW at a time, request ids
//  "<prefix>-<i>", and hands each answer to ON_ANSWER. Returns how many
//  were answered within DEADLINE_MS.
static long
s_pipeline (const char *endpoint, const char *prefix, long n, int window, int deadline_ms,
            s_build_fn *build, s_answer_fn *on_answer, void *arg)
{
    void *ctx = zmq_ctx_new ();
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect (dealer, endpoint);
    long sent = 0, answered = 0;
    long long until = hl_testenv_now_ms () + deadline_ms;
    union { Hotline__Complaint c; Hotline__Transition t; } storage;
    while (answered < n && hl_testenv_now_ms () < until) {
        while (sent < n && sent - answered < window) {
            env_t env = HOTLINE__ENVELOPE__INIT;
            char rid[48];
            snprintf (rid, sizeof rid, "%s-%ld", prefix, sent);
            build (sent, &env, &storage, arg);
            env.has_version = 1;
            env.version = 1;
            env.has_request_id = 1;
            env.request_id = hl_wire_bytes (rid);
            hl_buf_t buf = HL_BUF_INIT;
            hl_wire_pack (&env, &buf);
            zmq_send (dealer, buf.data, buf.len, 0);
            hl_buf_free (&buf);
            sent++;
        }
        zmq_pollitem_t item = { dealer, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 100) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        while (zmq_msg_recv (&msg, dealer, ZMQ_DONTWAIT) >= 0) {
            env_t *a = hotline__envelope__unpack (NULL, zmq_msg_size (&msg), zmq_msg_data (&msg));
            if (a && a->has_request_id && a->request_id.len > strlen (prefix) + 1
                && a->request_id.len < 40) {
                char digits[48];
                snprintf (digits, sizeof digits, "%.*s",
                          (int) (a->request_id.len - strlen (prefix) - 1),
                          (char *) a->request_id.data + strlen (prefix) + 1);
                long i = strtol (digits, NULL, 10);
                on_answer (i, a, arg);
                answered++;
            }
            s_free (&a);
        }
        zmq_msg_close (&msg);
    }
    zmq_close (dealer);
    zmq_ctx_term (ctx);
    return answered;
}

typedef struct {
    char (*tickets)[48];
    hl_table_t *index;             //  ticket -> i + 1
    long acked, misrouted, replied, closed, refused;
} s_scale_t;

static void
s_build_complaint (long i, env_t *env, void *storage, void *arg)
{
    (void) arg;
    static char rid[48];
    Hotline__Complaint *c = storage;
    hotline__complaint__init (c);
    snprintf (rid, sizeof rid, "scale-%ld", i);
    c->has_channel = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_WEB;
    c->has_request_type = 1;
    c->request_type = HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT;
    c->has_category = 1;
    c->category = hl_wire_bytes (s_routes[i % 20][0]);
    c->has_area = 1;
    c->area = hl_wire_bytes (s_routes[i % 20][1]);
    c->has_caller_phone = 1;
    c->caller_phone = hl_wire_bytes ("13912345678");
    c->has_content = 1;
    c->content = hl_wire_bytes ("规模测试诉求");
    c->has_request_id = 1;
    c->request_id = hl_wire_bytes (rid);
    env->body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    env->complaint = c;
}

static void
s_on_ack (long i, const env_t *a, void *arg)
{
    s_scale_t *sc = arg;
    if (a->body_case != HOTLINE__ENVELOPE__BODY_ACK || i < 0 || i >= 10000)
        return;
    snprintf (sc->tickets[i], 48, "%s", a->ack->ticket);
    hl_table_set (sc->index, a->ack->ticket, strlen (a->ack->ticket), (void *) (intptr_t) (i + 1));
    sc->acked++;
}

//  Visits (phase 0) then closes (phase 1) every ticket.
static void
s_build_staff (long i, env_t *env, void *storage, void *arg)
{
    s_scale_t *sc = arg;
    long phase = i / 10000;
    Hotline__Transition *t = storage;
    hotline__transition__init (t);
    t->has_ticket = 1;
    t->ticket = hl_wire_bytes (sc->tickets[i % 10000]);
    t->has_actor = 1;
    t->actor = hl_wire_bytes (AGENT);
    t->has_action = 1;
    t->action = phase == 0 ? HOTLINE__ACTION__ACTION_VISIT : HOTLINE__ACTION__ACTION_CLOSE;
    if (phase == 0) {
        t->has_satisfaction = 1;
        t->satisfaction = HOTLINE__SATISFACTION__SATISFIED;
        t->has_resolved = 1;
        t->resolved = 1;
    }
    env->body_case = HOTLINE__ENVELOPE__BODY_TRANSITION;
    env->transition = t;
}

static void
s_on_staff (long i, const env_t *a, void *arg)
{
    s_scale_t *sc = arg;
    if (a->body_case != HOTLINE__ENVELOPE__BODY_TRANSITION_DONE)
        sc->refused++;
    else
    if (i >= 10000)
        sc->closed++;
}

//  One message to a scale worker: deliveries are signed, signatures
//  replied to, replies counted.
static void
s_scale_worker_message (s_scale_t *sc, hl_rawworker_t *w, const char *unit, env_t *m, long *tag)
{
    if (m->body_case == HOTLINE__ENVELOPE__BODY_DELIVERY) {
        const char *ticket = m->delivery->ticket->ticket;
        long i = (long) (intptr_t) hl_table_get (sc->index, ticket, strlen (ticket)) - 1;
        if (i < 0 || strcmp (s_routes[i % 20][2], unit) != 0)
            sc->misrouted++;
        hl_rawworker_send_action (w, ticket, HOTLINE__ACTION__ACTION_SIGN, NULL, ++*tag);
    }
    else
    if (m->body_case == HOTLINE__ENVELOPE__BODY_TRANSITION_DONE) {
        if (m->transition_done->to_state == HOTLINE__STATE__STATE_SIGNED)
            hl_rawworker_send_action (w, m->transition_done->ticket,
                                       HOTLINE__ACTION__ACTION_REPLY, "已办理", ++*tag);
        else
            sc->replied++;
    }
    else
    if (m->body_case == HOTLINE__ENVELOPE__BODY_NACK)
        sc->refused++;
}

static void
test_scale (void)
{
    //  A long heartbeat: on a loaded machine under the sanitizers this one
    //  thread serving a hundred workers must not be taken for dead. A long
    //  Redis deadline too: past it an action is refused as retryable, and
    //  this test's raw workers do not retry (the worker library does).
    const char *args[] = { "--heartbeat-ms", "30000", "--redis-timeout-ms", "10000",
                           "--log-level", "info", NULL };
    hl_testenv_t *env = s_env_up ("scale", args);
    if (!env)
        return;
    enum { UNITS = 20, PER = 5, N = 10000 };
    hl_rawworker_t *w[UNITS * PER];
    zmq_pollitem_t items[UNITS * PER];
    int up = 0;
    for (int u = 0; u < UNITS; u++)
        for (int k = 0; k < PER; k++) {
            char name[16];
            snprintf (name, sizeof name, "w%d", k);
            w[u * PER + k] = hl_rawworker_new (hl_testenv_worker_endpoint (env), s_routes[u][2],
                                                50, name);
            up += w[u * PER + k] != NULL;
            items[u * PER + k] = (zmq_pollitem_t) {
                w[u * PER + k] ? hl_rawworker_socket (w[u * PER + k]) : NULL, 0, ZMQ_POLLIN, 0 };
        }
    HL_CHECK (up == UNITS * PER);
    s_scale_t sc = { .tickets = calloc (N, 48), .index = hl_table_new () };
    long long t0 = hl_testenv_now_ms ();
    HL_CHECK (s_pipeline (hl_testenv_endpoint (env), "scale", N, 500, 120000, s_build_complaint,
                          s_on_ack, &sc) == N);
    HL_CHECK (sc.acked == N);
    long tag = 0;
    long long until = hl_testenv_now_ms () + 180000;
    while (up == UNITS * PER && sc.replied < N && hl_testenv_now_ms () < until) {
        if (zmq_poll (items, UNITS * PER, 100) <= 0)
            continue;
        for (int k = 0; k < UNITS * PER; k++) {
            env_t *m;
            while ((m = hl_rawworker_next_any (w[k], 0)) != NULL) {
                s_scale_worker_message (&sc, w[k], s_routes[k / PER][2], m, &tag);
                s_free (&m);
            }
        }
    }
    HL_CHECK (sc.replied == N);
    HL_CHECK (sc.misrouted == 0);
    HL_CHECK (s_pipeline (hl_testenv_endpoint (env), "staff", 2 * N, 500, 120000, s_build_staff,
                          s_on_staff, &sc) == 2 * N);
    HL_CHECK (sc.closed == N && sc.refused == 0);
    HL_CHECK (hl_testenv_outbox_drained (env, 20000) == 0);
    redisReply *r = redisCommand (hl_testenv_redis (env), "ZCARD " HL_INDEX_PREFIX "state:closed");
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == N);
    if (r)
        freeReplyObject (r);
    printf ("scale: %d tickets through %d units x %d workers to closed in %.1f s\n", N, UNITS,
            PER, (hl_testenv_now_ms () - t0) / 1000.0);
    for (int k = 0; k < UNITS * PER; k++)
        hl_rawworker_destroy (&w[k]);
    hl_table_destroy (&sc.index);
    free (sc.tickets);
    hl_testenv_destroy (&env);
}


//  The remaining paths: manual dispatch of a held ticket, 延期 refused and
//  asked twice, 答复退回, 不予受理; and a catalogue reload that a broken
//  file cannot spoil.
static void
test_other_paths (void)
{
    hl_testenv_t *env = s_env_up ("paths", NULL);
    if (!env)
        return;
    char held[48], oos[48];
    s_submit (env, "SB.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_HELP, 2, held);
    Hotline__Transition to = HOTLINE__TRANSITION__INIT;
    to.has_unit = 1;
    to.unit = hl_wire_bytes ("mzj");
    to.n_assist = 1;
    ProtobufCBinaryData assist[1] = { hl_wire_bytes ("jcq") };
    to.assist = assist;
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, held, HOTLINE__ACTION__ACTION_DISPATCH, &to),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    HL_CHECK (s_done_to (hl_testenv_staff (env, DISPATCHER, held, HOTLINE__ACTION__ACTION_DISPATCH, &to),
                         HOTLINE__STATE__STATE_DISPATCHED));
    hl_rawworker_t *w = hl_rawworker_new (hl_testenv_worker_endpoint (env), "mzj", 2, "m");
    HL_CHECK (w && s_delivered (w, held, 3000));
    if (w) {
        HL_CHECK (s_done_to (hl_rawworker_act (w, held, HOTLINE__ACTION__ACTION_SIGN, NULL),
                             HOTLINE__STATE__STATE_SIGNED));
        HL_CHECK (s_done_to (hl_rawworker_act (w, held, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION,
                                               "需协调多个部门"), HOTLINE__STATE__STATE_SIGNED));
        HL_CHECK (s_refused (hl_rawworker_act (w, held, HOTLINE__ACTION__ACTION_REQUEST_EXTENSION,
                                               "再次申请"), HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));
        Hotline__Transition no = HOTLINE__TRANSITION__INIT;
        no.has_note = 1;
        no.note = hl_wire_bytes ("时限内可以办结");
        HL_CHECK (s_done_to (hl_testenv_staff (env, DISPATCHER, held,
                                      HOTLINE__ACTION__ACTION_REFUSE_EXTENSION, &no),
                             HOTLINE__STATE__STATE_SIGNED));
        HL_CHECK (s_refused (hl_testenv_staff (env, DISPATCHER, held,
                                      HOTLINE__ACTION__ACTION_APPROVE_EXTENSION, NULL),
                             HOTLINE__ERROR_CODE__ERROR_INVALID_TRANSITION));
        HL_CHECK (s_done_to (hl_rawworker_act (w, held, HOTLINE__ACTION__ACTION_REPLY, "已答复"),
                             HOTLINE__STATE__STATE_REPLIED));
        no.note = hl_wire_bytes ("答复未说明办理结果，请补充");
        HL_CHECK (s_done_to (hl_testenv_staff (env, DISPATCHER, held, HOTLINE__ACTION__ACTION_REJECT_REPLY,
                                      &no), HOTLINE__STATE__STATE_IN_PROGRESS));
    }
    env_t *view = hl_testenv_show (env, held);
    HL_CHECK (view && view->ticket_view && view->ticket_view->n_assist == 1
              && !view->ticket_view->extension_pending);
    s_free (&view);
    s_submit (env, "QT.99", "441704", HOTLINE__REQUEST_TYPE__REQUEST_OTHER, 2, oos);
    Hotline__Transition why = HOTLINE__TRANSITION__INIT;
    HL_CHECK (s_refused (hl_testenv_staff (env, AGENT, oos, HOTLINE__ACTION__ACTION_OUT_OF_SCOPE, &why),
                         HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD));
    why.has_note = 1;
    why.note = hl_wire_bytes ("属于法院审理事项，已告知市民向法院起诉");
    HL_CHECK (s_done_to (hl_testenv_staff (env, AGENT, oos, HOTLINE__ACTION__ACTION_OUT_OF_SCOPE, &why),
                         HOTLINE__STATE__STATE_OUT_OF_SCOPE));

    //  Reload: a broken catalogue is refused and routing goes on as before.
    char path[300], cmd[700];
    snprintf (path, sizeof path, "%s/dispatch.conf", hl_testenv_dir (env));
    snprintf (cmd, sizeof cmd, "cp '%s' '%s' && echo 'SB.01 * nosuchunit' >> '%s'",
              getenv ("HL_DISPATCH"), path, path);
    HL_CHECK (system (cmd) == 0);
    hl_testenv_daemon_signal (env, SIGTERM);
    HL_CHECK (hl_testenv_daemon_wait (env, 10000) == 0);
    snprintf (cmd, sizeof cmd, "sed -i '$d' '%s'", path);
    HL_CHECK (system (cmd) == 0);
    const char *args[] = { "--dispatch", path, NULL };
    HL_CHECK (hl_testenv_daemon_start (env, args) == 0);
    snprintf (cmd, sizeof cmd, "echo 'SB.01 * nosuchunit' >> '%s'", path);
    HL_CHECK (system (cmd) == 0);
    hl_testenv_daemon_signal (env, SIGHUP);
    usleep (300 * 1000);
    char after[48];
    s_submit (env, "SB.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_HELP, 0, after);
    view = hl_testenv_show (env, after);
    HL_CHECK (view && view->ticket_view && view->ticket_view->unit.len == 3
              && memcmp (view->ticket_view->unit.data, "rsj", 3) == 0);
    s_free (&view);
    snprintf (cmd, sizeof cmd, "grep -q 'reload refused, keeping the current dispatch catalogue' '%s'",
              hl_testenv_daemon_log (env));
    HL_CHECK (system (cmd) == 0);
    hl_rawworker_destroy (&w);
    hl_testenv_destroy (&env);
}

//  A new key pair, also written as the key file DIR/NAME.key.
static void
s_key_pair (const char *dir, const char *name, char pub[HL_CURVE_KEY_TEXT],
            char sec[HL_CURVE_KEY_TEXT])
{
    HL_CHECK (hl_curve_keypair (pub, sec) == 0);
    char path[300];
    snprintf (path, sizeof path, "%s/%s.key", dir, name);
    FILE *f = fopen (path, "w");
    HL_CHECK (f != NULL);
    if (f) {
        fprintf (f, "# test key\npublic %s\nsecret %s\n", pub, sec);
        fclose (f);
    }
}

static int
s_log_has (hl_testenv_t *env, const char *text)
{
    char cmd[600];
    snprintf (cmd, sizeof cmd, "grep -qF '%s' '%s'", text, hl_testenv_daemon_log (env));
    return system (cmd) == 0;
}

//  CURVE on the worker endpoint: a worker gets in only with a key listed
//  for a unit, and serves that unit only; the list is reloaded on SIGHUP.
static void
test_curve (void)
{
    hl_testenv_t *env = hl_testenv_new ("curve");
    if (!env || hl_testenv_redis_start (env) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
        return;
    }
    const char *dir = hl_testenv_dir (env);
    char spub[41], ssec[41], apub[41], asec[41], bpub[41], bsec[41], xpub[41], xsec[41];
    s_key_pair (dir, "server", spub, ssec);
    s_key_pair (dir, "rsj", apub, asec);
    s_key_pair (dir, "ybj", bpub, bsec);
    s_key_pair (dir, "stranger", xpub, xsec);
    char server_key[300], keys[300], line[200];
    snprintf (server_key, sizeof server_key, "%s/server.key", dir);
    snprintf (keys, sizeof keys, "%s/worker-keys.conf", dir);
    FILE *f = fopen (keys, "w");
    HL_CHECK (f != NULL);
    if (f) {
        fprintf (f, "# unit  public key\nrsj %s\nybj %s\n", apub, bpub);
        fclose (f);
    }
    const char *args[] = { "--worker-key-file", server_key, "--worker-keys", keys, NULL };
    if (hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"hotlined with CURVE up");
        hl_testenv_destroy (&env);
        return;
    }
    const char *wep = hl_testenv_worker_endpoint (env);
    void *ctx = zmq_ctx_new ();
    const char *rsj_keys[] = { spub, apub, asec }, *ybj_keys[] = { spub, bpub, bsec };
    const char *stranger_keys[] = { spub, xpub, xsec };

    //  rsj's key, serving rsj: welcomed, and gets rsj's ticket.
    hl_rawworker_t *a = hl_rawworker_new_keyed (ctx, wep, "rsj", 4, "a", rsj_keys);
    HL_CHECK (a != NULL);
    char t[48];
    s_submit (env, "SB.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, t);
    HL_CHECK (*t && a && s_delivered (a, t, 3000));

    //  ybj's key claiming rsj: refused; serving ybj: welcomed.
    hl_rawworker_t *b = hl_rawworker_new_keyed (ctx, wep, "rsj", 4, "b", ybj_keys);
    HL_CHECK (b == NULL);
    HL_CHECK (s_log_has (env, "key of unit ybj claimed unit rsj"));
    hl_rawworker_destroy (&b);
    b = hl_rawworker_new_keyed (ctx, wep, "ybj", 4, "b", ybj_keys);
    HL_CHECK (b != NULL);

    //  A key nobody listed, and no key at all: no way in.
    hl_rawworker_t *x = hl_rawworker_new_keyed (ctx, wep, "rsj", 4, "x", stranger_keys);
    HL_CHECK (x == NULL);
    HL_CHECK (s_log_has (env, "key not listed"));
    hl_rawworker_t *plain = hl_rawworker_new_keyed (ctx, wep, "rsj", 4, "plain", NULL);
    HL_CHECK (plain == NULL);
    hl_rawworker_destroy (&x);
    hl_rawworker_destroy (&plain);

    //  Listed on reload: in.
    f = fopen (keys, "a");
    HL_CHECK (f != NULL);
    if (f) {
        snprintf (line, sizeof line, "rsj %s\n", xpub);
        fputs (line, f);
        fclose (f);
    }
    hl_testenv_daemon_signal (env, SIGHUP);
    usleep (300 * 1000);
    x = hl_rawworker_new_keyed (ctx, wep, "rsj", 4, "x", stranger_keys);
    HL_CHECK (x != NULL);
    HL_CHECK (s_log_has (env, "3 worker keys"));

    hl_rawworker_destroy (&x);
    hl_rawworker_destroy (&b);
    hl_rawworker_destroy (&a);
    zmq_ctx_term (ctx);
    hl_testenv_destroy (&env);
}

//  DIR/NAME.key as a client's keys for hotlined's DIR/server.key.
static hl_curve_client_t
s_client_keys (const char *dir, const char *name)
{
    char path[300], server[300], err[400];
    snprintf (path, sizeof path, "%s/%s.key", dir, name);
    snprintf (server, sizeof server, "%s/server.key", dir);
    hl_curve_client_t keys;
    memset (&keys, 0, sizeof keys);
    HL_CHECK (hl_curve_client_load (&keys, path, server, err, sizeof err) == 0);
    return keys;
}

static int
s_history_actor (hl_testenv_t *env, const char *ticket, const char *actor)
{
    env_t *view = hl_testenv_show (env, ticket);
    int found = 0;
    for (size_t i = 0; view && view->ticket_view && i < view->ticket_view->n_history; i++) {
        ProtobufCBinaryData a = view->ticket_view->history[i]->actor;
        found |= a.len == strlen (actor) && memcmp (a.data, actor, a.len) == 0;
    }
    s_free (&view);
    return found;
}

//  Runs the hotline client with ARGS; 1 if it exits with STATUS and its
//  standard error holds TEXT (NULL: anything).
static int
s_cli (hl_testenv_t *env, const char *const *args, int status, const char *text)
{
    int rc = hl_testenv_client (env, args, NULL);
    char cmd[600];
    snprintf (cmd, sizeof cmd, "grep -qF -e '%s' '%s/client.err'", text ? text : "",
              hl_testenv_dir (env));
    int said = !text || system (cmd) == 0;
    if (rc != status || !said)
        fprintf (stderr, "hotline exited %d (wanted %d), stderr %s '%s'\n", rc, status,
                 said ? "has" : "lacks", text ? text : "");
    return rc == status && said;
}

//  CURVE on the intake endpoints: each key is issued to one person or one
//  channel's gateway. Staff act only as their key's owner (who is also
//  the actor when none is named), an agent files calls only in their own
//  name, a gateway files only for its channel, unlisted keys get nothing,
//  and the list is reloaded on SIGHUP.
//  Ask for TICKET; REASON set: with the caller's full details.
static env_t *
s_show_as (hl_testenv_t *env, const char *ticket, const char *reason)
{
    Hotline__TicketQuery q = HOTLINE__TICKET_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (ticket);
    if (reason) {
        q.has_reveal_caller = q.reveal_caller = 1;
        q.has_reason = 1;
        q.reason = hl_wire_bytes (reason);
    }
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TICKET_QUERY;
    req.ticket_query = &q;
    return hl_testenv_request (env, &req);
}

static int
s_phone_is (const env_t *view, const char *phone)
{
    if (!view || view->body_case != HOTLINE__ENVELOPE__BODY_TICKET_VIEW)
        return 0;
    const Hotline__Complaint *c = view->ticket_view->complaint;
    size_t len = strlen (phone);
    return c && c->caller_phone.len == len && memcmp (c->caller_phone.data, phone, len) == 0;
}

//  Over CURVE, staff see the caller masked unless they say why they need
//  the full number (written to the history); a gateway sees only its own
//  channel's tickets, masked, and lists nothing.
static void
s_privacy_by_role (hl_testenv_t *env, const hl_curve_client_t *agent,
                   const hl_curve_client_t *gateway, const char *phone_ticket,
                   const char *web_ticket)
{
    hl_testenv_set_keys (env, agent);
    env_t *v = s_show_as (env, web_ticket, NULL);
    HL_CHECK (s_phone_is (v, "138****8000") && v->ticket_view->caller_masked);
    s_free (&v);
    v = s_show_as (env, web_ticket, "市民要求回电");
    HL_CHECK (s_phone_is (v, "13800138000") && !v->ticket_view->caller_masked);
    s_free (&v);
    HL_CHECK (s_history_actor (env, web_ticket, "agent:wang"));
    v = s_show_as (env, web_ticket, "");
    HL_CHECK (s_refused (v, HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD));

    hl_testenv_set_keys (env, gateway);
    v = s_show_as (env, web_ticket, NULL);
    HL_CHECK (s_phone_is (v, "138****8000"));
    s_free (&v);
    v = s_show_as (env, phone_ticket, NULL);
    HL_CHECK (s_refused (v, HOTLINE__ERROR_CODE__ERROR_NOT_FOUND));
    v = s_show_as (env, web_ticket, "网关想看号码");
    HL_CHECK (s_refused (v, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    Hotline__TicketListQuery lq = HOTLINE__TICKET_LIST_QUERY__INIT;
    lq.has_caller_phone = 1;
    lq.caller_phone = hl_wire_bytes ("13800138000");
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_TICKET_LIST_QUERY;
    req.ticket_list_query = &lq;
    HL_CHECK (s_refused (hl_testenv_request (env, &req), HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
}

static void
test_staff_keys (void)
{
    hl_testenv_t *env = hl_testenv_new ("staff-keys");
    if (!env || hl_testenv_redis_start (env) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
        return;
    }
    const char *dir = hl_testenv_dir (env);
    char pub[5][41], sec[5][41];
    const char *names[5] = { "server", "wang", "li", "web", "stranger" };
    for (int i = 0; i < 5; i++)
        s_key_pair (dir, names[i], pub[i], sec[i]);
    char server_key[300], keys[300];
    snprintf (server_key, sizeof server_key, "%s/server.key", dir);
    snprintf (keys, sizeof keys, "%s/intake-keys.conf", dir);
    FILE *f = fopen (keys, "w");
    HL_CHECK (f != NULL);
    if (f) {
        fprintf (f, "# who  public key\nagent:wang %s\ndispatcher:li %s\nchannel:web %s\n",
                 pub[1], pub[2], pub[3]);
        fclose (f);
    }

    //  Half a configuration would leave the intake open: refused.
    const char *half[] = { "--intake-keys", keys, NULL };
    HL_CHECK (hl_testenv_daemon_start (env, half) != 0);
    HL_CHECK (s_log_has (env, "intake_key_file and intake_keys go together"));

    hl_curve_client_t wang = s_client_keys (dir, "wang"), li = s_client_keys (dir, "li");
    hl_curve_client_t web = s_client_keys (dir, "web");
    hl_curve_client_t stranger = s_client_keys (dir, "stranger");
    hl_testenv_set_keys (env, &wang);
    const char *args[] = { "--intake-key-file", server_key, "--intake-keys", keys, NULL };
    if (hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"hotlined with CURVE on the intake up");
        hl_testenv_destroy (&env);
        return;
    }
    HL_CHECK (s_log_has (env, "3 staff keys"));

    //  The agent files a call; the ticket says who took it.
    char held[48], web_ticket[48], t[48];
    s_submit (env, "QT.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 2, held);
    HL_CHECK (*held && s_history_actor (env, held, "agent:wang"));

    //  The agent acts as himself, not as anyone else.
    Hotline__Transition d = HOTLINE__TRANSITION__INIT;
    d.has_unit = 1;
    d.unit = hl_wire_bytes ("rsj");
    HL_CHECK (s_refused (hl_testenv_staff (env, DISPATCHER, held, HOTLINE__ACTION__ACTION_DISPATCH, &d),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    HL_CHECK (s_refused (hl_testenv_staff (env, "agent:zhang", held, HOTLINE__ACTION__ACTION_DISPATCH, &d),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));

    //  The dispatcher's key dispatches, with or without naming himself.
    hl_testenv_set_keys (env, &li);
    HL_CHECK (s_done_to (hl_testenv_staff (env, "dispatcher:li", held, HOTLINE__ACTION__ACTION_DISPATCH, &d),
                         HOTLINE__STATE__STATE_DISPATCHED));
    HL_CHECK (s_history_actor (env, held, "dispatcher:li"));
    s_submit (env, "QT.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 2, t);
    HL_CHECK (*t);
    HL_CHECK (s_done_to (hl_testenv_staff (env, "", t, HOTLINE__ACTION__ACTION_DISPATCH, &d),
                         HOTLINE__STATE__STATE_DISPATCHED));
    HL_CHECK (s_history_actor (env, t, "dispatcher:li"));

    //  The portal's gateway files web requests only, and takes no actions.
    hl_testenv_set_keys (env, &web);
    s_submit (env, "QT.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 4 | 2, web_ticket);
    HL_CHECK (*web_ticket && s_history_actor (env, web_ticket, "channel:web"));
    s_submit (env, "QT.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 2, t);
    HL_CHECK (*t == 0);
    HL_CHECK (s_refused (hl_testenv_staff (env, "", web_ticket, HOTLINE__ACTION__ACTION_DISPATCH, &d),
                         HOTLINE__ERROR_CODE__ERROR_FORBIDDEN));
    s_privacy_by_role (env, &wang, &web, held, web_ticket);

    //  An unlisted key is told so at once; no key gets no answer.
    hl_client_t *c = hl_client_new_keyed (hl_testenv_endpoint (env), &stranger);
    Hotline__StatusQuery q = HOTLINE__STATUS_QUERY__INIT;
    env_t req = HOTLINE__ENVELOPE__INIT, *reply = NULL;
    req.body_case = HOTLINE__ENVELOPE__BODY_STATUS_QUERY;
    req.status_query = &q;
    char err[400] = "";
    long long start = hl_testenv_now_ms ();
    HL_CHECK (hl_client_request (c, &req, &reply, 20000, 1000, err, sizeof err) == -1);
    HL_CHECK (strstr (err, "does not accept this key") != NULL);
    HL_CHECK (hl_testenv_now_ms () - start < 15000);
    hl_client_destroy (&c);
    HL_CHECK (s_log_has (env, "staff connection refused: key not listed"));
    c = hl_client_new (hl_testenv_endpoint (env));
    req.has_request_id = 0;
    HL_CHECK (hl_client_request (c, &req, &reply, 1000, 500, err, sizeof err) == -1);
    hl_client_destroy (&c);

    //  The command line: keys by option, the actor from the key.
    char key_file[300];
    snprintf (key_file, sizeof key_file, "%s/li.key", dir);
    const char *status[] = { "--key-file", key_file, "--server-key", pub[0], "status", NULL };
    HL_CHECK (s_cli (env, status, 0, NULL));
    s_submit (env, "QT.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 4 | 2, t);
    HL_CHECK (*t);
    const char *dispatch[] = { "--key-file", key_file, "--server-key", server_key, "dispatch",
                               t, "rsj", NULL };
    HL_CHECK (s_cli (env, dispatch, 0, NULL));
    HL_CHECK (s_history_actor (env, t, "dispatcher:li"));
    snprintf (key_file, sizeof key_file, "%s/stranger.key", dir);
    HL_CHECK (s_cli (env, status, 3, "does not accept this key"));
    const char *lone[] = { "--key-file", key_file, "status", NULL };
    HL_CHECK (s_cli (env, lone, 1, "--key-file and --server-key go together"));

    //  Listed on reload: in, as who the list says.
    f = fopen (keys, "a");
    HL_CHECK (f != NULL);
    if (f) {
        fprintf (f, "supervisor:zhao %s\n", pub[4]);
        fclose (f);
    }
    hl_testenv_daemon_signal (env, SIGHUP);
    usleep (300 * 1000);
    HL_CHECK (s_log_has (env, "4 staff keys"));
    HL_CHECK (s_cli (env, status, 0, NULL));
    hl_testenv_destroy (&env);
}

//  The lead unit of ticket T, into OUT ("" if none).
static void
s_lead_of (hl_testenv_t *env, const char *t, char out[48])
{
    env_t *view = hl_testenv_show (env, t);
    out[0] = 0;
    if (view && view->body_case == HOTLINE__ENVELOPE__BODY_TICKET_VIEW && view->ticket_view)
        snprintf (out, 48, "%.*s", (int) view->ticket_view->unit.len,
                  (const char *) view->ticket_view->unit.data);
    s_free (&view);
}

//  Categories of three levels (大类.小类.细类) through intake and the
//  shipped catalogues: a 细类 with a route of its own goes there; one
//  without, by its 小类 or 大类; a flat code of old as before; a code the
//  catalogue does not list is refused (unknown_code) and nothing is stored.
static void
test_category_levels (void)
{
    hl_testenv_t *env = s_env_up ("levels", NULL);
    if (!env)
        return;
    char t[48], lead[48];
    s_submit (env, "HB.03.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, t);
    s_lead_of (env, t, lead);
    HL_CHECK_STR (lead, "zjj");                     //  细类: HB.03.01 * zjj
    s_submit (env, "SB.01.01", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, t);
    s_lead_of (env, t, lead);
    HL_CHECK_STR (lead, "rsj");                     //  by its 大类: SB.* * rsj
    s_submit (env, "HB.03", "441702", HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, 0, t);
    s_lead_of (env, t, lead);
    HL_CHECK_STR (lead, "sthjj");                   //  小类 of old: HB.03 441702 sthjj
    s_submit (env, "SB.01.99", "441702", HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY, 0, t);
    HL_CHECK (t[0] == 0);
    char rid[33];
    hl_client_new_request_id (rid);
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_WEB, HOTLINE__REQUEST_TYPE__REQUEST_INQUIRY,
                          "SB.01.99", "441702", "未列出的细类", rid);
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_COMPLAINT;
    req.complaint = &c;
    HL_CHECK (s_refused (hl_testenv_request (env, &req), HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE));
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "happy_path", test_happy_path },
    { "return_and_reopen", test_return_and_reopen },
    { "closings_and_merge", test_closings_and_merge },
    { "refusals", test_refusals },
    { "privacy_and_isolation", test_privacy_and_isolation },
    { "worker_killed", test_worker_killed },
    { "daemon_restart", test_daemon_restart },
    { "scale", test_scale },
    { "other_paths", test_other_paths },
    { "curve", test_curve },
    { "staff_keys", test_staff_keys },
    { "category_levels", test_category_levels },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
