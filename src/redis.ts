// src/redis.ts
// `checkout-price-guard/redis`: the store shared by every instance, on Redis or Redis Cluster through ioredis.

// The store the environment asks for: a RedisStore on REDIS_URL, else the embedded MemoryStore.
export { createStoreFromEnv } from './state/from-env';
export type { RedisConnectionOptions, RedisTarget } from './state/redis/connection';
// The fail-fast client the store uses, and the REDIS_URL parser with its precise errors.
export { createRedisClient, parseRedisUrl, RedisConfigError } from './state/redis/connection';
export type { RedisRateLimitStoreOptions } from './state/redis/rate-limit';
// Rate-limit counts in Redis (an express-rate-limit Store), so every instance shares the review API's budget.
export { RedisRateLimitStore } from './state/redis/rate-limit';
export type { RedisStoreOptions } from './state/redis/store';
// The Redis store, for shops that build their own ioredis client or let it build one.
export { RedisStore } from './state/redis/store';
