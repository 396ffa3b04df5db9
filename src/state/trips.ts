// src/state/trips.ts
// Tripped voucher codes as on-call sees them, shared by both stores: why a code tripped, and until when it stays
// tripped under the policy.

import type { Evaluation } from '../core/evaluate';
import { type Policy, velocityFor } from '../core/policy';
import type { TrippedVoucher, VoucherTrip } from '../ports/store';
import { windowMinutes } from './voucher-windows';

/** The velocity rule's words for each code an evaluation trips (what `TrippedVoucher.reason` shows). */
export function tripReasons(evaluation: Pick<Evaluation, 'effects' | 'decision'>): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const code of evaluation.effects.tripVouchers) {
    const reason = evaluation.decision.reasons.find(
      (one) => one.rule === 'voucher_velocity' && one.voucher === code,
    );
    reasons.set(code, reason?.message ?? '');
  }
  return reasons;
}

/** The velocity settings a trip was written under, kept with it for instances that have not seen the policy. */
export interface TripTerms {
  sticky: boolean;
  resumeAfterSeconds: number;
  /** The longest velocity window, in minutes (the window `uses` counts). */
  windowMinutes: number;
}

/** The terms of `code`'s velocity under `policy`. */
export function tripTerms(policy: Policy, code: string): TripTerms {
  const velocity = velocityFor(policy, code);
  return {
    sticky: velocity.sticky === true,
    resumeAfterSeconds: velocity.resumeAfterSeconds,
    windowMinutes: windowMinutes(velocity).longest,
  };
}

/** What a store keeps of a trip besides its state (`VoucherTrip`): why, and the uses of the code. */
export interface TripUse {
  /** Why it tripped, as the velocity rule said it (undefined for a trip recorded by an earlier version). */
  reason: string | undefined;
  /** Redemption attempts per epoch minute (older minutes may be present; they are not counted). */
  minutes: Iterable<[number, number]>;
}

/**
 * A tripped code as listed: `until` and `sticky` as the velocity rule will judge them under `terms` (a code
 * declared sticky ends only when on-call clears it; an extended one not before its extension; any other once its
 * rate has been normal for `resumeAfterSeconds`), its uses in the longest velocity window, and its segment.
 */
export function describeTrip(trip: VoucherTrip, use: TripUse, terms: TripTerms, now: number): TrippedVoucher {
  const extended = trip.stickyUntil !== undefined && trip.stickyUntil > now;
  const calmEnough = (trip.anomalousAt ?? trip.trippedAt) + terms.resumeAfterSeconds * 1000;
  const until = terms.sticky
    ? undefined
    : Math.max(calmEnough, extended ? (trip.stickyUntil as number) : calmEnough);
  const longest = terms.windowMinutes;
  const minute = Math.floor(now / 60_000);
  let uses = 0;
  for (const [at, count] of use.minutes) if (minute - at < longest) uses += count;
  const listed: TrippedVoucher = {
    code: trip.voucher,
    trippedAt: trip.trippedAt,
    until,
    sticky: terms.sticky || extended,
    reason: use.reason ?? '',
    uses,
    usesWindowSeconds: longest * 60,
  };
  if (typeof trip.segment === 'string' && trip.segment !== '') listed.segment = trip.segment;
  if (trip.widenedAt !== undefined) listed.widenedAt = trip.widenedAt;
  return listed;
}

/**
 * What a store writes with a new trip (the Redis store's field `y`): the rule's words and the terms it tripped
 * under, as JSON.
 */
export function tripRecord(reason: string, terms: TripTerms): string {
  return JSON.stringify({ reason, ...terms });
}

/**
 * Reads a trip record back, defensively (a field written by another version): its reason and, when complete, its
 * terms.
 */
export function readTripRecord(value: string | null | undefined): { reason: string; terms?: TripTerms } {
  if (value === null || value === undefined || value === '') return { reason: '' };
  try {
    const record = JSON.parse(value) as Partial<TripTerms> & { reason?: unknown };
    const reason = typeof record.reason === 'string' ? record.reason : '';
    const complete =
      typeof record.sticky === 'boolean' &&
      Number.isFinite(record.resumeAfterSeconds) &&
      Number.isInteger(record.windowMinutes);
    return complete
      ? {
          reason,
          terms: {
            sticky: record.sticky!,
            resumeAfterSeconds: record.resumeAfterSeconds!,
            windowMinutes: record.windowMinutes!,
          },
        }
      : { reason };
  } catch {
    return { reason: value };
  }
}

/** Trips in the order `listTrips` returns them: the latest first, then by code. */
export function sortTrips(trips: TrippedVoucher[]): TrippedVoucher[] {
  return trips.sort((a, b) => b.trippedAt - a.trippedAt || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}
