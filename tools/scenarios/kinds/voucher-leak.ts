// tools/scenarios/kinds/voucher-leak.ts
// Incident 2 (docs/incidents.md): a bank-only voucher posted online, then mass-redeemed with any payment method.

import {
  BANK_X_METHODS,
  DAYS,
  HOUR,
  LEAKED_VOUCHER,
  MINUTE,
  PAYMENT_METHODS,
  REGULAR_VOUCHERS,
} from '../constants';
import { assemble, byTime, type LineDraft, type ScenarioOrder } from '../orders';
import type { World } from '../world';

/**
 * The bank-x-only voucher posted online at 01:20, then mass-redeemed from 07:00 with any payment (ramping to
 * `leakPerMinute` for `leakMinutes`). Every use of the code from the post to the end of that day is labelled glitch.
 */
export function voucherLeak(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('voucher-leak');
  const leakedAt = DAYS.incident + HOUR + 20 * MINUTE;
  const massStart = DAYS.incident + 7 * HOUR;
  const extra: ScenarioOrder[] = [];
  const order = (at: number) => {
    const shopper = world.shopper(random);
    shopper.customerId = `leak-${String(random.int(1, 1_000_000)).padStart(7, '0')}`;
    // Most leak shoppers pay however they like; some do hold a bank-x card.
    if (random.chance(0.15)) shopper.paymentMethod = random.pick(BANK_X_METHODS);
    else
      while (shopper.paymentMethod.startsWith('card:bank-x'))
        shopper.paymentMethod = random.pick(PAYMENT_METHODS);
    const lines: LineDraft[] = [];
    let subtotal = 0;
    while (subtotal < REGULAR_VOUCHERS[LEAKED_VOUCHER].minSubtotal && lines.length < 5) {
      const item = world.picker.pick(random);
      if (lines.some((line) => line.sku === item.sku)) continue;
      lines.push({
        sku: item.sku,
        quantity: 1,
        unitPrice: item.price,
        discount: 0,
        category: item.category,
      });
      subtotal += item.price;
    }
    const { shipping, shippingDiscount } = world.shipping(random);
    extra.push(
      assemble(
        `leak-${String(extra.length + 1).padStart(6, '0')}`,
        at,
        shopper,
        lines,
        [{ code: LEAKED_VOUCHER, discount: REGULAR_VOUCHERS[LEAKED_VOUCHER].amount }],
        shipping,
        shippingDiscount,
        'glitch',
        'voucher-leak',
      ),
    );
  };
  // Early adopters after the post: a few an hour.
  for (let at = leakedAt + random.int(5, 20) * MINUTE; at < massStart; at += random.int(8, 30) * MINUTE) {
    order(at);
  }
  // Mass use: ramps to leakPerMinute within three minutes and stays there.
  for (let minute = 0; minute < world.leakMinutes; minute++) {
    const rate = world.leakPerMinute * Math.min(1, (minute + 1) / 3);
    const count = random.poisson(rate);
    for (let i = 0; i < count; i++) order(massStart + minute * MINUTE + Math.floor(random.next() * MINUTE));
  }
  // Every use of the code from the leak to the end of the day is suspect, including real bank-x card holders:
  // the code is compromised, so each use is reviewed (and the eligible ones released in bulk).
  const leakEnd = DAYS.incident + 24 * HOUR;
  return [...base, ...extra].sort(byTime).map((order) => {
    const at = Date.parse(order.timestamp);
    if (order.incident !== undefined || at < leakedAt || at >= leakEnd) return order;
    if (!(order.vouchers ?? []).some((voucher) => voucher.code === LEAKED_VOUCHER)) return order;
    return { ...order, label: 'glitch', incident: 'voucher-leak' };
  });
}
