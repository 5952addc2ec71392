/*  hl-start: hl_proc for the shell tests.
 *
 *      hl-start [--log FILE] [--timeout MS] -- COMMAND ARG...
 *
 *  Starts COMMAND as a server that outlives this program, "@PORT0@" ..
 *  "@PORT7@" in its arguments standing for free loopback ports, and exits
 *  once it has said READY=1 (redis-server --supervised systemd, postgres,
 *  hotlined): 0, printing "PID PORT0 PORT1 ..." (the ports the arguments
 *  named) on one line. A start that lost a port is retried on new ones.
 *  1 if it exited or did not get ready (the reason on stderr), 2 on bad
 *  usage. The shell tests then stop the server by that PID.
 */
#include "hl_proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_usage (void)
{
    fprintf (stderr, "usage: hl-start [--log FILE] [--timeout MS] -- COMMAND ARG...\n");
    return 2;
}

//  How many of the ports the arguments name (the highest "@PORTn@" + 1).
static int
s_ports_named (char **argv)
{
    int named = 0;
    for (int i = 0; argv[i]; i++)
        for (const char *p = argv[i]; (p = strstr (p, "@PORT")); p++)
            if (p[5] >= '0' && p[5] < '0' + HL_PROC_PORTS && p[6] == '@' && p[5] - '0' >= named)
                named = p[5] - '0' + 1;
    return named;
}

int
main (int argc, char **argv)
{
    hl_proc_opts_t opts = { .outlive = 1, .repick = 1 };
    int i = 1;
    for (; i < argc && strcmp (argv[i], "--") != 0; i++) {
        if (strcmp (argv[i], "--log") == 0 && i + 1 < argc)
            opts.log = argv[++i];
        else
        if (strcmp (argv[i], "--timeout") == 0 && i + 1 < argc)
            opts.timeout_ms = atoi (argv[++i]);
        else
            return s_usage ();
    }
    if (i + 1 >= argc)
        return s_usage ();
    char **command = argv + i + 1;
    int ports[HL_PROC_PORTS] = { 0 };
    pid_t pid = hl_proc_start ((const char *const *) command, ports, &opts);
    if (pid < 0)
        return 1;
    printf ("%d", (int) pid);
    for (int k = 0; k < s_ports_named (command); k++)
        printf (" %d", ports[k]);
    printf ("\n");
    return 0;
}
