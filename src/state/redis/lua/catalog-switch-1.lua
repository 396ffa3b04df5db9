-- src/state/redis/lua/catalog-switch-1.lua
-- Puts an uploaded catalog version in force in one step: the pointer names it, the stamp tells every reader.
-- KEYS[1] the overlay's base `{p:policy-overlay}`; the pointer is `<base>:catalog:current` (a version id; absent:
--   the catalog is the unversioned hash `<base>:catalog` of earlier releases), the stamp `<base>:catalog:stamp`
--   (incremented by every change of the catalog in force), a version's hash `<base>:catalog:v:<id>`.
-- ARGV: the new version's id; the id it was built on ('' for the unversioned hash, '*' for any: a replacement).
-- Output: {1, the id that was in force ('' for none)} when switched; {0, the id in force} when the version it was
--   built on is no longer in force (nothing changed).

local base = KEYS[1]
local current = redis.call('GET', base .. ':catalog:current') or ''
if ARGV[2] ~= '*' and ARGV[2] ~= current then return {0, current} end
redis.call('PERSIST', base .. ':catalog:v:' .. ARGV[1])
redis.call('SET', base .. ':catalog:current', ARGV[1])
redis.call('INCR', base .. ':catalog:stamp')
return {1, current}
