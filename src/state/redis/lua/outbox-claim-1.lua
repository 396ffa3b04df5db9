-- src/state/redis/lua/outbox-claim-1.lua
-- Routes newly recorded webhook events to the endpoints subscribed to them, then leases due deliveries.
-- KEYS[1] base `{p:q}`; suffixes :ob:cfg (hash: max, dropped; while it exists the hold scripts record events),
-- :ob:in (list of event JSON not yet routed), :ob:e:<eventId> (hash: b body, n deliveries not yet done),
-- :ob:d:<endpointId> (sorted set of event ids by due time in epoch ms; a leased delivery is due again when its
-- lease ends), :ob:a:<endpointId> (hash: event id -> attempts so far). Time is Redis's own (TIME), so the leases
-- of instances with skewed clocks agree.
-- ARGV: limit, leaseMs, maxPending, cfgTtlSeconds, routeBatch, nRoutes, [endpointId, ' type type '] * nRoutes.
-- Output: {nextDueInMs or '', pending, dropped, [endpointId, eventId, attempt, body] * claimed}.

local base = KEYS[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local limit = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local cfg = base .. ':ob:cfg'
local inbox = base .. ':ob:in'
redis.call('HSET', cfg, 'max', max)
redis.call('EXPIRE', cfg, tonumber(ARGV[4]))
local routes = {}
for n = 1, tonumber(ARGV[6]) do
  routes[n] = {ARGV[5 + 2 * n], ARGV[6 + 2 * n]}
end

-- Route: each recorded event becomes one delivery per subscribed endpoint, due now.
local batch = redis.call('LRANGE', inbox, 0, tonumber(ARGV[5]) - 1)
if #batch > 0 then redis.call('LTRIM', inbox, #batch, -1) end
for _, json in ipairs(batch) do
  local ok, event = pcall(cjson.decode, json)
  if ok and type(event) == 'table' and type(event.id) == 'string' and type(event.type) == 'string' then
    local copies = 0
    for _, route in ipairs(routes) do
      if string.find(route[2], ' ' .. event.type .. ' ', 1, true) then
        local due = base .. ':ob:d:' .. route[1]
        if redis.call('ZSCORE', due, event.id) == false then
          if redis.call('ZCARD', due) >= max then
            redis.call('HINCRBY', cfg, 'dropped', 1)
          else
            redis.call('ZADD', due, now, event.id)
            redis.call('HSET', base .. ':ob:a:' .. route[1], event.id, 0)
            copies = copies + 1
          end
        end
      end
    end
    if copies > 0 then
      local key = base .. ':ob:e:' .. event.id
      redis.call('HSETNX', key, 'b', json)
      redis.call('HINCRBY', key, 'n', copies)
    end
  end
end

-- Claim: lease due deliveries (never-tried, retries whose delay has passed, leases that ran out).
local out = {'', 0, 0}
local claimed = 0
for _, route in ipairs(routes) do
  if claimed >= limit then break end
  local due = base .. ':ob:d:' .. route[1]
  local attempts = base .. ':ob:a:' .. route[1]
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, limit - claimed)) do
    local body = redis.call('HGET', base .. ':ob:e:' .. id, 'b')
    if body then
      local attempt = redis.call('HINCRBY', attempts, id, 1)
      redis.call('ZADD', due, now + lease, id)
      out[#out + 1] = route[1]
      out[#out + 1] = id
      out[#out + 1] = attempt
      out[#out + 1] = body
      claimed = claimed + 1
    else
      redis.call('ZREM', due, id)
      redis.call('HDEL', attempts, id)
    end
  end
end

local pending = redis.call('LLEN', inbox)
local nextDue = nil
if pending > 0 then nextDue = now end
for _, route in ipairs(routes) do
  local due = base .. ':ob:d:' .. route[1]
  pending = pending + redis.call('ZCARD', due)
  local head = redis.call('ZRANGE', due, 0, 0, 'WITHSCORES')
  if head[2] and (nextDue == nil or tonumber(head[2]) < nextDue) then nextDue = tonumber(head[2]) end
end
if nextDue then out[1] = math.max(0, nextDue - now) end
out[2] = pending
out[3] = tonumber(redis.call('HGET', cfg, 'dropped') or '0')
return out
