// src/state/memory/price-history.ts
// SKU price history in process memory: one burst-resistant window and anchor per SKU and currency, bounded in SKUs.

import { historyKey, type SkuHistory } from '../../core/facts';
import { historySince, type Policy } from '../../core/policy';
import { type PriceSample, PriceWindow, windowLimits } from '../price-window';
import { isDeclaredSku, SkuCandidates } from '../sku-candidates';

interface Entry {
  window: PriceWindow;
  updatedAt: number;
}

/** The price windows of every SKU seen, least recently updated forgotten first beyond `maxSkus`. */
export class MemoryPriceHistory {
  private readonly entries = new Map<string, Entry>();
  /** SKUs sold once, not yet given a window. */
  private readonly candidates = new SkuCandidates();

  constructor(private readonly maxSkus: number) {}

  /** The history fact of a SKU at `now` (since its last scheduled price change), or undefined. */
  fact(sku: string, currency: string, policy: Policy, now: number): SkuHistory | undefined {
    const entry = this.entries.get(historyKey(sku, currency));
    if (entry === undefined || now - entry.updatedAt >= policy.history.ttlSeconds * 1000) return undefined;
    return entry.window.fact(historySince(policy, sku, currency, now));
  }

  /**
   * Adds samples and moves the SKU's anchor after them; `verified` ones (from approved holds) skip the per-bucket
   * limit and set the anchor to the median they make.
   */
  add(
    sku: string,
    currency: string,
    samples: readonly PriceSample[],
    policy: Policy,
    verified: boolean,
  ): void {
    const key = historyKey(sku, currency);
    const at = samples[0]?.at ?? 0;
    let incoming = samples;
    if (!verified && !this.entries.has(key) && !isDeclaredSku(policy, sku, currency, at)) {
      // A SKU the policy does not name gets its window at its second sale (see SkuCandidates).
      const admitted = this.candidates.admit(key, samples);
      if (admitted === undefined) return;
      incoming = admitted;
    }
    const entry = this.entry(key, at);
    const limits = windowLimits(policy.history);
    const added = incoming.filter((sample) => entry.window.add(sample, limits, verified));
    entry.updatedAt = Math.max(entry.updatedAt, ...incoming.map((sample) => sample.at));
    entry.window.follow(added, {
      since: historySince(policy, sku, currency, entry.updatedAt),
      minSamples: policy.history.minSamples,
      maxSamples: policy.history.maxSamples,
      followBp: policy.history.anchorFollowBp,
      accept: verified,
    });
  }

  /** Starts a SKU's history over at an accepted price. */
  rebase(sku: string, currency: string, price: number, now: number): void {
    const entry = this.entry(historyKey(sku, currency), now);
    entry.window.rebase(price, now);
    entry.updatedAt = now;
  }

  /** Forgets a SKU in every currency. */
  reset(sku: string): void {
    this.candidates.forget(sku);
    for (const key of [...this.entries.keys()]) {
      if (key.slice(key.indexOf(':') + 1) === sku) this.entries.delete(key);
    }
  }

  private entry(key: string, now: number): Entry {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      if (this.entries.size >= this.maxSkus) this.entries.delete(this.entries.keys().next().value!);
      entry = { window: new PriceWindow(), updatedAt: now };
    } else {
      this.entries.delete(key); // re-inserted below: the map is in recency order
    }
    this.entries.set(key, entry);
    return entry;
  }
}
