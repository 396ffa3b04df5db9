// src/state/memory/voucher-counters.ts
// Voucher state in process memory: redemptions per minute, trips and resumes, hard-cap reservations, budget grants.

import { TRAFFIC, type TrafficState, type VoucherState } from '../../core/facts';
import type { Order } from '../../core/order';
import { type Policy, velocityFor } from '../../core/policy';
import type { Effects } from '../../core/rules/context';
import {
  MAX_TRAIT_VALUES,
  OTHER_VALUE,
  scopeWords,
  TRAITS,
  type TraitCount,
  type TripScope,
  traitValues,
} from '../../core/voucher-traits';
import type { TrippedVoucher, VoucherTrip } from '../../ports/store';
import { describeTrip, tripTerms } from '../trips';
import { baselineSeconds, QUARTER, readCounts } from '../voucher-windows';
import { isKnownVoucher, UntrackedVouchers } from '../vouchers';

const MINUTE = 60_000;

interface Counters {
  /** Attempts per epoch minute, within the longest velocity window. */
  minutes: Map<number, number>;
  /** Attempts per quarter hour (epoch minute / 15), within the baseline. */
  quarters: Map<number, number>;
  firstSeen: number;
  trippedAt?: number;
  /** Why it tripped, as the velocity rule said it. */
  tripReason?: string;
  anomalousAt?: number;
  stickyUntil?: number;
  uses: number;
  customerUses: Map<string, number>;
  /** Budget granted per `${currency}:${budget window start}` (0 for lifetime). */
  granted: Map<string, number>;
  /** Uses per value of each trait (codes the policy names only), keyed by trait index: value → its counts. */
  traits?: Array<Map<string, { minutes: Map<number, number>; quarters: Map<number, number> }>>;
  /** The segment a scoped trip holds. */
  scope?: TripScope;
  /** When a scoped trip widened to every use. */
  widenedAt?: number;
  /** The minute the trait counts were last read (and folded). */
  traitsReadAt?: number;
}

/** What happened to a code's trip, for the store to audit and announce. */
export interface TripChange {
  code: string;
  /** `widened`: a scoped trip now holds every use. */
  kind: 'tripped' | 'resumed' | 'widened';
  trippedAt: number;
  at: number;
  /** The segment a trip holds (absent: every use). */
  scope?: TripScope;
}

/** Every code this process has seen (known codes at once, unknown ones after `admitAfter` attempts). */
export class MemoryVoucherCounters {
  private readonly counters = new Map<string, Counters>();
  /** Attempts of codes not yet tracked (unknown codes below `admitAfter`). */
  private readonly candidates = new UntrackedVouchers();

  /**
   * Counts this order's attempt of `code` and returns the state the rules see, and whether a hard-capped use was
   * reserved for the order; undefined for an unknown code not (yet) worth tracking.
   */
  count(
    code: string,
    order: Order,
    policy: Policy,
    now: number,
  ): { state: VoucherState; reserved: boolean } | undefined {
    const counters = this.track(code, policy, now);
    if (counters === undefined) return undefined;
    const minute = Math.floor(now / MINUTE);
    counters.minutes.set(minute, (counters.minutes.get(minute) ?? 0) + 1);
    if (counters.traits !== undefined) {
      const values = traitValues(order, code);
      counters.traits.forEach((byValue, index) => {
        let value = values[index]!;
        if (!byValue.has(value) && byValue.size >= MAX_TRAIT_VALUES) value = OTHER_VALUE;
        let counts = byValue.get(value);
        if (counts === undefined) {
          counts = { minutes: new Map(), quarters: new Map() };
          byValue.set(value, counts);
        }
        counts.minutes.set(minute, (counts.minutes.get(minute) ?? 0) + 1);
      });
    }
    const state = this.state(code, counters, policy, now);
    let reserved = false;
    const terms = policy.vouchers[code];
    if (terms?.maxUses !== undefined || terms?.maxUsesPerCustomer !== undefined) {
      const customerUses = counters.customerUses.get(order.customerId) ?? 0;
      if (terms.maxUses !== undefined && counters.uses >= terms.maxUses) state.limitReached = 'maxUses';
      else if (terms.maxUsesPerCustomer !== undefined && customerUses >= terms.maxUsesPerCustomer) {
        state.limitReached = 'maxUsesPerCustomer';
      } else {
        counters.uses += 1;
        counters.customerUses.set(order.customerId, customerUses + 1);
        reserved = true;
      }
      state.uses = counters.uses;
      state.customerUses = counters.customerUses.get(order.customerId) ?? 0;
    }
    if (terms?.budget?.[order.currency] !== undefined) {
      state.budgetUsed = counters.granted.get(budgetKey(order.currency, terms.budgetWindowSeconds, now)) ?? 0;
    }
    return { state, reserved };
  }

  /** Counts one more order of the shop (every order, whatever its codes) and returns the shop's counts. */
  countTraffic(policy: Policy, now: number): TrafficState {
    let counters = this.counters.get(TRAFFIC);
    if (counters === undefined) {
      counters = {
        minutes: new Map(),
        quarters: new Map(),
        firstSeen: now,
        uses: 0,
        customerUses: new Map(),
        granted: new Map(),
      };
      this.counters.set(TRAFFIC, counters);
    }
    const minute = Math.floor(now / MINUTE);
    counters.minutes.set(minute, (counters.minutes.get(minute) ?? 0) + 1);
    const { windows, baselineCount, baselineSeconds } = this.state(TRAFFIC, counters, policy, now);
    return { windows, baselineCount, baselineSeconds };
  }

  /** Records the discount an allowed order granted against each code's budget. */
  grant(order: Order, policy: Policy, now: number): void {
    for (const voucher of order.vouchers) {
      const terms = policy.vouchers[voucher.code];
      const counters = this.counters.get(voucher.code);
      if (!counters || terms?.budget?.[order.currency] === undefined) continue;
      const key = budgetKey(order.currency, terms.budgetWindowSeconds, now);
      counters.granted.set(key, (counters.granted.get(key) ?? 0) + voucher.discount);
    }
  }

  /**
   * Applies an evaluation's voucher effects; returns the trips and resumes that happened. `reasons` are the
   * velocity rule's words for the codes it trips (see tripReasons).
   */
  apply(effects: Effects, now: number, reasons?: ReadonlyMap<string, string>): TripChange[] {
    const changes: TripChange[] = [];
    for (const code of effects.anomalousVouchers) {
      const counters = this.counters.get(code);
      if (counters) counters.anomalousAt = now;
    }
    for (const code of effects.tripVouchers) {
      const counters = this.counters.get(code);
      if (counters && counters.trippedAt === undefined) {
        const scope = effects.tripScopes?.find((one) => one.code === code)?.scope;
        counters.trippedAt = now;
        counters.tripReason = reasons?.get(code) ?? '';
        counters.anomalousAt = now;
        counters.scope = scope;
        counters.widenedAt = undefined;
        changes.push({ code, kind: 'tripped', trippedAt: now, at: now, ...(scope ? { scope } : {}) });
      }
    }
    for (const code of effects.widenVouchers ?? []) {
      const counters = this.counters.get(code);
      if (counters?.trippedAt === undefined || counters.scope === undefined) continue;
      counters.scope = undefined;
      counters.widenedAt = now;
      changes.push({ code, kind: 'widened', trippedAt: counters.trippedAt, at: now });
    }
    for (const code of effects.resumeVouchers) {
      const counters = this.counters.get(code);
      if (counters?.trippedAt === undefined) continue;
      changes.push({ code, kind: 'resumed', trippedAt: counters.trippedAt, at: now });
      counters.trippedAt = undefined;
      counters.tripReason = undefined;
      counters.stickyUntil = undefined;
      counters.scope = undefined;
      counters.widenedAt = undefined;
    }
    return changes;
  }

  /** Clears a tripped code: its counters start over. False when it was not tripped. */
  clear(code: string, now: number): boolean {
    const counters = this.counters.get(code);
    if (!counters || counters.trippedAt === undefined) return false;
    counters.trippedAt = undefined;
    counters.tripReason = undefined;
    counters.anomalousAt = undefined;
    counters.stickyUntil = undefined;
    counters.scope = undefined;
    counters.widenedAt = undefined;
    counters.minutes.clear();
    counters.quarters.clear();
    if (counters.traits !== undefined) counters.traits = TRAITS.map(() => new Map());
    counters.firstSeen = now;
    return true;
  }

  /** The trip of a code, or undefined when it is not tripped. */
  trip(code: string): VoucherTrip | undefined {
    const counters = this.counters.get(code);
    if (counters?.trippedAt === undefined) return undefined;
    return tripOf(code, { ...counters, trippedAt: counters.trippedAt });
  }

  /** Keeps a tripped code tripped until `until`. False when it is not tripped. */
  extend(code: string, until: number): boolean {
    const counters = this.counters.get(code);
    if (!counters || counters.trippedAt === undefined) return false;
    counters.stickyUntil = until;
    return true;
  }

  /** Every code tripped now, unsorted, with `until` and `sticky` judged under `policy`. */
  trips(policy: Policy, now: number): TrippedVoucher[] {
    const trips: TrippedVoucher[] = [];
    for (const [code, counters] of this.counters) {
      if (code === TRAFFIC || counters.trippedAt === undefined) continue;
      trips.push(
        describeTrip(
          tripOf(code, { ...counters, trippedAt: counters.trippedAt }),
          { reason: counters.tripReason, minutes: counters.minutes },
          tripTerms(policy, code),
          now,
        ),
      );
    }
    return trips;
  }

  /** Gives back the hard-capped uses an order reserved. */
  release(codes: readonly string[], customerId: string): void {
    for (const code of codes) {
      const counters = this.counters.get(code);
      if (!counters) continue;
      counters.uses = Math.max(0, counters.uses - 1);
      const customerUses = counters.customerUses.get(customerId) ?? 0;
      counters.customerUses.set(customerId, Math.max(0, customerUses - 1));
    }
  }

  /** The counters of a code, or undefined for an unknown code that is not (yet) worth tracking. */
  private track(code: string, policy: Policy, now: number): Counters | undefined {
    const existing = this.counters.get(code);
    if (existing) return existing;
    let carried = 0;
    if (!isKnownVoucher(policy, code)) {
      const { track, admitAfter, maxTracked } = policy.unknownVouchers;
      if (!track) return undefined;
      const earlier = this.candidates.admit(code, admitAfter, maxTracked, this.counters.size < maxTracked);
      if (earlier === undefined) return undefined;
      carried = earlier;
    }
    const counters: Counters = {
      minutes: new Map(carried > 0 ? [[Math.floor(now / MINUTE), carried]] : []),
      quarters: new Map(),
      firstSeen: now,
      uses: 0,
      customerUses: new Map(),
      granted: new Map(),
      // Traits are counted for the codes the policy names: a shopper-typed code has no normal use to spare.
      ...(carried === 0 && isKnownVoucher(policy, code) ? { traits: TRAITS.map(() => new Map()) } : {}),
    };
    this.counters.set(code, counters);
    return counters;
  }

  private state(code: string, counters: Counters, policy: Policy, now: number): VoucherState {
    const velocity = velocityFor(policy, code);
    const minute = Math.floor(now / MINUTE);
    const read = readCounts(counters.minutes, counters.quarters, minute, velocity);
    const baselineMinutes = Math.round(velocity.baselineSeconds / 60);
    for (const at of read.fold) {
      const count = counters.minutes.get(at)!;
      counters.minutes.delete(at);
      if (minute - at < baselineMinutes) {
        const quarter = Math.floor(at / QUARTER);
        counters.quarters.set(quarter, (counters.quarters.get(quarter) ?? 0) + count);
      }
    }
    for (const quarter of read.dropQuarters) counters.quarters.delete(quarter);
    const state: VoucherState = {
      windows: read.windows,
      baselineCount: read.baselineCount,
      baselineSeconds: baselineSeconds(velocity, counters.firstSeen, now),
      ...(counters.trippedAt === undefined ? {} : { trippedAt: counters.trippedAt }),
      ...(counters.anomalousAt === undefined ? {} : { anomalousAt: counters.anomalousAt }),
      ...(counters.stickyUntil === undefined ? {} : { stickyUntil: counters.stickyUntil }),
      ...(counters.scope === undefined ? {} : { scope: counters.scope }),
      ...(counters.widenedAt === undefined ? {} : { widenedAt: counters.widenedAt }),
    };
    // The traits are read only when they can matter: the code is tripped, or a window has enough uses to trip it.
    const hot =
      counters.trippedAt !== undefined ||
      read.windows.some((window) => window.count >= velocity.minRedemptions);
    if (counters.traits !== undefined && (hot || counters.traitsReadAt !== minute)) {
      // Read at least once a minute either way, so old minutes fold and the trait counts stay small.
      counters.traitsReadAt = minute;
      const traits = this.traitCounts(counters.traits, minute, velocity);
      if (hot) state.traits = traits;
    }
    return state;
  }

  /** The uses per trait value, read (and folded, dropped) as the code's own counts are. */
  private traitCounts(
    traits: NonNullable<Counters['traits']>,
    minute: number,
    velocity: ReturnType<typeof velocityFor>,
  ): TraitCount[] {
    const counts: TraitCount[] = [];
    const baselineMinutes = Math.round(velocity.baselineSeconds / 60);
    traits.forEach((byValue, index) => {
      for (const [value, series] of byValue) {
        const read = readCounts(series.minutes, series.quarters, minute, velocity);
        for (const at of read.fold) {
          const count = series.minutes.get(at)!;
          series.minutes.delete(at);
          if (minute - at < baselineMinutes) {
            const quarter = Math.floor(at / QUARTER);
            series.quarters.set(quarter, (series.quarters.get(quarter) ?? 0) + count);
          }
        }
        for (const quarter of read.dropQuarters) series.quarters.delete(quarter);
        if (series.minutes.size === 0 && series.quarters.size === 0) {
          byValue.delete(value); // nothing left in the baseline: the value makes room for another
          continue;
        }
        counts.push({
          trait: TRAITS[index]!,
          value,
          windows: read.windows,
          baselineCount: read.baselineCount,
        });
      }
    });
    return counts;
  }
}

function budgetKey(currency: string, windowSeconds: number | undefined, now: number): string {
  return windowSeconds === undefined
    ? `${currency}:0`
    : `${currency}:${Math.floor(now / (windowSeconds * 1000))}`;
}

/** A trip as the review side reads it (ports/store.ts VoucherTrip). */
export function tripOf(
  code: string,
  trip: Pick<VoucherTrip, 'anomalousAt' | 'stickyUntil' | 'scope' | 'widenedAt'> & { trippedAt: number },
): VoucherTrip {
  return {
    voucher: code,
    trippedAt: trip.trippedAt,
    ...(trip.anomalousAt === undefined ? {} : { anomalousAt: trip.anomalousAt }),
    ...(trip.stickyUntil === undefined ? {} : { stickyUntil: trip.stickyUntil }),
    ...(trip.scope === undefined ? {} : { scope: trip.scope, segment: scopeWords(trip.scope) }),
    ...(trip.widenedAt === undefined ? {} : { widenedAt: trip.widenedAt }),
  };
}
