// src/facts.ts
// What stateful rules know about the world (price history, voucher use), handed to the pure core by a store.

/** Recent prices shoppers paid for one SKU in one currency. */
export interface SkuHistory {
  /** How many samples the median is over. */
  samples: number;
  /** Median paid unit price, minor units. */
  median: number;
}

/** What the store knows about one voucher code at the moment of this order (this order's attempt included). */
export interface VoucherState {
  /** Redemption attempts in the velocity window, including this order. */
  windowCount: number;
  /** Redemption attempts in the baseline period before the window. */
  baselineCount: number;
  /** Length of the baseline period the store actually has data for, in seconds (less than the policy's while young). */
  baselineSeconds: number;
  /** Set once velocity tripped; the code stays tripped until on-call clears it. */
  trippedAt?: number;
  /** Uses reserved so far, this order included, when the code has a hard `maxUses`. */
  uses?: number;
  /** Uses reserved by this customer so far, this order included, when the code has `maxUsesPerCustomer`. */
  customerUses?: number;
  /** Set when a hard cap refused this order's reservation. */
  limitReached?: 'maxUses' | 'maxUsesPerCustomer';
  /** Discount already granted in the budget window before this order, in the order's currency. */
  budgetUsed?: number;
}

/** Facts for one order. A missing entry means the store has nothing (a new SKU, an untracked code). */
export interface Facts {
  /** Keyed by `historyKey(sku, currency)`. */
  history: ReadonlyMap<string, SkuHistory>;
  vouchers: ReadonlyMap<string, VoucherState>;
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
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[middle]!;
  const low = sorted[middle - 1]!;
  return low + Math.floor((sorted[middle]! - low) / 2);
}
