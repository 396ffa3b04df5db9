// src/metrics.ts
// `checkout-price-guard/metrics`: Prometheus metrics (prom-client) for the guard, its store and the review queue.

// What policyReload is given: a service's reload result and the counts of its term diff, for a custom back-end.
export type { TermCounts, TermKind } from './core/policy-diff';
export { instrumentStore } from './observability/instrument-store';
export type { MetricsOptions, PriceGuardMetrics, ReloadResult } from './observability/metrics';
// createMetrics() builds the sink the guard reports through and the /metrics handler; instrumentStore times a store.
export {
  createMetrics,
  declaredVoucherCodes,
  METRIC_NAMES,
  MetricsOptionsError,
} from './observability/metrics';
// The port itself, for custom metrics back-ends.
export type { FaultKind, GuardMetrics, WebhookOutcome } from './ports/metrics';
