/*  hotline-agent: the 12345 agent's full-screen terminal.
 *
 *      hotline-agent [--endpoint E] [--agent ID] [--caller NUMBER] [--call-id REF]
 *                    [--codes FILE] [--dispatch FILE] [--debounce MS]
 *                    [--timeout SEC] [--trace FILE]
 *
 *  Takes a call from the caller's number to a stored ticket: caller's
 *  history and repeat-caller warning, ticket form with searchable
 *  pickers, knowledge-base suggestions and direct answers, dispatch,
 *  emergency transfer, out of scope, merge into a similar ticket; lookup
 *  of any ticket and the follow-up visit. Needs a UTF-8 locale.
 */
#include "hl_tui_app.h"

#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
        "usage: hotline-agent [options]\n"
        "  --endpoint E     hotlined intake endpoint (HOTLINE_ENDPOINT, tcp://127.0.0.1:7101)\n"
        "  --agent ID       the agent's id; actions are taken as agent:ID (default $USER)\n"
        "  --caller NUMBER  the caller's number, handed over by the phone channel\n"
        "  --call-id REF    the phone channel's call id, recorded on the ticket\n"
        "  --cti E          the phone system's PUB endpoint of incoming calls (HOTLINE_CTI):\n"
        "                   each call for this agent opens the form with its number\n"
        "  --codes FILE     category and area catalogue (deploy/etc/codes.conf)\n"
        "  --dispatch FILE  dispatch catalogue, to show the unit before submitting\n"
        "                   (deploy/etc/dispatch.conf if present)\n"
        "  --debounce MS    pause in typing before knowledge-base search (60)\n"
        "  --timeout SEC    how long a submit waits for hotlined to confirm (3)\n"
        "  --trace FILE     append figures: keys and round trips per call,\n"
        "                   keystroke-to-suggestion times\n"
        "Where the intake speaks CURVE, HOTLINE_KEY_FILE is the agent's key pair (from\n"
        "`hotline keygen`; listed as agent:ID) and HOTLINE_SERVER_KEY hotlined's public key.\n"
        "Keys: F1 in the program.\n");
}

//  The program draws Chinese: it needs a UTF-8 locale. Tries the
//  environment's, then C.UTF-8.
static int
s_utf8_locale (void)
{
    if (setlocale (LC_ALL, "") && strcmp (nl_langinfo (CODESET), "UTF-8") == 0)
        return 0;
    if (setlocale (LC_ALL, "C.UTF-8") && strcmp (nl_langinfo (CODESET), "UTF-8") == 0)
        return 0;
    return -1;
}

int
main (int argc, char **argv)
{
    hl_tui_app_opts_t o = {
        .endpoint = getenv ("HOTLINE_ENDPOINT") ? getenv ("HOTLINE_ENDPOINT")
                                                : "tcp://127.0.0.1:7101",
        .agent = getenv ("USER") ? getenv ("USER") : "agent",
        .codes = "deploy/etc/codes.conf",
        .dispatch = access ("deploy/etc/dispatch.conf", R_OK) == 0
                  ? "deploy/etc/dispatch.conf" : NULL,
        .cti = getenv ("HOTLINE_CTI"),
        .debounce_ms = 60,
        .timeout_ms = 3000,
    };
    enum { O_ENDPOINT = 1, O_AGENT, O_CALLER, O_CALLID, O_CTI, O_CODES, O_DISPATCH, O_DEBOUNCE,
           O_TIMEOUT, O_TRACE, O_HELP };
    static const struct option longopts[] = {
        { "endpoint", 1, 0, O_ENDPOINT }, { "agent", 1, 0, O_AGENT },
        { "caller", 1, 0, O_CALLER }, { "call-id", 1, 0, O_CALLID }, { "cti", 1, 0, O_CTI },
        { "codes", 1, 0, O_CODES }, { "dispatch", 1, 0, O_DISPATCH },
        { "debounce", 1, 0, O_DEBOUNCE }, { "timeout", 1, 0, O_TIMEOUT },
        { "trace", 1, 0, O_TRACE }, { "help", 0, 0, O_HELP }, { 0, 0, 0, 0 }
    };
    int opt;
    while ((opt = getopt_long (argc, argv, "h", longopts, NULL)) != -1) {
        switch (opt) {
            case O_ENDPOINT: o.endpoint = optarg; break;
            case O_AGENT:    o.agent = optarg; break;
            case O_CALLER:   o.caller = optarg; break;
            case O_CALLID:   o.call_ref = optarg; break;
            case O_CTI:      o.cti = optarg; break;
            case O_CODES:    o.codes = optarg; break;
            case O_DISPATCH: o.dispatch = optarg; break;
            case O_DEBOUNCE: o.debounce_ms = atoi (optarg); break;
            case O_TIMEOUT:  o.timeout_ms = (int) (atof (optarg) * 1000); break;
            case O_TRACE:    o.trace = optarg; break;
            case O_HELP: case 'h': s_usage (stdout); return 0;
            default:         s_usage (stderr); return 1;
        }
    }
    if (optind < argc || o.debounce_ms < 0 || o.debounce_ms > 5000 || o.timeout_ms < 100
        || !*o.agent) {
        s_usage (stderr);
        return 1;
    }
    if (s_utf8_locale () != 0) {
        fprintf (stderr, "hotline-agent: needs a UTF-8 locale (e.g. LANG=C.UTF-8)\n");
        return 1;
    }
    if (!isatty (0) || !isatty (1)) {
        fprintf (stderr, "hotline-agent: needs a terminal\n");
        return 1;
    }
    char err[512];
    hl_curve_client_t keys;
    int curve = hl_curve_client_from_env (&keys, err, sizeof err);
    if (curve < 0) {
        fprintf (stderr, "hotline-agent: %s\n", err);
        return 1;
    }
    o.keys = curve ? &keys : NULL;
    hl_tui_app_t *app = hl_tui_app_new (&o, err, sizeof err);
    if (!app) {
        fprintf (stderr, "hotline-agent: %s\n", err);
        return 1;
    }
    int rc = hl_tui_app_run (app);
    hl_tui_app_destroy (&app);
    if (rc != 0) {
        fprintf (stderr, "hotline-agent: cannot use this terminal (TERM=%s)\n",
                 getenv ("TERM") ? getenv ("TERM") : "");
        return 1;
    }
    return 0;
}
