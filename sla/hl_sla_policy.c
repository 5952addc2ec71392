/*  hl_sla_policy: SLA profiles and deadline computation. See
 *  hl_sla_policy.h; the file format is described in docs/sla.md and at
 *  the top of deploy/etc/sla.conf.
 */
#include "hl_sla_policy.h"
#include "hl_sla_conf.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MINUTE_MS INT64_C (60000)
#define S_HOUR_MS   INT64_C (3600000)
#define S_DAY_MS    INT64_C (86400000)

//  A profile as the file defines it. A limit line may name its own day-1
//  convention; otherwise the profile's applies (day1_of is -1).
typedef struct {
    char name[HL_SLA_NAME_MAX];
    unsigned line;                      //  where the profile starts
    hl_calendar_day1_t day1;
    int warn_pct;
    hl_sla_limit_t escalate;
    hl_sla_limit_t limit[HL_SLA_MILESTONES][HL_SLA_TYPES];
    int8_t day1_of[HL_SLA_MILESTONES][HL_SLA_TYPES];
    bool set[HL_SLA_MILESTONES][HL_SLA_TYPES];
} s_profile_t;

//  A select line: conditions (-1 or "" for any) and the profile it picks.
typedef struct {
    char profile_name[HL_SLA_NAME_MAX];
    size_t profile;                     //  index, resolved after parsing
    int urgent;
    int enterprise;
    char tag[HL_SLA_NAME_MAX];
    unsigned line;
    bool unconditional;
} s_select_t;

//  A whole parsed policy; immutable once installed.
typedef struct {
    s_profile_t *profiles;
    size_t nprofiles;
    s_select_t *selects;
    size_t nselects;
} s_rules_t;

struct _hl_sla_policy_t {
    s_rules_t *rules;                   //  NULL until the first load
    uint64_t generation;
};

static const struct {
    const char *name;
    const char *label;
} s_types[HL_SLA_TYPES] = {
    { "inquiry", "咨询" }, { "help", "求助" }, { "complaint", "投诉" },
    { "report", "举报" }, { "suggestion", "建议" }, { "thanks", "感谢" },
    { "other", "其他" },
}, s_milestones[HL_SLA_MILESTONES] = {
    { "sign", "签收" }, { "contact", "响应" }, { "reply", "答复" }, { "visit", "回访" },
};

//  Unit suffixes, indexed by hl_sla_unit_t.
static const char *s_units[] = { "-", "min", "h", "d", "wmin", "wh", "wd" };


//  --------------------------------------------------------------------------
//  Names and limits

const char *
hl_sla_type_name (hl_sla_type_t type)
{
    assert ((unsigned) type < HL_SLA_TYPES);
    return s_types[type].name;
}

const char *
hl_sla_type_label (hl_sla_type_t type)
{
    assert ((unsigned) type < HL_SLA_TYPES);
    return s_types[type].label;
}

int
hl_sla_type_parse (const char *text)
{
    assert (text);
    for (int i = 0; i < HL_SLA_TYPES; i++)
        if (strcmp (text, s_types[i].name) == 0 || strcmp (text, s_types[i].label) == 0)
            return i;
    return -1;
}

const char *
hl_sla_milestone_name (hl_sla_milestone_t milestone)
{
    assert ((unsigned) milestone < HL_SLA_MILESTONES);
    return s_milestones[milestone].name;
}

const char *
hl_sla_milestone_label (hl_sla_milestone_t milestone)
{
    assert ((unsigned) milestone < HL_SLA_MILESTONES);
    return s_milestones[milestone].label;
}

int
hl_sla_milestone_parse (const char *text)
{
    assert (text);
    for (int i = 0; i < HL_SLA_MILESTONES; i++)
        if (strcmp (text, s_milestones[i].name) == 0
        ||  strcmp (text, s_milestones[i].label) == 0)
            return i;
    return -1;
}

int
hl_sla_limit_parse (const char *text, hl_sla_limit_t *limit)
{
    assert (text && limit);
    if (strcmp (text, "-") == 0) {
        *limit = (hl_sla_limit_t) { HL_SLA_NONE, 0 };
        return 0;
    }
    int32_t amount = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9' && amount <= HL_SLA_AMOUNT_MAX; p++)
        amount = amount * 10 + (*p - '0');
    if (p == text || amount < 1 || amount > HL_SLA_AMOUNT_MAX)
        return -1;
    for (int unit = HL_SLA_CLOCK_MINUTES; unit <= HL_SLA_WORKING_DAYS; unit++)
        if (strcmp (p, s_units[unit]) == 0) {
            *limit = (hl_sla_limit_t) { (hl_sla_unit_t) unit, amount };
            return 0;
        }
    return -1;
}

char *
hl_sla_limit_format (hl_sla_limit_t limit, char *buf, size_t buflen)
{
    assert (buf && buflen);
    assert ((unsigned) limit.unit <= HL_SLA_WORKING_DAYS);
    if (limit.unit == HL_SLA_NONE)
        snprintf (buf, buflen, "-");
    else
        snprintf (buf, buflen, "%d%s", (int) limit.amount, s_units[limit.unit]);
    return buf;
}


//  --------------------------------------------------------------------------
//  Deadline arithmetic

static bool
s_working_unit (hl_sla_unit_t unit)
{
    return unit >= HL_SLA_WORKING_MINUTES;
}

//  Time in [FROM, TO) in the limit's own time: working or clock.
static int64_t
s_between (hl_calendar_t *cal, bool working, int64_t from, int64_t to, unsigned *flags)
{
    return working ? hl_calendar_working_between (cal, from, to, flags) : to - from;
}

static int64_t
s_add (hl_calendar_t *cal, bool working, int64_t t, int64_t ms, unsigned *flags)
{
    return working ? hl_calendar_add_working_ms (cal, t, ms, flags) : t + ms;
}

//  Where the clock of LIMIT starts for receipt at T (*ORIGIN) and where
//  it would end with no pause (*END). Day units start at day 1 (never
//  before receipt) and end with day N; the others run from T.
static void
s_span (hl_calendar_t *cal, hl_sla_limit_t limit, hl_calendar_day1_t day1, int64_t t,
        int64_t *origin, int64_t *end, unsigned *flags)
{
    int64_t n = limit.amount;
    *origin = t;
    switch (limit.unit) {
        case HL_SLA_CLOCK_MINUTES:
            *end = t + n * S_MINUTE_MS;
            break;
        case HL_SLA_CLOCK_HOURS:
            *end = t + n * S_HOUR_MS;
            break;
        case HL_SLA_CALENDAR_DAYS:
            if (day1 == HL_CALENDAR_DAY1_NEXT)
                *origin = hl_calendar_midnight (t) + S_DAY_MS;
            *end = hl_calendar_add_calendar_days (t, n, day1);
            break;
        case HL_SLA_WORKING_MINUTES:
            *end = hl_calendar_add_working_minutes (cal, t, n, flags);
            break;
        case HL_SLA_WORKING_HOURS:
            *end = hl_calendar_add_working_hours (cal, t, n, flags);
            break;
        case HL_SLA_WORKING_DAYS: {
            int64_t open = hl_calendar_day1_open (cal, t, day1, flags);
            *origin = open > t ? open : t;
            *end = hl_calendar_add_working_days (cal, t, n, day1, flags);
            break;
        }
        default:
            assert (!"s_span: no limit");
    }
}

static int
s_pause_cmp (const void *a, const void *b)
{
    const hl_sla_pause_t *pa = a, *pb = b;
    return (pa->from_ms > pb->from_ms) - (pa->from_ms < pb->from_ms);
}

//  Copy PAUSES into OUT sorted and merged, so that overlapping records
//  (a pause for material during a return review) stop the clock once.
//  Returns the number kept.
static size_t
s_merge_pauses (const hl_sla_pause_t *pauses, size_t npauses, hl_sla_pause_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < npauses; i++)
        if (pauses[i].to_ms > pauses[i].from_ms)
            out[n++] = pauses[i];
    if (n == 0)
        return 0;
    qsort (out, n, sizeof *out, s_pause_cmp);
    size_t kept = 1;
    for (size_t i = 1; i < n; i++) {
        hl_sla_pause_t *last = &out[kept - 1];
        if (out[i].from_ms <= last->to_ms) {
            if (out[i].to_ms > last->to_ms)
                last->to_ms = out[i].to_ms;
        }
        else
            out[kept++] = out[i];
    }
    return kept;
}

//  The moment BUDGET of running time has passed since ORIGIN, the clock
//  standing still during the merged PAUSES; HL_SLA_NEVER if an open pause
//  stops it first. Adds the time taken out by pauses to *PAUSED.
static int64_t
s_run (hl_calendar_t *cal, bool working, int64_t origin, int64_t budget,
       const hl_sla_pause_t *pauses, size_t npauses, int64_t *paused, unsigned *flags)
{
    int64_t t = origin;
    for (size_t i = 0; i < npauses; i++) {
        if (pauses[i].to_ms <= t)
            continue;
        int64_t from = pauses[i].from_ms > t ? pauses[i].from_ms : t;
        int64_t ran = s_between (cal, working, t, from, flags);
        if (ran >= budget)
            break;
        budget -= ran;
        if (pauses[i].to_ms == HL_SLA_OPEN)
            return HL_SLA_NEVER;
        *paused += s_between (cal, working, from, pauses[i].to_ms, flags);
        t = pauses[i].to_ms;
    }
    return s_add (cal, working, t, budget, flags);
}

void
hl_sla_rule_compute (const hl_sla_rule_t *rule, hl_calendar_t *calendar,
                     int64_t start_ms, const hl_sla_pause_t *pauses,
                     size_t npauses, hl_sla_deadline_t *deadline)
{
    assert (rule && calendar && deadline);
    assert (pauses || npauses == 0);
    assert (rule->warn_pct >= 0 && rule->warn_pct < 100);
    *deadline = (hl_sla_deadline_t) {
        start_ms, HL_SLA_NEVER, HL_SLA_NEVER, HL_SLA_NEVER, 0, 0
    };
    if (rule->limit.unit == HL_SLA_NONE) {
        deadline->flags = HL_SLA_NO_LIMIT;
        return;
    }
    bool working = s_working_unit (rule->limit.unit);
    unsigned flags = working ? HL_SLA_WORKING : 0;
    int64_t end;
    s_span (calendar, rule->limit, rule->day1, start_ms, &deadline->start_ms, &end, &flags);
    int64_t budget = s_between (calendar, working, deadline->start_ms, end, &flags);

    hl_sla_pause_t *merged = npauses ? malloc (npauses * sizeof *merged) : NULL;
    if (npauses && !merged)
        abort ();
    size_t nmerged = s_merge_pauses (pauses, npauses, merged);
    deadline->due_ms = s_run (calendar, working, deadline->start_ms, budget,
                              merged, nmerged, &deadline->paused_ms, &flags);
    if (rule->warn_pct) {
        int64_t ignored = 0;
        deadline->warn_ms = s_run (calendar, working, deadline->start_ms,
                                   budget * rule->warn_pct / 100,
                                   merged, nmerged, &ignored, &flags);
    }
    free (merged);

    if (deadline->due_ms == HL_SLA_NEVER)
        flags |= HL_SLA_PAUSED;
    else
    if (rule->escalate.unit != HL_SLA_NONE) {
        int64_t ignored;
        s_span (calendar, rule->escalate, rule->day1, deadline->due_ms,
                &ignored, &deadline->escalate_ms, &flags);
    }
    deadline->flags = flags;
}

int64_t
hl_sla_time_left (const hl_sla_deadline_t *deadline, hl_calendar_t *calendar,
                  int64_t now_ms)
{
    assert (deadline && calendar);
    if (deadline->due_ms == HL_SLA_NEVER)
        return HL_SLA_NEVER;
    return s_between (calendar, (deadline->flags & HL_SLA_WORKING) != 0,
                      now_ms, deadline->due_ms, NULL);
}


//  --------------------------------------------------------------------------
//  Policy file parsing

typedef struct {
    s_rules_t *rules;
    hl_sla_conf_t *conf;
    s_profile_t *profile;               //  block being read, or NULL
    char *err;
    size_t errlen;
} s_parser_t;

static void
s_rules_destroy (s_rules_t **rules_p)
{
    s_rules_t *rules = *rules_p;
    if (rules) {
        free (rules->profiles);
        free (rules->selects);
        free (rules);
        *rules_p = NULL;
    }
}

//  Profile names and tags: 1 to 31 of [A-Za-z0-9_-], so that they print
//  and compare without surprises.
static bool
s_valid_name (const char *name)
{
    size_t len = strlen (name);
    if (len == 0 || len >= HL_SLA_NAME_MAX)
        return false;
    return strspn (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_-") == len;
}

static int
s_parse_day1 (const char *text)
{
    if (strcmp (text, "receipt") == 0)
        return HL_CALENDAR_DAY1_RECEIPT;
    if (strcmp (text, "next") == 0)
        return HL_CALENDAR_DAY1_NEXT;
    return -1;
}

static s_profile_t *
s_find_profile (s_rules_t *rules, const char *name)
{
    for (size_t i = 0; i < rules->nprofiles; i++)
        if (strcmp (rules->profiles[i].name, name) == 0)
            return &rules->profiles[i];
    return NULL;
}

//  "profile NAME" opens a block; the defaults are day1 next, warn 75%,
//  no escalation.
static int
s_do_profile (s_parser_t *p, char **word, int n)
{
    if (n != 2 || !s_valid_name (word[1]))
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "expected 'profile NAME' (letters, digits, '-', '_'; "
                                  "at most %d)", HL_SLA_NAME_MAX - 1);
    s_profile_t *other = s_find_profile (p->rules, word[1]);
    if (other)
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "profile '%s' is already defined on line %u",
                                  word[1], other->line);
    s_rules_t *rules = p->rules;
    rules->profiles = realloc (rules->profiles,
                               (rules->nprofiles + 1) * sizeof *rules->profiles);
    if (!rules->profiles)
        abort ();
    s_profile_t *profile = &rules->profiles[rules->nprofiles++];
    memset (profile, 0, sizeof *profile);
    strcpy (profile->name, word[1]);
    profile->line = hl_sla_conf_line (p->conf);
    profile->day1 = HL_CALENDAR_DAY1_NEXT;
    profile->warn_pct = 75;
    memset (profile->day1_of, -1, sizeof profile->day1_of);
    p->profile = profile;
    return 0;
}

//  "day1 receipt|next", "warn N%|-", "escalate LIMIT|-" inside a profile.
static int
s_do_setting (s_parser_t *p, char **word, int n)
{
    s_profile_t *profile = p->profile;
    if (n != 2)
        return hl_sla_conf_error (p->conf, p->err, p->errlen, "'%s' takes one value", word[0]);
    if (strcmp (word[0], "day1") == 0) {
        int day1 = s_parse_day1 (word[1]);
        if (day1 < 0)
            return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                      "day1 is 'receipt' or 'next', not '%s'", word[1]);
        profile->day1 = (hl_calendar_day1_t) day1;
    }
    else
    if (strcmp (word[0], "warn") == 0) {
        long pct = 0;
        if (strcmp (word[1], "-") != 0) {
            char *end;
            pct = strtol (word[1], &end, 10);
            if (end == word[1] || strcmp (end, "%") != 0 || pct < 1 || pct > 99)
                return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                          "warn is a share from 1%% to 99%%, or '-', not '%s'",
                                          word[1]);
        }
        profile->warn_pct = (int) pct;
    }
    else
    if (hl_sla_limit_parse (word[1], &profile->escalate))
        return hl_sla_conf_error (p->conf, p->err, p->errlen, "bad limit '%s' (e.g. 2wd, 8wh, "
                                  "90wmin, 3d, 24h, 30min or '-')", word[1]);
    return 0;
}

//  Parse a TYPES word: "*" or a comma-separated list of type names.
static int
s_parse_types (s_parser_t *p, const char *text, bool types[HL_SLA_TYPES])
{
    memset (types, 0, HL_SLA_TYPES * sizeof *types);
    if (strcmp (text, "*") == 0) {
        for (int i = 0; i < HL_SLA_TYPES; i++)
            types[i] = true;
        return 0;
    }
    char copy[HL_SLA_CONF_MAX_LINE + 1];
    snprintf (copy, sizeof copy, "%s", text);
    char *save = NULL;
    bool named = false;
    for (char *name = strtok_r (copy, ",", &save); name; name = strtok_r (NULL, ",", &save)) {
        int type = hl_sla_type_parse (name);
        if (type < 0)
            return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                      "unknown request type '%s' (inquiry, help, complaint, "
                                      "report, suggestion, thanks, other, or '*')", name);
        types[type] = true;
        named = true;
    }
    if (!named)
        return hl_sla_conf_error (p->conf, p->err, p->errlen, "no request type in '%s'", text);
    return 0;
}

//  "MILESTONE TYPES LIMIT [receipt|next]" inside a profile. Later lines
//  override earlier ones for the types they name.
static int
s_do_limit (s_parser_t *p, int milestone, char **word, int n)
{
    if (n < 3 || n > 4)
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "expected '%s TYPES LIMIT [receipt|next]'", word[0]);
    bool types[HL_SLA_TYPES];
    if (s_parse_types (p, word[1], types))
        return -1;
    hl_sla_limit_t limit;
    if (hl_sla_limit_parse (word[2], &limit))
        return hl_sla_conf_error (p->conf, p->err, p->errlen, "bad limit '%s' (e.g. 2wd, 8wh, "
                                  "90wmin, 3d, 24h, 30min or '-')", word[2]);
    int day1 = n == 4 ? s_parse_day1 (word[3]) : -1;
    if (n == 4 && day1 < 0)
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "day1 is 'receipt' or 'next', not '%s'", word[3]);
    for (int type = 0; type < HL_SLA_TYPES; type++)
        if (types[type]) {
            p->profile->limit[milestone][type] = limit;
            p->profile->day1_of[milestone][type] = (int8_t) day1;
            p->profile->set[milestone][type] = true;
        }
    return 0;
}

//  One "key=value" condition of a select line.
static int
s_parse_condition (s_parser_t *p, s_select_t *select, const char *cond)
{
    const char *eq = strchr (cond, '=');
    size_t keylen = eq ? (size_t) (eq - cond) : 0;
    const char *value = eq ? eq + 1 : "";
    int *flag = NULL;
    const char *no = NULL, *yes = NULL;
    if (keylen == 7 && strncmp (cond, "urgency", 7) == 0) {
        flag = &select->urgent;
        no = "normal";
        yes = "urgent";
    }
    else
    if (keylen == 10 && strncmp (cond, "enterprise", 10) == 0) {
        flag = &select->enterprise;
        no = "no";
        yes = "yes";
    }
    else
    if (keylen == 3 && strncmp (cond, "tag", 3) == 0) {
        if (*select->tag || !s_valid_name (value))
            return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                      "bad or repeated condition '%s'", cond);
        strcpy (select->tag, value);
        return 0;
    }
    else
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "unknown condition '%s' (urgency=normal|urgent, "
                                  "enterprise=yes|no, tag=NAME)", cond);
    if (*flag >= 0 || (strcmp (value, no) != 0 && strcmp (value, yes) != 0))
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "bad or repeated condition '%s' (%.*s=%s|%s)",
                                  cond, (int) keylen, cond, no, yes);
    *flag = strcmp (value, yes) == 0;
    return 0;
}

//  "select PROFILE [CONDITION...]" ends any profile block. Selects are
//  tried in order; the last must take every ticket, and nothing may
//  follow one that does.
static int
s_do_select (s_parser_t *p, char **word, int n)
{
    s_rules_t *rules = p->rules;
    p->profile = NULL;
    if (n < 2 || !s_valid_name (word[1]))
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "expected 'select PROFILE [CONDITION...]'");
    if (rules->nselects && rules->selects[rules->nselects - 1].unconditional)
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "select never reached: line %u already takes every ticket",
                                  rules->selects[rules->nselects - 1].line);
    rules->selects = realloc (rules->selects, (rules->nselects + 1) * sizeof *rules->selects);
    if (!rules->selects)
        abort ();
    s_select_t *select = &rules->selects[rules->nselects++];
    memset (select, 0, sizeof *select);
    strcpy (select->profile_name, word[1]);
    select->urgent = select->enterprise = -1;
    select->line = hl_sla_conf_line (p->conf);
    for (int i = 2; i < n; i++)
        if (strcmp (word[i], "*") != 0 && s_parse_condition (p, select, word[i]))
            return -1;
    select->unconditional = select->urgent < 0 && select->enterprise < 0 && !*select->tag;
    return 0;
}

//  After the last line: every profile complete, every select resolved,
//  and some select takes every ticket.
static int
s_finish (s_parser_t *p)
{
    s_rules_t *rules = p->rules;
    char *err = p->err;
    size_t errlen = p->errlen;
    if (rules->nprofiles == 0)
        return hl_sla_conf_error (p->conf, err, errlen, "no profile");
    for (size_t i = 0; i < rules->nprofiles; i++) {
        const s_profile_t *profile = &rules->profiles[i];
        for (int m = 0; m < HL_SLA_MILESTONES; m++)
            for (int t = 0; t < HL_SLA_TYPES; t++)
                if (!profile->set[m][t])
                    return hl_sla_conf_error (p->conf, err, errlen,
                                              "profile '%s' (line %u) has no %s limit for %s "
                                              "(write '-' for none)", profile->name,
                                              profile->line, s_milestones[m].name,
                                              s_types[t].name);
    }
    if (rules->nselects == 0 || !rules->selects[rules->nselects - 1].unconditional)
        return hl_sla_conf_error (p->conf, err, errlen,
                                  "no select line without conditions: some tickets "
                                  "would get no profile");
    for (size_t i = 0; i < rules->nselects; i++) {
        s_select_t *select = &rules->selects[i];
        const s_profile_t *profile = s_find_profile (rules, select->profile_name);
        if (!profile)
            return hl_sla_conf_error (p->conf, err, errlen, "select on line %u: unknown profile "
                                      "'%s'", select->line, select->profile_name);
        select->profile = (size_t) (profile - rules->profiles);
    }
    return 0;
}

//  Route one line to its handler.
static int
s_parse_line (s_parser_t *p, char **word, int n)
{
    if (strcmp (word[0], "profile") == 0)
        return s_do_profile (p, word, n);
    if (strcmp (word[0], "select") == 0)
        return s_do_select (p, word, n);
    bool setting = strcmp (word[0], "day1") == 0 || strcmp (word[0], "warn") == 0
                || strcmp (word[0], "escalate") == 0;
    int milestone = hl_sla_milestone_parse (word[0]);
    if (!setting && milestone < 0)
        return hl_sla_conf_error (p->conf, p->err, p->errlen, "unknown directive '%s'", word[0]);
    if (!p->profile)
        return hl_sla_conf_error (p->conf, p->err, p->errlen,
                                  "'%s' outside a profile (put it after a 'profile' line)",
                                  word[0]);
    return setting ? s_do_setting (p, word, n) : s_do_limit (p, milestone, word, n);
}

//  Parse CONF into new rules; NULL on error.
static s_rules_t *
s_parse (hl_sla_conf_t *conf, char *err, size_t errlen)
{
    s_rules_t *rules = calloc (1, sizeof *rules);
    if (!rules)
        abort ();
    s_parser_t parser = { rules, conf, NULL, err, errlen };
    char **word;
    int n;
    while ((n = hl_sla_conf_next (conf, &word, err, errlen)) > 0)
        if (s_parse_line (&parser, word, n))
            break;
    if (n != 0 || s_finish (&parser))
        s_rules_destroy (&rules);
    return rules;
}


//  --------------------------------------------------------------------------
//  Policy object

hl_sla_policy_t *
hl_sla_policy_new (void)
{
    hl_sla_policy_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->generation = 1;
    return self;
}

void
hl_sla_policy_destroy (hl_sla_policy_t **self_p)
{
    assert (self_p);
    hl_sla_policy_t *self = *self_p;
    if (self) {
        s_rules_destroy (&self->rules);
        free (self);
        *self_p = NULL;
    }
}

//  Parse everything first; only a complete, valid policy replaces the
//  current one.
static int
s_load (hl_sla_policy_t *self, hl_sla_conf_t *conf, char *err, size_t errlen)
{
    if (!conf)
        return -1;
    s_rules_t *rules = s_parse (conf, err, errlen);
    hl_sla_conf_destroy (&conf);
    if (!rules)
        return -1;
    s_rules_destroy (&self->rules);
    self->rules = rules;
    self->generation++;
    return 0;
}

int
hl_sla_policy_load (hl_sla_policy_t *self, const char *path, char *err, size_t errlen)
{
    assert (self && path);
    return s_load (self, hl_sla_conf_new_file (path, err, errlen), err, errlen);
}

int
hl_sla_policy_load_string (hl_sla_policy_t *self, const char *text,
                           const char *name, char *err, size_t errlen)
{
    assert (self && text && name);
    return s_load (self, hl_sla_conf_new_string (text, name), err, errlen);
}

uint64_t
hl_sla_policy_generation (hl_sla_policy_t *self)
{
    assert (self);
    return self->generation;
}

//  The profile of TICKET: the first select whose conditions all hold.
static const s_profile_t *
s_select (const s_rules_t *rules, const hl_sla_ticket_t *ticket)
{
    for (size_t i = 0; i < rules->nselects; i++) {
        const s_select_t *select = &rules->selects[i];
        if ((select->urgent < 0 || select->urgent == ticket->urgent)
        &&  (select->enterprise < 0 || select->enterprise == ticket->enterprise)
        &&  (!*select->tag || (ticket->tag && strcmp (select->tag, ticket->tag) == 0)))
            return &rules->profiles[select->profile];
    }
    assert (!"s_select: the last select takes every ticket");
    return NULL;
}

const char *
hl_sla_policy_profile (hl_sla_policy_t *self, const hl_sla_ticket_t *ticket)
{
    assert (self && ticket);
    return self->rules ? s_select (self->rules, ticket)->name : NULL;
}

//  Profile NAME, or the one an ordinary ticket gets if NAME is NULL.
static const s_profile_t *
s_profile_named (const s_rules_t *rules, const char *name)
{
    if (!name) {
        hl_sla_ticket_t ordinary = { .type = HL_SLA_OTHER };
        return s_select (rules, &ordinary);
    }
    for (size_t i = 0; i < rules->nprofiles; i++)
        if (strcmp (rules->profiles[i].name, name) == 0)
            return &rules->profiles[i];
    return NULL;
}

int
hl_sla_policy_working_days_rule (hl_sla_policy_t *self, const char *profile_name,
                                 int n, hl_sla_rule_t *rule)
{
    assert (self && rule);
    assert (n >= 1 && n <= HL_SLA_AMOUNT_MAX);
    const s_profile_t *profile = self->rules ? s_profile_named (self->rules, profile_name) : NULL;
    if (!profile)
        return -1;
    memset (rule, 0, sizeof *rule);
    strcpy (rule->profile, profile->name);
    rule->limit = (hl_sla_limit_t) { HL_SLA_WORKING_DAYS, n };
    rule->day1 = profile->day1;
    rule->escalate = (hl_sla_limit_t) { HL_SLA_NONE, 0 };
    return 0;
}

int
hl_sla_policy_rule (hl_sla_policy_t *self, const hl_sla_ticket_t *ticket,
                    hl_sla_milestone_t milestone, hl_sla_rule_t *rule)
{
    assert (self && ticket && rule);
    assert ((unsigned) ticket->type < HL_SLA_TYPES);
    assert ((unsigned) milestone < HL_SLA_MILESTONES);
    if (!self->rules)
        return -1;
    const s_profile_t *profile = s_select (self->rules, ticket);
    int day1 = profile->day1_of[milestone][ticket->type];
    memset (rule, 0, sizeof *rule);
    strcpy (rule->profile, profile->name);
    rule->limit = profile->limit[milestone][ticket->type];
    rule->day1 = day1 < 0 ? profile->day1 : (hl_calendar_day1_t) day1;
    rule->warn_pct = profile->warn_pct;
    rule->escalate = profile->escalate;
    return 0;
}

int
hl_sla_policy_deadline (hl_sla_policy_t *self, hl_calendar_t *calendar,
                        const hl_sla_ticket_t *ticket,
                        hl_sla_milestone_t milestone, int64_t start_ms,
                        const hl_sla_pause_t *pauses, size_t npauses,
                        hl_sla_deadline_t *deadline)
{
    hl_sla_rule_t rule;
    if (hl_sla_policy_rule (self, ticket, milestone, &rule))
        return -1;
    hl_sla_rule_compute (&rule, calendar, start_ms, pauses, npauses, deadline);
    return 0;
}

int
hl_sla_policy_deadlines (hl_sla_policy_t *self, hl_calendar_t *calendar,
                         const hl_sla_ticket_t *ticket, int64_t start_ms,
                         hl_sla_deadline_t deadlines[HL_SLA_MILESTONES])
{
    for (int m = 0; m < HL_SLA_MILESTONES; m++)
        if (hl_sla_policy_deadline (self, calendar, ticket, (hl_sla_milestone_t) m,
                                    start_ms, NULL, 0, &deadlines[m]))
            return -1;
    return 0;
}
