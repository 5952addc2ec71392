/*  hotline-worker: a department's worker for hotlined.
 *
 *      hotline-worker --unit CG --exec 'handle-ticket.sh'
 *      hotline-worker --unit CG --interactive
 *      hotline-worker --keygen > cg.key
 *
 *  With --exec, every delivered ticket is handed to a program (the ticket
 *  as JSON on its stdin) whose printed JSON lines are the actions to take
 *  (hl_runner, hl_action). With --interactive, staff work the tickets by
 *  hand (hl_console). docs/workers.md has the details.
 *
 *  Exit status: 0 stopped (SIGTERM, SIGINT, quit, end of input,
 *  --max-tickets reached), 1 usage, 2 hotlined refused the worker (unknown
 *  unit, bad name), 3 no welcome within --connect-timeout, 4 system
 *  failure.
 */
#include "hl_console.h"
#include "hl_curve.h"
#include "hl_log.h"
#include "hl_redis.h"
#include "hl_report.h"
#include "hl_runner.h"
#include "hl_worker.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXIT_USAGE = 1, EXIT_REFUSED = 2, EXIT_UNREACHABLE = 3, EXIT_SYSTEM = 4 };

#define S_MAX_HELD 1000

typedef struct {
    const char *endpoint;
    const char *unit;
    const char *name;
    unsigned credit;
    const char *cmd;
    int interactive;
    int json;
    int lead_only;
    int exec_timeout_s;
    int retry_after_s;
    int connect_timeout_s;
    int action_timeout_s;
    long max_tickets;
    const char *key_file;            //  CURVE: this worker's key pair
    const char *server_key;          //  CURVE: hotlined's public key, or a file with it
    int keygen;
} s_opts_t;

//  Lead tickets the program left unsigned, held by this session.
typedef struct {
    char ticket[S_MAX_HELD][64];
    size_t n;
    int64_t since_us;                //  when the oldest was left
    unsigned session;                //  the session holding them
} s_held_t;

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_usage (void)
{
    fprintf (stderr,
        "usage: hotline-worker --unit CODE (--exec CMD | --interactive) [options]\n"
        "       hotline-worker --keygen     print a new CURVE key pair\n"
        "\n"
        "  --endpoint E         hotlined's worker endpoint (default $HOTLINE_WORKER_ENDPOINT\n"
        "                       or tcp://127.0.0.1:7102); several instances on one store\n"
        "                       comma-separated: the next is used when one falls silent\n"
        "  --unit CODE          the unit served, a code of the dispatch catalogue\n"
        "  --credit N           unsigned tickets held at a time, 1-1000 (default 1)\n"
        "  --name NAME          this worker's name in the ticket history (default HOST-PID)\n"
        "  --exec CMD           run CMD (/bin/sh -c) for each ticket: ticket JSON on stdin,\n"
        "                       action JSON lines on stdout (see docs/workers.md)\n"
        "  --interactive        work tickets by hand at the terminal\n"
        "  --json               print JSON lines (events) instead of text\n"
        "  --lead-only          --exec: skip tickets delivered for assistance (协办)\n"
        "  --exec-timeout SEC   stop CMD after SEC seconds (default 300)\n"
        "  --retry-after SEC    after SEC seconds, give tickets CMD left unsigned back to\n"
        "                       the unit by starting a new session (default 60, 0: never)\n"
        "  --connect-timeout SEC  exit 3 if hotlined has not welcomed the worker in SEC\n"
        "                       seconds (default 0: keep trying)\n"
        "  --timeout SEC        how long one action may wait for hotlined (default 15)\n"
        "  --max-tickets N      --exec: stop after N tickets\n"
        "  --key-file FILE      speak CURVE with this key pair (from --keygen); hotlined\n"
        "                       must list its public key for the unit\n"
        "  --server-key KEY     hotlined's public key (Z85) or a key file holding it\n"
        "  --log-level LEVEL    debug, info, notice (default), warning, error\n"
        "\n"
        "exit status: 0 stopped, 1 usage, 2 refused by hotlined, 3 hotlined not reached,\n"
        "4 system failure\n");
}

//  Reads a whole number in [MIN, MAX] from TEXT into *OUT; -1 if it is not.
static int
s_int (const char *text, long min, long max, long *out)
{
    char *end;
    long v = strtol (text, &end, 10);
    if (!*text || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int
s_parse (s_opts_t *o, int argc, char **argv)
{
    enum { O_ENDPOINT = 256, O_UNIT, O_CREDIT, O_NAME, O_EXEC, O_INTERACTIVE, O_JSON, O_LEAD,
           O_EXEC_TIMEOUT, O_RETRY, O_CONNECT, O_TIMEOUT, O_MAX, O_LOG, O_HELP, O_KEY_FILE,
           O_SERVER_KEY, O_KEYGEN };
    static const struct option longopts[] = {
        { "endpoint", 1, 0, O_ENDPOINT }, { "unit", 1, 0, O_UNIT }, { "credit", 1, 0, O_CREDIT },
        { "name", 1, 0, O_NAME }, { "exec", 1, 0, O_EXEC }, { "interactive", 0, 0, O_INTERACTIVE },
        { "json", 0, 0, O_JSON }, { "lead-only", 0, 0, O_LEAD },
        { "exec-timeout", 1, 0, O_EXEC_TIMEOUT }, { "retry-after", 1, 0, O_RETRY },
        { "connect-timeout", 1, 0, O_CONNECT }, { "timeout", 1, 0, O_TIMEOUT },
        { "max-tickets", 1, 0, O_MAX }, { "log-level", 1, 0, O_LOG }, { "help", 0, 0, O_HELP },
        { "key-file", 1, 0, O_KEY_FILE }, { "server-key", 1, 0, O_SERVER_KEY },
        { "keygen", 0, 0, O_KEYGEN }, { 0, 0, 0, 0 }
    };
    int opt;
    long v = 0;
    while ((opt = getopt_long (argc, argv, "", longopts, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
            case O_ENDPOINT: o->endpoint = optarg; break;
            case O_UNIT: o->unit = optarg; break;
            case O_CREDIT: bad = s_int (optarg, 1, 1000, &v); o->credit = (unsigned) v; break;
            case O_NAME: o->name = optarg; break;
            case O_EXEC: o->cmd = optarg; break;
            case O_INTERACTIVE: o->interactive = 1; break;
            case O_JSON: o->json = 1; break;
            case O_LEAD: o->lead_only = 1; break;
            case O_EXEC_TIMEOUT: bad = s_int (optarg, 1, 86400, &v); o->exec_timeout_s = (int) v; break;
            case O_RETRY: bad = s_int (optarg, 0, 86400, &v); o->retry_after_s = (int) v; break;
            case O_CONNECT: bad = s_int (optarg, 0, 86400, &v); o->connect_timeout_s = (int) v; break;
            case O_TIMEOUT: bad = s_int (optarg, 1, 3600, &v); o->action_timeout_s = (int) v; break;
            case O_MAX: bad = s_int (optarg, 1, 1000000000L, &v); o->max_tickets = v; break;
            case O_LOG:
                bad = hl_log_level_parse (optarg) < 0;
                if (!bad)
                    hl_log_set_level ((hl_log_level_t) hl_log_level_parse (optarg));
                break;
            case O_HELP: s_usage (); exit (0);
            case O_KEY_FILE: o->key_file = optarg; break;
            case O_SERVER_KEY: o->server_key = optarg; break;
            case O_KEYGEN: o->keygen = 1; break;
            default: return -1;
        }
        if (bad) {
            fprintf (stderr, "hotline-worker: bad value '%s' for --%s\n", optarg,
                     longopts[opt - O_ENDPOINT].name);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf (stderr, "hotline-worker: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (o->keygen)
        return 0;
    if (!o->key_file != !o->server_key) {
        fprintf (stderr, "hotline-worker: --key-file and --server-key go together\n");
        return -1;
    }
    if (!o->unit || !*o->unit) {
        fprintf (stderr, "hotline-worker: --unit is required\n");
        return -1;
    }
    if (!o->cmd == !o->interactive) {
        fprintf (stderr, "hotline-worker: give either --exec CMD or --interactive\n");
        return -1;
    }
    return 0;
}

//  ---------------------------------------------------------------------
//  Tickets left unsigned

//  Notes that TICKET was left unsigned (SETTLED false) or settled.
static void
s_held_note (s_held_t *held, unsigned session, const char *ticket, int settled)
{
    if (held->session != session) {
        held->n = 0;                 //  a new session: hotlined took them back
        held->session = session;
    }
    for (size_t i = 0; i < held->n; i++)
        if (strcmp (held->ticket[i], ticket) == 0) {
            if (settled)
                memmove (held->ticket[i], held->ticket[--held->n], sizeof held->ticket[i]);
            return;
        }
    if (settled || held->n == S_MAX_HELD)
        return;
    if (held->n == 0)
        held->since_us = hl_monotonic_us ();
    snprintf (held->ticket[held->n++], sizeof held->ticket[0], "%s", ticket);
}

//  A ticket the program could not handle stays with this worker's session
//  (hotlined frees the slot only on sign or return). After --retry-after,
//  a new session makes hotlined give such tickets to the unit's workers
//  again, so they do not wait for ever behind a program that failed once.
static void
s_held_check (const s_opts_t *o, s_held_t *held, hl_worker_t *worker)
{
    if (held->session != hl_worker_sessions (worker))
        held->n = 0;
    if (held->n == 0 || o->retry_after_s == 0
        || hl_monotonic_us () - held->since_us < (int64_t) o->retry_after_s * 1000000)
        return;
    hl_notice ("%zu ticket%s left unsigned for %d s (first %s): starting a new session so "
               "hotlined gives them out again", held->n, held->n == 1 ? "" : "s",
               o->retry_after_s, held->ticket[0]);
    held->n = 0;
    hl_worker_reconnect (worker);
}

//  ---------------------------------------------------------------------
//  Modes

//  Handles one delivered ticket with the program.
static void
s_handle (const s_opts_t *o, hl_worker_t *worker, hl_worker_ticket_t *t, s_held_t *held)
{
    hl_report_delivery (o->json, t);
    int lead = hl_worker_ticket_role (t) == HL_WORKER_LEAD;
    if (!lead && o->lead_only)
        return;
    hl_runner_opts_t ro = { o->cmd, o->exec_timeout_s * 1000, 5000, o->json, &s_stop };
    hl_report_run_t run;
    hl_runner_run (&ro, worker, t, &run);
    hl_report_run (o->json, hl_worker_ticket_number (t), &run);
    if (lead && !run.settled)
        hl_warning ("%s: the program did not sign or return the ticket (exit %d): it stays "
                    "with this worker and goes back to the unit when the session ends",
                    hl_worker_ticket_number (t), run.status);
    if (lead)
        s_held_note (held, hl_worker_sessions (worker), hl_worker_ticket_number (t), run.settled);
}

//  --keygen: a new key pair on stdout, as a key file.
static int
s_keygen (void)
{
    if (hl_curve_print_keypair (stdout, "# hotline-worker key pair: give the public line to the "
                                "hotline's operators\n# (worker_keys: \"<unit> <public key>\"); "
                                "keep the secret line on this machine\n") != 0) {
        fprintf (stderr, "hotline-worker: this libzmq cannot make CURVE keys\n");
        return EXIT_SYSTEM;
    }
    return 0;
}

//  --key-file and --server-key: the worker speaks CURVE.
static int
s_use_keys (const s_opts_t *o, hl_worker_t *worker)
{
    hl_curve_client_t keys;
    char err[512];
    if (hl_curve_client_load (&keys, o->key_file, o->server_key, err, sizeof err) != 0) {
        fprintf (stderr, "hotline-worker: %s\n", err);
        return -1;
    }
    if (hl_worker_set_keys (worker, keys.server_key, keys.public_key, keys.secret_key) != 0) {
        fprintf (stderr, "hotline-worker: cannot use the keys\n");
        return -1;
    }
    return 0;
}

//  Waits for the first welcome, up to --connect-timeout (if set).
static int
s_connect (const s_opts_t *o, hl_worker_t *worker)
{
    int64_t until = hl_monotonic_us () + (int64_t) o->connect_timeout_s * 1000000;
    int told = 0;
    while (!s_stop) {
        int rc = hl_worker_connect (worker, 1000);
        if (rc == 0)
            return 0;
        if (rc == HL_WORKER_EREFUSED) {
            hl_report_error (o->json, rc, worker, NULL, NULL);
            return EXIT_REFUSED;
        }
        if (rc != HL_WORKER_ETIMEDOUT && rc != HL_WORKER_EINTR) {
            hl_report_error (o->json, rc, worker, NULL, NULL);
            return EXIT_SYSTEM;
        }
        if (o->connect_timeout_s && hl_monotonic_us () > until) {
            hl_report_error (o->json, rc, NULL, "timeout", "hotlined did not welcome the "
                             "worker in time (is it running? is --endpoint right?)");
            return EXIT_UNREACHABLE;
        }
        if (!told++)
            hl_notice ("waiting for hotlined at %s", o->endpoint);
    }
    return 0;
}

static int
s_run_exec (const s_opts_t *o, hl_worker_t *worker)
{
    static s_held_t held;
    unsigned announced = 0;
    long handled = 0;
    while (!s_stop) {
        if (hl_worker_sessions (worker) != announced) {
            announced = hl_worker_sessions (worker);
            hl_report_session (o->json, worker, o->endpoint);
        }
        hl_worker_ticket_t *t = NULL;
        int rc = hl_worker_next (worker, 500, &t);
        if (rc == HL_WORKER_EREFUSED) {
            hl_report_error (o->json, rc, worker, NULL, NULL);
            return EXIT_REFUSED;
        }
        if (rc < 0 && rc != HL_WORKER_EINTR) {
            hl_report_error (o->json, rc, worker, NULL, NULL);
            return EXIT_SYSTEM;
        }
        if (rc == 1) {
            s_handle (o, worker, t, &held);
            hl_worker_ticket_destroy (&t);
            if (o->max_tickets && ++handled >= o->max_tickets)
                break;
        }
        s_held_check (o, &held, worker);
    }
    return 0;
}

//  The default worker name: host and process, so that the history tells
//  workers apart.
static const char *
s_default_name (char *out, size_t outlen)
{
    char host[64] = "worker";
    gethostname (host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    for (char *p = host; *p; p++)
        if (*p == '.') {
            *p = 0;
            break;
        }
    snprintf (out, outlen, "%.40s-%ld", host, (long) getpid ());
    return out;
}

int
main (int argc, char **argv)
{
    s_opts_t o = { .endpoint = getenv ("HOTLINE_WORKER_ENDPOINT"), .credit = 1,
                   .exec_timeout_s = 300, .retry_after_s = 60, .action_timeout_s = 15 };
    if (!o.endpoint || !*o.endpoint)
        o.endpoint = "tcp://127.0.0.1:7102";
    hl_log_set_ident ("hotline-worker");
    hl_log_set_level (HL_LOG_NOTICE);
    if (s_parse (&o, argc, argv) != 0) {
        s_usage ();
        return EXIT_USAGE;
    }
    if (o.keygen)
        return s_keygen ();
    char name[80];
    if (!o.name)
        o.name = s_default_name (name, sizeof name);
    hl_worker_t *worker = hl_worker_new (o.endpoint, o.unit, o.credit, o.name);
    if (!worker) {
        fprintf (stderr, "hotline-worker: cannot use endpoint '%s', unit '%s' and name '%s' "
                 "(a unit is a catalogue code; the name is one line of text)\n",
                 o.endpoint, o.unit, o.name);
        return EXIT_USAGE;
    }
    hl_worker_set_timeouts (worker, o.action_timeout_s * 1000, 0);
    if (o.key_file && s_use_keys (&o, worker) != 0) {
        hl_worker_destroy (&worker);
        return EXIT_USAGE;
    }

    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;     //  no SA_RESTART: waits end early
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    signal (SIGPIPE, SIG_IGN);
    setvbuf (stdout, NULL, _IOLBF, 0);

    int rc = s_connect (&o, worker);
    if (rc == 0 && !s_stop) {
        if (o.interactive) {
            int crc = hl_console_run (worker, o.endpoint, o.json, &s_stop);
            rc = crc == HL_WORKER_EREFUSED ? EXIT_REFUSED : crc < 0 ? EXIT_SYSTEM : 0;
        }
        else
            rc = s_run_exec (&o, worker);
    }
    if (s_stop)
        hl_notice ("stopping");
    hl_worker_destroy (&worker);
    return rc;
}
