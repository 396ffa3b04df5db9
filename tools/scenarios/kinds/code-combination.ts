// tools/scenarios/kinds/code-combination.ts
// Glitch: a popular code abused in one combination (stacked with another code by a checkout bug) while its normal
// use goes on.

import { COMBINATION, DAYS, HOUR, MINUTE, NORMAL_CURVE } from '../constants';
import { assemble, merge, type ScenarioOrder, subtotalOf, type VoucherDraft } from '../orders';
import { voucherDiscount } from '../vouchers';
import { arrivals, poissonTimes, type World } from '../world';

/** When the bug lets the two codes stack, drawn from the seed. */
export function combinationPlan(world: World): { start: number; end: number; peakPerMinute: number } {
  const random = world.random('code-combination-plan');
  const start = DAYS.incident + 19 * HOUR + random.int(0, 40) * MINUTE;
  return { start, end: start + 40 * MINUTE, peakPerMinute: random.between(2, 6) };
}

/**
 * `COMBINATION.popular` is used alone all day on both days (a sixth of the shop's orders a day, by the day's curve),
 * `COMBINATION.other` alone a third as often. For forty minutes in the evening a bug lets them stack: word spreads
 * from one such order every few minutes to 2-6 a minute. The stacked orders are glitch, incident
 * `code-combination`; the popular code's usual uses from the bug to an hour after it are legit orders of the same
 * incident (a guard that holds every use of a tripped code holds them too).
 */
export function codeCombination(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('code-combination');
  const plan = combinationPlan(world);
  const extra: ScenarioOrder[] = [];
  const use = (time: number, codes: readonly string[], label: 'glitch' | 'legit', incident?: string) => {
    const shopper = world.shopper(random);
    const lines = world.basket(random, 2 * COMBINATION.other.minSubtotal, () =>
      random.chance(0.6) ? 0 : 5 * random.int(1, 6),
    );
    const subtotal = subtotalOf(lines);
    const vouchers: VoucherDraft[] = codes.flatMap((code) => {
      const discount = voucherDiscount(code, subtotal);
      return discount === undefined ? [] : [{ code, discount }];
    });
    const { shipping, shippingDiscount } = world.shipping(random);
    const id = `${codes.join('-').toLowerCase()}-${String(extra.length + 1).padStart(6, '0')}`;
    extra.push(assemble(id, time, shopper, lines, vouchers, shipping, shippingDiscount, label, incident));
  };
  const popularPerDay = Math.max(60, Math.round(world.ordersPerDay / 6));
  for (const day of [DAYS.warmup, DAYS.incident]) {
    for (const time of arrivals(random, day, popularPerDay, NORMAL_CURVE)) {
      const during = time >= plan.start && time < plan.end + HOUR;
      use(time, [COMBINATION.popular.code], 'legit', during ? 'code-combination' : undefined);
    }
    for (const time of arrivals(random, day, Math.round(popularPerDay / 3), NORMAL_CURVE)) {
      use(time, [COMBINATION.other.code], 'legit');
    }
  }
  const minutes = (plan.end - plan.start) / MINUTE;
  const rate = (minute: number) => 0.3 + ((plan.peakPerMinute - 0.3) * minute) / Math.max(1, minutes - 1);
  for (const time of poissonTimes(random, plan.start, minutes, rate)) {
    use(time, [COMBINATION.popular.code, COMBINATION.other.code], 'glitch', 'code-combination');
  }
  return merge(base, extra);
}
