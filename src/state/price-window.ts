// src/state/price-window.ts
// One SKU's recent paid prices in one currency: a window a burst cannot own, its median, and an accepted price.

import { medianOfSorted, type SkuHistory, sortAscending, sortedSamples } from '../core/facts';
import {
  type AnchorRecord,
  acceptedAnchor,
  anchorFact,
  type FollowSettings,
  followAnchor,
} from './price-anchor';

/** One paid unit price and when it was paid (epoch ms). */
export interface PriceSample {
  price: number;
  at: number;
}

/** How the window is bounded: its size, and how many samples one time bucket may contribute. */
export interface WindowLimits {
  maxSamples: number;
  bucketMs: number;
  perBucket: number;
}

/**
 * The window keeps the newest `maxSamples` samples, at most `perBucket` from any one `bucketMs` bucket (a busy
 * half hour cannot fill it, so it cannot own the median). Samples on-call verified (approved holds) skip the
 * bucket limit. The median can be asked for since a time (a scheduled price change rebases the history). The
 * anchor (accepted by on-call or learned, see price-anchor.ts) stands in until samples build up, and is judged
 * beside the median after.
 */
export class PriceWindow {
  /** Oldest first. */
  private samples: PriceSample[] = [];
  /** Prices of `samples`, ascending, kept in step. */
  private sorted: number[] = [];
  private readonly perBucketCount = new Map<number, number>();
  private cached: { since: number | undefined; fact: SkuHistory } | undefined;
  anchor: AnchorRecord | undefined;

  /** Samples in the window. */
  get size(): number {
    return this.samples.length;
  }

  /** The samples, oldest first (for writing to another store). */
  entries(): readonly PriceSample[] {
    return this.samples;
  }

  /** Adds a sample unless its bucket is full (verified samples always enter); returns whether it entered. */
  add(sample: PriceSample, limits: WindowLimits, verified = false): boolean {
    const bucket = Math.floor(sample.at / limits.bucketMs);
    const inBucket = this.perBucketCount.get(bucket) ?? 0;
    if (!verified && inBucket >= limits.perBucket) return false;
    this.perBucketCount.set(bucket, inBucket + 1);
    this.samples.push(sample);
    sortedSamples.add(this.sorted, sample.price);
    while (this.samples.length > limits.maxSamples) this.evictOldest(limits);
    this.cached = undefined;
    return true;
  }

  /** Replaces the samples (oldest first) and the anchor, as another store holds them. */
  replace(samples: readonly PriceSample[], anchor: AnchorRecord | undefined, limits: WindowLimits): void {
    this.samples = [...samples];
    this.sorted = sortAscending(this.samples.map((sample) => sample.price));
    this.perBucketCount.clear();
    for (const sample of this.samples) {
      const bucket = Math.floor(sample.at / limits.bucketMs);
      this.perBucketCount.set(bucket, (this.perBucketCount.get(bucket) ?? 0) + 1);
    }
    this.anchor = anchor;
    this.cached = undefined;
  }

  /** Starts over at an accepted price: no samples, the anchor set. */
  rebase(price: number, at: number): void {
    this.samples = [];
    this.sorted = [];
    this.perBucketCount.clear();
    this.anchor = acceptedAnchor(price, at);
    this.cached = undefined;
  }

  /** Moves the anchor after `added` samples entered the window (see `followAnchor`). */
  follow(added: readonly PriceSample[], settings: FollowSettings): void {
    const anchor = followAnchor(this.anchor, this.samples, added, settings);
    if (anchor === this.anchor) return;
    this.anchor = anchor;
    this.cached = undefined;
  }

  /** The history fact over the samples paid at or after `since` (all when undefined); undefined when empty. */
  fact(since: number | undefined): SkuHistory | undefined {
    if (this.cached !== undefined && this.cached.since === since) return this.cached.fact;
    const after = since === undefined ? this.samples : this.samples.filter((sample) => sample.at >= since);
    if (after.length === 0 && this.anchor === undefined) return undefined;
    const sorted =
      after.length === this.samples.length ? this.sorted : sortAscending(after.map((sample) => sample.price));
    const fact: SkuHistory = {
      samples: sorted.length,
      median: medianOfSorted(sorted),
      ...(this.anchor === undefined ? {} : { anchor: anchorFact(this.anchor) }),
    };
    this.cached = { since, fact };
    return fact;
  }

  private evictOldest(limits: WindowLimits): void {
    const oldest = this.samples.shift()!;
    sortedSamples.remove(this.sorted, oldest.price);
    const bucket = Math.floor(oldest.at / limits.bucketMs);
    const left = (this.perBucketCount.get(bucket) ?? 1) - 1;
    if (left <= 0) this.perBucketCount.delete(bucket);
    else this.perBucketCount.set(bucket, left);
  }
}

/** The window limits of a policy's history section. */
export function windowLimits(history: {
  maxSamples: number;
  bucketSeconds: number;
  perBucket: number;
}): WindowLimits {
  return {
    maxSamples: history.maxSamples,
    bucketMs: history.bucketSeconds * 1000,
    perBucket: history.perBucket,
  };
}
