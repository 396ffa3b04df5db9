-- src/state/redis/lua/hold-transition-1.lua
-- Claims or decides a pending hold, checking status (and version for decisions) atomically.
-- KEYS[1] base `{p:q}`. ARGV: kind ('claim' | 'decide'), orderId, now, actor, expectedVersion (-1 any),
--   to ('approved' | 'rejected'), resolution JSON, audit JSON, maxAudit, maxOrderAudit, decidedRetentionMs,
--   decision event JSON (webhook outbox; '' for none).
-- Output: {status ('ok' | 'not_found' | 'already_decided' | 'version_conflict'), hold fields...}.

local base = KEYS[1]
local id = ARGV[2]
local hold = base .. ':h:' .. id
local function reply(status)
  local out = {status}
  for _, value in ipairs(redis.call('HGETALL', hold)) do out[#out + 1] = value end
  return out
end
if redis.call('EXISTS', hold) == 0 then return {'not_found'} end
if redis.call('HGET', hold, 's') ~= 'pending' then return reply('already_decided') end
local expected = tonumber(ARGV[5])
if ARGV[1] == 'decide' and expected >= 0 and tonumber(redis.call('HGET', hold, 'v')) ~= expected then
  return reply('version_conflict')
end
redis.call('HINCRBY', hold, 'v', 1)
redis.call('HSET', hold, 'u', ARGV[3])
if ARGV[1] == 'claim' then
  redis.call('HSET', hold, 'a', ARGV[4])
else
  local heldAt = redis.call('HGET', hold, 'h')
  redis.call('HSET', hold, 's', ARGV[6], 'r', ARGV[7])
  redis.call('ZREM', base .. ':s:pending', id)
  redis.call('ZADD', base .. ':s:' .. ARGV[6], heldAt, id)
  if tonumber(ARGV[11]) > 0 then redis.call('ZADD', base .. ':expiry', tonumber(ARGV[3]) + tonumber(ARGV[11]), id) end
  -- [outbox] Webhook outbox (issue 14): the decision's event is recorded in this same script, so no crash can
  -- separate the decision from its order.released / order.cancelled event. Recorded only while a webhook worker
  -- runs (:ob:cfg exists); outbox-claim-1.lua routes it to the endpoints.
  local outboxMax = tonumber(redis.call('HGET', base .. ':ob:cfg', 'max') or '0')
  if (ARGV[12] or '') ~= '' and outboxMax > 0 then
    if redis.call('LLEN', base .. ':ob:in') < outboxMax then
      redis.call('RPUSH', base .. ':ob:in', ARGV[12])
    else
      redis.call('HINCRBY', base .. ':ob:cfg', 'dropped', 1)
    end
  end
  -- [/outbox]
end
redis.call('LPUSH', base .. ':audit', ARGV[8])
redis.call('LTRIM', base .. ':audit', 0, tonumber(ARGV[9]) - 1)
redis.call('LPUSH', base .. ':a:' .. id, ARGV[8])
redis.call('LTRIM', base .. ':a:' .. id, 0, tonumber(ARGV[10]) - 1)

-- [aggregates] Queue aggregates of pending holds (see hold-create): a decided hold leaves them, once (the g mark is removed), and
-- moves from the pending money index to its status's. A group whose last pending hold is decided is deleted. This
-- block reads the hold back from its hash, so it does not depend on the ARGV layout above.
local decided = redis.call('HGET', hold, 's')
if decided ~= 'pending' and redis.call('HGET', hold, 'g') then
  local summary = cjson.decode(redis.call('HGET', hold, 'b'))
  local currency = summary.currency
  -- A hold stored by a version before exposure was kept was counted and ranked by its discount, and in no incident.
  local counted = summary.exposure ~= nil
  local score = counted and summary.exposure or summary.discount
  -- Negated as numbers: a '-' before '0' would make '-0', which HINCRBY refuses.
  local minus = {
    l = string.format('%d', -summary.listValue),
    d = string.format('%d', -summary.discount),
    t = string.format('%d', -summary.order.total),
  }
  if counted then
    minus.x = string.format('%d', -summary.exposure)
    minus.o = string.format('%d', -summary.overcharge)
  end
  -- Takes the hold's money out of a hash; returns how many orders of the currency are left there.
  local function uncount(key)
    local left = redis.call('HINCRBY', key, currency .. ':n', -1)
    if left <= 0 then
      redis.call('HDEL', key, currency .. ':n', currency .. ':l', currency .. ':d', currency .. ':t', currency .. ':x', currency .. ':o')
    else
      for field, amount in pairs(minus) do redis.call('HINCRBY', key, currency .. ':' .. field, amount) end
    end
    return left
  end
  redis.call('ZREM', base .. ':m:s:pending', id)
  redis.call('ZADD', base .. ':m:s:' .. decided, score, id)
  uncount(base .. ':pv')
  local function leave(kind, keys)
    for _, key in ipairs(keys) do
      local group = kind .. ':' .. key
      local byExposure = base .. ':gd:' .. kind .. ':' .. currency
      redis.call('ZREM', base .. ':pg:' .. group, id)
      if uncount(base .. ':g:' .. group) <= 0 then
        redis.call('ZREM', byExposure, group)
      else
        redis.call('ZINCRBY', byExposure, string.format('%d', -score), group)
      end
      if tonumber(redis.call('ZINCRBY', base .. ':gc:' .. kind, -1, group)) <= 0 then
        redis.call('ZREM', base .. ':gc:' .. kind, group)
        redis.call('DEL', base .. ':g:' .. group, base .. ':pg:' .. group, base .. ':ib:' .. group)
      end
    end
  end
  leave('vch', summary.vouchers)
  leave('sku', summary.skus)
  leave('rule', summary.rules)
  if counted then
    local incident = summary.cause.kind .. ':' .. summary.cause.key
    local breakdown = base .. ':ib:c:' .. incident
    for _, rule in ipairs(summary.rules) do
      if redis.call('HINCRBY', breakdown, 'r:' .. rule, -1) <= 0 then redis.call('HDEL', breakdown, 'r:' .. rule) end
    end
    local method = 'p:' .. (summary.order.paymentMethod or '')
    if redis.call('HINCRBY', breakdown, method, -1) <= 0 then redis.call('HDEL', breakdown, method) end
    leave('c', { incident })
  end
  redis.call('HDEL', hold, 'g')
end
-- [/aggregates]

return reply('ok')
