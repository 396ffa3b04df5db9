-- src/state/redis/lua/voucher-admit-1.lua
-- Admits an unknown code to tracking while fewer than maxTracked are tracked.
-- KEYS[1] `{p:unknown}` (sorted set code -> last seen ms). ARGV: code, now, maxTracked, idleMs.
-- Output: 1 admitted (or already tracked), 0 refused.

local key = KEYS[1]
local now = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(ARGV[4]))
if redis.call('ZSCORE', key, ARGV[1]) or redis.call('ZCARD', key) < tonumber(ARGV[3]) then
  redis.call('ZADD', key, now, ARGV[1])
  return 1
end
return 0
