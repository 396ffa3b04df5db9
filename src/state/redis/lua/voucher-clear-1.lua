-- src/state/redis/lua/voucher-clear-1.lua
-- Clears a tripped code: its velocity counters restart from now.
-- KEYS[1] base `{p:v:CODE}`. ARGV: now, ttlSeconds. Output: 1 when it was tripped, else 0.

local base = KEYS[1]
if redis.call('HEXISTS', base, 't') == 0 then return 0 end
redis.call('HDEL', base, 't', 'a', 's', 'g', 'w', 'y')
redis.call('DEL', base .. ':m', base .. ':t', base .. ':tv1', base .. ':tv2', base .. ':tv3')
redis.call('HSET', base, 'f', ARGV[1])
redis.call('EXPIRE', base, tonumber(ARGV[2]))
return 1
