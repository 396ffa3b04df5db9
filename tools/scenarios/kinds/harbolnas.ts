// tools/scenarios/kinds/harbolnas.ts
// Scenario 5: 11.11 with ten times the traffic and 70-80% flash-sale discounts on listed SKUs, all legitimate.

import { DAYS, HARBOLNAS, HARBOLNAS_CURVE } from '../constants';
import {
  assemble,
  type LineDraft,
  roundDown,
  type ScenarioOrder,
  type Shopper,
  subtotalOf,
  type VoucherDraft,
} from '../orders';
import { arrivals, stillEligible, type World } from '../world';

/**
 * 11.11: ten times a normal day (peaking at the midnight launch), the listed SKUs 70-80% off and the campaign's
 * voucher; codes in `retired` are no longer applied. Labelled legit, incident `harbolnas`.
 */
export function harbolnasDay(world: World, retired: readonly string[] = []): ScenarioOrder[] {
  const random = world.random('harbolnas');
  const listed = new Set(world.harbolnasSkus);
  return arrivals(random, DAYS.harbolnas, world.ordersPerDay * 10, HARBOLNAS_CURVE).map((at, index) => {
    const order = world.normalOrder(random, `h1111-${String(index + 1).padStart(6, '0')}`, at);
    const lines = order.lines.map((line) => {
      if (!listed.has(line.sku)) return line;
      const percent = random.int(70, 80);
      return { ...line, discount: roundDown((line.unitPrice * line.quantity * percent) / 100, 100) };
    });
    const subtotal = subtotalOf(lines);
    let vouchers = stillEligible(order.vouchers ?? [], subtotal, retired);
    if (vouchers.length === 0 && subtotal >= 100_000 && random.chance(0.3)) {
      vouchers = [{ code: HARBOLNAS.voucher, discount: 20_000 }];
    }
    return assemble(
      order.orderId,
      at,
      order as Shopper,
      lines as LineDraft[],
      vouchers as VoucherDraft[],
      order.shipping ?? 0,
      order.shippingDiscount ?? 0,
      'legit',
      'harbolnas',
    );
  });
}
