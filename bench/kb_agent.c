/*  kb-agent: knowledge-base round trips as an agent types.

    kb-agent --endpoint E [--debounce MS] [--interval MS] [--min-chars N]
             [--limit N] [--max N] QUERIES.tsv...

    Replays the questions of evaluation files (query<TAB>id, as for
    kb-eval) the way the agent's terminal asks while the caller's words are
    typed: every growing prefix of each question, from --min-chars
    characters on (default 2), becomes a KbQuery with the terminal's limit
    (10 hits), sent to hotlined on one DEALER socket and answered before
    the next one goes out, one agent typing. --interval paces the prefixes
    (milliseconds between two sends; 0: as soon as the answer is in).
    Prints the round-trip distribution (request out to answer in) and, by
    adding the terminal's debounce (--debounce, default 60 ms, the pause
    after the last key before it asks), what the agent waits from the
    keystroke to suggestions, drawing aside.
*/
#include "hl_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define PREFIXES_MAX 100000
#define TIMEOUT_MS 3000

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
s_compare_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
s_pct (const double *sorted, size_t n, double pct)
{
    size_t at = (size_t) (n * pct / 100);
    return sorted[at < n ? at : n - 1];
}

typedef struct {
    void *dealer;
    int limit;
    long sent, answered, errors, hits;
} s_agent_t;

//  Ask for TEXT and wait for the answer with this request id; returns the
//  round trip in milliseconds, or -1 on timeout.
static double
s_ask (s_agent_t *self, const char *text)
{
    char rid[32];
    snprintf (rid, sizeof rid, "kb-agent-%ld", self->sent++);
    Hotline__KbQuery q = HOTLINE__KB_QUERY__INIT;
    q.has_query = 1;
    q.query = hl_wire_bytes (text);
    q.has_limit = 1;
    q.limit = (uint32_t) self->limit;
    Hotline__Envelope env = HOTLINE__ENVELOPE__INIT;
    env.has_version = 1;
    env.version = HL_WIRE_VERSION;
    env.has_request_id = 1;
    env.request_id = hl_wire_bytes (rid);
    env.body_case = HOTLINE__ENVELOPE__BODY_KB_QUERY;
    env.kb_query = &q;
    hl_buf_t buf = HL_BUF_INIT;
    hl_wire_pack (&env, &buf);
    double start = s_now_ms ();
    int rc = zmq_send (self->dealer, buf.data, buf.len, 0);
    hl_buf_free (&buf);
    if (rc < 0)
        return -1;
    while (s_now_ms () - start < TIMEOUT_MS) {
        zmq_pollitem_t item = { self->dealer, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 100) <= 0)
            continue;
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, self->dealer, 0) < 0) {
            zmq_msg_close (&msg);
            continue;
        }
        double took = s_now_ms () - start;
        Hotline__ErrorCode code;
        Hotline__Envelope *reply = hl_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg),
                                                   HL_WIRE_MAX_MESSAGE * 64, &code);
        zmq_msg_close (&msg);
        //  Only the answer to this question counts (a late answer to an
        //  earlier one, after a timeout, is dropped as the terminal does).
        int mine = reply && reply->has_request_id && reply->request_id.len == strlen (rid)
                && memcmp (reply->request_id.data, rid, strlen (rid)) == 0;
        if (mine) {
            self->answered++;
            if (reply->body_case == HOTLINE__ENVELOPE__BODY_KB_RESULTS)
                self->hits += (long) reply->kb_results->n_hits;
            else
                self->errors++;
        }
        hl_wire_free (&reply);
        if (mine)
            return took;
    }
    return -1;
}

int
main (int argc, char **argv)
{
    const char *endpoint = NULL;
    double debounce = 60, interval = 0;
    int min_chars = 2, limit = 10;
    long max = PREFIXES_MAX;
    int files = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strncmp (argv[i], "--", 2) != 0) {
            argv[files++ + 1] = argv[i];
            continue;
        }
        if (!v) {
            fprintf (stderr, "kb-agent: %s needs a value\n", argv[i]);
            return 2;
        }
        i++;
        if (strcmp (argv[i - 1], "--endpoint") == 0)
            endpoint = v;
        else
        if (strcmp (argv[i - 1], "--debounce") == 0)
            debounce = atof (v);
        else
        if (strcmp (argv[i - 1], "--interval") == 0)
            interval = atof (v);
        else
        if (strcmp (argv[i - 1], "--min-chars") == 0)
            min_chars = atoi (v);
        else
        if (strcmp (argv[i - 1], "--limit") == 0)
            limit = atoi (v);
        else
        if (strcmp (argv[i - 1], "--max") == 0)
            max = atol (v);
        else {
            fprintf (stderr, "kb-agent: unknown option %s\n", argv[i - 1]);
            return 2;
        }
    }
    if (!endpoint || !files || min_chars < 1 || limit < 1 || max < 1 || max > PREFIXES_MAX) {
        fprintf (stderr, "usage: kb-agent --endpoint E [--debounce MS] [--interval MS]"
                         " [--min-chars N] [--limit N] [--max N] QUERIES.tsv...\n");
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    s_agent_t agent = { .dealer = zmq_socket (ctx, ZMQ_DEALER), .limit = limit };
    int zero = 0;
    zmq_setsockopt (agent.dealer, ZMQ_LINGER, &zero, sizeof zero);
    if (zmq_connect (agent.dealer, endpoint)) {
        fprintf (stderr, "kb-agent: cannot connect to %s\n", endpoint);
        return 2;
    }
    double *rtt = malloc (sizeof (double) * PREFIXES_MAX);
    size_t n = 0, questions = 0;
    long timeouts = 0;
    for (int f = 1; f <= files && (long) n < max; f++) {
        FILE *file = fopen (argv[f], "r");
        if (!file) {
            fprintf (stderr, "kb-agent: cannot open %s\n", argv[f]);
            return 2;
        }
        char line[2048];
        while ((long) n < max && fgets (line, sizeof line, file)) {
            line[strcspn (line, "\r\n")] = 0;
            char *tab = strchr (line, '\t');
            if (line[0] == '#' || !tab)
                continue;
            *tab = 0;
            questions++;
            //  Every prefix ending on a character boundary, as typed.
            int chars = 0;
            for (size_t at = 0; line[at] && (long) n < max;) {
                at++;
                while (line[at] && ((unsigned char) line[at] & 0xC0) == 0x80)
                    at++;
                if (++chars < min_chars)
                    continue;
                char prefix[2048];
                memcpy (prefix, line, at);
                prefix[at] = 0;
                double start = s_now_ms ();
                double took = s_ask (&agent, prefix);
                if (took < 0)
                    timeouts++;
                else
                    rtt[n++] = took;
                double rest = interval - (s_now_ms () - start);
                if (rest > 0)
                    usleep ((useconds_t) (rest * 1000));
            }
        }
        fclose (file);
    }
    zmq_close (agent.dealer);
    zmq_ctx_term (ctx);
    if (!n) {
        fprintf (stderr, "kb-agent: no answers (%ld timeouts)\n", timeouts);
        return 1;
    }
    qsort (rtt, n, sizeof *rtt, s_compare_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rtt[i];
    printf ("questions %zu, prefixes asked %ld, answered %zu, errors %ld, timeouts %ld,"
            " %.1f hits per answer\n", questions, agent.sent, n, agent.errors, timeouts,
            (double) agent.hits / (double) (agent.answered ? agent.answered : 1));
    printf ("round trip  p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms\n",
            s_pct (rtt, n, 50), s_pct (rtt, n, 90), s_pct (rtt, n, 99), rtt[n - 1], sum / n);
    printf ("keystroke to answer (debounce %.0f ms + round trip)  p50 %.1f ms, p99 %.1f ms,"
            " max %.1f ms\n", debounce, debounce + s_pct (rtt, n, 50),
            debounce + s_pct (rtt, n, 99), debounce + rtt[n - 1]);
    free (rtt);
    return agent.errors || timeouts ? 1 : 0;
}
