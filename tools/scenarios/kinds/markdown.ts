// tools/scenarios/kinds/markdown.ts
// Legit hard case: an unannounced permanent markdown of a popular SKU; shoppers notice and buy more of it.

import type { Sku } from '../catalog';
import { DAYS, HOUR, MINUTE } from '../constants';
import { merge, roundDown, type ScenarioOrder } from '../orders';
import { reprice } from '../vouchers';
import { poissonTimes, type World } from '../world';

/** What the shop did, drawn from the seed: which SKU, when, and its new list price. */
export interface MarkdownPlan {
  sku: Sku;
  at: number;
  /** Percent taken off the list price, 50 to 75. */
  depth: number;
  price: number;
}

/** The markdown of this world: one of the 30 most popular SKUs (not electronics, which has the flash sale). */
export function markdownPlan(world: World): MarkdownPlan {
  const random = world.random('markdown-plan');
  const sku = world.popularSkus(random, 1, 30, ['electronics'])[0]!;
  const at = DAYS.incident + 11 * HOUR + random.int(0, 30) * MINUTE;
  const depth = random.int(50, 75);
  // Priced the way shops price: rounded down to IDR 1,000, less 100.
  const price = Math.max(900, roundDown((sku.price * (100 - depth)) / 100, 1000) - 100);
  return { sku, at, depth, price };
}

/**
 * From the markdown on, every order of the SKU pays the new list price (its line discount scaled with it), and
 * about twice as many shoppers buy it. Those orders are labelled legit, incident `markdown`: the guard should not
 * hold them, or should stop holding them soon after on-call approves the first ones.
 */
export function markdown(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const plan = markdownPlan(world);
  const random = world.random('markdown');
  const endOfDay = DAYS.incident + 24 * HOUR;
  // The SKU's usual orders a minute, from its share of the catalog's popularity (about 1.6 lines an order).
  const share = plan.sku.weight / world.catalog.reduce((sum, item) => sum + item.weight, 0);
  const rate = (world.ordersPerDay * 1.6 * share) / (24 * 60);
  const extra = poissonTimes(random, plan.at, (endOfDay - plan.at) / MINUTE, () => rate).map((time, index) =>
    world.orderOf(random, `markdown-${String(index + 1).padStart(5, '0')}`, time, plan.sku),
  );
  return merge(base, extra).map((order) => {
    const at = Date.parse(order.timestamp);
    if (at < plan.at || !order.lines.some((line) => line.sku === plan.sku.sku)) return order;
    return reprice(
      order,
      (line) =>
        line.sku === plan.sku.sku
          ? {
              ...line,
              unitPrice: plan.price,
              discount: roundDown((line.discount * plan.price) / line.unitPrice, 100),
            }
          : line,
      'legit',
      'markdown',
    );
  });
}
