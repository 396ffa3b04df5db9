-- src/state/redis/lua/rate-unhit-1.lua
-- Takes back one request counted against a rate-limit budget, within its window only (never below zero).
-- KEYS[1] the budget's counter `{p:rl:KEY}`. ARGV: none. Output: the requests left counted, or 0.

local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits <= 0 or redis.call('PTTL', KEYS[1]) < 0 then return 0 end
return redis.call('DECR', KEYS[1])
