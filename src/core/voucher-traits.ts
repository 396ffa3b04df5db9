// src/core/voucher-traits.ts
// What sets a code's surge apart from its normal use: the traits each use carries (the codes it is stacked with,
// the customer's segments, the payment method), counted like the code, and the trip scoped to the surge's segment.

import type { TrafficState, Trait, TraitCount, TripScope, VoucherState } from './facts';

export type { Trait, TraitCount, TripScope } from './facts';

import type { Order } from './order';
import type { VelocityPolicy } from './policy';

/**
 * The traits a code's uses are told apart by, in the order a trip is scoped by them: the first that separates the
 * surge from the code's normal use wins. The order is by how dear it is for an abuser to dress up as normal use:
 * - `stacked`, the other codes on the order: leaving the surge's combination is giving up what it abuses;
 * - `customer`, the customer's segments (the shop's backend sets them, a shopper cannot choose them);
 * - `payment`, the payment method: a shopper can often switch it, so it comes last (and see `widen`).
 */
export const TRAITS: readonly Trait[] = ['stacked', 'customer', 'payment'];

/** The value the stores count the uses of any value past their bound under: never part of normal use. */
export const OTHER_VALUE = '*';

/** Most values of one trait counted per code; later values count as OTHER_VALUE. */
export const MAX_TRAIT_VALUES = 16;

/** The values of each trait (in TRAITS order) of one use of `code` in `order`. */
export function traitValues(order: Order, code: string): [string, string, string] {
  let stacked = '';
  if (order.vouchers.length > 1) {
    const others = order.vouchers.map((voucher) => voucher.code).filter((other) => other !== code);
    stacked = [...new Set(others)].sort().join('+');
  }
  const customer = order.customerSegments.length === 0 ? '' : [...order.customerSegments].sort().join(',');
  return [stacked, customer, order.paymentMethod];
}

/** The value of `trait` in the values `traitValues` gave. */
export function traitValue(values: readonly string[], trait: Trait): string {
  return values[TRAITS.indexOf(trait)] ?? '';
}

/** Words for one value of a trait: "stacked with LAUNCH25", "alone", "by customers in NEW", "paid by QRIS". */
export function valueWords(trait: Trait, value: string): string {
  if (value === OTHER_VALUE)
    return `another ${trait === 'payment' ? 'payment method' : trait === 'customer' ? 'customer segment' : 'combination'}`;
  switch (trait) {
    case 'stacked':
      return value === '' ? 'alone' : `stacked with ${value.split('+').join(' and ')}`;
    case 'customer':
      return value === ''
        ? 'by customers in no segment'
        : `by customers in ${value.split(',').join(' and ')}`;
    case 'payment':
      return value === '' ? 'with no payment method given' : `paid by ${value}`;
  }
}

/** "stacked with LAUNCH25 (and anything but its normal use: alone)": the segment a scoped trip holds. */
export function scopeWords(scope: TripScope): string {
  const surge = scope.surge.slice(0, 3).map((value) => valueWords(scope.trait, value));
  const more = scope.surge.length > 3 ? ` and ${scope.surge.length - 3} more` : '';
  const normal = scope.normal.slice(0, 3).map((value) => valueWords(scope.trait, value));
  const normalMore = scope.normal.length > 3 ? ` and ${scope.normal.length - 3} more` : '';
  return `${surge.join(', ') || valueWords(scope.trait, OTHER_VALUE)}${more} (any use but its normal use: ${normal.join(', ')}${normalMore})`;
}

/** True when a use with these trait values is in the scope's segment (to be held). */
export function inSegment(scope: TripScope, values: readonly string[]): boolean {
  return !scope.normal.includes(traitValue(values, scope.trait));
}

type Counts = Pick<VoucherState, 'windows' | 'baselineCount' | 'baselineSeconds'>;

/** The counts of a part of a code's uses. */
function part(state: VoucherState, counts: readonly TraitCount[]): Counts {
  return {
    windows: state.windows.map((window) => ({
      seconds: window.seconds,
      count: counts.reduce(
        (sum, one) => sum + (one.windows.find((w) => w.seconds === window.seconds)?.count ?? 0),
        0,
      ),
    })),
    baselineCount: counts.reduce((sum, one) => sum + one.baselineCount, 0),
    baselineSeconds: state.baselineSeconds,
  };
}

/** The code's counts less a part of them. */
function rest(state: VoucherState, of: Counts): Counts {
  return {
    windows: state.windows.map((window, index) => ({
      seconds: window.seconds,
      count: Math.max(0, window.count - (of.windows[index]?.count ?? 0)),
    })),
    baselineCount: Math.max(0, state.baselineCount - of.baselineCount),
    baselineSeconds: state.baselineSeconds,
  };
}

/**
 * The velocity settings a part of a code's uses is judged by: the code's, with a declared rate shared out by the
 * part's share of the code's baseline (a part the code's normal use never had is expected at the prior only).
 */
function partVelocity(velocity: VelocityPolicy, state: Counts, of: Counts): VelocityPolicy {
  if (velocity.expectedPerHour === undefined) return velocity;
  const share = (of.baselineCount + 1) / (state.baselineCount + 1);
  return { ...velocity, expectedPerHour: Math.floor(velocity.expectedPerHour * Math.min(1, share)) };
}

/** The surge test (rules/velocity.ts `surge`), passed in to keep this module free of the rule. */
export type SurgeTest = (
  velocity: VelocityPolicy,
  state: Counts,
  traffic: TrafficState | undefined,
) => unknown | undefined;

/**
 * The segment a trip of the code should hold, decided on the same statistics as the trip (asked when the code's
 * uses are anomalous): for each trait in order, the normal values are those the code's baseline has and whose own
 * counts are not anomalous; the trait scopes the trip when the uses with a normal value are not anomalous
 * together (so the surge is in the others) and carry at least half of the code's baseline (the scope spares most
 * of its normal use). Undefined (hold every use) when no trait does, or the store counts no traits for the code.
 */
export function decideScope(
  velocity: VelocityPolicy,
  state: VoucherState,
  traffic: TrafficState | undefined,
  surge: SurgeTest,
): TripScope | undefined {
  const traits = state.traits;
  if (traits === undefined || traits.length === 0) return undefined;
  for (const trait of TRAITS) {
    const counts = traits.filter((one) => one.trait === trait);
    if (counts.length === 0) continue;
    const normal = counts.filter((one) => {
      if (one.value === OTHER_VALUE || one.baselineCount === 0) return false;
      const counted = part(state, [one]);
      return surge(partVelocity(velocity, state, counted), counted, traffic) === undefined;
    });
    if (normal.length === 0) continue;
    const usual = part(state, normal);
    if (usual.baselineCount * 2 < state.baselineCount) continue;
    if (surge(partVelocity(velocity, state, usual), usual, traffic) !== undefined) continue;
    // The code's uses are anomalous (this is asked at a trip) and its normal use is not: the surge is in the rest.
    const segment = rest(state, usual);
    if (!segment.windows.some((window) => window.count > 0)) continue;
    const longest = (one: TraitCount) => one.windows.at(-1)?.count ?? 0;
    const surging = counts.filter((one) => !normal.includes(one)).sort((a, b) => longest(b) - longest(a));
    return {
      trait,
      normal: normal.map((one) => one.value),
      surge: surging.filter((one) => longest(one) > 0).map((one) => one.value),
    };
  }
  return undefined;
}

/**
 * True when the uses a scoped trip lets through (those with a normal value) are themselves anomalous now: abusers
 * who dress up as normal use raise its rate, and the trip then widens to every use. A dressed-up abuse gets
 * through only at about the normal rate, until that rate trips too.
 */
export function normalUseSurges(
  velocity: VelocityPolicy,
  state: VoucherState,
  scope: TripScope,
  traffic: TrafficState | undefined,
  surge: SurgeTest,
): boolean {
  const counts = (state.traits ?? []).filter(
    (one) => one.trait === scope.trait && scope.normal.includes(one.value),
  );
  const usual = part(state, counts);
  return surge(partVelocity(velocity, state, usual), usual, traffic) !== undefined;
}
