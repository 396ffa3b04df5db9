// src/observability/metrics.ts
// createMetrics(options): the guard's Prometheus metrics (prom-client) with bounded labels, queue gauges and /metrics.

import type { Request, RequestHandler, Response } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CURRENCY_EXPONENTS, isKnownCurrency } from '../core/currencies';
import type { Evaluation } from '../core/evaluate';
import type { Order } from '../core/order';
import { RULE_IDS, type RuleId } from '../core/types';
import { withTimeout } from '../guard';
import type { AuditEntry, GuardStore, HoldStatus } from '../state/types';
import type { FaultKind, GuardMetrics, WebhookOutcome } from './sink';
import { INSTRUMENTED, STORE_OPERATION_SET, STORE_OPERATIONS } from './store-operations';

/** Prepended to every metric name unless the `prefix` option says otherwise. */
export const DEFAULT_PREFIX = 'checkout_price_guard_';

/**
 * Every metric's name without the prefix. The dashboard (grafana/dashboard.ts) builds its queries from these, and
 * test/prometheus.test.ts checks that prometheus/alerts.yml names only these.
 */
export const METRIC_NAMES = Object.freeze({
  /** Counter {decision, mode}: orders evaluated. */
  ordersEvaluated: 'orders_evaluated_total',
  /** Counter: orders rejected as malformed (400). */
  invalidOrders: 'invalid_orders_total',
  /** Counter {rule}: newly stored holds, once per enforcing rule that fired on the order. */
  holds: 'holds_total',
  /** Counter {rule}: orders a rule in shadow mode would have held. */
  wouldHold: 'would_hold_total',
  /** Histogram: wall time of parse + facts + evaluate per order, in seconds. */
  evaluationDuration: 'evaluation_duration_seconds',
  /** Histogram {operation}: wall time of store calls, in seconds. */
  storeCallDuration: 'store_call_duration_seconds',
  /** Counter {operation}: failed store calls. */
  storeErrors: 'store_errors_total',
  /** Counter {kind}: degraded decisions (facts skipped, holds not stored, commits lost). */
  faults: 'faults_total',
  /** Gauge {status}: held orders in the review queue by status. */
  queueHolds: 'review_queue_holds',
  /** Gauge: age of the oldest pending hold, in seconds (0 when none is pending). */
  queueOldestPendingAge: 'review_queue_oldest_pending_age_seconds',
  /** Counter {action}: reviewer actions on the queue. */
  reviewerActions: 'reviewer_actions_total',
  /** Counter {outcome}: webhook delivery attempts. */
  webhookDeliveries: 'webhook_deliveries_total',
  /** Counter {currency}: list value of newly held orders, in minor units. */
  heldListValue: 'held_list_value_minor_total',
  /** Counter {currency}: line plus voucher discounts of newly held orders, in minor units. */
  heldDiscount: 'held_discount_minor_total',
  /** Counter: orders seen with a zero total while their lines list above zero (held or not). */
  zeroTotalOrders: 'zero_total_orders_total',
  /** Counter {voucher}: voucher velocity trips; `voucher` is a configured code or `other`. */
  voucherVelocityTrips: 'voucher_velocity_trips_total',
});

/** Buckets of the evaluation histogram: 25 µs to 250 ms (the store timeout is 200 ms by default). */
export const EVALUATION_BUCKETS: readonly number[] = Object.freeze([
  0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
]);

/** Buckets of the store call histogram: 100 µs to 1 s. */
export const STORE_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]);

/** The label value of anything outside a bounded list (an unconfigured voucher, an unknown operation). */
export const OTHER = 'other';

// Mapped records keep these runtime lists complete when the types they mirror grow.
const FAULT_KIND_SET: { [K in FaultKind]: true } = {
  facts_unavailable: true,
  history_unavailable: true,
  vouchers_unavailable: true,
  hold_unstored: true,
  commit_failed: true,
};
const REVIEW_ACTION_SET: { [K in Exclude<AuditEntry['action'], 'held'>]: true } = {
  claimed: true,
  approved: true,
  rejected: true,
  voucher_cleared: true,
  history_reset: true,
  floor_set: true,
  floor_removed: true,
  cap_set: true,
  cap_removed: true,
};
const HOLD_STATUS_SET: { [K in HoldStatus]: true } = { pending: true, approved: true, rejected: true };
const WEBHOOK_OUTCOME_SET: { [K in WebhookOutcome]: true } = { delivered: true, failed: true, retried: true };

/** Values of the `kind` label. */
export const FAULT_KINDS = Object.freeze(Object.keys(FAULT_KIND_SET) as FaultKind[]);
/** Values of the `action` label, besides `other`. */
export const REVIEW_ACTIONS = Object.freeze(Object.keys(REVIEW_ACTION_SET));
/** Values of the `outcome` label. */
export const WEBHOOK_OUTCOMES = Object.freeze(Object.keys(WEBHOOK_OUTCOME_SET) as WebhookOutcome[]);
/** Values of the `status` label. */
export const HOLD_STATUSES = Object.freeze(Object.keys(HOLD_STATUS_SET) as HoldStatus[]);

/** Options of `createMetrics()`. */
export interface MetricsOptions {
  /** The prom-client registry to register on, e.g. the storefront's own `register`. Defaults to a new private Registry. */
  registry?: Registry;
  /** Prepended to every metric name; the dashboard and alert rules expect the default. Defaults to `checkout_price_guard_`. */
  prefix?: string;
  /**
   * Constant labels added to every series of these metrics (and only these, even on a shared registry), e.g.
   * `{ shop: 'id' }`. Defaults to none.
   */
  labels?: Record<string, string>;
  /** Also collect prom-client's default Node process metrics on the registry (once per registry). Defaults to false. */
  defaultMetrics?: boolean;
  /**
   * Voucher codes that may appear as the `voucher` label value (the configured codes worth a series each); any
   * other code is counted as `other`, so a leaked or guessed code never creates a series. Defaults to none.
   */
  voucherLabels?: readonly string[];
  /**
   * Currencies whose money counters start at zero, so the first hold in a currency shows in `increase()`; other
   * known currencies get a series on first use. Defaults to every currency the guard knows (src/currencies.ts).
   */
  currencies?: readonly string[];
  /** Milliseconds a scrape waits for `store.queueStats` before keeping the last values. Defaults to 1000. */
  queueStatsTimeoutMs?: number;
  /** Clock in epoch ms, for the age of the oldest pending hold. Defaults to Date.now. */
  clock?: () => number;
}

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
  /** One store call; `operation` is a GuardStore method name (anything else is counted as `other`). */
  storeCall(operation: string, seconds: number, ok: boolean): void;
  /** Reports the review queue of `store` (depth by status, oldest pending age) at every scrape. Replaces any earlier store. */
  watchQueue(store: GuardStore): void;
  /** An Express handler serving the registry in Prometheus text format: `app.get('/metrics', metrics.handler())`. */
  handler(): RequestHandler;
}

/** Thrown by createMetrics for a bad option; names the option and the fix. */
export class MetricsOptionsError extends TypeError {
  readonly code = 'ERR_PRICE_GUARD_METRICS_OPTIONS';
  constructor(message: string) {
    super(`createMetrics: ${message}`);
    this.name = this.constructor.name;
  }
}

const KNOWN_OPTIONS: { [K in keyof Required<MetricsOptions>]: true } = {
  registry: true,
  prefix: true,
  labels: true,
  defaultMetrics: true,
  voucherLabels: true,
  currencies: true,
  queueStatsTimeoutMs: true,
  clock: true,
};

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Label names the metrics use themselves, so constant labels must not reuse them. */
const OWN_LABELS = [
  'decision',
  'mode',
  'rule',
  'operation',
  'kind',
  'status',
  'action',
  'outcome',
  'currency',
  'voucher',
];
/** The longest voucher code accepted as a label value. */
const MAX_VOUCHER_LABEL = 64;

interface Resolved {
  registry: Registry;
  prefix: string;
  labels: Record<string, string>;
  defaultMetrics: boolean;
  voucherLabels: ReadonlySet<string>;
  currencies: readonly string[];
  queueStatsTimeoutMs: number;
  clock: () => number;
}

function resolveMetricsOptions(options: MetricsOptions): Resolved {
  if (options === null || typeof options !== 'object') {
    throw new MetricsOptionsError(
      `options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!(key in KNOWN_OPTIONS)) {
      throw new MetricsOptionsError(
        `unknown option "${key}" (known: ${Object.keys(KNOWN_OPTIONS).join(', ')})`,
      );
    }
  }
  const registry = options.registry ?? new Registry();
  if (!(registry instanceof Registry)) {
    throw new MetricsOptionsError(
      'option "registry" must be a prom-client Registry (e.g. `register` from prom-client, or `new Registry()`)',
    );
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || (prefix !== '' && !METRIC_NAME.test(prefix))) {
    throw new MetricsOptionsError(
      `option "prefix" must match ${METRIC_NAME} (letters, digits, _ and :), got ${JSON.stringify(prefix)}`,
    );
  }
  const labels = options.labels ?? {};
  if (labels === null || typeof labels !== 'object') {
    throw new MetricsOptionsError(
      `option "labels" must be an object of label name to value, got ${typeof labels}`,
    );
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new MetricsOptionsError(
        `option "labels" has an invalid label name ${JSON.stringify(name)}: use letters, digits and _, not starting with a digit or __`,
      );
    }
    if (OWN_LABELS.includes(name)) {
      throw new MetricsOptionsError(
        `option "labels.${name}" clashes with a label the metrics set themselves (${OWN_LABELS.join(', ')}); rename it`,
      );
    }
    if (typeof value !== 'string') {
      throw new MetricsOptionsError(`option "labels.${name}" must be a string, got ${typeof value}`);
    }
  }
  if (options.defaultMetrics !== undefined && typeof options.defaultMetrics !== 'boolean') {
    throw new MetricsOptionsError(
      `option "defaultMetrics" must be a boolean, got ${typeof options.defaultMetrics}`,
    );
  }
  const voucherLabels = new Set<string>();
  if (options.voucherLabels !== undefined) {
    if (!Array.isArray(options.voucherLabels)) {
      throw new MetricsOptionsError('option "voucherLabels" must be an array of voucher codes');
    }
    for (const [index, code] of options.voucherLabels.entries()) {
      if (typeof code !== 'string' || code.length === 0 || code.length > MAX_VOUCHER_LABEL) {
        throw new MetricsOptionsError(
          `option "voucherLabels[${index}]" must be a voucher code of 1 to ${MAX_VOUCHER_LABEL} characters, got ${JSON.stringify(code)}`,
        );
      }
      if (code === OTHER) {
        throw new MetricsOptionsError(
          `option "voucherLabels[${index}]" is "${OTHER}", the value every unlisted code is counted under; remove it`,
        );
      }
      voucherLabels.add(code);
    }
  }
  const currencies = options.currencies ?? Object.keys(CURRENCY_EXPONENTS);
  if (!Array.isArray(currencies)) {
    throw new MetricsOptionsError('option "currencies" must be an array of ISO 4217 codes');
  }
  for (const [index, code] of currencies.entries()) {
    if (typeof code !== 'string' || !isKnownCurrency(code)) {
      throw new MetricsOptionsError(
        `option "currencies[${index}]" must be a currency the guard knows (src/currencies.ts), got ${JSON.stringify(code)}`,
      );
    }
  }
  const timeout = options.queueStatsTimeoutMs ?? 1000;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new MetricsOptionsError(
      `option "queueStatsTimeoutMs" must be a positive whole number of milliseconds, got ${JSON.stringify(timeout)}`,
    );
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new MetricsOptionsError(
      `option "clock" must be a function returning epoch ms, got ${typeof options.clock}`,
    );
  }
  return {
    registry,
    prefix,
    labels: { ...labels },
    defaultMetrics: options.defaultMetrics ?? false,
    voucherLabels,
    currencies,
    queueStatsTimeoutMs: timeout,
    clock: options.clock ?? Date.now,
  };
}

/** A non-negative finite number, or 0: a metric call must never throw on the hot path. */
function amount(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Creates the guard's metrics on a registry. Call once per registry and prefix (prom-client refuses a second
 * metric of the same name). Pass the result as `priceGuard({ metrics })` and serve `metrics.handler()`.
 */
export function createMetrics(options: MetricsOptions = {}): PriceGuardMetrics {
  const config = resolveMetricsOptions(options);
  const { registry, prefix, clock, voucherLabels } = config;
  const constantNames = Object.keys(config.labels);
  const hasConstants = constantNames.length > 0;
  const withConstants = (labels: Record<string, string>) =>
    hasConstants ? { ...config.labels, ...labels } : labels;
  const registers = [registry];

  const register = <T>(name: string, make: (fullName: string) => T): T => {
    const fullName = `${prefix}${name}`;
    try {
      return make(fullName);
    } catch (error) {
      throw new MetricsOptionsError(
        `cannot register ${fullName} on the registry (${(error as Error).message}); createMetrics was probably called twice on one registry: reuse the first result, or give a different "prefix" or "registry"`,
      );
    }
  };
  const counter = (name: string, help: string, labelNames: string[]) =>
    register(
      name,
      (fullName) =>
        new Counter({ name: fullName, help, labelNames: [...labelNames, ...constantNames], registers }),
    );
  const histogram = (name: string, help: string, labelNames: string[], buckets: readonly number[]) =>
    register(
      name,
      (fullName) =>
        new Histogram({
          name: fullName,
          help,
          labelNames: [...labelNames, ...constantNames],
          buckets: [...buckets],
          registers,
        }),
    );

  const ordersEvaluated = counter(
    METRIC_NAMES.ordersEvaluated,
    'Orders evaluated by the price guard, by decision (allow, hold) and mode (enforce, shadow).',
    ['decision', 'mode'],
  );
  const invalidOrders = counter(METRIC_NAMES.invalidOrders, 'Orders rejected as malformed (HTTP 400).', []);
  const holds = counter(
    METRIC_NAMES.holds,
    'Newly stored holds, counted once per enforcing rule that fired on the order (an order can count under several rules).',
    ['rule'],
  );
  const wouldHold = counter(
    METRIC_NAMES.wouldHold,
    'Orders a rule in shadow mode would have held, by rule.',
    ['rule'],
  );
  const evaluationDuration = histogram(
    METRIC_NAMES.evaluationDuration,
    'Wall time of one order check (parse, store facts, evaluate), in seconds.',
    [],
    EVALUATION_BUCKETS,
  );
  const storeCallDuration = histogram(
    METRIC_NAMES.storeCallDuration,
    'Wall time of store calls (Redis or memory), in seconds, by GuardStore operation.',
    ['operation'],
    STORE_BUCKETS,
  );
  const storeErrors = counter(
    METRIC_NAMES.storeErrors,
    'Failed store calls (errors, timeouts, facts the store could not provide), by GuardStore operation.',
    ['operation'],
  );
  const faults = counter(
    METRIC_NAMES.faults,
    'Degraded decisions: facts skipped, holds not stored (503), allowed orders not recorded; by kind.',
    ['kind'],
  );
  const reviewerActions = counter(
    METRIC_NAMES.reviewerActions,
    'Reviewer actions on the review queue, by action.',
    ['action'],
  );
  const webhookDeliveries = counter(
    METRIC_NAMES.webhookDeliveries,
    'Webhook delivery attempts, by outcome (delivered, failed, retried).',
    ['outcome'],
  );
  const heldListValue = counter(
    METRIC_NAMES.heldListValue,
    'List value of newly held orders, in minor units of the currency (cents; whole rupiah for IDR).',
    ['currency'],
  );
  const heldDiscount = counter(
    METRIC_NAMES.heldDiscount,
    'Line and voucher discounts of newly held orders, in minor units of the currency.',
    ['currency'],
  );
  const zeroTotalOrders = counter(
    METRIC_NAMES.zeroTotalOrders,
    'Orders seen with a total of zero while their lines list above zero, whatever the decision.',
    [],
  );
  const voucherVelocityTrips = counter(
    METRIC_NAMES.voucherVelocityTrips,
    'Voucher codes suspended by the velocity rule; voucher is a configured code, or "other".',
    ['voucher'],
  );

  let watched: GuardStore | undefined;
  let inflight: Promise<void> | undefined;
  let queueValues: { byStatus: Record<HoldStatus, number>; age: number } | undefined;
  const storeCall = (operation: string, seconds: number, ok: boolean) => {
    const label = withConstants({
      operation: Object.hasOwn(STORE_OPERATION_SET, operation) ? operation : OTHER,
    });
    storeCallDuration.observe(label, amount(seconds));
    if (!ok) storeErrors.inc(label);
  };
  // Both queue gauges collect in the same scrape: share one queueStats call between them.
  const refreshQueue = (): Promise<void> => {
    const store = watched;
    if (store === undefined) return Promise.resolve();
    inflight ??= (async () => {
      const started = process.hrtime.bigint();
      const now = clock();
      let ok = true;
      try {
        const stats = await withTimeout(store.queueStats(now), config.queueStatsTimeoutMs, 'queueStats');
        queueValues = {
          byStatus: { ...stats.byStatus },
          age: stats.oldestPendingAt === undefined ? 0 : Math.max(0, now - stats.oldestPendingAt) / 1000,
        };
      } catch {
        ok = false; // keep the last values; the store error counter and its alert tell on-call
      } finally {
        inflight = undefined;
        if (!(store as { [INSTRUMENTED]?: boolean })[INSTRUMENTED]) {
          storeCall('queueStats', Number(process.hrtime.bigint() - started) / 1e9, ok);
        }
      }
    })();
    return inflight;
  };
  register(
    METRIC_NAMES.queueHolds,
    (fullName) =>
      new Gauge({
        name: fullName,
        help: 'Held orders in the review queue, by status (read from the store at each scrape).',
        labelNames: ['status', ...constantNames],
        registers,
        async collect() {
          await refreshQueue();
          if (queueValues === undefined) return;
          for (const status of HOLD_STATUSES) {
            this.set(withConstants({ status }), queueValues.byStatus[status] ?? 0);
          }
        },
      }),
  );
  register(
    METRIC_NAMES.queueOldestPendingAge,
    (fullName) =>
      new Gauge({
        name: fullName,
        help: 'Age of the oldest pending hold in seconds, 0 when none is pending (read from the store at each scrape).',
        labelNames: constantNames,
        registers,
        async collect() {
          await refreshQueue();
          if (queueValues !== undefined) this.set(withConstants({}), queueValues.age);
        },
      }),
  );

  // Series of bounded label sets start at zero, so increase() and the alerts see the first event.
  for (const decision of ['allow', 'hold']) {
    for (const mode of ['enforce', 'shadow']) ordersEvaluated.inc(withConstants({ decision, mode }), 0);
  }
  for (const rule of RULE_IDS) {
    holds.inc(withConstants({ rule }), 0);
    wouldHold.inc(withConstants({ rule }), 0);
  }
  for (const kind of FAULT_KINDS) faults.inc(withConstants({ kind }), 0);
  for (const operation of STORE_OPERATIONS) storeErrors.inc(withConstants({ operation }), 0);
  for (const action of REVIEW_ACTIONS) reviewerActions.inc(withConstants({ action }), 0);
  for (const outcome of WEBHOOK_OUTCOMES) webhookDeliveries.inc(withConstants({ outcome }), 0);
  for (const currency of config.currencies) {
    heldListValue.inc(withConstants({ currency }), 0);
    heldDiscount.inc(withConstants({ currency }), 0);
  }
  for (const voucher of [...voucherLabels, OTHER]) voucherVelocityTrips.inc(withConstants({ voucher }), 0);
  invalidOrders.inc(withConstants({}), 0);
  zeroTotalOrders.inc(withConstants({}), 0);

  if (config.defaultMetrics) {
    try {
      collectDefaultMetrics({ register: registry, ...(hasConstants ? { labels: config.labels } : {}) });
    } catch (error) {
      throw new MetricsOptionsError(
        `option "defaultMetrics": ${(error as Error).message}; the registry already collects them, so leave the option off`,
      );
    }
  }

  const voucherLabel = (code: string) => (voucherLabels.has(code) ? code : OTHER);
  const currencyLabel = (code: string) => (isKnownCurrency(code) ? code : OTHER);

  return {
    registry,
    prefix,
    evaluated(order: Order, evaluation: Evaluation, seconds: number) {
      const { decision, totals, effects } = evaluation;
      ordersEvaluated.inc(withConstants({ decision: decision.decision, mode: decision.mode }));
      evaluationDuration.observe(withConstants({}), amount(seconds));
      if (order.total === 0 && totals.listValue > 0) zeroTotalOrders.inc(withConstants({}));
      if (decision.reasons.length > 0) {
        const shadowRules = new Set<RuleId>();
        for (const reason of decision.reasons) if (reason.mode === 'shadow') shadowRules.add(reason.rule);
        for (const rule of shadowRules) wouldHold.inc(withConstants({ rule }));
      }
      for (const code of effects.tripVouchers)
        voucherVelocityTrips.inc(withConstants({ voucher: voucherLabel(code) }));
    },
    held(order: Order, evaluation: Evaluation) {
      const { decision, totals } = evaluation;
      const rules = new Set<RuleId>();
      for (const reason of decision.reasons) if (reason.mode === 'enforce') rules.add(reason.rule);
      for (const rule of rules) holds.inc(withConstants({ rule }));
      const currency = withConstants({ currency: currencyLabel(order.currency) });
      heldListValue.inc(currency, amount(totals.listValue));
      heldDiscount.inc(currency, amount(totals.lineDiscounts + totals.voucherDiscounts));
    },
    invalidOrder() {
      invalidOrders.inc(withConstants({}));
    },
    fault(kind: FaultKind) {
      faults.inc(withConstants({ kind: Object.hasOwn(FAULT_KIND_SET, kind) ? kind : OTHER }));
    },
    reviewAction(action: string, count = 1) {
      const label = Object.hasOwn(REVIEW_ACTION_SET, action) ? action : OTHER;
      reviewerActions.inc(withConstants({ action: label }), amount(count));
    },
    webhook(outcome: WebhookOutcome) {
      const label = Object.hasOwn(WEBHOOK_OUTCOME_SET, outcome) ? outcome : OTHER;
      webhookDeliveries.inc(withConstants({ outcome: label }));
    },
    storeCall,
    watchQueue(store: GuardStore) {
      if (store === null || typeof store !== 'object' || typeof store.queueStats !== 'function') {
        throw new MetricsOptionsError('watchQueue(store) needs a GuardStore with a queueStats(now) method');
      }
      watched = store;
      queueValues = undefined;
    },
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
