// tools/scenarios/kinds/price-drift.ts
// Glitch: a repricing tool lowers (or raises) a popular SKU's list price by a few percent every quarter of an hour,
// all day.

import type { Sku } from '../catalog';
import { DAYS, HOUR, MINUTE, NORMAL_CURVE } from '../constants';
import { merge, roundDown, type ScenarioOrder } from '../orders';
import { reprice } from '../vouchers';
import { arrivals, poissonTimes, type World } from '../world';
import { markdownPlan } from './markdown';

/** Which way the repricer walks the price: `down` (the `price-drift` stream) or `up` (`price-rise`). */
export type DriftDirection = 'down' | 'up';

/** What the repricer does, drawn from the seed: which SKU, from when, and how much each step takes off or adds. */
export interface DriftPlan {
  sku: Sku;
  start: number;
  /** Percent taken off (added to) the current price every quarter of an hour, 2 to 4. */
  stepPercent: number;
  direction: DriftDirection;
  /** The list price in force at `at` (the catalog price before `start`). */
  priceAt(at: number): number;
}

/**
 * The drift of this world: one of the 10 most popular SKUs (not the marked-down one, not electronics). Both
 * directions draw the same SKU, start and step.
 */
export function driftPlan(world: World, direction: DriftDirection = 'down'): DriftPlan {
  const random = world.random('price-drift-plan');
  const sku = world.popularSkus(random, 1, 10, ['electronics', markdownPlan(world).sku.sku])[0]!;
  const start = DAYS.incident + 8 * HOUR + random.int(0, 60) * MINUTE;
  const stepPercent = random.int(2, 4);
  const factor = direction === 'down' ? 100 - stepPercent : 100 + stepPercent;
  const priceAt = (at: number) => {
    if (at < start) return sku.price;
    let price = sku.price;
    for (let step = 1; step <= Math.floor((at - start) / (15 * MINUTE)) + 1; step++) {
      price = Math.max(1000, roundDown((price * factor) / 100, 100));
    }
    return price;
  };
  return { sku, start, stepPercent, direction, priceAt };
}

/** The median of what the SKU's lines paid a unit before the drift: the price shoppers usually paid. */
function usualPaid(base: readonly ScenarioOrder[], sku: string, before: number): number {
  const paid: number[] = [];
  for (const order of base) {
    if (Date.parse(order.timestamp) >= before) break;
    for (const line of order.lines) {
      if (line.sku === sku)
        paid.push(Math.floor((line.unitPrice * line.quantity - (line.discount ?? 0)) / line.quantity));
    }
  }
  paid.sort((a, b) => a - b);
  return paid[Math.floor(paid.length / 2)] ?? 0;
}

/**
 * The SKU sells about one order a minute at the day's peak on both days (a bestseller). From the plan's start to
 * the end of the incident day, every order of it pays the repricer's current price (its line discount scaled with
 * it). Walked down, more shoppers buy it as it gets cheaper (up to three times its usual rate), and an order with a
 * line of it paying under half of what the SKU's lines usually paid before the drift (the history rules' bound) is
 * a glitch, incident `price-drift`. Walked up, its shoppers stay as many, and an order with a line of it paying over
 * three times that (the bound the other way) is a glitch, incident `price-rise`. The drift's orders before the
 * bound are legit orders of the same incident (wrong prices, but within what the history rules let through).
 */
export function priceDrift(
  world: World,
  base: readonly ScenarioOrder[],
  direction: DriftDirection = 'down',
): ScenarioOrder[] {
  const plan = driftPlan(world, direction);
  const down = direction === 'down';
  const incident = down ? 'price-drift' : 'price-rise';
  const random = world.random(down ? 'price-drift' : 'price-rise');
  const endOfDay = DAYS.incident + 24 * HOUR;
  // A bestseller: on both days about one order a minute at the day's peak (ordersPerDay / 2 a day), enough samples
  // that its median keeps up with a price moving every quarter of an hour (10 samples per 10 minutes).
  const perDay = Math.max(600, Math.round(world.ordersPerDay / 2));
  const times = [
    ...arrivals(random, DAYS.warmup, perDay, NORMAL_CURVE),
    ...arrivals(random, DAYS.incident, perDay, NORMAL_CURVE),
  ];
  // More shoppers as the price falls: up to twice as many again.
  const peak = perDay / (24 * 60);
  if (down) {
    times.push(
      ...poissonTimes(
        random,
        plan.start,
        (endOfDay - plan.start) / MINUTE,
        (m) => peak * Math.min(2, m / 240),
      ),
    );
  }
  const prefix = down ? 'drift' : 'rise';
  const extra = times
    .sort((a, b) => a - b)
    .map((time, index) =>
      world.orderOf(random, `${prefix}-${String(index + 1).padStart(5, '0')}`, time, plan.sku),
    );
  const all = merge(base, extra);
  const usual = usualPaid(all, plan.sku.sku, plan.start);
  return all.map((order) => {
    const at = Date.parse(order.timestamp);
    if (at < plan.start || at >= endOfDay || !order.lines.some((line) => line.sku === plan.sku.sku))
      return order;
    const price = plan.priceAt(at);
    const repriced = reprice(
      order,
      (line) =>
        line.sku === plan.sku.sku
          ? { ...line, unitPrice: price, discount: roundDown((line.discount * price) / line.unitPrice, 100) }
          : line,
      'legit',
      incident,
    );
    const line = repriced.lines.find((candidate) => candidate.sku === plan.sku.sku)!;
    const paid = line.unitPrice * line.quantity - (line.discount ?? 0);
    const past = down ? Math.floor(paid / line.quantity) * 2 < usual : paid > 3 * usual * line.quantity;
    return past && repriced.label === 'legit' && repriced.incident === incident
      ? { ...repriced, label: 'glitch' }
      : repriced;
  });
}
