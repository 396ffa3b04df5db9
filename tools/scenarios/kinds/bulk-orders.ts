// tools/scenarios/kinds/bulk-orders.ts
// Legit hard case: business customers ordering large quantities at usual prices with a volume discount.

import { DAYS, HOUR } from '../constants';
import { assemble, type LineDraft, merge, roundDown, type ScenarioOrder } from '../orders';
import type { World } from '../world';

/**
 * About one order in a hundred on the incident day, from 30 business customers between 09:00 and 17:00: one or two
 * SKUs, 20 to 300 units each, 0-15% volume discount, freight shipping, paid by bank transfer. Labelled legit,
 * incident `bulk-orders`.
 */
export function bulkOrders(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('bulk-orders');
  const count = Math.max(10, Math.round(world.ordersPerDay / 100));
  const extra: ScenarioOrder[] = [];
  for (let i = 0; i < count; i++) {
    const at = DAYS.incident + 9 * HOUR + Math.floor(random.next() * 8 * HOUR);
    const lines: LineDraft[] = [];
    for (let n = random.int(1, 2); lines.length < n; ) {
      const item = world.picker.pick(random);
      if (lines.some((line) => line.sku === item.sku)) continue;
      const quantity = random.int(20, 300);
      const discount = roundDown((item.price * quantity * 5 * random.int(0, 3)) / 100, 100);
      lines.push({ sku: item.sku, quantity, unitPrice: item.price, discount, category: item.category });
    }
    const shopper = {
      customerId: `b2b-${String(random.int(1, 30)).padStart(4, '0')}`,
      customerSegments: ['business'],
      paymentMethod: random.pick(['va:bca', 'va:mandiri']),
    };
    extra.push(
      assemble(
        `bulk-${String(i + 1).padStart(5, '0')}`,
        at,
        shopper,
        lines,
        [],
        1000 * random.int(100, 500),
        0,
        'legit',
        'bulk-orders',
      ),
    );
  }
  return merge(base, extra);
}
