#!/usr/bin/env python3
"""lifecycle.py: everything the build derives from core/lifecycle.json.

Usage (meson runs the first four at build time; outputs go to the build tree):
  lifecycle.py TABLE c OUT.h OUT.c            the C table (hl_lifecycle_table.h/.c)
  lifecycle.py TABLE lua LIBRARY.lua OUT.lua  the Function library with its lifecycle part
  lifecycle.py TABLE json OUT.json            the table as the dashboard reads it
  lifecycle.py TABLE html PAGE.html OUT.html  the dashboard page with that JSON in it
  lifecycle.py TABLE check-doc DOC.md         exit 1 if DOC's generated section is stale
  lifecycle.py TABLE write-doc DOC.md         rewrite DOC's generated section

The table is checked first: every state, action, role, field, condition and
counter a part names must exist, so a typo stops the build with its place.
"""
import json
import sys

LUA_MARK = '-- @lifecycle@'
HTML_MARK = '/*@lifecycle@*/null'
DOC_BEGIN = '<!-- generated from core/lifecycle.json: tools/lifecycle.py write-doc -->'
DOC_END = '<!-- end of generated part -->'
CLOCKS = ('none', 'running', 'paused')
SAME = 'same'
LIST = 8                  # room in a C list, NULL-terminated


class TableError(Exception):
    pass


def load(path):
    with open(path, encoding='utf-8') as f:
        table = json.load(f)
    check(table)
    return table


def codes(table, part):
    return [x['code'] for x in table[part]]


def check(table):
    """Cross-references of the table, each failure naming its place."""
    states, actions = codes(table, 'states'), codes(table, 'actions')
    roles, fields = codes(table, 'roles'), codes(table, 'fields')
    conditions, counters = codes(table, 'conditions'), codes(table, 'counters')

    def need(ok, where, what):
        if not ok:
            raise TableError('core/lifecycle.json: %s: %s' % (where, what))

    tn = table['ticket_number']
    need(1 <= tn['buckets'] <= 10 ** tn['bucket_digits'], 'ticket_number',
         'buckets must fit in bucket_digits')
    need(tn['legacy_serial_digits'] != tn['bucket_digits'] + tn['serial_digits'], 'ticket_number',
         'numbers of layout 1 must not look like those of layout 2')
    need(tn['key_prefix'].endswith(':') and '{' not in tn['key_prefix'], 'ticket_number',
         'key_prefix ends with ":" and has no hash tag of its own')
    need(not tn['index_tag'].isdigit(), 'ticket_number',
         'index_tag is no bucket (buckets are digits)')
    stored = table['stored_fields']['names']
    shorts = list(stored.values())
    need(len(shorts) == len(set(shorts)), 'stored_fields', 'a short name appears twice')
    for name, short in stored.items():
        need(short not in stored, 'stored_fields ' + name, 'short name %s is a long one' % short)
        need(len(short) == 2 and ':' not in short, 'stored_fields ' + name,
             'short names are two characters, no ":" (the history and results have "h:", "a:")')
    for part in ('states', 'actions', 'roles', 'fields', 'conditions', 'counters', 'rates'):
        names = codes(table, part)
        need(len(names) == len(set(names)), part, 'a code appears twice')
    need(len(states) <= 32, 'states', 'at most 32 (from-states are a bit mask)')
    for f in table['fields']:
        need(len(f['examples']) < LIST, 'field ' + f['code'], 'at most %d examples' % (LIST - 1))
    for s in table['states']:
        need(s['clock'] in CLOCKS, 'state ' + s['code'], 'clock is one of ' + ', '.join(CLOCKS))
        need(isinstance(s['open'], bool), 'state ' + s['code'], 'open is true or false')
    for a in table['actions']:
        where = 'action ' + a['code']
        need(a['who'] in roles, where, 'unknown role ' + a['who'])
        need(a['from'], where, 'no from-states')
        for s in a['from']:
            need(s in states, where, 'unknown from-state ' + s)
        need(a['to'] in states or a['to'] == SAME, where, 'unknown to-state ' + a['to'])
        for f in a.get('needs', []):
            need(f in fields, where, 'unknown field ' + f)
        for c in a.get('requires', {}):
            need(c in conditions, where, 'unknown condition ' + c)
        for c in a.get('counts', []) + a.get('may_count', []):
            need(c in counters, where, 'unknown counter ' + c)
        for part in ('needs', 'counts', 'may_count'):
            need(len(a.get(part, [])) < LIST, where, 'at most %d %s' % (LIST - 1, part))
        b = a.get('branch')
        if b:
            need(b['field'] in a.get('needs', []), where, 'branch on a field it does not need')
            need(b['to'] in states, where, 'unknown branch state ' + b['to'])
    for c in table['conditions']:
        need(c['set_by'] in actions, 'condition ' + c['code'], 'unknown action ' + c['set_by'])
    for c in table['counters']:
        need(c['scope'] in ('unit', 'hotline'), 'counter ' + c['code'], 'scope is unit or hotline')
        need(c['kind'] in ('count', 'sum'), 'counter ' + c['code'], 'kind is count or sum')
        need(c.get('per') in ('ticket', 'event'), 'counter ' + c['code'], 'per is ticket or event')
    for r in table['rates']:
        for c in r['num'] + [r['den']]:
            need(c in counters, 'rate ' + r['code'], 'unknown counter ' + c)
        need(len(r['num']) <= 2, 'rate ' + r['code'], 'at most two counters in num')


def c_str(s):
    return json.dumps(s, ensure_ascii=False) if s is not None else 'NULL'


def c_list(items):
    return '{ ' + (', '.join(c_str(x) for x in items) or 'NULL') + ' }'


def gen_c(table, out_h, out_c):
    states, actions = codes(table, 'states'), codes(table, 'actions')
    counters = codes(table, 'counters')
    conds = codes(table, 'conditions')
    head = '/* generated by tools/lifecycle.py from core/lifecycle.json: do not edit */\n'
    h = [head, '#ifndef HL_LIFECYCLE_TABLE_H_INCLUDED', '#define HL_LIFECYCLE_TABLE_H_INCLUDED',
         '', '#include "hotline.pb-c.h"', '', '#include <stdbool.h>', '']
    h += ['//  The states, as the wire numbers them (an unknown name fails to compile).',
          'enum {']
    h += ['    HL_STATE_%s = HOTLINE__STATE__STATE_%s,' % (s.upper(), s.upper()) for s in states]
    h += ['};', '', 'enum {']
    h += ['    HL_ACTION_%s = HOTLINE__ACTION__ACTION_%s,' % (a.upper(), a.upper()) for a in actions]
    h += ['};', '', '//  Indexes into hl_lifecycle_counters.', 'enum {']
    h += ['    HL_COUNTER_%s,' % c.upper() for c in counters]
    h += ['};', '']
    n_open = sum(1 for s in table['states'] if s['open'])
    n_clock = sum(1 for s in table['states'] if s['clock'] != 'none')
    tn = table['ticket_number']
    h += ['//  Ticket numbers and where a ticket lives (core/lifecycle.json: ticket_number).',
          '#define HL_TICKET_BUCKETS %d' % tn['buckets'],
          '#define HL_TICKET_DATE_DIGITS %d' % tn['date_digits'],
          '#define HL_TICKET_BUCKET_DIGITS %d' % tn['bucket_digits'],
          '#define HL_TICKET_SERIAL_DIGITS %d' % tn['serial_digits'],
          '#define HL_TICKET_LEGACY_SERIAL_DIGITS %d' % tn['legacy_serial_digits'],
          '#define HL_KEY_PREFIX %s' % c_str(tn['key_prefix']),
          '//  The kind of a bucket\'s outbox stream (hl:{NN}:out) and the start of',
          '//  the global lists its consumers keep (hl:{ix}:state:<state>, ...).',
          '#define HL_OUTBOX_KIND %s' % c_str(tn['outbox']),
          '#define HL_INDEX_PREFIX %s' % c_str(tn['key_prefix'] + '{' + tn['index_tag'] + '}:'),
          '']
    h += ['#define HL_LIFECYCLE_STATES %d' % len(states),
          '#define HL_LIFECYCLE_OPEN %d' % n_open,
          '#define HL_LIFECYCLE_CLOCKED %d' % n_clock,
          '#define HL_LIFECYCLE_ACTIONS %d' % len(actions),
          '#define HL_LIFECYCLE_CONDITIONS %d' % len(conds),
          '#define HL_LIFECYCLE_FIELDS %d' % len(table['fields']),
          '#define HL_LIFECYCLE_COUNTERS %d' % len(counters),
          '#define HL_LIFECYCLE_RATES %d' % len(table['rates']),
          '#define HL_LIFECYCLE_SAME (-1)      //  an action\'s "to": the state stays',
          '#define HL_LIFECYCLE_LIST %d         //  room in a list below, NULL-terminated' % LIST, '',
          'typedef enum { HL_CLOCK_NONE, HL_CLOCK_RUNNING, HL_CLOCK_PAUSED } hl_clock_t;', '',
          'typedef struct {',
          '    int wire;                    //  Hotline__State',
          '    const char *code, *zh, *en;',
          '    bool open;',
          '    hl_clock_t clock;            //  the SLA clocks of a ticket in this state',
          '    bool intake;                 //  intake may create a ticket in it',
          '} hl_lifecycle_state_t;', '',
          'typedef struct {',
          '    const char *code;',
          '    bool value;                  //  what the action needs it to be',
          '} hl_lifecycle_require_t;', '',
          'typedef struct {',
          '    int wire;                    //  Hotline__Action',
          '    const char *code, *zh, *who;',
          '    unsigned from;               //  bit i: hl_lifecycle_states[i]',
          '    int to;                      //  index into hl_lifecycle_states, or SAME',
          '    //  A parameter that sends the ticket elsewhere: when BRANCH_FIELD is',
          '    //  BRANCH_VALUE the action leads to BRANCH_TO (BRANCH_FIELD NULL: none).',
          '    const char *branch_field, *branch_value;',
          '    int branch_to;',
          '    const char *needs[HL_LIFECYCLE_LIST];',
          '    hl_lifecycle_require_t requires[HL_LIFECYCLE_CONDITIONS + 1];',
          '    bool routes;                 //  gives the ticket a new lead unit',
          '    bool by_unit;                //  a department (its worker) may take it',
          '    const char *counts[HL_LIFECYCLE_LIST];     //  always, when taken',
          '    const char *may_count[HL_LIFECYCLE_LIST];  //  depending on time or parameters',
          '} hl_lifecycle_action_t;', '',
          'typedef struct {',
          '    const char *code, *set_by, *if_true, *if_false;',
          '} hl_lifecycle_condition_t;', '',
          'typedef struct {',
          '    const char *code, *en;',
          '    bool ticket;                 //  names another ticket',
          '    const char *examples[HL_LIFECYCLE_LIST];',
          '} hl_lifecycle_field_t;', '',
          'typedef struct {',
          '    const char *code;',
          '    bool hotline;                //  hotline-wide (unit "*"), not per unit',
          '    bool sum;                    //  a sum of amounts, not a count',
          '} hl_lifecycle_counter_t;', '',
          'typedef struct {',
          '    const char *code, *zh, *en;',
          '    int num[2];                  //  HL_COUNTER_*, -1 = none',
          '    int den;',
          '    bool lower_is_better;',
          '    int weight;                  //  in the 考核 score by default (0: none)',
          '} hl_lifecycle_rate_t;', '',
          'extern const hl_lifecycle_state_t hl_lifecycle_states[HL_LIFECYCLE_STATES];',
          '//  Open states, and states whose tickets may have clocks, in table order.',
          'extern const hl_lifecycle_state_t *const hl_lifecycle_open[HL_LIFECYCLE_OPEN];',
          'extern const hl_lifecycle_state_t *const hl_lifecycle_clocked[HL_LIFECYCLE_CLOCKED];',
          'extern const hl_lifecycle_action_t hl_lifecycle_actions[HL_LIFECYCLE_ACTIONS];',
          'extern const hl_lifecycle_condition_t hl_lifecycle_conditions[HL_LIFECYCLE_CONDITIONS];',
          'extern const hl_lifecycle_field_t hl_lifecycle_fields[HL_LIFECYCLE_FIELDS];',
          'extern const hl_lifecycle_counter_t hl_lifecycle_counters[HL_LIFECYCLE_COUNTERS];',
          'extern const hl_lifecycle_rate_t hl_lifecycle_rates[HL_LIFECYCLE_RATES];',
          '',
          '//  Field names of the ticket hash as stored (core/lifecycle.json: stored_fields),',
          '//  sorted by name in strcmp order (hl_lifecycle_stored_name searches it by halves).',
          'typedef struct {',
          '    const char *name, *stored;',
          '} hl_lifecycle_stored_t;',
          '#define HL_LIFECYCLE_STORED %d' % len(table['stored_fields']['names']),
          'extern const hl_lifecycle_stored_t hl_lifecycle_stored[HL_LIFECYCLE_STORED];',
          '', '#endif', '']

    c = [head, '#include "hl_lifecycle_table.h"', '',
         'const hl_lifecycle_state_t hl_lifecycle_states[HL_LIFECYCLE_STATES] = {']
    for s in table['states']:
        c.append('    { HL_STATE_%s, %s, %s, %s, %s, HL_CLOCK_%s, %s },' % (
            s['code'].upper(), c_str(s['code']), c_str(s['zh']), c_str(s['en']),
            str(s['open']).lower(), s['clock'].upper(), str(s.get('intake', False)).lower()))
    c += ['};', '']
    for name, pick in (('open', lambda s: s['open']), ('clocked', lambda s: s['clock'] != 'none')):
        c.append('const hl_lifecycle_state_t *const hl_lifecycle_%s[HL_LIFECYCLE_%s] = {' % (
            name, name.upper()))
        c += ['    &hl_lifecycle_states[%d],' % i for i, s in enumerate(table['states']) if pick(s)]
        c += ['};', '']
    by_unit = {r['code']: r.get('unit', False) for r in table['roles']}
    c.append('const hl_lifecycle_action_t hl_lifecycle_actions[HL_LIFECYCLE_ACTIONS] = {')
    for a in table['actions']:
        mask = ' | '.join('1u << %d' % states.index(s) for s in a['from'])
        to = 'HL_LIFECYCLE_SAME' if a['to'] == SAME else str(states.index(a['to']))
        req = ', '.join('{ %s, %s }' % (c_str(k), str(v).lower())
                        for k, v in a.get('requires', {}).items())
        b = a.get('branch', {})
        c.append('    { HL_ACTION_%s, %s, %s, %s, %s, %s, %s, %s, %d, %s, { %s }, %s, %s, %s, %s },' % (
            a['code'].upper(), c_str(a['code']), c_str(a['zh']), c_str(a['who']), mask, to,
            c_str(b.get('field')), c_str(b.get('value')),
            states.index(b['to']) if b else -1,
            c_list(a.get('needs', [])), req or '{ NULL, false }',
            str(a.get('routes', False)).lower(), str(by_unit[a['who']]).lower(),
            c_list(a.get('counts', [])), c_list(a.get('may_count', []))))
    c += ['};', '', 'const hl_lifecycle_condition_t hl_lifecycle_conditions[HL_LIFECYCLE_CONDITIONS] = {']
    c += ['    { %s, %s, %s, %s },' % (c_str(x['code']), c_str(x['set_by']), c_str(x['if_true']),
                                      c_str(x['if_false'])) for x in table['conditions']]
    c += ['};', '', 'const hl_lifecycle_field_t hl_lifecycle_fields[HL_LIFECYCLE_FIELDS] = {']
    c += ['    { %s, %s, %s, %s },' % (c_str(x['code']), c_str(x['en']),
                                      str(x.get('kind') == 'ticket').lower(),
                                      c_list(x['examples'])) for x in table['fields']]
    c += ['};', '', 'const hl_lifecycle_counter_t hl_lifecycle_counters[HL_LIFECYCLE_COUNTERS] = {']
    c += ['    { %s, %s, %s },' % (c_str(x['code']), str(x['scope'] == 'hotline').lower(),
                                  str(x['kind'] == 'sum').lower()) for x in table['counters']]
    c += ['};', '', 'const hl_lifecycle_rate_t hl_lifecycle_rates[HL_LIFECYCLE_RATES] = {']
    for r in table['rates']:
        num = [counters.index(x) for x in r['num']] + [-1] * (2 - len(r['num']))
        c.append('    { %s, %s, %s, { %d, %d }, %d, %s, %d },' % (
            c_str(r['code']), c_str(r['zh']), c_str(r['en']), num[0], num[1],
            counters.index(r['den']), str(r.get('lower_is_better', False)).lower(),
            r.get('weight', 0)))
    c += ['};', '', 'const hl_lifecycle_stored_t hl_lifecycle_stored[HL_LIFECYCLE_STORED] = {']
    stored = sorted(table['stored_fields']['names'].items(), key=lambda kv: kv[0].encode())
    c += ['    { %s, %s },' % (c_str(k), c_str(v)) for k, v in stored]
    c += ['};', '']
    write(out_h, '\n'.join(h))
    write(out_c, '\n'.join(c))


def lua_str(s):
    return "'" + s.replace('\\', '\\\\').replace("'", "\\'") + "'"


def lua_set(items):
    return '{' + ', '.join('[%s] = true' % lua_str(x) for x in items) + '}'


def lua_list(items):
    return '{' + ', '.join(lua_str(x) for x in items) + '}'


def lua_fragment(table):
    """The lifecycle as Lua tables: literals only, since the library's
    top level runs when Redis offers only the bare language."""
    counters = {c['code']: c for c in table['counters']}
    tn = table['ticket_number']
    out = ['-- generated by tools/lifecycle.py from core/lifecycle.json: do not edit',
           '-- TICKET: where a ticket number says the ticket lives (its bucket, the',
           '-- hash tag of its keys) and how intake makes one.',
           'local TICKET = {key_prefix = %s, serial_format = %s, bucket_format = %s,' % (
               lua_str(tn['key_prefix']), lua_str('%%0%dd' % tn['serial_digits']),
               lua_str('%%0%dd' % tn['bucket_digits'])),
           '  outbox = %s, index_prefix = %s,' % (
               lua_str(tn['outbox']), lua_str(tn['key_prefix'] + '{' + tn['index_tag'] + '}:')),
           '  bucket_pattern = %s}' % lua_str(
               '^%u*' + '%d' * tn['date_digits'] + '(' + '%d' * tn['bucket_digits'] + ')'
               + '%d' * tn['serial_digits']),
           '-- Numbers of layout 1 live in bucket 0.',
           'TICKET.legacy_pattern = %s' % lua_str(
               '^%u*' + '%d' * (tn['date_digits'] + tn['legacy_serial_digits']) + '$'),
           'TICKET.legacy_bucket = %s' % lua_str('0' * tn['bucket_digits']),
           '-- OPEN: the open states; OPEN_STATES: the same in table order.',
           'local OPEN = ' + lua_set(s['code'] for s in table['states'] if s['open']),
           'local OPEN_STATES = ' + lua_list(s['code'] for s in table['states'] if s['open']),
           '-- RULES[action]: who may take it, from which states, the state it',
           '-- leads to (nil: the state stays), the parameters it needs, the',
           '-- conditions it requires, whether it routes, the parameter value',
           '-- that sends it elsewhere (branch), what it counts always',
           '-- (counters per unit or, in HOTLINE_WIDE, for the hotline).',
           'local RULES = {']
    for a in table['actions']:
        parts = ['who = ' + lua_str(a['who']), 'from = ' + lua_set(a['from'])]
        if a['to'] != SAME:
            parts.append('to = ' + lua_str(a['to']))
        parts.append('needs = ' + lua_list(a.get('needs', [])))
        if a.get('requires'):
            parts.append('requires = {' + ', '.join(
                '%s = %s' % (k, str(v).lower()) for k, v in a['requires'].items()) + '}')
        if a.get('routes'):
            parts.append('routes = true')
        if a.get('branch'):
            b = a['branch']
            parts.append('branch = {field = %s, value = %s, to = %s}' % (
                lua_str(b['field']), lua_str(b['value']), lua_str(b['to'])))
        parts.append('counts = ' + lua_list(c for c in a.get('counts', [])
                                           if counters[c]['kind'] == 'count'))
        out.append('  [%s] = {%s},' % (lua_str(a['code']), ', '.join(parts)))
    out.append('}')
    out.append('local CONDITIONS = {')
    for c in table['conditions']:
        out.append('  %s = {[true] = %s, [false] = %s},' % (
            c['code'], lua_str(c['if_true']), lua_str(c['if_false'])))
    out.append('}')
    out.append('local HOTLINE_WIDE = ' + lua_set(c['code'] for c in table['counters']
                                                 if c['scope'] == 'hotline'))
    names = table['stored_fields']['names']
    out.append('-- F[name]: the ticket hash field NAME as stored, for the fields stored')
    out.append('-- under a short name; SHOWN[short]: the name again, for readers.')
    out.append('local F = {' + ', '.join('[%s] = %s' % (lua_str(k), lua_str(v))
                                     for k, v in names.items()) + '}')
    out.append('local SHOWN = {' + ', '.join('[%s] = %s' % (lua_str(v), lua_str(k))
                                         for k, v in names.items()) + '}')
    return '\n'.join(out)


def gen_lua(table, library, out):
    with open(library, encoding='utf-8') as f:
        text = f.read()
    if text.count(LUA_MARK + '\n') != 1:
        raise TableError('%s: needs one line "%s" where the lifecycle goes' % (library, LUA_MARK))
    write(out, text.replace(LUA_MARK + '\n', lua_fragment(table) + '\n'))


def web_json(table):
    return json.dumps({k: v for k, v in table.items() if k != 'about'}, ensure_ascii=False,
                      separators=(',', ':'))


def gen_html(table, page, out):
    with open(page, encoding='utf-8') as f:
        text = f.read()
    if text.count(HTML_MARK) != 1:
        raise TableError('%s: needs one "%s" where the lifecycle goes' % (page, HTML_MARK))
    write(out, text.replace(HTML_MARK, web_json(table).replace('</', '<\\/')))


def doc_section(table):
    """The state and action tables of docs/lifecycle.md."""
    conditions = {c['code']: c for c in table['conditions']}
    entered = {s['code']: [] for s in table['states']}
    for a in table['actions']:
        for to in [a['to']] + ([a['branch']['to']] if a.get('branch') else []):
            if to != SAME:
                entered[to] += [c for c in a.get('counts', []) if c not in entered[to]]
    out = [DOC_BEGIN, '', '### States', '',
           '| state | 中文 | English | open? | SLA clocks | intake may create it | counted on entry |',
           '|---|---|---|---|---|---|---|']
    for s in table['states']:
        out.append('| `%s` | %s | %s | %s | %s | %s | %s |' % (
            s['code'], s['zh'], s['en'], 'yes' if s['open'] else 'no', s['clock'],
            'yes' if s.get('intake') else '',
            ', '.join('`%s`' % c for c in entered[s['code']])))
    out += ['', '### Actions', '',
            '| action | who | from | to | needs | requires | counts |', '|---|---|---|---|---|---|---|']
    for a in table['actions']:
        to = 'unchanged' if a['to'] == SAME else '`%s`' % a['to']
        if a.get('branch'):
            b = a['branch']
            to += '; `%s` when `%s` is %s' % (b['to'], b['field'], b['value'])
        if a.get('otherwise'):
            to += '; ' + a['otherwise']
        needs = ', '.join('`%s`' % n for n in a.get('needs', []))
        if a.get('limits'):
            needs += ('; ' if needs else '') + a['limits']
        req = ', '.join(conditions[k]['if_true' if v else 'if_false']
                        for k, v in a.get('requires', {}).items())
        counts = ', '.join(['`%s`' % c for c in a.get('counts', [])] +
                           ['(`%s`)' % c for c in a.get('may_count', [])])
        if a.get('effects'):
            to += '; ' + a['effects']
        out.append('| `%s` %s | %s | %s | %s | %s | %s | %s |' % (
            a['code'], a['zh'], a['who'], ', '.join('`%s`' % s for s in a['from']), to,
            needs, req, counts))
    out += ['', 'Who: ' + '; '.join('`%s`: %s' % (r['code'], r['en']) for r in table['roles']) + '.',
            '', 'Parameters: ' + '; '.join('`%s`: %s' % (f['code'], f['en'])
                                           for f in table['fields']) + '.',
            '', 'Counters in brackets move only on time or with certain parameters'
            ' (docs/metrics.md).', '', DOC_END]
    return '\n'.join(out)


def doc_split(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    begin, end = text.find(DOC_BEGIN), text.find(DOC_END)
    if begin < 0 or end < begin:
        raise TableError('%s: no generated section (%s ... %s)' % (path, DOC_BEGIN, DOC_END))
    return text[:begin], text[begin:end + len(DOC_END)], text[end + len(DOC_END):]


def write(path, text):
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    table, mode, rest = load(argv[1]), argv[2], argv[3:]
    if mode == 'c' and len(rest) == 2:
        gen_c(table, rest[0], rest[1])
    elif mode == 'lua' and len(rest) == 2:
        gen_lua(table, rest[0], rest[1])
    elif mode == 'json' and len(rest) == 1:
        write(rest[0], web_json(table) + '\n')
    elif mode == 'html' and len(rest) == 2:
        gen_html(table, rest[0], rest[1])
    elif mode == 'check-doc' and len(rest) == 1:
        if doc_split(rest[0])[1] != doc_section(table):
            sys.stderr.write('%s: its generated section is stale; run: tools/lifecycle.py '
                             'core/lifecycle.json write-doc %s\n' % (rest[0], rest[0]))
            return 1
    elif mode == 'write-doc' and len(rest) == 1:
        before, _, after = doc_split(rest[0])
        write(rest[0], before + doc_section(table) + after)
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv))
    except KeyError as e:
        sys.stderr.write('lifecycle.py: core/lifecycle.json: an entry lacks %s\n' % e)
        sys.exit(1)
    except (TableError, OSError, ValueError) as e:
        sys.stderr.write('lifecycle.py: %s\n' % e)
        sys.exit(1)
