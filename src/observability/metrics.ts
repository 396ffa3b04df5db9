// src/observability/metrics.ts
// createMetrics(options): the guard's Prometheus metrics (prom-client) with bounded labels, queue gauges and /metrics.

import type { Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import type { Policy } from '../core/policy';
import { TERM_CHANGES, TERM_KINDS, type TermCounts, type TermKind } from '../core/policy-diff';
import type { Decision, RuleName } from '../core/types';
import type { FaultKind, GuardMetrics, WebhookOutcome } from '../ports/metrics';
import type { GuardStore } from '../ports/store';
import { registerCounters } from './counters';
import {
  boundedLabel,
  currencyLabel,
  FAULT_KIND_SET,
  RELOAD_RESULT_SET,
  REVIEW_ACTION_SET,
  type ReloadResult,
  WEBHOOK_OUTCOME_SET,
} from './labels';
import { type MetricsOptions, MetricsOptionsError, resolveMetricsOptions } from './metrics-options';
import { type PreflightFound, registerPreflightGauges } from './preflight-gauges';
import { amount, createRegistrar } from './registrar';
import { createRuleLabels } from './rule-labels';
import { registerStoreGauges } from './store-gauges';
import { STORE_OPERATION_SET } from './store-operations';
import { createVoucherLabels, type VoucherLabelling } from './voucher-labels';

// The parts live beside this file: names (metric-names.ts), label values (labels.ts), options (metrics-options.ts),
// registration (registrar.ts, counters.ts), store gauges (store-gauges.ts), voucher series (voucher-labels.ts).
// What importers take from here is re-exported, so this module stays the one entry point.
export {
  FAULT_KINDS,
  HOLD_STATUSES,
  OTHER,
  PENDING_AMOUNTS,
  RELOAD_RESULTS,
  REVIEW_ACTIONS,
  type ReloadResult,
  WEBHOOK_OUTCOMES,
} from './labels';
export { DEFAULT_PREFIX, EVALUATION_BUCKETS, METRIC_NAMES, STORE_BUCKETS } from './metric-names';
export { DEFAULT_MAX_VOUCHER_LABELS, type MetricsOptions, MetricsOptionsError } from './metrics-options';
export { PREFLIGHT_SEVERITIES, type PreflightFound } from './preflight-gauges';
export { declaredVoucherCodes, type VoucherLabelling } from './voucher-labels';

/** The guard's metrics: the GuardMetrics the guard calls, plus what the review queue, webhooks and service call. */
export interface PriceGuardMetrics extends Required<GuardMetrics> {
  /** The registry the metrics are registered on. */
  readonly registry: Registry;
  /** The resolved metric name prefix. */
  readonly prefix: string;
  /** A reviewer or admin action, named as in the audit trail (`claimed`, `approved`, ...; else `other`). */
  reviewAction(action: string, count?: number): void;
  /** One webhook delivery attempt's outcome. */
  webhook(outcome: WebhookOutcome): void;
  /**
   * One config file reload and, when it was applied, the policy terms it added, changed and removed per kind (the
   * `counts` of `diffPolicies`).
   */
  policyReload(result: ReloadResult, counts?: Record<TermKind, TermCounts>): void;
  /** One store call; `operation` is a GuardStore method name (anything else is counted as `other`). */
  storeCall(operation: string, seconds: number, ok: boolean): void;
  /**
   * Reports the review queue of `store` (depth by status, oldest pending age, money in pending holds when the store
   * reports `pendingValue`) at every scrape. Replaces any earlier store.
   */
  watchQueue(store: GuardStore): void;
  /**
   * Reports the webhook outbox size at every scrape: `read` returns the deliveries waiting (or a promise of them,
   * bounded by `queueStatsTimeoutMs`), or undefined when there is no outbox. Replaces any earlier callback.
   */
  watchOutbox(read: () => number | undefined | Promise<number | undefined>): void;
  /**
   * Tells the metrics the policy in force, so the voucher codes it declares and its custom rules get their own
   * `voucher` and `rule` series (at 0 at once), and codes and custom rules it no longer has lose theirs. The guard
   * passes its policy with every evaluation, so this is only needed to create the series before the first order
   * after a start or reload. Cheap when the policy's `vouchers`, `campaigns` and `customRules` did not change.
   */
  usePolicy(
    policy: Pick<Policy, 'vouchers' | 'campaigns'> & Partial<Pick<Policy, 'customRules'>>,
  ): VoucherLabelling;
  /**
   * What the last preflight of the policy in force found: sets the problems gauge by severity and the time of the
   * earliest conflict ahead (0 when none).
   */
  preflight(found: PreflightFound): void;
  /** An Express handler serving the registry in Prometheus text format: `app.get('/metrics', metrics.handler())`. */
  handler(): RequestHandler;
}

/** Whether a configured exception set aside the order's reason from `rule`. */
function setAside(decision: Decision, rule: RuleName): boolean {
  for (const applied of decision.exceptions) {
    for (const reason of applied.suppressed) if (reason.rule === rule) return true;
  }
  return false;
}

/**
 * Creates the guard's metrics on a registry. Call once per registry and prefix (prom-client refuses a second
 * metric of the same name). Pass the result as `priceGuard({ metrics })` and serve `metrics.handler()`.
 */
export function createMetrics(options: MetricsOptions = {}): PriceGuardMetrics {
  const config = resolveMetricsOptions(options);
  const { registry, prefix } = config;
  const registrar = createRegistrar(config);
  const { withConstants } = registrar;
  const counters = registerCounters(registrar, config.currencies);
  const storeCall = (operation: string, seconds: number, ok: boolean) => {
    const label = withConstants({ operation: boundedLabel(STORE_OPERATION_SET, operation) });
    counters.storeCallDuration.observe(label, amount(seconds));
    if (!ok) counters.storeErrors.inc(label);
  };
  const gauges = registerStoreGauges(registrar, { ...config, storeCall });
  const preflight = registerPreflightGauges(registrar);
  // Voucher labels: voucherLabels, then the declared codes of the policy in force, up to maxVoucherLabels.
  const vouchers = createVoucherLabels(registrar, counters, config);
  // Rule labels: the built-in ids, then the custom rules of the policy in force.
  const rules = createRuleLabels(registrar, counters);
  /** Counts each rule of `names` once under its bounded label. */
  const byRule = (counter: typeof counters.holds, names: Iterable<RuleName>) => {
    const labels = new Set<string>();
    for (const name of names) labels.add(rules.label(name));
    for (const rule of labels) counter.inc(withConstants({ rule }));
  };

  if (config.defaultMetrics) {
    const hasConstants = registrar.constantNames.length > 0;
    try {
      collectDefaultMetrics({ register: registry, ...(hasConstants ? { labels: config.labels } : {}) });
    } catch (error) {
      throw new MetricsOptionsError(
        `option "defaultMetrics": ${(error as Error).message}; the registry already collects them, so leave the option off`,
      );
    }
  }

  return {
    registry,
    prefix,
    evaluated(order: Order, evaluation: Evaluation, seconds: number, policy?: Policy) {
      const { decision, totals, effects } = evaluation;
      if (policy !== undefined) {
        vouchers.usePolicy(policy);
        rules.usePolicy(policy);
      }
      counters.ordersEvaluated.inc(withConstants({ decision: decision.decision, mode: decision.mode }));
      counters.evaluationDuration.observe(withConstants({}), amount(seconds));
      // An intended free order let through by a configured exception (a staff order) must not page anyone.
      if (order.total === 0 && totals.listValue > 0 && !setAside(decision, 'zero_total')) {
        counters.zeroTotalOrders.inc(withConstants({}));
      }
      if (decision.exceptions.length > 0) {
        const names: RuleName[] = [];
        for (const applied of decision.exceptions)
          for (const reason of applied.suppressed) names.push(reason.rule);
        byRule(counters.exceptedOrders, names);
      }
      vouchers.evaluated(order, effects);
      if (decision.reasons.length > 0) {
        byRule(
          counters.wouldHold,
          decision.reasons.filter((reason) => reason.mode === 'shadow').map((reason) => reason.rule),
        );
      }
      if (decision.abstentions.length > 0) {
        byRule(
          counters.abstentions,
          decision.abstentions.map((abstention) => abstention.rule),
        );
      }
    },
    held(order: Order, evaluation: Evaluation) {
      const { decision, totals } = evaluation;
      byRule(
        counters.holds,
        decision.reasons.filter((reason) => reason.mode === 'enforce').map((reason) => reason.rule),
      );
      const currency = withConstants({ currency: currencyLabel(order.currency) });
      counters.heldListValue.inc(currency, amount(totals.listValue));
      counters.heldDiscount.inc(currency, amount(totals.lineDiscounts + totals.voucherDiscounts));
    },
    invalidOrder() {
      counters.invalidOrders.inc(withConstants({}));
    },
    orderIdReused() {
      counters.orderIdReused.inc(withConstants({}));
    },
    fault(kind: FaultKind) {
      counters.faults.inc(withConstants({ kind: boundedLabel(FAULT_KIND_SET, kind) }));
    },
    reviewAction(action: string, count = 1) {
      const label = boundedLabel(REVIEW_ACTION_SET, action);
      counters.reviewerActions.inc(withConstants({ action: label }), amount(count));
    },
    webhook(outcome: WebhookOutcome) {
      counters.webhookDeliveries.inc(withConstants({ outcome: boundedLabel(WEBHOOK_OUTCOME_SET, outcome) }));
    },
    policyReload(result: ReloadResult, counts?: Record<TermKind, TermCounts>) {
      counters.policyReloads.inc(withConstants({ result: boundedLabel(RELOAD_RESULT_SET, result) }));
      if (counts === undefined) return;
      for (const kind of TERM_KINDS) {
        for (const change of TERM_CHANGES) {
          const value = counts[kind]?.[change] ?? 0;
          if (value > 0) counters.policyTermsChanged.inc(withConstants({ change, kind }), amount(value));
        }
      }
    },
    storeCall,
    usePolicy(policy) {
      rules.usePolicy(policy);
      return vouchers.usePolicy(policy);
    },
    preflight,
    watchOutbox: gauges.watchOutbox,
    watchQueue: gauges.watchQueue,
    handler(): RequestHandler {
      return async function metricsHandler(_req: Request, res: Response) {
        try {
          const body = await registry.metrics();
          res.set('Content-Type', registry.contentType);
          res.send(body);
        } catch (error) {
          res
            .status(500)
            .type('text/plain')
            .send(`# metrics collection failed: ${(error as Error).message}\n`);
        }
      };
    },
  };
}
