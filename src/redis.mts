// src/redis.mts
// `checkout-price-guard/redis` for ESM: the named exports of the CommonJS build, loaded once (no second copy).

export * from './redis.js';
