// test/helpers/surge.ts
// The orders of a trip scoped to the surge: a code's normal day (used alone), then a burst of it stacked with another
// code, which trips it for the stacked uses only.

import type { OrderInput } from '../../src/core/order';
import { line, order } from './orders';

const MINUTE = 60_000;

/** An order to check at `at`. */
export interface Use {
  at: number;
  input: OrderInput;
}

/** An order `id` using `codes` (IDR 1,000 off each) on a line of IDR 100,000. */
export function useOf(id: string, codes: readonly string[]): OrderInput {
  return order({
    orderId: id,
    lines: [line('S', 100_000)],
    vouchers: codes.map((code) => ({ code, discount: 1000 })),
  });
}

/** `count` uses of `codes`, `stepMs` apart from `from`, with order ids `<prefix>-<n>`. */
export function burst(
  prefix: string,
  codes: readonly string[],
  from: number,
  count: number,
  stepMs: number,
): Use[] {
  return Array.from({ length: count }, (_, n) => ({
    at: from + n * stepMs,
    input: useOf(`${prefix}-${n}`, codes),
  }));
}

/** Six hours of `code`'s normal use: alone, every ten minutes, ending an hour before `t0` (36 uses). */
export function normalDay(code: string, t0: number, prefix = 'day'): Use[] {
  return burst(prefix, [code], t0 - 7 * 60 * MINUTE, 36, 10 * MINUTE);
}

/**
 * Twelve uses of `code` stacked with `other`, five seconds apart from `t0`: after its normal day the code trips
 * within them, for its uses stacked with `other` only.
 */
export function stackedSurge(code: string, other: string, t0: number, prefix = 'surge'): Use[] {
  return burst(prefix, [code, other], t0, 12, 5000);
}

/** The segment such a trip holds, in words, as reasons, `voucher.tripped` and the trip panel say it. */
export const stackedSegment = (other: string) => `stacked with ${other} (any use but its normal use: alone)`;
