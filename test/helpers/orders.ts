// test/helpers/orders.ts
// Order builders for tests: a valid order by default, with its total computed exactly from its parts.

import type { OrderInput } from '../../src/core/order';

/** A line: quantity 1 and no discount unless given. */
export function line(sku: string, unitPrice: number, discount = 0, quantity = 1, category?: string) {
  return { sku, unitPrice, discount, quantity, ...(category ? { category } : {}) };
}

/** An order whose total adds up, unless `total` is given. */
export function order(overrides: Partial<OrderInput> & Pick<OrderInput, 'lines'>): OrderInput {
  const base = {
    orderId: `ord_${Math.random().toString(36).slice(2, 10)}`,
    currency: 'IDR',
    vouchers: [] as Array<{ code: string; discount: number }>,
    shipping: 0,
    shippingDiscount: 0,
    tax: 0,
    ...overrides,
  };
  const lines = base.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity - (l.discount ?? 0), 0);
  const vouchers = (base.vouchers ?? []).reduce((sum, v) => sum + (v.discount ?? 0), 0);
  const total =
    overrides.total ??
    lines - vouchers + (base.shipping ?? 0) - (base.shippingDiscount ?? 0) + (base.tax ?? 0);
  return { ...base, total };
}

/**
 * What an order input adds up to, exactly: its lines' list value, its discounts (line and voucher), and what it
 * leaves unpaid of that list value (the discounts plus what its total falls short of its parts; see exposureOf)
 * and overcharges.
 */
export function orderAmounts(
  input: Pick<OrderInput, 'lines' | 'vouchers' | 'shipping' | 'shippingDiscount' | 'tax' | 'total'>,
) {
  let listValue = 0;
  let discount = 0;
  for (const orderLine of input.lines) {
    listValue += orderLine.unitPrice * (orderLine.quantity ?? 1);
    discount += orderLine.discount ?? 0;
  }
  for (const voucher of input.vouchers ?? []) discount += voucher.discount ?? 0;
  const recomputed =
    listValue - discount + (input.shipping ?? 0) - (input.shippingDiscount ?? 0) + (input.tax ?? 0);
  const gap = recomputed - input.total;
  return { listValue, discount, exposure: discount + Math.max(0, gap), overcharge: Math.max(0, -gap) };
}

/** The Marc Jacobs glitch of docs/incidents.md: the tote discounted 100%, the rest at full price. */
export const MARC_JACOBS_ORDER: OrderInput = {
  orderId: 'ord_8f2c',
  currency: 'IDR',
  customerId: 'cus_91',
  paymentMethod: 'card:uob-tmrw',
  lines: [
    { sku: 'MJ-TOTE-TIGER', quantity: 1, unitPrice: 4_700_000, discount: 4_700_000 },
    { sku: 'MJ-CARD-CASE', quantity: 1, unitPrice: 1_250_000, discount: 0 },
  ],
  vouchers: [{ code: 'TMRW100PEKR6X50', discount: 100_000 }],
  shipping: 15_000,
  shippingDiscount: 0,
  tax: 0,
  total: 1_165_000,
};

/** The leaked bank-only code in 20 spellings a shopper (or a careless form) could send. */
export const LEAKED_CODE_SPELLINGS: readonly string[] = [
  'TMRW100PEKR6X50',
  'tmrw100pekr6x50',
  ' TMRW100PEKR6X50',
  'TMRW100PEKR6X50 ',
  '\tTmRw100PeKr6X50\n',
  'TMRW100 PEKR6X50',
  'tmrw 100 pekr 6x50',
  'ＴＭＲＷ１００ＰＥＫＲ６Ｘ５０',
  'ｔｍｒｗ１００ｐｅｋｒ６ｘ５０',
  'TMRW100PEKR6X50\u00a0',
  '\u3000TMRW100PEKR6X50',
  'Tmrw100pekr6x50',
  'tMRW100PEKR6X50',
  'TMRW100pekr6x50',
  'tmrw100PEKR6X50',
  'TMRW１００PEKR6X50',
  'ＴＭＲＷ100PEKR6X50',
  'tmrw100pekr6ｘ50',
  ' t m r w 1 0 0 p e k r 6 x 5 0 ',
  'TMRW100PEKR6X50\u2003',
];
