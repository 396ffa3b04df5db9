// tools/scenarios/kinds/overcharge-burst.ts
// Glitch: a fat finger adds zeros to the list price of one to three popular SKUs for half an hour.

import { DAYS, HOUR, MINUTE } from '../constants';
import type { ScenarioOrder } from '../orders';
import { reprice } from '../vouchers';
import type { World } from '../world';
import { markdownPlan } from './markdown';

/**
 * From 20:00-20:20 for 30 minutes, one to three of the 30 most popular SKUs (not the flash sale's category, not the
 * marked-down SKU) list at 10, 100 or 1,000 times their price; the shoppers who buy anyway are overcharged. Those
 * orders are labelled glitch; the SKUs' orders after the fix, until the end of the day, legit (the guard must not
 * have learnt the wrong price from the burst); all under incident `overcharge-burst`.
 */
export function overchargeBurst(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('overcharge-burst');
  const skus = world.popularSkus(random, random.int(1, 3), 30, ['electronics', markdownPlan(world).sku.sku]);
  const factors = new Map(skus.map((item) => [item.sku, random.pick([10, 100, 1000])]));
  const start = DAYS.incident + 20 * HOUR + random.int(0, 20) * MINUTE;
  const end = start + 30 * MINUTE;
  const endOfDay = DAYS.incident + 24 * HOUR;
  return base.map((order) => {
    const at = Date.parse(order.timestamp);
    if (at < start || at >= endOfDay || !order.lines.some((line) => factors.has(line.sku))) return order;
    if (at >= end) {
      // After the fix: the SKUs' orders are the burst's aftermath, unless another kind already names them.
      return order.incident === undefined ? { ...order, incident: 'overcharge-burst' } : order;
    }
    return reprice(
      order,
      (line) => {
        const factor = factors.get(line.sku);
        return factor === undefined
          ? line
          : { ...line, unitPrice: line.unitPrice * factor, discount: line.discount * factor };
      },
      'glitch',
      'overcharge-burst',
    );
  });
}
