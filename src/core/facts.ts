// src/core/facts.ts
// What stateful rules know about the world (price history, voucher use), handed to the pure core by a store.

/** Recent prices shoppers paid for one SKU in one currency. */
export interface SkuHistory {
  /** How many samples the median is over (those since the last rebase). */
  samples: number;
  /** Median paid unit price, minor units (0 without samples). */
  median: number;
  /**
   * The SKU's anchor: a price only people, declarations or a slow daily follow move, so a drift in small steps
   * that the median follows cannot walk it. Judged against until samples build up, and beside the median after.
   */
  anchor?: PriceAnchor;
}

/** What a SKU's price is anchored to (see `SkuHistory.anchor`), in minor units of the history's currency. */
export interface PriceAnchor {
  /** The anchor price: a paid unit price. */
  price: number;
  /** When it was set: accepted by on-call, or first learned from the median (epoch ms). */
  at: number;
  /**
   * `accepted`: on-call accepted the price (`acceptPrice`, or approving holds at it); `learned`: the SKU's usual
   * price, learned from its median and following it by at most `history.anchorFollowBp` a day.
   */
  source: 'accepted' | 'learned';
  /** The latest sample paid at or above the anchor price (epoch ms): when a fall from it began, at the latest. */
  lastAbove?: number;
  /** The latest sample paid at or below the anchor price (epoch ms): when a rise from it began, at the latest. */
  lastBelow?: number;
}

/** Redemptions of a code counted over one window ending now. */
export interface WindowCount {
  seconds: number;
  /** Redemption attempts in the window, this order's included. */
  count: number;
}

/** What the store knows about one voucher code at the moment of this order (this order's attempt included). */
export interface VoucherState {
  /** Attempts in each of the policy's velocity windows, shortest first. */
  windows: readonly WindowCount[];
  /** Redemption attempts in the baseline period before the longest window. */
  baselineCount: number;
  /** Length of the baseline period the store actually has data for, in seconds (less than the policy's while young). */
  baselineSeconds: number;
  /** Set once velocity tripped; the code stays tripped until its rate is normal again (or on-call clears it). */
  trippedAt?: number;
  /** When the code's rate was last found anomalous. */
  anomalousAt?: number;
  /** On-call extended the trip: it does not end by itself before this time. */
  stickyUntil?: number;
  /** Uses reserved so far, this order included, when the code has a hard `maxUses`. */
  uses?: number;
  /** Uses reserved by this customer so far, this order included, when the code has `maxUsesPerCustomer`. */
  customerUses?: number;
  /** Set when a hard cap refused this order's reservation. */
  limitReached?: 'maxUses' | 'maxUsesPerCustomer';
  /** Discount already granted in the budget window before this order, in the order's currency. */
  budgetUsed?: number;
  /**
   * The code's uses per value of each trait (voucher-traits.ts), counted like `windows` and `baselineCount`: what
   * a trip is scoped by. Present for the codes the policy names, when the store counts traits.
   */
  traits?: readonly TraitCount[];
  /** Set while the code is tripped for one segment of its uses only: the uses outside it go on. */
  scope?: TripScope;
  /** When a scoped trip widened to every use (its normal use surged too). */
  widenedAt?: number;
}

/** A trait a code's uses are told apart by (voucher-traits.ts TRAITS: the order a trip is scoped by them). */
export type Trait = 'stacked' | 'customer' | 'payment';

/** A code's uses with one value of one trait, counted like the code's (see VoucherState). */
export interface TraitCount {
  trait: Trait;
  /** The value: `+`-joined other codes (`''`: alone), `,`-joined segments (`''`: none), or the payment method. */
  value: string;
  windows: readonly WindowCount[];
  baselineCount: number;
}

/**
 * A trip limited to the surge's segment: uses whose `trait` has one of the `normal` values (the code's normal
 * use, by the same statistics as the trip) go on; the rest are held.
 */
export interface TripScope {
  trait: Trait;
  /** The values of the code's normal use; uses with another value (or one never seen) are the segment. */
  normal: string[];
  /** The values that carried the surge, most used first: what reasons and the incident name. */
  surge: string[];
}

/** The shop's order counts, as a code's: per velocity window, and over the baseline before them. */
export type TrafficState = Pick<VoucherState, 'windows' | 'baselineCount' | 'baselineSeconds'>;

/**
 * The name orders are counted under as if they were a code: lower case, so no canonical (upper-case) voucher code
 * can ever be it.
 */
export const TRAFFIC = '*orders';

/** Facts for one order. A missing entry means the store has nothing (a new SKU, an untracked code). */
export interface Facts {
  /** Keyed by `historyKey(sku, currency)`. */
  history: ReadonlyMap<string, SkuHistory>;
  vouchers: ReadonlyMap<string, VoucherState>;
  /**
   * All orders (with or without a code), counted like a code: a code that rises with the shop's traffic (a
   * national shopping day) is not surging; one that outgrows it is. Absent while the store has no count yet.
   */
  traffic?: TrafficState;
  /** Kinds of facts the store could not provide (e.g. Redis down): the rules that need them abstain. */
  unavailable: ReadonlySet<'history' | 'vouchers'>;
}

/** Key of a SKU's history: prices are only comparable within one currency. */
export function historyKey(sku: string, currency: string): string {
  return `${currency}:${sku}`;
}

/** Facts of a store that knows nothing yet. */
export const NO_FACTS: Facts = Object.freeze({
  history: new Map(),
  vouchers: new Map(),
  unavailable: new Set<'history' | 'vouchers'>(),
});

/** Median of integer samples, rounded down when the count is even (minor units stay integers). */
export function median(values: readonly number[]): number {
  return medianOfSorted(sortAscending(values));
}

/** A sorted copy of integer samples. */
export function sortAscending(values: readonly number[]): number[] {
  // A typed-array sort is numeric and several times faster than a comparator sort; every safe integer is
  // exact in a float64, so nothing is rounded.
  return Array.from(Float64Array.from(values).sort());
}

/** Median of samples already in ascending order; 0 when there are none. */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  if (sorted.length === 0) return 0;
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[middle]!;
  const low = sorted[middle - 1]!;
  return low + Math.floor((sorted[middle]! - low) / 2);
}

/** Where `value` goes in an ascending array: the first index whose element is not below it. */
function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Keeps a SKU's price window sorted as samples come and go, so reading its median costs O(1) instead of a
 * sort per order line: `add` a new sample, `remove` the one that fell out of the window.
 */
export const sortedSamples = {
  add(sorted: number[], value: number): void {
    sorted.splice(lowerBound(sorted, value), 0, value);
  },
  remove(sorted: number[], value: number): void {
    const index = lowerBound(sorted, value);
    if (sorted[index] === value) sorted.splice(index, 1);
  },
};
