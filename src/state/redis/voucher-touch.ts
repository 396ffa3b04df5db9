// src/state/redis/voucher-touch.ts
// One voucher script call: writes a code's buffered attempts, grants and trip, may reserve a capped use, and settles
// the buffers and the snapshot with what Redis returned (or gives the work back when the call fails).

import type { VoucherState } from '../../core/facts';
import type { Order } from '../../core/order';
import type { Policy } from '../../core/policy';
import type { TripScope } from '../../core/voucher-traits';
import { tripRecord } from '../trips';
import type { Commands } from './commands';
import type { RedisKeys } from './keys';
import {
  type Attempt,
  addTo,
  MINUTE,
  optionalNumber,
  snapshotFromReply,
  untally,
  type VoucherEntry,
} from './voucher-entry';

/** The velocity terms of an entry's code under the policy it was last used with. */
function termsOf(entry: VoucherEntry) {
  return {
    sticky: entry.params.velocity.sticky === true,
    resumeAfterSeconds: entry.params.velocity.resumeAfterSeconds,
    windowMinutes: entry.params.windows.at(-1) ?? 1,
  };
}

export type Reservation = Pick<VoucherState, 'uses' | 'customerUses' | 'limitReached'>;

/** What a script call needs besides the entry: the commands and keys, the dedupe window, the trip and resume hooks. */
export interface TouchContext {
  commands: Commands;
  keys: RedisKeys;
  options: { dedupeSeconds: number };
  /** Called after this process wrote a trip (or widened one), with what Redis keeps (see RedisVoucherCounters). */
  onTripped: (code: string, trippedAt: number, scope?: TripScope, widenedAt?: number) => void;
  /** Called after this process resumed a tripped code, with its trip time and the resume time. */
  onResumed: (code: string, trippedAt: number, at: number) => void;
}

/**
 * One script call for an admitted code: writes its buffered attempts, grants and trip, optionally counts `attempt`
 * and reserves a capped use for `reserve.order`, and replaces the snapshot with what Redis returned.
 */
export async function touchVoucher(
  context: TouchContext,
  entry: VoucherEntry,
  attempt: Attempt | undefined,
  reserve: { order: Order; policy: Policy } | undefined,
): Promise<Reservation | undefined> {
  const attempts = entry.pending.splice(0);
  entry.inflight.push(...attempts);
  const grants = new Map(entry.pendingGrants);
  entry.pendingGrants.clear();
  for (const [key, amount] of grants) addTo(entry.inflightGrants, key, amount);
  const trip = entry.trip;
  const tripScope = entry.tripScope;
  const widen = entry.widen;
  const anomalous = entry.anomalous;
  const resumeAfterMs = entry.resumeAfterMs;
  entry.trip = false;
  entry.tripScope = undefined;
  entry.widen = false;
  entry.anomalous = false;
  entry.resumeAfterMs = 0;
  entry.wantRefresh = false;
  const all = attempt ? [...attempts, attempt] : attempts;
  const terms = reserve?.policy.vouchers[entry.code];
  const args: Array<string | number> = [
    reserve ? reserve.order.orderId : '',
    reserve ? reserve.order.customerId : '',
    terms?.maxUses ?? -1,
    terms?.maxUsesPerCustomer ?? -1,
    trip && tripScope !== undefined ? JSON.stringify(tripScope) : '',
    widen ? 1 : 0,
    entry.params.traits ? 1 : 0,
    all.length,
  ];
  for (const one of all) args.push(one.orderId, one.minute, one.traits);
  args.push(grants.size);
  for (const [key, amount] of grants) {
    const bar = key.indexOf('|');
    args.push(key.slice(0, bar), key.slice(bar + 1), amount);
  }
  // The trip's words and terms, kept with a new trip for instances that list trips without having seen the policy.
  args.push(trip ? tripRecord(entry.tripReason, termsOf(entry)) : '');
  const { params } = entry;
  const minute = attempt?.minute ?? Math.floor(entry.now / MINUTE);
  let reply: unknown[];
  try {
    reply = (await context.commands.voucherTouch(
      context.keys.voucher(entry.code),
      entry.now,
      minute,
      params.windows.join(','),
      params.baselineMinutes,
      params.ttlSeconds,
      context.options.dedupeSeconds,
      trip ? 1 : 0,
      anomalous ? 1 : 0,
      resumeAfterMs,
      params.budgetSuffix,
      params.budgetTtlSeconds,
      reserve ? 1 : 0,
      ...args,
    )) as unknown[];
  } catch (error) {
    // Give the buffered work back for the next flush; the attempt of the current order is not counted.
    entry.pending.unshift(...attempts);
    entry.inflight.splice(0, attempts.length);
    for (const [key, amount] of grants) {
      addTo(entry.pendingGrants, key, amount);
      addTo(entry.inflightGrants, key, -amount);
    }
    entry.trip ||= trip;
    entry.tripScope ??= tripScope;
    entry.widen ||= widen;
    entry.anomalous ||= anomalous;
    entry.resumeAfterMs ||= resumeAfterMs;
    throw error;
  }
  entry.inflight.splice(0, attempts.length);
  for (const one of attempts) untally(entry.local, one.minute);
  for (const [key, amount] of grants) {
    addTo(entry.inflightGrants, key, -amount);
    if (entry.inflightGrants.get(key) === 0) entry.inflightGrants.delete(key);
  }
  entry.snapshot = snapshotFromReply(reply, params.budgetSuffix, minute, params.windows);
  const tripped = entry.snapshot.trippedAt;
  if (tripped !== undefined) entry.localTrippedAt = undefined;
  if (trip && tripped !== undefined) context.onTripped(entry.code, tripped, entry.snapshot.scope);
  if (Number(reply[15]) === 1 && tripped !== undefined) {
    context.onTripped(entry.code, tripped, undefined, entry.snapshot.widenedAt ?? entry.now);
  }
  const resumedFrom = optionalNumber(reply[11]);
  if (resumedFrom !== undefined) context.onResumed(entry.code, resumedFrom, entry.now);
  if (!reserve) return undefined;
  const limit = Number(reply[6]);
  return {
    ...(reply[4] === '' ? {} : { uses: Number(reply[4]) }),
    ...(reply[5] === '' ? {} : { customerUses: Number(reply[5]) }),
    ...(limit === 1
      ? { limitReached: 'maxUses' as const }
      : limit === 2
        ? { limitReached: 'maxUsesPerCustomer' as const }
        : {}),
  };
}
