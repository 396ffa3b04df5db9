-- src/state/redis/lua/history-push-1.lua
-- Appends price samples (newest first) to a SKU's list in one currency, capped and expiring; returns the list.
-- KEYS[1] base `{p:h:SKU}` (set of currencies with history). ARGV: currency, maxSamples, ttlMs, samples...
-- Output: the samples, newest first.

local list = KEYS[1] .. ':' .. ARGV[1]
local ttl = tonumber(ARGV[3])
for n = 4, #ARGV do redis.call('LPUSH', list, ARGV[n]) end
redis.call('LTRIM', list, 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', list, ttl)
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return redis.call('LRANGE', list, 0, -1)
