// src/replay.mts
// `checkout-price-guard/replay` for ESM: the named exports of the CommonJS build, loaded once (no second copy).

export * from './replay.js';
