-- src/state/redis/lua/history-push-1.lua
-- Appends price samples (`price:epochMs`, newest first) to a SKU's list in one currency, at most `perBucket` per
-- time bucket (verified samples, from approved holds, always enter), capped and expiring; returns the list and the
-- accepted price.
-- KEYS[1] base `{p:h:SKU}` (set of currencies with history); suffixes :CUR the list, :CUR:anchor the accepted price.
-- ARGV: currency, maxSamples, ttlMs, bucketMs, perBucket, then [sample, verified (0/1)] pairs, oldest first.
-- Output: {list (newest first), anchor|''}.

local list = KEYS[1] .. ':' .. ARGV[1]
local maxSamples = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local bucketMs = tonumber(ARGV[4])
local perBucket = tonumber(ARGV[5])
local buckets = {}
for _, entry in ipairs(redis.call('LRANGE', list, 0, -1)) do
  local at = tonumber(string.match(entry, ':(%d+)$') or '0')
  local bucket = math.floor(at / bucketMs)
  buckets[bucket] = (buckets[bucket] or 0) + 1
end
for n = 6, #ARGV, 2 do
  local sample = ARGV[n]
  local at = tonumber(string.match(sample, ':(%d+)$') or '0')
  local bucket = math.floor(at / bucketMs)
  if ARGV[n + 1] == '1' or (buckets[bucket] or 0) < perBucket then
    redis.call('LPUSH', list, sample)
    buckets[bucket] = (buckets[bucket] or 0) + 1
  end
end
redis.call('LTRIM', list, 0, maxSamples - 1)
redis.call('PEXPIRE', list, ttl)
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return {redis.call('LRANGE', list, 0, -1), redis.call('GET', list .. ':anchor') or ''}
