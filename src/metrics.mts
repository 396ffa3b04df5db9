// src/metrics.mts
// `checkout-price-guard/metrics` for ESM: the named exports of the CommonJS build, loaded once (no second copy).

export * from './metrics.js';
