// tools/scenarios/kinds/stacked-discounts.ts
// Glitch: discounts stacked across levels during the flash sale, each within its cap, paying a few percent of list.

import { DAYS, GENERAL, HOUR, MINUTE, NORMAL_CURVE } from '../constants';
import { assemble, merge, type ScenarioOrder, subtotalOf, type VoucherDraft } from '../orders';
import { voucherDiscount } from '../vouchers';
import { arrivals, poissonTimes, type World } from '../world';
import { flashPicker, flashWindow } from './flash-sale';

/**
 * The everyday `GENERAL.paydayCode` is used a few times an hour on both days (legit, no incident). During the flash
 * sale a checkout bug lets it stack with the public launch code on flash-sale prices for 20 minutes: lines 78-85% off
 * (within the campaign's cap), then 50% of the subtotal (within the payday code's terms), then 25% of it (within the
 * launch code's), so orders pay 3-6% of their list value. Word spreads: from one order every few minutes to about
 * three a minute. Labelled glitch, incident `stacked-discounts`; the payday code's everyday uses after the bug, that
 * day, are legit orders of the same incident.
 */
export function stackedDiscounts(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('stacked-discounts');
  const payday = GENERAL.paydayCode;
  const launch = GENERAL.publicCode;
  const extra: ScenarioOrder[] = [];
  const withVouchers = (codes: readonly string[], subtotal: number): VoucherDraft[] =>
    codes.flatMap((code) => {
      const discount = voucherDiscount(code, subtotal);
      return discount === undefined ? [] : [{ code, discount }];
    });

  // The bug: 20 minutes in the second hour of the flash sale.
  const { start } = flashWindow();
  const bugStart = start + (60 + world.random('stacked-discounts-plan').int(0, 20)) * MINUTE;
  const bugEnd = bugStart + 20 * MINUTE;
  const endOfDay = DAYS.incident + 24 * HOUR;

  // Everyday use of the payday code: a few orders an hour. Those after the bug, that day, belong to the incident:
  // a guard must not hold them for the rest of the day.
  for (const day of [DAYS.warmup, DAYS.incident]) {
    for (const time of arrivals(
      random,
      day,
      Math.max(10, Math.round(world.ordersPerDay / 40)),
      NORMAL_CURVE,
    )) {
      const shopper = world.shopper(random);
      const lines = world.basket(random, 2 * payday.minSubtotal, () =>
        random.chance(0.6) ? 0 : 5 * random.int(1, 6),
      );
      const { shipping, shippingDiscount } = world.shipping(random);
      extra.push(
        assemble(
          `payday-${String(extra.length + 1).padStart(5, '0')}`,
          time,
          shopper,
          lines,
          withVouchers([payday.code], subtotalOf(lines)),
          shipping,
          shippingDiscount,
          'legit',
          time >= bugEnd && time < endOfDay ? 'stacked-discounts' : undefined,
        ),
      );
    }
  }

  const picker = flashPicker(world);
  for (const time of poissonTimes(random, bugStart, 20, (minute) => 0.3 + (minute / 19) * 2.7)) {
    const shopper = world.shopper(random);
    // Enough flash-sale items that the codes' minimum purchase is met at flash-sale prices.
    const lines = world.basket(random, 500_000, () => random.int(78, 85), picker);
    const { shipping, shippingDiscount } = world.shipping(random);
    extra.push(
      assemble(
        `stacked-${String(extra.length + 1).padStart(5, '0')}`,
        time,
        shopper,
        lines,
        withVouchers([payday.code, launch.code], subtotalOf(lines)),
        shipping,
        shippingDiscount,
        'glitch',
        'stacked-discounts',
      ),
    );
  }
  return merge(base, extra);
}
