// src/service.ts
// `checkout-price-guard/service`: the HTTP service (POST /v1/evaluate, review, admin, metrics) for embedding.

export type { ServiceConfig } from './config/service';
// The configuration file: load it (JSON or YAML, with the environment) or parse an object, with precise errors.
export { ConfigError, loadConfig, parseConfig } from './config/service';
// The catalog uploaded through the admin API, as the policy in force carries it (`policy.uploadedCatalog`).
export type { CatalogTable } from './core/catalog-table';
export type { Service, ServiceDeps } from './service/service';
// Build the service app from a configuration; listening, signals and exit codes stay the caller's.
export { createService } from './service/service';
