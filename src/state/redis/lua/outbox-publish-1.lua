-- src/state/redis/lua/outbox-publish-1.lua
-- Records a webhook event not tied to a hold (a voucher trip) once per event id, while a worker runs.
-- KEYS[1] base `{p:q}` (keys as in outbox-claim-1.lua; :ob:once:<eventId> marks an event already recorded).
-- ARGV: eventId, event JSON, onceSeconds (how long the marker is kept).
-- Output: 1 when recorded, 0 when no worker runs, the event was already recorded, or the outbox is full.

local base = KEYS[1]
local cfg = base .. ':ob:cfg'
local max = tonumber(redis.call('HGET', cfg, 'max') or '0')
if max <= 0 then return 0 end
if not redis.call('SET', base .. ':ob:once:' .. ARGV[1], '1', 'NX', 'EX', tonumber(ARGV[3])) then return 0 end
local inbox = base .. ':ob:in'
if redis.call('LLEN', inbox) >= max then
  redis.call('HINCRBY', cfg, 'dropped', 1)
  return 0
end
redis.call('RPUSH', inbox, ARGV[2])
return 1
