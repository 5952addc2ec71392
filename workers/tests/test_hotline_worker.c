/*  Test of the hotline-worker program against a fake broker: --exec with
 *  good, bad and refused action lines, the program's environment and
 *  input, failures and time limits, signals, exit codes, the sample
 *  department programs, and --interactive.
 *
 *  HL_WORKER_BIN names the program, HL_WORKER_EXAMPLES the examples/
 *  directory (both set by meson).
 */
#include "hl_buf.h"
#include "hl_fakebroker.h"
#include "hl_redis.h"
#include "hl_test.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_HB 100

enum {
    S_READY = HOTLINE__ENVELOPE__BODY_WORKER_READY,
    S_TRANSITION = HOTLINE__ENVELOPE__BODY_TRANSITION,
    S_LEAD = HOTLINE__DELIVERY_ROLE__DELIVERY_LEAD,
    S_ASSIST = HOTLINE__DELIVERY_ROLE__DELIVERY_ASSIST
};

//  A running hotline-worker and what it printed.
typedef struct {
    pid_t pid;
    int out_fd, err_fd;
    hl_buf_t out, err;
    int status;                      //  exit status, or 128 + signal, -1 if it hung
} s_proc_t;

//  Starts hotline-worker with ARGS (NULL-terminated) and INPUT on stdin.
static void
s_start (s_proc_t *p, const char *const *args, const char *input)
{
    const char *bin = getenv ("HL_WORKER_BIN");
    HL_CHECK (bin != NULL);
    const char *argv[32] = { bin };
    size_t n = 1;
    while (args[n - 1] && n < 31) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;
    int in[2], out[2], err[2];
    HL_CHECK (pipe (in) == 0 && pipe (out) == 0 && pipe (err) == 0);
    *p = (s_proc_t) { .status = -1 };
    p->pid = fork ();
    if (p->pid == 0) {
        dup2 (in[0], 0);
        dup2 (out[1], 1);
        dup2 (err[1], 2);
        close (in[1]);
        close (out[0]);
        close (err[0]);
        execv (bin, (char **) argv);
        _exit (127);
    }
    close (in[0]);
    close (out[1]);
    close (err[1]);
    if (input && *input)
        HL_CHECK (write (in[1], input, strlen (input)) == (ssize_t) strlen (input));
    close (in[1]);
    p->out_fd = out[0];
    p->err_fd = err[0];
}

//  Collects the output until the program ends (killing it after
//  TIMEOUT_MS) and returns its exit status.
static int
s_finish (s_proc_t *p, int timeout_ms)
{
    int64_t until = hl_monotonic_us () + (int64_t) timeout_ms * 1000;
    int killed = 0;
    while (p->out_fd >= 0 || p->err_fd >= 0) {
        if (!killed && hl_monotonic_us () > until) {
            fprintf (stderr, "hotline-worker did not stop in time: killing it\n");
            kill (p->pid, SIGKILL);
            killed = 1;
        }
        struct pollfd fds[2] = { { p->out_fd, POLLIN, 0 }, { p->err_fd, POLLIN, 0 } };
        poll (fds, 2, 50);
        for (int i = 0; i < 2; i++) {
            int *fd = i ? &p->err_fd : &p->out_fd;
            char chunk[4096];
            if (*fd < 0 || !fds[i].revents)
                continue;
            ssize_t r = read (*fd, chunk, sizeof chunk);
            if (r > 0)
                hl_buf_append (i ? &p->err : &p->out, chunk, (size_t) r);
            else {
                close (*fd);
                *fd = -1;
            }
        }
    }
    int status;
    while (waitpid (p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    p->status = killed ? -1 : WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
    if (!p->out.data)
        hl_buf_puts (&p->out, "");
    if (!p->err.data)
        hl_buf_puts (&p->err, "");
    return p->status;
}

static void
s_free (s_proc_t *p)
{
    hl_buf_free (&p->out);
    hl_buf_free (&p->err);
}

//  Number of times NEEDLE occurs in HAY.
static int
s_count (const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr (p, needle)); p += strlen (needle))
        n++;
    return n;
}

//  Runs hotline-worker --exec CMD on one delivered lead ticket (plus
//  EXTRA options) against BROKER, in JSON mode, and returns its status.
static int
s_exec_one (hl_fakebroker_t *broker, const char *cmd, const char *extra, s_proc_t *p)
{
    const char *args[] = { "--endpoint", hl_fakebroker_endpoint (broker), "--unit", "CG",
                           "--json", "--max-tickets", "1", "--exec", cmd, extra, NULL };
    s_start (p, args, NULL);
    return s_finish (p, 20000);
}

//  ---------------------------------------------------------------------

static void
test_exec_actions (void)
{
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000001", "CG", S_LEAD, 0, 0);
    s_proc_t p;
    const char *cmd =
        "cat >/dev/null; "
        "printf '%s\\n' '{\"action\":\"sign\"}' "
        "'{\"action\":\"progress\",\"note\":\"已联系市民\"}' "
        "'{\"action\":\"extension\",\"days\":5,\"note\":\"需协调\"}' "
        "'{\"action\":\"reply\",\"ticket\":\"YJ20261127000001\",\"note\":\"已整改完毕。\\n谢谢\"}'";
    HL_CHECK (s_exec_one (broker, cmd, NULL, &p) == 0);
    HL_CHECK (s_count (p.out.data, "\"event\":\"connected\"") == 1);
    HL_CHECK (strstr (p.out.data, "{\"event\":\"delivery\",\"ticket\":\"YJ20261127000001\","
                                  "\"role\":\"lead\",\"redelivery\":false") != NULL);
    HL_CHECK (s_count (p.out.data, "\"event\":\"action\"") == 4);
    HL_CHECK (s_count (p.out.data, "\"ok\":true") == 4);
    HL_CHECK (strstr (p.out.data, "\"action\":\"sign\",\"ok\":true,\"from\":\"dispatched\","
                                  "\"to\":\"signed\"") != NULL);
    HL_CHECK (strstr (p.out.data, "{\"event\":\"exec\",\"ticket\":\"YJ20261127000001\","
                                  "\"status\":0,\"actions\":4,\"failed\":0,\"bad_lines\":0,"
                                  "\"settled\":true,\"timed_out\":false}") != NULL);
    HL_CHECK (hl_fakebroker_transitions (broker) == 4);
    hl_fakebroker_transition_t t;
    hl_fakebroker_transition (broker, 2, &t);
    HL_CHECK (t.action == HOTLINE__ACTION__ACTION_REQUEST_EXTENSION && t.days == 5);
    HL_CHECK_STR (t.note, "需协调");
    hl_fakebroker_transition (broker, 3, &t);
    HL_CHECK_STR (t.note, "已整改完毕。\n谢谢");
    HL_CHECK (hl_fakebroker_state (broker, "YJ20261127000001") == HOTLINE__STATE__STATE_REPLIED);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static void
test_exec_bad_lines (void)
{
    //  Malformed and refused lines are reported and skipped; the rest is
    //  applied in order and the worker goes on.
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000002", "CG", S_LEAD, 0, 0);
    s_proc_t p;
    const char *cmd =
        "cat >/dev/null; "
        "echo 'sign please'; "
        "echo '{\"action\":\"approve\"}'; "
        "echo '{\"action\":\"sign\",\"ticket\":\"YJ20261127999999\"}'; "
        "echo '{\"action\":\"return\",\"reason\":\"bored\",\"note\":\"x\"}'; "
        "echo '{\"action\":\"sign\",\"extra\":1}'; "
        "echo; "
        "echo '{\"action\":\"reply\",\"note\":\"too early\"}'; "
        "echo '{\"action\":\"sign\"}'; "
        "printf '{\"action\":\"progress\",\"note\":\"no line break at the end\"}'; "
        "exit 5";
    HL_CHECK (s_exec_one (broker, cmd, NULL, &p) == 0);
    HL_CHECK (s_count (p.out.data, "\"event\":\"bad_line\"") == 5);
    HL_CHECK (strstr (p.out.data, "\"line\":1,\"error\":\"not a JSON object") != NULL);
    HL_CHECK (strstr (p.out.data, "unknown action \\\"approve\\\"") != NULL);
    HL_CHECK (strstr (p.out.data, "but this program handles YJ20261127000002") != NULL);
    HL_CHECK (strstr (p.out.data, "return needs a reason") != NULL);
    HL_CHECK (strstr (p.out.data, "\\\"extra\\\" does not belong in a sign action") != NULL);
    HL_CHECK (strstr (p.out.data, "\"action\":\"reply\",\"ok\":false,\"error\":{\"code\":"
                                  "\"invalid_transition\"") != NULL);
    HL_CHECK (strstr (p.out.data, "\"status\":5,\"actions\":3,\"failed\":1,\"bad_lines\":5,"
                                  "\"settled\":true") != NULL);
    HL_CHECK (hl_fakebroker_transitions (broker) == 3);
    HL_CHECK (hl_fakebroker_state (broker, "YJ20261127000002")
              == HOTLINE__STATE__STATE_IN_PROGRESS);
    //  Reported to stderr as well, for the log.
    HL_CHECK (strstr (p.err.data, "line 1 of the program's output ignored") != NULL);
    HL_CHECK (strstr (p.err.data, "reply: invalid_transition") != NULL);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static void
test_exec_environment (void)
{
    //  The program reads the ticket JSON on stdin and HOTLINE_* variables.
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000003", "CG", S_LEAD, 1, 0);
    s_proc_t p;
    const char *cmd =
        "input=$(cat); "
        "case \"$input\" in *'\"ticket\":\"YJ20261127000003\"'*'油烟'*) ;; *) exit 9;; esac; "
        "[ \"$HOTLINE_TICKET\" = YJ20261127000003 ] || exit 10; "
        "[ \"$HOTLINE_ROLE\" = lead ] || exit 11; "
        "[ \"$HOTLINE_REDELIVERY\" = 1 ] || exit 12; "
        "[ \"$HOTLINE_UNIT\" = CG ] || exit 13; "
        "[ \"$HOTLINE_CATEGORY\" = CG.01 ] || exit 14; "
        "[ \"$HOTLINE_AREA\" = 441702 ] || exit 15; "
        "[ \"$HOTLINE_REQUEST_TYPE\" = complaint ] || exit 16; "
        "echo '{\"action\":\"sign\"}'";
    HL_CHECK (s_exec_one (broker, cmd, NULL, &p) == 0);
    HL_CHECK (strstr (p.out.data, "\"status\":0,\"actions\":1,") != NULL);
    if (!strstr (p.out.data, "\"status\":0"))
        fprintf (stderr, "%s", p.out.data);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static void
test_exec_big_input (void)
{
    //  A program that never reads its stdin still runs and is heard.
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000004", "CG", S_LEAD, 0, 0);
    s_proc_t p;
    HL_CHECK (s_exec_one (broker, "exec 0<&-; echo '{\"action\":\"sign\"}'", NULL, &p) == 0);
    HL_CHECK (strstr (p.out.data, "\"settled\":true") != NULL);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static void
test_exec_failure (void)
{
    //  A program that fails without acting leaves the ticket unsigned;
    //  after --retry-after the worker starts a new session so that hotlined
    //  gives the ticket out again.
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000005", "CG", S_LEAD, 0, 0);
    s_proc_t p;
    const char *args[] = { "--endpoint", hl_fakebroker_endpoint (broker), "--unit", "CG",
                           "--json", "--retry-after", "1", "--exec", "cat >/dev/null; exit 3",
                           NULL };
    s_start (&p, args, NULL);
    HL_CHECK (hl_fakebroker_wait_count (broker, S_READY, 2, 5000) == 0);
    HL_CHECK (hl_fakebroker_peers (broker) >= 2);
    kill (p.pid, SIGTERM);
    HL_CHECK (s_finish (&p, 5000) == 0);
    HL_CHECK (strstr (p.out.data, "\"status\":3,\"actions\":0,\"failed\":0,\"bad_lines\":0,"
                                  "\"settled\":false") != NULL);
    HL_CHECK (strstr (p.err.data, "did not sign or return the ticket (exit 3)") != NULL);
    HL_CHECK (strstr (p.err.data, "starting a new session") != NULL);
    HL_CHECK (hl_fakebroker_transitions (broker) == 0);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static void
test_exec_timeout (void)
{
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000006", "CG", S_LEAD, 0, 0);
    s_proc_t p;
    int64_t before = hl_monotonic_us ();
    HL_CHECK (s_exec_one (broker, "echo '{\"action\":\"sign\"}'; sleep 30", "--exec-timeout=1",
                          &p) == 0);
    HL_CHECK (hl_monotonic_us () - before < 10 * 1000 * 1000);
    HL_CHECK (strstr (p.out.data, "\"status\":143,\"actions\":1,") != NULL);
    HL_CHECK (strstr (p.out.data, "\"timed_out\":true") != NULL);
    HL_CHECK (strstr (p.err.data, "ran longer than 1 s") != NULL);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static void
test_sigterm (void)
{
    //  SIGTERM while idle, and while a program runs: a clean, quick stop.
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    s_proc_t p;
    const char *args[] = { "--endpoint", hl_fakebroker_endpoint (broker), "--unit", "CG",
                           "--exec", "sleep 30", NULL };
    s_start (&p, args, NULL);
    HL_CHECK (hl_fakebroker_wait_count (broker, S_READY, 1, 5000) == 0);
    usleep (200 * 1000);
    kill (p.pid, SIGTERM);
    HL_CHECK (s_finish (&p, 5000) == 0);
    s_free (&p);
    hl_fakebroker_destroy (&broker);

    broker = hl_fakebroker_new (S_HB);
    args[1] = hl_fakebroker_endpoint (broker);
    hl_fakebroker_deliver (broker, "YJ20261127000007", "CG", S_LEAD, 0, 0);
    s_start (&p, args, NULL);
    HL_CHECK (hl_fakebroker_wait_count (broker, S_READY, 1, 5000) == 0);
    usleep (500 * 1000);
    int64_t before = hl_monotonic_us ();
    kill (p.pid, SIGINT);
    HL_CHECK (s_finish (&p, 10000) == 0);
    HL_CHECK (hl_monotonic_us () - before < 3 * 1000 * 1000);
    HL_CHECK (strstr (p.out.data, "YJ20261127000007 exec: killed by signal 15") != NULL);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static void
test_exit_codes (void)
{
    s_proc_t p;
    //  Usage.
    const char *no_unit[] = { "--exec", "true", NULL };
    s_start (&p, no_unit, NULL);
    HL_CHECK (s_finish (&p, 5000) == 1);
    HL_CHECK (strstr (p.err.data, "--unit is required") != NULL);
    s_free (&p);
    const char *both[] = { "--unit", "CG", "--exec", "true", "--interactive", NULL };
    s_start (&p, both, NULL);
    HL_CHECK (s_finish (&p, 5000) == 1);
    s_free (&p);
    const char *bad_credit[] = { "--unit", "CG", "--exec", "true", "--credit", "0", NULL };
    s_start (&p, bad_credit, NULL);
    HL_CHECK (s_finish (&p, 5000) == 1);
    HL_CHECK (strstr (p.err.data, "bad value '0' for --credit") != NULL);
    s_free (&p);

    //  Refused by hotlined: an unknown unit.
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_refuse_ready (broker, HOTLINE__ERROR_CODE__ERROR_UNKNOWN_CODE, 0);
    const char *refused[] = { "--endpoint", hl_fakebroker_endpoint (broker), "--unit", "NOPE",
                              "--json", "--exec", "true", NULL };
    s_start (&p, refused, NULL);
    HL_CHECK (s_finish (&p, 5000) == 2);
    HL_CHECK (strstr (p.out.data, "{\"event\":\"error\",\"code\":\"unknown_code\",\"message\":"
                                  "\"unit: not a unit of the dispatch catalogue\"}") != NULL);
    s_free (&p);
    hl_fakebroker_destroy (&broker);

    //  Nobody there.
    const char *nobody[] = { "--endpoint", "tcp://127.0.0.1:9", "--unit", "CG",
                             "--connect-timeout", "1", "--exec", "true", NULL };
    s_start (&p, nobody, NULL);
    HL_CHECK (s_finish (&p, 5000) == 3);
    HL_CHECK (strstr (p.err.data, "did not welcome the worker in time") != NULL);
    s_free (&p);
}

static void
test_lead_only (void)
{
    //  An assist delivery runs the program with HOTLINE_ROLE=assist, or
    //  not at all with --lead-only.
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000008", "XX", S_ASSIST, 0, 0);
    s_proc_t p;
    HL_CHECK (s_exec_one (broker, "[ \"$HOTLINE_ROLE\" = assist ] && exit 7", NULL, &p) == 0);
    HL_CHECK (strstr (p.out.data, "\"role\":\"assist\"") != NULL);
    HL_CHECK (strstr (p.out.data, "\"status\":7") != NULL);
    HL_CHECK (strstr (p.err.data, "did not sign") == NULL);   //  not its to sign
    s_free (&p);
    hl_fakebroker_destroy (&broker);
    broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000009", "XX", S_ASSIST, 0, 0);
    HL_CHECK (s_exec_one (broker, "exit 7", "--lead-only", &p) == 0);
    HL_CHECK (strstr (p.out.data, "\"ticket\":\"YJ20261127000009\",\"role\":\"assist\"") != NULL);
    HL_CHECK (strstr (p.out.data, "\"event\":\"exec\"") == NULL);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

//  Runs examples/NAME (with ARGS) on one ticket and returns the broker's
//  transitions in T (up to 4).
static int
s_example (const char *name, const char *args, int role, hl_fakebroker_transition_t *t)
{
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000010", "CG", role, 0, 0);
    char cmd[1024];
    snprintf (cmd, sizeof cmd, "SIGN_AND_REPLY_DELAY=0 '%s/%s' %s",
              getenv ("HL_WORKER_EXAMPLES"), name, args);
    s_proc_t p;
    HL_CHECK (s_exec_one (broker, cmd, NULL, &p) == 0);
    HL_CHECK (strstr (p.out.data, "\"status\":0,") != NULL);
    HL_CHECK (strstr (p.out.data, "\"failed\":0,\"bad_lines\":0") != NULL);
    int n = hl_fakebroker_transitions (broker);
    for (int i = 0; i < n && i < 4; i++)
        hl_fakebroker_transition (broker, i, &t[i]);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
    return n;
}

static void
test_examples (void)
{
    hl_fakebroker_transition_t t[4];
    HL_CHECK (s_example ("sign-and-reply", "", S_LEAD, t) == 3);
    HL_CHECK (t[0].action == HOTLINE__ACTION__ACTION_SIGN);
    HL_CHECK (t[1].action == HOTLINE__ACTION__ACTION_PROGRESS);
    HL_CHECK (t[2].action == HOTLINE__ACTION__ACTION_REPLY && strstr (t[2].note, "整改"));
    HL_CHECK (s_example ("sign-and-reply", "", S_ASSIST, t) == 0);

    HL_CHECK (s_example ("return-outside-area", "441704 441721", S_LEAD, t) == 1);
    HL_CHECK (t[0].action == HOTLINE__ACTION__ACTION_RETURN
              && t[0].reason == HOTLINE__RETURN_REASON__RETURN_WRONG_AREA);
    HL_CHECK (strstr (t[0].note, "441702") != NULL);
    HL_CHECK (s_example ("return-outside-area", "441702", S_LEAD, t) == 2);
    HL_CHECK (t[0].action == HOTLINE__ACTION__ACTION_SIGN);

    HL_CHECK (s_example ("extend-complex", "", S_LEAD, t) == 2);
    HL_CHECK (t[1].action == HOTLINE__ACTION__ACTION_REQUEST_EXTENSION && t[1].days == 5);
    HL_CHECK (strstr (t[1].note, "油烟") != NULL);
}

static void
test_interactive (void)
{
    hl_fakebroker_t *broker = hl_fakebroker_new (S_HB);
    hl_fakebroker_deliver (broker, "YJ20261127000020", "CG", S_LEAD, 0, 0);
    hl_fakebroker_deliver (broker, "YJ20261127000021", "CG", S_LEAD, 0, 0);
    s_proc_t p;
    const char *args[] = { "--endpoint", hl_fakebroker_endpoint (broker), "--unit", "CG",
                           "--interactive", NULL };
    const char *input =
        "help\n"
        "list\n"
        "show YJ20261127000020\n"
        "sign YJ20261127000020\n"
        "progress YJ20261127000020 已联系市民， 约定  明天上门\n"
        "extend YJ20261127000020 many 需要时间\n"
        "extend YJ20261127000020 3 需协调环保部门\n"
        "reply YJ20261127000020 已责令整改。\n"
        "return YJ20261127000021 wrong_area 地址属阳东区\n"
        "return YJ20261127000020 nonsense x\n"
        "reply YJ20261127000021\n"
        "sign YJ20261127000020\n"
        "show YJ20990101000000\n"
        "frobnicate\n"
        "\xC3\x28\n"
        "# a comment\n"
        "quit\n"
        "sign YJ20261127000021\n";
    s_start (&p, args, input);
    HL_CHECK (s_finish (&p, 20000) == 0);
    const char *o = p.out.data;
    HL_CHECK (strstr (o, "connected to") != NULL);
    HL_CHECK (strstr (o, "YJ20261127000020 delivered: lead (主办), 投诉, CG.01 441702: 楼下餐馆油烟扰民")
              != NULL);
    HL_CHECK (strstr (o, "return TICKET REASON NOTE") != NULL);              //  help
    HL_CHECK (strstr (o, "YJ20261127000021  2025-11-27 08:00:00  已派单  投诉  CG.01 441702") != NULL);
    HL_CHECK (strstr (o, "工单 YJ20261127000020") != NULL);                 //  show
    HL_CHECK (strstr (o, "YJ20261127000020 sign: ok (dispatched -> signed)") != NULL);
    HL_CHECK (strstr (o, "YJ20261127000020 progress: ok (signed -> in_progress)") != NULL);
    HL_CHECK (strstr (o, "extend: DAYS must be a number") != NULL);
    HL_CHECK (strstr (o, "YJ20261127000020 extension: ok") != NULL);
    HL_CHECK (strstr (o, "YJ20261127000020 reply: ok (in_progress -> replied)") != NULL);
    HL_CHECK (strstr (o, "YJ20261127000021 return: ok (dispatched -> returned)") != NULL);
    HL_CHECK (strstr (o, "return needs a reason") != NULL);
    HL_CHECK (strstr (o, "reply needs a note") != NULL);
    HL_CHECK (strstr (o, "YJ20261127000020 sign: refused (invalid_transition): sign: not allowed "
                         "in state replied") != NULL);
    HL_CHECK (strstr (o, "YJ20990101000000 show: refused (not_found)") != NULL);
    HL_CHECK (strstr (o, "unknown command 'frobnicate'") != NULL);
    HL_CHECK (strstr (o, "not valid UTF-8") != NULL);
    HL_CHECK (hl_fakebroker_transitions (broker) == 6);                     //  nothing after quit
    hl_fakebroker_transition_t t;
    hl_fakebroker_transition (broker, 1, &t);
    HL_CHECK_STR (t.note, "已联系市民， 约定  明天上门");
    hl_fakebroker_transition (broker, 4, &t);
    HL_CHECK_STR (t.note, "地址属阳东区");
    s_free (&p);

    //  --json: the same as JSON lines; end of input ends the session.
    const char *jargs[] = { "--endpoint", hl_fakebroker_endpoint (broker), "--unit", "CG",
                            "--interactive", "--json", NULL };
    s_start (&p, jargs, "list in_progress\nlist replied 5\nsign\n");
    HL_CHECK (s_finish (&p, 20000) == 0);
    HL_CHECK (strstr (p.out.data, "{\"event\":\"list\",\"tickets\":[]}") != NULL);
    HL_CHECK (strstr (p.out.data, "{\"event\":\"list\",\"tickets\":[{\"ticket\":"
                                  "\"YJ20261127000020\",\"state\":\"replied\"") != NULL);
    HL_CHECK (strstr (p.out.data, "{\"event\":\"error\",\"code\":\"usage\",\"message\":"
                                  "\"usage: sign TICKET\"}") != NULL);
    s_free (&p);
    hl_fakebroker_destroy (&broker);
}

static const hl_test_case_t s_cases[] = {
    { "exec_actions", test_exec_actions }, { "exec_bad_lines", test_exec_bad_lines },
    { "exec_environment", test_exec_environment }, { "exec_big_input", test_exec_big_input },
    { "exec_failure", test_exec_failure }, { "exec_timeout", test_exec_timeout },
    { "sigterm", test_sigterm }, { "exit_codes", test_exit_codes },
    { "lead_only", test_lead_only }, { "examples", test_examples },
    { "interactive", test_interactive },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    signal (SIGPIPE, SIG_IGN);
    return hl_test_main (s_cases, argc, argv);
}
