// test/replay/drift.test.ts
// Replays of a generated price drift: a repricer walks a bestseller's price down (or up) a few percent every quarter
// of an hour, so the median follows; every order past the bound is held from the first, with and without a catalog,
// in memory and on Redis, and none before it.

import { join } from 'node:path';
import { readDocument } from '../../src/config/document';
import { parsePolicy } from '../../src/core/policy';
import { replay } from '../../src/replay/replay';
import { ScenarioGenerator, type ScenarioOrder, toNdjson } from '../../tools/scenarios';
import { type DriftDirection, driftPlan } from '../../tools/scenarios/kinds/price-drift';
import { startRedis, stopAll } from '../helpers/redis';
import { EXAMPLES } from './fixtures';

afterAll(() => stopAll());

const generator = new ScenarioGenerator({ seed: 11, ordersPerDay: 1200 });
const document = readDocument(join(EXAMPLES, 'policy.general.yaml'));
if (!document.ok) throw new Error(document.problem.message);
const shop = document.data as { catalog?: Record<string, unknown> };

/** The drift's stream as replay lines, its plan, and the shop's policy without and with the SKU in the catalog. */
function drift(direction: DriftDirection, stream: ScenarioOrder[]) {
  const plan = driftPlan(generator, direction);
  return {
    plan,
    stream,
    lines: toNdjson(stream).split('\n'),
    policies: {
      'without a catalog': parsePolicy(shop),
      'with the SKU in the catalog': parsePolicy({
        ...shop,
        catalog: { ...shop.catalog, [plan.sku.sku]: { IDR: plan.sku.price } },
      }),
    },
  };
}

const stores = ['memory', 'redis'] as const;
const cases = (policies: Record<string, unknown>) =>
  Object.keys(policies).flatMap((name) => stores.map((store) => [name, store] as const));

/** Replays `lines` under `policy` on a fresh store of the kind given. */
async function replayOn(
  store: (typeof stores)[number],
  lines: string[],
  policy: ReturnType<typeof parsePolicy>,
) {
  const redis = store === 'redis' ? await startRedis() : undefined;
  return replay(lines, { policy, ...(redis ? { store, redisUrl: redis.url } : {}) });
}

// A few thousand orders through a real Redis: generous for a busy machine (no timing is asserted).
const REPLAY_MS = 180_000;

describe('replay of a price drifting down in small steps (seed 11)', () => {
  const { plan, stream, lines, policies } = drift('down', generator.priceDrift());

  it('is a drift the median follows: many small steps, most orders far below what shoppers usually paid', () => {
    const orders = stream.filter((order) => order.incident === 'price-drift');
    expect(orders.filter((order) => order.label === 'glitch').length).toBeGreaterThan(300);
    expect(orders.filter((order) => order.label === 'legit').length).toBeGreaterThan(100);
    // Steps of 2-4% a quarter of an hour: the price in force an hour apart never differs by a third.
    for (let at = plan.start; at < plan.start + 12 * 3_600_000; at += 3_600_000) {
      expect(plan.priceAt(at + 3_600_000) * 3).toBeGreaterThan(plan.priceAt(at) * 2);
    }
  });

  it.each(cases(policies))(
    'holds every order past the bound from the first, and none before it, %s (%s)',
    async (name, store) => {
      const report = await replayOn(store, lines, policies[name as keyof typeof policies]);
      const incident = report.incidents['price-drift']!;
      expect(incident).toMatchObject({ glitchAllowed: 0, escapedBeforeDetection: 0, legitHeld: 0 });
      expect(incident.firstHeldByRule.below_recent_price).toBeDefined();
      expect(report.labels.falseHoldRate).toBe(0);
    },
    REPLAY_MS,
  );
});

describe('replay of a price drifting up in small steps (seed 11)', () => {
  const { plan, stream, lines, policies } = drift('up', generator.priceRise());
  const orders = stream.filter((order) => order.incident === 'price-rise');
  /** The orders listing the SKU over twice its catalog price: past the catalog's bound (referencePrice, 2x). */
  const pastList = orders.filter((order) =>
    order.lines.some((line) => line.sku === plan.sku.sku && line.unitPrice > 2 * plan.sku.price),
  );

  it('is a drift the median follows up: many small steps, the last orders over three times what shoppers paid', () => {
    expect(orders.filter((order) => order.label === 'glitch').length).toBeGreaterThan(20);
    expect(orders.filter((order) => order.label === 'legit').length).toBeGreaterThan(100);
    for (let at = plan.start; at < plan.start + 12 * 3_600_000; at += 3_600_000) {
      expect(plan.priceAt(at + 3_600_000) * 2).toBeLessThan(plan.priceAt(at) * 3);
    }
    // Going up, the catalog's bound comes first: every order past the history rules' bound is past it too.
    const glitches = orders.filter((order) => order.label === 'glitch');
    expect(glitches.every((order) => pastList.includes(order))).toBe(true);
    expect(pastList.length).toBeGreaterThan(glitches.length);
  });

  it.each(stores)(
    'holds every order past the bound from the first, and none before it, without a catalog (%s)',
    async (store) => {
      const report = await replayOn(store, lines, policies['without a catalog']);
      const incident = report.incidents['price-rise']!;
      expect(incident).toMatchObject({ glitchAllowed: 0, escapedBeforeDetection: 0, legitHeld: 0 });
      expect(incident.firstHeldByRule.above_recent_price).toBeDefined();
      expect(report.labels.falseHoldRate).toBe(0);
    },
    REPLAY_MS,
  );

  it.each(stores)(
    'holds every order past the catalog’s bound from the first, and none before it, with the SKU in the catalog (%s)',
    async (store) => {
      const report = await replayOn(store, lines, policies['with the SKU in the catalog']);
      const incident = report.incidents['price-rise']!;
      expect(incident).toMatchObject({ glitchAllowed: 0, escapedBeforeDetection: 0 });
      // The orders held are exactly those listing the SKU over twice its catalog price, from the first of them.
      expect(incident.held).toBe(pastList.length);
      expect(incident.firstHeld).toMatchObject({ orderId: pastList[0]!.orderId, rules: ['reference_price'] });
    },
    REPLAY_MS,
  );
});
