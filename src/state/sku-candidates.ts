// src/state/sku-candidates.ts
// SKUs seen once, not yet worth a price window: a bounded list, so a flood of made-up SKUs can neither grow a
// store's memory nor push the history of real SKUs out of it.

import { type Policy, referenceListPrice } from '../core/policy';

/** One paid unit price and when it was paid (epoch ms). */
type Sample = { price: number; at: number };

/** Most SKUs held as candidates at once (least recent forgotten first). */
export const MAX_SKU_CANDIDATES = 10_000;

/**
 * The SKUs (per currency) sold once and not yet given a window, with that first sale's samples. A SKU gets its
 * window at its second sale, with the first one's samples carried in: nothing a window would use is lost (a SKU
 * sold once has far fewer samples than the history rules judge from), and a flood of distinct SKUs, each sold once,
 * costs at most `MAX_SKU_CANDIDATES` small entries.
 */
export class SkuCandidates {
  private readonly seen = new Map<string, Sample[]>();

  constructor(private readonly max = MAX_SKU_CANDIDATES) {}

  /** Notes a sale of `key`; returns every sample to put in its new window from the second sale on, else undefined. */
  admit(key: string, samples: readonly Sample[]): Sample[] | undefined {
    const earlier = this.seen.get(key);
    if (earlier !== undefined) {
      this.seen.delete(key);
      return [...earlier, ...samples];
    }
    this.seen.set(key, samples.slice(0, 10));
    if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value!);
    return undefined;
  }

  /** Forgets a SKU's candidate samples in every currency (`resetHistory`). */
  forget(sku: string): void {
    for (const key of [...this.seen.keys()])
      if (key.slice(key.indexOf(':') + 1) === sku) this.seen.delete(key);
  }

  /** How many SKUs are candidates. */
  get size(): number {
    return this.seen.size;
  }
}

/** True when the policy names the SKU (a catalog price, a price change, a floor): its window is made at once. */
export function isDeclaredSku(policy: Policy, sku: string, currency: string, now: number): boolean {
  return (
    referenceListPrice(policy, sku, currency, now) !== undefined ||
    policy.floors[sku] !== undefined ||
    policy.campaigns.some((campaign) => campaign.skus?.includes(sku))
  );
}
