// src/state/redis/voucher-entry.ts
// A voucher code's entry in one process: the snapshot Redis returned, its params, the attempts buffered and tallied
// by minute; the state the rules see is read from it (no I/O here).

import type { TrafficState, VoucherState } from '../../core/facts';
import type { Order } from '../../core/order';
import { type Policy, type VelocityPolicy, velocityFor } from '../../core/policy';
import { TRAITS, type TraitCount, type TripScope } from '../../core/voucher-traits';
import { baselineSeconds, windowMinutes } from '../voucher-windows';
import { isKnownVoucher } from '../vouchers';

export const MINUTE = 60_000;

export interface Attempt {
  orderId: string;
  minute: number;
  /** The attempt's value of each trait joined by TRAIT_SEPARATOR, or '' for a code whose traits are not counted. */
  traits: string;
}

/** Joins an attempt's trait values (no identifier can contain a control character). */
export const TRAIT_SEPARATOR = '\u001f';

export interface VoucherSnapshot {
  /** Counts of the windows in `VoucherParams.windows`, in the same order. */
  windowCounts: number[];
  baselineCount: number;
  firstSeen: number;
  trippedAt: number | undefined;
  anomalousAt: number | undefined;
  stickyUntil: number | undefined;
  /** Budget granted per `${suffix}|${currency}`. */
  budget: Map<string, number>;
  budgetSuffix: string;
  fetchedAt: number;
  /** The epoch minute (of the orders' clock) the window counts end at. */
  minute: number;
  /** Uses per trait value, when the call asked for them. */
  traits: TraitCount[] | undefined;
  /** The segment a scoped trip holds. */
  scope: TripScope | undefined;
  widenedAt: number | undefined;
}

export interface VoucherParams {
  /** The velocity windows in minutes, shortest first. */
  windows: number[];
  baselineMinutes: number;
  /** The policy's velocity settings for the code (the baseline seconds a young code has are computed from them). */
  velocity: VelocityPolicy;
  ttlSeconds: number;
  budgetSuffix: string;
  budgetTtlSeconds: number;
  maxTracked: number;
  /** The code's uses are counted per trait value (the codes the policy names). */
  traits: boolean;
}

export interface VoucherEntry {
  code: string;
  snapshot: VoucherSnapshot | undefined;
  params: VoucherParams;
  /** The policy `params` were computed from. */
  paramsOf: Policy;
  pending: Attempt[];
  inflight: Attempt[];
  /**
   * The attempts of `pending` and `inflight` counted by minute (epoch minute → attempts): the rules' counts are
   * read from it in a step per distinct minute, not a pass over every buffered attempt.
   */
  local: Map<number, number>;
  /** Grants per `${suffix}|${currency}`, not yet written / being written. */
  pendingGrants: Map<string, number>;
  inflightGrants: Map<string, number>;
  trip: boolean;
  /** The velocity rule's words for the trip to write (kept with it in Redis, field `w`). */
  tripReason: string;
  /** A rate found anomalous, to record at the next write. */
  anomalous: boolean;
  /** A resume asked for (the rate was normal long enough), as its resumeAfter in ms; 0 when none. */
  resumeAfterMs: number;
  localTrippedAt: number | undefined;
  unknown: boolean;
  admitted: boolean;
  wantRefresh: boolean;
  usedAt: number;
  /** The latest order time seen for the code (the guard's clock, which tests may set). */
  now: number;
  /** A refresh under way because the snapshot's minute has passed: the orders of the new minute wait for it. */
  catchingUp: Promise<void> | undefined;
  /** The segment to hold, written with the trip (undefined: every use). */
  tripScope: TripScope | undefined;
  /** A scoped trip to widen to every use at the next write. */
  widen: boolean;
}

export function addTo(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/** The state the rules see: the Redis snapshot plus this process's attempts not yet in it. */
export function entryState(entry: VoucherEntry, order: Order, policy: Policy, now: number): VoucherState {
  const snapshot = entry.snapshot;
  const { windows } = entry.params;
  const minute = Math.floor(now / MINUTE);
  const trippedAt = snapshot?.trippedAt ?? entry.localTrippedAt;
  const state: VoucherState = {
    windows: windows.map((minutes, index) => ({
      seconds: minutes * 60,
      count: (snapshot?.windowCounts[index] ?? 0) + localCount(entry, minute, minutes),
    })),
    baselineCount: snapshot?.baselineCount ?? 0,
    baselineSeconds: baselineSeconds(entry.params.velocity, snapshot?.firstSeen ?? now, now),
    // Set even when undefined: a literal, not conditional spreads, on this per-order path.
    trippedAt,
    anomalousAt: snapshot?.anomalousAt,
    stickyUntil: snapshot?.stickyUntil,
  };
  if (snapshot?.scope !== undefined) state.scope = snapshot.scope;
  if (snapshot?.widenedAt !== undefined) state.widenedAt = snapshot.widenedAt;
  if (entry.params.traits) {
    // Redis returns them at every write; they are handed to the rules when they can matter: the code is tripped, or
    // a window has enough uses to trip it.
    const hot =
      trippedAt !== undefined ||
      state.windows.some((window) => window.count >= entry.params.velocity.minRedemptions);
    if (hot && snapshot?.traits !== undefined) state.traits = withLocal(entry, snapshot.traits, minute);
  }
  const terms = policy.vouchers[entry.code];
  if (terms?.budget?.[order.currency] !== undefined) {
    const key = `${budgetSuffix(terms.budgetWindowSeconds, now)}|${order.currency}`;
    state.budgetUsed =
      (snapshot?.budgetSuffix === key.slice(0, key.indexOf('|')) ? (snapshot.budget.get(key) ?? 0) : 0) +
      (entry.pendingGrants.get(key) ?? 0) +
      (entry.inflightGrants.get(key) ?? 0);
  }
  return state;
}

/** The snapshot's trait counts plus this process's attempts not yet in them. */
function withLocal(entry: VoucherEntry, traits: readonly TraitCount[], minute: number): TraitCount[] {
  const local = new Map<string, number[]>();
  for (const attempts of [entry.pending, entry.inflight]) {
    for (const attempt of attempts) {
      if (attempt.traits === '') continue;
      attempt.traits.split(TRAIT_SEPARATOR).forEach((value, index) => {
        const key = `${index}${TRAIT_SEPARATOR}${value}`;
        const counts = local.get(key) ?? entry.params.windows.map(() => 0);
        entry.params.windows.forEach((minutes, w) => {
          if (minute - attempt.minute < minutes) counts[w]! += 1;
        });
        local.set(key, counts);
      });
    }
  }
  if (local.size === 0) return [...traits];
  const merged: TraitCount[] = traits.map((one) => {
    const key = `${TRAITS.indexOf(one.trait)}${TRAIT_SEPARATOR}${one.value}`;
    const counts = local.get(key);
    if (counts === undefined) return one;
    local.delete(key);
    return {
      ...one,
      windows: one.windows.map((window, w) => ({
        seconds: window.seconds,
        count: window.count + counts[w]!,
      })),
    };
  });
  for (const [key, counts] of local) {
    const cut = key.indexOf(TRAIT_SEPARATOR);
    merged.push({
      trait: TRAITS[Number(key.slice(0, cut))]!,
      value: key.slice(cut + 1),
      windows: entry.params.windows.map((minutes, w) => ({ seconds: minutes * 60, count: counts[w]! })),
      baselineCount: 0,
    });
  }
  return merged;
}

/** The trait counts of a voucher-touch-1.lua reply: flat [trait (1-based), value, window counts, baseline, ...]. */
function traitsFromReply(flat: unknown, windows: readonly number[]): TraitCount[] | undefined {
  if (!Array.isArray(flat) || flat.length === 0) return undefined;
  const counts: TraitCount[] = [];
  for (let n = 0; n + 3 < flat.length; n += 4) {
    const trait = TRAITS[Number(flat[n]) - 1];
    if (trait === undefined) continue;
    const windowCounts = String(flat[n + 2])
      .split(',')
      .map(Number);
    counts.push({
      trait,
      value: String(flat[n + 1]),
      windows: windows.map((minutes, w) => ({ seconds: minutes * 60, count: windowCounts[w] ?? 0 })),
      baselineCount: Number(flat[n + 3]),
    });
  }
  return counts;
}

/** A stored segment (the JSON of a TripScope), or undefined for '' or anything unreadable. */
export function scopeFromReply(value: unknown): TripScope | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  try {
    const scope = JSON.parse(value) as TripScope;
    return TRAITS.includes(scope.trait) && Array.isArray(scope.normal) && Array.isArray(scope.surge)
      ? scope
      : undefined;
  } catch {
    return undefined;
  }
}

/** The snapshot in a voucher-touch-1.lua reply (see its header for the layout), at `minute` of the orders' clock. */
export function snapshotFromReply(
  reply: unknown[],
  budgetSuffix: string,
  minute: number,
  windows: readonly number[] = [],
): VoucherSnapshot {
  const budgetFields = reply[8] as string[];
  const budget = new Map<string, number>();
  for (let n = 0; n < budgetFields.length; n += 2) {
    budget.set(`${budgetSuffix}|${budgetFields[n]}`, Number(budgetFields[n + 1]));
  }
  return {
    windowCounts: String(reply[0]).split(',').map(Number),
    baselineCount: Number(reply[1]),
    firstSeen: Number(reply[2]),
    trippedAt: optionalNumber(reply[3]),
    anomalousAt: optionalNumber(reply[9]),
    stickyUntil: optionalNumber(reply[10]),
    budget,
    budgetSuffix,
    fetchedAt: Date.now(),
    minute,
    traits: traitsFromReply(reply[12], windows),
    scope: scopeFromReply(reply[13]),
    widenedAt: optionalNumber(reply[14]),
  };
}

/** A number of a script reply, or undefined for '' (or nil). */
export function optionalNumber(value: unknown): number | undefined {
  return value === '' || value === null || value === undefined ? undefined : Number(value);
}

export function budgetSuffix(windowSeconds: number | undefined, now: number): string {
  return windowSeconds === undefined ? 'b:0' : `b:${Math.floor(now / (windowSeconds * 1000))}`;
}

export function voucherParams(code: string, policy: Policy, now: number): VoucherParams {
  const velocity = velocityFor(policy, code);
  const { windows, baseline } = windowMinutes(velocity);
  const terms = policy.vouchers[code];
  const windowSeconds = terms?.budgetWindowSeconds;
  return {
    windows,
    baselineMinutes: baseline,
    velocity,
    ttlSeconds: baseline * 60 + 3600,
    budgetSuffix: terms?.budget === undefined ? '' : budgetSuffix(windowSeconds, now),
    budgetTtlSeconds: windowSeconds === undefined ? 0 : windowSeconds * 2,
    maxTracked: policy.unknownVouchers.maxTracked,
    traits: isKnownVoucher(policy, code),
  };
}

/** Buffers an attempt to write at the next flush, and counts it at once. */
export function buffer(entry: VoucherEntry, attempt: Attempt): void {
  entry.pending.push(attempt);
  entry.local.set(attempt.minute, (entry.local.get(attempt.minute) ?? 0) + 1);
}

/** Attempts by minute. */
export function tally(attempts: readonly Attempt[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const { minute } of attempts) counts.set(minute, (counts.get(minute) ?? 0) + 1);
  return counts;
}

/** Takes one written attempt out of the tally. */
export function untally(counts: Map<number, number>, minute: number): void {
  const left = (counts.get(minute) ?? 0) - 1;
  if (left > 0) counts.set(minute, left);
  else counts.delete(minute);
}

/** This process's buffered attempts within the `minutes` before `minute` (and any later, from a skewed clock). */
export function localCount(entry: VoucherEntry, minute: number, minutes: number): number {
  let count = 0;
  for (const [at, attempts] of entry.local) if (minute - at < minutes) count += attempts;
  return count;
}

/** An entry with attempts not yet written must not be evicted. */
export function busy(entry: VoucherEntry): boolean {
  return entry.pending.length > 0 || entry.inflight.length > 0;
}

/** A new entry of a code: no snapshot yet, with the `carried` attempts an unknown code had before it was tracked. */
export function newEntry(
  code: string,
  policy: Policy,
  now: number,
  known: boolean,
  carried: number,
): VoucherEntry {
  const minute = Math.floor(now / MINUTE);
  return {
    code,
    snapshot: undefined,
    params: voucherParams(code, policy, now),
    paramsOf: policy,
    pending: Array.from({ length: carried }, () => ({ orderId: '', minute, traits: '' })),
    inflight: [],
    local: carried > 0 ? new Map([[minute, carried]]) : new Map(),
    pendingGrants: new Map(),
    inflightGrants: new Map(),
    trip: false,
    tripReason: '',
    anomalous: false,
    resumeAfterMs: 0,
    localTrippedAt: undefined,
    unknown: !known,
    admitted: known,
    wantRefresh: false,
    usedAt: Date.now(),
    now,
    catchingUp: undefined,
    tripScope: undefined,
    widen: false,
  };
}

/** The shop's counts (the TRAFFIC entry) as of `minute`: its snapshot plus this process's buffered orders. */
export function trafficState(entry: VoucherEntry, minute: number, now: number): TrafficState | undefined {
  const snapshot = entry.snapshot;
  if (snapshot === undefined) return undefined;
  return {
    windows: entry.params.windows.map((minutes, index) => ({
      seconds: minutes * 60,
      count: (snapshot.windowCounts[index] ?? 0) + localCount(entry, minute, minutes),
    })),
    baselineCount: snapshot.baselineCount,
    baselineSeconds: baselineSeconds(entry.params.velocity, snapshot.firstSeen, now),
  };
}
