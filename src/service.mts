// src/service.mts
// `checkout-price-guard/service` for ESM: the named exports of the CommonJS build, loaded once (no second copy).

export * from './service.js';
