// tools/scenarios/kinds/price-1000x.ts
// Incident 3: an expensive SKU's catalog price entered 1000x too low for 45 minutes, found by bargain hunters.

import { DAYS, HOUR, MINUTE, MISPRICED_SKU } from '../constants';
import {
  assemble,
  byTime,
  type LineDraft,
  type ScenarioOrder,
  type Shopper,
  subtotalOf,
  type VoucherDraft,
} from '../orders';
import { stillEligible, type World } from '../world';

/** The tote bag's catalog price entered as 4,700 instead of 4,700,000 from 14:00 to 14:45. Labelled glitch. */
export function price1000x(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('price-1000x');
  const start = DAYS.incident + 14 * HOUR;
  const end = start + 45 * MINUTE;
  const bag = world.catalog.find((item) => item.sku === MISPRICED_SKU)!;
  const extra: ScenarioOrder[] = [];
  for (let minute = 0; minute < 45; minute++) {
    // Bargain hunters find it: from about one order every few minutes to several a minute.
    const count = random.poisson(0.2 + (minute / 44) * 4);
    for (let i = 0; i < count; i++) {
      const at = start + minute * MINUTE + Math.floor(random.next() * MINUTE);
      const shopper = world.shopper(random);
      const quantity = random.chance(0.7) ? 1 : random.int(2, 5);
      const { shipping, shippingDiscount } = world.shipping(random);
      extra.push(
        assemble(
          `mispriced-${String(extra.length + 1).padStart(5, '0')}`,
          at,
          shopper,
          [{ sku: bag.sku, quantity, unitPrice: bag.price, discount: 0, category: bag.category }],
          [],
          shipping,
          shippingDiscount,
          'legit',
        ),
      );
    }
  }
  return [...base, ...extra].sort(byTime).map((order) => {
    const at = Date.parse(order.timestamp);
    if (at < start || at >= end || !order.lines.some((line) => line.sku === MISPRICED_SKU)) return order;
    const lines = order.lines.map((line) =>
      line.sku === MISPRICED_SKU
        ? { ...line, unitPrice: line.unitPrice / 1000, discount: Math.floor((line.discount ?? 0) / 1000) }
        : line,
    );
    const vouchers = stillEligible(order.vouchers ?? [], subtotalOf(lines));
    return assemble(
      order.orderId,
      at,
      order as Shopper,
      lines as LineDraft[],
      vouchers as VoucherDraft[],
      order.shipping ?? 0,
      order.shippingDiscount ?? 0,
      'glitch',
      'price-1000x',
    );
  });
}
