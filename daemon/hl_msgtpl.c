/*  hl_msgtpl: message templates. See hl_msgtpl.h. */
#include "hl_msgtpl.h"
#include "hl_conf.h"
#include "hl_text.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Longest template text, in bytes (a long SMS is split by the gateway;
//  this only stops a runaway line).
#define S_TEXT_MAX 1024

//  The placeholders, and which events have each (a bit per event).
static const struct {
    const char *name;
    unsigned events;
} s_vars[] = {
    { "ticket", 1u << HL_MSGTPL_ACCEPTANCE | 1u << HL_MSGTPL_REPLY | 1u << HL_MSGTPL_VISIT },
    { "reply", 1u << HL_MSGTPL_REPLY },
    { "link", 1u << HL_MSGTPL_REPLY | 1u << HL_MSGTPL_VISIT },
};
#define S_VARS (sizeof s_vars / sizeof s_vars[0])

static const char *const s_events[HL_MSGTPL_EVENTS] = { "acceptance", "reply", "visit" };

struct hl_msgtpl {
    char *text[HL_MSGTPL_EVENTS];
};

const char *
hl_msgtpl_event_name (hl_msgtpl_event_t event)
{
    assert (event < HL_MSGTPL_EVENTS);
    return s_events[event];
}

//  The placeholder named at P (LEN bytes between the braces): its index,
//  or -1.
static int
s_var (const char *p, size_t len)
{
    for (size_t i = 0; i < S_VARS; i++)
        if (strlen (s_vars[i].name) == len && memcmp (s_vars[i].name, p, len) == 0)
            return (int) i;
    return -1;
}

//  Whether TEXT is a usable template of EVENT; if not, why in ERR.
static int
s_check_text (hl_msgtpl_event_t event, const char *text, char *err, size_t errlen)
{
    size_t len = strlen (text);
    if (len == 0 || len > S_TEXT_MAX) {
        snprintf (err, errlen, "%s: the text is empty or longer than %d bytes", s_events[event],
                  S_TEXT_MAX);
        return -1;
    }
    if (hl_text_check (text, len, 0, NULL) != HL_TEXT_OK) {
        snprintf (err, errlen, "%s: the text is not UTF-8 without control characters",
                  s_events[event]);
        return -1;
    }
    for (const char *p = text; (p = strpbrk (p, "{}")) != NULL; ) {
        const char *close = *p == '{' ? strchr (p, '}') : NULL;
        const char *reopen = close ? memchr (p + 1, '{', (size_t) (close - p - 1)) : NULL;
        if (!close || reopen) {
            snprintf (err, errlen, "%s: a brace not closed or not opened; placeholders are "
                      "{ticket}, {reply}, {link}", s_events[event]);
            return -1;
        }
        int v = s_var (p + 1, (size_t) (close - p - 1));
        if (v < 0 || !(s_vars[v].events & 1u << event)) {
            snprintf (err, errlen, "%s: {%.*s} is not a placeholder of this event",
                      s_events[event], (int) (close - p - 1), p + 1);
            return -1;
        }
        p = close + 1;
    }
    return 0;
}

//  One line: "EVENT TEXT".
static int
s_on_line (const char *section, const char *key, const char *value, void *arg, char *err,
           size_t errlen)
{
    (void) section;
    hl_msgtpl_t *self = arg;
    for (int e = 0; e < HL_MSGTPL_EVENTS; e++) {
        if (strcmp (key, s_events[e]) != 0)
            continue;
        if (self->text[e]) {
            snprintf (err, errlen, "%s: given twice", key);
            return -1;
        }
        if (s_check_text ((hl_msgtpl_event_t) e, value, err, errlen) != 0)
            return -1;
        self->text[e] = strdup (value);
        if (!self->text[e])
            abort ();
        return 0;
    }
    snprintf (err, errlen, "%.60s: not an event (acceptance, reply, visit)", key);
    return -1;
}

hl_msgtpl_t *
hl_msgtpl_parse (const char *name, const char *text, char *err, size_t errlen)
{
    assert (name && text);
    hl_msgtpl_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (hl_conf_parse_text (name, text, s_on_line, self, err, errlen) != 0) {
        hl_msgtpl_destroy (&self);
        return NULL;
    }
    for (int e = 0; e < HL_MSGTPL_EVENTS; e++)
        if (!self->text[e]) {
            snprintf (err, errlen, "%s: no template for %s", name, s_events[e]);
            hl_msgtpl_destroy (&self);
            return NULL;
        }
    return self;
}

hl_msgtpl_t *
hl_msgtpl_load (const char *path, char *err, size_t errlen)
{
    char *text = hl_conf_read (path, err, errlen);
    if (!text)
        return NULL;
    hl_msgtpl_t *self = hl_msgtpl_parse (path, text, err, errlen);
    free (text);
    return self;
}

void
hl_msgtpl_destroy (hl_msgtpl_t **self_p)
{
    assert (self_p);
    hl_msgtpl_t *self = *self_p;
    if (!self)
        return;
    for (int e = 0; e < HL_MSGTPL_EVENTS; e++)
        free (self->text[e]);
    free (self);
    *self_p = NULL;
}

void
hl_msgtpl_render (const hl_msgtpl_t *self, hl_msgtpl_event_t event,
                  const hl_msgtpl_vars_t *vars, hl_buf_t *out)
{
    assert (self && event < HL_MSGTPL_EVENTS && vars && out);
    const char *values[S_VARS] = { vars->ticket, vars->reply, vars->link };
    const char *p = self->text[event];
    for (const char *open; (open = strchr (p, '{')) != NULL; ) {
        const char *close = strchr (open, '}');
        assert (close);                  //  checked at load
        hl_buf_append (out, p, (size_t) (open - p));
        int v = s_var (open + 1, (size_t) (close - open - 1));
        assert (v >= 0);
        if (values[v])
            hl_buf_puts (out, values[v]);
        p = close + 1;
    }
    hl_buf_puts (out, p);
}
