// src/state/vouchers.ts
// Voucher bookkeeping both stores share: which codes the policy knows, and a bounded count of unknown ones.

import type { Policy } from '../core/policy';

/** True when the policy names a voucher code: its own terms, or a campaign's list. */
export function isKnownVoucher(policy: Policy, code: string): boolean {
  return policy.vouchers[code] !== undefined || policy.campaigns.some((c) => c.vouchers?.includes(code));
}

/**
 * Attempts of unknown voucher codes not yet worth tracking, in recency order and at most `maxTracked` codes,
 * so a flood of made-up codes cannot grow a store's memory without bound.
 */
export class UntrackedVouchers {
  private readonly attempts = new Map<string, number>();

  /**
   * Counts one more attempt of `code`. Returns the earlier attempts to carry into the code's counters once
   * it reaches `admitAfter` attempts and `room` allows tracking it; otherwise undefined (not tracked yet).
   */
  admit(code: string, admitAfter: number, maxTracked: number, room = true): number | undefined {
    const attempts = (this.attempts.get(code) ?? 0) + 1;
    this.attempts.delete(code); // re-inserted below to keep the map in recency order
    if (attempts >= admitAfter && room) return attempts - 1;
    this.attempts.set(code, attempts);
    if (this.attempts.size > maxTracked) this.attempts.delete(this.attempts.keys().next().value!);
    return undefined;
  }

  /** How many codes are being counted. */
  get size(): number {
    return this.attempts.size;
  }
}
