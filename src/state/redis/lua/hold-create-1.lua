-- src/state/redis/lua/hold-create-1.lua
-- Stores a batch of holds (the holds of one turn of the event loop), each once per order id, with its indexes and
-- audit entry. Each hold is written whole before the next is begun.
-- KEYS[1] base `{p:q}`; suffixes :h:<id> hold hash (b base JSON, s status, v version, u updatedAt, h heldAt,
-- a assignee, r resolution JSON, x JSON list of its index suffixes), :a:<id> the order's audit list, :audit the
-- global audit list, index sorted sets (all, s:<status>, rule:<id>, sku:<sku>, vch:<code>) scored by heldAt.
-- ARGV: maxAudit, maxOrderAudit, then per hold: orderId, heldAt, base JSON, audit JSON, order.held event JSON
--   (webhook outbox; '' for none), the number of index suffixes, the index suffixes.
-- Output: one entry per hold, in order: {1} when created, {0, hold fields...} when the order was already held.

local base = KEYS[1]
local maxAudit = tonumber(ARGV[1]) - 1
local maxOrderAudit = tonumber(ARGV[2]) - 1
local outboxMax = tonumber(redis.call('HGET', base .. ':ob:cfg', 'max') or '0')

-- Stores one hold from ARGV[at ...]; returns its output entry and where the next hold's arguments begin.
local function create(at)
  local id = ARGV[at]
  local heldAtArg = ARGV[at + 1]
  local event = ARGV[at + 4]
  local indexCount = tonumber(ARGV[at + 5])
  local nextAt = at + 6 + indexCount
  local hold = base .. ':h:' .. id
  if redis.call('EXISTS', hold) == 1 then
    local out = {0}
    for _, value in ipairs(redis.call('HGETALL', hold)) do out[#out + 1] = value end
    return out, nextAt
  end
  local indexes = {}
  for n = at + 6, nextAt - 1 do
    redis.call('ZADD', base .. ':' .. ARGV[n], heldAtArg, id)
    indexes[#indexes + 1] = ARGV[n]
  end
  redis.call('HSET', hold, 'b', ARGV[at + 2], 's', 'pending', 'v', 1, 'u', heldAtArg, 'h', heldAtArg, 'x', cjson.encode(indexes))
  redis.call('LPUSH', base .. ':audit', ARGV[at + 3])
  redis.call('LTRIM', base .. ':audit', 0, maxAudit)
  redis.call('LPUSH', base .. ':a:' .. id, ARGV[at + 3])
  redis.call('LTRIM', base .. ':a:' .. id, 0, maxOrderAudit)

  -- [outbox] Webhook outbox (issue 14): the order.held event is recorded in this same script, atomically with the
  -- hold. Recorded only while a webhook worker runs (:ob:cfg exists); outbox-claim-1.lua routes it.
  if event ~= '' and outboxMax > 0 then
    if redis.call('LLEN', base .. ':ob:in') < outboxMax then
      redis.call('RPUSH', base .. ':ob:in', event)
    else
      redis.call('HINCRBY', base .. ':ob:cfg', 'dropped', 1)
    end
  end
  -- [/outbox]

  -- [aggregates] Queue aggregates of pending holds (kept exact here and in hold-transition, never by scanning). This block reads the
  -- hold back from its hash, so it does not depend on the ARGV layout above.
  -- :m:<suffix> money indexes (every index suffix again, scored by discount); :pv money of pending holds per currency
  -- (hash fields <CUR>:n orders, :l list value, :d discount, :t total); per group <kind>:<key> (vch:, sku:, rule:):
  -- :g:<group> its money (same fields), :pg:<group> its pending ids scored by heldAt, :gc:<kind> groups scored by
  -- pending count, :gd:<kind>:<CUR> groups scored by pending discount in CUR. The hold's field g=1 marks it counted.
  do
    local summary = cjson.decode(redis.call('HGET', hold, 'b'))
    local heldAt = redis.call('HGET', hold, 'h')
    local currency = summary.currency
    local discount = string.format('%d', summary.discount)
    local amounts = {
      n = '1',
      l = string.format('%d', summary.listValue),
      d = discount,
      t = string.format('%d', summary.order.total),
    }
    local function count(key)
      for field, amount in pairs(amounts) do redis.call('HINCRBY', key, currency .. ':' .. field, amount) end
    end
    for _, suffix in ipairs(cjson.decode(redis.call('HGET', hold, 'x'))) do
      redis.call('ZADD', base .. ':m:' .. suffix, discount, id)
    end
    count(base .. ':pv')
    local function join(kind, keys)
      for _, key in ipairs(keys) do
        local group = kind .. ':' .. key
        count(base .. ':g:' .. group)
        redis.call('ZADD', base .. ':pg:' .. group, heldAt, id)
        redis.call('ZINCRBY', base .. ':gc:' .. kind, 1, group)
        redis.call('ZINCRBY', base .. ':gd:' .. kind .. ':' .. currency, discount, group)
      end
    end
    join('vch', summary.vouchers)
    join('sku', summary.skus)
    join('rule', summary.rules)
    redis.call('HSET', hold, 'g', 1)
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
