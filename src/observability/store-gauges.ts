// src/observability/store-gauges.ts
// The gauges read from the store at each scrape: holds by status, oldest pending age, money pending, webhook outbox.

import type { GuardStore, HoldStatus, MoneyAtStake } from '../ports/store';
import { withTimeout } from '../ports/timeout';
import { currencyLabel, HOLD_STATUSES, PENDING_AMOUNTS } from './labels';
import { METRIC_NAMES } from './metric-names';
import { MetricsOptionsError, type ResolvedMetricsOptions } from './metrics-options';
import { amount, type Registrar } from './registrar';
import { INSTRUMENTED } from './store-operations';

/** What the store gauges need besides the registrar. */
export interface StoreGaugeDeps
  extends Pick<ResolvedMetricsOptions, 'queueStatsTimeoutMs' | 'clock' | 'currencies'> {
  /** Times one store call, for a queueStats call on a store that instrumentStore does not already time. */
  storeCall(operation: string, seconds: number, ok: boolean): void;
}

/** Sets which store and outbox the gauges read; each call replaces the earlier one. */
export interface StoreGauges {
  /** Reports the review queue of `store` at every scrape. */
  watchQueue(store: GuardStore): void;
  /** Reports the webhook outbox size `read` returns at every scrape (undefined: no outbox, no series). */
  watchOutbox(read: () => number | undefined | Promise<number | undefined>): void;
}

/** Registers the four store gauges (after the counters, so the exposition keeps its order). */
export function registerStoreGauges(registrar: Registrar, deps: StoreGaugeDeps): StoreGauges {
  const { withConstants } = registrar;
  const { queueStatsTimeoutMs, clock, storeCall } = deps;
  // Currencies whose pending money is shown at 0 rather than absent: the configured ones, and any that had pending
  // holds since the start (a currency whose holds were all decided reads 0, not "no data").
  const zeroCurrencies = new Set(deps.currencies.map(currencyLabel));
  let watched: GuardStore | undefined;
  let inflight: Promise<void> | undefined;
  let queueValues:
    | { byStatus: Record<HoldStatus, number>; age: number; pendingValue?: Record<string, MoneyAtStake> }
    | undefined;

  // The queue gauges collect in the same scrape: share one queueStats call between them.
  const refreshQueue = (): Promise<void> => {
    const store = watched;
    if (store === undefined) return Promise.resolve();
    inflight ??= (async () => {
      const started = process.hrtime.bigint();
      const now = clock();
      let ok = true;
      try {
        const stats = await withTimeout(store.queueStats(now), queueStatsTimeoutMs, 'queueStats');
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

  registrar.storeGauge(
    METRIC_NAMES.queueHolds,
    'Held orders in the review queue, by status (read from the store at each scrape).',
    ['status'],
    async (gauge) => {
      await refreshQueue();
      // Before the first read (no store watched yet): 0 held orders, not "no data".
      for (const status of HOLD_STATUSES) {
        gauge.set(withConstants({ status }), queueValues?.byStatus[status] ?? 0);
      }
    },
  );
  registrar.storeGauge(
    METRIC_NAMES.queueOldestPendingAge,
    'Age of the oldest pending hold in seconds, 0 when none is pending (read from the store at each scrape).',
    [],
    async (gauge) => {
      await refreshQueue();
      if (queueValues !== undefined) gauge.set(withConstants({}), queueValues.age);
    },
  );
  registrar.storeGauge(
    METRIC_NAMES.pendingValue,
    'Money in pending holds per currency, in minor units: exposure (what they leave unpaid of their list value: discounts plus tampered totals, the money at stake), overcharge (charged beyond their recomputed totals), list_value, discount (given away) and total (to collect). 0 for a currency with nothing pending.',
    ['currency', 'amount'],
    async (gauge) => {
      await refreshQueue();
      gauge.reset();
      const pending = queueValues?.pendingValue ?? {};
      const zero = () => PENDING_AMOUNTS.map(() => 0);
      const sums = new Map<string, number[]>();
      for (const currency of zeroCurrencies) sums.set(currency, zero());
      for (const [code, money] of Object.entries(pending)) {
        const currency = currencyLabel(code);
        zeroCurrencies.add(currency);
        const sum = sums.get(currency) ?? zero();
        const values = [money.listValue, money.discount, money.total, money.exposure, money.overcharge];
        // amount() reads a missing or non-finite value (a custom store of an earlier contract) as 0, never NaN.
        values.forEach((value, index) => {
          sum[index]! += amount(value);
        });
        sums.set(currency, sum);
      }
      for (const [currency, sum] of sums) {
        PENDING_AMOUNTS.forEach((name, index) => {
          gauge.set(withConstants({ currency, amount: name }), sum[index]!);
        });
      }
    },
  );

  let readOutbox: (() => number | undefined | Promise<number | undefined>) | undefined;
  let outboxValue: number | undefined;
  registrar.storeGauge(
    METRIC_NAMES.webhookOutbox,
    'Webhook deliveries waiting in the outbox (one per event and endpoint). 0 when no outbox is watched (no webhook endpoint configured).',
    [],
    async (gauge) => {
      const read = readOutbox;
      if (read !== undefined) {
        try {
          const size = await withTimeout(read(), queueStatsTimeoutMs, 'webhook outbox size');
          outboxValue = typeof size === 'number' && Number.isFinite(size) ? amount(size) : undefined;
        } catch {
          // keep the last value: a slow outbox store must not fail or hang the scrape
        }
      }
      // No outbox (webhooks off) is 0 waiting, so the panel and the outbox alert see a series from the start.
      gauge.set(withConstants({}), outboxValue ?? 0);
    },
  );

  return {
    watchQueue(store) {
      if (store === null || typeof store !== 'object' || typeof store.queueStats !== 'function') {
        throw new MetricsOptionsError('watchQueue(store) needs a GuardStore with a queueStats(now) method');
      }
      watched = store;
      queueValues = undefined;
    },
    watchOutbox(read) {
      if (typeof read !== 'function') {
        throw new MetricsOptionsError(
          'watchOutbox(read) needs a function returning the number of deliveries waiting (or a promise of it)',
        );
      }
      readOutbox = read;
      outboxValue = undefined;
    },
  };
}
