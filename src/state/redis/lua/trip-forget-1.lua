-- src/state/redis/lua/trip-forget-1.lua
-- Takes a code out of the index of tripped codes, unless it tripped again meanwhile (its trip time changed).
-- KEYS[1] the index `{p:q}:trips` (sorted set: code scored by the time it tripped). ARGV: code, the trip time it
--   was read with. Output: 1 when it was removed, else 0.

local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
