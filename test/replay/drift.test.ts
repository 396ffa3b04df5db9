// test/replay/drift.test.ts
// Replay of a generated price drift: a repricer walks a bestseller down a few percent every quarter of an hour,
// so the median follows; every order past the history rules' bound is held from the first, with and without a
// catalog, and none before it.

import { join } from 'node:path';
import { readDocument } from '../../src/config/document';
import { parsePolicy } from '../../src/core/policy';
import { replay } from '../../src/replay/replay';
import { ScenarioGenerator, toNdjson } from '../../tools/scenarios';
import { driftPlan } from '../../tools/scenarios/kinds/price-drift';
import { EXAMPLES } from './fixtures';

describe('replay of a price drifting down in small steps (seed 11)', () => {
  const generator = new ScenarioGenerator({ seed: 11, ordersPerDay: 1200 });
  const plan = driftPlan(generator);
  const stream = generator.priceDrift();
  const lines = toNdjson(stream).split('\n');
  const document = readDocument(join(EXAMPLES, 'policy.general.yaml'));
  if (!document.ok) throw new Error(document.problem.message);
  const shop = document.data as { catalog?: Record<string, unknown> };
  const policies = {
    'without a catalog': parsePolicy(shop),
    'with the SKU in the catalog': parsePolicy({
      ...shop,
      catalog: { ...shop.catalog, [plan.sku.sku]: { IDR: plan.sku.price } },
    }),
  };

  it('is a drift the median follows: many small steps, most orders far below what shoppers usually paid', () => {
    const drift = stream.filter((order) => order.incident === 'price-drift');
    expect(drift.filter((order) => order.label === 'glitch').length).toBeGreaterThan(300);
    expect(drift.filter((order) => order.label === 'legit').length).toBeGreaterThan(100);
    // Steps of 2-4% a quarter of an hour: the price in force an hour apart never differs by a third.
    for (let at = plan.start; at < plan.start + 12 * 3_600_000; at += 3_600_000) {
      expect(plan.priceAt(at + 3_600_000) * 3).toBeGreaterThan(plan.priceAt(at) * 2);
    }
  });

  it.each(Object.keys(policies))(
    'holds every order past the bound from the first, and none before it, %s',
    async (name) => {
      const report = await replay(lines, { policy: policies[name as keyof typeof policies] });
      const drift = report.incidents['price-drift']!;
      expect(drift).toMatchObject({ glitchAllowed: 0, escapedBeforeDetection: 0, legitHeld: 0 });
      expect(drift.firstHeldByRule.below_recent_price).toBeDefined();
      expect(report.labels.falseHoldRate).toBe(0);
    },
  );
});
