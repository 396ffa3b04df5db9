-- src/state/redis/lua/voucher-extend-1.lua
-- Keeps a tripped code tripped until a time, even once its rate is normal again.
-- KEYS[1] base `{p:v:CODE}`. ARGV: until (epoch ms). Output: 1 when the code was tripped, else 0.

local base = KEYS[1]
if redis.call('HEXISTS', base, 't') == 0 then return 0 end
redis.call('HSET', base, 's', ARGV[1])
return 1
