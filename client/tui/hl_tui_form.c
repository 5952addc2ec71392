/*  hl_tui_form: the ticket as the agent types it. See hl_tui_form.h. */
#define _XOPEN_SOURCE_EXTENDED 1
#include "hl_tui_form.h"
#include "hl_client.h"
#include "hl_tui_edit.h"
#include "hl_tui_text.h"
#include "hl_wire.h"

#include <assert.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_TEXT, S_MEMO, S_PICK, S_FLAG } s_kind_t;

//  Every field: kind, label, length limit (characters) and wire name.
static const struct {
    s_kind_t kind;
    const char *label;
    size_t max;
    const char *wire;
} s_fields[HL_TUI_F_COUNT] = {
    [HL_TUI_F_PHONE]        = { S_TEXT, "来电", 24, "caller_phone" },
    [HL_TUI_F_TYPE]         = { S_PICK, "类型", 0, "request_type" },
    [HL_TUI_F_CATEGORY]     = { S_PICK, "分类", 0, "category" },
    [HL_TUI_F_AREA]         = { S_PICK, "区域", 0, "area" },
    [HL_TUI_F_CONTENT]      = { S_MEMO, "内容", 4000, "content" },
    [HL_TUI_F_NAME]         = { S_TEXT, "姓名", 40, "caller_name" },
    [HL_TUI_F_ADDRESS]      = { S_TEXT, "地址", 170, "address" },
    [HL_TUI_F_CONFIDENTIAL] = { S_FLAG, "保密", 0, "confidential" },
    [HL_TUI_F_ANONYMOUS]    = { S_FLAG, "匿名", 0, "anonymous" },
    [HL_TUI_F_ENTERPRISE]   = { S_FLAG, "企业", 0, "enterprise" },
    [HL_TUI_F_CREDIT]       = { S_TEXT, "信用代码", 18, "credit_code" },
    [HL_TUI_F_ENTNAME]      = { S_TEXT, "企业名称", 60, "enterprise_name" },
};

#define S_CODE_MAX 33
#define S_NAME_MAX 96

struct hl_tui_form {
    hl_tui_edit_t *edit[HL_TUI_F_COUNT];    //  text fields
    char code[HL_TUI_F_COUNT][S_CODE_MAX];  //  picked codes ("3" for type 投诉)
    char name[HL_TUI_F_COUNT][S_NAME_MAX];  //  and their names
    int flag[HL_TUI_F_COUNT];
    hl_tui_field_t focus;
    char rid[33];
    char *value[HL_TUI_F_COUNT];            //  UTF-8 copies handed out
};

hl_tui_form_t *
hl_tui_form_new (void)
{
    hl_tui_form_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    for (int f = 0; f < HL_TUI_F_COUNT; f++)
        if (s_fields[f].kind == S_TEXT || s_fields[f].kind == S_MEMO)
            self->edit[f] = hl_tui_edit_new (s_fields[f].max, s_fields[f].kind == S_MEMO);
    hl_tui_form_reset (self, 0);
    return self;
}

void
hl_tui_form_destroy (hl_tui_form_t **self_p)
{
    assert (self_p);
    hl_tui_form_t *self = *self_p;
    if (!self)
        return;
    for (int f = 0; f < HL_TUI_F_COUNT; f++) {
        hl_tui_edit_destroy (&self->edit[f]);
        free (self->value[f]);
    }
    free (self);
    *self_p = NULL;
}

void
hl_tui_form_reset (hl_tui_form_t *self, int keep_phone)
{
    for (int f = 0; f < HL_TUI_F_COUNT; f++) {
        if (self->edit[f] && !(keep_phone && f == HL_TUI_F_PHONE))
            hl_tui_edit_clear (self->edit[f]);
        self->code[f][0] = self->name[f][0] = 0;
        self->flag[f] = 0;
    }
    hl_client_new_request_id (self->rid);
    self->focus = keep_phone && !hl_tui_edit_empty (self->edit[HL_TUI_F_PHONE])
                ? HL_TUI_F_TYPE : HL_TUI_F_PHONE;
}

const char *
hl_tui_form_rid (const hl_tui_form_t *self)
{
    return self->rid;
}

int
hl_tui_form_dirty (const hl_tui_form_t *self)
{
    for (int f = 0; f < HL_TUI_F_COUNT; f++) {
        if (f == HL_TUI_F_PHONE)
            continue;
        if ((self->edit[f] && !hl_tui_edit_empty (self->edit[f])) || self->code[f][0]
            || self->flag[f])
            return 1;
    }
    return 0;
}

hl_tui_field_t
hl_tui_form_focus (const hl_tui_form_t *self)
{
    return self->focus;
}

void
hl_tui_form_set_focus (hl_tui_form_t *self, hl_tui_field_t field)
{
    assert (field < HL_TUI_F_COUNT);
    self->focus = field;
}

//  Enterprise fields exist only for enterprise requests.
static int
s_skipped (const hl_tui_form_t *self, int f)
{
    return (f == HL_TUI_F_CREDIT || f == HL_TUI_F_ENTNAME) && !self->flag[HL_TUI_F_ENTERPRISE];
}

//  Moves focus by DIR (+1/-1), wrapping; returns the form's event bits
//  (leaving the number counts as entering it).
static int
s_move (hl_tui_form_t *self, int dir)
{
    int left = self->focus;
    int f = left;
    do
        f = (f + dir + HL_TUI_F_COUNT) % HL_TUI_F_COUNT;
    while (s_skipped (self, f));
    self->focus = (hl_tui_field_t) f;
    return HL_TUI_FORM_HANDLED | (left == HL_TUI_F_PHONE ? HL_TUI_FORM_PHONE : 0);
}

static int
s_is_enter (int is_key, wint_t ch)
{
    return (is_key && ch == KEY_ENTER) || (!is_key && (ch == L'\r' || ch == L'\n'));
}

//  Keys of a picked field: digits 1-7 set the type at once; Enter or any
//  other character opens the picker.
static int
s_pick_key (hl_tui_form_t *self, int is_key, wint_t ch, wchar_t *first)
{
    if (is_key && ch != KEY_ENTER)
        return HL_TUI_FORM_IGNORED;
    if (!is_key && self->focus == HL_TUI_F_TYPE && ch >= L'1' && ch <= L'7') {
        char code[2] = { (char) ch, 0 };
        hl_tui_form_pick (self, HL_TUI_F_TYPE, code, hl_wire_request_type_label (ch - L'0'));
        return HL_TUI_FORM_HANDLED | HL_TUI_FORM_CODES;
    }
    if (!is_key && (ch == 0x7F || ch == 0x08)) {
        self->code[self->focus][0] = self->name[self->focus][0] = 0;
        return HL_TUI_FORM_HANDLED | HL_TUI_FORM_CODES;
    }
    if (!is_key && ch < 0x20 && !s_is_enter (is_key, ch))
        return HL_TUI_FORM_IGNORED;
    *first = s_is_enter (is_key, ch) || ch == L' ' ? 0 : (wchar_t) ch;
    return HL_TUI_FORM_HANDLED | HL_TUI_FORM_PICK;
}

//  Keys of a flag: Space toggles, Enter moves on.
static int
s_flag_key (hl_tui_form_t *self, int is_key, wint_t ch)
{
    if (!is_key && (ch == L' ' || ch == L'x' || ch == L'X')) {
        self->flag[self->focus] = !self->flag[self->focus];
        return HL_TUI_FORM_HANDLED;
    }
    return HL_TUI_FORM_IGNORED;
}

//  Keys of a text field; the words of the caller are watched.
static int
s_text_key (hl_tui_form_t *self, int is_key, wint_t ch)
{
    int rc = hl_tui_edit_key (self->edit[self->focus], is_key, ch);
    if (rc == HL_TUI_EDIT_IGNORED)
        return HL_TUI_FORM_IGNORED;
    if (rc == HL_TUI_EDIT_CHANGED && self->focus == HL_TUI_F_CONTENT)
        return HL_TUI_FORM_HANDLED | HL_TUI_FORM_CONTENT;
    return HL_TUI_FORM_HANDLED;
}

int
hl_tui_form_typing (const hl_tui_form_t *self)
{
    return s_fields[self->focus].kind == S_TEXT || s_fields[self->focus].kind == S_MEMO;
}

int
hl_tui_form_key (hl_tui_form_t *self, int is_key, wint_t ch, wchar_t *first)
{
    *first = 0;
    if (!is_key && ch == L'\t')
        return s_move (self, 1);
    if (is_key && ch == KEY_BTAB)
        return s_move (self, -1);
    s_kind_t kind = s_fields[self->focus].kind;
    int rc = HL_TUI_FORM_IGNORED;
    if (kind == S_PICK)
        rc = s_pick_key (self, is_key, ch, first);
    else if (kind == S_FLAG)
        rc = s_flag_key (self, is_key, ch);
    else
        rc = s_text_key (self, is_key, ch);
    if (rc != HL_TUI_FORM_IGNORED)
        return rc;
    //  Not taken by the field: Enter and Down go on, Up goes back.
    if (s_is_enter (is_key, ch) || (is_key && ch == KEY_DOWN))
        return s_move (self, 1);
    if (is_key && ch == KEY_UP)
        return s_move (self, -1);
    return HL_TUI_FORM_IGNORED;
}

void
hl_tui_form_pick (hl_tui_form_t *self, hl_tui_field_t field, const char *code, const char *name)
{
    assert (s_fields[field].kind == S_PICK);
    snprintf (self->code[field], S_CODE_MAX, "%s", code ? code : "");
    snprintf (self->name[field], S_NAME_MAX, "%s", name ? name : "");
    if (self->focus == field)
        s_move (self, 1);
}

void
hl_tui_form_set_phone (hl_tui_form_t *self, const char *phone)
{
    hl_tui_edit_set (self->edit[HL_TUI_F_PHONE], phone);
}

//  A fresh UTF-8 copy of text field F, kept until the next call.
static const char *
s_value (hl_tui_form_t *self, hl_tui_field_t f)
{
    assert (self->edit[f]);
    free (self->value[f]);
    self->value[f] = hl_tui_edit_utf8 (self->edit[f]);
    return self->value[f];
}

const char *
hl_tui_form_phone (hl_tui_form_t *self)
{
    return s_value (self, HL_TUI_F_PHONE);
}

const char *
hl_tui_form_content (hl_tui_form_t *self)
{
    return s_value (self, HL_TUI_F_CONTENT);
}

const char *
hl_tui_form_code (const hl_tui_form_t *self, hl_tui_field_t field)
{
    return self->code[field];
}

//  Fails the check on F with MESSAGE.
static int
s_missing (hl_tui_form_t *self, hl_tui_field_t f, const char *message, char *msg, size_t msglen)
{
    snprintf (msg, msglen, "%s", message);
    self->focus = f;
    return -1;
}

int
hl_tui_form_check (hl_tui_form_t *self, char *msg, size_t msglen)
{
    if (!self->flag[HL_TUI_F_ANONYMOUS] && hl_tui_edit_empty (self->edit[HL_TUI_F_PHONE]))
        return s_missing (self, HL_TUI_F_PHONE, "请填写来电号码 (或勾选匿名)", msg, msglen);
    if (!self->code[HL_TUI_F_TYPE][0])
        return s_missing (self, HL_TUI_F_TYPE, "请选择诉求类型 (1-7)", msg, msglen);
    if (!self->code[HL_TUI_F_CATEGORY][0])
        return s_missing (self, HL_TUI_F_CATEGORY, "请选择分类", msg, msglen);
    if (!self->code[HL_TUI_F_AREA][0])
        return s_missing (self, HL_TUI_F_AREA, "请选择区域", msg, msglen);
    if (hl_tui_edit_empty (self->edit[HL_TUI_F_CONTENT]))
        return s_missing (self, HL_TUI_F_CONTENT, "请填写诉求内容", msg, msglen);
    if (self->flag[HL_TUI_F_ENTERPRISE] && hl_tui_edit_empty (self->edit[HL_TUI_F_CREDIT]))
        return s_missing (self, HL_TUI_F_CREDIT, "企业诉求需填写统一社会信用代码", msg, msglen);
    return 0;
}

//  Sets a bytes field from text field F when it has something.
static void
s_bytes (hl_tui_form_t *self, hl_tui_field_t f, protobuf_c_boolean *has,
         ProtobufCBinaryData *data)
{
    const char *v = s_value (self, f);
    *has = *v != 0;
    *data = hl_wire_bytes (v);
}

void
hl_tui_form_complaint (hl_tui_form_t *self, Hotline__Complaint *c, const char *agent)
{
    c->has_channel = 1;
    c->channel = HOTLINE__CHANNEL__CHANNEL_PHONE;
    c->has_request_type = 1;
    c->request_type = atoi (self->code[HL_TUI_F_TYPE]);
    c->has_category = 1;
    c->category = hl_wire_bytes (self->code[HL_TUI_F_CATEGORY]);
    c->has_area = 1;
    c->area = hl_wire_bytes (self->code[HL_TUI_F_AREA]);
    s_bytes (self, HL_TUI_F_CONTENT, &c->has_content, &c->content);
    s_bytes (self, HL_TUI_F_PHONE, &c->has_caller_phone, &c->caller_phone);
    s_bytes (self, HL_TUI_F_NAME, &c->has_caller_name, &c->caller_name);
    s_bytes (self, HL_TUI_F_ADDRESS, &c->has_address, &c->address);
    c->has_confidential = c->confidential = self->flag[HL_TUI_F_CONFIDENTIAL];
    c->has_anonymous = c->anonymous = self->flag[HL_TUI_F_ANONYMOUS];
    if (c->anonymous)
        c->has_caller_phone = c->has_caller_name = 0;
    if (self->flag[HL_TUI_F_ENTERPRISE]) {
        c->has_enterprise = c->enterprise = 1;
        s_bytes (self, HL_TUI_F_CREDIT, &c->has_credit_code, &c->credit_code);
        s_bytes (self, HL_TUI_F_ENTNAME, &c->has_enterprise_name, &c->enterprise_name);
    }
    if (agent && *agent) {
        c->has_agent = 1;
        c->agent = hl_wire_bytes (agent);
    }
}

int
hl_tui_form_field_of (const char *wire_name)
{
    for (int f = 0; wire_name && f < HL_TUI_F_COUNT; f++)
        if (strcmp (s_fields[f].wire, wire_name) == 0)
            return f;
    return -1;
}

//  A label at (Y, X); returns its columns plus one blank.
static int
s_label (int y, int x, hl_tui_field_t f)
{
    return hl_tui_screen_str (y, x, 10, s_fields[f].label, HL_TUI_DIM) + 1;
}

//  A picked field: "code name", or a hint when nothing is chosen.
static void
s_draw_pick (hl_tui_form_t *self, hl_tui_field_t f, int y, int x, int w)
{
    int focused = self->focus == f;
    hl_tui_style_t st = focused ? HL_TUI_FOCUS : HL_TUI_FIELD;
    hl_tui_screen_fill (y, x, w, st);
    char shown[S_CODE_MAX + S_NAME_MAX + 2];
    if (f == HL_TUI_F_TYPE)
        snprintf (shown, sizeof shown, "%s", self->name[f]);
    else
        snprintf (shown, sizeof shown, "%s %s", self->code[f], self->name[f]);
    if (self->code[f][0])
        hl_tui_screen_str (y, x, w, shown, st);
    else
        hl_tui_screen_str (y, x, w, f == HL_TUI_F_TYPE ? "1-7" : "输入搜索",
                           focused ? HL_TUI_FOCUS : HL_TUI_DIM);
    if (focused)
        hl_tui_screen_cursor (y, x);
}

//  A labelled text or picked field at (Y, X) in W columns.
static void
s_draw_field (hl_tui_form_t *self, hl_tui_field_t f, int y, int x, int w)
{
    int used = s_label (y, x, f);
    if (s_fields[f].kind == S_PICK)
        s_draw_pick (self, f, y, x + used, w - used);
    else {
        hl_tui_rect_t r = { y, x + used, 1, w - used };
        hl_tui_edit_draw (self->edit[f], r, self->focus == f);
    }
}

//  "[x]保密" at (Y, X); returns the columns used plus two blanks.
static int
s_draw_flag (hl_tui_form_t *self, hl_tui_field_t f, int y, int x)
{
    int focused = self->focus == f;
    int used = hl_tui_screen_str (y, x, 3, self->flag[f] ? "[x]" : "[ ]",
                                  focused ? HL_TUI_FOCUS : HL_TUI_NORMAL);
    if (focused)
        hl_tui_screen_cursor (y, x + 1);
    used += hl_tui_screen_str (y, x + used, 10, s_fields[f].label, HL_TUI_NORMAL);
    return used + 2;
}

void
hl_tui_form_draw (hl_tui_form_t *self, hl_tui_rect_t r, int gap)
{
    int content_h = r.h - gap - 7;
    if (content_h < 1 || r.w < 30)
        return;
    int y = r.y, half = r.w / 2;
    s_draw_field (self, HL_TUI_F_PHONE, y, r.x, half < 28 ? half : 28);
    y += 1 + gap;
    s_draw_field (self, HL_TUI_F_TYPE, y, r.x, 12);
    s_draw_field (self, HL_TUI_F_CATEGORY, y, r.x + 13, r.w - 13);
    s_draw_field (self, HL_TUI_F_AREA, ++y, r.x, r.w);
    y++;
    s_label (y, r.x, HL_TUI_F_CONTENT);
    hl_tui_rect_t memo = { y, r.x + 5, content_h, r.w - 5 };
    hl_tui_edit_draw (self->edit[HL_TUI_F_CONTENT], memo, self->focus == HL_TUI_F_CONTENT);
    y += content_h;
    s_draw_field (self, HL_TUI_F_NAME, y, r.x, half);
    s_draw_field (self, HL_TUI_F_ADDRESS, y, r.x + half + 1, r.w - half - 1);
    int x = r.x;
    y++;
    x += s_draw_flag (self, HL_TUI_F_CONFIDENTIAL, y, x);
    x += s_draw_flag (self, HL_TUI_F_ANONYMOUS, y, x);
    x += s_draw_flag (self, HL_TUI_F_ENTERPRISE, y, x);
    hl_tui_screen_str (y, x, r.x + r.w - x, "空格切换", HL_TUI_DIM);
    y++;
    if (self->flag[HL_TUI_F_ENTERPRISE]) {
        s_draw_field (self, HL_TUI_F_CREDIT, y, r.x, half + 4);
        s_draw_field (self, HL_TUI_F_ENTNAME, y, r.x + half + 5, r.w - half - 5);
    }
}
