-- src/state/redis/lua/history-reset-1.lua
-- Forgets a SKU's history (and accepted prices) in every currency.
-- KEYS[1] base `{p:h:SKU}`. Output: how many currency lists were deleted.

local currencies = redis.call('SMEMBERS', KEYS[1])
for _, currency in ipairs(currencies) do
  redis.call('DEL', KEYS[1] .. ':' .. currency, KEYS[1] .. ':' .. currency .. ':anchor')
end
redis.call('DEL', KEYS[1])
return #currencies
