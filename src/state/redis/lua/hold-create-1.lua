-- src/state/redis/lua/hold-create-1.lua
-- Stores a batch of holds (the holds of one turn of the event loop), each once per order id, with its indexes and
-- audit entry. Each hold is written whole before the next is begun.
-- KEYS[1] base `{p:q}`; suffixes :h:<id> hold hash (b base JSON, s status, v version, u updatedAt, h heldAt,
-- a assignee, r resolution JSON, x JSON list of its index suffixes), :a:<id> the order's audit list, :audit the
-- global audit list, index sorted sets (all, s:<status>, rule:<id>, sku:<sku>, vch:<code>, c:<incident id>) scored
-- by heldAt.
-- ARGV: maxAudit, maxOrderAudit, then per hold: orderId, heldAt, base JSON, audit JSON, the order.held event id
--   (webhook outbox: a reference {id, type, at, hold} is recorded, which the outbox expands when it is claimed),
--   currency, list value, discount, total, exposure, overcharge (minor units, as in the base JSON), the payment
--   method, the number of index suffixes, the index suffixes (all, s:pending, then rule:<id>, sku:<sku>,
--   vch:<code> and c:<incident id>, the primary cause).
-- Output: one entry per hold, in order: {1} when created, {0, hold fields...} when the order was already held.

local base = KEYS[1]
local maxAudit = tonumber(ARGV[1]) - 1
local maxOrderAudit = tonumber(ARGV[2]) - 1
local outboxMax = tonumber(redis.call('HGET', base .. ':ob:cfg', 'max') or '0')

-- Stores one hold from ARGV[at ...]; returns its output entry and where the next hold's arguments begin.
local function create(at)
  local id = ARGV[at]
  local heldAtArg = ARGV[at + 1]
  local eventId = ARGV[at + 4]
  local currency = ARGV[at + 5]
  local exposure = ARGV[at + 9]
  local amounts = { n = '1', l = ARGV[at + 6], d = ARGV[at + 7], t = ARGV[at + 8], x = exposure, o = ARGV[at + 10] }
  local paymentMethod = ARGV[at + 11]
  local first = at + 13
  local nextAt = first + tonumber(ARGV[at + 12])
  local hold = base .. ':h:' .. id
  if redis.call('EXISTS', hold) == 1 then
    local out = {0}
    for _, value in ipairs(redis.call('HGETALL', hold)) do out[#out + 1] = value end
    return out, nextAt
  end
  local indexes = {}
  for n = first, nextAt - 1 do
    redis.call('ZADD', base .. ':' .. ARGV[n], heldAtArg, id)
    indexes[#indexes + 1] = ARGV[n]
  end
  -- g=1: counted in the aggregates below, in this same script.
  redis.call('HSET', hold, 'b', ARGV[at + 2], 's', 'pending', 'v', 1, 'u', heldAtArg, 'h', heldAtArg, 'x', cjson.encode(indexes), 'g', 1)
  redis.call('LPUSH', base .. ':audit', ARGV[at + 3])
  redis.call('LTRIM', base .. ':audit', 0, maxAudit)
  redis.call('LPUSH', base .. ':a:' .. id, ARGV[at + 3])
  redis.call('LTRIM', base .. ':a:' .. id, 0, maxOrderAudit)

  -- [outbox] Webhook outbox: the order.held event is recorded in this same script, atomically with the hold, as a
  -- reference to the hold (expanded to the event when claimed). Recorded only while a webhook worker runs
  -- (:ob:cfg exists); outbox-claim-1.lua routes it.
  if outboxMax > 0 then
    if redis.call('LLEN', base .. ':ob:in') < outboxMax then
      local ref = '{"id":' .. cjson.encode(eventId) .. ',"type":"order.held","at":' .. heldAtArg .. ',"hold":' .. cjson.encode(id) .. '}'
      redis.call('RPUSH', base .. ':ob:in', ref)
    else
      redis.call('HINCRBY', base .. ':ob:cfg', 'dropped', 1)
    end
  end
  -- [/outbox]

  -- [aggregates] Queue aggregates of pending holds (kept exact here and in hold-transition, never by scanning), from
  -- the amounts and index suffixes passed with the hold (the base JSON is not decoded on this path).
  -- :m:<suffix> money indexes (every index suffix again, scored by exposure); :pv money of pending holds per currency
  -- (hash fields <CUR>:n orders, :l list value, :d discount, :t total, :x exposure, :o overcharge); per group
  -- <kind>:<key> (vch:, sku:, rule:, and c: the incidents, one per primary cause): :g:<group> its money (same
  -- fields), :pg:<group> its pending ids scored by heldAt, :gc:<kind> groups scored by pending count,
  -- :gd:<kind>:<CUR> groups scored by pending exposure in CUR; per incident, :ib:<group> its breakdown (fields
  -- r:<rule> and p:<payment method>, counts of pending holds).
  do
    local function count(key)
      for field, amount in pairs(amounts) do redis.call('HINCRBY', key, currency .. ':' .. field, amount) end
    end
    count(base .. ':pv')
    for _, suffix in ipairs(indexes) do
      redis.call('ZADD', base .. ':m:' .. suffix, exposure, id)
      local kind = string.match(suffix, '^(%a+):')
      if kind == 'vch' or kind == 'sku' or kind == 'rule' or kind == 'c' then
        count(base .. ':g:' .. suffix)
        redis.call('ZADD', base .. ':pg:' .. suffix, heldAtArg, id)
        redis.call('ZINCRBY', base .. ':gc:' .. kind, 1, suffix)
        redis.call('ZINCRBY', base .. ':gd:' .. kind .. ':' .. currency, exposure, suffix)
      end
      if kind == 'c' then
        local breakdown = base .. ':ib:' .. suffix
        for _, other in ipairs(indexes) do
          if string.sub(other, 1, 5) == 'rule:' then redis.call('HINCRBY', breakdown, 'r:' .. string.sub(other, 6), 1) end
        end
        redis.call('HINCRBY', breakdown, 'p:' .. paymentMethod, 1)
      end
    end
  end
  -- [/aggregates]

  return {1}, nextAt
end

local out = {}
local at = 3
while at <= #ARGV do
  local entry
  entry, at = create(at)
  out[#out + 1] = entry
end
return out
