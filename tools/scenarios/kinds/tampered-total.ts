// tools/scenarios/kinds/tampered-total.ts
// Incident 4: a tampered client that sends totals lower than its lines add up to, all day.

import { DAYS, HOUR } from '../constants';
import { byTime, roundDown, type ScenarioOrder } from '../orders';
import type { World } from '../world';

/** About one order in 75 of a day from a client that knocks 10-60% off the total it sends. Labelled glitch. */
export function tamperedTotals(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('tampered-total');
  const extra: ScenarioOrder[] = [];
  const count = Math.max(10, Math.round(world.ordersPerDay / 75));
  for (let i = 0; i < count; i++) {
    const at = DAYS.incident + 9 * HOUR + Math.floor(random.next() * 12 * HOUR);
    const order = world.normalOrder(random, `tamper-${String(i + 1).padStart(5, '0')}`, at);
    // Knocks 10-60% off the total the client computed (rounded to IDR 1,000), leaving lines untouched.
    const cut = Math.max(1000, roundDown((order.total * random.int(10, 60)) / 100, 1000));
    extra.push({
      ...order,
      customerId: `tamper-${random.int(1, 5)}`,
      total: order.total - cut,
      label: 'glitch',
      incident: 'tampered-total',
    });
  }
  return [...base, ...extra].sort(byTime);
}
