// src/vendure.mts
// The `checkout-price-guard/vendure` ESM entry: the CommonJS build re-exported, so both share one plugin class.

export * from './vendure.js';
