// src/core/lookalikes.ts
// Look-alike spellings of declared voucher codes (`BАNKX100K` with a Cyrillic А, `BÁNKX100K`): folded to the code
// they imitate, by Unicode's confusable skeletons (UTS #39) with accents dropped.

import confusables from 'unhomoglyph/data.json';
import type { Order, OrderVoucher } from './order';
import type { Policy } from './policy';

/**
 * Unicode's confusables mapping (UTS #39 `confusables.txt`, as the `unhomoglyph` package ships it): a code point to
 * the prototype it looks like (`А` U+0410 to `A`, `0` to `O`, `1` to `l`).
 */
const PROTOTYPES = new Map<string, string>(Object.entries(confusables as Record<string, string>));

const MARKS = /\p{M}/gu;

/**
 * The look-alike key of a canonical voucher code: its UTS #39 skeleton (NFD, each character mapped to the prototype
 * it is confusable with, NFD again), with the combining marks (accents) dropped before and after, so `BÁNKX100K`,
 * `BАNKX100K` (Cyrillic А) and `BANKX1OOK` share the key of `BANKX100K`.
 */
export function lookalikeKey(code: string): string {
  let mapped = '';
  for (const char of code.normalize('NFD').replace(MARKS, '')) mapped += PROTOTYPES.get(char) ?? char;
  return mapped.normalize('NFD').replace(MARKS, '');
}

/** Declared codes (vouchers and campaigns' codes) by look-alike key, built once per policy. */
const indexes = new WeakMap<Policy, Map<string, string[]>>();

function declaredByKey(policy: Policy): Map<string, string[]> {
  let index = indexes.get(policy);
  if (index === undefined) {
    index = new Map();
    const codes = new Set([
      ...Object.keys(policy.vouchers),
      ...policy.campaigns.flatMap((campaign) => campaign.vouchers ?? []),
    ]);
    for (const code of codes) {
      const key = lookalikeKey(code);
      index.set(key, [...(index.get(key) ?? []), code]);
    }
    indexes.set(policy, index);
  }
  return index;
}

/**
 * The declared code a voucher code imitates, or undefined when it is declared itself or imitates none. Two declared
 * codes that look alike (`PROMO1` and `PROMOI`) are both left as typed: which one a shopper meant cannot be told.
 */
export function imitatedCode(policy: Policy, code: string): string | undefined {
  if (policy.vouchers[code] !== undefined) return undefined;
  const index = declaredByKey(policy);
  if (index.size === 0) return undefined;
  const found = index.get(lookalikeKey(code));
  return found?.length === 1 && found[0] !== code ? found[0] : undefined;
}

/**
 * The order with each look-alike spelling of a declared code replaced by that code (its spelling kept in
 * `entered`): counted, capped and judged as the code, and held by `voucher_ineligible` for the spelling. The same
 * order object when it has none.
 */
export function foldLookalikes(order: Order, policy: Policy): Order {
  if (order.vouchers.length === 0) return order;
  let vouchers: OrderVoucher[] | undefined;
  order.vouchers.forEach((voucher, index) => {
    const declared = imitatedCode(policy, voucher.code);
    if (declared === undefined) return;
    vouchers ??= [...order.vouchers];
    vouchers[index] = {
      code: declared,
      discount: voucher.discount,
      entered: voucher.entered ?? voucher.code,
    };
  });
  return vouchers === undefined ? order : { ...order, vouchers };
}
