// src/observability/metrics-options.ts
// The options of createMetrics(): their types and defaults, checked once with errors that name the option and the fix.

import { Registry } from 'prom-client';
import { z } from 'zod';
import { CURRENCY_EXPONENTS, isKnownCurrency } from '../core/currencies';
import { voucherLabels } from '../core/option-fields';
import {
  conflict,
  functionOption,
  type OptionProblem,
  OptionsProblemError,
  parseOptions,
  positiveWhole,
} from '../core/options';
import { OWN_LABELS } from './labels';
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
   * use. Defaults to every currency the guard knows (src/core/currencies.ts).
   */
  currencies?: readonly string[];
  /** Milliseconds a scrape waits for `store.queueStats` before keeping the last values. Defaults to 1000. */
  queueStatsTimeoutMs?: number;
  /** Clock in epoch ms, for the age of the oldest pending hold. Defaults to Date.now. */
  clock?: () => number;
}

/** Thrown by createMetrics for a bad option; names the option and the fix. */
export class MetricsOptionsError extends OptionsProblemError {
  constructor(problems: readonly OptionProblem[] | string) {
    super(
      'ERR_PRICE_GUARD_METRICS_OPTIONS',
      'createMetrics',
      typeof problems === 'string' ? [{ kind: 'invalid_option', option: '', message: problems }] : problems,
    );
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Constant labels: names Prometheus accepts and the metrics do not set themselves, string values. */
const constantLabels = z
  .record(z.string(), z.string({ error: 'must be a string' }), {
    error: 'must be an object of label name to value',
  })
  .superRefine((labels, context) => {
    for (const name of Object.keys(labels)) {
      if (!LABEL_NAME.test(name) || name.startsWith('__')) {
        context.addIssue({
          code: 'custom',
          message: `has an invalid label name ${JSON.stringify(name)}: use letters, digits and _, not starting with a digit or __`,
        });
      } else if (OWN_LABELS.includes(name)) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `clashes with a label the metrics set themselves (${OWN_LABELS.join(', ')}); rename it`,
        });
      }
    }
  });

const metricsShape = {
  registry: z
    .custom<Registry>((value) => value instanceof Registry, {
      error: 'must be a prom-client Registry (e.g. `register` from prom-client, or `new Registry()`)',
    })
    .default(() => new Registry()),
  prefix: z
    .string({ error: `must match ${METRIC_NAME} (letters, digits, _ and :)` })
    .refine((prefix) => prefix === '' || METRIC_NAME.test(prefix), {
      error: `must match ${METRIC_NAME} (letters, digits, _ and :)`,
    })
    .default(DEFAULT_PREFIX),
  labels: constantLabels.default(() => ({})),
  defaultMetrics: z.boolean({ error: 'must be a boolean' }).default(false),
  voucherLabels: voucherLabels.default(() => []),
  maxVoucherLabels: z
    .number({ error: 'must be a whole number of codes, 0 or more' })
    .int({ error: 'must be a whole number of codes, 0 or more' })
    .min(0, { error: 'must be a whole number of codes, 0 or more' })
    .default(DEFAULT_MAX_VOUCHER_LABELS),
  currencies: z
    .array(
      z
        .string({ error: 'must be a currency the guard knows (src/core/currencies.ts)' })
        .refine(isKnownCurrency, { error: 'must be a currency the guard knows (src/core/currencies.ts)' }),
      { error: 'must be an array of ISO 4217 codes' },
    )
    .default(() => Object.keys(CURRENCY_EXPONENTS)),
  queueStatsTimeoutMs: positiveWhole('milliseconds').default(1000),
  clock: functionOption<() => number>('a function returning epoch ms').default(() => Date.now),
} satisfies Record<keyof MetricsOptions, z.ZodType>;

const metricsSchema = z.strictObject(metricsShape);

/** The options of `createMetrics()` checked, with every default applied. */
export type ResolvedMetricsOptions = z.output<typeof metricsSchema>;

/** Checks the options of `createMetrics()` once, at creation; throws a MetricsOptionsError naming the bad option. */
export function resolveMetricsOptions(options: MetricsOptions): ResolvedMetricsOptions {
  return parseOptions(metricsSchema, options, (problems) => new MetricsOptionsError(problems), {
    after: (resolved) =>
      resolved.voucherLabels.length > resolved.maxVoucherLabels
        ? [
            conflict(
              'voucherLabels',
              `option "voucherLabels" lists ${resolved.voucherLabels.length} codes, more than "maxVoucherLabels" (${resolved.maxVoucherLabels}); raise maxVoucherLabels or list fewer codes`,
            ),
          ]
        : [],
  });
}
