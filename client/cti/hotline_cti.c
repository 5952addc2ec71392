/*  hotline-cti: the reference adaptor between a phone system and the
 *  agents' terminals (screen-pop).
 *
 *      hotline-cti [--publish ENDPOINT] [--fifo PATH]
 *
 *  Reads one line per event from PATH (a FIFO it creates if missing, and
 *  reopens whenever its writer closes it) or from standard input:
 *
 *      RING <agent> <caller number> [<line> [<call id>]]
 *
 *  and publishes each as an IncomingCall on a ZeroMQ PUB socket under the
 *  topic "call:<agent>:", which hotline-agent --cti subscribes to. A
 *  centre's own CTI link (an Asterisk AMI listener, an ACD's event feed)
 *  can write these lines, or publish the same messages itself
 *  (docs/agent-terminal.md). A line it cannot read is reported on stderr
 *  with its number and skipped. Numbers never reach the log in full.
 */
#include "hl_log.h"
#include "hotline.pb-c.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <zmq.h>

#define S_LINE_MAX 512

static int
s_token_ok (const char *t, size_t max)
{
    size_t n = strlen (t);
    if (n == 0 || n > max)
        return 0;
    for (; *t; t++)
        if (*t < 0x21 || *t > 0x7e)
            return 0;
    return 1;
}

static int
s_number_ok (const char *number)
{
    const char *digits = number[0] == '+' ? number + 1 : number;
    size_t n = strlen (digits);
    return n >= 3 && n <= 20 && strspn (digits, "0123456789") == n;
}

//  Publish the event of LINE; 0, or -1 with WHY.
static int
s_publish (void *pub, char *line, const char **why)
{
    char *save = NULL;
    char *verb = strtok_r (line, " \t\r\n", &save);
    if (!verb || *verb == '#')
        return 0;
    char *agent = strtok_r (NULL, " \t\r\n", &save);
    char *caller = strtok_r (NULL, " \t\r\n", &save);
    char *trunk = strtok_r (NULL, " \t\r\n", &save);
    char *call_id = strtok_r (NULL, " \t\r\n", &save);
    if (strcmp (verb, "RING") != 0)
        return *why = "unknown event (want RING)", -1;
    if (!agent || !s_token_ok (agent, 63))
        return *why = "RING needs an agent id", -1;
    if (!caller || !s_number_ok (caller))
        return *why = "the caller is not a phone number", -1;
    if ((trunk && !s_token_ok (trunk, 31)) || (call_id && !s_token_ok (call_id, 63))
        || strtok_r (NULL, " \t\r\n", &save))
        return *why = "want RING <agent> <caller> [<line> [<call id>]]", -1;
    Hotline__IncomingCall m = HOTLINE__INCOMING_CALL__INIT;
    m.has_agent = m.has_caller = 1;
    m.agent = (ProtobufCBinaryData) { strlen (agent), (uint8_t *) agent };
    m.caller = (ProtobufCBinaryData) { strlen (caller), (uint8_t *) caller };
    if (trunk) {
        m.has_line = 1;
        m.line = (ProtobufCBinaryData) { strlen (trunk), (uint8_t *) trunk };
    }
    if (call_id) {
        m.has_call_id = 1;
        m.call_id = (ProtobufCBinaryData) { strlen (call_id), (uint8_t *) call_id };
    }
    struct timeval tv;
    gettimeofday (&tv, NULL);
    m.has_at_ms = 1;
    m.at_ms = (uint64_t) tv.tv_sec * 1000 + (uint64_t) tv.tv_usec / 1000;
    uint8_t buf[1024];
    size_t len = hotline__incoming_call__pack (&m, buf);
    char topic[80];
    int n = snprintf (topic, sizeof topic, "call:%s:", agent);
    if (zmq_send (pub, topic, (size_t) n, ZMQ_SNDMORE) < 0 || zmq_send (pub, buf, len, 0) < 0)
        return *why = "cannot publish", -1;
    char masked[32];
    hl_log_mask_phone (caller, strlen (caller), masked, sizeof masked);
    hl_info ("call from %s for agent %s%s%s", masked, agent, trunk ? " on line " : "",
             trunk ? trunk : "");
    return 0;
}

//  Read events from IN until its end; the count of bad lines is kept.
static void
s_read (void *pub, FILE *in, unsigned long *lineno)
{
    char line[S_LINE_MAX];
    while (fgets (line, sizeof line, in)) {
        ++*lineno;
        const char *why = NULL;
        if (!strchr (line, '\n') && !feof (in)) {
            int c;
            while ((c = fgetc (in)) != EOF && c != '\n')
                ;
            why = "line too long";
        }
        else
        if (s_publish (pub, line, &why) == 0)
            continue;
        hl_warning ("line %lu: %s", *lineno, why);
    }
}

int
main (int argc, char **argv)
{
    const char *endpoint = "tcp://127.0.0.1:7104", *fifo = NULL;
    static const struct option longopts[] = {
        { "publish", 1, 0, 'p' }, { "fifo", 1, 0, 'f' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
    };
    int opt;
    while ((opt = getopt_long (argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'p')
            endpoint = optarg;
        else
        if (opt == 'f')
            fifo = optarg;
        else {
            fprintf (opt == 'h' ? stdout : stderr,
                     "usage: hotline-cti [--publish ENDPOINT] [--fifo PATH]\n"
                     "  reads \"RING <agent> <caller> [<line> [<call id>]]\" lines from PATH\n"
                     "  (or standard input) and publishes them to the agents' terminals\n"
                     "  (hotline-agent --cti ENDPOINT); default tcp://127.0.0.1:7104\n");
            return opt == 'h' ? 0 : 1;
        }
    }
    hl_log_set_ident ("hotline-cti");
    void *ctx = zmq_ctx_new ();
    void *pub = zmq_socket (ctx, ZMQ_PUB);
    int linger = 1000;
    zmq_setsockopt (pub, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind (pub, endpoint) != 0) {
        fprintf (stderr, "hotline-cti: cannot bind %s: %s\n", endpoint, zmq_strerror (errno));
        return 1;
    }
    if (fifo && mkfifo (fifo, 0600) != 0 && errno != EEXIST) {
        fprintf (stderr, "hotline-cti: cannot make %s: %s\n", fifo, strerror (errno));
        return 1;
    }
    hl_notice ("publishing calls on %s from %s", endpoint, fifo ? fifo : "standard input");
    unsigned long lineno = 0;
    if (!fifo)
        s_read (pub, stdin, &lineno);
    else
        for (;;) {              //  each writer in turn: reopen at its end
            FILE *in = fopen (fifo, "r");
            if (!in) {
                fprintf (stderr, "hotline-cti: cannot open %s: %s\n", fifo, strerror (errno));
                return 1;
            }
            s_read (pub, in, &lineno);
            fclose (in);
        }
    zmq_close (pub);
    zmq_ctx_term (ctx);
    return 0;
}
