-- src/state/redis/lua/hold-page-1.lua
-- Reads the next entries of one review-queue index after a cursor, atomically, without scanning the entries before.
-- KEYS[1] base `{p:q}`. ARGV: index suffix (e.g. `all`, `s:pending`, `m:vch:CODE`), direction ('desc' | 'asc'),
--   count, cursor score ('' for none), cursor order id, start min and start max ('' for none: without a cursor the
--   read starts after the entries ZCOUNT counts between them, e.g. those at or above the filter's `to`).
-- Output: {orderId, score, orderId, score, ...}, at most count entries in the direction.
-- Ties (one score) are ordered by order id bytes, as Redis orders them. When the cursor's entry is still in the
-- index (the common case), its rank says where to continue; when it left (decided, swept), the continuation is
-- found by binary search within its score's tier, so a page never re-reads or skips entries.

local key = KEYS[1] .. ':' .. ARGV[1]
local desc = ARGV[2] == 'desc'
local count = tonumber(ARGV[3])

-- Byte order of two strings, as Redis compares the members of one score (Lua's < is locale dependent).
local function before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function at(rank)
  local entry
  if desc then entry = redis.call('ZREVRANGE', key, rank, rank) else entry = redis.call('ZRANGE', key, rank, rank) end
  return entry[1]
end

local start = 0
if ARGV[4] ~= '' then
  local score, member = ARGV[4], ARGV[5]
  local current = redis.call('ZSCORE', key, member)
  if current and tonumber(current) == tonumber(score) then
    if desc then start = redis.call('ZREVRANK', key, member) + 1 else start = redis.call('ZRANK', key, member) + 1 end
  else
    local lo
    if desc then lo = redis.call('ZCOUNT', key, '(' .. score, '+inf') else lo = redis.call('ZCOUNT', key, '-inf', '(' .. score) end
    local hi = lo + redis.call('ZCOUNT', key, score, score)
    -- The first entry of the tier that comes after the cursor's order id in the direction.
    while lo < hi do
      local middle = math.floor((lo + hi) / 2)
      local other = at(middle)
      local after
      if desc then after = before(other, member) else after = before(member, other) end
      if after then hi = middle else lo = middle + 1 end
    end
    start = lo
  end
elseif ARGV[6] ~= '' then
  start = redis.call('ZCOUNT', key, ARGV[6], ARGV[7])
end
if desc then return redis.call('ZREVRANGE', key, start, start + count - 1, 'WITHSCORES') end
return redis.call('ZRANGE', key, start, start + count - 1, 'WITHSCORES')
