// tools/scenarios/kinds/public-code.ts
// Legit hard case: a public code launched with a declared rate, and its launch spike.

import { DAYS, GENERAL, HOUR, MINUTE } from '../constants';
import { assemble, merge, type ScenarioOrder, subtotalOf } from '../orders';
import { voucherDiscount } from '../vouchers';
import { poissonTimes, type World } from '../world';

/**
 * `GENERAL.publicCode` goes live at its start: a spike peaking at 40-90% of its declared rate in the first minutes,
 * decaying over 20 to 45 minutes to a tenth of the peak, which lasts the rest of the day. Every use is labelled
 * legit, incident `public-code-launch`.
 */
export function publicCode(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('public-code');
  const code = GENERAL.publicCode;
  const start = Date.parse(code.startsAt);
  const peak = (code.expectedPerHour / 60) * random.between(0.4, 0.9);
  const decay = random.int(20, 45);
  const minutes = (DAYS.incident + 24 * HOUR - start) / MINUTE;
  const times = poissonTimes(
    random,
    start,
    minutes,
    (minute) => peak * (0.1 + 0.9 * Math.exp(-minute / decay)),
  );
  const extra = times.map((time, index) => {
    const shopper = world.shopper(random);
    const lines = world.basket(random, 2 * code.minSubtotal, () =>
      random.chance(0.6) ? 0 : 5 * random.int(1, 6),
    );
    const subtotal = subtotalOf(lines);
    const discount = voucherDiscount(code.code, subtotal);
    const vouchers = discount === undefined ? [] : [{ code: code.code, discount }];
    const { shipping, shippingDiscount } = world.shipping(random);
    return assemble(
      `launch25-${String(index + 1).padStart(6, '0')}`,
      time,
      shopper,
      lines,
      vouchers,
      shipping,
      shippingDiscount,
      'legit',
      'public-code-launch',
    );
  });
  return merge(base, extra);
}
