/*  hl_console: interactive mode. See hl_console.h. */
#include "hl_console.h"
#include "hl_action.h"
#include "hl_buf.h"
#include "hl_lines.h"
#include "hl_report.h"
#include "hl_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_MAX_INPUT 8192
#define S_WAIT_MS 500

typedef struct {
    hl_worker_t *worker;
    const char *endpoint;
    int json;
    int prompt;                      //  a person at a terminal: show "> "
    int need_prompt;
    unsigned sessions;               //  sessions already announced
    int quit;
} s_console_t;

static const char *s_help =
    "commands:\n"
    "  list [STATE] [LIMIT]          the unit's open tickets (STATE: dispatched, signed,\n"
    "                                in_progress, returned, replied, ...)\n"
    "  show TICKET                   one ticket with its history\n"
    "  sign TICKET                   签收\n"
    "  return TICKET REASON NOTE     退单; REASON: wrong_area (属地不符), not_our_duty\n"
    "                                (非本单位职责), overlapping_duties (职责交叉), other\n"
    "  progress TICKET NOTE          办理进展\n"
    "  extend TICKET DAYS NOTE       延期申请, DAYS in working days\n"
    "  reply TICKET NOTE             答复 (the answer the caller receives)\n"
    "  help                          this text\n"
    "  quit                          leave (tickets not signed go back to the unit)\n"
    "NOTE is the rest of the line.";

//  Tells the person (or script) that a command could not be understood.
static void
s_complain (s_console_t *c, const char *fmt, ...)
{
    char message[400];
    va_list args;
    va_start (args, fmt);
    vsnprintf (message, sizeof message, fmt, args);
    va_end (args);
    if (c->json) {
        hl_buf_t b = HL_BUF_INIT;
        hl_buf_puts (&b, "{");
        hl_json_kv_str (&b, "event", "error", 5, 1);
        hl_json_kv_str (&b, "code", "usage", 5, 0);
        hl_json_kv_str (&b, "message", message, strlen (message), 0);
        hl_buf_puts (&b, "}");
        printf ("%s\n", b.data);
        hl_buf_free (&b);
    }
    else
        printf ("%s\n", message);
    fflush (stdout);
}

//  Cuts the next blank-separated word off *P (NULL if none).
static char *
s_word (char **p)
{
    char *s = *p;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    char *word = s;
    while (*s && *s != ' ' && *s != '\t')
        s++;
    if (*s)
        *s++ = 0;
    *p = s;
    return word;
}

//  The rest of the line without surrounding blanks.
static char *
s_rest (char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen (p);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        p[--n] = 0;
    return p;
}

//  Parses a positive whole number (digits only); 0 if it is not one.
static unsigned
s_number (const char *word)
{
    if (!word || !*word || strspn (word, "0123456789") != strlen (word) || strlen (word) > 6)
        return 0;
    return (unsigned) atoi (word);
}

static void
s_list (s_console_t *c, char *args)
{
    char *first = s_word (&args), *second = s_word (&args);
    const char *state = NULL;
    unsigned limit = 0;
    if (first && s_number (first))
        limit = s_number (first);
    else {
        state = first;
        limit = second ? s_number (second) : 0;
        if (second && !limit) {
            s_complain (c, "list: LIMIT must be a number from 1 to 500");
            return;
        }
    }
    hl_worker_list_t *list = NULL;
    int rc = hl_worker_list (c->worker, state, limit, &list);
    if (rc == 0)
        hl_report_list (c->json, list);
    else
        hl_report_action (c->json, "-", "list", rc, c->worker);
    hl_worker_list_destroy (&list);
}

static void
s_show (s_console_t *c, char *args)
{
    char *ticket = s_word (&args);
    if (!ticket || *s_rest (args)) {
        s_complain (c, "usage: show TICKET");
        return;
    }
    hl_worker_ticket_t *t = NULL;
    int rc = hl_worker_show (c->worker, ticket, &t);
    if (rc == 0)
        hl_report_ticket (c->json, t);
    else
        hl_report_action (c->json, ticket, "show", rc, c->worker);
    hl_worker_ticket_destroy (&t);
}

//  sign / return / progress / extend / reply.
static void
s_act (s_console_t *c, hl_action_kind_t kind, const char *usage, char *args)
{
    char err[300];
    char *ticket = s_word (&args), *reason = NULL, *days = NULL;
    if (kind == HL_ACTION_RETURN)
        reason = s_word (&args);
    if (kind == HL_ACTION_EXTENSION)
        days = s_word (&args);
    char *note = s_rest (args);
    if (!ticket || (kind == HL_ACTION_SIGN && *note)) {
        s_complain (c, "usage: %s", usage);
        return;
    }
    if (days && !s_number (days)) {
        s_complain (c, "extend: DAYS must be a number of working days (usage: %s)", usage);
        return;
    }
    hl_action_t action = HL_ACTION_INIT;
    if (hl_action_set (&action, kind, reason, days ? s_number (days) : 0,
                       *note ? note : NULL, err, sizeof err) != 0) {
        s_complain (c, "%s (usage: %s)", err, usage);
        return;
    }
    int rc = hl_action_apply (&action, c->worker, ticket);
    hl_report_action (c->json, ticket, hl_action_name (kind), rc, c->worker);
    hl_action_clear (&action);
}

//  Runs one typed command.
static void
s_command (s_console_t *c, char *line)
{
    if (hl_text_check (line, strlen (line), HL_TEXT_MULTILINE, NULL) != HL_TEXT_OK) {
        s_complain (c, "the line is not valid UTF-8 text (is the terminal set to UTF-8?)");
        return;
    }
    char *verb = s_word (&line);
    if (!verb || verb[0] == '#')
        return;
    if (strcmp (verb, "help") == 0 || strcmp (verb, "?") == 0) {
        if (c->json)
            s_complain (c, "%s", "commands: list [STATE] [LIMIT], show TICKET, sign TICKET, "
                        "return TICKET REASON NOTE, progress TICKET NOTE, "
                        "extend TICKET DAYS NOTE, reply TICKET NOTE, help, quit");
        else
            printf ("%s\n", s_help);
    }
    else
    if (strcmp (verb, "quit") == 0 || strcmp (verb, "exit") == 0)
        c->quit = 1;
    else
    if (strcmp (verb, "list") == 0)
        s_list (c, line);
    else
    if (strcmp (verb, "show") == 0)
        s_show (c, line);
    else
    if (strcmp (verb, "sign") == 0)
        s_act (c, HL_ACTION_SIGN, "sign TICKET", line);
    else
    if (strcmp (verb, "return") == 0)
        s_act (c, HL_ACTION_RETURN, "return TICKET REASON NOTE", line);
    else
    if (strcmp (verb, "progress") == 0)
        s_act (c, HL_ACTION_PROGRESS, "progress TICKET NOTE", line);
    else
    if (strcmp (verb, "extend") == 0)
        s_act (c, HL_ACTION_EXTENSION, "extend TICKET DAYS NOTE", line);
    else
    if (strcmp (verb, "reply") == 0)
        s_act (c, HL_ACTION_REPLY, "reply TICKET NOTE", line);
    else
        s_complain (c, "unknown command '%.40s': type help", verb);
    fflush (stdout);
}

//  Shows what arrived: a new session, delivered tickets. Returns 0, or a
//  negative code if hotlined refused the worker.
static int
s_show_news (s_console_t *c)
{
    if (hl_worker_sessions (c->worker) != c->sessions) {
        c->sessions = hl_worker_sessions (c->worker);
        hl_report_session (c->json, c->worker, c->endpoint);
        c->need_prompt = 1;
    }
    hl_worker_ticket_t *t = NULL;
    int rc;
    while ((rc = hl_worker_next (c->worker, 0, &t)) == 1) {
        hl_report_delivery (c->json, t);
        hl_worker_ticket_destroy (&t);
        c->need_prompt = 1;
    }
    if (rc == HL_WORKER_EREFUSED) {
        hl_report_error (c->json, rc, c->worker, NULL, NULL);
        return rc;
    }
    return 0;
}

//  Reads and runs the commands typed so far. Returns 0 at end of input.
static int
s_read_commands (s_console_t *c, hl_lines_t *lines)
{
    int open = hl_lines_read (lines);
    const char *line;
    size_t len;
    int too_long;
    while (!c->quit && hl_lines_next (lines, &line, &len, &too_long)) {
        if (too_long)
            s_complain (c, "line longer than %d bytes: ignored", S_MAX_INPUT);
        else {
            char *copy = strdup (line);
            if (!copy)
                abort ();
            s_command (c, copy);
            free (copy);
        }
        c->need_prompt = 1;
    }
    return open;
}

int
hl_console_run (hl_worker_t *worker, const char *endpoint, int json, volatile sig_atomic_t *stop)
{
    s_console_t c = { .worker = worker, .endpoint = endpoint, .json = json,
                      .prompt = !json && isatty (STDIN_FILENO) && isatty (STDOUT_FILENO),
                      .need_prompt = 1 };
    if (!json)
        printf ("hotline-worker for unit %s: type help for the commands\n", hl_worker_unit (worker));
    hl_lines_t *lines = hl_lines_new (STDIN_FILENO, S_MAX_INPUT);
    int rc = 0;
    while (!c.quit && !(stop && *stop)) {
        if ((rc = s_show_news (&c)) != 0)
            break;
        if (c.prompt && c.need_prompt) {
            printf ("> ");
            c.need_prompt = 0;
        }
        fflush (stdout);
        struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
        int prc = hl_worker_poll (worker, &pfd, 1, S_WAIT_MS);
        if (prc < 0 && prc != HL_WORKER_EINTR) {
            hl_report_error (json, prc, worker, NULL, NULL);
            rc = prc;
            break;
        }
        if (prc > 0 && s_read_commands (&c, lines) <= 0) {
            s_show_news (&c);
            break;                   //  end of input
        }
    }
    if (c.prompt)
        printf ("\n");
    fflush (stdout);
    hl_lines_destroy (&lines);
    return rc;
}
