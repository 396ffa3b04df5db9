-- src/state/redis/lua/voucher-release-1.lua
-- Gives back the use an order reserved, if it reserved one.
-- KEYS[1] base `{p:v:CODE}`. ARGV: orderId. Output: 1 when a reservation was released, else 0.

local base = KEYS[1]
local customer = redis.call('HGET', base .. ':r', ARGV[1])
if not customer then return 0 end
redis.call('HDEL', base .. ':r', ARGV[1])
if tonumber(redis.call('GET', base .. ':u') or '0') > 0 then redis.call('DECR', base .. ':u') end
if redis.call('HINCRBY', base .. ':cu', customer, -1) <= 0 then redis.call('HDEL', base .. ':cu', customer) end
return 1
