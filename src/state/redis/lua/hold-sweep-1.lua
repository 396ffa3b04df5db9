-- src/state/redis/lua/hold-sweep-1.lua
-- Deletes decided holds whose retention has passed, with their index entries (heldAt and money) and audit list.
-- KEYS[1] base `{p:q}`. ARGV: now, limit. Output: how many holds were deleted.

local base = KEYS[1]
local ids = redis.call('ZRANGEBYSCORE', base .. ':expiry', '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local hold = base .. ':h:' .. id
  local indexes = redis.call('HGET', hold, 'x')
  if indexes then
    for _, suffix in ipairs(cjson.decode(indexes)) do redis.call('ZREM', base .. ':' .. suffix, id) end
    -- The money indexes mirror the heldAt indexes (see hold-create).
    for _, suffix in ipairs(cjson.decode(indexes)) do redis.call('ZREM', base .. ':m:' .. suffix, id) end
  end
  redis.call('ZREM', base .. ':s:approved', id)
  redis.call('ZREM', base .. ':s:rejected', id)
  redis.call('ZREM', base .. ':m:s:approved', id)
  redis.call('ZREM', base .. ':m:s:rejected', id)
  redis.call('DEL', hold, base .. ':a:' .. id)
  redis.call('ZREM', base .. ':expiry', id)
end
return #ids
