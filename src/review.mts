// src/review.mts
// `checkout-price-guard/review` for ESM: the named exports of the CommonJS build, loaded once (no second copy).

export * from './review.js';
