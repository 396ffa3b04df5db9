// src/webhooks.mts
// `checkout-price-guard/webhooks` for ESM: the named exports of the CommonJS build, loaded once (no second copy).

export * from './webhooks.js';
