// test/replay/code-combination.test.ts
// Replay of a popular code abused in one combination (stacked with another by a checkout bug) while its normal use
// goes on: the trip holds the stacked uses and lets the code's single-code uses through, in memory and on Redis;
// beside the same stream under a trip of every use (velocity.scoped: false), it holds at least 90% fewer of them.

import { join } from 'node:path';
import { readDocument } from '../../src/config/document';
import { parsePolicy } from '../../src/core/policy';
import { replay } from '../../src/replay/replay';
import { ScenarioGenerator, toNdjson } from '../../tools/scenarios';
import { combinationPlan } from '../../tools/scenarios/kinds/code-combination';
import { startRedis, stopAll } from '../helpers/redis';
import { EXAMPLES } from './fixtures';

afterAll(() => stopAll());

describe('replay of a code abused in one combination (seed 11)', () => {
  const generator = new ScenarioGenerator({ seed: 11, ordersPerDay: 1200 });
  const stream = generator.codeCombination();
  const lines = toNdjson(stream).split('\n');
  const document = readDocument(join(EXAMPLES, 'policy.general.yaml'));
  if (!document.ok) throw new Error(document.problem.message);
  const shop = document.data as { velocity?: Record<string, unknown> };
  const policy = parsePolicy(shop);
  /** The same shop with trips of every use, as before trips were scoped. */
  const everyUse = parsePolicy({ ...shop, velocity: { ...shop.velocity, scoped: false } });
  const plan = combinationPlan(generator);

  it('is a surge of stacked uses beside the code’s usual single-code uses, which go on during it', () => {
    const incident = stream.filter((order) => order.incident === 'code-combination');
    const abusive = incident.filter((order) => order.label === 'glitch');
    expect(abusive.length).toBeGreaterThan(50);
    for (const order of abusive)
      expect(order.vouchers?.map((voucher) => voucher.code)).toEqual(['DAILY10', 'ONGKIR20']);
    const normal = incident.filter((order) => order.label === 'legit');
    expect(normal.length).toBeGreaterThan(10);
    for (const order of normal) expect(order.vouchers?.map((voucher) => voucher.code)).toEqual(['DAILY10']);
  });

  it.each(['memory', 'redis'] as const)(
    'holds every stacked use from the trip on and at least 90% fewer single-code uses than a trip of every use (%s)',
    async (store) => {
      const redis = store === 'redis' ? await startRedis() : undefined;
      const run = async (judged: typeof policy) =>
        (await replay(lines, { policy: judged, ...(redis ? { store, redisUrl: redis.url } : {}) })).incidents[
          'code-combination'
        ]!;
      const scoped = await run(policy);
      const unscoped = await run(everyUse);
      for (const incident of [scoped, unscoped]) {
        // The abusive uses: all held once the code trips (the first few are what trips it), scoped or not.
        expect(incident.glitch).toBeGreaterThan(50);
        expect(incident.glitchAllowed).toBe(incident.escapedBeforeDetection);
        expect(incident.escapedBeforeDetection).toBeLessThanOrEqual(10);
        expect(incident.firstHeldByRule.voucher_velocity).toBeDefined();
        expect(Date.parse(incident.firstHeldByRule.voucher_velocity!.at)).toBeGreaterThanOrEqual(plan.start);
      }
      // Scoping changes what a trip holds, not when the code trips: the same order, scoped or not.
      expect(scoped.firstHeldByRule.voucher_velocity).toEqual(unscoped.firstHeldByRule.voucher_velocity);
      expect(scoped.escapedBeforeDetection).toBe(unscoped.escapedBeforeDetection);
      // The normal uses during the trip: a trip of every use holds them; scoped, at least 90% fewer are held.
      expect(scoped.legit).toBe(unscoped.legit);
      expect(unscoped.legitHeld).toBeGreaterThan(10);
      expect(scoped.legitHeld * 10).toBeLessThanOrEqual(unscoped.legitHeld);
      expect(scoped.legitHeld).toBeLessThanOrEqual(Math.floor(scoped.legit * 0.1));
    },
    // Twice a few thousand orders through a real Redis: generous for a busy machine (no timing is asserted).
    180_000,
  );
});
