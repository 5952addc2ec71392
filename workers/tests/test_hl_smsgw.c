/*  Unit test of hl_smsgw: a submit against a gateway on a loopback socket
 *  (a thread here): acknowledged, refused, answered out of turn, silent,
 *  unreachable. */
#include "hl_smsgw.h"
#include "hl_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  The gateway: answers each line with ANSWER (%s: the id), or not at all.
static const char *s_answer;

static void *
s_gateway (void *arg)
{
    int listener = *(int *) arg;
    int fd = accept (listener, NULL, NULL);
    char line[512];
    size_t len = 0;
    while (fd >= 0 && recv (fd, line + len, 1, 0) == 1) {
        if (line[len] != '\n' && ++len < sizeof line - 1)
            continue;
        line[len] = 0;
        len = 0;
        char id[64] = "";
        sscanf (line, "SUBMIT %63s", id);
        if (s_answer) {
            char out[256];
            int n = snprintf (out, sizeof out, s_answer, id);
            send (fd, out, (size_t) n, MSG_NOSIGNAL);
        }
    }
    if (fd >= 0)
        close (fd);
    return NULL;
}

//  A gateway on a free loopback port answering ANSWER: its address in
//  ADDRESS, the thread in *THREAD (it ends when the client hangs up).
static int
s_start (const char *answer, char address[32], pthread_t *thread, int *listener)
{
    s_answer = answer;
    *listener = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    if (bind (*listener, (struct sockaddr *) &sa, sizeof sa) != 0 || listen (*listener, 1) != 0
        || getsockname (*listener, (struct sockaddr *) &sa, &sl) != 0)
        return -1;
    snprintf (address, 32, "127.0.0.1:%d", ntohs (sa.sin_port));
    return pthread_create (thread, NULL, s_gateway, listener);
}

//  One submit against a gateway answering ANSWER: its result, ERR filled.
static int
s_submit_to (const char *answer, char *err, size_t errlen)
{
    char address[32];
    pthread_t thread;
    int listener;
    HL_CHECK (s_start (answer, address, &thread, &listener) == 0);
    hl_smsgw_t *gw = hl_smsgw_new (address, 300, err, errlen);
    HL_CHECK (gw);
    int rc = hl_smsgw_submit (gw, "YJ1.1-0", "{\"id\":\"YJ1.1-0\"}", err, errlen);
    hl_smsgw_destroy (&gw);
    pthread_join (thread, NULL);
    close (listener);
    return rc;
}

static void
test_ack (void)
{
    char err[256] = "";
    HL_CHECK (s_submit_to ("ACK %s\n", err, sizeof err) == 0);
}

static void
test_refused (void)
{
    char err[256] = "";
    HL_CHECK (s_submit_to ("NACK %s throttled\n", err, sizeof err) == -1);
    HL_CHECK (strstr (err, "refused it: throttled"));
    HL_CHECK (s_submit_to ("ACK other\n", err, sizeof err) == -1);
    HL_CHECK (strstr (err, "out of turn"));
    HL_CHECK (s_submit_to (NULL, err, sizeof err) == -1);
    HL_CHECK (strstr (err, "did not answer"));
}

static void
test_unreachable (void)
{
    char err[256] = "";
    HL_CHECK (hl_smsgw_new ("nohostport", 300, err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "not host:port"));
    //  A port nothing listens on (bound and closed here).
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    bind (fd, (struct sockaddr *) &sa, sizeof sa);
    getsockname (fd, (struct sockaddr *) &sa, &sl);
    close (fd);
    char address[32];
    snprintf (address, sizeof address, "127.0.0.1:%d", ntohs (sa.sin_port));
    hl_smsgw_t *gw = hl_smsgw_new (address, 300, err, sizeof err);
    HL_CHECK (gw && hl_smsgw_submit (gw, "X.1-0", "{}", err, sizeof err) == -1);
    HL_CHECK (strstr (err, "the SMS gateway 127.0.0.1:"));
    hl_smsgw_destroy (&gw);
}

static const hl_test_case_t s_cases[] = {
    { "ack", test_ack }, { "refused", test_refused }, { "unreachable", test_unreachable },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
