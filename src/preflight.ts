// src/preflight.ts
// `checkout-price-guard/preflight`: the lowest price each SKU can be paid under a policy, before it goes live.

export type {
  CatalogEntry,
  CatalogOptions,
  CatalogResult,
  PreflightCatalog,
  PreflightFinding,
  PreflightInstant,
  PreflightOptions,
  PreflightReport,
  SkuPreflight,
  WindowStart,
} from './core/preflight';
// Catalog files (declared list prices) read as the command line and the admin API read them.
export {
  CatalogError,
  catalogFromCsv,
  catalogFromJson,
  formatPreflight,
  PREFLIGHT_WITHIN_MS,
  parseCatalog,
  preflight,
} from './core/preflight';
