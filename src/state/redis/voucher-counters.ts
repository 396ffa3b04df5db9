// src/state/redis/voucher-counters.ts
// Voucher state in Redis: redemption attempts per minute, trips, hard-cap reservations and budget grants.

import { TRAFFIC, type TrafficState, type VoucherState } from '../../core/facts';
import type { Order } from '../../core/order';
import { type Policy, velocityFor } from '../../core/policy';
import type { Effects } from '../../core/rules/context';
import { type TripScope, traitValues } from '../../core/voucher-traits';
import type { Logger } from '../../ports/logger';
import type { VoucherTrip } from '../../ports/store';
import { setLru, touchLru } from '../lru';
import { tripOf } from '../memory/voucher-counters';
import { isKnownVoucher, UntrackedVouchers } from '../vouchers';
import type { Commands } from './commands';
import type { RedisKeys } from './keys';
import {
  type Attempt,
  addTo,
  budgetSuffix,
  buffer,
  busy,
  entryState,
  MINUTE,
  newEntry,
  optionalNumber,
  scopeFromReply,
  TRAIT_SEPARATOR,
  tally,
  trafficState,
  type VoucherEntry,
  voucherParams,
} from './voucher-entry';
import { type Reservation, type TouchContext, touchVoucher } from './voucher-touch';

/** Options of the voucher counters, from the RedisStore options. */
export interface VoucherCounterOptions {
  voucherRefreshMs: number;
  maxCachedVouchers: number;
  dedupeSeconds: number;
}

/**
 * The counters of every code this process has seen, one `{P:v:CODE}` hash tag each. Attempts are buffered and
 * written at flush; a hard-capped code is reserved synchronously, in one script call that also reads its state.
 */
export class RedisVoucherCounters {
  private readonly entries = new Map<string, VoucherEntry>();
  /** Attempts of unknown codes not yet tracked. */
  private readonly candidates = new UntrackedVouchers();
  /** Unknown codes Redis refused to track (maxTracked reached), until the epoch ms given. */
  private readonly refused = new Map<string, number>();

  /** The commands, keys, options and hooks of every script call (see touchVoucher). */
  private readonly context: TouchContext;

  constructor(
    private readonly commands: Commands,
    private readonly keys: RedisKeys,
    private readonly options: VoucherCounterOptions,
    private readonly logger: Logger,
    /**
     * Called after this process wrote a trip, with the trip time and the segment Redis keeps (the first
     * instance's), or after it widened a scoped trip to every use (with the time it widened).
     */
    onTripped: (code: string, trippedAt: number, scope?: TripScope, widenedAt?: number) => void = () => {},
    /** Called after this process resumed a tripped code, with its trip time and the resume time. */
    onResumed: (code: string, trippedAt: number, at: number) => void = () => {},
  ) {
    this.context = { commands, keys, options, onTripped, onResumed };
  }

  /**
   * Counts this order's attempt of `code` and sets its state in `vouchers`: at once from the cache, or (cold cache,
   * hard cap) after one script call that also reserves a use. Returns that call's promise, if any.
   */
  count(
    code: string,
    order: Order,
    policy: Policy,
    now: number,
    vouchers: Map<string, VoucherState>,
    repeat = false,
  ): Promise<void> | undefined {
    const entry = this.track(code, policy, now);
    if (entry === undefined) return undefined;
    const terms = policy.vouchers[code];
    const capped = terms?.maxUses !== undefined || terms?.maxUsesPerCustomer !== undefined;
    const minute = Math.floor(now / MINUTE);
    if (!capped && entry.snapshot !== undefined && entry.snapshot.minute < minute) {
      // The windows have moved on since the snapshot (a quiet code, or a new minute): counts from it would still
      // hold minutes that have left the windows. This order's attempt is written with one refresh, shared by
      // every order of the code that arrives meanwhile, and the order is judged on the fresh counts.
      if (!repeat) buffer(entry, { orderId: order.orderId, minute, traits: traitsOf(entry, order) });
      return this.catchUp(entry).then(() => {
        vouchers.set(code, entryState(entry, order, policy, now));
      });
    }
    if (capped || (entry.snapshot === undefined && !entry.unknown)) {
      // Cold cache or a hard cap: one script call counts this attempt, reserves a use and reads the state.
      return this.touch(
        entry,
        repeat ? undefined : { orderId: order.orderId, minute, traits: traitsOf(entry, order) },
        capped ? { order, policy } : undefined,
      ).then((reservation) => {
        const state = entryState(entry, order, policy, now);
        if (reservation) Object.assign(state, reservation);
        vouchers.set(code, state);
      });
    }
    if (!repeat) buffer(entry, { orderId: order.orderId, minute, traits: traitsOf(entry, order) });
    vouchers.set(code, entryState(entry, order, policy, now));
    return undefined;
  }

  /**
   * Counts one more order of the shop (written behind, like a code's attempts) and returns the shop's counts: at
   * once from the cache, or, before the first read and once the cached windows have moved on to a new minute,
   * after one refresh shared by the orders that arrive meanwhile (undefined if it fails).
   */
  countTraffic(
    policy: Policy,
    now: number,
    repeat = false,
  ): TrafficState | undefined | Promise<TrafficState | undefined> {
    const entry = this.track(TRAFFIC, policy, now, true)!;
    const minute = Math.floor(now / MINUTE);
    if (!repeat) buffer(entry, { orderId: '', minute, traits: '' });
    const traffic = () => trafficState(entry, minute, now);
    if (entry.snapshot !== undefined && entry.snapshot.minute >= minute) return traffic();
    return this.catchUp(entry).then(traffic, () => undefined);
  }

  /** Buffers the discount an allowed order granted against the budget of each of its codes. */
  grant(order: Order, policy: Policy, now: number): void {
    for (const voucher of order.vouchers) {
      const terms = policy.vouchers[voucher.code];
      const entry = this.entries.get(voucher.code);
      if (!entry || terms?.budget?.[order.currency] === undefined) continue;
      addTo(
        entry.pendingGrants,
        `${budgetSuffix(terms.budgetWindowSeconds, now)}|${order.currency}`,
        voucher.discount,
      );
    }
  }

  /**
   * Records an evaluation's voucher effects, written at the next flush (or at once by `flushTrips`): trips, rates
   * found anomalous, and resumes of codes whose rate has been normal long enough.
   */
  apply(effects: Effects, policy: Policy, now: number, reasons?: ReadonlyMap<string, string>): void {
    for (const code of effects.anomalousVouchers) {
      const entry = this.entries.get(code);
      if (entry) entry.anomalous = true;
    }
    for (const code of effects.tripVouchers) {
      const entry = this.entries.get(code);
      if (!entry || entry.snapshot?.trippedAt !== undefined) continue;
      entry.trip = true;
      entry.tripScope = effects.tripScopes?.find((one) => one.code === code)?.scope;
      entry.tripReason = reasons?.get(code) ?? entry.tripReason;
      entry.localTrippedAt ??= now;
      entry.now = Math.max(entry.now, now);
    }
    for (const code of effects.widenVouchers ?? []) {
      const entry = this.entries.get(code);
      if (!entry) continue;
      entry.widen = true;
      entry.now = Math.max(entry.now, now);
    }
    for (const code of effects.resumeVouchers) {
      const entry = this.entries.get(code);
      if (!entry) continue;
      entry.resumeAfterMs = velocityFor(policy, code).resumeAfterSeconds * 1000;
      entry.now = Math.max(entry.now, now);
    }
  }

  /** The trip of a code as Redis keeps it, or undefined when it is not tripped. */
  async trip(code: string): Promise<VoucherTrip | undefined> {
    const [tripped, anomalous, sticky, scope, widened] = (await this.commands.voucherTrip(
      this.keys.voucher(code),
    )) as string[];
    const trippedAt = optionalNumber(tripped);
    if (trippedAt === undefined) return undefined;
    return tripOf(code, {
      trippedAt,
      anomalousAt: optionalNumber(anomalous),
      stickyUntil: optionalNumber(sticky),
      scope: scopeFromReply(scope),
      widenedAt: optionalNumber(widened),
    });
  }

  /** Keeps a tripped code tripped until `until`; false when it is not tripped. */
  async extend(code: string, until: number): Promise<boolean> {
    const extended = Number(await this.commands.voucherExtend(this.keys.voucher(code), until)) === 1;
    const entry = this.entries.get(code);
    if (entry) entry.wantRefresh = true;
    return extended;
  }

  /** Writes the trips of `codes` now; failures stay buffered for the next flush. */
  async flushTrips(codes: readonly string[]): Promise<void> {
    await Promise.all(
      codes.map((code) => {
        const entry = this.entries.get(code);
        return entry ? this.flushEntry(entry).catch(() => {}) : undefined;
      }),
    );
  }

  /** Writes buffered attempts, grants and trips, and refreshes stale snapshots of codes in use. */
  flush(): Array<Promise<void>> {
    const work: Array<Promise<void>> = [];
    const wall = Date.now();
    for (const entry of this.entries.values()) {
      const stale =
        entry.snapshot !== undefined &&
        wall - entry.snapshot.fetchedAt > this.options.voucherRefreshMs &&
        wall - entry.usedAt < 60_000;
      if (
        entry.pending.length > 0 ||
        entry.pendingGrants.size > 0 ||
        entry.trip ||
        entry.widen ||
        entry.anomalous ||
        entry.resumeAfterMs > 0 ||
        entry.wantRefresh ||
        stale
      ) {
        work.push(this.flushEntry(entry).catch(() => {}));
      }
    }
    return work;
  }

  /** Work buffered and not yet written: attempts, grants and trips. */
  unflushed(): { voucherAttempts: number; voucherGrants: number; voucherTrips: number } {
    let voucherAttempts = 0;
    let voucherGrants = 0;
    let voucherTrips = 0;
    for (const entry of this.entries.values()) {
      voucherAttempts += entry.pending.length + entry.inflight.length;
      voucherGrants += entry.pendingGrants.size;
      if (entry.trip) voucherTrips += 1;
    }
    return { voucherAttempts, voucherGrants, voucherTrips };
  }

  /** Clears a tripped code in Redis and in the cache; true when it was tripped. */
  async clear(code: string, now: number): Promise<boolean> {
    const entry = this.entries.get(code);
    const ttl = entry?.params.ttlSeconds ?? 2 * 86_400;
    const cleared = Number(await this.commands.voucherClear(this.keys.voucher(code), now, ttl)) === 1;
    if (entry) {
      entry.localTrippedAt = undefined;
      entry.trip = false;
      entry.tripScope = undefined;
      entry.widen = false;
      entry.anomalous = false;
      entry.resumeAfterMs = 0;
      entry.pending = [];
      entry.local = tally(entry.inflight);
      entry.snapshot = undefined; // the next order reads the cleared state from Redis
    }
    return cleared;
  }

  /** Gives back the hard-capped uses a rejected order reserved (each code in its own slot). */
  async release(orderId: string, codes: readonly string[]): Promise<void> {
    await Promise.all(
      codes.map((code) =>
        this.commands.voucherRelease(this.keys.voucher(code), orderId).catch((error) => {
          this.logger.error(
            { err: error, orderId, voucher: code },
            'price guard: could not release a voucher reservation',
          );
        }),
      ),
    );
  }

  /** The local entry of a code, or undefined for an unknown code not (yet) worth tracking (see MemoryStore). */
  private track(
    code: string,
    policy: Policy,
    now: number,
    known = isKnownVoucher(policy, code),
  ): VoucherEntry | undefined {
    const existing = this.entries.get(code);
    if (existing) {
      // The params change with the policy, and with the budget window of a code that has a budget.
      if (
        existing.paramsOf !== policy ||
        (existing.params.budgetSuffix !== '' &&
          existing.params.budgetSuffix !== budgetSuffix(policy.vouchers[code]?.budgetWindowSeconds, now))
      ) {
        existing.params = voucherParams(code, policy, now);
        existing.paramsOf = policy;
      }
      existing.usedAt = Date.now();
      existing.now = Math.max(existing.now, now);
      touchLru(this.entries, code, existing);
      return existing;
    }
    let carried = 0;
    if (!known) {
      const { track, admitAfter, maxTracked } = policy.unknownVouchers;
      if (!track) return undefined;
      const refusedUntil = this.refused.get(code);
      if (refusedUntil !== undefined && refusedUntil > Date.now()) return undefined;
      const earlier = this.candidates.admit(code, admitAfter, maxTracked);
      if (earlier === undefined) return undefined;
      carried = earlier;
    }
    const entry = newEntry(code, policy, now, known, carried);
    setLru(this.entries, code, entry, this.options.maxCachedVouchers, busy);
    return entry;
  }

  /**
   * One script call for a code: writes its buffered attempts, grants and trip, optionally counts `attempt` and
   * reserves a capped use for `reserve.order`, and replaces the snapshot with what Redis returned. An unknown code
   * is admitted first (nothing is written when Redis refuses to track it).
   */
  private touch(
    entry: VoucherEntry,
    attempt: Attempt | undefined,
    reserve: { order: Order; policy: Policy } | undefined,
  ): Promise<Reservation | undefined> {
    if (entry.unknown && !entry.admitted) {
      return this.admit(entry).then((admitted) =>
        admitted ? touchVoucher(this.context, entry, attempt, reserve) : undefined,
      );
    }
    return touchVoucher(this.context, entry, attempt, reserve);
  }

  /** Asks Redis to track an unknown code; a refused code is not asked again for a minute. */
  private async admit(entry: VoucherEntry): Promise<boolean> {
    const admitted = Number(
      await this.commands.voucherAdmit(
        this.keys.unknownVouchers,
        entry.code,
        Date.now(),
        entry.params.maxTracked,
        entry.params.ttlSeconds * 1000,
      ),
    );
    if (admitted !== 1) {
      this.entries.delete(entry.code);
      this.refused.set(entry.code, Date.now() + 60_000);
      if (this.refused.size > this.options.maxCachedVouchers)
        this.refused.delete(this.refused.keys().next().value!);
      return false;
    }
    entry.admitted = true;
    return true;
  }

  /** Writes the entry's buffered work and re-reads its state, once for every order that asks meanwhile. */
  private catchUp(entry: VoucherEntry): Promise<void> {
    entry.catchingUp ??= this.flushEntry(entry).finally(() => {
      entry.catchingUp = undefined;
    });
    return entry.catchingUp;
  }

  private async flushEntry(entry: VoucherEntry): Promise<void> {
    try {
      await this.touch(entry, undefined, undefined);
    } catch (error) {
      this.logger.warn({ err: error, voucher: entry.code }, 'price guard: could not write voucher counters');
      throw error;
    }
  }
}

/** The attempt's trait values to count, joined, or '' for a code whose traits are not counted. */
function traitsOf(entry: VoucherEntry, order: Order): string {
  return entry.params.traits ? traitValues(order, entry.code).join(TRAIT_SEPARATOR) : '';
}
