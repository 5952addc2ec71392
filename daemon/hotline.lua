#!lua name=hotline
--
-- Server-side steps of the hotline ticket store (Redis 7 Functions).
--
-- Each function is one atomic step: either all of its writes happen or
-- none, and no other client sees a half-made ticket. hotlined loads this
-- library with FUNCTION LOAD REPLACE on every (re)connect; Functions are
-- persisted in the AOF and replicated, unlike the EVALSHA script cache.
--
-- Keys. A ticket's own keys carry its bucket as a hash tag ({NN}, see
-- ticket_number in core/lifecycle.json): hotlined names them and passes
-- them as KEYS, and what a step derives (a day's sequence, a merged
-- ticket) keeps the tag of the keys it was given.
--   hl:{NN}:t:<ticket>      hash    the ticket's fields (the longer names stored short,
--                                   F and SHOWN: core/lifecycle.json stored_fields);
--                                   "a:<i>" fields hold its last
--                                   actions' results, for idempotent retries (ACT_KEEP);
--                                   its history: "h:n" entries, the i-th in "h:<i>"
--                                   (history_entry, history_add)
--   hl:{NN}:merged:<ticket> set     tickets merged into this one
--   hl:{NN}:seq:<yyyymmdd>  string  the bucket's ticket serial of the day
--   hl:{NN}:rid             hash    "g:<period>": the groups of a period's idempotency
--                                   records, and "since" (Idempotency records, below)
--   hl:{NN}:rid:<period>:<g> hash   "<ch>:<rid>" -> "<ticket>|<fingerprint>", the
--                                   requests of a period in group g, for idempotency
--   hl:{NN}:idem:<ch>:<rid> string  the same, one key a request (layout 7 and older:
--                                   still read until they expire, no longer written)
--   hl:{NN}:timers          zset    the bucket's SLA reminders (see Timers below)
--   hl:{NN}:sla:warned      zset    "<ticket>|<milestone>" warned, by due moment
--   hl:{NN}:sla:overdue     zset    "<ticket>|<milestone>" overdue, by due moment
--   hl:{NN}:lease           string  the hotlined instance firing the bucket's timers
--   hl:{NN}:out             stream  the bucket's outbox: one entry per change of one
--                                   of its tickets, appended by the step (outbox)
--   hl:{NN}:retire          zset    closed tickets whose every change the archive has
--                                   committed, by closing moment (Retention below)
--   hl:{NN}:m:<yyyymmdd>    hash    the bucket's counters of a day (Metrics below)
--   hl:{NN}:mi:<minute>     hash    the bucket's intake of a minute, by channel
--   hl:{NN}:unit:<code>     zset    the bucket's open tickets a unit leads, by creation
--                                   time (kept by hotlined from the outbox, below;
--                                   hl_store merges the buckets' lists)
-- Kept by hotlined from the outboxes (daemon/hl_outbox), under one tag of
-- their own so that one read sees them; written by no step, only by the
-- idx group's hl_index_apply:
--   hl:{ix}:callers:<group> zset    callers' tickets, "<caller>|<created_ms>|<ticket>"
--                                   at score 0, read by lexical range; the caller a
--                                   keyed hash of the number, made by hotlined, and
--                                   the group a hash of it (core/hl_callerix.h)
--   hl:{ix}:state:<state>   zset    tickets in a state by creation time
-- Per unit, under the unit's own tag (daemon/hl_unitq), from the q group:
--   hl:q:{<code>}           stream  tickets waiting for the unit's workers
--   hl:q:{<code>}:o         hash    per bucket, the latest outbox entry queued from
--                                   (hl_unitq_push)
-- Still kept for the whole store, in no bucket:
--   hl:instances          zset    live hotlined instances by heartbeat expiry (leases)

-- The layout of this library and of the keys it writes (daemon/hl_layout.h):
-- raise it with any change an older hotlined would misread or misuse.
-- 8: idempotency records grouped in hashes per bucket and period; texts in
-- hl_textpack's 12-bit form (0xFD), which an older reader would show as
-- bytes; the idx group's moves through hl_index_apply, which an older
-- library lacks.
local LAYOUT_VERSION = 8

-- Days since 1970-01-01 to a civil date (proleptic Gregorian calendar).
local function civil_date(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
                          - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400 + (m <= 2 and 1 or 0)
  return string.format('%04d%02d%02d', y, m, d)
end

-- The time of this step. All hotlined instances sharing a Redis take the
-- time from Redis itself, so ticket numbers and creation times follow one
-- clock; a test clock may be passed in instead.
local function now_ms(arg)
  if arg ~= nil and arg ~= '' then
    return tonumber(arg)
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- One history entry: AT (ms), ACTOR, ACTION, FROM, TO, NOTE, separated by
-- the unit separator (0x1f). Not JSON: its keys and quotes cost ~45 bytes
-- an entry in memory and a cjson.encode a step (bench/run-memory). A
-- separator or newline typed into a note becomes a space. AT is written
-- as digits by hand (a Lua number would be formatted as floating point);
-- given the ticket's creation moment BASE, as "+<ms since>" (layout 5:
-- 1-9 digits instead of 13; history_parts adds it back).
local function history_entry(at, actor, action, from, to, note, base)
  local n, b = tonumber(at), tonumber(base)
  if b and n and n >= b then
    at = '+' .. string.format('%d', n - b)
  elseif type(at) == 'number' then
    at = string.format('%d', at)
  end
  return at .. '\31' .. actor .. '\31' .. action .. '\31' .. from .. '\31' .. to .. '\31'
         .. string.gsub(note or '', '[\n\31]', ' ')
end

-- A ticket's history lives in its own hash: field HISTORY_COUNT holds the
-- number of entries, field "h:<i>" the i-th (history_field). A step adds
-- one field and never reads the entries before it: a separate string key
-- was read and rewritten whole by every step (GET + SET: two of a sign's
-- eleven commands, the whole history copied twice) and cost a key of its
-- own, ~100 bytes a ticket (bench/run-steps, bench/run-memory).
local HISTORY_COUNT = 'h:n'

local function history_field(i)
  return 'h:' .. string.format('%d', i)
end

-- Appends ENTRY to the history of the ticket whose hash is K (which exists).
local function history_add(k, entry)
  local n = redis.call('HINCRBY', k, HISTORY_COUNT, 1)
  redis.call('HSET', k, history_field(n), entry)
end

-- Whether field NAME of a ticket hash is one of its history's ("h:...").
local function is_history_field(name)
  return string.byte(name, 1) == 104 and string.byte(name, 2) == 58
end

-- ---------------------------------------------------------------------
-- Metrics (docs/metrics.md), kept as things happen, never by scanning, in
-- the bucket of the ticket they are about (inside its transition, so one
-- call touches one slot); readers sum the buckets:
--   hl:{NN}:m:<yyyymmdd>  hash "<unit>|<counter>" -> count, per Beijing day;
--                         unit "*" holds the hotline-wide counters
--   hl:{NN}:mi:<minute>   hash channel -> tickets taken in that minute (2 h TTL)

-- Days since 1970-01-01 in Beijing time (UTC+8) of the moment NOW (ms).
local function day_number(now)
  return math.floor((now / 1000 + 8 * 3600) / 86400)
end

local function day_of(now)
  return civil_date(day_number(now))
end

-- The counter hash of bucket TAG (hl:{NN}:) on day DAY (yyyymmdd).
local function counter_key(tag, day)
  return tag .. 'm:' .. day
end

-- Adds BY (default 1) to UNIT's COUNTER of day DAY in bucket TAG.
local function count_on(tag, day, unit, counter, by)
  redis.call('HINCRBY', counter_key(tag, day), unit .. '|' .. counter, by or '1')
end

-- The same on NOW's day.
local function count(tag, now, unit, counter, by)
  count_on(tag, day_of(now), unit, counter, by)
end

-- What a new ticket counts, in its bucket TAG: the minute's and the
-- day's intake by CHANNEL, the tickets taken, and whether it was
-- answered directly (STATE). A ticket dispatched at intake counts its
-- figures per ticket (fig_intake).
local function intake_metrics(tag, ticket, now, channel, state, unit, p)
  local minute = tag .. 'mi:' .. math.floor(now / 60000)
  if redis.call('HINCRBY', minute, channel, '1') == 1 then
    redis.call('EXPIRE', minute, 7200)
  end
  count(tag, now, '*', 'intake:' .. channel)
  count(tag, now, '*', 'taken')
  if state == 'answered_directly' then
    count(tag, now, '*', 'answered_directly')
  end
end

-- The lifecycle table (core/lifecycle.json): OPEN, OPEN_STATES, RULES,
-- CONDITIONS, HOTLINE_WIDE. The build puts it here.
-- @lifecycle@

-- The start of every key of TICKET's bucket, hl:{NN}: (a number of layout
-- 1 is in bucket 0); nil if TICKET is no ticket number.
local function ttag(ticket)
  local b = string.match(ticket, TICKET.bucket_pattern)
  if not b and string.match(ticket, TICKET.legacy_pattern) then b = TICKET.legacy_bucket end
  if not b then return nil end
  return TICKET.key_prefix .. '{' .. b .. '}:'
end

-- The key of KIND of TICKET, in the ticket's bucket: hl:{NN}:KIND:TICKET;
-- nil if TICKET is no ticket number.
local function tkey(ticket, kind)
  local tag = ttag(ticket)
  return tag and tag .. kind .. ':' .. ticket
end

-- The start hl:{NN}: of a key given to a Function (nil: it has no tag);
-- the bucket's own keys (timers, lists) are derived from it.
local function tag_of(key)
  return key and string.match(key, '^(.-{%d+}:)')
end

-- Appends the ticket hash's field/value pairs ARGS[FIRST..LAST] (the
-- names readers use) to LIST, each field under its stored name (F).
local function stored_pairs(list, args, first, last)
  local n = #list
  for i = first, last - 1, 2 do
    list[n + 1], list[n + 2], n = F[args[i]] or args[i], args[i + 1], n + 2
  end
end

-- Named arguments: name, value, ... up to an argument 'fields' (if any),
-- after which the rest are the ticket hash's field/value pairs. Returns
-- the table and where those pairs start.
local function named(args)
  local p, i, n = {}, 1, #args
  while i < n and args[i] ~= 'fields' do
    p[args[i]] = args[i + 1]
    i = i + 2
  end
  return p, i + 1
end

-- ---------------------------------------------------------------------
-- The outbox. Every step that changes a ticket appends one entry to its
-- bucket's stream hl:{NN}:out in the same call; hotlined's consumer groups
-- (daemon/hl_outbox) make the side effects from it: the global lists, live
-- events, the units' worker queues. So no step writes a key outside its
-- bucket, and nothing a step did is missed by an effect (the entry is
-- written or the step is not). The consumers trim it (hl_outbox_trim).
-- Fields (the contract: t ticket, k kind (intake, the action, timer), f and s
-- the state before and after, u and pu the lead unit after and before, as
-- the assisting units, c created_ms, at the step's moment; EXTRA more pairs.
-- pu is left out when it is u, as when it is empty (most steps: ~30 bytes
-- of an entry's ~270, in the AOF and the stream); readers take a missing pu
-- as u and a missing as as none, and entries written before, which carry
-- both, read as they did.
local function outbox(tag, ticket, kind, from, to, unit, pu, assist, created, at, extra)
  unit, pu, assist = unit or '', pu or '', assist or ''
  local e = {'XADD', tag .. TICKET.outbox, '*', 't', ticket, 'k', kind, 'f', from, 's', to,
             'u', unit}
  if pu ~= unit then e[#e + 1], e[#e + 2] = 'pu', pu end
  if assist ~= '' then e[#e + 1], e[#e + 2] = 'as', assist end
  e[#e + 1], e[#e + 2], e[#e + 3], e[#e + 4] = 'c', created, 'at', at
  if extra then
    for i = 1, #extra do e[#e + 1] = extra[i] end
  end
  redis.call(unpack(e))
end

-- The global list of KIND ('state', 'unit', 'caller') under NAME.
local function index_key(kind, name)
  return TICKET.index_prefix .. kind .. ':' .. name
end

-- ---------------------------------------------------------------------
-- SLA clocks (docs/sla.md). Each milestone (sign, contact, reply, visit)
-- has its clock's start and status in the ticket hash; its reminders live
-- in its bucket's sorted set hl:{NN}:timers as "<ticket>|<milestone>|<level>"
-- scored by the moment they fire, and its warned or overdue milestones in
-- hl:{NN}:sla:warned and hl:{NN}:sla:overdue. hotlined computes the moments
-- (working calendar) and arms them with hl_sla_arm; hl_timer_fire pops what
-- is due in one bucket, once. Every step touches the timers of one bucket
-- only, derived from the ticket's keys it was given (docs/sla.md).

local MILESTONES = {'sign', 'contact', 'reply', 'visit'}
local LEVELS = {'warn', 'overdue', 'escalate'}
local LEVEL_STATUS = {warn = 'warned', overdue = 'overdue', escalate = 'escalated'}

-- A milestone's clock is one field of the ticket hash, CLOCK[m]
-- ("sla:<milestone>"), its parts (CLOCK_PARTS) separated by commas:
-- moments in ms, status, levels fired; '' for none. Seven fields a clock
-- (layout 2) cost ~100 bytes more in names and listpack headers
-- (bench/run-memory). hl_ticket_get spells them out again for readers as
-- sla_<milestone>_<part>.
local CLOCK_PARTS = {'start', 'status', 'fired', 'warn', 'due', 'esc', 'met'}
local CLOCK_PATTERN = '^([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*)$'
local CLOCK, CLOCK_OF, PRE = {}, {}, {}
for i = 1, #MILESTONES do
  local m = MILESTONES[i]
  CLOCK[m] = F['sla:' .. m]             -- stored under its short name (layout 7)
  CLOCK_OF[CLOCK[m]] = m
  PRE[m] = {warn = 'pre_' .. m .. '_warn', due = 'pre_' .. m .. '_due',
            esc = 'pre_' .. m .. '_esc'}
end

-- The moments after the start (warn, due, escalate, met) are kept as
-- "+<ms after the start>" (layout 5): 5-8 digits instead of 13, ~25
-- bytes a clock (bench/run-memory); a plain moment (older clocks, or one
-- before the start) reads as it is.
local CLOCK_OFFSETS = {'warn', 'due', 'esc', 'met'}

-- A clock's field value V into a table of its parts, moments in ms as
-- digits (nil: no clock).
local function clock_decode(v)
  if not v then return nil end
  local start, status, fired, warn, due, esc, met = string.match(v, CLOCK_PATTERN)
  local c = {start = start, status = status, fired = fired, warn = warn, due = due, esc = esc,
             met = met}
  local base = tonumber(start)
  for i = 1, #CLOCK_OFFSETS do
    local part = CLOCK_OFFSETS[i]
    local x = c[part]
    if base and x and string.byte(x, 1) == 43 then
      c[part] = string.format('%d', base + tonumber(string.sub(x, 2)))
    end
  end
  return c
end

local function digits(v)
  if type(v) == 'number' then return string.format('%d', v) end
  return v or ''
end

-- Moment V of a clock started at BASE (a number, or nil) as stored.
local function clock_moment(v, base)
  local at = tonumber(v)
  if base and at and at >= base then return '+' .. string.format('%d', at - base) end
  return digits(v)
end

local function clock_encode(c)
  local base = tonumber(c.start)
  return digits(c.start) .. ',' .. digits(c.status) .. ',' .. digits(c.fired) .. ','
         .. clock_moment(c.warn, base) .. ',' .. clock_moment(c.due, base) .. ','
         .. clock_moment(c.esc, base) .. ',' .. clock_moment(c.met, base)
end

-- Milestone M's clock of the ticket whose hash is K, read now.
local function clock_read(k, m)
  return clock_decode(redis.call('HGET', k, CLOCK[m]))
end

-- Writes within one step are gathered and made at its end (flush): the
-- ticket hash's fields (W, WN entries of field, value, ...; a later value
-- of a field wins, as in HSET) with one HSET, the reminders to wait in
-- the bucket's timers (Z, member -> moment) with one ZADD. Fewer calls, the same
-- atomic result. Functions run one at a time, so these serve every call,
-- and W is reused rather than grown anew each step.
local W, WN, Z = {}, 0, {}

local function begin_step()
  WN, Z = 0, {}
end

-- Integers go to Redis as digits made here: Redis would format a Lua
-- number with a slow floating-point conversion.
local function put1(field, value)
  if value == nil then return end
  if type(value) == 'number' then value = string.format('%d', value) end
  W[WN + 1], W[WN + 2], WN = field, value, WN + 2
end

-- Up to four field, value pairs (fixed arity: no vararg copies). A nil
-- value leaves its field as it is.
local function put(f1, v1, f2, v2, f3, v3, f4, v4)
  put1(f1, v1)
  if f2 then put1(f2, v2) end
  if f3 then put1(f3, v3) end
  if f4 then put1(f4, v4) end
end

local function flush(k)
  if WN > 0 then redis.call('HSET', k, unpack(W, 1, WN)) end
  local timers, n = {}, 0
  for member, moment in pairs(Z) do
    timers[n + 1], timers[n + 2], n = moment, member, n + 2
  end
  if n > 0 then redis.call('ZADD', tag_of(k) .. 'timers', unpack(timers)) end
  begin_step()
end

local function sla_disarm(ticket, m)
  local warn, overdue, escalate = ticket .. '|' .. m .. '|warn', ticket .. '|' .. m .. '|overdue',
                                  ticket .. '|' .. m .. '|escalate'
  Z[warn], Z[overdue], Z[escalate] = nil, nil, nil
  redis.call('ZREM', ttag(ticket) .. 'timers', warn, overdue, escalate)
end

-- Writes clock C of milestone M (its whole field: the step's last write wins).
local function clock_put(m, c)
  put1(CLOCK[m], clock_encode(c))
end

-- Sets the moments of milestone M's running clock C and puts its first
-- reminder not yet fired (above FIRED) in the bucket's timers. FRESH: the clock has
-- just started, so nothing of it waits there yet. The caller records the
-- generation of the moments (sla_gen) once for all the clocks it sets.
local function sla_set(ticket, m, c, moments, fired, fresh)
  if not fresh then sla_disarm(ticket, m) end
  for l = fired + 1, #LEVELS do
    if moments[l] ~= '' then
      Z[ticket .. '|' .. m .. '|' .. LEVELS[l]] = moments[l]
      break
    end
  end
  c.warn, c.due, c.esc = moments[1], moments[2], moments[3]
  clock_put(m, c)
end

-- Stops milestone M's clock (T.clocks holds it as the step began).
local function sla_stop(ticket, m, now, t)
  local c = t.clocks[m]
  local st = c and c.status
  if st and st ~= 'met' then
    sla_disarm(ticket, m)
    if st ~= 'running' then
      local tag = ttag(ticket)
      redis.call('ZREM', tag .. 'sla:warned', ticket .. '|' .. m)
      redis.call('ZREM', tag .. 'sla:overdue', ticket .. '|' .. m)
    end
    c.status, c.met = 'met', now
    clock_put(m, c)
  end
end

-- Milestone M's deadline in T (a number; nil: none).
local function clock_due(t, m)
  local c = t.clocks[m]
  return c and tonumber(c.due or '')
end

-- True if milestone M (deadline in T as the step began) is met at NOW in time.
local function on_time(t, m, now)
  local due = clock_due(t, m)
  return due == nil or now <= due
end

local function sla_running(t, m)
  local c = t.clocks[m]
  return c and c.status ~= 'met'
end

-- ---------------------------------------------------------------------
-- Figures per ticket (docs/metrics.md). A rate counts tickets, each once:
-- its denominator is what was due of a ticket in the period, counted into
-- the day the due moment falls on (and for the unit it was due from) when
-- the clock is armed; its numerator is counted into the same day and unit
-- when the milestone is met, so no rate can pass 100 %. What a ticket
-- counted where is kept in its field 'mc', so that a deadline armed anew
-- moves the ticket (once) while the milestone is pending, a reply sent
-- back takes its numerator back, and an appeal granted takes everything
-- back. 'mc' is "[x]" (x: excluded on appeal) then entries "ID,UNIT,DAY,FLAGS;"
-- where FLAGS are the numerators counted (letters below) and '!' once the
-- milestone is met (the entry stays where it is from then on). An entry's
-- UNIT or DAY left empty is the entry's before it (layout 7: ~30 bytes a
-- ticket that has its four deadlines; no entry has an empty unit, and a
-- day is always eight digits).

-- Each entry's denominator, and its numerators by letter. S, C, R, V: the
-- sign, contact, reply and visit deadlines; D: the ticket dispatched to a
-- unit (one entry per unit); Q: the caller's rating (the latest one).
local ENTRY_DEN = {S = 'sign_due', C = 'contact_due', R = 'reply_due', V = 'visit_due',
                   D = 'dispatched', Q = 'rated'}
local ENTRY_NUM = {S = {o = 'signed_on_time'},
                   C = {o = 'contacted_on_time', r = 'responded_on_time'},
                   R = {o = 'replied_on_time'}, V = {d = 'visit_done'},
                   D = {t = 'returned', p = 'reopened'},
                   Q = {r = 'resolved', s = 'satisfied', b = 'basically_satisfied',
                        u = 'unsatisfied'}}
local MILESTONE_ENTRY = {sign = 'S', contact = 'C', reply = 'R', visit = 'V'}
local RATING_LETTER = {satisfied = 's', basically_satisfied = 'b', unsatisfied = 'u'}

-- The entries of ticket K for one step: read once, written once (fig_save).
-- RAW: the field's value when the step read it with its other fields (a
-- transition does), else it is read here.
local FIG = nil

local function fig_load(k, raw)
  raw = raw or redis.call('HGET', k, 'mc') or ''
  FIG = {k = k, tag = tag_of(k), excluded = string.sub(raw, 1, 1) == 'x', list = {},
         dirty = false}
  local last_unit, last_day = '', ''
  for id, unit, day, flags in string.gmatch(raw, '(%u),([^,;]*),(%d*),([^,;]*);') do
    if unit == '' then unit = last_unit end
    if day == '' then day = last_day end
    FIG.list[#FIG.list + 1] = {id = id, unit = unit, day = day, flags = flags}
    last_unit, last_day = unit, day
  end
  return FIG
end

local function fig_text(f)
  local out, last_unit, last_day = {f.excluded and 'x' or ''}, '', ''
  for _, e in ipairs(f.list) do
    out[#out + 1] = e.id .. ',' .. (e.unit == last_unit and '' or e.unit) .. ','
                    .. (e.day == last_day and '' or e.day) .. ',' .. e.flags .. ';'
    last_unit, last_day = e.unit, e.day
  end
  return table.concat(out)
end

-- Into the step's one HSET of the ticket (put, flush): every caller
-- flushes K after it.
local function fig_save(f)
  if f.dirty then put1('mc', fig_text(f)) end
  FIG = nil
end

-- The entry ID (of UNIT, for D), or nil.
local function fig_find(f, id, unit)
  for _, e in ipairs(f.list) do
    if e.id == id and (id ~= 'D' or e.unit == unit) then return e end
  end
  return nil
end

local function has(flags, letter)
  return string.find(flags, letter, 1, true) ~= nil
end

-- Adds BY to entry E's denominator and to each numerator it counted.
local function fig_add(f, e, by)
  count_on(f.tag, e.day, e.unit, ENTRY_DEN[e.id], by)
  for letter, counter in pairs(ENTRY_NUM[e.id]) do
    if has(e.flags, letter) then count_on(f.tag, e.day, e.unit, counter, by) end
  end
end

-- Entry ID is due from UNIT on DAY: counted once; a deadline (S, C, R,
-- V) while pending is moved there (with what it counted) if it was
-- counted elsewhere. A dispatch (D) stays on its first day.
local function fig_due(f, id, unit, day)
  if f.excluded or unit == '' then return end
  local e = fig_find(f, id, unit)
  if not e then
    e = {id = id, unit = unit, day = day, flags = ''}
    f.list[#f.list + 1] = e
    fig_add(f, e, 1)
    f.dirty = true
  elseif id ~= 'D' and not has(e.flags, '!') and (e.unit ~= unit or e.day ~= day) then
    fig_add(f, e, -1)
    e.unit, e.day = unit, day
    fig_add(f, e, 1)
    f.dirty = true
  end
end

-- Counts (BY 1) or takes back (BY -1) numerator LETTER of entry E, once.
local function fig_num(f, e, letter, by)
  if f.excluded or not e or has(e.flags, letter) == (by > 0) then return end
  count_on(f.tag, e.day, e.unit, ENTRY_NUM[e.id][letter], by)
  e.flags = by > 0 and (e.flags .. letter) or string.gsub(e.flags, letter, '')
  f.dirty = true
end

-- Marks entry E met (it moves no more), or pending again (MET false).
local function fig_met(f, e, met)
  if f.excluded or not e or has(e.flags, '!') == met then return end
  e.flags = met and (e.flags .. '!') or string.gsub(e.flags, '!', '')
  f.dirty = true
end

-- Takes entry E out of the figures.
local function fig_drop(f, e)
  fig_add(f, e, -1)
  for i, x in ipairs(f.list) do
    if x == e then table.remove(f.list, i) break end
  end
  f.dirty = true
end

-- Milestone M's deadline DUE (ms, or '') was armed for UNIT: the ticket
-- is due then (pending milestones only).
local function fig_armed(f, m, unit, due)
  local at = tonumber(due or '')
  if at then fig_due(f, MILESTONE_ENTRY[m], unit, day_of(at)) end
end

-- The entries of a new ticket leaving intake for UNIT (STATE dispatched),
-- its sign deadline SIGN_DUE; as the value of its field 'mc' ('' if none).
local function fig_intake(tag, now, state, unit, sign_due)
  if state ~= 'dispatched' then return '' end
  local f = {tag = tag, excluded = false, list = {}}
  fig_due(f, 'D', unit, day_of(now))
  fig_armed(f, 'sign', unit, sign_due)
  return fig_text(f)
end


-- Idempotency records. A request id is remembered for the window
-- (idem_ttl_s, Redis's clock): a retry within it gets the same ticket.
-- A key a request cost ~120 bytes (its name, its own expiry entry); a
-- listpack entry costs ~50. So the records are kept in hashes per bucket,
-- period and group: a period is a window long (counted from 1970), a
-- record is written into the current one and read from it and the one
-- before (so it lives one to two windows). The group is a hash of the
-- request's name; a period's group count is set at its first record from
-- the number of records the period before held, ~IDEM_FILL a group, so
-- that a group stays a listpack (hash-max-listpack-entries, 128 by
-- default) at any volume; a bucket's first period (a new store, or one
-- of layout 7) counts on yesterday's tickets (its sequence) each day. That
-- first record also gives the period before's hashes their expiry (the
-- end of this period) and drops older ones, so no other intake pays an
-- EXPIREAT. The bucket's hash hl:{NN}:rid holds the group counts
-- ("g:<period>") and since when the bucket writes records so
-- ("since", s): the keys a request of layout 7 are read until a window
-- after it. Changing the window (idempotency_ttl_days) starts periods of
-- the new length: records written before the change are not read after.
local IDEM_FILL = 64

local function idem_group_key(tag, period, id, groups)
  local g = tonumber(string.sub(redis.sha1hex(id), 1, 7), 16) % tonumber(groups)
  return tag .. 'rid:' .. period .. ':' .. g
end

-- The record of request ID ("<ch>:<rid>") in bucket TAG, "<ticket>|<fp>",
-- or nil, at Redis's clock NOW_S for window TTL (s); OLD is its key of
-- layout 7. Then the current period and the bucket's HMGET of its group
-- counts and "since" (for idem_put).
local function idem_find(tag, old, id, now_s, ttl)
  local period = math.floor(now_s / ttl)
  local g = redis.call('HMGET', tag .. 'rid', 'g:' .. period, 'g:' .. (period - 1), 'since')
  local seen
  for i = 1, 2 do
    if not seen and g[i] then
      seen = redis.call('HGET', idem_group_key(tag, period + 1 - i, id, g[i]), id)
    end
  end
  if not seen and (not g[3] or now_s - tonumber(g[3]) <= ttl) then
    seen = redis.call('GET', old)
  end
  return seen or nil, period, g
end

-- The group count of PERIOD in bucket TAG, set at its first record from
-- the records of the period before (of PREV groups), whose hashes expire
-- at the end of PERIOD, or with none, from YESTERDAY's number of tickets
-- (a function giving it); the hashes of older periods go.
local function idem_period_new(tag, period, prev, now_s, ttl, yesterday)
  local n, meta = 0, tag .. 'rid'
  if not prev then n = yesterday() * ttl / 86400 end
  for g = 0, (tonumber(prev) or 0) - 1 do
    local key = tag .. 'rid:' .. (period - 1) .. ':' .. g
    n = n + redis.call('HLEN', key)
    redis.call('EXPIREAT', key, (period + 1) * ttl)
  end
  local fields = redis.call('HKEYS', meta)
  for _, f in ipairs(fields) do
    local old = tonumber(string.match(f, '^g:(%-?%d+)$'))
    if old and old < period - 1 then
      for g = 0, tonumber(redis.call('HGET', meta, f)) - 1 do
        redis.call('DEL', tag .. 'rid:' .. old .. ':' .. g)
      end
      redis.call('HDEL', meta, f)
    end
  end
  local groups = 1
  while groups * IDEM_FILL < n do groups = groups * 2 end
  redis.call('HSET', meta, 'g:' .. period, groups)
  redis.call('HSETNX', meta, 'since', string.format('%d', now_s))
  return groups
end

-- Writes the record VALUE of request ID into PERIOD (G: idem_find's;
-- YESTERDAY: idem_period_new's).
local function idem_put(tag, id, value, period, g, now_s, ttl, yesterday)
  local groups = g[1] or idem_period_new(tag, period, g[2], now_s, ttl, yesterday)
  redis.call('HSET', idem_group_key(tag, period, id, groups), id, value)
end

-- Forgets request ID's record in bucket TAG (OLD: its key of layout 7),
-- whichever period holds it (the window is the intake's, not known here).
local function idem_forget(tag, old, id)
  redis.call('DEL', old)
  local g = redis.call('HGETALL', tag .. 'rid')
  for i = 1, #g, 2 do
    local period = string.match(g[i], '^g:(%-?%d+)$')
    if period then redis.call('HDEL', idem_group_key(tag, period, id, g[i + 1]), id) end
  end
end

-- hl_intake: store a new ticket, or recognise a resubmission.
--
-- KEYS[1]: the request's idempotency record of layout 7,
-- hl:{NN}:idem:<channel>:<rid>, read while such records last; the request
-- is named and its bucket NN (the new ticket's) taken from it, and its
-- record now kept in the bucket's rid hashes (Idempotency records). KEYS[2] (optional): the bucket's
-- sequence of the day the ticket is numbered on, hl:{NN}:seq:<yyyymmdd>
-- (hotlined's clock; declared so that Redis Cluster moves it with the
-- slot before a number is drawn from it); none: the day of "now".
-- Named args: channel, request_id, fingerprint, prefix, tz_offset_min,
--   now_ms (none: Redis time), idem_ttl_s, actor, caller_index (none: no
--   caller index), state (to_dispatch, dispatched or a closing state),
--   unit, assist (comma-separated), note for the disposition, the sign
--   deadline's sign_warn, sign_due, sign_esc moments (none: no such
--   reminder), sla_gen; then 'fields' and the ticket hash's field/value pairs.
-- Returns name/value pairs: outcome 'new' or 'dup', ticket, state,
--   created_ms, unit, assist; or outcome 'conflict', ticket when the
--   request id was used for a different request.
local function intake(keys, args)
  local p, first = named(args)
  local channel, fp, tz = p.channel, p.fingerprint, tonumber(p.tz_offset_min)
  local actor, phone = p.actor, p.caller_index or ''
  local state, unit, assist, note = p.state, p.unit or '', p.assist or '', p.note or ''
  local idem = keys[1]
  local tag = idem and string.match(idem, '^.-{%d+}:')
  if not tag then
    return {'outcome', 'err', 'code', 'bad_value', 'message', 'KEYS[1]: no bucket tag'}
  end
  local id, ttl = string.sub(idem, #tag + 6), tonumber(p.idem_ttl_s)
  if string.sub(idem, #tag + 1, #tag + 5) ~= 'idem:' or not ttl or ttl < 1 then
    return {'outcome', 'err', 'code', 'bad_value', 'message',
            'KEYS[1]: not a request\'s idempotency record, or idem_ttl_s not a count of seconds'}
  end
  local clock = now_ms(nil)                 -- Redis's: the window's
  local now_s = math.floor(clock / 1000)
  local seen, period, groups = idem_find(tag, idem, id, now_s, ttl)
  if seen then
    local sep = string.find(seen, '|', 1, true)
    local ticket = string.sub(seen, 1, sep - 1)
    if string.sub(seen, sep + 1) ~= fp then
      return {'outcome', 'conflict', 'ticket', ticket}
    end
    local t = redis.call('HMGET', tag .. 't:' .. ticket, 'state', F.created_ms, 'unit', 'assist')
    return {'outcome', 'dup', 'ticket', ticket, 'state', t[1], 'created_ms', t[2],
            'unit', t[3] or '', 'assist', t[4] or ''}
  end

  local now = (p.now_ms or '') ~= '' and tonumber(p.now_ms) or clock
  local at = string.format('%d', now)       -- the moment as stored (digits)
  local day = civil_date(math.floor((now / 1000 + tz * 60) / 86400))
  if keys[2] then
    day = string.match(keys[2], '^' .. string.gsub(tag, '%p', '%%%0') .. 'seq:(%d%d%d%d%d%d%d%d)$')
    if not day then
      return {'outcome', 'err', 'code', 'bad_value', 'message',
              'KEYS[2]: not the sequence of a day in the bucket of KEYS[1]'}
    end
  end
  local seq = redis.call('INCR', tag .. 'seq:' .. day)
  local ticket = p.prefix .. day .. string.match(tag, '{(%d+)}')
                 .. string.format(TICKET.serial_format, seq)
  local key = tag .. 't:' .. ticket

  -- As few calls as the work allows (they are most of the cost of intake):
  -- one HSET with every field and history entry, one ZADD with every
  -- reminder.
  -- (no field 'actor': it is the first history entry's, hl_ticket_get)
  local fields = {'ticket', ticket, 'state', state, F.created_ms, at}
  stored_pairs(fields, args, first, #args)
  local function field(name, value)
    fields[#fields + 1] = name
    fields[#fields + 1] = value
  end
  field(history_field(1), history_entry(at, actor, 'intake', '',
                                       state == 'dispatched' and 'to_dispatch' or state,
                                       'received via ' .. channel, at))
  local entries = 1
  local timers = {}
  if state == 'dispatched' then
    field('unit', unit)
    field('assist', assist)
    field(F.dispatched_ms, at)
    field(CLOCK.sign, clock_encode({start = at, status = 'running', fired = '0',
                                    warn = p.sign_warn, due = p.sign_due, esc = p.sign_esc}))
    field(F.sla_gen, p.sla_gen or '')
    field('mc', fig_intake(tag, now, state, unit, p.sign_due))
    entries = 2
    field(history_field(2),
          history_entry(at, 'system:catalogue', 'dispatch', 'to_dispatch', state, note, at))
    -- Only the next reminder of a clock waits in the bucket's timers; firing it
    -- arms the one after (hl_timer_fire).
    local moments = {p.sign_warn, p.sign_due, p.sign_esc}
    for i = 1, #LEVELS do
      if moments[i] and moments[i] ~= '' and #timers == 0 then
        timers[1] = moments[i]
        timers[2] = ticket .. '|sign|' .. LEVELS[i]
      end
    end
  elseif state ~= 'to_dispatch' then
    field(F.closed_ms, at)
    field('disposition_note', note)
  end
  field(HISTORY_COUNT, string.format('%d', entries))
  redis.call('HSET', key, unpack(fields))
  idem_put(tag, id, ticket .. '|' .. fp, period, groups, now_s, ttl, function()
    local before = civil_date(math.floor((now / 1000 + tz * 60) / 86400) - 1)
    return tonumber(redis.call('GET', tag .. 'seq:' .. before) or '0')
  end)
  outbox(tag, ticket, 'intake', '', state, unit, '', assist, at, at, {'ch', channel, 'ci', phone})
  if #timers > 0 then
    redis.call('ZADD', tag .. 'timers', unpack(timers))
  end
  intake_metrics(tag, ticket, now, channel, state, unit, p)
  return {'outcome', 'new', 'ticket', ticket, 'state', state, 'created_ms', at,
          'unit', unit, 'assist', assist}
end

-- One history entry as history_entry made it, into its six parts; a
-- moment kept since the ticket's creation CREATED (digits) made whole.
local function history_parts(raw, created)
  local e, n = {}, 0
  for part in string.gmatch(raw .. '\31', '([^\31]*)\31') do
    n = n + 1
    e[n] = part
  end
  local at, base = e[1] or '', tonumber(created)
  if string.byte(at, 1) == 43 and base then
    at = string.format('%d', base + (tonumber(string.sub(at, 2)) or 0))
  end
  return {at, e[2] or '', e[3] or '', e[4] or '', e[5] or '', e[6] or ''}
end

-- The reply of a ticket is the note of its reply's history entry: its
-- field 'reply' says which entry, REPLY_REF then the entry's number
-- (layout 7: ~70 bytes a replied ticket, the answer not kept twice), or
-- holds the text itself (older tickets, merged tickets given their
-- parent's answer, a note the history would have changed).
local REPLY_REF = '\31'

-- The field's value V as readers see it, given the decoded HISTORY.
local function reply_text(v, history)
  if string.sub(v, 1, 1) ~= REPLY_REF then return v end
  local e = history[tonumber(string.sub(v, 2)) or 0]
  return e and e[6] or ''
end

-- A ticket's 'actor' (who took it in) is its first history entry's
-- (layout 7; older tickets have the field too).

-- hl_ticket_get: a ticket's fields, history and merged tickets in one
-- consistent read. The one decoder of the ticket hash's own records
-- (history, clocks, action results): hotlined and every other reader take
-- them from here.
-- KEYS: the ticket's hash and merged set (hl:{NN}:t|merged:<ticket>)
-- returns {} if unknown, else {fields (flat name/value list),
--          history (list of {at, actor, action, from, to, note}),
--          merged (list of ticket numbers)}
local function ticket_get(keys, args)
  local all = redis.call('HGETALL', keys[1])
  if #all == 0 then
    return {}
  end
  local fields, entries, created, reply, has_actor = {}, {}, nil, nil, false
  for i = 1, #all, 2 do
    local name = all[i]
    if name == F.created_ms then created = all[i + 1] end
    if name == 'actor' then has_actor = true end
    if is_history_field(name) then
      local at = tonumber(string.sub(name, 3))
      if at then entries[at] = all[i + 1] end
    elseif CLOCK_OF[name] then
      local c, m = clock_decode(all[i + 1]), CLOCK_OF[name]
      for _, part in ipairs(CLOCK_PARTS) do
        if c[part] and c[part] ~= '' then
          fields[#fields + 1] = 'sla_' .. m .. '_' .. part
          fields[#fields + 1] = c[part]
        end
      end
    elseif string.sub(name, 1, 2) ~= 'a:' then
      fields[#fields + 1] = SHOWN[name] or name
      fields[#fields + 1] = all[i + 1]
      if name == 'reply' then reply = #fields end
    end
  end
  local history = {}
  for i = 1, #all do
    local raw = entries[i]
    if not raw then break end
    history[i] = history_parts(raw, created)
  end
  if reply then fields[reply] = reply_text(fields[reply], history) end
  if not has_actor and history[1] then
    fields[#fields + 1], fields[#fields + 2] = 'actor', history[1][2]
  end
  return {fields, history, redis.call('SMEMBERS', keys[2])}
end


-- ---------------------------------------------------------------------
-- Transitions: RULES (the lifecycle table) says who may take an action,
-- from which states, to which state; APPLY below does its own work.

local STAFF_RANK = {agent = 1, dispatcher = 2, supervisor = 2, system = 3}

local function in_list(csv, item)
  for v in string.gmatch(csv or '', '[^,]+') do
    if v == item then return true end
  end
  return false
end

local function allowed(who, actor, t)
  local role, rest = string.match(actor, '^(%a+):(.+)$')
  local rank = STAFF_RANK[role or '']
  if who == 'agent' then return rank ~= nil end
  if who == 'dispatcher' then return rank ~= nil and rank >= 2 end
  if who == 'lead_or_dispatcher' and rank ~= nil then return rank >= 2 end
  if role ~= 'unit' then return false end
  local unit = string.match(rest, '^([^/]+)')
  if who == 'lead' or who == 'lead_or_dispatcher' then return unit == t.unit end
  return unit == t.unit or in_list(t.assist, unit)
end

-- A transition's answers are name/value pairs (hl_store decodes them by
-- name): outcome ('ok', 'dup' or 'err'), then what it has.
local function fail(code, message)
  return {'outcome', 'err', 'code', code, 'message', message}
end

local function answer(outcome, from, to, at, unit, assist, sla)
  return {'outcome', outcome, 'from', from, 'to', to, 'at_ms', at, 'unit', unit,
          'assist', assist, 'sla', sla}
end

-- Each action's own work. It returns nothing when the ticket goes where
-- the table says; a state when the parameters send it elsewhere; or nil
-- and an error reply to refuse. T is the ticket's fields, P the
-- parameters, K its key, NOW the time.
local APPLY = {}

-- A new lead unit starts afresh: extensions asked or granted to the one
-- before lapse (the reply deadline shown is then the one that applies).
local function route_to(k, p, now)
  put('unit', p.unit, 'assist', p.assist or '', F.dispatched_ms, now)
  redis.call('HDEL', k, F.signed_ms, 'return_reason', 'ext_pending', 'extension_days',
             'ext_count')
end

APPLY.dispatch = function (t, p, k, now) return route_to(k, p, now) end

-- A 感谢 (thanks) has reached the unit once signed: nothing is due of it.
APPLY.sign = function (t, p, k, now)
  put(F.signed_ms, now, F.return_until, p.return_until)
  if t.request_type == 'thanks' then
    put(F.closed_ms, now, 'close_reason', 'thanks')
    return 'closed'
  end
end

-- Beijing wall-clock time of NOW (ms), for messages.
local function local_time(ms)
  local d = civil_date(day_number(ms))
  local minutes = math.floor((ms / 1000 + 8 * 3600) / 60) % 1440
  return string.format('%s-%s-%s %02d:%02d', string.sub(d, 1, 4), string.sub(d, 5, 6),
                       string.sub(d, 7, 8), math.floor(minutes / 60), minutes % 60)
end

-- A limit of the center's (P.<name>, absent: none) that COUNT has reached.
local function limit_reached(p, name, count)
  local max = tonumber(p[name] or '')
  return max ~= nil and count >= max, max
end

-- The refusal when COUNT (said as DONE) has reached the limit NAME; NEXT
-- tells what may be done instead. Nil within the limit.
local function limit_refusal(p, name, count, done, next)
  local over, max = limit_reached(p, name, count)
  if over then
    return fail('limit_reached', done .. ' (' .. name .. ' ' .. max .. '): ' .. next)
  end
end

-- A unit returns a ticket before signing it, or within its window after
-- (return_until, set at sign); at most return_max times a ticket, after
-- which the dispatcher decides. Every reason is kept.
APPLY['return'] = function (t, p, k, now)
  local n = tonumber(t.return_count or '0')
  local refusal = limit_refusal(p, 'return_max', n, 'returned ' .. n .. ' times already',
                                'the dispatcher decides; ask for reassign')
  if refusal then return nil, refusal end
  local until_ms = tonumber(t.return_until or '')
  if t.state == 'signed' and until_ms and now > until_ms then
    return nil, fail('too_late', 'the return window closed at ' .. local_time(until_ms) ..
                     '; ask the dispatcher for reassign')
  end
  put('return_reason', p.return_reason, 'returned_ms', now, 'return_count', n + 1,
      'return_reasons', (t.return_reasons and (t.return_reasons .. ',') or '') .. p.return_reason)
end

APPLY.reassign = function (t, p, k, now)
  if p.unit == t.unit then
    return nil, fail('bad_value', 'reassign needs a different unit; use refuse_return')
  end
  return route_to(k, p, now)
end

APPLY.refuse_return = function (t, p, k, now)
  put(F.dispatched_ms, now)
  redis.call('HDEL', k, 'return_reason')
end

-- An assisting unit's note leaves the state as it is.
APPLY.progress = function (t, p, k, now, lead)
  if not lead then return t.state end
  if not t.first_contact_ms then
    put(F.first_contact_ms, now)
  end
end

-- The extensions the center grants a request type (extension_limits,
-- "TYPE:TIMES:DAYS,...", TYPE "*" for the others): times, working days;
-- nil when it sets none.
local function extension_limits(p, request_type)
  local times, days
  for item in string.gmatch(p.extension_limits or '', '[^,]+') do
    local ty, n, d = string.match(item, '^%s*([^:%s]+):(%d+):(%d+)%s*$')
    if ty == request_type or (ty == '*' and times == nil) then
      times, days = tonumber(n), tonumber(d)
      if ty == request_type then break end
    end
  end
  return times, days
end

-- Asked before the reply deadline only, and within what the request type
-- may be granted in all (times and working days).
APPLY.request_extension = function (t, p, k, now)
  local due = clock_due(t, 'reply')
  if due and now > due and sla_running(t, 'reply') then
    return nil, fail('too_late', 'the reply deadline passed at ' .. local_time(due) ..
                     ': an extension is asked before it')
  end
  local times, days = extension_limits(p, t.request_type or '')
  local granted, had = tonumber(t.ext_count or '0'), tonumber(t.extension_days or '0')
  if times and granted >= times then
    return nil, fail('limit_reached', 'extended ' .. granted .. ' times already, the most a ' ..
                     (t.request_type or 'ticket') .. ' may be (extension_limits)')
  end
  if days and had + tonumber(p.extension_days) > days then
    return nil, fail('limit_reached', had .. ' working days granted already: at most ' ..
                     days .. ' in all for a ' .. (t.request_type or 'ticket') ..
                     ' (extension_limits)')
  end
  put('ext_pending', p.extension_days)
end

APPLY.approve_extension = function (t, p, k, now)
  local asked = tonumber(t.ext_pending)
  local days = tonumber(p.extension_days or asked)
  if days > asked then
    return nil, fail('bad_value', 'cannot approve more days than were asked for')
  end
  put('extension_days', tonumber(t.extension_days or '0') + days,
      'ext_count', tonumber(t.ext_count or '0') + 1)
  redis.call('HDEL', k, 'ext_pending')
end

APPLY.refuse_extension = function (t, p, k, now)
  redis.call('HDEL', k, 'ext_pending')
end

-- The answer reaches every ticket merged into this one: each gets the
-- reply, a history entry and an event for the notifier.
local function reply_to_merged(ticket, actor, note, now)
  for _, child in ipairs(redis.call('SMEMBERS', tkey(ticket, 'merged'))) do
    local ck = tkey(child, 't')
    redis.call('HSET', ck, 'reply', note, F.replied_ms, now)
    history_add(ck, history_entry(now, actor, 'reply', 'merged',
               'merged', '主单 ' .. ticket .. ' 答复: ' .. note))
    local c = redis.call('HMGET', ck, F.created_ms, 'unit')
    outbox(ttag(child), child, 'reply', 'merged', 'merged', c[2], c[2], '', c[1] or '',
           string.format('%d', now))
  end
end

-- An extension still asked for lapses with the answer.
APPLY.reply = function (t, p, k, now, lead, actor, ticket)
  local entry = tonumber(t.history_count or '0') + 1   -- the entry this step adds
  put('reply', string.find(p.note, '[\n\31]') and p.note or REPLY_REF .. entry,
      F.replied_ms, now)
  if t.ext_pending then redis.call('HDEL', k, 'ext_pending') end
  reply_to_merged(ticket, actor, p.note, now)
end

APPLY.reject_reply = function (t, p, k, now) end

-- The caller's rating; unsatisfied goes to 甄别 (the table's branch).
APPLY.visit = function (t, p, k, now)
  put('satisfaction', p.satisfaction, 'resolved', p.resolved or '0', F.visited_ms, now)
  put('visit_via', p.via or 'phone')
end

-- The caller of a merged ticket is visited too; the rating stays with it.
APPLY.visit_merged = APPLY.visit

-- A try that did not reach the caller; the visit_tries-th closes the
-- ticket as 联系不上.
APPLY.visit_unreachable = function (t, p, k, now)
  local n = tonumber(t.visit_attempts or '0') + 1
  put('visit_attempts', n, 'visit_via', p.via or 'phone')
  if limit_reached(p, 'visit_tries', n) then
    put(F.closed_ms, now, 'close_reason', 'unreachable')
    return 'closed'
  end
end

-- 甄别 decided for another round: at most reopen_max of them. The round
-- is handled anew: its contact counts again, and extensions, replies and
-- the return window of the last round lapse.
APPLY.rehandle = function (t, p, k, now)
  local n = tonumber(t.reopen_count or '0')
  local refusal = limit_refusal(p, 'reopen_max', n, '重办 ' .. n .. ' rounds already',
                                'close it as unsatisfied (close_unsatisfied)')
  if refusal then return nil, refusal end
  put('reopen_count', n + 1)
  route_to(k, p, now)
  redis.call('HDEL', k, 'reply', F.first_contact_ms, F.return_until, 'visit_attempts')
end

local function close_ticket(t, p, k, now)
  put(F.closed_ms, now)
  if p.article then put('article', p.article) end
  if p.transfer_to then put('transfer_to', p.transfer_to) end
end

APPLY.close = close_ticket
APPLY.close_unsatisfied = function (t, p, k, now)
  put('close_reason', 'unsatisfied')
  return close_ticket(t, p, k, now)
end
APPLY.answer_directly = close_ticket
APPLY.transfer = close_ticket
APPLY.out_of_scope = close_ticket

APPLY.merge = function (t, p, k, now, lead, actor, ticket)
  if p.parent == ticket then
    return nil, fail('bad_value', 'a ticket cannot be merged into itself')
  end
  local pk = tkey(p.parent, 't')
  local ps = pk and redis.call('HGET', pk, 'state')
  if not ps then
    return nil, fail('not_found', 'parent ticket ' .. p.parent .. ' does not exist')
  end
  if not OPEN[ps] then
    return nil, fail('invalid_transition', 'parent ticket is ' .. ps .. ', not open')
  end
  redis.call('SADD', tkey(p.parent, 'merged'), ticket)
  put('parent', p.parent, F.closed_ms, now)
  history_add(pk, history_entry(now, actor, 'merge', ps, ps,
             '并入 ' .. ticket))
end

-- A repeat call (重复来电): the ticket names the same caller's earlier
-- ticket on the same matter.
APPLY.link_repeat = function (t, p, k, now, lead, actor, ticket)
  if p.repeat_of == ticket then
    return nil, fail('bad_value', 'a ticket cannot repeat itself')
  end
  local rk = tkey(p.repeat_of, 't')
  if not rk or redis.call('EXISTS', rk) == 0 then
    return nil, fail('not_found', 'ticket ' .. p.repeat_of .. ' does not exist')
  end
  put('repeat_of', p.repeat_of)
end

-- 申诉 granted: the ticket leaves the unit's figures (ticket_figures), the
-- decision (the note) is in the history. Once.
APPLY.grant_appeal = function (t, p, k, now)
  if string.sub(redis.call('HGET', k, 'mc') or '', 1, 1) == 'x' then
    return nil, fail('invalid_transition', 'an appeal was granted for this ticket already')
  end
  put('appeal_ms', now)
end

local function paused(t)
  return string.sub(t.sla_pauses or '', -1) == '-'
end

-- Pause and resume do their work in sla_transition.
APPLY.pause = function (t, p, k, now) end
APPLY.resume = APPLY.pause

-- Whether the ticket T is in each condition the table names.
local CONDITION = {
  paused = paused,
  extension_pending = function (t) return t.ext_pending ~= nil end,
}

-- The refusal when RULE requires a condition T is not in, else nil.
local function unmet(rule, t, action)
  for name, want in pairs(rule.requires) do
    local is = CONDITION[name](t)
    if is ~= want then
      return fail('invalid_transition', 'cannot ' .. action .. ': ' .. CONDITIONS[name][is])
    end
  end
  return nil
end

-- Stops every clock of the ticket: pause appends an open interval and
-- takes its reminders out of the bucket's timers, so nothing fires while stopped.
local function sla_pause(k, ticket, t, now)
  if paused(t) then return end
  local list = t.sla_pauses or ''
  t.sla_pauses = list .. (list ~= '' and ',' or '') .. now .. '-'
  put(F.sla_pauses, t.sla_pauses)
  for i = 1, #MILESTONES do sla_disarm(ticket, MILESTONES[i]) end
end

local function sla_resume(k, t, now)
  if not paused(t) then return end
  t.sla_pauses = t.sla_pauses .. now
  put(F.sla_pauses, t.sla_pauses)
end

-- Starts milestone M's clock at NOW; it is to be armed (ARM). Its moments
-- of before stay until it is armed.
local function clock_start(k, t, m, now, arm)
  local c = t.clocks[m] or {}
  c.start, c.status, c.fired = now, 'running', '0'
  t.clocks[m] = c
  clock_put(m, c)
  arm[#arm + 1] = m
end

local function clock_stop(k, ticket, t, m, now)
  sla_stop(ticket, m, now, t)
end

-- The actions after which every running clock is armed anew: a resume or
-- an extension moves their deadlines.
local REARM = {resume = true, refuse_return = true, reassign = true, approve_extension = true,
               reject_reply = true}

-- The SLA side of a transition: which clocks stop, start, pause or
-- resume. Returns the list of milestones hotlined must (re)arm.
local function sla_transition(k, ticket, t, action, from, to, now, p)
  local arm = {}
  if not OPEN[to] then
    for i = 1, #MILESTONES do clock_stop(k, ticket, t, MILESTONES[i], now) end
  elseif action == 'sign' then
    clock_stop(k, ticket, t, 'sign', now)
    clock_start(k, t, 'contact', now, arm)
    -- reply_start = dispatch: the reply limit counts from the dispatch;
    -- its clock is set going now, dated back to then.
    clock_start(k, t, 'reply', p.reply_start == 'dispatch' and tonumber(t.dispatched_ms or now)
                or now, arm)
  elseif action == 'return' or action == 'pause' then
    sla_pause(k, ticket, t, now)
  elseif action == 'resume' or action == 'refuse_return' then
    sla_resume(k, t, now)
  elseif action == 'reassign' then
    sla_resume(k, t, now)
    clock_start(k, t, 'sign', now, arm)
  elseif action == 'dispatch' then
    clock_start(k, t, 'sign', now, arm)
  elseif action == 'progress' and to == 'in_progress' then
    clock_stop(k, ticket, t, 'contact', now)
  elseif action == 'reply' then
    clock_stop(k, ticket, t, 'contact', now)
    clock_stop(k, ticket, t, 'reply', now)
    clock_start(k, t, 'visit', now, arm)
  elseif action == 'reject_reply' then
    clock_stop(k, ticket, t, 'visit', now)
    local c = t.clocks.reply or {}
    c.status = 'running'
    t.clocks.reply = c
    clock_put('reply', c)
  elseif action == 'visit' then
    clock_stop(k, ticket, t, 'visit', now)
  elseif action == 'rehandle' then
    put(F.sla_pauses, '')
    t.sla_pauses = nil
    clock_start(k, t, 'sign', now, arm)
  end
  if REARM[action] then
    arm = {}
    for i = 1, #MILESTONES do
      if sla_running(t, MILESTONES[i]) then arm[#arm + 1] = MILESTONES[i] end
    end
  end
  if paused(t) then arm = {} end
  return arm
end

-- What hotlined needs to compute deadlines: {request_type, urgent,
-- enterprise, tag, pauses, extension days, reset, m1, start1, ...}.
local function sla_facts(k, arm, reset)
  local f = redis.call('HMGET', k, F.request_type, 'urgent', 'enterprise', 'tag', F.sla_pauses,
                       'extension_days')
  local out = {f[1] or '', f[2] or '0', f[3] or '0', f[4] or '', f[5] or '', f[6] or '0',
               reset and '1' or '0'}
  for i = 1, #arm do
    out[#out + 1] = arm[i]
    local c = clock_read(k, arm[i])
    out[#out + 1] = c and c.start or ''
  end
  return out
end

local function history_note(action, p)
  local note = p.note or ''
  if action == 'return' then
    note = '[' .. p.return_reason .. '] ' .. note
  elseif action == 'request_extension' or action == 'approve_extension' then
    note = (p.extension_days and (p.extension_days .. ' working days ') or '') .. note
  elseif action == 'visit' or action == 'visit_merged' then
    note = p.satisfaction .. (p.resolved == '1' and ', resolved' or ', not resolved') ..
           ' (' .. (p.via or 'phone') .. ')' .. (note ~= '' and (': ' .. note) or '')
  elseif action == 'visit_unreachable' then
    note = 'unreachable (' .. (p.via or 'phone') .. ')' .. (note ~= '' and (': ' .. note) or '')
  elseif action == 'dispatch' or action == 'reassign' or action == 'rehandle' then
    note = p.unit .. ((p.assist or '') ~= '' and (' + ' .. p.assist) or '') ..
           (note ~= '' and (': ' .. note) or '')
  elseif action == 'transfer' then
    note = p.transfer_to .. (note ~= '' and (': ' .. note) or '')
  elseif action == 'merge' then
    note = '并入 ' .. p.parent .. (note ~= '' and (': ' .. note) or '')
  elseif action == 'link_repeat' then
    note = '重复来电, 前单 ' .. p.repeat_of .. (note ~= '' and (': ' .. note) or '')
  end
  return note
end

-- The ticket's figures a transition moves (per ticket, see Figures per
-- ticket): milestones met on time or not, a reply sent back, a return or
-- a reopening charged to the unit, the latest rating, an appeal granted.
-- ARMED: the deadlines armed in this step, {milestone, due}, for UNIT.
local function ticket_figures(k, t, action, to, unit, p, now, armed)
  local f = fig_load(k, t.mc or '')
  if f.excluded then FIG = nil return end
  local lead = t.unit or ''
  if action == 'sign' then
    local e = fig_find(f, 'S')
    if on_time(t, 'sign', now) then fig_num(f, e, 'o', 1) end
    fig_met(f, e, true)
  end
  if (action == 'progress' and to == 'in_progress' or action == 'reply')
     and not t.first_contact_ms then
    local e, s = fig_find(f, 'C'), fig_find(f, 'S')
    if on_time(t, 'contact', now) then
      fig_num(f, e, 'o', 1)
      if s and has(s.flags, 'o') then fig_num(f, e, 'r', 1) end
    end
    fig_met(f, e, true)
  end
  if action == 'reply' then
    local e = fig_find(f, 'R')
    if on_time(t, 'reply', now) then fig_num(f, e, 'o', 1) end
    fig_met(f, e, true)
  elseif action == 'reject_reply' or action == 'rehandle' then
    local e = fig_find(f, 'R')
    fig_num(f, e, 'o', -1)
    fig_met(f, e, false)
  end
  if action == 'return' then fig_num(f, fig_find(f, 'D', lead), 't', 1) end
  if action == 'rehandle' then fig_num(f, fig_find(f, 'D', lead), 'p', 1) end
  if action == 'visit' then
    local v = fig_find(f, 'V')
    fig_num(f, v, 'd', 1)
    fig_met(f, v, true)
    local q = fig_find(f, 'Q')
    if q then fig_drop(f, q) end
    fig_due(f, 'Q', lead, day_of(now))
    q = fig_find(f, 'Q')
    if p.resolved == '1' then fig_num(f, q, 'r', 1) end
    if RATING_LETTER[p.satisfaction] then fig_num(f, q, RATING_LETTER[p.satisfaction], 1) end
  end
  if RULES[action].routes then fig_due(f, 'D', unit, day_of(now)) end
  for _, a in ipairs(armed) do fig_armed(f, a[1], unit, a[2]) end
  if not OPEN[to] then
    -- Closed before a deadline was met (merged, say): no longer due.
    for _, id in ipairs({'S', 'C', 'R'}) do
      local e = fig_find(f, id)
      if e and not has(e.flags, '!') then fig_drop(f, e) end
    end
  end
  if action == 'grant_appeal' then
    for _, e in ipairs(f.list) do fig_add(f, e, -1) end
    f.excluded, f.dirty = true, true
  end
  fig_save(f)
end

-- The counters a transition moves: the events the table says it always
-- counts (for the unit after the move, or the hotline), the handling
-- time, 联系不上, a direct answer (into the day the ticket came in: its
-- rate's denominator), then the ticket's figures.
local function transition_metrics(k, t, action, rule, to, unit, p, now, armed)
  local tag = tag_of(k)
  local counts = rule.counts
  for i = 1, #counts do
    count(tag, now, HOTLINE_WIDE[counts[i]] and '*' or unit, counts[i])
  end
  local lead = t.unit or ''
  if action == 'reply' then
    count(tag, now, lead, 'handling_ms_sum', now - tonumber(t.signed_ms or now))
  elseif action == 'visit_unreachable' and to == 'closed' then
    count(tag, now, lead, 'unreachable')
  elseif action == 'answer_directly' then
    count_on(tag, day_of(tonumber(t.created_ms or now)), '*', 'answered_directly')
  end
  ticket_figures(k, t, action, to, unit, p, now, armed)
end

-- The fields a transition reads (not the whole hash: the content and the
-- caller stay where they are).
local TRANSITION_FIELDS = {'state', 'unit', 'assist', F.created_ms, 'ext_pending',
                           F.first_contact_ms, F.signed_ms, F.sla_pauses,
                           CLOCK.sign, CLOCK.contact, CLOCK.reply, CLOCK.visit,
                           F.request_type, F.dispatched_ms, 'reopen_count', 'return_count',
                           'return_reasons', F.return_until, 'extension_days', 'ext_count',
                           'visit_attempts', HISTORY_COUNT, 'mc'}

-- The results of a ticket's last ACT_KEEP actions, for resends: field
-- "a:<i mod ACT_KEEP>" holds "<request id>|<its history entry>|unit|assist"
-- of its i-th action (act_result), ACT_COUNT counts them. A resend of one of those is answered
-- as the first time, not applied again; older results are overwritten, so
-- a ticket keeps ACT_KEEP of them however long it lives (one field per
-- action, kept forever, before layout 3). A resend comes after a lost
-- answer, before its sender acts again on the ticket.
local ACT_KEEP, ACT_COUNT = 4, 'a:n'
local ACT_SLOT = {}
TRANSITION_FIELDS[#TRANSITION_FIELDS + 1] = ACT_COUNT
for i = 0, ACT_KEEP - 1 do
  ACT_SLOT[i] = 'a:' .. i          -- (no string library while the library loads)
  TRANSITION_FIELDS[#TRANSITION_FIELDS + 1] = ACT_SLOT[i]
end

-- Reads them, and the result of request RID if it was done before (one
-- call: the results are fields of the same hash). One table constructor,
-- in the order above, sizes the table once; a field Redis does not have
-- (false) is left out.
local function ticket_fields(k, rid)
  local v = redis.call('HMGET', k, unpack(TRANSITION_FIELDS))
  local t = {state = v[1] or nil, unit = v[2] or nil, assist = v[3] or nil,
             created_ms = v[4] or nil, ext_pending = v[5] or nil,
             first_contact_ms = v[6] or nil, signed_ms = v[7] or nil, sla_pauses = v[8] or nil,
             clocks = {sign = clock_decode(v[9]), contact = clock_decode(v[10]),
                       reply = clock_decode(v[11]), visit = clock_decode(v[12])},
             request_type = v[13] or nil, dispatched_ms = v[14] or nil,
             reopen_count = v[15] or nil, return_count = v[16] or nil,
             return_reasons = v[17] or nil, return_until = v[18] or nil,
             extension_days = v[19] or nil, ext_count = v[20] or nil,
             visit_attempts = v[21] or nil, history_count = v[22] or nil,
             mc = v[23] or nil, act_count = v[24] or nil}
  local mine = rid .. '|'
  for i = 25, 24 + ACT_KEEP do
    if v[i] and string.sub(v[i], 1, #mine) == mine then
      return t, string.sub(v[i], #mine + 1)
    end
  end
  return t, nil
end

-- A result DONE as stored (after "<request id>|") into from, to, at,
-- unit, assist. Layout 7 keeps "<history entry>|unit|assist": the entry
-- the action wrote has from, to and its moment (~30 bytes a result less);
-- older results spell them out, "from|to|at|unit|assist".
local function act_result(k, done, created)
  local n, unit, assist = string.match(done, '^(%d+)|([^|]*)|([^|]*)$')
  if not n then
    return string.match(done, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  end
  local e = history_parts(redis.call('HGET', k, history_field(tonumber(n))) or '', created)
  return e[4], e[5], e[1], unit, assist
end

-- hl_transition: one action on one ticket.
-- KEYS: the ticket's hash and merged set (hl:{NN}:t|merged:<ticket>)
-- args: name/value pairs, in any order: ticket, action, actor, request_id,
--       now_ms (none: Redis time), the action's parameters (note, unit,
--       assist, return_reason, extension_days, resolved, satisfaction,
--       via, transfer_to, parent, article), deadlines computed beforehand
--       (pre_<milestone>_<warn|due|esc>, pre_gen; return_until at sign) and
--       the center's limits (reopen_max, return_max, visit_tries,
--       extension_limits, reply_start; hl_store_rules_t), absent = none
-- returns name/value pairs: outcome 'ok' or 'dup', from, to, at_ms, unit,
-- assist, sla (what hotlined must arm, see sla_facts; empty on 'dup'); or
-- outcome 'err', code, message.
local function transition(keys, args)
  local p = named(args)
  local ticket, action, actor, rid = p.ticket or '', p.action or '', p.actor or '',
                                     p.request_id or ''
  local k = keys[1]
  if k ~= tkey(ticket, 't') then
    return fail('not_found', 'no such ticket')
  end
  local t, done = ticket_fields(k, rid)
  if done then
    local from, to, at, unit, assist = act_result(k, done, t.created_ms)
    return answer('dup', from, to, at, unit, assist, {})
  end
  if not t.state then
    return fail('not_found', 'no such ticket')
  end
  local rule = RULES[action]
  if not rule then
    return fail('unknown_code', 'unknown action ' .. action)
  end
  if not allowed(rule.who, actor, t) then
    return fail('forbidden', actor .. ' may not ' .. action .. ' this ticket')
  end
  if not rule.from[t.state] then
    return fail('invalid_transition', 'cannot ' .. action .. ' a ticket that is ' .. t.state)
  end
  for _, need in ipairs(rule.needs) do
    if not p[need] or p[need] == '' then
      return fail('missing_field', need .. ': required to ' .. action)
    end
  end
  if rule.requires then
    local refusal = unmet(rule, t, action)
    if refusal then return refusal end
  end
  local now = now_ms(p.now_ms)
  local at = string.format('%d', now)
  local lead = string.match(actor, '^unit:([^/]+)') == t.unit
  begin_step()
  local to, err = APPLY[action](t, p, k, now, lead, actor, ticket)
  if err then
    begin_step()
    return err
  end
  local branch = rule.branch
  if not to and branch and p[branch.field] == branch.value then to = branch.to end
  to = to or rule.to or t.state
  local unit, assist = t.unit or '', t.assist or ''
  if rule.routes then unit, assist = p.unit, p.assist or '' end
  local arm = sla_transition(k, ticket, t, action, t.state, to, now, p)
  -- Moments hotlined computed beforehand (it knew the ticket, and took
  -- the clock to start now) are armed here, in the same step; the rest it
  -- arms afterwards.
  local later, armed = {}, {}
  for _, m in ipairs(arm) do
    local f = PRE[m]
    if p[f.due] and not paused(t) and t.clocks[m].start == now then
      sla_set(ticket, m, t.clocks[m], {p[f.warn] or '', p[f.due], p[f.esc] or ''}, 0, true)
      armed[#armed + 1] = {m, p[f.due]}
    else
      later[#later + 1] = m
    end
  end
  if #later < #arm then put(F.sla_gen, p.pre_gen or '') end
  arm = later
  -- The history entry goes with the fields, in the one HSET (the count
  -- was read with them); its moment is the ticket's last change (no
  -- field of its own).
  local n, acts = tonumber(t.history_count or '0') + 1, tonumber(t.act_count or '0') + 1
  put('state', to, HISTORY_COUNT, n, ACT_COUNT, acts)
  put1(ACT_SLOT[acts % ACT_KEEP], rid .. '|' .. n .. '|' .. unit .. '|' .. assist)
  put1(history_field(n), history_entry(at, actor, action, t.state, to, history_note(action, p),
                                       t.created_ms))
  -- The ticket's figures ('mc', read with the fields above) join the same
  -- HSET: no read and write of their own.
  transition_metrics(k, t, action, rule, to, unit, p, now, armed)
  flush(k)
  outbox(tag_of(k), ticket, action, t.state, to, unit, t.unit, assist, t.created_ms, at)
  return answer('ok', t.state, to, at, unit, assist,
                #arm > 0 and sla_facts(k, arm, action == 'approve_extension') or {})
end

-- ---------------------------------------------------------------------
-- Timers

-- hl_sla_arm: set the reminders of running clocks.
-- KEYS[1]: the ticket's hash
-- Named args: ticket, gen (the generation), reset ('1': an extension moved
--   the deadline, levels already fired may fire again), and per milestone
--   to arm, <milestone> = "start_ms,warn_ms,due_ms,escalate_ms" ('' = none)
-- A milestone is armed only if its clock still runs from that start, so a
-- late or repeated call cannot resurrect a stopped clock; levels already
-- fired are not armed again.
local function sla_arm(keys, args)
  local p = named(args)
  local ticket, gen, reset = p.ticket or '', p.gen or '', p.reset == '1'
  local k = keys[1]
  local armed = {}
  if k ~= tkey(ticket, 't') then
    return redis.error_reply('ERR KEYS[1] is not the hash of ticket ' .. ticket)
  end
  begin_step()
  if string.sub(redis.call('HGET', k, F.sla_pauses) or '', -1) == '-' then
    return 0
  end
  for _, m in ipairs(MILESTONES) do
    local start, warn, due, esc
    if p[m] then
      start, warn, due, esc = string.match(p[m], '^(%d*),(%d*),(%d*),(%d*)$')
    end
    local c = start and clock_read(k, m)
    if c and c.start == start and c.status ~= '' and c.status ~= 'met' then
      local fired = reset and 0 or tonumber(c.fired ~= '' and c.fired or '0')
      if reset then
        c.fired, c.status = '0', 'running'
      end
      sla_set(ticket, m, c, {warn, due, esc}, fired)
      armed[#armed + 1] = {m, due}
    end
  end
  if #armed > 0 then
    put(F.sla_gen, gen)
    local figures, unit = fig_load(k), redis.call('HGET', k, 'unit') or ''
    for _, a in ipairs(armed) do fig_armed(figures, a[1], unit, a[2]) end
    fig_save(figures)
  end
  flush(k)
  return #armed
end

local LEVEL_ACTION = {warn = 'remind', overdue = 'overdue', escalate = 'escalate'}
local LEVEL_NOTE = {warn = '催办', overdue = '督办', escalate = '升级督办'}

-- hl_timer_fire: every reminder of one bucket due at NOW, each exactly
-- once however many hotlined instances call this (the ZREM decides).
-- KEYS[1]: the bucket's timers, hl:{NN}:timers; the bucket's lists and its
-- tickets' keys are derived from its tag.
-- Named args: now_ms, limit
-- returns {the bucket's next due_ms or '', {ticket, milestone, level, due_ms, unit}, ...}
local function timer_fire(keys, args)
  local p = named(args)
  local now, limit = p.now_ms, tonumber(p.limit)
  local timers, tag = keys[1], tag_of(keys[1])
  if not tag then
    return redis.error_reply('ERR KEYS[1]: no bucket tag')
  end
  local due = redis.call('ZRANGEBYSCORE', timers, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
  local out = {''}
  for i = 1, #due, 2 do
    local member, at = due[i], due[i + 1]
    if redis.call('ZREM', timers, member) == 1 then
      local ticket, m, level = string.match(member, '^([^|]+)|([^|]+)|([^|]+)$')
      local k = ticket and ttag(ticket) == tag and tkey(ticket, 't')
      local f = k and CLOCK[m]
                and redis.call('HMGET', k, 'state', 'unit', CLOCK[m], 'assist', F.created_ms) or {}
      local c = clock_decode(f[3])
      if f[1] and c then
        c.status = LEVEL_STATUS[level]
        c.fired = level == 'warn' and '1' or level == 'overdue' and '2' or '3'
        redis.call('HSET', k, CLOCK[m], clock_encode(c))
        history_add(k, history_entry(tonumber(now), 'system:sla',
                   LEVEL_ACTION[level], f[1], f[1], LEVEL_NOTE[level] .. ' ' .. m .. ' ' .. at))
        outbox(tag, ticket, 'timer', f[1], f[1], f[2], f[2], f[4], f[5] or '', now,
               {'m', m, 'lv', level, 'due', at})
        -- The clock's next reminder, if any, waits now.
        local next_moments = {c.due, c.esc}
        local follow = level == 'warn' and 1 or level == 'overdue' and 2 or 3
        for l = follow, 2 do
          if next_moments[l] and next_moments[l] ~= '' then
            redis.call('ZADD', timers, next_moments[l], ticket .. '|' .. m .. '|' .. LEVELS[l + 1])
            break
          end
        end
        if level == 'warn' then
          redis.call('ZADD', tag .. 'sla:warned', at, ticket .. '|' .. m)
        else
          redis.call('ZREM', tag .. 'sla:warned', ticket .. '|' .. m)
          redis.call('ZADD', tag .. 'sla:overdue', at, ticket .. '|' .. m)
        end
        out[#out + 1] = {ticket, m, level, at, f[2] or ''}
      end
    end
  end
  local first = redis.call('ZRANGE', timers, 0, 0, 'WITHSCORES')
  out[1] = first[2] or ''
  return out
end

-- TICKET's row of hl_sla_scan ({ticket, facts...}), nil if no clock runs.
local function sla_scan_row(ticket)
  local k = tkey(ticket, 't')
  local arm = {}
  for i = 1, #MILESTONES do
    local c = clock_read(k, MILESTONES[i])
    if c and c.status ~= '' and c.status ~= 'met' then arm[#arm + 1] = MILESTONES[i] end
  end
  if #arm == 0 then return nil end
  local facts = sla_facts(k, arm, false)
  table.insert(facts, 1, ticket)
  return facts
end

-- hl_sla_scan: open tickets with running clocks, for recomputing after a
-- calendar or policy change (or after a restart).
-- Named args: state, start (an index), count
-- returns {next start (0: done), {ticket, facts...}, ...}
-- With a ticket's hash declared (KEYS[1], named arg ticket): that ticket's
-- row alone, {0, row} or {0}. On a Redis Cluster a call may touch its own
-- slot's keys only: hl_store reads the index page there, then each ticket
-- this way on its own master.
local function sla_scan(keys, args)
  local p = named(args)
  if keys[1] then
    if keys[1] ~= tkey(p.ticket or '', 't') then
      return redis.error_reply('ERR KEYS[1] is not the hash of ticket ' .. (p.ticket or ''))
    end
    return {0, sla_scan_row(p.ticket)}
  end
  local state, start, count = p.state, tonumber(p.start), tonumber(p.count)
  local batch = redis.call('ZRANGE', index_key('state', state), start, start + count - 1)
  local out = {#batch < count and 0 or start + #batch}
  for _, ticket in ipairs(batch) do
    out[#out + 1] = sla_scan_row(ticket)
  end
  return out
end

-- ---------------------------------------------------------------------
-- Dashboard reads

local CHANNELS = {'phone', 'web', 'app', 'enterprise', 'sms', 'mailbox'}

-- hl_dash_summary: returns {open counts (OPEN_STATES order)}; the day's
-- intake and the deadlines at risk come from hl_sla_counts, one bucket at
-- a time.
local function dash_summary(keys, args)
  local open = {}
  for i, st in ipairs(OPEN_STATES) do open[i] = redis.call('ZCARD', index_key('state', st)) end
  return {open}
end

-- hl_sla_counts: one bucket's deadlines at risk, and its intake of a day.
-- KEYS[1]: the bucket's warned list, hl:{NN}:sla:warned (its overdue list,
-- counters and tickets are derived from its tag)
-- Named args: day (yyyymmdd; none: no intake asked)
-- returns {warned, overdue (not escalated), escalated, {intake of DAY in
-- CHANNELS order}}
local function sla_counts(keys, args)
  local tag = tag_of(keys[1])
  local day = named(args).day
  if not tag then
    return redis.error_reply('ERR KEYS[1]: no bucket tag')
  end
  local escalated = 0
  local overdue = redis.call('ZRANGE', tag .. 'sla:overdue', 0, -1)
  for _, member in ipairs(overdue) do
    local ticket, m = string.match(member, '^([^|]+)|(.+)$')
    local c = CLOCK[m] and clock_read(tkey(ticket, 't'), m)
    if c and c.status == 'escalated' then
      escalated = escalated + 1
    end
  end
  local intake = {}
  if day then
    local fields = {}
    for i, ch in ipairs(CHANNELS) do fields[i] = '*|intake:' .. ch end
    intake = redis.call('HMGET', counter_key(tag, day), unpack(fields))
    for i = 1, #intake do intake[i] = tonumber(intake[i] or '0') end
  end
  return {redis.call('ZCARD', keys[1]), #overdue - escalated, escalated, intake}
end

-- hl_dash_intake: one bucket's intake per minute.
-- KEYS[1]: any key of the bucket, hl:{NN}:mi; named args now_ms, minutes
-- returns one list per minute, oldest first: {minute_start_ms, counts in CHANNELS order}
local function dash_intake(keys, args)
  local p = named(args)
  local tag = tag_of(keys[1])
  if not tag then
    return redis.error_reply('ERR KEYS[1]: no bucket tag')
  end
  local now, minutes = tonumber(p.now_ms), tonumber(p.minutes)
  local last = math.floor(now / 60000)
  local out = {}
  for mnt = last - minutes + 1, last do
    local f = redis.call('HMGET', tag .. 'mi:' .. mnt, unpack(CHANNELS))
    local row = {tostring(mnt * 60000)}
    for i = 1, #CHANNELS do row[i + 1] = tonumber(f[i] or '0') end
    out[#out + 1] = row
  end
  return out
end

-- hl_dash_deadlines: one bucket's most urgent deadlines at risk.
-- KEYS[1]: the bucket's list, hl:{NN}:sla:warned or hl:{NN}:sla:overdue
-- Named args: limit
-- returns {ticket, milestone, level, due_ms, unit, rank} most urgent first;
-- rank (the list's score) orders the rows of all buckets merged.
local function dash_deadlines(keys, args)
  local p = named(args)
  local out = {}
  local items = redis.call('ZRANGE', keys[1], 0, tonumber(p.limit) - 1, 'WITHSCORES')
  for i = 1, #items, 2 do
    local ticket, m = string.match(items[i], '^([^|]+)|(.+)$')
    local f = redis.call('HMGET', tkey(ticket, 't'), CLOCK[m] or 'sla:', 'unit')
    local c = clock_decode(f[1]) or {}
    out[#out + 1] = {ticket, m, c.status or '', c.due or items[i + 1], f[2] or '', items[i + 1]}
  end
  return out
end

-- ---------------------------------------------------------------------
-- Leases: which hotlined instance fires which bucket's timers (docs/sla.md).

-- hl_lease_beat: a heartbeat in the registry of live instances.
-- KEYS[1]: the registry, hl:instances (holder -> expiry, Redis time in ms)
-- Named args: holder, ttl_ms, leave ('1': the holder stops and leaves)
-- returns {ms until the first heartbeat of another holder runs out (-1:
-- none), {the live holders, sorted by name (the order shares are dealt in)}}
local function lease_beat(keys, args)
  local p = named(args)
  local now = now_ms(nil)
  redis.call('ZREMRANGEBYSCORE', keys[1], '-inf', now)
  if p.leave == '1' then
    redis.call('ZREM', keys[1], p.holder)
  else
    redis.call('ZADD', keys[1], now + tonumber(p.ttl_ms), p.holder)
  end
  local live = redis.call('ZRANGE', keys[1], 0, -1, 'WITHSCORES')
  local names, soonest = {}, -1
  for i = 1, #live, 2 do
    names[#names + 1] = live[i]
    local left = tonumber(live[i + 1]) - now
    if live[i] ~= p.holder and (soonest < 0 or left < soonest) then soonest = left end
  end
  table.sort(names)
  return {soonest, names}
end

-- hl_lease: take (or renew) or release one bucket's lease.
-- KEYS[1]: the bucket's lease, hl:{NN}:lease
-- Named args: holder, ttl_ms, op ('take' or 'release')
-- returns 1 if HOLDER holds it afterwards (take) or let it go (release), else 0
local function lease(keys, args)
  local p = named(args)
  local v = redis.call('GET', keys[1])
  if p.op == 'release' then
    if v ~= p.holder then return 0 end
    redis.call('DEL', keys[1])
    return 1
  end
  if v == p.holder then
    redis.call('PEXPIRE', keys[1], p.ttl_ms)
    return 1
  end
  if v then return 0 end
  redis.call('SET', keys[1], p.holder, 'PX', p.ttl_ms)
  return 1
end

-- hl_dash_units: one bucket's counters of some days.
-- KEYS[1]: any key of the bucket, hl:{NN}:m; named args days
-- ("yyyymmdd,yyyymmdd,..."); returns the counters summed over the days as
-- a flat list "<unit>|<counter>", value, ...
local function dash_units(keys, args)
  local tag = tag_of(keys[1])
  if not tag then
    return redis.error_reply('ERR KEYS[1]: no bucket tag')
  end
  local sum = {}
  for day in string.gmatch(named(args).days or '', '%d+') do
    local f = redis.call('HGETALL', counter_key(tag, day))
    for i = 1, #f, 2 do
      sum[f[i]] = (sum[f[i]] or 0) + tonumber(f[i + 1])
    end
  end
  local out = {}
  for key, v in pairs(sum) do
    out[#out + 1] = key
    out[#out + 1] = tostring(v)
  end
  return out
end

-- hl_dash_hotspots: named args limit; the latest hotspot alerts (JSON), newest first
local function dash_hotspots(keys, args)
  return redis.call('LRANGE', 'hl:hotspots', 0, tonumber(named(args).limit) - 1)
end

-- hl_hotspot_record: named args alert (JSON); keeps the latest 200 alerts
local function hotspot_record(keys, args)
  redis.call('LPUSH', 'hl:hotspots', named(args).alert)
  redis.call('LTRIM', 'hl:hotspots', 0, 199)
  return 1
end

-- The ticket with its caller's full details, for staff who need them: the
-- access goes into the history in the same atomic call, so no full number
-- is shown without its audit entry. KEYS as hl_ticket_get; named args
-- actor, now_ms, reason.
local function ticket_reveal(keys, args)
  local p = named(args)
  local actor, now, reason = p.actor or '', p.now_ms, p.reason or ''
  local state = redis.call('HGET', keys[1], 'state')
  if not state then
    return {}
  end
  history_add(keys[1], history_entry(now, actor, 'reveal_caller', state, state, reason))
  return ticket_get(keys, {})
end

-- ======== BEGIN sequence guard (issue 14; daemon/hl_seqguard.c) ========
-- Keys, in each bucket (the tag {NN} of the key the call is given):
--   hl:{NN}:seq:epoch     string  the primary the bucket's sequences were last
--                                 guarded on
--
-- Replication is asynchronous: a replica promoted after its primary died
-- may lack the primary's last INCRs of hl:{NN}:seq:<day>, and would hand
-- the same numbers to other complaints. So on a primary not seen before
-- (EPOCH: its replication id, which a promotion changes) the bucket's
-- sequences of yesterday, today and tomorrow (TZ minutes from UTC) jump
-- by GAP, more than the primary could have lost, before hotlined takes
-- intake again. One call guards one bucket (its keys are in one slot);
-- hotlined calls it for every bucket and serves once all have answered.
-- The days are those of NOW_MS, hotlined's clock (as intake's; '' =
-- Redis's). Once per primary and bucket: the first hotlined to ask bumps,
-- the others find the epoch recorded. A bucket that never recorded an
-- epoch (new, or from before the guard) bumps only the sequences it has.
--
-- KEYS[1] = hl:{NN}:seq:epoch; named args epoch, gap, tz_offset_min, now_ms
-- returns {'bumped', days} or {'same', 0}
local function seq_guard(keys, args)
  local p = named(args)
  local epoch, gap, tz = p.epoch or '', tonumber(p.gap or ''), tonumber(p.tz_offset_min or '')
  local tag = keys[1] and string.match(keys[1], '^(.-{%d+}:)seq:epoch$')
  if not tag then
    return redis.error_reply('ERR bad_value hl_seq_guard: KEYS[1] must be hl:{NN}:seq:epoch')
  end
  if epoch == '' or not gap or gap < 1 or gap ~= math.floor(gap) or not tz then
    return redis.error_reply('ERR bad_value hl_seq_guard: epoch, a positive whole gap and '
                             .. 'tz_offset_min expected')
  end
  local seen = redis.call('GET', keys[1])
  if seen == epoch then
    return {'same', 0}
  end
  local today = math.floor((now_ms(p.now_ms) / 1000 + tz * 60) / 86400)
  local bumped = 0
  for day = today - 1, today + 1 do
    local key = tag .. 'seq:' .. civil_date(day)
    if seen or redis.call('EXISTS', key) == 1 then
      redis.call('INCRBY', key, gap)
      bumped = bumped + 1
    end
  end
  redis.call('SET', keys[1], epoch)
  return {'bumped', bumped}
end

redis.register_function('hl_seq_guard', seq_guard)
-- ======== END sequence guard ========

-- ---------------------------------------------------------------------
-- Outbox upkeep (daemon/hl_outbox): its consumer groups and its trim.

-- ---------------------------------------------------------------------
-- Retention (docs/archive.md). A closed ticket leaves Redis some time
-- after it closed, once the PostgreSQL archive has committed every change
-- of it; an action on it brings it back from the archive first.
--   field ARCHIVED of the ticket hash: the history count the archive has
--                                      committed (hl_archived)
--   field 'ci' of the ticket hash:     its caller's index, for the outbox
--                                      entry that takes it out of the lists
--   hl:{NN}:retire                     closed tickets fully archived, by the
--                                      moment they closed; hl_retire drops
--                                      those past the retention time
local ARCHIVED = 'arch'

-- The moment the retention time of the ticket of hash K runs from, as
-- digits: when it closed (else when it was created), or when it came back
-- from the archive ('back_ms', hl_ticket_restore) if that is later: a
-- ticket acted on again stays for a while, and never leaves between its
-- return and the action that brought it back.
local function closed_moment(k)
  local f = redis.call('HMGET', k, F.closed_ms, F.created_ms, 'back_ms')
  local closed = f[1] or f[2] or '0'
  if f[3] and tonumber(f[3]) > tonumber(closed) then return f[3] end
  return closed
end

-- A closed ticket whose every change is archived waits in its bucket's
-- retire set; any other is not there (a change made since, or a reopen,
-- takes it out until the archive has that change too).
local function retire_mark(k, ticket, state, count, archived)
  local z = tag_of(k) .. 'retire'
  if not OPEN[state] and count == archived then
    redis.call('ZADD', z, closed_moment(k), ticket)
    return 'due'
  end
  redis.call('ZREM', z, ticket)
  return 'kept'
end

-- hl_archived: the archive committed TICKET with its first N history
-- entries (after PostgreSQL's commit, by the archiver).
-- KEYS[1]: the ticket's hash
-- Named args: ticket, n, ci (its caller's index, '' for none)
-- returns 'due' (closed and fully archived: it may leave after the retention
-- time), 'kept' (open, or changed since) or 'gone' (not in Redis)
local function archived(keys, args)
  local p = named(args)
  local k, ticket, n = keys[1], p.ticket or '', tonumber(p.n or '')
  if k ~= tkey(ticket, 't') or not n then
    return redis.error_reply('ERR hl_archived: KEYS[1] must be the hash of ticket, n a count')
  end
  local f = redis.call('HMGET', k, 'state', HISTORY_COUNT, ARCHIVED)
  if not f[1] then return 'gone' end
  local done = math.max(n, tonumber(f[3] or '0'))
  redis.call('HSET', k, ARCHIVED, string.format('%d', done))
  if p.ci and p.ci ~= '' then redis.call('HSET', k, 'ci', p.ci) end
  return retire_mark(k, ticket, f[1], tonumber(f[2] or '0'), done)
end

-- Drops the closed, archived ticket of hash K in bucket TAG: its hash, its
-- request's idempotency record, whatever of it waits among the bucket's
-- reminders and warned or overdue lists; the outbox entry 'evict' takes it
-- out of the global lists (hl_outbox). F: its fields as hl_retire read them.
local function evict(tag, k, ticket, f, now)
  redis.call('DEL', k)
  if f[4] and f[5] then
    idem_forget(tag, tag .. 'idem:' .. f[4] .. ':' .. f[5], f[4] .. ':' .. f[5])
  end
  local reminders, marks = {}, {}
  for _, m in ipairs(MILESTONES) do
    marks[#marks + 1] = ticket .. '|' .. m
    for _, level in ipairs(LEVELS) do
      reminders[#reminders + 1] = ticket .. '|' .. m .. '|' .. level
    end
  end
  redis.call('ZREM', tag .. 'timers', unpack(reminders))
  redis.call('ZREM', tag .. 'sla:warned', unpack(marks))
  redis.call('ZREM', tag .. 'sla:overdue', unpack(marks))
  outbox(tag, ticket, 'evict', f[1], f[1], f[6], f[6], '', f[7] or '', now, {'ci', f[8] or ''})
end

-- hl_retire: the bucket's closed tickets that closed KEEP_MS or longer
-- before NOW leave Redis, each only if the archive has committed its
-- every change (checked here, in the same step that drops it).
-- KEYS[1]: the bucket's retire set, hl:{NN}:retire
-- Named args: now_ms (none: Redis time), keep_ms, limit
-- returns {tickets dropped, tickets looked at (LIMIT: there may be more)}
local function retire(keys, args)
  local p = named(args)
  local z, tag = keys[1], tag_of(keys[1])
  local keep, limit = tonumber(p.keep_ms or ''), tonumber(p.limit or '')
  if not tag or not keep or not limit then
    return redis.error_reply('ERR hl_retire: KEYS[1] a bucket\'s retire set, keep_ms, limit')
  end
  local now = now_ms(p.now_ms)
  local due = redis.call('ZRANGEBYSCORE', z, '-inf', now - keep, 'LIMIT', 0, limit)
  local dropped = 0
  for _, ticket in ipairs(due) do
    redis.call('ZREM', z, ticket)
    local k = ttag(ticket) == tag and tkey(ticket, 't')
    local f = k and redis.call('HMGET', k, 'state', HISTORY_COUNT, ARCHIVED, F.channel,
                               'request_id', 'unit', F.created_ms, 'ci') or {}
    if f[1] and not OPEN[f[1]] and f[3] and f[3] == f[2] then
      evict(tag, k, ticket, f, now)
      dropped = dropped + 1
    end
  end
  return {dropped, #due}
end

-- hl_ticket_restore: a ticket that left Redis, brought back from the
-- archive before an action on it, with the fields the archive keeps and
-- its whole history (closed_ms and dispatched_ms read from it). Nothing
-- is overwritten: a ticket still (or again) in Redis is left as it is.
-- KEYS[1]: the ticket's hash
-- Named args: ticket, ci (its caller's index), now_ms; then 'fields', the
-- hash's field/value pairs, then 'history' and six values per entry
-- (at, actor, action, from, to, note), oldest first.
-- returns 'restored' or 'present'
local function ticket_restore(keys, args)
  local p, first = named(args)
  local k, ticket = keys[1], p.ticket or ''
  if k ~= tkey(ticket, 't') then
    return redis.error_reply('ERR hl_ticket_restore: KEYS[1] must be the hash of ticket')
  end
  if redis.call('EXISTS', k) == 1 then return 'present' end
  local fields, i = {}, first
  while i < #args and args[i] ~= 'history' do i = i + 2 end
  stored_pairs(fields, args, first, i)
  local n, closed, dispatched, appealed = 0, nil, nil, false
  local state = p.state or ''
  for e = i + 1, #args - 5, 6 do
    n = n + 1
    fields[#fields + 1], fields[#fields + 2] = history_field(n), history_entry(args[e], args[e + 1], args[e + 2], args[e + 3],
                                        args[e + 4], args[e + 5])
    if args[e + 4] == 'dispatched' and not dispatched then dispatched = args[e] end
    if args[e + 4] == state and args[e + 3] ~= state then closed = args[e] end
    if args[e + 2] == 'grant_appeal' then appealed = true end
  end
  local count, now = string.format('%d', n), string.format('%d', now_ms(p.now_ms))
  redis.call('HSET', k, 'ticket', ticket, 'state', state, HISTORY_COUNT, count, ARCHIVED, count,
             'back_ms', now, unpack(fields))
  if p.ci and p.ci ~= '' then redis.call('HSET', k, 'ci', p.ci) end
  if dispatched then redis.call('HSET', k, F.dispatched_ms, dispatched) end
  if closed and not OPEN[state] then redis.call('HSET', k, F.closed_ms, closed) end
  -- Its figures were counted on their days and are not brought back (the
  -- archive's reports count it from its rows); an appeal granted before
  -- is remembered, so it is not granted twice (ticket_figures).
  if appealed then redis.call('HSET', k, 'mc', 'x') end
  local f = redis.call('HMGET', k, 'unit', 'assist', F.created_ms)
  outbox(tag_of(k), ticket, 'restore', '', state, f[1], '', f[2], f[3] or '', now,
         {'ci', p.ci or ''})
  retire_mark(k, ticket, state, n, n)
  return 'restored'
end

-- hl_outbox_open: make the consumer groups a bucket's outbox lacks, reading
-- from its start (what was appended before a group existed is its too).
-- KEYS[1]: the outbox, hl:{NN}:out
-- Named args: groups (comma-separated)
-- returns how many groups were made
local function outbox_open(keys, args)
  local made = 0
  for g in string.gmatch(named(args).groups or '', '[^,]+') do
    local r = redis.pcall('XGROUP', 'CREATE', keys[1], g, '0', 'MKSTREAM')
    if type(r) ~= 'table' or not r.err then made = made + 1 end
  end
  return made
end

-- Stream ids as numbers, for comparing and stepping.
local function id_parts(id)
  local ms, seq = string.match(id or '', '^(%d+)-(%d+)$')
  return tonumber(ms or '0'), tonumber(seq or '0')
end

local function id_before(a, b)
  local am, as = id_parts(a)
  local bm, bs = id_parts(b)
  return am < bm or (am == bm and as < bs)
end

-- Each group of an outbox: its name, entries delivered and not acknowledged
-- (pending), entries not yet delivered (behind), and the oldest id it still
-- needs (low). NIL when the outbox does not exist.
-- (the stream's last id, for a group whose lag Redis cannot tell: read
-- only then, XINFO STREAM answers with whole entries)
local function last_id(key)
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return info[i + 1] end
  end
end

local function outbox_groups(key)
  if redis.call('EXISTS', key) == 0 then return nil end
  local out, last = {}, nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    local delivered = f['last-delivered-id']
    local behind = f.lag
    if type(behind) ~= 'number' then
      last = last or last_id(key)
      behind = delivered == last and 0 or 1
    end
    local low
    if f.pending > 0 then
      low = redis.call('XPENDING', key, f.name)[2]
    else
      local ms, seq = id_parts(delivered)
      low = string.format('%d-%d', ms, seq + 1)
    end
    out[#out + 1] = {name = f.name, pending = f.pending, behind = behind, low = low}
  end
  return out
end

-- The backlog of GROUPS: {group, pending, behind, ...}, after FIRST if
-- it is not nil.
local function backlog(groups, first)
  local out = {first}
  for _, g in ipairs(groups or {}) do
    out[#out + 1], out[#out + 2], out[#out + 3] = g.name, g.pending, g.behind
  end
  return out
end

-- hl_outbox_rewind: a group that reads without acknowledging (NOACK) and
-- keeps how far it has applied in a second group, '<group>-applied' (its
-- cursor: a group nobody reads, moved by its consumer with XGROUP SETID, and
-- counted by the trim like any other), is set back to that cursor: what it
-- read and did not apply is read again. The cursor is made at the start of
-- the outbox if it is missing.
-- KEYS[1]: the outbox, hl:{NN}:out
-- Named args: group
-- returns the id the group reads after
local function outbox_rewind(keys, args)
  local group = named(args).group
  local cursor, at = group .. '-applied', nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', keys[1])) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    if f.name == cursor then at = f['last-delivered-id'] end
  end
  if not at then
    at = '0'
    redis.call('XGROUP', 'CREATE', keys[1], cursor, at, 'MKSTREAM')
  end
  redis.call('XGROUP', 'SETID', keys[1], group, at)
  return at
end

-- hl_unitq_push: queue tickets for their units' workers (daemon/hl_unitq),
-- each from one outbox entry (the q group of daemon/hl_outbox), once: a unit
-- keeps, per bucket, the id of the latest outbox entry it queued from, and
-- an entry not after it is one already queued (a batch applied again after
-- its consumer died before acknowledging it). Why a mark per bucket and not
-- per ticket: a bucket's entries are applied in order, so one id a bucket
-- says all that came before it, in at most 64 fields a unit that never need
-- cleaning (a mark per ticket would cost every ticket memory, and its
-- removal would reopen the window it closes). Why many entries a call: one
-- call per ticket cost Redis more than the XADD it makes (bench/RESULTS.md,
-- "the q group at 5,000 tickets/s"); a call takes a read's worth.
-- KEYS: per unit its stream, hl:q:{U}, then its marks, hl:q:{U}:o
-- ARGV: 'columns', the names of a row's columns (space-separated: unit,
-- its unit's place in KEYS, 1 the first pair; bucket; entry, the outbox
-- entry's id; ticket; role, lead or assist; at, ms queued), then one row
-- per entry, in outbox order per bucket
-- returns per entry the new stream entry's id, or '' when it was queued before

-- Rows of ARGS: 'columns', their names, then the values row after row;
-- each row a table by column name. Refuses rows short of a column NEED
-- names.
local function rows(args, need)
  if args[1] ~= 'columns' or not args[2] then
    return nil, 'ERR rows: ARGV must start with columns and their names'
  end
  local cols = {}
  for name in string.gmatch(args[2], '%S+') do cols[#cols + 1] = name end
  if #cols == 0 or (#args - 2) % #cols ~= 0 then
    return nil, 'ERR rows: ' .. (#args - 2) .. ' values are no whole rows of ' .. #cols
  end
  local out = {}
  for i = 3, #args, #cols do
    local r = {}
    for c = 1, #cols do r[cols[c]] = args[i + c - 1] end
    for _, name in ipairs(need) do
      if not r[name] then return nil, 'ERR rows: no column ' .. name end
    end
    out[#out + 1] = r
  end
  return out
end

-- (unitq_marks: each unit's marks of the buckets the rows name, one HMGET
-- a unit)
local function unitq_marks(keys, entries)
  local want, marks = {}, {}
  for _, r in ipairs(entries) do
    local u, b = tonumber(r.unit), r.bucket
    want[u] = want[u] or {}
    if not want[u][b] then
      want[u][b] = true
      want[u][#want[u] + 1] = b
    end
  end
  for u, buckets in pairs(want) do
    local got = redis.call('HMGET', keys[2 * u], unpack(buckets))
    marks[u] = {}
    for j, b in ipairs(buckets) do marks[u][b] = got[j] end
  end
  return marks
end

local UNITQ_COLUMNS = {'unit', 'bucket', 'entry', 'ticket', 'role', 'at'}

local function unitq_push(keys, args)
  local entries, err = rows(args, UNITQ_COLUMNS)
  if not entries then return redis.error_reply(err) end
  for _, r in ipairs(entries) do
    local u = tonumber(r.unit)
    if not u or u < 1 or 2 * u > #keys then
      return redis.error_reply('ERR hl_unitq_push: unit ' .. r.unit .. ' names no key pair')
    end
  end
  local marks, moved, ids = unitq_marks(keys, entries), {}, {}
  for _, r in ipairs(entries) do
    local u, b, e = tonumber(r.unit), r.bucket, r.entry
    local stream = keys[2 * u - 1]
    local mark = marks[u][b]
    if mark and not id_before(mark, e) then
      ids[#ids + 1] = ''
    else
      ids[#ids + 1] = redis.call('XADD', stream, '*', 't', r.ticket, 'r', r.role,
                                 'at', r.at)
      mark = e
      moved[u] = moved[u] or {}
      moved[u][b] = e
    end
    marks[u][b] = mark
  end
  -- The marks after their entries: a Function's writes stay when it fails
  -- later, and a mark without its entry would make the retry skip it.
  for u, set in pairs(moved) do
    local fields = {}
    for b, e in pairs(set) do
      fields[#fields + 1] = b
      fields[#fields + 1] = e
    end
    redis.call('HSET', keys[2 * u], unpack(fields))
  end
  return ids
end

-- hl_index_apply: the moves of tickets in sorted-set lists that one read of
-- the outbox's idx group makes (daemon/hl_ixmoves: the state lists, the
-- units' lists, the callers' groups), in one call instead of a ZADD or ZREM
-- command each. A member's last move in a key wins, as if each had been sent
-- on its own in order; then each key gets one ZREM and one ZADD. Applying the
-- same rows again ends where once does (a batch read again).
-- KEYS: the lists (one slot on a cluster)
-- ARGV: 'columns', the names of a row's columns (space-separated: key, its
-- place in KEYS, 1 the first; op, ZADD or ZREM; score, the ZADD's score,
-- '' for ZREM; member), then the rows in the order they were made
-- returns how many rows were applied
local INDEX_COLUMNS = {'key', 'op', 'score', 'member'}

-- Values a ZADD or ZREM takes at once: unpack has a stack limit (~8,000).
local INDEX_CHUNK = 2000

local function index_call(verb, key, values)
  for i = 1, #values, INDEX_CHUNK do
    redis.call(verb, key, unpack(values, i, math.min(i + INDEX_CHUNK - 1, #values)))
  end
end

-- Where each of NEED is in a row of ARGS ('columns', names, rows), and the
-- row's width; nil and the reason if ARGS is no whole rows of them. (Not
-- rows(): a table per row cost this call more than the moves themselves.)
local function columns_at(args, need)
  if args[1] ~= 'columns' or not args[2] then
    return nil, nil, 'ERR rows: ARGV must start with columns and their names'
  end
  local at, width = {}, 0
  for name in string.gmatch(args[2], '%S+') do
    width = width + 1
    at[name] = width - 1
  end
  if width == 0 or (#args - 2) % width ~= 0 then
    return nil, nil, 'ERR rows: ' .. (#args - 2) .. ' values are no whole rows of ' .. width
  end
  for _, name in ipairs(need) do
    if not at[name] then return nil, nil, 'ERR rows: no column ' .. name end
  end
  return at, width
end

local function index_apply(keys, args)
  local at, width, err = columns_at(args, INDEX_COLUMNS)
  if not at then return redis.error_reply(err) end
  local ck, co, cs, cm = at.key, at.op, at.score, at.member
  local last = {}                        -- per key: member -> score, or false (ZREM)
  for i = 3, #args, width do
    local k, op, score = tonumber(args[i + ck]), args[i + co], args[i + cs]
    if not k or not keys[k] then
      return redis.error_reply('ERR hl_index_apply: key ' .. args[i + ck] .. ' names no key')
    end
    if op ~= 'ZREM' and (op ~= 'ZADD' or not tonumber(score)) then
      return redis.error_reply('ERR hl_index_apply: op ' .. op .. ' score ' .. score
                               .. ': ZADD with a number or ZREM')
    end
    local members = last[k]
    if not members then
      members = {}
      last[k] = members
    end
    members[args[i + cm]] = op == 'ZADD' and score
  end
  for k, members in pairs(last) do
    local add, rem, na, nr = {}, {}, 0, 0
    for member, score in pairs(members) do
      if score then
        add[na + 1], add[na + 2], na = score, member, na + 2
      else
        rem[nr + 1], nr = member, nr + 1
      end
    end
    if nr > 0 then index_call('ZREM', keys[k], rem) end
    if na > 0 then index_call('ZADD', keys[k], add) end
  end
  return (#args - 2) / width
end

-- hl_outbox_figures: a bucket's backlog per group.
-- KEYS[1]: the outbox, hl:{NN}:out
-- returns {group, pending, behind, ...}
local function outbox_figures(keys, args)
  return backlog(outbox_groups(keys[1]), nil)
end

-- hl_outbox_trim: drop the entries every group has acknowledged (none
-- while it has no group: nobody has read them yet).
-- KEYS[1]: the outbox, hl:{NN}:out
-- returns {how many entries were dropped, then as hl_outbox_figures}
local function outbox_trim(keys, args)
  local groups, floor = outbox_groups(keys[1]), nil
  for _, g in ipairs(groups or {}) do
    if not floor or id_before(g.low, floor) then floor = g.low end
  end
  return backlog(groups, floor and redis.call('XTRIM', keys[1], 'MINID', floor) or 0)
end

redis.register_function{function_name = 'hl_dash_hotspots', callback = dash_hotspots,
                        flags = {'no-writes'}}
redis.register_function('hl_hotspot_record', hotspot_record)
redis.register_function{function_name = 'hl_dash_summary', callback = dash_summary,
                        flags = {'no-writes'}}
redis.register_function{function_name = 'hl_dash_intake', callback = dash_intake,
                        flags = {'no-writes'}}
redis.register_function{function_name = 'hl_dash_deadlines', callback = dash_deadlines,
                        flags = {'no-writes'}}
redis.register_function{function_name = 'hl_dash_units', callback = dash_units,
                        flags = {'no-writes'}}
redis.register_function('hl_intake', intake)
redis.register_function('hl_sla_arm', sla_arm)
redis.register_function('hl_timer_fire', timer_fire)
redis.register_function{function_name = 'hl_sla_counts', callback = sla_counts,
                        flags = {'no-writes'}}
redis.register_function('hl_lease_beat', lease_beat)
redis.register_function('hl_lease', lease)
redis.register_function{function_name = 'hl_sla_scan', callback = sla_scan,
                        flags = {'no-writes'}}
redis.register_function('hl_transition', transition)
redis.register_function{function_name = 'hl_ticket_get', callback = ticket_get,
                        flags = {'no-writes'}}
redis.register_function('hl_ticket_reveal', ticket_reveal)
redis.register_function('hl_outbox_open', outbox_open)
redis.register_function('hl_archived', archived)
redis.register_function('hl_retire', retire)
redis.register_function('hl_ticket_restore', ticket_restore)
redis.register_function('hl_outbox_trim', outbox_trim)
redis.register_function('hl_outbox_rewind', outbox_rewind)
redis.register_function('hl_unitq_push', unitq_push)
redis.register_function('hl_index_apply', index_apply)
redis.register_function{function_name = 'hl_outbox_figures', callback = outbox_figures,
                        flags = {'no-writes'}}
