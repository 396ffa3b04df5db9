-- src/state/redis/lua/order-bind-n.lua
-- Binds a batch of order ids to the digests of their content, or returns what each is already bound to.
-- KEYS: the order keys `{P:o:BUCKET}:ORDER` of one batch (one bucket, so one cluster slot, on a Redis Cluster).
--   Each holds `digest`, or `digest|decision|wouldDecide|at` once the verdict is recorded.
-- ARGV[1] ttlMs; ARGV[1 + i] the digest for KEYS[i].
-- Output: one entry per key: '' when newly bound, else the stored value. A key twice in one batch (a duplicate
--   in flight) is bound by the first and seen bound by the second.

local ttl = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  local bound = redis.call('GET', KEYS[i])
  if bound then
    out[i] = bound
  else
    redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ttl)
    out[i] = ''
  end
end
return out
