-- src/state/redis/lua/history-accept-1.lua
-- Starts a SKU's history in one currency over at a price on-call accepted.
-- KEYS[1] base `{p:h:SKU}`. ARGV: currency, anchor (`price:epochMs`), ttlMs. Output: 1.

local list = KEYS[1] .. ':' .. ARGV[1]
redis.call('DEL', list)
redis.call('SET', list .. ':anchor', ARGV[2], 'PX', tonumber(ARGV[3]))
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3])) end
return 1
