-- src/state/redis/lua/order-settle-n.lua
-- Records the verdicts of a batch of bound orders, only over bindings that still exist (SET XX).
-- KEYS: the order keys of one batch (one bucket on a Redis Cluster). ARGV[1] ttlMs; ARGV[1 + i] the value for
--   KEYS[i], `digest|decision|wouldDecide|at`.
-- Output: the number of keys.

local ttl = tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ttl, 'XX')
end
return #KEYS
