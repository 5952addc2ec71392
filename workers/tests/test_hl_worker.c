/*  Unit test of hl_worker (libhotline-worker) against a fake broker: the
 *  session (welcome, refusal, heartbeats, loss and reconnect, not_ready),
 *  deliveries, actions and their answers (done, refused, retry later,
 *  dropped answer resent with the same id), lists and single tickets.
 */
#include "hl_fakebroker.h"
#include "hl_redis.h"
#include "hl_test.h"
#include "hl_worker.h"

#include <stdlib.h>
#include <unistd.h>

#define S_HB 100                     //  the fake broker's heartbeat, ms

enum {
    S_READY = HOTLINE__ENVELOPE__BODY_WORKER_READY,
    S_HEARTBEAT = HOTLINE__ENVELOPE__BODY_HEARTBEAT,
    S_TRANSITION = HOTLINE__ENVELOPE__BODY_TRANSITION,
    S_LEAD = HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD,
    S_ASSIST = HOTLINE__DELIVERY_ROLE__DELIVERY_ASSIST
};

//  A broker and a welcomed worker of unit CG.
typedef struct {
    hl_fakebroker_t *broker;
    hl_worker_t *worker;
} s_pair_t;

static s_pair_t
s_pair (void)
{
    s_pair_t p;
    p.broker = hl_fakebroker_new (S_HB);
    p.worker = hl_worker_new (hl_fakebroker_endpoint (p.broker), "CG", 2, "cg-test");
    HL_CHECK (p.worker != NULL);
    hl_worker_set_timeouts (p.worker, 3000, 200);
    HL_CHECK (hl_worker_connect (p.worker, 3000) == 0);
    return p;
}

static void
s_unpair (s_pair_t *p)
{
    hl_worker_destroy (&p->worker);
    HL_CHECK (p->worker == NULL);
    hl_fakebroker_destroy (&p->broker);
}

//  Takes one delivery (waiting up to a second); NULL if none came.
static hl_worker_ticket_t *
s_next (hl_worker_t *w)
{
    hl_worker_ticket_t *t = NULL;
    int rc = hl_worker_next (w, 1000, &t);
    HL_CHECK (rc == 1);
    return t;
}

//  Has the broker deliver lead ticket NUMBER and takes it.
static void
s_take (s_pair_t *p, const char *number)
{
    hl_fakebroker_deliver (p->broker, number, "CG", S_LEAD, 0, 0);
    hl_worker_ticket_t *t = s_next (p->worker);
    HL_CHECK_STR (t ? hl_worker_ticket_number (t) : NULL, number);
    hl_worker_ticket_destroy (&t);
}

static void
test_arguments (void)
{
    HL_CHECK (hl_worker_new ("tcp://127.0.0.1:1", "", 1, NULL) == NULL);
    HL_CHECK (hl_worker_new ("tcp://127.0.0.1:1", "C G", 1, NULL) == NULL);
    HL_CHECK (hl_worker_new ("tcp://127.0.0.1:1", "CG", 0, NULL) == NULL);
    HL_CHECK (hl_worker_new ("tcp://127.0.0.1:1", "CG", 1001, NULL) == NULL);
    HL_CHECK (hl_worker_new ("tcp://127.0.0.1:1", "CG", 1, "a\nb") == NULL);
    HL_CHECK (hl_worker_new ("no-such-transport://x", "CG", 1, NULL) == NULL);
    HL_CHECK (hl_worker_new (NULL, "CG", 1, NULL) == NULL);
    HL_CHECK (hl_worker_new ("tcp://127.0.0.1:1,", "CG", 1, NULL) == NULL);
    HL_CHECK (hl_worker_new (",tcp://127.0.0.1:1", "CG", 1, NULL) == NULL);
    HL_CHECK (hl_worker_new ("tcp://127.0.0.1:1,,tcp://127.0.0.1:2", "CG", 1, NULL) == NULL);
    HL_CHECK_STR (hl_worker_strerror (HL_WORKER_EREFUSED), "refused");
    HL_CHECK_STR (hl_worker_strerror (HL_WORKER_ETIMEDOUT), "timeout");
    HL_CHECK_STR (hl_worker_strerror (12345), "unknown");
    hl_worker_t *none = NULL;
    hl_worker_destroy (&none);                                  //  nothing to do
}

static void
test_welcome (void)
{
    s_pair_t p = s_pair ();
    HL_CHECK (hl_worker_connected (p.worker));
    HL_CHECK (hl_worker_sessions (p.worker) == 1);
    HL_CHECK (hl_worker_heartbeat_ms (p.worker) == S_HB);
    HL_CHECK_STR (hl_worker_unit_name (p.worker), "城市管理和综合执法局");
    HL_CHECK_STR (hl_worker_unit (p.worker), "CG");
    HL_CHECK (!hl_worker_callback_allowed (p.worker));
    char unit[64], name[64];
    unsigned credit = 0;
    hl_fakebroker_last_ready (p.broker, unit, sizeof unit, &credit, name, sizeof name);
    HL_CHECK_STR (unit, "CG");
    HL_CHECK_STR (name, "cg-test");
    HL_CHECK (credit == 2);
    //  Connecting again when welcomed returns at once.
    HL_CHECK (hl_worker_connect (p.worker, 0) == 0);
    HL_CHECK_STR (hl_worker_error (p.worker), "");
    s_unpair (&p);
}

static void
test_refused (void)
{
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_refuse_ready (broker, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, 0);
    hl_worker_t *w = hl_worker_new (hl_fakebroker_endpoint (broker), "NOPE", 1, NULL);
    HL_CHECK (hl_worker_connect (w, 3000) == HL_WORKER_EREFUSED);
    HL_CHECK_STR (hl_worker_error_code (w), "unknown_code");
    HL_CHECK (strstr (hl_worker_error (w), "not a unit of the dispatch catalogue") != NULL);
    hl_worker_ticket_t *t = NULL;
    HL_CHECK (hl_worker_next (w, 100, &t) == HL_WORKER_EREFUSED && t == NULL);
    HL_CHECK (hl_worker_sign (w, "YJ1") == HL_WORKER_EREFUSED);
    HL_CHECK (!hl_worker_connected (w));
    //  Refused stays refused: no new WorkerReady behind the caller's back.
    int readies = hl_fakebroker_count (broker, S_READY);
    usleep (5 * S_HB * 1000);
    HL_CHECK (hl_fakebroker_count (broker, S_READY) == readies);
    //  Until the caller asks for a new session, which hotlined now welcomes.
    hl_fakebroker_refuse_ready (broker, 0, 0);
    hl_worker_reconnect (w);
    HL_CHECK (hl_worker_connect (w, 3000) == 0);
    hl_worker_destroy (&w);
    hl_fakebroker_destroy (&broker);
}

static void
test_refused_retryable (void)
{
    //  "Retry later" to WorkerReady is not final: the worker tries again.
    hl_fakebroker_t *broker = hl_fakebroker_new (50);
    hl_fakebroker_refuse_ready (broker, HOTLINE__ERROR_CODE__ERROR_SHUTTING_DOWN, 1);
    hl_worker_t *w = hl_worker_new (hl_fakebroker_endpoint (broker), "CG", 1, NULL);
    HL_CHECK (hl_worker_connect (w, 300) == HL_WORKER_ETIMEDOUT);
    HL_CHECK_STR (hl_worker_error_code (w), "timeout");
    hl_fakebroker_refuse_ready (broker, 0, 0);
    HL_CHECK (hl_worker_connect (w, 5000) == 0);
    HL_CHECK (hl_fakebroker_count (broker, S_READY) >= 2);
    hl_worker_destroy (&w);
    hl_fakebroker_destroy (&broker);
}

static void
test_delivery (void)
{
    s_pair_t p = s_pair ();
    hl_fakebroker_deliver (p.broker, "YJ20261127000001", "CG", S_LEAD, 0, 0);
    hl_fakebroker_deliver (p.broker, "YJ20261127000002", "CG", S_ASSIST, 1, 0);
    hl_worker_ticket_t *t = s_next (p.worker);
    if (t) {
        HL_CHECK_STR (hl_worker_ticket_number (t), "YJ20261127000001");
        HL_CHECK (hl_worker_ticket_role (t) == HL_WORKER_LEAD);
        HL_CHECK (!hl_worker_ticket_redelivery (t));
        HL_CHECK_STR (hl_worker_ticket_state (t), "dispatched");
        HL_CHECK_STR (hl_worker_ticket_request_type (t), "complaint");
        HL_CHECK_STR (hl_worker_ticket_category (t), "CG.01");
        HL_CHECK_STR (hl_worker_ticket_area (t), "441702");
        HL_CHECK (strstr (hl_worker_ticket_content (t), "油烟") != NULL);
        const char *json = hl_worker_ticket_json (t);
        HL_CHECK (strstr (json, "\"ticket\":\"YJ20261127000001\"") != NULL);
        HL_CHECK (strstr (json, "\"caller_phone\":\"138****5678\"") != NULL);
        HL_CHECK (hl_worker_ticket_json (t) == json);            //  made once
        HL_CHECK (hl_worker_ticket_view (t) != NULL);
        hl_worker_ticket_destroy (&t);
        HL_CHECK (t == NULL);
    }
    t = s_next (p.worker);
    if (t) {
        HL_CHECK_STR (hl_worker_ticket_number (t), "YJ20261127000002");
        HL_CHECK (hl_worker_ticket_role (t) == HL_WORKER_ASSIST);
        HL_CHECK (hl_worker_ticket_redelivery (t));
        hl_worker_ticket_destroy (&t);
    }
    int64_t before = hl_monotonic_us ();
    HL_CHECK (hl_worker_next (p.worker, 150, &t) == 0 && t == NULL);
    HL_CHECK (hl_monotonic_us () - before >= 140 * 1000);
    HL_CHECK (hl_worker_next (p.worker, 0, &t) == 0);
    s_unpair (&p);
}

static void
test_heartbeats (void)
{
    //  An idle worker heartbeats about once per interval and, hearing the
    //  broker's heartbeats, keeps its session.
    s_pair_t p = s_pair ();
    int before = hl_fakebroker_count (p.broker, S_HEARTBEAT);
    hl_worker_ticket_t *t = NULL;
    HL_CHECK (hl_worker_next (p.worker, 10 * S_HB, &t) == 0);
    int beats = hl_fakebroker_count (p.broker, S_HEARTBEAT) - before;
    HL_CHECK (beats >= 7 && beats <= 12);
    HL_CHECK (hl_worker_sessions (p.worker) == 1);
    HL_CHECK (hl_fakebroker_count (p.broker, S_READY) == 1);
    s_unpair (&p);
}

static void
test_heartbeat_loss (void)
{
    //  The broker falls silent: after three intervals the worker opens a
    //  new socket and says WorkerReady again, and again until answered.
    s_pair_t p = s_pair ();
    hl_fakebroker_deliver (p.broker, "YJ20261127000010", "CG", S_LEAD, 0, 0);
    HL_CHECK (hl_worker_poll (p.worker, NULL, 0, 500) == 0);
    HL_CHECK (hl_worker_pending (p.worker) == 1);
    hl_fakebroker_set_silent (p.broker, 1);
    hl_worker_ticket_t *t = NULL;
    HL_CHECK (hl_worker_poll (p.worker, NULL, 0, 8 * S_HB) == 0);
    HL_CHECK (hl_fakebroker_count (p.broker, S_READY) >= 2);
    HL_CHECK (hl_fakebroker_peers (p.broker) >= 2);              //  a new connection
    HL_CHECK (!hl_worker_connected (p.worker));
    hl_fakebroker_set_silent (p.broker, 0);
    HL_CHECK (hl_worker_connect (p.worker, 3000) == 0);
    HL_CHECK (hl_worker_sessions (p.worker) == 2);
    //  The queued lead ticket belonged to the lost session: hotlined gives
    //  it again, so it is not handed out from the old queue.
    HL_CHECK (hl_worker_pending (p.worker) == 0);
    HL_CHECK (hl_worker_next (p.worker, 0, &t) == 0);
    s_unpair (&p);
}

//  Two hotlined instances on one store: the worker lists both, is
//  welcomed by the first, and when that one falls silent moves to the
//  second, which then delivers to it.
static void
test_endpoints_failover (void)
{
    hl_fakebroker_t *a = hl_fakebroker_new (S_HB), *b = hl_fakebroker_new (S_HB);
    char list[128];
    snprintf (list, sizeof list, "%s,%s", hl_fakebroker_endpoint (a), hl_fakebroker_endpoint (b));
    hl_worker_t *w = hl_worker_new (list, "CG", 2, "cg-test");
    HL_CHECK (w != NULL);
    hl_worker_set_timeouts (w, 3000, 200);
    HL_CHECK (hl_worker_connect (w, 3000) == 0);
    HL_CHECK (hl_fakebroker_peers (a) == 1 && hl_fakebroker_peers (b) == 0);
    hl_fakebroker_set_silent (a, 1);
    HL_CHECK (hl_worker_poll (w, NULL, 0, 8 * S_HB) == 0);
    HL_CHECK (hl_worker_connect (w, 3000) == 0);
    HL_CHECK (hl_fakebroker_peers (b) == 1);
    HL_CHECK (hl_worker_sessions (w) == 2);
    hl_fakebroker_deliver (b, "YJ20261127000020", "CG", S_LEAD, 0, 0);
    hl_worker_ticket_t *t = s_next (w);
    HL_CHECK_STR (t ? hl_worker_ticket_number (t) : NULL, "YJ20261127000020");
    hl_worker_ticket_destroy (&t);
    hl_worker_destroy (&w);
    hl_fakebroker_destroy (&a);
    hl_fakebroker_destroy (&b);
}

static void
test_not_ready (void)
{
    //  A restarted hotlined does not know the worker: the action is
    //  answered not_ready, the worker says WorkerReady, and the action is
    //  sent again with the same request id.
    s_pair_t p = s_pair ();
    s_take (&p, "YJ20261127000020");
    hl_worker_ticket_t *t = NULL;
    hl_fakebroker_forget (p.broker);
    HL_CHECK (hl_worker_sign (p.worker, "YJ20261127000020") == 0);
    HL_CHECK (hl_worker_sessions (p.worker) == 2);
    HL_CHECK (hl_fakebroker_count (p.broker, S_READY) == 2);
    HL_CHECK (hl_fakebroker_transitions (p.broker) == 2);
    hl_fakebroker_transition_t a, b;
    hl_fakebroker_transition (p.broker, 0, &a);
    hl_fakebroker_transition (p.broker, 1, &b);
    HL_CHECK_STR (a.rid, b.rid);
    HL_CHECK (hl_fakebroker_state (p.broker, "YJ20261127000020") == HOTLINE__STATE__STATE_SIGNED);

    //  A heartbeat answered not_ready starts a new session as well.
    hl_fakebroker_forget (p.broker);
    HL_CHECK (hl_worker_next (p.worker, 4 * S_HB, &t) == 0);
    HL_CHECK (hl_worker_sessions (p.worker) == 3);
    HL_CHECK (hl_worker_connected (p.worker));
    s_unpair (&p);
}

static void
test_actions (void)
{
    s_pair_t p = s_pair ();
    const char *n = "YJ20261127000030";
    s_take (&p, n);
    hl_worker_ticket_t *t = NULL;

    HL_CHECK (hl_worker_sign (p.worker, n) == 0);
    const hl_worker_done_t *d = hl_worker_done (p.worker);
    HL_CHECK_STR (d->ticket, n);
    HL_CHECK_STR (d->from, "dispatched");
    HL_CHECK_STR (d->to, "signed");
    HL_CHECK (!d->duplicate);
    HL_CHECK_STR (d->unit, "CG");

    HL_CHECK (hl_worker_progress (p.worker, n, "已联系市民，约定明日上门") == 0);
    HL_CHECK_STR (hl_worker_done (p.worker)->to, "in_progress");
    HL_CHECK (hl_worker_request_extension (p.worker, n, 5, "需协调环保部门检测") == 0);
    HL_CHECK_STR (hl_worker_done (p.worker)->to, "in_progress");
    HL_CHECK (hl_worker_reply (p.worker, n, "已责令餐馆安装油烟净化设备并限时整改。") == 0);
    HL_CHECK_STR (hl_worker_done (p.worker)->to, "replied");

    hl_fakebroker_transition_t rec;
    HL_CHECK (hl_fakebroker_transitions (p.broker) == 4);
    hl_fakebroker_transition (p.broker, 0, &rec);
    HL_CHECK (rec.action == HOTLINE__ACTION__ACTION_SIGN);
    HL_CHECK_STR (rec.ticket, n);
    HL_CHECK_STR (rec.note, "");
    hl_fakebroker_transition (p.broker, 2, &rec);
    HL_CHECK (rec.action == HOTLINE__ACTION__ACTION_REQUEST_EXTENSION && rec.days == 5);
    HL_CHECK_STR (rec.note, "需协调环保部门检测");
    hl_fakebroker_transition (p.broker, 3, &rec);
    HL_CHECK (rec.action == HOTLINE__ACTION__ACTION_REPLY);

    //  A second ticket is returned with its reason.
    hl_fakebroker_deliver (p.broker, "YJ20261127000031", "CG", S_LEAD, 0, 0);
    t = s_next (p.worker);
    hl_worker_ticket_destroy (&t);
    HL_CHECK (hl_worker_return (p.worker, "YJ20261127000031", "wrong_area", "地址属端州区") == 0);
    HL_CHECK_STR (hl_worker_done (p.worker)->to, "returned");
    hl_fakebroker_transition (p.broker, 4, &rec);
    HL_CHECK (rec.action == HOTLINE__ACTION__ACTION_RETURN
              && rec.reason == HOTLINE__RETURN_REASON__RETURN_WRONG_AREA);
    s_unpair (&p);
}

static void
test_refusals (void)
{
    s_pair_t p = s_pair ();
    const char *n = "YJ20261127000040";
    s_take (&p, n);

    //  Refused by hotlined: final, with its code and message.
    HL_CHECK (hl_worker_reply (p.worker, n, "答复") == HL_WORKER_EREFUSED);
    HL_CHECK_STR (hl_worker_error_code (p.worker), "invalid_transition");
    HL_CHECK (strstr (hl_worker_error (p.worker), "invalid_transition: reply: not allowed in "
                                                  "state dispatched") != NULL);
    HL_CHECK (hl_worker_sign (p.worker, "YJ20990101999999") == HL_WORKER_EREFUSED);
    HL_CHECK_STR (hl_worker_error_code (p.worker), "not_found");

    //  Refused here: nothing is sent.
    int sent = hl_fakebroker_count (p.broker, S_TRANSITION);
    HL_CHECK (hl_worker_return (p.worker, n, "bored", "x") == HL_WORKER_EINVAL);
    HL_CHECK_STR (hl_worker_error_code (p.worker), "invalid_argument");
    HL_CHECK (strstr (hl_worker_error (p.worker), "wrong_area") != NULL);
    HL_CHECK (hl_worker_return (p.worker, n, NULL, "x") == HL_WORKER_EINVAL);
    HL_CHECK (hl_worker_request_extension (p.worker, n, 0, "x") == HL_WORKER_EINVAL);
    HL_CHECK (hl_worker_request_extension (p.worker, n, 61, "x") == HL_WORKER_EINVAL);
    HL_CHECK (hl_worker_progress (p.worker, n, "bad \xC3\x28 text") == HL_WORKER_EINVAL);
    HL_CHECK (hl_worker_progress (p.worker, n, "escape \x1b[31m") == HL_WORKER_EINVAL);
    HL_CHECK (hl_worker_sign (p.worker, "") == HL_WORKER_EINVAL);
    HL_CHECK (hl_worker_sign (p.worker, NULL) == HL_WORKER_EINVAL);
    HL_CHECK (hl_worker_sign (p.worker, "YJ 1") == HL_WORKER_EINVAL);
    hl_worker_list_t *list = NULL;
    HL_CHECK (hl_worker_list (p.worker, "nonsense", 0, &list) == HL_WORKER_EINVAL && !list);
    HL_CHECK (hl_worker_list (p.worker, NULL, 501, &list) == HL_WORKER_EINVAL);
    HL_CHECK (hl_fakebroker_count (p.broker, S_TRANSITION) == sent);

    //  Forbidden by hotlined (not a worker's action, another unit's ticket).
    hl_fakebroker_nack_transitions (p.broker, 1, HOTLINE__ERROR_CODE__ERROR_FORBIDDEN, 0);
    HL_CHECK (hl_worker_sign (p.worker, n) == HL_WORKER_EREFUSED);
    HL_CHECK_STR (hl_worker_error_code (p.worker), "forbidden");
    HL_CHECK (hl_fakebroker_state (p.broker, n) == HOTLINE__STATE__STATE_DISPATCHED);
    s_unpair (&p);
}

static void
test_resend (void)
{
    //  The answer to the first copy is lost: the worker resends with the
    //  same request id and gets "duplicate" for the action applied once.
    s_pair_t p = s_pair ();
    const char *n = "YJ20261127000050";
    s_take (&p, n);
    hl_fakebroker_drop_answers (p.broker, 1);
    HL_CHECK (hl_worker_sign (p.worker, n) == 0);
    HL_CHECK (hl_worker_done (p.worker)->duplicate);
    HL_CHECK_STR (hl_worker_done (p.worker)->to, "signed");
    HL_CHECK (hl_fakebroker_transitions (p.broker) == 2);
    hl_fakebroker_transition_t a, b;
    hl_fakebroker_transition (p.broker, 0, &a);
    hl_fakebroker_transition (p.broker, 1, &b);
    HL_CHECK_STR (a.rid, b.rid);
    HL_CHECK (strlen (a.rid) == 32);

    //  The next action gets a new request id.
    HL_CHECK (hl_worker_progress (p.worker, n, "处理中") == 0);
    HL_CHECK (!hl_worker_done (p.worker)->duplicate);
    hl_fakebroker_transition (p.broker, 2, &b);
    HL_CHECK (strcmp (a.rid, b.rid) != 0);
    s_unpair (&p);
}

static void
test_retry_later (void)
{
    s_pair_t p = s_pair ();
    const char *n = "YJ20261127000060";
    s_take (&p, n);
    //  Twice "store unavailable", then stored.
    hl_fakebroker_nack_transitions (p.broker, 2, HOTLINE__ERROR_CODE__ERROR_STORE_UNAVAILABLE, 1);
    HL_CHECK (hl_worker_sign (p.worker, n) == 0);
    HL_CHECK (hl_fakebroker_transitions (p.broker) == 3);
    //  Always "retry later": unavailable at the deadline, with the reason.
    hl_worker_set_timeouts (p.worker, 600, 0);
    hl_fakebroker_nack_transitions (p.broker, 1000, HOTLINE__ERROR_CODE__ERROR_STORE_TIMEOUT, 1);
    int64_t before = hl_monotonic_us ();
    HL_CHECK (hl_worker_progress (p.worker, n, "x") == HL_WORKER_EUNAVAILABLE);
    HL_CHECK (hl_monotonic_us () - before < 2000 * 1000);
    HL_CHECK_STR (hl_worker_error_code (p.worker), "store_timeout");
    s_unpair (&p);
}

static void
test_timeout (void)
{
    //  No answer at all: the action gives up at its deadline, resending
    //  meanwhile, and says so.
    s_pair_t p = s_pair ();
    hl_worker_set_timeouts (p.worker, 500, 100);
    hl_fakebroker_set_silent (p.broker, 1);
    int64_t before = hl_monotonic_us ();
    HL_CHECK (hl_worker_sign (p.worker, "YJ20261127000070") == HL_WORKER_ETIMEDOUT);
    int64_t took = hl_monotonic_us () - before;
    HL_CHECK (took >= 450 * 1000 && took < 1500 * 1000);
    HL_CHECK_STR (hl_worker_error_code (p.worker), "timeout");
    HL_CHECK (strstr (hl_worker_error (p.worker), hl_fakebroker_endpoint (p.broker)) != NULL);
    HL_CHECK (hl_fakebroker_count (p.broker, S_TRANSITION) >= 3);
    s_unpair (&p);
}

static void
test_delivery_during_action (void)
{
    //  A delivery arriving while an action waits for its answer is kept
    //  for hl_worker_next.
    s_pair_t p = s_pair ();
    const char *n = "YJ20261127000080";
    s_take (&p, n);
    hl_worker_ticket_t *t = NULL;
    hl_fakebroker_deliver (p.broker, "YJ20261127000081", "CG", S_LEAD, 0, 1);
    HL_CHECK (hl_worker_pending (p.worker) == 0);
    HL_CHECK (hl_worker_sign (p.worker, n) == 0);
    HL_CHECK (hl_worker_pending (p.worker) == 1);
    HL_CHECK (hl_worker_next (p.worker, 0, &t) == 1);
    HL_CHECK_STR (t ? hl_worker_ticket_number (t) : NULL, "YJ20261127000081");
    hl_worker_ticket_destroy (&t);
    s_unpair (&p);
}

static void
test_redelivery_dedup (void)
{
    //  The same lead ticket delivered twice before it is taken is handed
    //  out once; a reconnect drops queued lead tickets but keeps assists.
    s_pair_t p = s_pair ();
    hl_fakebroker_deliver (p.broker, "YJ20261127000090", "CG", S_LEAD, 0, 0);
    hl_fakebroker_deliver (p.broker, "YJ20261127000090", "CG", S_LEAD, 1, 0);
    hl_fakebroker_deliver (p.broker, "YJ20261127000091", "CG", S_ASSIST, 0, 0);
    hl_fakebroker_deliver (p.broker, "YJ20261127000092", "CG", S_LEAD, 0, 0);
    int64_t until = hl_monotonic_us () + 2000 * 1000;
    while (hl_worker_pending (p.worker) < 3 && hl_monotonic_us () < until)
        hl_worker_poll (p.worker, NULL, 0, 50);
    HL_CHECK (hl_worker_pending (p.worker) == 3);
    hl_worker_ticket_t *t = NULL;
    HL_CHECK (hl_worker_next (p.worker, 0, &t) == 1);
    HL_CHECK (t && hl_worker_ticket_redelivery (t));             //  the later copy
    hl_worker_ticket_destroy (&t);
    hl_worker_reconnect (p.worker);
    HL_CHECK (hl_worker_connect (p.worker, 3000) == 0);
    HL_CHECK (hl_worker_pending (p.worker) == 1);
    HL_CHECK (hl_worker_next (p.worker, 0, &t) == 1);
    HL_CHECK_STR (t ? hl_worker_ticket_number (t) : NULL, "YJ20261127000091");
    hl_worker_ticket_destroy (&t);
    s_unpair (&p);
}

static void
test_list_show (void)
{
    s_pair_t p = s_pair ();
    hl_fakebroker_deliver (p.broker, "YJ20261127000100", "CG", S_LEAD, 0, 0);
    hl_fakebroker_deliver (p.broker, "YJ20261127000101", "CG", S_LEAD, 0, 0);
    hl_worker_ticket_t *t = s_next (p.worker);
    HL_CHECK (hl_worker_sign (p.worker, "YJ20261127000100") == 0);
    hl_worker_ticket_destroy (&t);

    hl_worker_list_t *list = NULL;
    HL_CHECK (hl_worker_list (p.worker, NULL, 0, &list) == 0);
    HL_CHECK (list && hl_worker_list_size (list) == 2);
    const hl_worker_summary_t *s = list ? hl_worker_list_item (list, 0) : NULL;
    HL_CHECK_STR (s ? s->ticket : NULL, "YJ20261127000100");
    HL_CHECK_STR (s ? s->state : NULL, "signed");
    HL_CHECK_STR (s ? s->request_type : NULL, "complaint");
    HL_CHECK_STR (s ? s->excerpt : NULL, "楼下餐馆油烟扰民");
    HL_CHECK (list && hl_worker_list_item (list, 2) == NULL);
    const char *json = list ? hl_worker_list_json (list) : "";
    HL_CHECK (json[0] == '[' && strstr (json, "\"YJ20261127000101\"") != NULL);
    hl_worker_list_destroy (&list);
    HL_CHECK (list == NULL);
    HL_CHECK (hl_worker_list (p.worker, "dispatched", 10, &list) == 0);
    HL_CHECK (list && hl_worker_list_size (list) == 1);
    hl_worker_list_destroy (&list);

    HL_CHECK (hl_worker_show (p.worker, "YJ20261127000101", &t) == 0);
    HL_CHECK_STR (t ? hl_worker_ticket_number (t) : NULL, "YJ20261127000101");
    HL_CHECK (t && hl_worker_ticket_role (t) == 0);
    hl_worker_ticket_destroy (&t);
    HL_CHECK (hl_worker_show (p.worker, "YJ20990101000001", &t) == HL_WORKER_EREFUSED && !t);
    HL_CHECK_STR (hl_worker_error_code (p.worker), "not_found");
    s_unpair (&p);
}

static void
test_poll_fd (void)
{
    //  hl_worker_poll waits for the caller's descriptors and keeps the
    //  session alive meanwhile.
    s_pair_t p = s_pair ();
    int fds[2];
    HL_CHECK (pipe (fds) == 0);
    struct pollfd pfd = { fds[0], POLLIN, 0 };
    HL_CHECK (hl_worker_poll (p.worker, &pfd, 1, 5 * S_HB) == 0);
    HL_CHECK (hl_worker_connected (p.worker) && hl_worker_sessions (p.worker) == 1);
    HL_CHECK (write (fds[1], "x", 1) == 1);
    HL_CHECK (hl_worker_poll (p.worker, &pfd, 1, 1000) == 1);
    HL_CHECK (pfd.revents & POLLIN);
    //  A delivery ends the wait too.
    char c;
    HL_CHECK (read (fds[0], &c, 1) == 1);
    hl_fakebroker_deliver (p.broker, "YJ20261127000110", "CG", S_LEAD, 0, 0);
    int64_t before = hl_monotonic_us ();
    HL_CHECK (hl_worker_poll (p.worker, &pfd, 1, 3000) == 0);
    HL_CHECK (hl_monotonic_us () - before < 2000 * 1000);
    HL_CHECK (hl_worker_pending (p.worker) == 1);
    close (fds[0]);
    close (fds[1]);
    s_unpair (&p);
}

static void
test_unreachable (void)
{
    //  Nobody listening: every call still returns by its deadline.
    hl_worker_t *w = hl_worker_new ("tcp://127.0.0.1:9", "CG", 1, NULL);
    HL_CHECK (w != NULL);
    hl_worker_set_timeouts (w, 300, 100);
    int64_t before = hl_monotonic_us ();
    HL_CHECK (hl_worker_connect (w, 200) == HL_WORKER_ETIMEDOUT);
    HL_CHECK (hl_worker_sign (w, "YJ1") == HL_WORKER_ETIMEDOUT);
    hl_worker_ticket_t *t = NULL;
    HL_CHECK (hl_worker_next (w, 200, &t) == 0);
    HL_CHECK (hl_monotonic_us () - before < 1500 * 1000);
    hl_worker_destroy (&w);
}

static const hl_test_case_t s_cases[] = {
    { "arguments", test_arguments }, { "welcome", test_welcome }, { "refused", test_refused },
    { "refused_retryable", test_refused_retryable }, { "delivery", test_delivery },
    { "heartbeats", test_heartbeats }, { "heartbeat_loss", test_heartbeat_loss },
    { "endpoints_failover", test_endpoints_failover },
    { "not_ready", test_not_ready }, { "actions", test_actions }, { "refusals", test_refusals },
    { "resend", test_resend }, { "retry_later", test_retry_later }, { "timeout", test_timeout },
    { "delivery_during_action", test_delivery_during_action },
    { "redelivery_dedup", test_redelivery_dedup }, { "list_show", test_list_show },
    { "poll_fd", test_poll_fd }, { "unreachable", test_unreachable },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
