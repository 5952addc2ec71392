/*  hl_test: case runner. See hl_test.h. */
#include "hl_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

int hl_test_failures = 0;

int
hl_test_main (const hl_test_case_t *cases, int argc, char **argv)
{
    int ran = 0;
    setvbuf (stdout, NULL, _IOLBF, 0);
    for (const hl_test_case_t *c = cases; c->name; c++) {
        if (argc > 1 && strcmp (argv[1], c->name) != 0)
            continue;
        int before = hl_test_failures;
        printf ("case %s\n", c->name);
        c->fn ();
        printf ("case %s: %s\n", c->name, hl_test_failures == before ? "ok" : "FAILED");
        ran++;
    }
    if (ran == 0) {
        fprintf (stderr, "no test case named '%s'\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    return hl_test_failures ? 1 : 0;
}

int
hl_test_connect (int port, int rcvbuf)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (rcvbuf)
        setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port),
                              .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    if (connect (fd, (struct sockaddr *) &sa, sizeof sa) != 0) {
        close (fd);
        return -1;
    }
    return fd;
}
