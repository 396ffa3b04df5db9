// src/observability/registrar.ts
// Registers the metrics on one registry under one prefix with the constant labels, naming the clash when it fails.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { MetricsOptionsError, type ResolvedMetricsOptions } from './metrics-options';

/** Makes the metrics of one createMetrics call; every metric gets the prefix and the constant labels. */
export interface Registrar {
  /** The names of the constant labels, appended to every metric's own label names. */
  readonly constantNames: string[];
  /** A metric's own labels with the constant labels added (the same object when there are none). */
  withConstants(labels: Record<string, string>): Record<string, string>;
  /** A counter with the given own label names. */
  counter(name: string, help: string, labelNames: string[]): Counter;
  /** A histogram with the given own label names and buckets. */
  histogram(name: string, help: string, labelNames: string[], buckets: readonly number[]): Histogram;
  /**
   * A gauge set by the process (not read at a scrape). Every worker of `serve --workers` sets the same value from
   * the same policy, so the cluster's sum takes it once (`aggregator: 'max'`).
   */
  gauge(name: string, help: string, labelNames: string[]): Gauge;
  /**
   * A gauge read from the shared store at each scrape: every worker of `serve --workers` reports the same value,
   * so the cluster's sum takes it once (`aggregator: 'max'`).
   */
  storeGauge(name: string, help: string, labelNames: string[], read: (gauge: Gauge) => Promise<void>): Gauge;
}

/** A registrar for resolved options: their registry, prefix and constant labels. */
export function createRegistrar(
  config: Pick<ResolvedMetricsOptions, 'registry' | 'prefix' | 'labels'>,
): Registrar {
  const { prefix } = config;
  const constantNames = Object.keys(config.labels);
  const hasConstants = constantNames.length > 0;
  const registers: Registry[] = [config.registry];
  const withConstants = (labels: Record<string, string>) =>
    hasConstants ? { ...config.labels, ...labels } : labels;

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

  // A gauge every worker sets (or reads) alike: the cluster reports the largest value once, not the sum.
  const maxGauge = (
    name: string,
    help: string,
    labelNames: string[],
    collect?: (this: Gauge) => Promise<void>,
  ) =>
    register(
      name,
      (fullName) =>
        new Gauge({
          name: fullName,
          help,
          labelNames: [...labelNames, ...constantNames],
          registers,
          aggregator: 'max',
          ...(collect ? { collect } : {}),
        }),
    );
  return {
    constantNames,
    withConstants,
    counter: (name, help, labelNames) =>
      register(
        name,
        (fullName) =>
          new Counter({ name: fullName, help, labelNames: [...labelNames, ...constantNames], registers }),
      ),
    histogram: (name, help, labelNames, buckets) =>
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
      ),
    gauge: (name, help, labelNames) => maxGauge(name, help, labelNames),
    storeGauge: (name, help, labelNames, read) =>
      maxGauge(name, help, labelNames, async function collect(this: Gauge) {
        await read(this);
      }),
  };
}

/** A non-negative finite number, or 0: a metric call must never throw on the hot path. */
export function amount(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
