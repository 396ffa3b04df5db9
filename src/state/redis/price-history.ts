// src/state/redis/price-history.ts
// SKU price history in Redis: recent paid prices per SKU and currency, cached locally in windows, written behind.

import { historyKey, type SkuHistory } from '../../core/facts';
import { historySince, type Policy } from '../../core/policy';
import type { Logger } from '../../ports/logger';
import { setLru, touchLru } from '../lru';
import { anchorFromRedis } from '../price-anchor';
import { type PriceSample, PriceWindow, type WindowLimits, windowLimits } from '../price-window';
import type { Commands } from './commands';
import type { RedisKeys } from './keys';

interface HistoryEntry {
  /** Redis's samples plus this process's unflushed ones. */
  window: PriceWindow;
  /** Samples to write, oldest first; `verified` ones (approved holds) skip the bucket limit. */
  pending: Array<PriceSample & { verified: boolean }>;
  fetchedAt: number;
  refreshing: boolean;
  limits: WindowLimits;
  ttlMs: number;
  /** Cached only until its samples are written (Redis had nothing for the SKU when it was first sold here). */
  transient: boolean;
  /** What the anchor follows by (from the policy of the latest samples): since, minSamples, followBp. */
  follow: { since: number | undefined; minSamples: number; followBp: number };
}

/** Options of the history cache, from the RedisStore options. */
export interface PriceHistoryOptions {
  historyRefreshMs: number;
  maxCachedSkus: number;
}

/** Most SKU names remembered as having no history in Redis (a flood of made-up SKUs stops here). */
const MAX_ABSENT = 10_000;

/** `price:epochMs`, as samples are stored. */
const encode = (sample: PriceSample) => `${sample.price}:${sample.at}`;

/** A stored sample; a bare price (written by an older version) counts as paid at 0. */
function decode(entry: string): PriceSample {
  const colon = entry.indexOf(':');
  return colon < 0
    ? { price: Number(entry), at: 0 }
    : { price: Number(entry.slice(0, colon)), at: Number(entry.slice(colon + 1)) };
}

/**
 * The price history of every SKU the process has seen. Facts come from the local cache (refreshed in the
 * background once older than `historyRefreshMs`); samples of allowed orders are buffered and pushed at flush, where
 * Redis applies the per-bucket limit across every instance.
 */
export class RedisPriceHistory {
  private readonly entries = new Map<string, HistoryEntry>();
  /** SKUs Redis had no history for, by when that was read (wall clock): at most MAX_ABSENT. */
  private readonly absent = new Map<string, number>();

  constructor(
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
    now: number,
    history: Map<string, SkuHistory>,
  ): Promise<void> | undefined {
    const key = historyKey(sku, currency);
    const since = historySince(policy, sku, currency, now);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      // A SKU Redis had nothing for a moment ago is not asked again before the refresh interval (a flood of
      // made-up SKUs reads each once and caches nothing but its name, for a while).
      const absentSince = this.absent.get(key);
      if (absentSince !== undefined && Date.now() - absentSince <= this.options.historyRefreshMs)
        return undefined;
      return this.fetch(sku, currency, policy).then((fetched) => {
        const fact = fetched.window.fact(since);
        if (fact !== undefined) history.set(key, fact);
      });
    }
    touchLru(this.entries, key, entry);
    if (Date.now() - entry.fetchedAt > this.options.historyRefreshMs) {
      void this.fetch(sku, currency, policy).catch(() => {});
    }
    const fact = entry.window.fact(since);
    if (fact !== undefined) history.set(key, fact);
    return undefined;
  }

  /** Buffers samples; they are in this process's facts at once and in Redis at the next flush. */
  add(
    sku: string,
    currency: string,
    samples: readonly PriceSample[],
    policy: Policy,
    verified: boolean,
  ): void {
    const key = historyKey(sku, currency);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      // Cached only until its samples are written: the SKU is cached once Redis has history for it (next read).
      entry = this.newEntry(policy, 0);
      entry.transient = true;
      this.absent.delete(key);
      setLru(this.entries, key, entry, this.options.maxCachedSkus, busy);
    }
    entry.limits = windowLimits(policy.history);
    entry.ttlMs = policy.history.ttlSeconds * 1000;
    entry.follow = followOf(policy, sku, currency, samples.at(-1)?.at ?? 0);
    for (const sample of samples) {
      if (entry.window.add(sample, entry.limits, verified))
        entry.pending.push({ price: sample.price, at: sample.at, verified });
    }
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

  /** Starts a SKU's history in one currency over at an accepted price, in Redis and in the cache. */
  async rebase(sku: string, currency: string, price: number, policy: Policy, now: number): Promise<void> {
    await this.commands.historyAccept(
      this.keys.sku(sku),
      currency,
      price,
      now,
      policy.history.ttlSeconds * 1000,
    );
    const key = historyKey(sku, currency);
    const entry = this.entries.get(key) ?? this.newEntry(policy, Date.now());
    entry.window.rebase(price, now);
    this.absent.delete(key);
    entry.pending = [];
    entry.fetchedAt = Date.now();
    setLru(this.entries, key, entry, this.options.maxCachedSkus, busy);
  }

  /** Forgets a SKU's history in every currency, in Redis and in the cache. */
  async reset(sku: string): Promise<void> {
    await this.commands.historyReset(this.keys.sku(sku));
    for (const key of [...this.absent.keys()])
      if (key.slice(key.indexOf(':') + 1) === sku) this.absent.delete(key);
    for (const key of [...this.entries.keys()]) {
      if (key.slice(key.indexOf(':') + 1) === sku) this.entries.delete(key);
    }
  }

  private async push(sku: string, currency: string, entry: HistoryEntry): Promise<void> {
    const samples = entry.pending.splice(0);
    try {
      const args: Array<string | number> = [];
      for (const sample of samples) args.push(encode(sample), sample.verified ? 1 : 0);
      const [remote, anchor, legacy] = (await this.commands.historyPush(
        this.keys.sku(sku),
        currency,
        entry.limits.maxSamples,
        entry.ttlMs,
        entry.limits.bucketMs,
        entry.limits.perBucket,
        entry.follow.since ?? -1,
        entry.follow.minSamples,
        entry.follow.followBp,
        ...args,
      )) as [string[], string[], string];
      this.load(entry, remote, anchor, legacy);
      const key = historyKey(sku, currency);
      if (entry.transient && entry.pending.length === 0 && this.entries.get(key) === entry) {
        this.entries.delete(key);
      }
    } catch (error) {
      entry.pending.unshift(...samples.slice(-entry.limits.maxSamples));
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
      const [remote, anchor, legacy] = (await this.commands.historyRead(
        this.keys.sku(sku),
        currency,
        policy.history.maxSamples,
      )) as [string[], string[], string];
      const cached = this.entries.get(key);
      entry = cached ?? this.newEntry(policy, 0);
      entry.limits = windowLimits(policy.history);
      entry.ttlMs = policy.history.ttlSeconds * 1000;
      this.load(entry, remote, anchor, legacy);
      if (cached === undefined && remote.length === 0 && anchor.length === 0 && legacy === '') {
        // Nothing in Redis: remember the name only, bounded, instead of caching an empty window.
        setLru(this.absent, key, Date.now(), MAX_ABSENT);
        return entry;
      }
      entry.transient = false;
      setLru(this.entries, key, entry, this.options.maxCachedSkus, busy);
      return entry;
    } finally {
      if (entry) entry.refreshing = false;
    }
  }

  /**
   * Replaces the cached window with Redis's samples (newest first) plus the ones still to write, and the anchor
   * with Redis's (its fields, or the accepted price an older version kept).
   */
  private load(
    entry: HistoryEntry,
    remote: readonly string[],
    anchor: readonly string[],
    legacy: string,
  ): void {
    const samples = remote.map(decode).reverse();
    samples.push(...entry.pending.map(({ price, at }) => ({ price, at })));
    entry.window.replace(
      samples.slice(-entry.limits.maxSamples),
      anchorFromRedis(anchor, legacy),
      entry.limits,
    );
    entry.fetchedAt = Date.now();
  }

  private newEntry(policy: Policy, fetchedAt: number): HistoryEntry {
    return {
      window: new PriceWindow(),
      pending: [],
      fetchedAt,
      refreshing: false,
      limits: windowLimits(policy.history),
      ttlMs: policy.history.ttlSeconds * 1000,
      follow: followOf(policy, '', '', 0),
      transient: false,
    };
  }
}

/** What a SKU's anchor follows by under `policy` at `at`. */
function followOf(policy: Policy, sku: string, currency: string, at: number): HistoryEntry['follow'] {
  return {
    since: sku === '' ? undefined : historySince(policy, sku, currency, at),
    minSamples: policy.history.minSamples,
    followBp: policy.history.anchorFollowBp,
  };
}

/** An entry with samples not yet written must not be evicted. */
function busy(entry: HistoryEntry): boolean {
  return entry.pending.length > 0;
}
