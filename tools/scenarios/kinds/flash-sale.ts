// tools/scenarios/kinds/flash-sale.ts
// Legit hard case: a declared category flash sale, 60-85% off with a relative campaign floor, and its rush.

import { Picker } from '../catalog';
import { GENERAL, MINUTE, NORMAL_CURVE } from '../constants';
import { assemble, merge, roundDown, type ScenarioOrder, subtotalOf } from '../orders';
import { reprice } from '../vouchers';
import { poissonTimes, type World } from '../world';

/** The flash sale's window as epoch milliseconds. */
export function flashWindow(): { start: number; end: number } {
  return { start: Date.parse(GENERAL.flashSale.startsAt), end: Date.parse(GENERAL.flashSale.endsAt) };
}

/** A picker over the flash sale's category. */
export function flashPicker(world: World): Picker {
  return new Picker(world.catalog.filter((item) => item.category === GENERAL.flashSale.category));
}

/** A flash-sale discount of `value`: 60-85% off, rounded down to IDR 100. */
const flashDiscount = (value: number, percent: number) => roundDown((value * percent) / 100, 100);

/**
 * During `GENERAL.flashSale` every line of its category is 60-85% off, and twice the category's usual shoppers come
 * for it (baskets of one to three of its SKUs). Orders with a flash-sale line are labelled legit, incident
 * `flash-sale`.
 */
export function flashSale(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('flash-sale');
  const { start, end } = flashWindow();
  const category = GENERAL.flashSale.category;
  const picker = flashPicker(world);
  const hour = new Date(start).getUTCHours() + 7;
  const rate =
    (2 * world.ordersPerDay * NORMAL_CURVE[hour % 24]!) / NORMAL_CURVE.reduce((a, b) => a + b) / 60;
  const extra = poissonTimes(random, start, (end - start) / MINUTE, () => rate).map((time, index) => {
    const shopper = world.shopper(random);
    const lines = world.basket(random, random.int(1, 3) * 100_000, () => 0, picker);
    const { shipping, shippingDiscount } = world.shipping(random);
    const vouchers = world.regularVouchers(random, shopper, subtotalOf(lines));
    return assemble(
      `flash-${String(index + 1).padStart(5, '0')}`,
      time,
      shopper,
      lines,
      vouchers,
      shipping,
      shippingDiscount,
      'legit',
    );
  });
  return merge(base, extra).map((order) => {
    const at = Date.parse(order.timestamp);
    if (at < start || at >= end || !order.lines.some((line) => line.category === category)) return order;
    if (order.label === 'glitch') return order; // a glitch at its own prices (the stacking bug)
    return reprice(
      order,
      (line) =>
        line.category === category
          ? { ...line, discount: flashDiscount(line.unitPrice * line.quantity, random.int(60, 85)) }
          : line,
      'legit',
      'flash-sale',
    );
  });
}
