// src/redis-scripts.ts
// The RedisStore's Lua scripts: each touches the keys of one hash tag only (one cluster slot), by SHA.

/**
 * Every script takes KEYS[1] = the base key of one hash tag (`{cpg:v:CODE}`, `{cpg:h:SKU}`, `{cpg:q}`) and
 * derives the other keys it touches by appending suffixes to it, so all of them live in the same slot.
 * Whitespace is normalised so reformatting this file does not change a script's SHA.
 */
function lua(source: string): string {
  return source
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('--'))
    .join('\n');
}

/**
 * Counts voucher attempts, applies grants and a trip, optionally reserves a hard-capped use, returns the state.
 * Attempts are counted per minute (field `<epoch minute>`) while in the velocity window, then folded into
 * 15-minute baseline buckets (field `b<epoch minute / 15>`), so a code used all day keeps ~110 small fields.
 * KEYS[1] base `{p:v:CODE}` (hash: f first seen, t tripped at); suffixes :m minutes, :o:<id> dedupe markers,
 * :u uses, :cu uses per customer, :r reservations (orderId -> customerId), :<budget suffix> budget per currency.
 * ARGV: now, minute, windowMinutes, baselineMinutes, ttlSeconds, dedupeSeconds, trip(0/1), budgetSuffix ('' none),
 *   budgetTtlSeconds (0 none), reserve(0/1), orderId, customerId, maxUses(-1 none), maxPerCustomer(-1 none),
 *   nAttempts, [orderId, minute] * nAttempts ('' orderId: no dedupe), nGrants, [suffix, currency, amount] * nGrants.
 * Output: {windowCount, baselineCount, firstSeen, trippedAt|'', uses|'', customerUses|'', limit (0 none,
 *   1 maxUses, 2 maxUsesPerCustomer), counted, budget flat [currency, amount, ...]}.
 */
export const VOUCHER_TOUCH = lua(`
local base = KEYS[1]
local now = ARGV[1]
local minute = tonumber(ARGV[2])
local windowMinutes = tonumber(ARGV[3])
local baselineMinutes = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local dedupe = tonumber(ARGV[6])
redis.call('HSETNX', base, 'f', now)
if ARGV[7] == '1' then redis.call('HSETNX', base, 't', now) end
local i = 15
local attempts = tonumber(ARGV[i])
local counted = 0
for n = 1, attempts do
  local id = ARGV[i + 2 * n - 1]
  local at = ARGV[i + 2 * n]
  local fresh = true
  if id ~= '' then
    fresh = redis.call('SET', base .. ':o:' .. id, '1', 'NX', 'EX', dedupe)
  end
  if fresh then
    redis.call('HINCRBY', base .. ':m', at, 1)
    counted = counted + 1
  end
end
i = i + 2 * attempts + 1
local grants = tonumber(ARGV[i])
for n = 1, grants do
  local key = base .. ':' .. ARGV[i + 3 * n - 2]
  redis.call('HINCRBY', key, ARGV[i + 3 * n - 1], ARGV[i + 3 * n])
  if tonumber(ARGV[9]) > 0 then redis.call('EXPIRE', key, tonumber(ARGV[9])) end
end
local uses = ''
local customerUses = ''
local limit = 0
if ARGV[10] == '1' then
  local orderId = ARGV[11]
  local customer = ARGV[12]
  local maxUses = tonumber(ARGV[13])
  local maxPer = tonumber(ARGV[14])
  local current = tonumber(redis.call('GET', base .. ':u') or '0')
  local mine = tonumber(redis.call('HGET', base .. ':cu', customer) or '0')
  if redis.call('HEXISTS', base .. ':r', orderId) == 0 then
    if maxUses >= 0 and current >= maxUses then
      limit = 1
    elseif maxPer >= 0 and mine >= maxPer then
      limit = 2
    else
      current = redis.call('INCR', base .. ':u')
      mine = redis.call('HINCRBY', base .. ':cu', customer, 1)
      redis.call('HSET', base .. ':r', orderId, customer)
    end
  end
  uses = current
  customerUses = mine
end
local windowCount = 0
local baselineCount = 0
local minutes = base .. ':m'
local fields = redis.call('HGETALL', minutes)
for n = 1, #fields, 2 do
  local name = fields[n]
  local count = tonumber(fields[n + 1])
  if string.sub(name, 1, 1) == 'b' then
    if minute - (tonumber(string.sub(name, 2)) * 15 + 14) < baselineMinutes then
      baselineCount = baselineCount + count
    else
      redis.call('HDEL', minutes, name)
    end
  else
    local age = minute - tonumber(name)
    if age < windowMinutes then
      windowCount = windowCount + count
    elseif age < baselineMinutes then
      redis.call('HINCRBY', minutes, 'b' .. math.floor(tonumber(name) / 15), count)
      redis.call('HDEL', minutes, name)
      baselineCount = baselineCount + count
    else
      redis.call('HDEL', minutes, name)
    end
  end
end
local tripped = redis.call('HGET', base, 't')
if tripped then
  redis.call('PERSIST', base)
else
  redis.call('EXPIRE', base, ttl)
  tripped = ''
end
if #fields > 0 or counted > 0 then redis.call('EXPIRE', minutes, ttl) end
local budget = {}
if ARGV[8] ~= '' then budget = redis.call('HGETALL', base .. ':' .. ARGV[8]) end
return {windowCount, baselineCount, redis.call('HGET', base, 'f'), tripped, uses, customerUses, limit, counted, budget}
`);

/**
 * Gives back the use an order reserved, if it reserved one.
 * KEYS[1] base `{p:v:CODE}`. ARGV: orderId. Output: 1 when a reservation was released, else 0.
 */
export const VOUCHER_RELEASE = lua(`
local base = KEYS[1]
local customer = redis.call('HGET', base .. ':r', ARGV[1])
if not customer then return 0 end
redis.call('HDEL', base .. ':r', ARGV[1])
if tonumber(redis.call('GET', base .. ':u') or '0') > 0 then redis.call('DECR', base .. ':u') end
if redis.call('HINCRBY', base .. ':cu', customer, -1) <= 0 then redis.call('HDEL', base .. ':cu', customer) end
return 1
`);

/**
 * Clears a tripped code: its velocity counters restart from now.
 * KEYS[1] base `{p:v:CODE}`. ARGV: now, ttlSeconds. Output: 1 when it was tripped, else 0.
 */
export const VOUCHER_CLEAR = lua(`
local base = KEYS[1]
if redis.call('HEXISTS', base, 't') == 0 then return 0 end
redis.call('HDEL', base, 't')
redis.call('DEL', base .. ':m')
redis.call('HSET', base, 'f', ARGV[1])
redis.call('EXPIRE', base, tonumber(ARGV[2]))
return 1
`);

/**
 * Admits an unknown code to tracking while fewer than maxTracked are tracked.
 * KEYS[1] `{p:unknown}` (sorted set code -> last seen ms). ARGV: code, now, maxTracked, idleMs.
 * Output: 1 admitted (or already tracked), 0 refused.
 */
export const VOUCHER_ADMIT = lua(`
local key = KEYS[1]
local now = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - tonumber(ARGV[4]))
if redis.call('ZSCORE', key, ARGV[1]) or redis.call('ZCARD', key) < tonumber(ARGV[3]) then
  redis.call('ZADD', key, now, ARGV[1])
  return 1
end
return 0
`);

/**
 * Appends price samples (newest first) to a SKU's list in one currency, capped and expiring; returns the list.
 * KEYS[1] base `{p:h:SKU}` (set of currencies with history). ARGV: currency, maxSamples, ttlMs, samples...
 * Output: the samples, newest first.
 */
export const HISTORY_PUSH = lua(`
local list = KEYS[1] .. ':' .. ARGV[1]
local ttl = tonumber(ARGV[3])
for n = 4, #ARGV do redis.call('LPUSH', list, ARGV[n]) end
redis.call('LTRIM', list, 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', list, ttl)
redis.call('SADD', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return redis.call('LRANGE', list, 0, -1)
`);

/**
 * Forgets a SKU's history in every currency.
 * KEYS[1] base `{p:h:SKU}`. Output: how many currency lists were deleted.
 */
export const HISTORY_RESET = lua(`
local currencies = redis.call('SMEMBERS', KEYS[1])
for _, currency in ipairs(currencies) do redis.call('DEL', KEYS[1] .. ':' .. currency) end
redis.call('DEL', KEYS[1])
return #currencies
`);

/**
 * Stores a hold once per order id, with its indexes and audit entry, atomically.
 * KEYS[1] base `{p:q}`; suffixes :h:<id> hold hash (b base JSON, s status, v version, u updatedAt, h heldAt,
 * a assignee, r resolution JSON, x JSON list of its index suffixes), :a:<id> the order's audit list, :audit the
 * global audit list, index sorted sets (all, s:<status>, rule:<id>, sku:<sku>, vch:<code>) scored by heldAt.
 * ARGV: orderId, heldAt, base JSON, audit JSON, maxAudit, maxOrderAudit, index suffixes...
 * Output: {1} when created, {0, hold fields...} when the order was already held.
 */
export const HOLD_CREATE = lua(`
local base = KEYS[1]
local id = ARGV[1]
local hold = base .. ':h:' .. id
if redis.call('EXISTS', hold) == 1 then
  local out = {0}
  for _, value in ipairs(redis.call('HGETALL', hold)) do out[#out + 1] = value end
  return out
end
local indexes = {}
for n = 7, #ARGV do
  redis.call('ZADD', base .. ':' .. ARGV[n], ARGV[2], id)
  indexes[#indexes + 1] = ARGV[n]
end
redis.call('HSET', hold, 'b', ARGV[3], 's', 'pending', 'v', 1, 'u', ARGV[2], 'h', ARGV[2], 'x', cjson.encode(indexes))
redis.call('LPUSH', base .. ':audit', ARGV[4])
redis.call('LTRIM', base .. ':audit', 0, tonumber(ARGV[5]) - 1)
redis.call('LPUSH', base .. ':a:' .. id, ARGV[4])
redis.call('LTRIM', base .. ':a:' .. id, 0, tonumber(ARGV[6]) - 1)
return {1}
`);

/**
 * Claims or decides a pending hold, checking status (and version for decisions) atomically.
 * KEYS[1] base `{p:q}`. ARGV: kind ('claim' | 'decide'), orderId, now, actor, expectedVersion (-1 any),
 *   to ('approved' | 'rejected'), resolution JSON, audit JSON, maxAudit, maxOrderAudit.
 * Output: {status ('ok' | 'not_found' | 'already_decided' | 'version_conflict'), hold fields...}.
 */
export const HOLD_TRANSITION = lua(`
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
`);

/**
 * Deletes decided holds whose retention has passed, with their index entries and audit list.
 * KEYS[1] base `{p:q}`. ARGV: now, limit. Output: how many holds were deleted.
 */
export const HOLD_SWEEP = lua(`
local base = KEYS[1]
local ids = redis.call('ZRANGEBYSCORE', base .. ':expiry', '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local hold = base .. ':h:' .. id
  local indexes = redis.call('HGET', hold, 'x')
  if indexes then
    for _, suffix in ipairs(cjson.decode(indexes)) do redis.call('ZREM', base .. ':' .. suffix, id) end
  end
  redis.call('ZREM', base .. ':s:approved', id)
  redis.call('ZREM', base .. ':s:rejected', id)
  redis.call('DEL', hold, base .. ':a:' .. id)
  redis.call('ZREM', base .. ':expiry', id)
end
return #ids
`);

/** The scripts by ioredis command name; the names carry a version so a changed script never meets an old one. */
export const SCRIPTS = {
  cpgVoucherTouchV1: { lua: VOUCHER_TOUCH, numberOfKeys: 1 },
  cpgVoucherReleaseV1: { lua: VOUCHER_RELEASE, numberOfKeys: 1 },
  cpgVoucherClearV1: { lua: VOUCHER_CLEAR, numberOfKeys: 1 },
  cpgVoucherAdmitV1: { lua: VOUCHER_ADMIT, numberOfKeys: 1 },
  cpgHistoryPushV1: { lua: HISTORY_PUSH, numberOfKeys: 1 },
  cpgHistoryResetV1: { lua: HISTORY_RESET, numberOfKeys: 1 },
  cpgHoldCreateV1: { lua: HOLD_CREATE, numberOfKeys: 1 },
  cpgHoldTransitionV1: { lua: HOLD_TRANSITION, numberOfKeys: 1 },
  cpgHoldSweepV1: { lua: HOLD_SWEEP, numberOfKeys: 1 },
} as const;

/** The name of one script command. */
export type ScriptName = keyof typeof SCRIPTS;
