-- src/state/redis/lua/history-reset-1.lua
-- Forgets a SKU's history (samples and anchors) in every currency.
-- KEYS[1] base `{p:h:SKU}`. Output: how many currency lists were deleted.

local currencies = redis.call('SMEMBERS', KEYS[1])
for _, currency in ipairs(currencies) do
  local list = KEYS[1] .. ':' .. currency
  redis.call('DEL', list, list .. ':anchor', list .. ':a')
end
redis.call('DEL', KEYS[1])
return #currencies
