/*  top_driver: runs hl_top_run as `hotline top` does, for the terminal
 *  test (top.sh) before and independently of the hotline command's own
 *  option parsing.
 *
 *      top_driver ADDRESS INTERVAL_MS [once]
 *
 *  The token comes as `hotline top` takes it: the file $HOTLINE_TOKEN_FILE
 *  or else $HOTLINE_TOKEN.
 */
#include "hl_secret.h"
#include "hl_top.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Exit status 0 when hl_top_run succeeded, 1 otherwise, 2 on usage.
int
main (int argc, char **argv)
{
    if (argc < 3) {
        fprintf (stderr, "usage: top_driver ADDRESS INTERVAL_MS [once]\n");
        return 2;
    }
    char err[256];
    char *token = hl_secret_load (getenv ("HOTLINE_TOKEN_FILE"), "HOTLINE_TOKEN", err, sizeof err);
    if (!token) {
        fprintf (stderr, "top_driver: %s\n", err);
        return 2;
    }
    int once = argc > 3 && strcmp (argv[3], "once") == 0;
    int rc = hl_top_run (argv[1], token, atoi (argv[2]), once) == 0 ? 0 : 1;
    hl_secret_free (&token);
    return rc;
}
