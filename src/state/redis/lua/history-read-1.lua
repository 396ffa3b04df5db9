-- src/state/redis/lua/history-read-1.lua
-- Reads a SKU's price samples in one currency and its anchor, in one call (the cold read of a SKU's history).
-- KEYS[1] base `{p:h:SKU}`. ARGV: currency, maxSamples.
-- Output: {list (newest first, at most maxSamples), anchor fields flat ({} when none), the accepted price an older
--   version kept (`price:epochMs`) or ''} (see history-push-1.lua for the anchor's fields).

local list = KEYS[1] .. ':' .. ARGV[1]
return {
  redis.call('LRANGE', list, 0, tonumber(ARGV[2]) - 1),
  redis.call('HGETALL', list .. ':a'),
  redis.call('GET', list .. ':anchor') or '',
}
