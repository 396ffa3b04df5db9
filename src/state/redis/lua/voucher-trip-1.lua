-- src/state/redis/lua/voucher-trip-1.lua
-- Reads a code's trip for the review side: when it tripped and what keeps it tripped, and the segment it holds.
-- KEYS[1] base `{p:v:CODE}` (see voucher-touch-1.lua for its fields).
-- Output: {trippedAt|'', anomalousAt|'', stickyUntil|'', scope (JSON)|'', widenedAt|''}.

local fields = redis.call('HMGET', KEYS[1], 't', 'a', 's', 'g', 'w')
for n = 1, 5 do fields[n] = fields[n] or '' end
return fields
