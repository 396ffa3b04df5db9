// src/observability/metrics.ts
// createMetrics(options): the guard's Prometheus metrics (prom-client) with bounded labels, queue gauges and /metrics.

import type { Request, RequestHandler, Response } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CURRENCY_EXPONENTS, isKnownCurrency } from '../core/currencies';
import type { Evaluation } from '../core/evaluate';
import { canonicalCode, identifierProblem } from '../core/identifiers';
import type { Order } from '../core/order';
import type { Policy } from '../core/policy';
import { type Decision, RULE_IDS, type RuleId } from '../core/types';
import { withTimeout } from '../guard';
import type { AuditEntry, GuardStore, HoldStatus, MoneyAtStake } from '../state/types';
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
  /** Counter: orders refused because their id was already used for other content (409 order_id_reused). */
  orderIdReused: 'order_id_reused_total',
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
  /** Counter {voucher}: voucher velocity trips; `voucher` is a declared code or `other`. */
  voucherVelocityTrips: 'voucher_velocity_trips_total',
  /** Counter {voucher}: tripped codes that resumed on their own once their rate was normal again. */
  voucherVelocityResumes: 'voucher_velocity_resumes_total',
  /** Counter {rule}: orders a rule could not judge (no history and no reference price, store degraded). */
  abstentions: 'rule_abstentions_total',
  /** Counter {voucher}: evaluated orders carrying a voucher code (redemption attempts), whatever the decision. */
  voucherRedemptions: 'voucher_redemption_attempts_total',
  /** Counter {voucher, currency}: voucher discounts claimed by evaluated orders, in minor units. */
  voucherDiscount: 'voucher_discount_minor_total',
  /** Counter {rule}: orders on which a configured exception set a rule's reason aside (never paging). */
  exceptedOrders: 'excepted_orders_total',
  /** Gauge {currency, amount}: money in pending holds (list_value, discount, total), in minor units. */
  pendingValue: 'review_queue_pending_value_minor',
  /** Gauge: webhook deliveries waiting in the outbox (one per event and endpoint). */
  webhookOutbox: 'webhook_outbox_pending',
});

/** Values of the `amount` label of the pending-value gauge, in the order of `MoneyAtStake`. */
export const PENDING_AMOUNTS = Object.freeze(['list_value', 'discount', 'total'] as const);

/** How many voucher codes get their own `voucher` series unless `maxVoucherLabels` says otherwise. */
export const DEFAULT_MAX_VOUCHER_LABELS = 200;

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
  binding_unavailable: true,
};
const REVIEW_ACTION_SET: { [K in Exclude<AuditEntry['action'], 'held'>]: true } = {
  claimed: true,
  approved: true,
  rejected: true,
  voucher_cleared: true,
  voucher_resumed: true,
  voucher_extended: true,
  price_accepted: true,
  history_reset: true,
  floor_set: true,
  floor_removed: true,
  cap_set: true,
  cap_removed: true,
  catalog_uploaded: true,
  catalog_removed: true,
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
   * Voucher codes that always get their own `voucher` series, besides the codes the policy in force declares (its
   * `vouchers` terms and its campaigns' `vouchers`); any other code is counted as `other`, so a leaked or guessed
   * code never creates a series. Codes are compared in their canonical form (`canonicalCode`). Defaults to none.
   */
  voucherLabels?: readonly string[];
  /**
   * The most voucher codes with their own `voucher` series: `voucherLabels` first, then the policy's codes in the
   * order it lists them; codes past the cap count as `other`. Defaults to 200.
   */
  maxVoucherLabels?: number;
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
   * Tells the metrics the policy in force, so the voucher codes it declares get their own `voucher` series (at 0
   * at once) and codes it no longer declares lose theirs. The guard passes its policy with every evaluation, so
   * this is only needed to create the series before the first order after a start or reload. Cheap when the
   * policy's `vouchers` and `campaigns` did not change.
   */
  usePolicy(policy: Pick<Policy, 'vouchers' | 'campaigns'>): VoucherLabelling;
  /** An Express handler serving the registry in Prometheus text format: `app.get('/metrics', metrics.handler())`. */
  handler(): RequestHandler;
}

/** Which voucher codes have their own `voucher` series, after `usePolicy`. */
export interface VoucherLabelling {
  /** Codes with their own series: `voucherLabels`, then the policy's declared codes, up to `maxVoucherLabels`. */
  labelled: readonly string[];
  /** Declared codes past `maxVoucherLabels`, counted as `other` (log them: raise the cap or trim the policy). */
  unlabelled: readonly string[];
}

/**
 * The voucher codes a policy declares, canonical and without duplicates, in the order it lists them: the keys of
 * `vouchers` (the codes with terms), then every campaign's `vouchers`.
 */
export function declaredVoucherCodes(policy: Pick<Policy, 'vouchers' | 'campaigns'>): string[] {
  const codes = new Set<string>();
  for (const code of Object.keys(policy.vouchers)) codes.add(canonicalCode(code));
  for (const campaign of policy.campaigns) {
    for (const code of campaign.vouchers ?? []) codes.add(canonicalCode(code));
  }
  return [...codes];
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
  maxVoucherLabels: true,
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
  'amount',
];
/** The longest voucher code accepted as a label value. */
const MAX_VOUCHER_LABEL = 64;

interface Resolved {
  registry: Registry;
  prefix: string;
  labels: Record<string, string>;
  defaultMetrics: boolean;
  voucherLabels: readonly string[];
  maxVoucherLabels: number;
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
      const problem = identifierProblem(code);
      if (problem !== undefined) {
        throw new MetricsOptionsError(`option "voucherLabels[${index}]" ${problem}`);
      }
      voucherLabels.add(canonicalCode(code));
    }
  }
  const maxVoucherLabels = options.maxVoucherLabels ?? DEFAULT_MAX_VOUCHER_LABELS;
  if (!Number.isInteger(maxVoucherLabels) || maxVoucherLabels < 0) {
    throw new MetricsOptionsError(
      `option "maxVoucherLabels" must be a whole number of codes, 0 or more, got ${JSON.stringify(maxVoucherLabels)}`,
    );
  }
  if (voucherLabels.size > maxVoucherLabels) {
    throw new MetricsOptionsError(
      `option "voucherLabels" lists ${voucherLabels.size} codes, more than "maxVoucherLabels" (${maxVoucherLabels}); raise maxVoucherLabels or list fewer codes`,
    );
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
    voucherLabels: [...voucherLabels],
    maxVoucherLabels,
    currencies,
    queueStatsTimeoutMs: timeout,
    clock: options.clock ?? Date.now,
  };
}

/** Whether a configured exception set aside the order's reason from `rule`. */
function setAside(decision: Decision, rule: RuleId): boolean {
  for (const applied of decision.exceptions) {
    for (const reason of applied.suppressed) if (reason.rule === rule) return true;
  }
  return false;
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
  const { registry, prefix, clock } = config;
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
  const orderIdReused = counter(
    METRIC_NAMES.orderIdReused,
    'Orders refused because their order id was already used for an order with other content (HTTP 409).',
    [],
  );
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
    'Voucher codes suspended by the velocity rule; voucher is a declared code, or "other".',
    ['voucher'],
  );
  const voucherVelocityResumes = counter(
    METRIC_NAMES.voucherVelocityResumes,
    'Tripped voucher codes resumed on their own after their rate was normal for resumeAfterSeconds; voucher is a declared code, or "other".',
    ['voucher'],
  );
  const abstentions = counter(
    METRIC_NAMES.abstentions,
    'Orders a rule could not judge, by rule: a SKU with no history, accepted price or declared list price, or the store unavailable. A rise means the guard is judging blind.',
    ['rule'],
  );
  const voucherRedemptions = counter(
    METRIC_NAMES.voucherRedemptions,
    'Evaluated orders carrying a voucher code (redemption attempts, whatever the decision); voucher is a declared code, or "other".',
    ['voucher'],
  );
  const voucherDiscount = counter(
    METRIC_NAMES.voucherDiscount,
    'Voucher discounts claimed by evaluated orders, in minor units of the currency; voucher is a declared code, or "other".',
    ['voucher', 'currency'],
  );
  const exceptedOrders = counter(
    METRIC_NAMES.exceptedOrders,
    "Orders on which a configured policy exception set a rule's reason aside, by rule (once per order and rule).",
    ['rule'],
  );

  const currencyLabel = (code: string) => (isKnownCurrency(code) ? code : OTHER);
  let watched: GuardStore | undefined;
  let inflight: Promise<void> | undefined;
  let queueValues:
    | { byStatus: Record<HoldStatus, number>; age: number; pendingValue?: Record<string, MoneyAtStake> }
    | undefined;
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
          ...(stats.pendingValue !== undefined ? { pendingValue: stats.pendingValue } : {}),
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
        // Read from the shared store: every worker of `serve --workers` reports the same value; take it once.
        aggregator: 'max',
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
        // Read from the shared store: every worker of `serve --workers` reports the same value; take it once.
        aggregator: 'max',
        async collect() {
          await refreshQueue();
          if (queueValues !== undefined) this.set(withConstants({}), queueValues.age);
        },
      }),
  );

  register(
    METRIC_NAMES.pendingValue,
    (fullName) =>
      new Gauge({
        name: fullName,
        help: 'Money in pending holds per currency, in minor units: list_value, discount (given away) and total (to collect). Absent when the store does not report it.',
        labelNames: ['currency', 'amount', ...constantNames],
        registers,
        // Read from the shared store: every worker of `serve --workers` reports the same value; take it once.
        aggregator: 'max',
        async collect() {
          await refreshQueue();
          this.reset();
          const pending = queueValues?.pendingValue;
          if (pending === undefined) return;
          const sums = new Map<string, [number, number, number]>();
          for (const [code, money] of Object.entries(pending)) {
            const currency = currencyLabel(code);
            const sum = sums.get(currency) ?? [0, 0, 0];
            sum[0] += amount(money.listValue);
            sum[1] += amount(money.discount);
            sum[2] += amount(money.total);
            sums.set(currency, sum);
          }
          for (const [currency, sum] of sums) {
            PENDING_AMOUNTS.forEach((name, index) => {
              this.set(withConstants({ currency, amount: name }), sum[index]!);
            });
          }
        },
      }),
  );

  let readOutbox: (() => number | undefined | Promise<number | undefined>) | undefined;
  let outboxValue: number | undefined;
  register(
    METRIC_NAMES.webhookOutbox,
    (fullName) =>
      new Gauge({
        name: fullName,
        help: 'Webhook deliveries waiting in the outbox (one per event and endpoint). Absent when no outbox is watched.',
        labelNames: constantNames,
        registers,
        // Read from the shared store: every worker of `serve --workers` reports the same value; take it once.
        aggregator: 'max',
        async collect() {
          const read = readOutbox;
          if (read !== undefined) {
            try {
              const size = await withTimeout(read(), config.queueStatsTimeoutMs, 'webhook outbox size');
              outboxValue = typeof size === 'number' && Number.isFinite(size) ? amount(size) : undefined;
            } catch {
              // keep the last value: a slow outbox store must not fail or hang the scrape
            }
          }
          this.reset();
          // reset() leaves an unlabelled gauge at 0: remove that series, so "no outbox" shows nothing.
          if (outboxValue === undefined) this.remove(withConstants({}));
          else this.set(withConstants({}), outboxValue);
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
    abstentions.inc(withConstants({ rule }), 0);
    exceptedOrders.inc(withConstants({ rule }), 0);
  }
  for (const kind of FAULT_KINDS) faults.inc(withConstants({ kind }), 0);
  for (const operation of STORE_OPERATIONS) storeErrors.inc(withConstants({ operation }), 0);
  for (const action of REVIEW_ACTIONS) reviewerActions.inc(withConstants({ action }), 0);
  for (const outcome of WEBHOOK_OUTCOMES) webhookDeliveries.inc(withConstants({ outcome }), 0);
  for (const currency of config.currencies) {
    heldListValue.inc(withConstants({ currency }), 0);
    heldDiscount.inc(withConstants({ currency }), 0);
  }

  // Voucher labels: voucherLabels, then the declared codes of the policy in force, up to maxVoucherLabels.
  let labelled = new Set<string>();
  /** Currencies each labelled code has a discount series in, so a retired code's series can be removed. */
  const discountCurrencies = new Map<string, Set<string>>();
  const seriesOf = (voucher: string) => {
    voucherRedemptions.inc(withConstants({ voucher }), 0);
    voucherVelocityTrips.inc(withConstants({ voucher }), 0);
    voucherVelocityResumes.inc(withConstants({ voucher }), 0);
  };
  const retire = (voucher: string) => {
    voucherRedemptions.remove(withConstants({ voucher }));
    voucherVelocityTrips.remove(withConstants({ voucher }));
    voucherVelocityResumes.remove(withConstants({ voucher }));
    for (const currency of discountCurrencies.get(voucher) ?? []) {
      voucherDiscount.remove(withConstants({ voucher, currency }));
    }
    discountCurrencies.delete(voucher);
  };
  let lastVouchers: unknown;
  let lastCampaigns: unknown;
  let lastLabelling: VoucherLabelling = { labelled: [], unlabelled: [] };
  const usePolicy = (policy: Pick<Policy, 'vouchers' | 'campaigns'>): VoucherLabelling => {
    if (policy.vouchers === lastVouchers && policy.campaigns === lastCampaigns) return lastLabelling;
    lastVouchers = policy.vouchers;
    lastCampaigns = policy.campaigns;
    const next = new Set(config.voucherLabels);
    const unlabelled: string[] = [];
    for (const code of declaredVoucherCodes(policy)) {
      if (next.has(code)) continue;
      if (next.size < config.maxVoucherLabels) next.add(code);
      else unlabelled.push(code);
    }
    for (const code of labelled) if (!next.has(code)) retire(code);
    for (const code of next) if (!labelled.has(code)) seriesOf(code);
    labelled = next;
    lastLabelling = Object.freeze({
      labelled: Object.freeze([...next]),
      unlabelled: Object.freeze(unlabelled),
    });
    return lastLabelling;
  };
  for (const voucher of config.voucherLabels) seriesOf(voucher);
  labelled = new Set(config.voucherLabels);
  lastLabelling = Object.freeze({ labelled: Object.freeze([...labelled]), unlabelled: Object.freeze([]) });
  seriesOf(OTHER);
  invalidOrders.inc(withConstants({}), 0);
  orderIdReused.inc(withConstants({}), 0);
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

  const voucherLabel = (code: string) => {
    const canonical = canonicalCode(code);
    return labelled.has(canonical) ? canonical : OTHER;
  };

  return {
    registry,
    prefix,
    evaluated(order: Order, evaluation: Evaluation, seconds: number, policy?: Policy) {
      const { decision, totals, effects } = evaluation;
      if (policy !== undefined) usePolicy(policy);
      ordersEvaluated.inc(withConstants({ decision: decision.decision, mode: decision.mode }));
      evaluationDuration.observe(withConstants({}), amount(seconds));
      // An intended free order let through by a configured exception (a staff order) must not page anyone.
      if (order.total === 0 && totals.listValue > 0 && !setAside(decision, 'zero_total')) {
        zeroTotalOrders.inc(withConstants({}));
      }
      if (decision.exceptions.length > 0) {
        const rules = new Set<RuleId>();
        for (const applied of decision.exceptions)
          for (const reason of applied.suppressed) rules.add(reason.rule);
        for (const rule of rules) exceptedOrders.inc(withConstants({ rule }));
      }
      const { vouchers } = order;
      for (let index = 0; index < vouchers.length; index++) {
        const voucher = vouchers[index]!;
        const label = voucherLabel(voucher.code);
        // An order carrying one code twice is one redemption attempt, with both discounts.
        if (!vouchers.some((other, before) => before < index && other.code === voucher.code)) {
          voucherRedemptions.inc(withConstants({ voucher: label }));
        }
        const currency = currencyLabel(order.currency);
        voucherDiscount.inc(withConstants({ voucher: label, currency }), amount(voucher.discount));
        if (label !== OTHER) {
          const currencies = discountCurrencies.get(label);
          if (currencies === undefined) discountCurrencies.set(label, new Set([currency]));
          else currencies.add(currency);
        }
      }
      if (decision.reasons.length > 0) {
        const shadowRules = new Set<RuleId>();
        for (const reason of decision.reasons) if (reason.mode === 'shadow') shadowRules.add(reason.rule);
        for (const rule of shadowRules) wouldHold.inc(withConstants({ rule }));
      }
      for (const code of effects.tripVouchers)
        voucherVelocityTrips.inc(withConstants({ voucher: voucherLabel(code) }));
      for (const code of effects.resumeVouchers)
        voucherVelocityResumes.inc(withConstants({ voucher: voucherLabel(code) }));
      if (decision.abstentions.length > 0) {
        const rules = new Set<RuleId>();
        for (const abstention of decision.abstentions) rules.add(abstention.rule);
        for (const rule of rules) abstentions.inc(withConstants({ rule }));
      }
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
    orderIdReused() {
      orderIdReused.inc(withConstants({}));
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
    usePolicy,
    watchOutbox(read) {
      if (typeof read !== 'function') {
        throw new MetricsOptionsError(
          'watchOutbox(read) needs a function returning the number of deliveries waiting (or a promise of it)',
        );
      }
      readOutbox = read;
      outboxValue = undefined;
    },
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
