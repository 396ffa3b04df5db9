-- src/state/redis/lua/rate-hit-1.lua
-- Counts one request against a rate-limit budget: a fixed window that starts with the key's first request.
-- KEYS[1] the budget's counter `{p:rl:KEY}`. ARGV: the window in ms. Output: { requests in the window, ms left }.

local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  -- The first request of a window (or a counter left without an expiry): the window starts now.
  left = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], left)
end
return { hits, left }
