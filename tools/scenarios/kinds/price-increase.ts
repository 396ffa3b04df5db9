// tools/scenarios/kinds/price-increase.ts
// Legit hard case: declared list price increases (priceChanges), one of them a correction to four times the price.

import { DAYS, GENERAL, NORMAL_CURVE } from '../constants';
import { merge, type ScenarioOrder } from '../orders';
import { arrivals, type World } from '../world';

/** Orders a day of each SKU whose price the shop raises (enough for history on the warm-up day). */
const perDay = (world: World) => Math.max(20, Math.round(world.ordersPerDay / 60));

/**
 * The SKUs of `GENERAL.priceIncreases` sell through both days, at the old list price until the declared change and
 * at the new one after it. Orders after the change are labelled legit, incident `price-increase`.
 */
export function priceIncrease(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('price-increase');
  const extra: ScenarioOrder[] = [];
  for (const change of GENERAL.priceIncreases) {
    const at = Date.parse(change.at);
    for (const [day, tag] of [
      [DAYS.warmup, 'd1109'],
      [DAYS.incident, 'd1110'],
    ] as const) {
      for (const time of arrivals(random, day, perDay(world), NORMAL_CURVE)) {
        const after = time >= at;
        const order = world.orderOf(random, `${change.sku.toLowerCase()}-${tag}-${extra.length + 1}`, time, {
          sku: change.sku,
          price: after ? change.after : change.before,
          category: change.category,
        });
        extra.push(after ? { ...order, incident: 'price-increase' } : order);
      }
    }
  }
  return merge(base, extra);
}
