/*  hl_top_frame: one screen of `hotline top`. See hl_top_frame.h. */
#include "hl_top_frame.h"
#include "hl_lifecycle.h"
#include "hl_top_json.h"
#include "hl_top_text.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_LINES 512
#define S_MAX_UNITS 1024

//  The rates of the leaderboard, and the counters each is computed from,
//  are the lifecycle table's (docs/metrics.md), so that a rate is shown
//  with its counts.

static const char *s_channels[][2] = {
    { "phone", "电话" }, { "web", "网站" }, { "app", "移动端" },
    { "enterprise", "涉企" }, { "sms", "短信" }, { "mailbox", "信箱" }
};

static const char *s_paths[HL_TOP_SOURCES] = {
    "/api/summary",
    "/api/intake?minutes=60",
    "/api/deadlines?level=warned&limit=50",
    "/api/deadlines?level=overdue&limit=50",
    "/api/deadlines?level=escalated&limit=50",
    "/api/units"
};

struct hl_top_frame {
    hl_top_json_t *doc[HL_TOP_SOURCES];
    char status[256];
    int sort;                    //  index in hl_lifecycle_rates
    int interval_ms;
    //  Being rendered:
    char *lines[S_MAX_LINES];
    size_t n_lines;
    int cols;
};

//  Starts with nothing read and the leaderboard ordered by 满意率.
hl_top_frame_t *
hl_top_frame_new (void)
{
    hl_top_frame_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    while (self->sort < HL_LIFECYCLE_RATES - 1
           && strcmp (hl_lifecycle_rates[self->sort].code, "satisfaction_rate") != 0)
        self->sort++;            //  满意率
    return self;
}

//  Frees the documents held; *SELF_P becomes NULL.
void
hl_top_frame_destroy (hl_top_frame_t **self_p)
{
    assert (self_p);
    hl_top_frame_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < HL_TOP_SOURCES; i++)
        hl_top_json_destroy (&self->doc[i]);
    free (self);
    *self_p = NULL;
}

//  The API path each document is read from, so the loop needs no list
//  of its own.
const char *
hl_top_frame_path (hl_top_source_t source)
{
    return source < HL_TOP_SOURCES ? s_paths[source] : NULL;
}

//  Checks the one member each document cannot do without, so a reply of
//  another shape (an error object, another version) is refused here
//  rather than drawn as zeros.
int
hl_top_frame_set (hl_top_frame_t *self, hl_top_source_t source, const char *json, size_t len,
                  char *err, size_t errlen)
{
    if (source >= HL_TOP_SOURCES) {
        snprintf (err, errlen, "unknown source");
        return -1;
    }
    hl_top_json_t *doc = hl_top_json_parse (json, len, err, errlen);
    if (!doc)
        return -1;
    static const char *need[HL_TOP_SOURCES] = { "open", "minutes", "items", "items", "items", "units" };
    hl_top_json_type_t want = source == HL_TOP_SUMMARY ? HL_TOP_JSON_OBJECT : HL_TOP_JSON_ARRAY;
    if (hl_top_json_type (hl_top_json_get (doc, need[source])) != want) {
        snprintf (err, errlen, "%s: no \"%s\" in the reply", s_paths[source], need[source]);
        hl_top_json_destroy (&doc);
        return -1;
    }
    hl_top_json_destroy (&self->doc[source]);
    self->doc[source] = doc;
    return 0;
}

//  What went wrong in the last round, kept until a round succeeds.
void
hl_top_frame_set_status (hl_top_frame_t *self, const char *status)
{
    snprintf (self->status, sizeof self->status, "%s", status ? status : "");
}

//  The s key: the next rate, round again after the last.
void
hl_top_frame_next_sort (hl_top_frame_t *self)
{
    self->sort = (self->sort + 1) % HL_LIFECYCLE_RATES;
}

//  The chosen rate's name, for titles and tests.
const char *
hl_top_frame_sort_name (const hl_top_frame_t *self)
{
    return hl_lifecycle_rates[self->sort].zh;
}

//  The refresh interval is shown on the help line; 0 hides the line.
void
hl_top_frame_set_interval (hl_top_frame_t *self, int interval_ms)
{
    self->interval_ms = interval_ms;
}

//  ---------------------------------------------------------------------
//  Lines

//  Adds one line, fitted to the frame's width, trailing blanks removed.
static void
s_line (hl_top_frame_t *self, const char *text)
{
    if (self->n_lines == S_MAX_LINES)
        return;
    hl_buf_t b = HL_BUF_INIT;
    hl_top_text_fit (&b, text, self->cols, 0);
    while (b.len && b.data[b.len - 1] == ' ')
        b.data[--b.len] = 0;
    self->lines[self->n_lines++] = b.data ? b.data : strdup ("");
}

//  A section title: "── TITLE ─────" across the width.
static void
s_rule (hl_top_frame_t *self, const char *title)
{
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_printf (&b, "── %s ", title);
    for (int w = hl_top_text_width (b.data); w < self->cols; w++)
        hl_buf_puts (&b, "─");
    s_line (self, b.data);
    hl_buf_free (&b);
}

//  A counter as an integer (0 when absent): counts are shown exactly.
static long long
s_int (const hl_top_json_t *obj, const char *key)
{
    return (long long) llround (hl_top_json_num (hl_top_json_get (obj, key), 0));
}

//  Beijing wall-clock time of Unix ms T.
static void
s_beijing (long long t, const char *fmt, char *out, size_t outlen)
{
    time_t s = (time_t) (t / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r (&s, &tm);
    strftime (out, outlen, fmt, &tm);
}

//  A duration in the shortest form that still tells the urgency.
static void
s_duration (long long ms, char *out, size_t outlen)
{
    long long s = (ms < 0 ? -ms : ms) / 1000;
    long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
    if (d > 0)
        snprintf (out, outlen, "%lld天%lld时", d, h);
    else
    if (h > 0)
        snprintf (out, outlen, "%lld时%lld分", h, m);
    else
    if (m > 0)
        snprintf (out, outlen, "%lld分%lld秒", m, s % 60);
    else
        snprintf (out, outlen, "%lld秒", s % 60);
}

//  ---------------------------------------------------------------------
//  Sections

//  Title and the server's time (Beijing), so a stale frame is visible;
//  a status line under it while something is wrong.
static void
s_header (hl_top_frame_t *self)
{
    const hl_top_json_t *sum = self->doc[HL_TOP_SUMMARY];
    char when[32] = "";
    if (sum)
        s_beijing ((long long) hl_top_json_num (hl_top_json_get (sum, "now_ms"), 0),
                   "%Y-%m-%d %H:%M:%S", when, sizeof when);
    const char *title = "12345 热线 · 督办看板";
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_puts (&b, title);
    int gap = self->cols - hl_top_text_width (title) - hl_top_text_width (when);
    for (int i = 0; i < (gap > 1 ? gap : 1); i++)
        hl_buf_puts (&b, " ");
    hl_buf_puts (&b, when);
    s_line (self, b.data);
    hl_buf_free (&b);
    if (*self->status) {
        char line[300];
        snprintf (line, sizeof line, "! %s", self->status);
        s_line (self, line);
    }
}

//  The tiles of the web page on three lines: totals, intake by channel,
//  open tickets by state.
static void
s_summary (hl_top_frame_t *self)
{
    const hl_top_json_t *sum = self->doc[HL_TOP_SUMMARY];
    if (!sum) {
        s_line (self, "等待 hotlined 的数据…");
        return;
    }
    const hl_top_json_t *open = hl_top_json_get (sum, "open");
    long long total = 0;
    for (size_t i = 0; i < hl_top_json_size (open); i++)
        total += (long long) llround (hl_top_json_num (hl_top_json_at (open, i), 0));
    hl_buf_t b = HL_BUF_INIT;
    hl_buf_printf (&b, "今日受理 %lld  在办 %lld  催办 %lld  督办 %lld  升级 %lld  承办端 %lld  待投递 %lld",
                   s_int (sum, "intake_today_total"), total, s_int (sum, "warned"),
                   s_int (sum, "overdue"), s_int (sum, "escalated"), s_int (sum, "workers"),
                   s_int (sum, "queued"));
    s_line (self, b.data);
    hl_buf_reset (&b);
    const hl_top_json_t *today = hl_top_json_get (sum, "intake_today");
    hl_buf_puts (&b, "渠道");
    for (size_t i = 0; i < sizeof s_channels / sizeof s_channels[0]; i++)
        hl_buf_printf (&b, "  %s %lld", s_channels[i][1], s_int (today, s_channels[i][0]));
    s_line (self, b.data);
    hl_buf_reset (&b);
    hl_buf_puts (&b, "在办");
    for (size_t i = 0; i < HL_LIFECYCLE_OPEN; i++)
        hl_buf_printf (&b, "  %s %lld", hl_lifecycle_open[i]->zh,
                       s_int (open, hl_lifecycle_open[i]->code));
    s_line (self, b.data);
    hl_buf_free (&b);
}

//  Intake per minute as a row of block characters, as many minutes as
//  the width allows (the latest at the right).
static void
s_intake (hl_top_frame_t *self)
{
    const hl_top_json_t *minutes = hl_top_json_get (self->doc[HL_TOP_INTAKE], "minutes");
    size_t n = hl_top_json_size (minutes);
    if (!n) {
        s_line (self, "每分钟受理  —");
        return;
    }
    long long counts[1440];
    if (n > 1440)
        n = 1440;
    for (size_t i = 0; i < n; i++) {
        const hl_top_json_t *row = hl_top_json_at (minutes, i);
        counts[i] = 0;
        for (size_t c = 0; c < sizeof s_channels / sizeof s_channels[0]; c++)
            counts[i] += s_int (row, s_channels[c][0]);
    }
    //  The figures at the end are measured first; the chart takes the rest.
    long long total = 0, peak = 0;
    size_t first = n > 60 ? n - 60 : 0;
    for (size_t i = first; i < n; i++) {
        total += counts[i];
        peak = counts[i] > peak ? counts[i] : peak;
    }
    char tail[96], head[32];
    snprintf (tail, sizeof tail, " 共%lld件 峰值%lld/分 本分钟%lld", total, peak, counts[n - 1]);
    int room = self->cols - hl_top_text_width (tail) - 10;
    int shown = room > 60 ? 60 : room < 5 ? 5 : room;
    if ((size_t) shown > n)
        shown = (int) n;
    if ((size_t) shown < n - first) {
        total = peak = 0;
        for (size_t i = n - (size_t) shown; i < n; i++) {
            total += counts[i];
            peak = counts[i] > peak ? counts[i] : peak;
        }
        snprintf (tail, sizeof tail, " 共%lld件 峰值%lld/分 本分钟%lld", total, peak, counts[n - 1]);
    }
    snprintf (head, sizeof head, "近%d分钟 ", shown);
    hl_buf_t b = HL_BUF_INIT;
    hl_top_text_fit (&b, head, 10, 0);
    static const char *blocks[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
    for (size_t i = n - (size_t) shown; i < n; i++) {
        if (counts[i] == 0)
            hl_buf_puts (&b, ".");
        else
            hl_buf_puts (&b, blocks[peak ? (counts[i] * 7 + peak - 1) / peak : 0]);
    }
    hl_buf_puts (&b, tail);
    s_line (self, b.data);
    hl_buf_free (&b);
}

//  One deadline: ticket, unit, milestone and level, time over or left.
static void
s_deadline_row (hl_top_frame_t *self, const hl_top_json_t *item)
{
    static const char *milestones[][2] = {
        { "sign", "签收" }, { "contact", "响应" }, { "reply", "答复" }, { "visit", "回访" }
    };
    static const char *levels[][2] = {
        { "warned", "催办" }, { "overdue", "逾期" }, { "escalated", "升级" }
    };
    const char *m = hl_top_json_str (hl_top_json_get (item, "milestone"));
    const char *l = hl_top_json_str (hl_top_json_get (item, "level"));
    const char *mz = m ? m : "", *lz = l ? l : "";
    for (size_t i = 0; i < 4; i++)
        if (m && strcmp (m, milestones[i][0]) == 0)
            mz = milestones[i][1];
    for (size_t i = 0; i < 3; i++)
        if (l && strcmp (l, levels[i][0]) == 0)
            lz = levels[i][1];
    const char *name = hl_top_json_str (hl_top_json_get (item, "unit_name"));
    if (!name || !*name)
        name = hl_top_json_str (hl_top_json_get (item, "unit"));
    long long over = (long long) hl_top_json_num (hl_top_json_get (item, "over_ms"), 0);
    char d[48], when[64], what[64];
    s_duration (over, d, sizeof d);
    snprintf (when, sizeof when, "%s %s", over >= 0 ? "超时" : "剩余", d);
    snprintf (what, sizeof what, "%s·%s", mz, lz);
    int unit_w = self->cols - 17 - 10 - 14;
    hl_buf_t b = HL_BUF_INIT;
    hl_top_text_fit (&b, hl_top_json_str (hl_top_json_get (item, "ticket")), 16, 0);
    hl_buf_puts (&b, " ");
    hl_top_text_fit (&b, name ? name : "—", unit_w > 4 ? unit_w : 4, 0);
    hl_buf_puts (&b, " ");
    hl_top_text_fit (&b, what, 9, 0);
    hl_top_text_fit (&b, when, 14, 1);
    s_line (self, b.data);
    hl_buf_free (&b);
}

//  A deadline list under its title; the title says how many there are
//  when not all fit.
static void
s_deadlines (hl_top_frame_t *self, const char *title, const hl_top_json_t *const *lists,
             size_t n_lists, int rows)
{
    size_t total = 0;
    for (size_t i = 0; i < n_lists; i++)
        total += hl_top_json_size (hl_top_json_get (lists[i], "items"));
    char t[128];
    if (total == 0)
        snprintf (t, sizeof t, "%s 0 项 (无)", title);
    else
    if ((size_t) rows < total)
        snprintf (t, sizeof t, "%s %zu 项 (最急 %d 项)", title, total, rows);
    else
        snprintf (t, sizeof t, "%s %zu 项", title, total);
    s_rule (self, t);
    //  Overdue and escalated come as two lists; merged by due moment so
    //  the longest overdue is first.
    const hl_top_json_t *items[200];
    size_t n = 0;
    for (size_t i = 0; i < n_lists; i++) {
        const hl_top_json_t *list = hl_top_json_get (lists[i], "items");
        for (size_t j = 0; j < hl_top_json_size (list) && n < 200; j++)
            items[n++] = hl_top_json_at (list, j);
    }
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            double a = hl_top_json_num (hl_top_json_get (items[j - 1], "due_ms"), 0);
            double b = hl_top_json_num (hl_top_json_get (items[j], "due_ms"), 0);
            if (a <= b)
                break;
            const hl_top_json_t *x = items[j];
            items[j] = items[j - 1];
            items[j - 1] = x;
        }
    for (size_t i = 0; i < n && (int) i < rows; i++)
        s_deadline_row (self, items[i]);
}

//  A rate's value and counts; -1 when its denominator is 0 (the API's
//  null), which the table shows as "—".
static double
s_rate (const hl_top_json_t *unit, const hl_lifecycle_rate_t *r, long long *num, long long *den)
{
    *num = 0;
    for (int i = 0; i < 2 && r->num[i] >= 0; i++)
        *num += s_int (unit, hl_lifecycle_counters[r->num[i]].code);
    *den = s_int (unit, hl_lifecycle_counters[r->den].code);
    const hl_top_json_t *v = hl_top_json_get (unit, r->code);
    if (*den <= 0 || hl_top_json_type (v) != HL_TOP_JSON_NUMBER)
        return -1;
    return hl_top_json_num (v, 0);
}

//  A rate as shown everywhere: percent with its counts, "—" when its
//  denominator is 0.
static void
s_rate_text (const hl_top_json_t *unit, const hl_lifecycle_rate_t *r, int counts, char *out,
             size_t outlen)
{
    long long num, den;
    double v = s_rate (unit, r, &num, &den);
    if (v < 0)
        snprintf (out, outlen, "—");
    else
    if (counts)
        snprintf (out, outlen, "%.1f%% (%lld/%lld)", v * 100, num, den);
    else
        snprintf (out, outlen, "%.1f%%", v * 100);
}

//  Leaderboard order: the better rate first, units without a figure
//  last, then more tickets first, then by code (a stable, total order).
static int
s_compare (const void *pa, const void *pb, void *arg)
{
    const hl_lifecycle_rate_t *rate = arg;
    const hl_top_json_t *a = *(const hl_top_json_t *const *) pa;
    const hl_top_json_t *b = *(const hl_top_json_t *const *) pb;
    long long n, d;
    double x = s_rate (a, rate, &n, &d), y = s_rate (b, rate, &n, &d);
    if ((x < 0) != (y < 0))
        return x < 0 ? 1 : -1;
    if (x >= 0 && x != y)
        return (x > y) == !rate->lower_is_better ? -1 : 1;
    long long da = s_int (a, "dispatched"), db = s_int (b, "dispatched");
    if (da != db)
        return da > db ? -1 : 1;
    const char *ua = hl_top_json_str (hl_top_json_get (a, "unit"));
    const char *ub = hl_top_json_str (hl_top_json_get (b, "unit"));
    return strcmp (ua ? ua : "", ub ? ub : "");
}

//  The leaderboard (争先排行榜): units ranked by the chosen rate, ties
//  sharing a rank, units without a figure unranked at the end.
static void
s_units (hl_top_frame_t *self, int rows)
{
    const hl_top_json_t *doc = self->doc[HL_TOP_UNITS];
    const hl_top_json_t *list = hl_top_json_get (doc, "units");
    const hl_lifecycle_rate_t *sel = &hl_lifecycle_rates[self->sort];
    size_t n = hl_top_json_size (list);
    if (n > S_MAX_UNITS)
        n = S_MAX_UNITS;
    char title[160], all[48];
    const char *from = hl_top_json_str (hl_top_json_get (doc, "from"));
    const char *to = hl_top_json_str (hl_top_json_get (doc, "to"));
    s_rate_text (hl_top_json_get (doc, "total"), sel, 1, all, sizeof all);
    char period[40] = "今日";
    if (from && to && strcmp (from, to) != 0)
        snprintf (period, sizeof period, "%s-%s", from, to);
    snprintf (title, sizeof title, "争先排行榜 %s · 按%s · 全市 %s", period, sel->zh, all);
    s_rule (self, title);
    if (n == 0) {
        s_line (self, "  该时段暂无派单数据");
        return;
    }
    const hl_top_json_t **units = calloc (n, sizeof *units);
    if (!units)
        abort ();
    for (size_t i = 0; i < n; i++)
        units[i] = hl_top_json_at (list, i);
    qsort_r (units, n, sizeof *units, s_compare, (void *) sel);

    //  Columns: rank, unit, dispatched, the 考核 score (score_weights,
    //  as hotlined computes it), the chosen rate with its counts,
    //  then the other rates (percent only) while the longest unit name
    //  still fits (up to 28 columns).
    int order[HL_LIFECYCLE_RATES], widths[HL_LIFECYCLE_RATES], shown = 0;
    order[0] = self->sort;
    for (int i = 0, k = 1; i < HL_LIFECYCLE_RATES; i++)
        if (i != self->sort)
            order[k++] = i;
    int used = 5 + 6 + 7;        //  rank, dispatched, score
    int want = 12;               //  the unit column: its longest name, 12..28
    for (size_t i = 0; i < n && (int) i < rows; i++) {
        const char *name = hl_top_json_str (hl_top_json_get (units[i], "name"));
        int w = hl_top_text_width (name && *name ? name : hl_top_json_str (hl_top_json_get (units[i], "unit")));
        want = w > want ? w : want;
    }
    want = want > 28 ? 28 : want;
    for (int k = 0; k < HL_LIFECYCLE_RATES; k++) {
        const hl_lifecycle_rate_t *r = &hl_lifecycle_rates[order[k]];
        int w = hl_top_text_width (r->zh);
        for (size_t i = 0; i < n && (int) i < rows; i++) {
            char text[64];
            s_rate_text (units[i], r, k == 0, text, sizeof text);
            int tw = hl_top_text_width (text);
            w = tw > w ? tw : w;
        }
        if (k > 0 && self->cols - (used + w + 1) - 1 < want)
            break;
        widths[k] = w;
        used += w + 1;
        shown++;
    }
    int unit_w = self->cols - used - 1;
    if (unit_w > 28)
        unit_w = 28;
    hl_buf_t b = HL_BUF_INIT;
    hl_top_text_fit (&b, "名次", 5, 0);
    hl_top_text_fit (&b, "单位", unit_w, 0);
    hl_top_text_fit (&b, "派单", 6, 1);
    hl_buf_puts (&b, " ");
    hl_top_text_fit (&b, "考核", 6, 1);
    for (int k = 0; k < shown; k++) {
        hl_buf_puts (&b, " ");
        hl_top_text_fit (&b, hl_lifecycle_rates[order[k]].zh, widths[k], 1);
    }
    s_line (self, b.data);
    int rank = 0;
    double prev = -2;
    for (size_t i = 0; i < n && (int) i < rows; i++) {
        long long num, den;
        double v = s_rate (units[i], sel, &num, &den);
        if (i == 0 || v != prev)
            rank = (int) i + 1;
        prev = v;
        hl_buf_reset (&b);
        char r[16];
        if (v < 0)
            snprintf (r, sizeof r, "  —");
        else
            snprintf (r, sizeof r, "%3d", rank);
        hl_top_text_fit (&b, r, 5, 0);
        const char *name = hl_top_json_str (hl_top_json_get (units[i], "name"));
        if (!name || !*name)
            name = hl_top_json_str (hl_top_json_get (units[i], "unit"));
        hl_top_text_fit (&b, name ? name : "—", unit_w, 0);
        char d[24];
        snprintf (d, sizeof d, "%lld", s_int (units[i], "dispatched"));
        hl_top_text_fit (&b, d, 6, 1);
        const hl_top_json_t *score = hl_top_json_get (units[i], "score");
        if (hl_top_json_type (score) == HL_TOP_JSON_NUMBER)
            snprintf (d, sizeof d, "%.1f", hl_top_json_num (score, 0));
        else
            snprintf (d, sizeof d, "—");
        hl_buf_puts (&b, " ");
        hl_top_text_fit (&b, d, 6, 1);
        for (int k = 0; k < shown; k++) {
            char text[64];
            s_rate_text (units[i], &hl_lifecycle_rates[order[k]], k == 0, text, sizeof text);
            hl_buf_puts (&b, " ");
            hl_top_text_fit (&b, text, widths[k], 1);
        }
        s_line (self, b.data);
    }
    hl_buf_free (&b);
    free (units);
}

//  Splits the rows left after the fixed lines between the two deadline
//  lists and the leaderboard: each list gets up to a quarter, the table
//  the rest, and what the table cannot use goes back to the lists.
void
hl_top_frame_render (hl_top_frame_t *self, int cols, int rows, hl_buf_t *out)
{
    self->cols = cols < 40 ? 40 : cols > 400 ? 400 : cols;
    rows = rows < 12 ? 12 : rows > S_MAX_LINES ? S_MAX_LINES : rows;
    self->n_lines = 0;
    s_header (self);
    s_summary (self);
    s_intake (self);
    const hl_top_json_t *overdue[2] = { self->doc[HL_TOP_OVERDUE], self->doc[HL_TOP_ESCALATED] };
    const hl_top_json_t *warned[1] = { self->doc[HL_TOP_WARNED] };
    int n_over = (int) (hl_top_json_size (hl_top_json_get (overdue[0], "items"))
                        + hl_top_json_size (hl_top_json_get (overdue[1], "items")));
    int n_warn = (int) hl_top_json_size (hl_top_json_get (warned[0], "items"));
    int n_units = (int) hl_top_json_size (hl_top_json_get (self->doc[HL_TOP_UNITS], "units"));
    int help = self->interval_ms > 0;
    int avail = rows - (int) self->n_lines - 3 - 1 - help;
    if (avail < 0)
        avail = 0;
    int quarter = avail / 4 > 1 ? avail / 4 : 1;
    int r_over = n_over < quarter ? n_over : quarter;
    int r_warn = n_warn < quarter ? n_warn : quarter;
    int r_units = avail - r_over - r_warn;
    if (r_units > n_units)
        r_units = n_units > 0 ? n_units : 1;
    int spare = avail - r_over - r_warn - r_units;
    int more = n_over - r_over < spare ? n_over - r_over : spare;
    r_over += more;
    spare -= more;
    more = n_warn - r_warn < spare ? n_warn - r_warn : spare;
    r_warn += more;
    s_deadlines (self, "督办 · 已超时", overdue, 2, r_over);
    s_deadlines (self, "催办 · 即将超时", warned, 1, r_warn);
    s_units (self, r_units);
    if (help) {
        char h[160];
        snprintf (h, sizeof h, "q 退出  s 切换排序(%s)  r 立即刷新  每 %g 秒刷新",
                  hl_lifecycle_rates[(self->sort + 1) % HL_LIFECYCLE_RATES].zh,
                  self->interval_ms / 1000.0);
        s_line (self, h);
    }
    for (size_t i = 0; i < self->n_lines; i++) {
        if ((int) i < rows) {
            hl_buf_puts (out, self->lines[i]);
            hl_buf_puts (out, "\n");
        }
        free (self->lines[i]);
        self->lines[i] = NULL;
    }
    self->n_lines = 0;
}
