// src/index.mts
// The root entry for ESM: every named export of the CommonJS build, and priceGuard as the default export.

// One implementation, loaded once: this file re-exports the CommonJS build instead of being a second copy of it,
// so `instanceof OptionsError` and a shared MemoryStore work whether a shop imports or requires the package.
export * from './index.js';
// `import priceGuard from 'checkout-price-guard'`: without this Node would hand ESM the CommonJS exports object.
export { priceGuard as default } from './index.js';
