// src/state/redis/price-history.ts
// SKU price history in Redis: a list of recent paid unit prices per SKU and currency, cached locally, written behind.

import type { Cluster, Redis } from 'ioredis';
import { historyKey, medianOfSorted, type SkuHistory, sortAscending, sortedSamples } from '../../core/facts';
import type { Policy } from '../../core/policy';
import type { Logger } from '../../guard';
import { setLru, touchLru } from '../lru';
import type { Commands } from './commands';
import type { RedisKeys } from './keys';

interface HistoryEntry {
  /** Newest first, Redis samples plus this process's unflushed ones. */
  samples: number[];
  /** `samples` in ascending order, kept up to date by commits; undefined after a reload from Redis. */
  sorted: number[] | undefined;
  /** The fact over `samples`, computed once and shared by every order until the samples change. */
  fact: SkuHistory | undefined;
  pending: number[];
  fetchedAt: number;
  refreshing: boolean;
  maxSamples: number;
  ttlMs: number;
}

/** Options of the history cache, from the RedisStore options. */
export interface PriceHistoryOptions {
  historyRefreshMs: number;
  maxCachedSkus: number;
}

/**
 * The price history of every SKU the process has seen. Facts come from the local cache (refreshed in the
 * background once older than `historyRefreshMs`); samples of allowed orders are buffered and pushed at flush.
 */
export class RedisPriceHistory {
  private readonly entries = new Map<string, HistoryEntry>();

  constructor(
    private readonly client: Redis | Cluster,
    private readonly commands: Commands,
    private readonly keys: RedisKeys,
    private readonly options: PriceHistoryOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds the history of `sku` to `history` when the cache has it (refreshing it in the background when stale),
   * or returns a promise that loads it from Redis first.
   */
  lookup(
    sku: string,
    currency: string,
    policy: Policy,
    history: Map<string, SkuHistory>,
  ): Promise<void> | undefined {
    const key = historyKey(sku, currency);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return this.fetch(sku, currency, policy).then((fetched) => {
        if (fetched.samples.length > 0) history.set(key, this.fact(fetched));
      });
    }
    touchLru(this.entries, key, entry);
    if (Date.now() - entry.fetchedAt > this.options.historyRefreshMs) {
      void this.fetch(sku, currency, policy).catch(() => {});
    }
    if (entry.samples.length > 0) history.set(key, this.fact(entry));
    return undefined;
  }

  /** Buffers one sample of an allowed order; it is in this process's facts at once and in Redis at the next flush. */
  add(sku: string, currency: string, unitPaid: number, policy: Policy): void {
    const key = historyKey(sku, currency);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = this.newEntry(policy, 0);
      setLru(this.entries, key, entry, this.options.maxCachedSkus, busy);
    }
    entry.pending.push(unitPaid);
    entry.samples.unshift(unitPaid);
    if (entry.sorted) sortedSamples.add(entry.sorted, unitPaid);
    while (entry.samples.length > policy.history.maxSamples) {
      const dropped = entry.samples.pop()!;
      if (entry.sorted) sortedSamples.remove(entry.sorted, dropped);
    }
    entry.fact = undefined;
    entry.maxSamples = policy.history.maxSamples;
    entry.ttlMs = policy.history.ttlSeconds * 1000;
  }

  /** Pushes every buffered sample, one script call per SKU and currency; failed pushes stay buffered. */
  flush(): Array<Promise<void>> {
    const work: Array<Promise<void>> = [];
    for (const [key, entry] of this.entries) {
      if (entry.pending.length === 0) continue;
      const colon = key.indexOf(':');
      work.push(this.push(key.slice(colon + 1), key.slice(0, colon), entry).catch(() => {}));
    }
    return work;
  }

  /** Samples buffered and not yet written. */
  get unflushed(): number {
    let count = 0;
    for (const entry of this.entries.values()) count += entry.pending.length;
    return count;
  }

  /** Forgets a SKU's history in every currency, in Redis and in the cache. */
  async reset(sku: string): Promise<void> {
    await this.commands.historyReset(this.keys.sku(sku));
    for (const key of [...this.entries.keys()]) {
      if (key.slice(key.indexOf(':') + 1) === sku) this.entries.delete(key);
    }
  }

  private async push(sku: string, currency: string, entry: HistoryEntry): Promise<void> {
    const samples = entry.pending.splice(0);
    // Oldest first, so the list ends newest first after LPUSH.
    try {
      const remote = (await this.commands.historyPush(
        this.keys.sku(sku),
        currency,
        entry.maxSamples,
        entry.ttlMs,
        ...samples,
      )) as string[];
      entry.samples = [...[...entry.pending].reverse(), ...remote.map(Number)].slice(0, entry.maxSamples);
      entry.sorted = undefined;
      entry.fact = undefined;
      entry.fetchedAt = Date.now();
    } catch (error) {
      entry.pending.unshift(...samples.slice(-entry.maxSamples));
      this.logger.warn({ err: error, sku }, 'price guard: could not write price samples; will retry');
      throw error;
    }
  }

  private async fetch(sku: string, currency: string, policy: Policy): Promise<HistoryEntry> {
    const key = historyKey(sku, currency);
    let entry = this.entries.get(key);
    if (entry?.refreshing) return entry;
    if (entry) entry.refreshing = true;
    try {
      const remote = await this.client.lrange(
        `${this.keys.sku(sku)}:${currency}`,
        0,
        policy.history.maxSamples - 1,
      );
      entry = this.entries.get(key) ?? this.newEntry(policy, 0);
      entry.samples = [...[...entry.pending].reverse(), ...remote.map(Number)].slice(
        0,
        policy.history.maxSamples,
      );
      entry.sorted = undefined;
      entry.fact = undefined;
      entry.fetchedAt = Date.now();
      entry.maxSamples = policy.history.maxSamples;
      entry.ttlMs = policy.history.ttlSeconds * 1000;
      setLru(this.entries, key, entry, this.options.maxCachedSkus, busy);
      return entry;
    } finally {
      if (entry) entry.refreshing = false;
    }
  }

  private newEntry(policy: Policy, fetchedAt: number): HistoryEntry {
    return {
      samples: [],
      sorted: [],
      fact: undefined,
      pending: [],
      fetchedAt,
      refreshing: false,
      maxSamples: policy.history.maxSamples,
      ttlMs: policy.history.ttlSeconds * 1000,
    };
  }

  private fact(entry: HistoryEntry): SkuHistory {
    entry.sorted ??= sortAscending(entry.samples);
    entry.fact ??= { samples: entry.sorted.length, median: medianOfSorted(entry.sorted) };
    return entry.fact;
  }
}

/** An entry with samples not yet written must not be evicted. */
function busy(entry: HistoryEntry): boolean {
  return entry.pending.length > 0;
}
