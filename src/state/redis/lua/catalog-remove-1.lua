-- src/state/redis/lua/catalog-remove-1.lua
-- Removes one SKU's list prices from the catalog version in force (whichever it is when the script runs).
-- KEYS[1] the overlay's base `{p:policy-overlay}` (keys as in catalog-switch-1.lua). ARGV: the fields to remove
--   (the SKU in every known currency). Output: the number of prices removed; the stamp is incremented if any.

local base = KEYS[1]
local current = redis.call('GET', base .. ':catalog:current')
local key = current and (base .. ':catalog:v:' .. current) or (base .. ':catalog')
local removed = redis.call('HDEL', key, unpack(ARGV))
if removed > 0 then redis.call('INCR', base .. ':catalog:stamp') end
return removed
