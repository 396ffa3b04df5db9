-- src/state/redis/lua/hold-transition-1.lua
-- Claims or decides a pending hold, checking status (and version for decisions) atomically.
-- KEYS[1] base `{p:q}`. ARGV: kind ('claim' | 'decide'), orderId, now, actor, expectedVersion (-1 any),
--   to ('approved' | 'rejected'), resolution JSON, audit JSON, maxAudit, maxOrderAudit.
-- Output: {status ('ok' | 'not_found' | 'already_decided' | 'version_conflict'), hold fields...}.

local base = KEYS[1]
local id = ARGV[2]
local hold = base .. ':h:' .. id
local function reply(status)
  local out = {status}
  for _, value in ipairs(redis.call('HGETALL', hold)) do out[#out + 1] = value end
  return out
end
if redis.call('EXISTS', hold) == 0 then return {'not_found'} end
if redis.call('HGET', hold, 's') ~= 'pending' then return reply('already_decided') end
local expected = tonumber(ARGV[5])
if ARGV[1] == 'decide' and expected >= 0 and tonumber(redis.call('HGET', hold, 'v')) ~= expected then
  return reply('version_conflict')
end
redis.call('HINCRBY', hold, 'v', 1)
redis.call('HSET', hold, 'u', ARGV[3])
if ARGV[1] == 'claim' then
  redis.call('HSET', hold, 'a', ARGV[4])
else
  local heldAt = redis.call('HGET', hold, 'h')
  redis.call('HSET', hold, 's', ARGV[6], 'r', ARGV[7])
  redis.call('ZREM', base .. ':s:pending', id)
  redis.call('ZADD', base .. ':s:' .. ARGV[6], heldAt, id)
  if tonumber(ARGV[11]) > 0 then redis.call('ZADD', base .. ':expiry', tonumber(ARGV[3]) + tonumber(ARGV[11]), id) end
end
redis.call('LPUSH', base .. ':audit', ARGV[8])
redis.call('LTRIM', base .. ':audit', 0, tonumber(ARGV[9]) - 1)
redis.call('LPUSH', base .. ':a:' .. id, ARGV[8])
redis.call('LTRIM', base .. ':a:' .. id, 0, tonumber(ARGV[10]) - 1)
return reply('ok')
