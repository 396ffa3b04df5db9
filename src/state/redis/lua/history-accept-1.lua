-- src/state/redis/lua/history-accept-1.lua
-- Starts a SKU's history in one currency over at a price on-call accepted: no samples, the anchor set to it.
-- KEYS[1] base `{p:h:SKU}`. ARGV: currency, price, now (epoch ms), ttlMs. Output: 1.
-- The anchor hash :CUR:a has the fields history-push-1.lua describes; the older :CUR:anchor string is dropped.

local list = KEYS[1] .. ':' .. ARGV[1]
local ttl = tonumber(ARGV[4])
redis.call('DEL', list, list .. ':anchor', list .. ':a')
redis.call('HSET', list .. ':a', 'p', ARGV[2], 'at', ARGV[3], 's', 'a', 'm', ARGV[3], 'c', ARGV[2], 'hi', ARGV[3],
  'lo', ARGV[3])
redis.call('PEXPIRE', list .. ':a', ttl)
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
