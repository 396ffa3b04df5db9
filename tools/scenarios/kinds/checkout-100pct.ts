// tools/scenarios/kinds/checkout-100pct.ts
// Incident 1 (docs/incidents.md): every line discounted 100% at checkout for 30 minutes while word spreads.

import { DAYS, HOUR, MINUTE, NORMAL_CURVE } from '../constants';
import { assemble, byTime, type LineDraft, type ScenarioOrder, type Shopper } from '../orders';
import type { World } from '../world';

/**
 * Every line discounted 100% from 10:00 to 10:30 on the incident day, traffic rising to 8x as word spreads; half of
 * those orders still pay shipping, the rest are free. Labelled glitch, incident `checkout-100pct`.
 */
export function checkout100(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('checkout-100pct');
  const start = DAYS.incident + 10 * HOUR;
  const end = start + 30 * MINUTE;
  const extra: ScenarioOrder[] = [];
  const hourly = (world.ordersPerDay * NORMAL_CURVE[10]!) / 24 / 60;
  for (let minute = 0; minute < 30; minute++) {
    const count = random.poisson((hourly * (7 * minute)) / 29);
    for (let i = 0; i < count; i++) {
      const at = start + minute * MINUTE + Math.floor(random.next() * MINUTE);
      extra.push(world.normalOrder(random, `glitch100-${String(extra.length + 1).padStart(5, '0')}`, at));
    }
  }
  const all = [...base, ...extra].sort(byTime);
  return all.map((order) => {
    const at = Date.parse(order.timestamp);
    if (at < start || at >= end) return order;
    const lines = order.lines.map((line) => ({ ...line, discount: line.unitPrice * line.quantity }));
    // Shipping is still charged on some orders; on the rest a free-shipping promo makes the total zero.
    const free = random.chance(0.5);
    return assemble(
      order.orderId,
      at,
      order as Shopper,
      lines as LineDraft[],
      [],
      order.shipping ?? 0,
      free ? (order.shipping ?? 0) : 0,
      'glitch',
      'checkout-100pct',
    );
  });
}
