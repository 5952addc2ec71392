/*  top_driver: runs hl_top_run as `hotline top` does, for the terminal
 *  test (top.sh) before and independently of the hotline command's own
 *  option parsing.
 *
 *      top_driver ADDRESS TOKEN INTERVAL_MS [once]
 */
#include "hl_top.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Exit status 0 when hl_top_run succeeded, 1 otherwise, 2 on usage.
int
main (int argc, char **argv)
{
    if (argc < 4) {
        fprintf (stderr, "usage: top_driver ADDRESS TOKEN INTERVAL_MS [once]\n");
        return 2;
    }
    int once = argc > 4 && strcmp (argv[4], "once") == 0;
    return hl_top_run (argv[1], argv[2], atoi (argv[3]), once) == 0 ? 0 : 1;
}
