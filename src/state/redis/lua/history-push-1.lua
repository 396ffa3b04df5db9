-- src/state/redis/lua/history-push-1.lua
-- Appends price samples (`price:epochMs`, newest first) to a SKU's list in one currency, at most `perBucket` per
-- time bucket (verified samples, from approved holds, always enter), capped and expiring; then moves the SKU's
-- anchor as src/state/price-anchor.ts `followAnchor` does; returns the list and the anchor.
-- KEYS[1] base `{p:h:SKU}` (set of currencies with history); suffixes :CUR the list, :CUR:a the anchor (hash: p
--   price, at set at, s source a|l, m moved at, c checkpoint median, hi last paid at or above, lo at or below),
--   :CUR:anchor the accepted price `price:epochMs` an older version kept (read once, then moved into :CUR:a).
-- ARGV: currency, maxSamples, ttlMs, bucketMs, perBucket, since (epoch ms of the last declared price change, -1
--   none), minSamples, followBp, then [sample, verified (0/1)] pairs, oldest first. Verified samples set the
--   anchor to the median (a person confirmed them).
-- Output: {list (newest first), anchor fields flat ({} when none), ''}.

local list = KEYS[1] .. ':' .. ARGV[1]
local anchorKey = list .. ':a'
local legacyKey = list .. ':anchor'
local maxSamples = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local bucketMs = tonumber(ARGV[4])
local perBucket = tonumber(ARGV[5])
local since = tonumber(ARGV[6])
local minSamples = tonumber(ARGV[7])
local followBp = tonumber(ARGV[8])
local DAY = 86400000
local buckets = {}
for _, entry in ipairs(redis.call('LRANGE', list, 0, -1)) do
  local at = tonumber(string.match(entry, ':(%d+)$') or '0')
  local bucket = math.floor(at / bucketMs)
  buckets[bucket] = (buckets[bucket] or 0) + 1
end
local added = {}
local accept = false
local now = 0
for n = 9, #ARGV, 2 do
  local sample = ARGV[n]
  local at = tonumber(string.match(sample, ':(%d+)$') or '0')
  local bucket = math.floor(at / bucketMs)
  if ARGV[n + 1] == '1' or (buckets[bucket] or 0) < perBucket then
    redis.call('LPUSH', list, sample)
    buckets[bucket] = (buckets[bucket] or 0) + 1
    added[#added + 1] = {tonumber(string.match(sample, '^(%d+)') or '0'), at}
    if ARGV[n + 1] == '1' then accept = true end
    if at > now then now = at end
  end
end
redis.call('LTRIM', list, 0, maxSamples - 1)
redis.call('PEXPIRE', list, ttl)
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
local samples = redis.call('LRANGE', list, 0, -1)

-- The anchor: read (or carried over from the older accepted price), then moved.
local anchor = nil
local fields = redis.call('HGETALL', anchorKey)
if #fields > 0 then
  anchor = {}
  for n = 1, #fields, 2 do anchor[fields[n]] = fields[n + 1] end
  anchor = {
    p = tonumber(anchor.p), at = tonumber(anchor.at), s = anchor.s or 'a', m = tonumber(anchor.m or anchor.at),
    c = tonumber(anchor.c or anchor.p), hi = tonumber(anchor.hi or ''), lo = tonumber(anchor.lo or ''),
  }
else
  local legacy = redis.call('GET', legacyKey)
  if legacy then
    local price, at = string.match(legacy, '^(%d+):(%d+)$')
    if price then
      anchor = {p = tonumber(price), at = tonumber(at), s = 'a', m = tonumber(at), c = tonumber(price),
        hi = tonumber(at), lo = tonumber(at)}
    end
  end
end
local changed = false
if #added > 0 then
  if anchor and since >= 0 and anchor.at < since then anchor = nil; changed = true end
  local eligible = {}
  for _, entry in ipairs(samples) do
    local price, at = string.match(entry, '^(%d+):(%d+)$')
    if price and (since < 0 or tonumber(at) >= since) then eligible[#eligible + 1] = tonumber(price) end
  end
  local function median()
    table.sort(eligible)
    local count = #eligible
    if count % 2 == 1 then return eligible[(count + 1) / 2] end
    local low = eligible[count / 2]
    return low + math.floor((eligible[count / 2 + 1] - low) / 2)
  end
  if accept and #eligible > 0 then
    local price = median()
    anchor = {p = price, at = now, s = 'a', m = now, c = price, hi = now, lo = now}
    changed = true
  elseif not anchor then
    if #eligible >= minSamples then
      local price = median()
      anchor = {p = price, at = now, s = 'l', m = now, c = price, hi = now, lo = now}
      changed = true
    end
  else
    if anchor.s == 'l' and anchor.m == anchor.at and #samples < maxSamples and #eligible > 0 then
      -- Learned from a young history: refined to the median until the window has filled once.
      local price = median()
      anchor.p = price
      anchor.c = price
    end
    for _, sample in ipairs(added) do
      if sample[1] >= anchor.p and (anchor.hi == nil or sample[2] > anchor.hi) then anchor.hi = sample[2] end
      if sample[1] <= anchor.p and (anchor.lo == nil or sample[2] > anchor.lo) then anchor.lo = sample[2] end
    end
    changed = true
    if now - anchor.m >= DAY then
      -- A step of followBp basis points of the price, exactly: (q * 10000 + r) * bp / 10000 without a product
      -- past 2^53.
      local q = math.floor(anchor.p / 10000)
      local r = anchor.p - q * 10000
      local step = q * followBp + math.floor(r * followBp / 10000)
      local moved = math.min(anchor.p + step, math.max(anchor.p - step, anchor.c))
      if moved ~= anchor.p then anchor.s = 'l' end
      anchor.p = moved
      anchor.m = now
      if #eligible >= minSamples then anchor.c = median() end
    end
  end
end
if changed then
  redis.call('DEL', anchorKey, legacyKey)
  if anchor then
    redis.call('HSET', anchorKey, 'p', anchor.p, 'at', anchor.at, 's', anchor.s, 'm', anchor.m, 'c', anchor.c,
      'hi', anchor.hi or '', 'lo', anchor.lo or '')
  end
end
if anchor then redis.call('PEXPIRE', anchorKey, ttl) end
return {samples, redis.call('HGETALL', anchorKey), redis.call('GET', legacyKey) or ''}
