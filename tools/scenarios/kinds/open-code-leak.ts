// tools/scenarios/kinds/open-code-leak.ts
// Glitch: an open code (no payment or segment terms) leaking gradually: a ramp over an hour or more, not a jump.

import { DAYS, GENERAL, HOUR, MINUTE, NORMAL_CURVE } from '../constants';
import { assemble, merge, type ScenarioOrder, subtotalOf } from '../orders';
import { voucherDiscount } from '../vouchers';
import { arrivals, poissonTimes, type World } from '../world';

/** When the leak starts and ends, drawn from the seed. */
export function leakPlan(world: World): {
  start: number;
  rampMinutes: number;
  peakPerMinute: number;
  end: number;
} {
  const random = world.random('open-code-leak-plan');
  const start = DAYS.incident + 16 * HOUR + random.int(0, 30) * MINUTE;
  const rampMinutes = random.int(45, 90);
  const peakPerMinute = random.between(10, 40);
  // 30 minutes at the peak, then the shop withdraws the code.
  return { start, rampMinutes, peakPerMinute, end: start + (rampMinutes + 30) * MINUTE };
}

/**
 * `GENERAL.openCode` is used a few times an hour on both days (legit). From the leak, its use ramps linearly from
 * that rate to 10-40 a minute over 45 to 90 minutes, stays there 30 minutes, and stops when the shop withdraws it.
 * Every use from the leak to the withdrawal is labelled glitch, incident `open-code-leak`; the code's usual uses
 * after that, on the same day, are legit orders of the same incident.
 */
export function openCodeLeak(world: World, base: readonly ScenarioOrder[]): ScenarioOrder[] {
  const random = world.random('open-code-leak');
  const code = GENERAL.openCode;
  const plan = leakPlan(world);
  const perDay = Math.max(10, Math.round(world.ordersPerDay / 30));
  const normalPerMinute = perDay / (24 * 60);
  const extra: ScenarioOrder[] = [];
  const endOfDay = DAYS.incident + 24 * HOUR;
  const use = (time: number, leaked: boolean) => {
    const shopper = world.shopper(random);
    const lines = world.basket(random, code.minSubtotal + 50_000);
    const discount = voucherDiscount(code.code, subtotalOf(lines));
    const { shipping, shippingDiscount } = world.shipping(random);
    extra.push(
      assemble(
        `welcome-${String(extra.length + 1).padStart(6, '0')}`,
        time,
        shopper,
        lines,
        discount === undefined ? [] : [{ code: code.code, discount }],
        shipping,
        shippingDiscount,
        leaked ? 'glitch' : 'legit',
        // The code's usual uses after the leak, that day: a guard must not hold them for the rest of the day.
        leaked || (time >= plan.end && time < endOfDay) ? 'open-code-leak' : undefined,
      ),
    );
  };
  for (const day of [DAYS.warmup, DAYS.incident]) {
    for (const time of arrivals(random, day, perDay, NORMAL_CURVE)) {
      if (time < plan.start || time >= plan.end) use(time, false);
    }
  }
  const minutes = (plan.end - plan.start) / MINUTE;
  const rate = (minute: number) =>
    minute >= plan.rampMinutes
      ? plan.peakPerMinute
      : normalPerMinute + ((plan.peakPerMinute - normalPerMinute) * minute) / plan.rampMinutes;
  for (const time of poissonTimes(random, plan.start, minutes, rate)) use(time, true);
  return merge(base, extra);
}
