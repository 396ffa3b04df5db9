// src/preflight.mts
// `checkout-price-guard/preflight` for ESM: the named exports of the CommonJS build, loaded once (no second copy).

export * from './preflight.js';
