-- src/state/redis/lua/outbox-settle-1.lua
-- Ends one leased webhook delivery attempt: done (delivered or given up), or due again after a delay.
-- KEYS[1] base `{p:q}` (keys as in outbox-claim-1.lua).
-- ARGV: endpointId, eventId, attempt (the lease's attempt number), retryInMs ('' when done).
-- Output: 1, or 0 when the lease was lost (the delivery was claimed again, or is gone).

local base = KEYS[1]
local due = base .. ':ob:d:' .. ARGV[1]
local attempts = base .. ':ob:a:' .. ARGV[1]
if redis.call('HGET', attempts, ARGV[2]) ~= ARGV[3] then return 0 end
if ARGV[4] ~= '' then
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
  redis.call('ZADD', due, 'XX', now + tonumber(ARGV[4]), ARGV[2])
  return 1
end
redis.call('ZREM', due, ARGV[2])
redis.call('HDEL', attempts, ARGV[2])
local event = base .. ':ob:e:' .. ARGV[2]
if redis.call('HINCRBY', event, 'n', -1) <= 0 then redis.call('DEL', event) end
return 1
