/*  hl_view: ticket rendering. See hl_view.h. */
#include "hl_view.h"
#include "hl_wire.h"

#include <string.h>
#include <time.h>

static const char *
s_or (const char *s, const char *dflt)
{
    return s ? s : dflt;
}

void
hl_view_time (uint64_t ms, char *out, size_t outlen)
{
    //  Beijing time: UTC+8, no daylight saving since 1991.
    time_t t = (time_t) (ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
s_kv_bytes (hl_buf_t *b, const char *key, int has, ProtobufCBinaryData d)
{
    if (has && d.len)
        hl_json_kv_str (b, key, d.data, d.len, 0);
}

static void
s_kv_name (hl_buf_t *b, const char *key, const char *name)
{
    name = s_or (name, "");
    hl_json_kv_str (b, key, name, strlen (name), 0);
}

static void
s_bytes_array (hl_buf_t *b, const char *key, size_t n, const ProtobufCBinaryData *items)
{
    if (n == 0)
        return;
    hl_json_key (b, key, 0);
    hl_buf_puts (b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            hl_buf_puts (b, ",");
        hl_json_str (b, items[i].data, items[i].len);
    }
    hl_buf_puts (b, "]");
}

static void
s_complaint_json (hl_buf_t *b, const Hotline__Complaint *c)
{
    s_kv_name (b, "channel", hl_wire_channel_name (c->channel));
    s_kv_name (b, "request_type", hl_wire_request_type_name (c->request_type));
    s_kv_bytes (b, "channel_ref", c->has_channel_ref, c->channel_ref);
    s_kv_bytes (b, "caller_phone", c->has_caller_phone, c->caller_phone);
    s_kv_bytes (b, "caller_name", c->has_caller_name, c->caller_name);
    s_kv_bytes (b, "category", c->has_category, c->category);
    s_kv_bytes (b, "area", c->has_area, c->area);
    s_kv_bytes (b, "address", c->has_address, c->address);
    if (c->location) {
        hl_json_key (b, "location", 0);
        hl_buf_printf (b, "{\"lat\":%.7f,\"lon\":%.7f}", c->location->lat, c->location->lon);
    }
    hl_json_kv_bool (b, "enterprise", c->enterprise, 0);
    s_kv_bytes (b, "credit_code", c->has_credit_code, c->credit_code);
    s_kv_bytes (b, "enterprise_name", c->has_enterprise_name, c->enterprise_name);
    hl_json_kv_bool (b, "confidential", c->confidential, 0);
    hl_json_kv_bool (b, "anonymous", c->anonymous, 0);
    s_kv_bytes (b, "request_id", c->has_request_id, c->request_id);
    s_kv_bytes (b, "content", c->has_content, c->content);
}

static void
s_sla_json (hl_buf_t *b, const Hotline__TicketView *v)
{
    if (v->profile && *v->profile)
        hl_json_kv_str (b, "sla_profile", v->profile, strlen (v->profile), 0);
    if (v->has_paused)
        hl_json_kv_bool (b, "paused", v->paused, 0);
    hl_json_key (b, "deadlines", 0);
    hl_buf_puts (b, "[");
    for (size_t i = 0; i < v->n_deadlines; i++) {
        const Hotline__Deadline *d = v->deadlines[i];
        hl_buf_puts (b, i ? ",{" : "{");
        const char *milestone = d->milestone ? d->milestone : "";
        hl_json_kv_str (b, "milestone", milestone, strlen (milestone), 1);
        s_kv_name (b, "status", d->status);
        hl_json_kv_int (b, "start_ms", (int64_t) d->start_ms, 0);
        hl_json_kv_int (b, "warn_ms", (int64_t) d->warn_ms, 0);
        hl_json_kv_int (b, "due_ms", (int64_t) d->due_ms, 0);
        hl_json_kv_int (b, "escalate_ms", (int64_t) d->escalate_ms, 0);
        if (d->has_left_ms)
            hl_json_kv_int (b, "left_ms", d->left_ms, 0);
        if (d->has_working_time)
            hl_json_kv_bool (b, "working_time", d->working_time, 0);
        if (d->has_provisional)
            hl_json_kv_bool (b, "provisional", d->provisional, 0);
        hl_buf_puts (b, "}");
    }
    hl_buf_puts (b, "]");
    hl_json_key (b, "pauses", 0);
    hl_buf_puts (b, "[");
    for (size_t i = 0; i < v->n_pauses; i++)
        hl_buf_printf (b, "%s{\"from_ms\":%llu,\"to_ms\":%llu}", i ? "," : "",
                       (unsigned long long) v->pauses[i]->from_ms,
                       (unsigned long long) v->pauses[i]->to_ms);
    hl_buf_puts (b, "]");
}

static void
s_history_json (hl_buf_t *b, const Hotline__TicketView *v)
{
    hl_json_key (b, "history", 0);
    hl_buf_puts (b, "[");
    for (size_t i = 0; i < v->n_history; i++) {
        const Hotline__HistoryEntry *e = v->history[i];
        hl_buf_puts (b, i ? ",{" : "{");
        hl_json_kv_int (b, "at_ms", (int64_t) e->at_ms, 1);
        hl_json_kv_str (b, "actor", e->actor.data, e->actor.len, 0);
        hl_json_kv_str (b, "action", e->action.data, e->action.len, 0);
        s_kv_name (b, "from", hl_wire_state_name (e->from_state));
        s_kv_name (b, "to", hl_wire_state_name (e->to_state));
        hl_json_kv_str (b, "note", e->note.data, e->note.len, 0);
        hl_buf_puts (b, "}");
    }
    hl_buf_puts (b, "]");
}

void
hl_view_json (hl_buf_t *b, const Hotline__TicketView *v)
{
    const char *ticket = s_or (v->ticket, "");
    hl_buf_puts (b, "{");
    hl_json_kv_str (b, "ticket", ticket, strlen (ticket), 1);
    s_kv_name (b, "state", hl_wire_state_name (v->state));
    hl_json_kv_int (b, "created_ms", (int64_t) v->created_ms, 0);
    s_kv_bytes (b, "actor", v->has_actor, v->actor);
    s_kv_bytes (b, "unit", v->has_unit, v->unit);
    s_bytes_array (b, "assist", v->n_assist, v->assist);
    if (v->reopen_count)
        hl_json_kv_int (b, "reopen_count", v->reopen_count, 0);
    s_kv_bytes (b, "parent", v->has_parent, v->parent);
    s_bytes_array (b, "merged", v->n_merged, v->merged);
    if (v->extension_days)
        hl_json_kv_int (b, "extension_days", v->extension_days, 0);
    if (v->extension_pending)
        hl_json_kv_bool (b, "extension_pending", 1, 0);
    s_kv_bytes (b, "reply", v->has_reply, v->reply);
    if (v->has_satisfaction) {
        s_kv_name (b, "satisfaction", hl_wire_satisfaction_name (v->satisfaction));
        hl_json_kv_bool (b, "resolved", v->resolved, 0);
    }
    if (v->visit_attempts)
        hl_json_kv_int (b, "visit_attempts", v->visit_attempts, 0);
    if (v->has_visit_via)
        s_kv_name (b, "visit_via", hl_wire_via_name (v->visit_via));
    if (v->return_count)
        hl_json_kv_int (b, "return_count", v->return_count, 0);
    s_kv_bytes (b, "return_reasons", v->has_return_reasons, v->return_reasons);
    s_kv_bytes (b, "close_reason", v->has_close_reason, v->close_reason);
    s_kv_bytes (b, "repeat_of", v->has_repeat_of, v->repeat_of);
    if (v->visit_link)
        s_kv_name (b, "visit_link", v->visit_link);
    if (v->caller_masked)
        hl_json_kv_bool (b, "caller_masked", 1, 0);
    if (v->complaint)
        s_complaint_json (b, v->complaint);
    s_sla_json (b, v);
    s_history_json (b, v);
    hl_buf_puts (b, "}");
}

static void
s_line (FILE *out, const char *label, int has, ProtobufCBinaryData d)
{
    if (has && d.len)
        fprintf (out, "%-10s %.*s\n", label, (int) d.len, d.data);
}

static void
s_complaint_print (FILE *out, const Hotline__Complaint *c)
{
    fprintf (out, "%-10s %s\n", "渠道", s_or (hl_wire_channel_name (c->channel), "?"));
    fprintf (out, "%-10s %s\n", "类型", s_or (hl_wire_request_type_label (c->request_type), "?"));
    s_line (out, "分类", c->has_category, c->category);
    s_line (out, "区域", c->has_area, c->area);
    s_line (out, "来电", c->has_caller_phone, c->caller_phone);
    s_line (out, "姓名", c->has_caller_name, c->caller_name);
    s_line (out, "地址", c->has_address, c->address);
    if (c->location)
        fprintf (out, "%-10s %.6f, %.6f\n", "位置", c->location->lat, c->location->lon);
    if (c->enterprise) {
        s_line (out, "企业", c->has_enterprise_name, c->enterprise_name);
        s_line (out, "信用代码", c->has_credit_code, c->credit_code);
    }
    if (c->confidential || c->anonymous)
        fprintf (out, "%-10s %s%s\n", "标记", c->confidential ? "保密 " : "",
                 c->anonymous ? "匿名" : "");
    s_line (out, "渠道编号", c->has_channel_ref, c->channel_ref);
    s_line (out, "内容", c->has_content, c->content);
}

static const char *
s_milestone_label (const char *m)
{
    static const char *names[][2] = { { "sign", "签收" }, { "contact", "响应" },
                                      { "reply", "答复" }, { "visit", "回访" } };
    for (size_t i = 0; m && i < 4; i++)
        if (strcmp (names[i][0], m) == 0)
            return names[i][1];
    return m ? m : "?";
}

//  Deadlines with the time left: working time shows as hours and minutes
//  of office time, so "4h10m" means four office hours and ten minutes.
//  A provisional (暂定) deadline reaches past the loaded calendar files.
static void
s_sla_print (FILE *out, const Hotline__TicketView *v)
{
    if (v->n_deadlines == 0)
        return;
    fprintf (out, "\n时限%s%s%s\n", v->profile && *v->profile ? " (" : "",
             v->profile ? v->profile : "", v->profile && *v->profile ? ")" : "");
    for (size_t i = 0; i < v->n_deadlines; i++) {
        const Hotline__Deadline *d = v->deadlines[i];
        char due[32] = "-", warn[32] = "-";
        if (d->due_ms)
            hl_view_time (d->due_ms, due, sizeof due);
        if (d->warn_ms)
            hl_view_time (d->warn_ms, warn, sizeof warn);
        fprintf (out, "  %-6s %-9s 催办 %s  到期 %s%s", s_milestone_label (d->milestone),
                 d->status ? d->status : "?", warn, due, d->provisional ? " (暂定)" : "");
        if (d->has_left_ms) {
            int64_t left = d->left_ms < 0 ? -d->left_ms : d->left_ms;
            fprintf (out, "  %s %lldh%02lldm%s", d->left_ms < 0 ? "超时" : "剩余",
                     (long long) (left / 3600000), (long long) (left / 60000 % 60),
                     d->working_time ? " (工作时间)" : "");
        }
        fprintf (out, "\n");
    }
    for (size_t i = 0; i < v->n_pauses; i++) {
        char from[32], to[32] = "至今";
        hl_view_time (v->pauses[i]->from_ms, from, sizeof from);
        if (v->pauses[i]->has_to_ms)
            hl_view_time (v->pauses[i]->to_ms, to, sizeof to);
        fprintf (out, "  暂停 %s — %s\n", from, to);
    }
}

void
hl_view_print (FILE *out, const Hotline__TicketView *v)
{
    char when[32];
    hl_view_time (v->created_ms, when, sizeof when);
    fprintf (out, "工单 %s  %s (%s)  受理于 %s\n", s_or (v->ticket, "?"),
             s_or (hl_wire_state_label (v->state), "?"), s_or (hl_wire_state_name (v->state), "?"),
             when);
    if (v->has_unit && v->unit.len) {
        fprintf (out, "%-10s %.*s", "主办", (int) v->unit.len, v->unit.data);
        for (size_t i = 0; i < v->n_assist; i++)
            fprintf (out, "%s%.*s", i ? ", " : "  协办 ", (int) v->assist[i].len, v->assist[i].data);
        fprintf (out, "\n");
    }
    if (v->reopen_count)
        fprintf (out, "%-10s %u\n", "重办次数", v->reopen_count);
    s_line (out, "并入", v->has_parent, v->parent);
    if (v->extension_days || v->extension_pending)
        fprintf (out, "%-10s %u 个工作日%s\n", "延期", v->extension_days,
                 v->extension_pending ? " (有待审批的申请)" : "");
    if (v->complaint)
        s_complaint_print (out, v->complaint);
    s_line (out, "答复", v->has_reply, v->reply);
    if (v->has_satisfaction)
        fprintf (out, "%-10s %s, %s (%s)\n", "回访", v->resolved ? "已解决" : "未解决",
                 s_or (hl_wire_satisfaction_name (v->satisfaction), "?"),
                 s_or (hl_wire_via_name (v->visit_via), "phone"));
    if (v->visit_attempts)
        fprintf (out, "%-10s %u\n", "回访未接通", v->visit_attempts);
    if (v->return_count)
        fprintf (out, "%-10s %u (%.*s)\n", "退单次数", v->return_count,
                 (int) v->return_reasons.len, v->return_reasons.data);
    s_line (out, "办结方式", v->has_close_reason, v->close_reason);
    s_line (out, "重复来电", v->has_repeat_of, v->repeat_of);
    if (v->visit_link)
        fprintf (out, "%-10s %s\n", "回访链接", v->visit_link);
    s_sla_print (out, v);
    fprintf (out, "\n历史\n");
    for (size_t i = 0; i < v->n_history; i++) {
        const Hotline__HistoryEntry *e = v->history[i];
        hl_view_time (e->at_ms, when, sizeof when);
        fprintf (out, "  %s  %.*s  %.*s  %s -> %s  %.*s\n", when, (int) e->actor.len,
                 e->actor.data, (int) e->action.len, e->action.data,
                 s_or (hl_wire_state_name (e->from_state), "-"),
                 s_or (hl_wire_state_name (e->to_state), "-"), (int) e->note.len, e->note.data);
    }
}

void
hl_view_summary_json (hl_buf_t *b, const Hotline__TicketSummary *s)
{
    const char *ticket = s_or (s->ticket, "");
    hl_buf_puts (b, "{");
    hl_json_kv_str (b, "ticket", ticket, strlen (ticket), 1);
    s_kv_name (b, "state", hl_wire_state_name (s->state));
    hl_json_kv_int (b, "created_ms", (int64_t) s->created_ms, 0);
    s_kv_name (b, "request_type", hl_wire_request_type_name (s->request_type));
    s_kv_bytes (b, "category", s->has_category, s->category);
    s_kv_bytes (b, "area", s->has_area, s->area);
    s_kv_bytes (b, "unit", s->has_unit, s->unit);
    s_kv_bytes (b, "excerpt", s->has_excerpt, s->excerpt);
    hl_buf_puts (b, "}");
}
