// test/observability/metrics-fixtures.ts
// Shared by the metrics-*.test.ts suites: reading samples back from a registry, and a Guard wired to fresh metrics.

import { Registry } from 'prom-client';
import type { PolicyInput } from '../../src/core/policy';
import { parsePolicy } from '../../src/core/policy';
import { Guard } from '../../src/engine/guard';
import {
  createMetrics,
  DEFAULT_PREFIX,
  METRIC_NAMES,
  type MetricsOptions,
  type PriceGuardMetrics,
} from '../../src/observability/metrics';
import { MemoryStore } from '../../src/state/memory/store';
import { line, order } from '../helpers/orders';

export type Name = keyof typeof METRIC_NAMES;

export interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/** Every sample of one metric (histograms: with `suffix` `_count`, `_sum` or `_bucket`). */
export async function samples(registry: Registry, name: Name, suffix = ''): Promise<Sample[]> {
  const fullName = `${DEFAULT_PREFIX}${METRIC_NAMES[name]}`;
  const metric = registry.getSingleMetric(fullName);
  if (metric === undefined) throw new Error(`${fullName} is not registered`);
  const { values } = (await metric.get()) as { values: Sample[] };
  return suffix === '' ? values : values.filter((sample) => sample.metricName === `${fullName}${suffix}`);
}

/** The value of the one series matching `labels` (0 when absent), read back from the registry. */
export async function value(
  registry: Registry,
  name: Name,
  labels: Record<string, string> = {},
  suffix = '',
): Promise<number> {
  const matching = (await samples(registry, name, suffix)).filter(
    (sample) =>
      Object.entries(labels).every(([key, wanted]) => String(sample.labels[key]) === wanted) &&
      (suffix !== '_bucket' || sample.labels.le === '+Inf'),
  );
  if (matching.length > 1)
    throw new Error(`${name} ${JSON.stringify(labels)} matches ${matching.length} series`);
  return matching[0]?.value ?? 0;
}

/** The sum over every series of a metric. */
export async function total(registry: Registry, name: Name): Promise<number> {
  return (await samples(registry, name)).reduce((sum, sample) => sum + sample.value, 0);
}

export const NOW = Date.parse('2026-11-11T00:00:00Z');

export interface Setup {
  registry: Registry;
  metrics: PriceGuardMetrics;
  store: MemoryStore;
  guard: Guard;
  clock: { now: number };
}

export function setup(
  policy: PolicyInput = {},
  options: MetricsOptions = {},
  store = new MemoryStore(),
): Setup {
  const registry = new Registry();
  const clock = { now: NOW };
  const metrics = createMetrics({ registry, clock: () => clock.now, ...options });
  const guard = new Guard({ policy: parsePolicy(policy), store, metrics, clock: () => clock.now });
  return { registry, metrics, store, guard, clock };
}

export const allowedOrder = () => order({ lines: [line('TEE-01', 150_000)] });
/** The Marc Jacobs glitch: a line discounted 100%, total zero. */
export const zeroTotalOrder = () => order({ lines: [line('MJ-TOTE-TIGER', 4_700_000, 4_700_000)] });
