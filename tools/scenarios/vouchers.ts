// tools/scenarios/vouchers.ts
// What each code of the synthetic shop takes off a subtotal under its terms, for orders whose lines change.

import { COMBINATION, GENERAL, HARBOLNAS, LEAKED_VOUCHER, REGULAR_VOUCHERS } from './constants';
import {
  claim,
  type LineDraft,
  reassemble,
  roundDown,
  type ScenarioOrder,
  subtotalOf,
  type VoucherDraft,
} from './orders';

/** A code's terms: a fixed amount or a percentage with a maximum, from a minimum subtotal. */
interface Terms {
  minSubtotal: number;
  amount?: number;
  percent?: number;
  max?: number;
}

/** Every code the shop runs, by its terms. */
export const VOUCHER_TERMS: Record<string, Terms> = {
  HEMAT10: REGULAR_VOUCHERS.HEMAT10,
  NEWUSER25: REGULAR_VOUCHERS.NEWUSER25,
  [LEAKED_VOUCHER]: REGULAR_VOUCHERS[LEAKED_VOUCHER],
  [HARBOLNAS.voucher]: { amount: 20_000, minSubtotal: 100_000 },
  [GENERAL.publicCode.code]: GENERAL.publicCode,
  [GENERAL.paydayCode.code]: GENERAL.paydayCode,
  [GENERAL.openCode.code]: GENERAL.openCode,
  [COMBINATION.popular.code]: COMBINATION.popular,
  [COMBINATION.other.code]: COMBINATION.other,
};

/** What `code` takes off `subtotal` under its terms (rounded down to IDR 100), or undefined when not eligible. */
export function voucherDiscount(code: string, subtotal: number): number | undefined {
  const terms = VOUCHER_TERMS[code];
  if (terms === undefined || subtotal < terms.minSubtotal) return undefined;
  if (terms.amount !== undefined) return terms.amount;
  const percent = roundDown((subtotal * (terms.percent ?? 0)) / 100, 100);
  return terms.max === undefined ? percent : Math.min(terms.max, percent);
}

/** The vouchers recomputed for a new subtotal: each code's own terms, the ineligible ones dropped. */
export function revouch(vouchers: readonly VoucherDraft[], subtotal: number): VoucherDraft[] {
  const out: VoucherDraft[] = [];
  for (const voucher of vouchers) {
    const discount = voucherDiscount(voucher.code, subtotal);
    if (discount !== undefined) out.push({ code: voucher.code, discount });
  }
  return out;
}

/**
 * The order with its lines changed by `change`, its vouchers recomputed for the new subtotal, its total adding up,
 * and the label and incident a kind claims it with (see `claim`).
 */
export function reprice(
  order: ScenarioOrder,
  change: (line: LineDraft) => LineDraft,
  label: 'glitch' | 'legit',
  incident: string,
): ScenarioOrder {
  const lines = order.lines.map((line) => change(line as LineDraft));
  const vouchers = revouch((order.vouchers ?? []) as VoucherDraft[], subtotalOf(lines));
  const claimed = claim(order, label, incident);
  return reassemble(order, lines, vouchers, claimed.label, claimed.incident);
}
