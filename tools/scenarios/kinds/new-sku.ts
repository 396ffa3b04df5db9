// tools/scenarios/kinds/new-sku.ts
// Glitch: a new SKU mispriced from its first sale (two zeros dropped), with and without a declared catalog price.

import { DAYS, GENERAL, HOUR, MINUTE } from '../constants';
import { merge, type ScenarioOrder } from '../orders';
import { poissonTimes, type World } from '../world';

/** The incident name of a launch: `new-sku-declared` or `new-sku-undeclared`. */
export const launchIncident = (declared: boolean) => (declared ? 'new-sku-declared' : 'new-sku-undeclared');

/**
 * Each SKU of `GENERAL.launches` goes on sale at its launch time listed at a hundredth of its price. Bargain hunters
 * find it (from one order every few minutes to about three a minute) until the shop fixes the price 60 to 120
 * minutes later; then it sells at its price, a few an hour, until the end of the day. Mispriced orders are labelled
 * glitch, the later ones legit; both under the launch's incident.
 */
export function newSku(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('new-sku');
  const extra: ScenarioOrder[] = [];
  for (const launch of GENERAL.launches) {
    const at = Date.parse(launch.at);
    const mispriced = random.int(60, 120);
    const fixedAt = at + mispriced * MINUTE;
    const endOfDay = DAYS.incident + 24 * HOUR;
    const incident = launchIncident(launch.declared);
    const glitch = poissonTimes(
      random,
      at,
      mispriced,
      (minute) => 0.2 + (minute / Math.max(1, mispriced - 1)) * 3,
    );
    const legit = poissonTimes(random, fixedAt, Math.max(0, (endOfDay - fixedAt) / MINUTE), () => 0.1);
    for (const time of glitch) {
      const order = world.orderOf(random, `${launch.sku.toLowerCase()}-${extra.length + 1}`, time, {
        sku: launch.sku,
        price: launch.price / 100,
        category: launch.category,
      });
      extra.push({ ...order, label: 'glitch', incident });
    }
    for (const time of legit) {
      const order = world.orderOf(random, `${launch.sku.toLowerCase()}-${extra.length + 1}`, time, launch);
      extra.push({ ...order, incident });
    }
  }
  return merge(base, extra);
}
