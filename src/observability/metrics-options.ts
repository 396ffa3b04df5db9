// src/observability/metrics-options.ts
// The options of createMetrics(): their types and defaults, checked once with errors that name the option and the fix.

import { Registry } from 'prom-client';
import { CURRENCY_EXPONENTS, isKnownCurrency } from '../core/currencies';
import { canonicalCode, identifierProblem } from '../core/identifiers';
import { OTHER, OWN_LABELS } from './labels';
import { DEFAULT_PREFIX } from './metric-names';

/** How many voucher codes get their own `voucher` series unless `maxVoucherLabels` says otherwise. */
export const DEFAULT_MAX_VOUCHER_LABELS = 200;

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
   * Currencies whose money counters and pending-money gauge start at zero, so the first hold in a currency shows in
   * `increase()` and the money at stake reads 0 rather than nothing; other known currencies get a series on first
   * use. Defaults to every currency the guard knows (src/currencies.ts).
   */
  currencies?: readonly string[];
  /** Milliseconds a scrape waits for `store.queueStats` before keeping the last values. Defaults to 1000. */
  queueStatsTimeoutMs?: number;
  /** Clock in epoch ms, for the age of the oldest pending hold. Defaults to Date.now. */
  clock?: () => number;
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
/** The longest voucher code accepted as a label value. */
const MAX_VOUCHER_LABEL = 64;

/** The options of `createMetrics()` checked, with every default applied. */
export interface ResolvedMetricsOptions {
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

/** Checks the options of `createMetrics()` once, at creation; throws a MetricsOptionsError naming the bad option. */
export function resolveMetricsOptions(options: MetricsOptions): ResolvedMetricsOptions {
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
