// src/core/preflight/lowest.ts
// The lowest unit price the promotions allow: the campaign price, then the heaviest valid stack of codes, exactly.

/*
 * The model (docs/preflight.md states it for users). A line of the SKU is at its list price L, or at the deepest
 * price of the campaign that covers it, L × (1 − cap): quantities make every share of that reachable, so the bound
 * is the exact rational, not the one-unit rounding. Codes are spread over the order pro rata, so the line keeps
 * the share D / S of the order's subtotal S that the codes take off (D), whatever else the order holds:
 *
 *   unit price = p × (1 − min(1, D / S)),   S = max(p, largest minSubtotal of the codes)
 *
 * where a fixed code takes its amount and a percent code its share of S, capped by its max (voucher_terms allows
 * no more). D / S only falls as S grows, so the smallest order the codes accept is the cheapest, and a valid
 * set of codes (each usable at the instant, each allowing the others, `withCampaigns` respected, one payment method
 * and one customer for all) is searched at each subtotal a code's minimum makes. Amounts are BigInt in units of
 * 10^-8 of the minor unit, where every campaign price and percentage of it is a whole number.
 */

import { matchesPattern } from '../rules/vouchers';

/** Units of a minor unit in the exact arithmetic: 10,000 (basis points) squared. */
export const SCALE = 100_000_000n;
const BP = 10_000n;

/** A code that can be stacked in one currency: its terms reduced to what the search needs. */
export interface StackableCode {
  code: string;
  /** `minSubtotal` in this currency, in minor units (0 without one). */
  minSubtotal: number;
  discount: { amount: number } | { percentBp: number; max: number | undefined };
  /** Allowed on lines at a campaign price (`withCampaigns` is not false). */
  withCampaigns: boolean;
  /** `stackable` as configured: true, false or the codes it may go with. */
  stackable: boolean | readonly string[];
  paymentMethods: readonly string[] | undefined;
  customerIds: readonly string[] | undefined;
}

/** The exact lowest unit price and how it is reached. */
export interface ExactLowest {
  /** The unit price is num / den, in units of 10^-8 of the minor unit. */
  num: bigint;
  den: bigint;
  /** The price before codes, scaled: L × (10,000 − discountBp) × 10,000. */
  before: bigint;
  /** The campaign discount taken, in basis points of list (0: the list price). */
  campaignDiscountBp: number;
  /** The codes stacked, largest share first. */
  codes: string[];
  /** The subtotal the codes need when more than the line alone, in minor units; else null. */
  minSubtotal: number | null;
}

/** The unit price rounded down to the minor unit. */
export function floorPrice(lowest: Pick<ExactLowest, 'num' | 'den'>): number {
  return Number(lowest.num / (lowest.den * SCALE));
}

/** `a` is strictly below `b` (non-negative fractions). */
function lessThan(a: { num: bigint; den: bigint }, b: { num: bigint; den: bigint }): boolean {
  return a.num * b.den < b.num * a.den;
}

/** The heaviest valid stack at one subtotal: what it takes off (at most the subtotal) and the codes, as indices. */
interface Stack {
  taken: bigint;
  chosen: number[];
}

/** A stack with the subtotal it is for. */
interface Placed {
  subtotal: bigint;
  stack: Stack;
}

/** Two codes may be on one order: each allows the other. */
function allows(code: StackableCode, other: StackableCode): boolean {
  if (code.stackable === false) return false;
  return code.stackable === true || code.stackable.includes(other.code);
}

/** The heaviest set of mutually compatible items (branch and bound); stops once `enough` is reached. */
function heaviest(
  items: readonly number[],
  weights: readonly bigint[],
  compatible: readonly (readonly boolean[])[],
  enough: bigint,
): { sum: bigint; chosen: number[] } {
  let best = { sum: -1n, chosen: [] as number[] };
  const clique = (set: readonly number[]) =>
    set.every((a, i) => set.every((b, j) => j <= i || compatible[a]![b]!));
  const visit = (chosen: number[], sum: bigint, candidates: readonly number[]) => {
    if (best.sum >= enough) return;
    let rest = 0n;
    for (const index of candidates) rest += weights[index]!;
    if (sum + rest <= best.sum) return;
    if (candidates.length === 0 || clique(candidates)) {
      best = { sum: sum + rest, chosen: [...chosen, ...candidates] };
      return;
    }
    const [first, ...others] = candidates as [number, ...number[]];
    visit(
      [...chosen, first],
      sum + weights[first]!,
      others.filter((other) => compatible[first]![other]),
    );
    visit(chosen, sum, others);
  };
  visit([], 0n, items);
  return best;
}

/**
 * Finds, for one currency, the heaviest valid stack of codes at a given subtotal, and from it the lowest unit
 * price of a line. Results are cached by subtotal: every SKU at or under a code's minimum shares them.
 */
export class CodeStacker {
  private readonly compatible: boolean[][];
  /** Sets of codes one shopper can use together (one payment method, one customer id), maximal, as indices. */
  private readonly groups: number[][];
  /** Distinct minimum subtotals, scaled, ascending: where the cheapest order changes. */
  private readonly thresholds: bigint[];
  /** Answers by campaign depth, then list price. */
  private readonly answers = new Map<number, Map<number, ExactLowest>>();
  /** The heaviest stack by subtotal, for lines at the list price [0] and at a campaign price [1]. */
  private readonly cache = [new Map<bigint, Stack>(), new Map<bigint, Stack>()] as const;
  /** For each threshold, the one at or above it whose stack leaves the smallest share; per variant, lazily. */
  private readonly suffixes: [Array<Placed | undefined>?, Array<Placed | undefined>?] = [];

  constructor(readonly codes: readonly StackableCode[]) {
    this.compatible = codes.map((a) => codes.map((b) => a !== b && allows(a, b) && allows(b, a)));
    this.groups = eligibilityGroups(codes);
    this.thresholds = [...new Set(codes.map((code) => code.minSubtotal))]
      .sort((a, b) => a - b)
      .map((amount) => BigInt(amount) * SCALE);
  }

  /** What code `index` takes off at subtotal `subtotal` (scaled) by its terms. */
  private weight(index: number, subtotal: bigint): bigint {
    const { discount } = this.codes[index]!;
    if ('amount' in discount) return BigInt(discount.amount) * SCALE;
    const share = (subtotal * BigInt(discount.percentBp)) / BP;
    const max = discount.max === undefined ? undefined : BigInt(discount.max) * SCALE;
    return max !== undefined && max < share ? max : share;
  }

  /** The heaviest valid stack at `subtotal` (scaled), among codes whose minimum it meets. */
  private heaviestAt(subtotal: bigint, onCampaignPrice: boolean): Stack {
    const cache = this.cache[onCampaignPrice ? 1 : 0];
    const cached = cache.get(subtotal);
    if (cached !== undefined) return cached;
    const weights = this.codes.map((_, index) => this.weight(index, subtotal));
    const usable = (index: number) => {
      const code = this.codes[index]!;
      return BigInt(code.minSubtotal) * SCALE <= subtotal && (!onCampaignPrice || code.withCampaigns);
    };
    let best = { sum: 0n, chosen: [] as number[] };
    const tried = new Set<string>();
    for (const group of this.groups) {
      const items = group.filter(usable).sort((a, b) => {
        const difference = weights[b]! - weights[a]!;
        return difference > 0n ? 1 : difference < 0n ? -1 : a - b;
      });
      const signature = items.join(',');
      if (tried.has(signature)) continue;
      tried.add(signature);
      const found = heaviest(items, weights, this.compatible, subtotal);
      if (found.sum > best.sum) best = found;
    }
    // Report only the codes that matter: none that takes nothing, none the subtotal leaves no room for.
    let chosen = best.chosen.filter((index) => weights[index]! > 0n);
    let sum = chosen.reduce((total, index) => total + weights[index]!, 0n);
    for (const index of [...chosen].reverse()) {
      if (sum - weights[index]! >= subtotal) {
        sum -= weights[index]!;
        chosen = chosen.filter((other) => other !== index);
      }
    }
    const result = { taken: sum < subtotal ? sum : subtotal, chosen };
    cache.set(subtotal, result);
    return result;
  }

  /**
   * Per threshold index, the threshold at or above it where the codes leave the line the smallest share of its
   * price, (S − taken) / S (ties: the smaller order). That share does not depend on the line, so a line that needs
   * filling up to a minimum looks its answer up instead of trying every threshold.
   */
  private bestFrom(onCampaignPrice: boolean): Array<Placed | undefined> {
    const variant = onCampaignPrice ? 1 : 0;
    const known = this.suffixes[variant];
    if (known !== undefined) return known;
    const suffix: Array<Placed | undefined> = new Array(this.thresholds.length + 1).fill(undefined);
    for (let index = this.thresholds.length - 1; index >= 0; index--) {
      const subtotal = this.thresholds[index]!;
      const stack = this.heaviestAt(subtotal, onCampaignPrice);
      const own = stack.chosen.length > 0 ? { subtotal, stack } : undefined;
      const next = suffix[index + 1];
      const nextLeavesLess =
        own !== undefined &&
        next !== undefined &&
        (next.subtotal - next.stack.taken) * own.subtotal < (own.subtotal - own.stack.taken) * next.subtotal;
      suffix[index] = own === undefined || nextLeavesLess ? next : own;
    }
    this.suffixes[variant] = suffix;
    return suffix;
  }

  /**
   * The exact lowest unit price of a line listing at `listPrice` whose campaign (if any) allows up to `campaignBp`
   * off: at the campaign price with the codes allowed there, or at the list price with every code.
   */
  lowest(listPrice: number, campaignBp: number): ExactLowest {
    // Catalogs repeat their price points (IDR 149,000, 199,000, ...): each pair is searched once.
    let byPrice = this.answers.get(campaignBp);
    if (byPrice === undefined) {
      byPrice = new Map();
      this.answers.set(campaignBp, byPrice);
    }
    const known = byPrice.get(listPrice);
    if (known !== undefined) return known;
    let best: ExactLowest | undefined;
    for (const discountBp of campaignBp > 0 ? [campaignBp, 0] : [0]) {
      const before = BigInt(listPrice) * (BP - BigInt(discountBp)) * BP;
      const candidate = this.stackOn(before, discountBp);
      if (best === undefined || lessThan(candidate, best)) best = candidate;
    }
    byPrice.set(listPrice, best!);
    return best!;
  }

  /** The lowest price reachable from `before` (scaled) with the codes allowed at that price. */
  private stackOn(before: bigint, discountBp: number): ExactLowest {
    // Plain literals, not spreads: this runs once per price point and spreads of BigInt fields are slow in V8.
    let best: ExactLowest = {
      num: before,
      den: 1n,
      before,
      campaignDiscountBp: discountBp,
      codes: [],
      minSubtotal: null,
    };
    if (before === 0n) return best;
    const consider = (subtotal: bigint, stack: Stack) => {
      if (stack.chosen.length === 0) return;
      const num = before * (subtotal - stack.taken);
      if (num * best.den >= best.num * subtotal) return;
      best = {
        num,
        den: subtotal,
        before,
        campaignDiscountBp: discountBp,
        codes: stack.chosen.map((index) => this.codes[index]!.code),
        minSubtotal: subtotal > before ? Number(subtotal / SCALE) : null,
      };
    };
    // The line alone, then the cheapest order filled up to a minimum above it.
    consider(before, this.heaviestAt(before, discountBp > 0));
    let low = 0;
    let high = this.thresholds.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.thresholds[middle]! > before) high = middle;
      else low = middle + 1;
    }
    const above = this.bestFrom(discountBp > 0)[low];
    if (above !== undefined) consider(above.subtotal, above.stack);
    return best;
  }
}

/**
 * The maximal sets of codes one order can carry as far as eligibility goes: one payment method (a code's patterns,
 * `card:bank-x*` style, must match it) and one customer id. Any method that satisfies a set of patterns can be
 * replaced by one of the patterns themselves (an exact method, or a prefix without its `*`), so those are the only
 * methods tried; likewise the customer ids the codes name.
 */
function eligibilityGroups(codes: readonly StackableCode[]): number[][] {
  const all = codes.map((_, index) => index);
  const methods = new Set<string>();
  for (const code of codes) {
    for (const pattern of code.paymentMethods ?? []) methods.add(pattern.replace(/\*$/, ''));
  }
  const customers = new Set<string>();
  for (const code of codes) for (const id of code.customerIds ?? []) customers.add(id);
  const byMethod =
    methods.size === 0
      ? [all]
      : [...methods].map((method) =>
          all.filter((index) => {
            const patterns = codes[index]!.paymentMethods;
            return patterns === undefined || patterns.some((pattern) => matchesPattern(method, pattern));
          }),
        );
  const byCustomer =
    customers.size === 0
      ? [all]
      : [...customers].map((id) =>
          all.filter((index) => {
            const ids = codes[index]!.customerIds;
            return ids === undefined || ids.includes(id);
          }),
        );
  const distinct = (sets: number[][]) => [...new Map(sets.map((set) => [set.join(','), set])).values()];
  const groups = distinct(
    distinct(byMethod).flatMap((a) =>
      distinct(byCustomer).map((b) => a.filter((index) => b.includes(index))),
    ),
  );
  // A set inside another adds nothing to the search.
  return groups.filter(
    (set, i) =>
      !groups.some(
        (other, j) =>
          j !== i && set.every((index) => other.includes(index)) && (other.length > set.length || j < i),
      ),
  );
}
