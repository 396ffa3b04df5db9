// src/ports/metrics.ts
// The narrow interface through which the guard reports what it does; metrics.ts implements it with prom-client.

import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import type { Policy } from '../core/policy';

/** Kinds of degraded operation the guard counts. */
export type FaultKind =
  | 'facts_unavailable'
  | 'history_unavailable'
  | 'vouchers_unavailable'
  | 'hold_unstored'
  | 'commit_failed'
  | 'binding_unavailable';

/** What the guard reports; every method is cheap and never throws. */
export interface GuardMetrics {
  /**
   * One evaluated order, with the wall time of parse + facts + evaluate, in seconds, and the policy it was judged
   * by (so per-voucher metrics follow the codes the policy in force declares, across reloads).
   */
  evaluated(order: Order, evaluation: Evaluation, seconds: number, policy?: Policy): void;
  /** A hold newly stored (not counted again on an idempotent retry). */
  held(order: Order, evaluation: Evaluation): void;
  /** An order rejected as malformed. */
  invalidOrder(): void;
  /** An order refused because its id was already used for an order with other content (409). Optional. */
  orderIdReused?(): void;
  /** Degraded operation. */
  fault(kind: FaultKind): void;
  /** A reviewer action on the queue (`claimed`, `approved`, `rejected`, ...), `count` times. Optional. */
  reviewAction?(action: string, count?: number): void;
  /** One webhook delivery attempt's outcome. Optional. */
  webhook?(outcome: WebhookOutcome): void;
  /** One store call: its GuardStore method name, wall time in seconds, and whether it succeeded. Optional. */
  storeCall?(operation: string, seconds: number, ok: boolean): void;
}

/** Outcomes of a webhook delivery attempt. */
export type WebhookOutcome = 'delivered' | 'failed' | 'retried';

/** Metrics that record nothing. */
export const NO_METRICS: GuardMetrics = Object.freeze({
  evaluated() {},
  held() {},
  invalidOrder() {},
  fault() {},
  reviewAction() {},
  webhook() {},
  storeCall() {},
});
