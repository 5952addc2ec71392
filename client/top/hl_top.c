/*  hl_top: the terminal dashboard's loop. See hl_top.h. */
#include "hl_top.h"
#include "hl_top_frame.h"
#include "hl_top_http.h"
#include "hl_top_text.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define S_DEFAULT_ADDRESS "127.0.0.1:7180"

static volatile sig_atomic_t s_quit;
static volatile sig_atomic_t s_resized;

//  Ctrl-C, kill and hangup end the loop so the terminal is restored.
static void
s_on_quit (int sig)
{
    (void) sig;
    s_quit = 1;
}

//  A resized terminal: poll is interrupted and the frame redrawn at the new size.
static void
s_on_winch (int sig)
{
    (void) sig;
    s_resized = 1;
}

//  The terminal's size, else $COLUMNS/$LINES, else 80×24.
static void
s_size (int fd, int *cols, int *rows)
{
    struct winsize ws;
    *cols = 80;
    *rows = 24;
    if (ioctl (fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
        return;
    }
    const char *c = getenv ("COLUMNS"), *r = getenv ("LINES");
    if (c && atoi (c) > 0)
        *cols = atoi (c);
    if (r && atoi (r) > 0)
        *rows = atoi (r);
}

//  Reads every document of a frame. The first failure stops the round
//  (the others would fail the same way) and is described in ERR; the
//  figures already shown stay. Returns 0, S_UNREACHABLE, S_REFUSED or
//  S_BAD_REPLY.
enum { S_UNREACHABLE = -1, S_REFUSED = -2, S_BAD_REPLY = -3 };

static int
s_fetch (hl_top_http_t *http, hl_top_frame_t *frame, char *err, size_t errlen)
{
    hl_buf_t body = HL_BUF_INIT;
    int rc = 0;
    for (int s = 0; s < HL_TOP_SOURCES && rc == 0; s++) {
        const char *path = hl_top_frame_path ((hl_top_source_t) s);
        int status = 0;
        char why[200];
        if (hl_top_http_get (http, path, &status, &body, why, sizeof why) != 0) {
            snprintf (err, errlen, "cannot read hotlined: %s", why);
            rc = S_UNREACHABLE;
        }
        else
        if (status == 401) {
            snprintf (err, errlen, "the supervisor token was refused (401)");
            rc = S_REFUSED;
        }
        else
        if (status != 200) {
            snprintf (err, errlen, "%s: HTTP %d", path, status);
            rc = S_BAD_REPLY;
        }
        else
        if (hl_top_frame_set (frame, (hl_top_source_t) s, body.data, body.len, why, sizeof why) != 0) {
            snprintf (err, errlen, "%s: %s", path, why);
            rc = S_BAD_REPLY;
        }
    }
    hl_buf_free (&body);
    return rc;
}

//  The status line of a live frame: what is wrong in Chinese, the detail
//  as the program saw it.
static void
s_status (hl_top_frame_t *frame, int rc, const char *err)
{
    char line[400];
    if (rc == 0) {
        hl_top_frame_set_status (frame, NULL);
        return;
    }
    snprintf (line, sizeof line, "%s — %s",
              rc == S_REFUSED ? "令牌被拒绝，请检查 supervisor.token"
              : rc == S_UNREACHABLE ? "连接中断，重试中" : "数据异常，重试中", err);
    hl_top_frame_set_status (frame, line);
}

//  A frame is written whole, even when write() takes it in parts.
static void
s_write_all (int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write (fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        data += n;
        len -= (size_t) n;
    }
}

//  Redraws in place: home, each line followed by clear-to-end-of-line,
//  then clear below, so nothing flickers and nothing stale remains.
static void
s_draw (hl_top_frame_t *frame)
{
    int cols, rows;
    s_size (STDOUT_FILENO, &cols, &rows);
    hl_buf_t text = HL_BUF_INIT, screen = HL_BUF_INIT;
    hl_top_frame_render (frame, cols, rows, &text);
    hl_buf_puts (&screen, "\033[H");
    const char *p = text.data ? text.data : "";
    int line = 0;
    while (*p) {
        const char *nl = strchr (p, '\n');
        size_t n = nl ? (size_t) (nl - p) : strlen (p);
        hl_buf_append (&screen, p, n);
        hl_buf_puts (&screen, "\033[K");
        p += n + (nl ? 1 : 0);
        if (*p && ++line < rows)
            hl_buf_puts (&screen, "\r\n");
    }
    hl_buf_puts (&screen, "\033[J");
    s_write_all (STDOUT_FILENO, screen.data, screen.len);
    hl_buf_free (&text);
    hl_buf_free (&screen);
}

//  One frame for scripts: plain text, no control codes, and a clear
//  failure when hotlined cannot be read.
static int
s_once (hl_top_http_t *http, hl_top_frame_t *frame)
{
    char err[300];
    if (s_fetch (http, frame, err, sizeof err) != 0) {
        fprintf (stderr, "hotline top: %s\n", err);
        return -1;
    }
    int cols, rows;
    s_size (STDOUT_FILENO, &cols, &rows);
    hl_buf_t text = HL_BUF_INIT;
    hl_top_frame_render (frame, cols, rows, &text);
    s_write_all (STDOUT_FILENO, text.data ? text.data : "", text.len);
    hl_buf_free (&text);
    return 0;
}

//  Live: raw keys (no echo, no line buffering; Ctrl-C still a signal),
//  the alternate screen, a hidden cursor; all undone on the way out.
static int
s_live (hl_top_http_t *http, hl_top_frame_t *frame, int interval_ms)
{
    struct termios saved, raw;
    int keys = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &saved) == 0;
    if (keys) {
        raw = saved;
        raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
        raw.c_cc[VMIN] = 1;
        raw.c_cc[VTIME] = 0;
        tcsetattr (STDIN_FILENO, TCSANOW, &raw);
    }
    struct sigaction sa = { 0 }, old_int, old_term, old_winch, old_hup;
    sa.sa_handler = s_on_quit;
    sigemptyset (&sa.sa_mask);
    sigaction (SIGINT, &sa, &old_int);
    sigaction (SIGTERM, &sa, &old_term);
    sigaction (SIGHUP, &sa, &old_hup);
    sa.sa_handler = s_on_winch;
    sigaction (SIGWINCH, &sa, &old_winch);
    s_quit = 0;
    s_resized = 0;
    const char *enter = "\033[?1049h\033[?25l\033[H\033[2J";
    s_write_all (STDOUT_FILENO, enter, strlen (enter));

    int fetch = 1;
    while (!s_quit) {
        if (fetch) {
            char err[300];
            int rc = s_fetch (http, frame, err, sizeof err);
            s_status (frame, rc, err);
            fetch = 0;
        }
        s_draw (frame);
        struct pollfd p = { keys ? STDIN_FILENO : -1, POLLIN, 0 };
        int rc = poll (&p, 1, interval_ms);
        if (rc == 0) {
            fetch = 1;
            continue;
        }
        if (rc < 0) {
            s_resized = 0;       //  a signal: redraw (or quit) at once
            continue;
        }
        char c;
        if (read (STDIN_FILENO, &c, 1) != 1) {
            keys = 0;            //  stdin closed: no more keys, go on showing
            continue;
        }
        if (c == 'q' || c == 'Q')
            break;
        if (c == 's' || c == 'S')
            hl_top_frame_next_sort (frame);
        if (c == 'r' || c == 'R')
            fetch = 1;
    }
    const char *leave = "\033[?25h\033[?1049l";
    s_write_all (STDOUT_FILENO, leave, strlen (leave));
    sigaction (SIGINT, &old_int, NULL);
    sigaction (SIGTERM, &old_term, NULL);
    sigaction (SIGHUP, &old_hup, NULL);
    sigaction (SIGWINCH, &old_winch, NULL);
    if (keys)
        tcsetattr (STDIN_FILENO, TCSANOW, &saved);
    return 0;
}

//  Sets up the client and the frame, and leaves the process's locale as
//  it found it.
int
hl_top_run (const char *http_address, const char *token, int interval_ms, int once)
{
    char err[300];
    if (interval_ms <= 0)
        interval_ms = 2000;
    if (interval_ms < 500)
        interval_ms = 500;
    int timeout = interval_ms < 3000 ? 3000 : interval_ms;
    hl_top_http_t *http = hl_top_http_new (http_address && *http_address ? http_address
                                           : S_DEFAULT_ADDRESS, token, timeout, err, sizeof err);
    if (!http) {
        fprintf (stderr, "hotline top: %s\n", err);
        return -1;
    }
    char locale[128];
    int utf8 = hl_top_text_utf8_locale (locale, sizeof locale) == 0;
    hl_top_frame_t *frame = hl_top_frame_new ();
    hl_top_frame_set_interval (frame, once ? 0 : interval_ms);
    int rc = once ? s_once (http, frame) : s_live (http, frame, interval_ms);
    hl_top_frame_destroy (&frame);
    hl_top_http_destroy (&http);
    if (utf8)
        hl_top_text_restore_locale (locale);
    return rc;
}
