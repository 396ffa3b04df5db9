-- src/state/redis/lua/voucher-touch-1.lua
-- Counts voucher attempts, applies grants, a trip, an anomaly mark or a resume, optionally reserves a hard-capped
-- use, and returns the state.
-- Attempts are counted per minute (field `<epoch minute>`) over the longest velocity window, then folded into
-- 15-minute baseline buckets (field `b<epoch minute / 15>`), so a code used all day keeps ~130 small fields.
-- KEYS[1] base `{p:v:CODE}` (hash: f first seen, t tripped at, a last anomalous at, s sticky until, g the segment a
--   scoped trip holds (JSON), w when a scoped trip widened, y the trip's record: JSON of the velocity rule's words
--   and the terms it tripped under); suffixes :m minutes, :o:<id> dedupe markers, :u uses,
--   :cu uses per customer, :r reservations (orderId -> customerId), :<budget suffix> budget per currency, :t uses per
--   trait value (fields `<trait>\31<value>\31<minute>` and `...\31b<quarter>`, like :m), :tv<trait> the values
--   counted of each trait (value -> last minute; at most 16, later values count as `*`).
-- ARGV: now, minute, windows (comma-separated minutes, ascending), baselineMinutes, ttlSeconds, dedupeSeconds,
--   trip (0/1), anomalous (0/1), resumeAfterMs (0: no resume asked), budgetSuffix ('' none), budgetTtlSeconds
--   (0 none), reserve (0/1), orderId, customerId, maxUses (-1 none), maxPerCustomer (-1 none), scope (the segment to
--   hold when this call trips the code; '' every use), widen (0/1: a scoped trip widens to every use), traits (0/1:
--   return the counts per trait value), nAttempts, [orderId, minute, traits] * nAttempts ('' orderId: no dedupe;
--   traits: the attempt's value of each trait joined by \31, '' none), nGrants, [suffix, currency, amount] * nGrants,
--   and last the trip's record (kept with a new trip in field y).
-- Output: {window counts (comma-separated, as the windows), baselineCount, firstSeen, trippedAt|'', uses|'',
--   customerUses|'', limit (0 none, 1 maxUses, 2 maxUsesPerCustomer), counted, budget flat [currency, amount, ...],
--   anomalousAt|'', stickyUntil|'', resumedFrom|'' (the trip time, when this call resumed the code), traits flat
--   [trait, value, window counts, baselineCount, ...] (when asked), scope|'', widenedAt|'', widened (1 when this
--   call widened the trip)}.

local base = KEYS[1]
local now = ARGV[1]
local minute = tonumber(ARGV[2])
local windows = {}
for value in string.gmatch(ARGV[3], '[^,]+') do windows[#windows + 1] = tonumber(value) end
local longest = windows[#windows]
local baselineMinutes = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local dedupe = tonumber(ARGV[6])
redis.call('HSETNX', base, 'f', now)
if ARGV[7] == '1' then
  if redis.call('HSETNX', base, 't', now) == 1 then
    redis.call('HDEL', base, 's', 'g', 'w')
    if ARGV[17] ~= '' then redis.call('HSET', base, 'g', ARGV[17]) end
    redis.call('HSET', base, 'y', ARGV[#ARGV])
  end
end
local widened = 0
if ARGV[18] == '1' and redis.call('HEXISTS', base, 't') == 1 and redis.call('HEXISTS', base, 'g') == 1 then
  redis.call('HDEL', base, 'g')
  redis.call('HSET', base, 'w', now)
  widened = 1
end
if ARGV[7] == '1' or ARGV[8] == '1' then redis.call('HSET', base, 'a', now) end
local resumedFrom = ''
local resumeAfter = tonumber(ARGV[9])
if resumeAfter > 0 then
  local tripped = redis.call('HGET', base, 't')
  local anomalous = tonumber(redis.call('HGET', base, 'a') or tripped or '0')
  local sticky = tonumber(redis.call('HGET', base, 's') or '0')
  -- Another instance may have seen the surge go on meanwhile: resume only what is still calm.
  if tripped and anomalous <= tonumber(now) - resumeAfter and sticky <= tonumber(now) then
    redis.call('HDEL', base, 't', 's', 'g', 'w', 'y')
    resumedFrom = tripped
  end
end
local SEP = '\31'
local i = 20
local attempts = tonumber(ARGV[i])
local counted = 0
local traitKey = base .. ':t'
for n = 1, attempts do
  local id = ARGV[i + 3 * n - 2]
  local at = ARGV[i + 3 * n - 1]
  local traits = ARGV[i + 3 * n]
  local fresh = true
  if id ~= '' then
    fresh = redis.call('SET', base .. ':o:' .. id, '1', 'NX', 'EX', dedupe)
  end
  if fresh then
    redis.call('HINCRBY', base .. ':m', at, 1)
    counted = counted + 1
    if traits ~= '' then
      local trait = 0
      for value in string.gmatch(traits .. SEP, '([^' .. SEP .. ']*)' .. SEP) do
        trait = trait + 1
        local values = base .. ':tv' .. trait
        if redis.call('HEXISTS', values, value) == 0 and redis.call('HLEN', values) >= 16 then value = '*' end
        redis.call('HSET', values, value, at)
        redis.call('HINCRBY', traitKey, trait .. SEP .. value .. SEP .. at, 1)
      end
    end
  end
end
i = i + 3 * attempts + 1
local grants = tonumber(ARGV[i])
for n = 1, grants do
  local key = base .. ':' .. ARGV[i + 3 * n - 2]
  redis.call('HINCRBY', key, ARGV[i + 3 * n - 1], ARGV[i + 3 * n])
  if tonumber(ARGV[11]) > 0 then redis.call('EXPIRE', key, tonumber(ARGV[11])) end
end
local uses = ''
local customerUses = ''
local limit = 0
if ARGV[12] == '1' then
  local orderId = ARGV[13]
  local customer = ARGV[14]
  local maxUses = tonumber(ARGV[15])
  local maxPer = tonumber(ARGV[16])
  local current = tonumber(redis.call('GET', base .. ':u') or '0')
  local mine = tonumber(redis.call('HGET', base .. ':cu', customer) or '0')
  if redis.call('HEXISTS', base .. ':r', orderId) == 0 then
    if maxUses >= 0 and current >= maxUses then
      limit = 1
    elseif maxPer >= 0 and mine >= maxPer then
      limit = 2
    else
      current = redis.call('INCR', base .. ':u')
      mine = redis.call('HINCRBY', base .. ':cu', customer, 1)
      redis.call('HSET', base .. ':r', orderId, customer)
    end
  end
  uses = current
  customerUses = mine
end
local counts = {}
for w = 1, #windows do counts[w] = 0 end
local baselineCount = 0
local minutes = base .. ':m'
local fields = redis.call('HGETALL', minutes)
for n = 1, #fields, 2 do
  local name = fields[n]
  local count = tonumber(fields[n + 1])
  if string.sub(name, 1, 1) == 'b' then
    if minute - (tonumber(string.sub(name, 2)) * 15 + 14) < baselineMinutes then
      baselineCount = baselineCount + count
    else
      redis.call('HDEL', minutes, name)
    end
  else
    local age = minute - tonumber(name)
    if age < longest then
      for w = 1, #windows do
        if age < windows[w] then counts[w] = counts[w] + count end
      end
    elseif age < baselineMinutes then
      redis.call('HINCRBY', minutes, 'b' .. math.floor(tonumber(name) / 15), count)
      redis.call('HDEL', minutes, name)
      baselineCount = baselineCount + count
    else
      redis.call('HDEL', minutes, name)
    end
  end
end
-- Uses per trait value, read and folded as the code's own minutes are; values with nothing left are forgotten.
local traitCounts = {}
local traitFields = redis.call('HGETALL', traitKey)
if #traitFields > 0 then
  local series = {}
  local order = {}
  for n = 1, #traitFields, 2 do
    local name = traitFields[n]
    local count = tonumber(traitFields[n + 1])
    local cut = 0
    for position = #name, 1, -1 do
      if string.sub(name, position, position) == SEP then cut = position; break end
    end
    local key = string.sub(name, 1, cut - 1)
    local field = string.sub(name, cut + 1)
    local entry = series[key]
    if not entry then
      entry = {counts = {}, baseline = 0, live = false}
      for w = 1, #windows do entry.counts[w] = 0 end
      series[key] = entry
      order[#order + 1] = key
    end
    if string.sub(field, 1, 1) == 'b' then
      if minute - (tonumber(string.sub(field, 2)) * 15 + 14) < baselineMinutes then
        entry.baseline = entry.baseline + count
        entry.live = true
      else
        redis.call('HDEL', traitKey, name)
      end
    else
      local age = minute - tonumber(field)
      if age < longest then
        for w = 1, #windows do
          if age < windows[w] then entry.counts[w] = entry.counts[w] + count end
        end
        entry.live = true
      elseif age < baselineMinutes then
        redis.call('HINCRBY', traitKey, key .. SEP .. 'b' .. math.floor(tonumber(field) / 15), count)
        redis.call('HDEL', traitKey, name)
        entry.baseline = entry.baseline + count
        entry.live = true
      else
        redis.call('HDEL', traitKey, name)
      end
    end
  end
  for _, key in ipairs(order) do
    local entry = series[key]
    local cut = string.find(key, SEP, 1, true)
    local trait = string.sub(key, 1, cut - 1)
    local value = string.sub(key, cut + 1)
    if entry.live then
      if ARGV[19] == '1' then
        traitCounts[#traitCounts + 1] = trait
        traitCounts[#traitCounts + 1] = value
        traitCounts[#traitCounts + 1] = table.concat(entry.counts, ',')
        traitCounts[#traitCounts + 1] = entry.baseline
      end
    else
      redis.call('HDEL', base .. ':tv' .. trait, value)
    end
  end
  redis.call('EXPIRE', traitKey, ttl)
  for trait = 1, 3 do redis.call('EXPIRE', base .. ':tv' .. trait, ttl) end
end
local tripped = redis.call('HGET', base, 't')
if tripped then
  redis.call('PERSIST', base)
else
  redis.call('EXPIRE', base, ttl)
  tripped = ''
end
if #fields > 0 or counted > 0 then redis.call('EXPIRE', minutes, ttl) end
local budget = {}
if ARGV[10] ~= '' then budget = redis.call('HGETALL', base .. ':' .. ARGV[10]) end
return {
  table.concat(counts, ','), baselineCount, redis.call('HGET', base, 'f'), tripped, uses, customerUses, limit,
  counted, budget, redis.call('HGET', base, 'a') or '', redis.call('HGET', base, 's') or '', resumedFrom,
  traitCounts, redis.call('HGET', base, 'g') or '', redis.call('HGET', base, 'w') or '', widened,
}
