#!lua name=hotline
--
-- Server-side steps of the hotline ticket store (Redis 7 Functions).
--
-- Each function is one atomic step: either all of its writes happen or
-- none, and no other client sees a half-made ticket. hotlined loads this
-- library with FUNCTION LOAD REPLACE on every (re)connect; Functions are
-- persisted in the AOF and replicated, unlike the EVALSHA script cache.
--
-- Keys (a single Redis, or a primary with replicas; not Redis Cluster):
--   hl:t:<ticket>         hash    the ticket's fields
--   hl:h:<ticket>         list    history entries, JSON, oldest first
--   hl:seq:<yyyymmdd>     string  the day's ticket sequence
--   hl:idem:<ch>:<rid>    string  "<ticket>|<fingerprint>" for idempotency
--   hl:caller:<phone>     zset    the caller's tickets by creation time
--   hl:state:<state>      zset    tickets in a state by creation time
--   hl:events             stream  one entry per change, for consumers

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

local function history_entry(at, actor, action, from, to, note)
  return cjson.encode({at = at, actor = actor, action = action,
                       from = from, to = to, note = note})
end

-- hl_intake: store a new ticket, or recognise a resubmission.
--
-- args: channel, request_id, fingerprint, prefix, tz_offset_min, now_ms
--       ('' = Redis time), idem_ttl_s, actor, phone ('' = none),
--       then field/value pairs for the ticket hash.
-- returns {'new'|'dup', ticket, state, created_ms}
--      or {'conflict', ticket} when the request id was used for a
--         different request.
local function intake(keys, args)
  local channel, rid, fp = args[1], args[2], args[3]
  local prefix, tz, now_arg = args[4], tonumber(args[5]), args[6]
  local ttl, actor, phone = tonumber(args[7]), args[8], args[9]

  local idem = 'hl:idem:' .. channel .. ':' .. rid
  local seen = redis.call('GET', idem)
  if seen then
    local sep = string.find(seen, '|', 1, true)
    local ticket = string.sub(seen, 1, sep - 1)
    if string.sub(seen, sep + 1) ~= fp then
      return {'conflict', ticket}
    end
    local t = redis.call('HMGET', 'hl:t:' .. ticket, 'state', 'created_ms')
    return {'dup', ticket, t[1], t[2]}
  end

  local now = now_ms(now_arg)
  local day = civil_date(math.floor((now / 1000 + tz * 60) / 86400))
  local seq = redis.call('INCR', 'hl:seq:' .. day)
  local ticket = string.format('%s%s%06d', prefix, day, seq)
  local state = 'to_dispatch'

  redis.call('HSET', 'hl:t:' .. ticket, 'ticket', ticket, 'state', state,
             'created_ms', now, 'actor', actor, unpack(args, 10))
  redis.call('RPUSH', 'hl:h:' .. ticket,
             history_entry(now, actor, 'intake', '', state, 'received via ' .. channel))
  redis.call('SET', idem, ticket .. '|' .. fp, 'EX', ttl)
  if phone ~= '' then
    redis.call('ZADD', 'hl:caller:' .. phone, now, ticket)
  end
  redis.call('ZADD', 'hl:state:' .. state, now, ticket)
  redis.call('XADD', 'hl:events', 'MAXLEN', '~', 1000000, '*',
             'type', 'intake', 'ticket', ticket, 'state', state)
  return {'new', ticket, state, tostring(now)}
end

-- hl_ticket_get: a ticket's fields and history in one consistent read.
-- args: ticket
-- returns {} if unknown, else {fields (flat name/value list),
--          history (list of {at, actor, action, from, to, note})}
local function ticket_get(keys, args)
  local ticket = args[1]
  local fields = redis.call('HGETALL', 'hl:t:' .. ticket)
  if #fields == 0 then
    return {}
  end
  local history = {}
  for i, raw in ipairs(redis.call('LRANGE', 'hl:h:' .. ticket, 0, -1)) do
    local e = cjson.decode(raw)
    history[i] = {tostring(e.at), e.actor or '', e.action or '',
                  e.from or '', e.to or '', e.note or ''}
  end
  return {fields, history}
end

redis.register_function('hl_intake', intake)
redis.register_function{function_name = 'hl_ticket_get', callback = ticket_get,
                        flags = {'no-writes'}}
