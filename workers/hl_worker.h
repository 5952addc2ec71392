/*  hl_worker: libhotline-worker, a department's connection to hotlined.
 *
 *  A department system (or the hotline-worker program) uses this library to
 *  serve one unit of the dispatch catalogue: it receives that unit's
 *  tickets and signs (签收), returns (退单), reports progress (进展), asks
 *  for an extension (延期) and replies (答复).
 *
 *      hl_worker_t *w = hl_worker_new ("tcp://127.0.0.1:7102", "CG", 1, "cg-1");
 *      while (running) {
 *          hl_worker_ticket_t *t;
 *          int rc = hl_worker_next (w, 1000, &t);
 *          if (rc < 0 && rc != HL_WORKER_EINTR)
 *              fprintf (stderr, "%s\n", hl_worker_error (w));
 *          if (rc != 1)
 *              continue;
 *          if (hl_worker_sign (w, hl_worker_ticket_number (t)) == 0)
 *              hl_worker_reply (w, hl_worker_ticket_number (t), "已处理");
 *          hl_worker_ticket_destroy (&t);
 *      }
 *      hl_worker_destroy (&w);
 *
 *  The library keeps the session alive by itself: it says WorkerReady,
 *  heartbeats while the caller is in any call, notices a silent hotlined
 *  (three heartbeat intervals), then closes its socket, opens a new one and
 *  says WorkerReady again; hotlined restarts and network cuts heal without
 *  the caller's help. Call into the library (hl_worker_next or
 *  hl_worker_poll) at least once per heartbeat interval, or hotlined will
 *  take the worker for dead and give its unsigned tickets to another worker
 *  of the unit.
 *
 *  Delivery is at least once. hotlined delivers at most CREDIT unsigned
 *  lead tickets at a time; signing or returning one frees its slot. A
 *  ticket left unsigned stays with this worker's session; when the session
 *  ends (the worker stops, dies, or calls hl_worker_reconnect) it goes to
 *  a worker of the unit again. A ticket may therefore arrive twice (a
 *  redelivery); the second sign is refused with "invalid_transition" and
 *  changes nothing.
 *
 *  Actions are acknowledged only after hotlined stored them. Each action
 *  is sent with a fresh request id and resent with the same id while no
 *  answer comes; hotlined applies it once and answers the repeats with
 *  "duplicate". Every call has a deadline: nothing here blocks forever.
 *
 *  Return values follow one rule: 0 (or 1 for "got something") on
 *  success, a negative HL_WORKER_E* code on failure, with the code name
 *  and a message for people in hl_worker_error_code () / hl_worker_error ().
 *  Refusals by hotlined (HL_WORKER_EREFUSED) carry hotlined's own code,
 *  such as "invalid_transition", "forbidden", "not_found" or "missing_field".
 *
 *  A worker object belongs to one thread. Link with -lhotline-worker.
 */
#ifndef HL_WORKER_H_INCLUDED
#define HL_WORKER_H_INCLUDED

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hl_worker hl_worker_t;
typedef struct hl_worker_ticket hl_worker_ticket_t;
typedef struct hl_worker_list hl_worker_list_t;

//  The protobuf-c type of a ticket (proto/hotline.proto, TicketView), for
//  callers that include hotline.pb-c.h themselves.
struct Hotline__TicketView;

//  Failures. Transport problems (TIMEDOUT, UNAVAILABLE) may succeed when
//  tried again with the same call; REFUSED will not, as long as nothing
//  changes on hotlined's side.
enum {
    HL_WORKER_OK = 0,
    HL_WORKER_ETIMEDOUT = -1,     //  no answer from hotlined before the deadline
    HL_WORKER_EREFUSED = -2,      //  hotlined refused: see hl_worker_error_code ()
    HL_WORKER_EUNAVAILABLE = -3,  //  hotlined said "retry later" until the deadline
    HL_WORKER_EINTR = -4,         //  a signal interrupted the wait (next and poll only)
    HL_WORKER_EINVAL = -5,        //  bad argument; nothing was sent
    HL_WORKER_EPROTO = -6,        //  hotlined answered with something unexpected
    HL_WORKER_ESYS = -7           //  the system or ZeroMQ failed (errno in the message)
};

//  Why a ticket was delivered.
typedef enum {
    HL_WORKER_LEAD = 1,           //  主办: sign or return it, then handle and reply
    HL_WORKER_ASSIST = 2          //  协办: for information; progress notes only
} hl_worker_role_t;

//  The result of the last successful action (hl_worker_done).
typedef struct {
    const char *ticket;
    const char *from;             //  state names: "dispatched", "signed", ...
    const char *to;
    uint64_t at_ms;               //  when hotlined stored it, Unix milliseconds
    int duplicate;                //  a repeat of an action applied before
    const char *unit;             //  the lead unit afterwards
} hl_worker_done_t;

//  One line of hl_worker_list. Strings are never NULL (empty if unknown).
typedef struct {
    const char *ticket;
    const char *state;            //  "dispatched", ...
    uint64_t created_ms;
    const char *request_type;     //  "complaint", ...
    const char *category;
    const char *area;
    const char *unit;
    const char *excerpt;          //  the start of the citizen's words
} hl_worker_summary_t;

//  ---------------------------------------------------------------------
//  The worker

//  Create a worker for UNIT (a unit code of the dispatch catalogue) at
//  ENDPOINT (hotlined's worker_endpoint, e.g. tcp://127.0.0.1:7102),
//  holding at most CREDIT (1..1000) unsigned tickets at a time. NAME (may
//  be NULL) appears in logs and in the ticket history as unit:UNIT/NAME.
//  ENDPOINT may list several hotlined instances on one store, comma-
//  separated: the worker uses the first, and moves to the next whenever the
//  one it uses falls silent (S_LIVENESS heartbeats) or never welcomes it.
//  Connecting happens in the background; returns NULL only for bad
//  arguments (an endpoint ZeroMQ cannot parse, an empty one in the list,
//  an empty unit).
hl_worker_t *hl_worker_new (const char *endpoint, const char *unit, unsigned credit,
                            const char *name);

//  Close the connection at once (unsigned tickets go back to the unit) and
//  free the worker and every queued delivery. Nulls *SELF_P.
void hl_worker_destroy (hl_worker_t **self_p);

//  Speak CURVE to a worker endpoint that requires it (hotlined's
//  worker_key_file): SERVER_KEY is hotlined's public key, PUBLIC_KEY and
//  SECRET_KEY this worker's key pair, all Z85 (40 characters; see
//  hotline-worker --keygen). hotlined lets the worker in only if its
//  public key is listed for the worker's unit; a key it does not list
//  makes hl_worker_connect and hl_worker_next return HL_WORKER_EREFUSED
//  (code "key_refused"). Starts the session anew.
//  0, HL_WORKER_EINVAL (a key is not Z85) or HL_WORKER_ESYS.
int hl_worker_set_keys (hl_worker_t *self, const char *server_key, const char *public_key,
                        const char *secret_key);

//  How long an action, list or show may take in all (DEADLINE_MS, default
//  15000) and how long to wait for an answer before resending the request
//  with the same id (RESEND_MS, default 2000). Values <= 0 keep the current
//  setting.
void hl_worker_set_timeouts (hl_worker_t *self, int deadline_ms, int resend_ms);

//  Wait until hotlined has welcomed this worker, at most TIMEOUT_MS.
//  0 when welcomed (at once if it already is), HL_WORKER_ETIMEDOUT,
//  HL_WORKER_EREFUSED (for example "unknown_code": the unit is not in the
//  catalogue), HL_WORKER_EINTR.
int hl_worker_connect (hl_worker_t *self, int timeout_ms);

//  Wait up to TIMEOUT_MS (0: just look) for a delivered ticket. Returns 1
//  with *TICKET_P set (free it with hl_worker_ticket_destroy), 0 if none
//  came, or HL_WORKER_EREFUSED (hotlined refused the worker itself: bad
//  unit or name; it stays refused until hl_worker_reconnect),
//  HL_WORKER_EINTR, HL_WORKER_ESYS. Deliveries that arrived during other
//  calls are returned first, in order.
int hl_worker_next (hl_worker_t *self, int timeout_ms, hl_worker_ticket_t **ticket_p);

//  Like poll(2) on FDS (may be NULL with NFDS 0) while keeping the session
//  alive: waits up to TIMEOUT_MS until one of FDS is ready (revents set),
//  a ticket is delivered, or the time is up. Returns the number of FDS
//  ready (0 if none), HL_WORKER_EINTR or HL_WORKER_ESYS. Use
//  hl_worker_pending to see whether tickets are waiting.
int hl_worker_poll (hl_worker_t *self, struct pollfd *fds, size_t nfds, int timeout_ms);

//  Tickets delivered and not yet taken with hl_worker_next.
size_t hl_worker_pending (const hl_worker_t *self);

//  Actions on TICKET. NOTE is UTF-8 text (Chinese welcome), required
//  except for sign. Each returns 0 once hotlined has stored the action
//  (details in hl_worker_done), or a negative code. REASON for return is
//  "wrong_area" (属地不符), "not_our_duty" (非本单位职责),
//  "overlapping_duties" (职责交叉) or "other"; DAYS for an extension are
//  working days (1..60). Deliveries that arrive meanwhile are queued for
//  hl_worker_next.
int hl_worker_sign (hl_worker_t *self, const char *ticket);
int hl_worker_return (hl_worker_t *self, const char *ticket, const char *reason,
                      const char *note);
int hl_worker_progress (hl_worker_t *self, const char *ticket, const char *note);
int hl_worker_request_extension (hl_worker_t *self, const char *ticket, unsigned days,
                                 const char *note);
int hl_worker_reply (hl_worker_t *self, const char *ticket, const char *note);

//  The result of the last action that returned 0 (valid until the next
//  action).
const hl_worker_done_t *hl_worker_done (const hl_worker_t *self);

//  The unit's open tickets, newest first: in STATE only (a state name such
//  as "dispatched", or NULL for every open state), at most LIMIT (1..500;
//  0 means 50). 0 with *LIST_P set, or a negative code.
int hl_worker_list (hl_worker_t *self, const char *state, unsigned limit,
                    hl_worker_list_t **list_p);

//  One ticket of the unit (lead or assisting) as it is now, with its
//  history, masked as deliveries are. 0 with *TICKET_P set (its role is 0),
//  or a negative code ("not_found" for tickets of other units).
int hl_worker_show (hl_worker_t *self, const char *ticket, hl_worker_ticket_t **ticket_p);

//  End the session and start a new one: hotlined gives the tickets this
//  worker held unsigned to the unit's workers again (this one included),
//  and a refused worker tries again.
void hl_worker_reconnect (hl_worker_t *self);

//  The last failure: a code name ("timeout", "interrupted", or hotlined's
//  code such as "invalid_transition") and "code: message" for people.
//  Both are "" before the first failure.
const char *hl_worker_error_code (const hl_worker_t *self);
const char *hl_worker_error (const hl_worker_t *self);

//  The name of a return code ("ok", "timeout", "refused", ...).
const char *hl_worker_strerror (int rc);

//  What hotlined's welcome said: how many sessions were welcomed so far (a
//  change means a new session: tickets held before went back to the unit),
//  whether the current one is welcomed, the unit's name (单位名称), the
//  heartbeat interval and whether the unit sees callers' numbers unmasked.
unsigned hl_worker_sessions (const hl_worker_t *self);
int hl_worker_connected (const hl_worker_t *self);
const char *hl_worker_unit_name (const hl_worker_t *self);
int hl_worker_heartbeat_ms (const hl_worker_t *self);
int hl_worker_callback_allowed (const hl_worker_t *self);
const char *hl_worker_unit (const hl_worker_t *self);

//  ---------------------------------------------------------------------
//  Tickets (from hl_worker_next and hl_worker_show)

void hl_worker_ticket_destroy (hl_worker_ticket_t **self_p);

//  The ticket number, e.g. "YJ20261127000001".
const char *hl_worker_ticket_number (const hl_worker_ticket_t *self);
//  HL_WORKER_LEAD or HL_WORKER_ASSIST (0 for hl_worker_show).
int hl_worker_ticket_role (const hl_worker_ticket_t *self);
//  True if hotlined gave the ticket to a worker before.
int hl_worker_ticket_redelivery (const hl_worker_ticket_t *self);
//  State and request-type names ("dispatched", "complaint"), category and
//  area codes, the citizen's words; "" when absent.
const char *hl_worker_ticket_state (const hl_worker_ticket_t *self);
const char *hl_worker_ticket_request_type (const hl_worker_ticket_t *self);
const char *hl_worker_ticket_category (const hl_worker_ticket_t *self);
const char *hl_worker_ticket_area (const hl_worker_ticket_t *self);
const char *hl_worker_ticket_content (const hl_worker_ticket_t *self);
//  The whole ticket as one JSON object (the shape `hotline show --json`
//  prints and hotline-worker --exec programs read), valid as long as SELF.
const char *hl_worker_ticket_json (hl_worker_ticket_t *self);
//  The whole ticket as protobuf-c decoded it, valid as long as SELF.
const struct Hotline__TicketView *hl_worker_ticket_view (const hl_worker_ticket_t *self);

//  ---------------------------------------------------------------------
//  Ticket lists (from hl_worker_list)

void hl_worker_list_destroy (hl_worker_list_t **self_p);
size_t hl_worker_list_size (const hl_worker_list_t *self);
//  Item INDEX (< size), valid as long as SELF.
const hl_worker_summary_t *hl_worker_list_item (const hl_worker_list_t *self, size_t index);
//  The list as a JSON array of summary objects, valid as long as SELF.
const char *hl_worker_list_json (hl_worker_list_t *self);

#ifdef __cplusplus
}
#endif

#endif
