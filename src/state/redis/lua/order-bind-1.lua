-- src/state/redis/lua/order-bind-1.lua
-- Binds an order id to the digest of its content, or returns what it is already bound to.
-- KEYS[1] `P:o:ORDER` (string: `digest`, or `digest|decision|wouldDecide|at` once the verdict is recorded).
-- ARGV: digest, ttlMs. Output: false when newly bound, else the stored value.

local bound = redis.call('GET', KEYS[1])
if bound then return bound end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
return false
