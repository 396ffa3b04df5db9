-- src/state/redis/lua/hold-create-1.lua
-- Stores a hold once per order id, with its indexes and audit entry, atomically.
-- KEYS[1] base `{p:q}`; suffixes :h:<id> hold hash (b base JSON, s status, v version, u updatedAt, h heldAt,
-- a assignee, r resolution JSON, x JSON list of its index suffixes), :a:<id> the order's audit list, :audit the
-- global audit list, index sorted sets (all, s:<status>, rule:<id>, sku:<sku>, vch:<code>) scored by heldAt.
-- ARGV: orderId, heldAt, base JSON, audit JSON, maxAudit, maxOrderAudit, index suffixes...
-- Output: {1} when created, {0, hold fields...} when the order was already held.

local base = KEYS[1]
local id = ARGV[1]
local hold = base .. ':h:' .. id
if redis.call('EXISTS', hold) == 1 then
  local out = {0}
  for _, value in ipairs(redis.call('HGETALL', hold)) do out[#out + 1] = value end
  return out
end
local indexes = {}
for n = 7, #ARGV do
  redis.call('ZADD', base .. ':' .. ARGV[n], ARGV[2], id)
  indexes[#indexes + 1] = ARGV[n]
end
redis.call('HSET', hold, 'b', ARGV[3], 's', 'pending', 'v', 1, 'u', ARGV[2], 'h', ARGV[2], 'x', cjson.encode(indexes))
redis.call('LPUSH', base .. ':audit', ARGV[4])
redis.call('LTRIM', base .. ':audit', 0, tonumber(ARGV[5]) - 1)
redis.call('LPUSH', base .. ':a:' .. id, ARGV[4])
redis.call('LTRIM', base .. ':a:' .. id, 0, tonumber(ARGV[6]) - 1)
return {1}
